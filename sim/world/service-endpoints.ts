/**
 * Endpoints kept per service (`ServiceEntry/namespace/hostname`, as Istio keys them) with the flat list
 * the topology shows (services in their order, each service's endpoints in its own order) and the
 * endpoints of each service port, both updated in place as single services change: a pod change
 * costs the services it touches, not the mesh.
 *
 * Invariants: a service port's list object is replaced only when the service's endpoints are set again
 * (so identity-keyed memos of unchanged ports survive other services' changes); `flatCopy()` equals the concatenation of every service's list in service order;
 * `ofPort(h, ns, port)` equals the flat list filtered by service host, namespace and port, in order;
 * a service's change is reported only when its endpoints' (address, port, service port) set differs.
 *
 * Not modelled: nothing; this is bookkeeping for sim/world/cluster-state.ts.
 */
import type { EndpointInfo } from '../topology/model.ts';
import { endpointPortKey, endpointsByPortKey } from '../topology/lookup.ts';
import { BucketMap } from '../core/bucket-map.ts';

export class ServiceEndpoints {
  private order: readonly string[] = [];
  private position = new Map<string, number>();
  private lengths: number[] = [];
  private tree: number[] = [0];
  private readonly lists = new Map<string, readonly EndpointInfo[]>();
  private readonly texts = new Map<string, string>();
  private byPort = new Map<string, readonly EndpointInfo[]>();
  /** `byPort` was handed out (a snapshot): the next change copies it first. */
  private portsShared = false;
  /** The endpoints of each pod (`namespace/pod`) in flat-list order; a snapshot shares its buckets (a change copies one). */
  private byPod = new BucketMap<readonly EndpointInfo[]>();
  /** The services holding endpoints of each pod. */
  private readonly podServices = new Map<string, Set<string>>();
  /** Each service's endpoints grouped by pod (`namespace/pod`), each group in the service's order. */
  private readonly perService = new Map<string, Map<string, EndpointInfo[]>>();
  private flat: EndpointInfo[] = [];
  private copy: readonly EndpointInfo[] | null = null;

  /** The services, in the order the flat list shows them (duplicates dropped); lists of services no longer named stay known but unshown. */
  setOrder(keys: readonly string[]): void {
    this.order = [...new Set(keys)];
    this.position = new Map(this.order.map((key, i) => [key, i]));
    this.lengths = this.order.map((key) => this.lists.get(key)?.length ?? 0);
    // A Fenwick tree over the lengths: where a service's endpoints start in the flat list in log time.
    this.tree = new Array<number>(this.order.length + 1).fill(0);
    this.lengths.forEach((length, i) => this.grow(i, length));
    this.flat = this.order.flatMap((key) => this.lists.get(key) ?? []);
    this.copy = null;
    const byPod = new Map<string, EndpointInfo[]>();
    for (const e of this.flat) {
      const list = byPod.get(podKeyOf(e));
      if (list === undefined) byPod.set(podKeyOf(e), [e]);
      else list.push(e);
    }
    this.byPod = new BucketMap();
    for (const [pod, list] of byPod) this.byPod.set(pod, list);
  }

  /** Sets one service's endpoints; true when they differ from what it had (a service seen for the first time has changed). */
  set(key: string, list: readonly EndpointInfo[]): boolean {
    const before = this.perService.get(key) ?? new Map<string, EndpointInfo[]>();
    const changed = this.keep(key, list);
    const after = this.perService.get(key)!;
    // Only pods whose endpoints in this service differ get their lists rebuilt: linear in the service.
    const pods = new Set<string>();
    for (const [pod, group] of before) if (!sameItems(group, after.get(pod))) pods.add(pod);
    for (const [pod, group] of after) if (!sameItems(group, before.get(pod))) pods.add(pod);
    const at = this.position.get(key);
    if (at !== undefined) {
      this.flat.splice(this.startOf(at), this.lengths[at]!, ...list);
      this.grow(at, list.length - this.lengths[at]!);
      this.lengths[at] = list.length;
    }
    this.copy = null;
    for (const pod of pods) {
      // The pod's endpoints in flat order: its services by position, each service's in its own order.
      const keys = [...(this.podServices.get(pod) ?? [])].filter((k) => this.position.has(k)).sort((a, b) => this.position.get(a)! - this.position.get(b)!);
      const mine = keys.flatMap((k) => this.perService.get(k)?.get(pod) ?? []);
      if (mine.length === 0) this.byPod.delete(pod);
      else this.byPod.set(pod, mine);
    }
    return changed;
  }

  /**
   * Sets every service's endpoints at once (services not in `lists` are gone: emptied, and named when
   * they had endpoints); returns the services that changed, sorted.
   */
  setAll(lists: ReadonlyMap<string, readonly EndpointInfo[]>): string[] {
    const changed = [...lists].filter(([key, list]) => this.keep(key, list)).map(([key]) => key);
    for (const key of [...this.lists.keys()]) {
      if (lists.has(key)) continue;
      // Gone: named when it had endpoints; its text stays (a service that comes back as it was has not changed).
      const text = this.texts.get(key);
      if (text !== '') changed.push(key);
      this.keep(key, []);
      if (text !== undefined) this.texts.set(key, text);
      this.lists.delete(key);
      this.perService.delete(key);
    }
    this.setOrder(this.order);
    return [...new Set(changed)].sort();
  }

  /** Adds `delta` to the length at position `at` (Fenwick update). */
  private grow(at: number, delta: number): void {
    for (let i = at + 1; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
  }

  /** Where the endpoints of the service at position `at` start in the flat list (Fenwick prefix sum). */
  private startOf(at: number): number {
    let sum = 0;
    for (let i = at; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  /** Records a service's list, text and port lists; true when its text changed. */
  private keep(key: string, list: readonly EndpointInfo[]): boolean {
    const text = endpointText(list);
    const changed = this.texts.get(key) !== text;
    this.texts.set(key, text);
    const old = this.lists.get(key) ?? [];
    for (const e of old) {
      const services = this.podServices.get(podKeyOf(e));
      services?.delete(key);
      if (services?.size === 0) this.podServices.delete(podKeyOf(e));
    }
    const groups = new Map<string, EndpointInfo[]>();
    for (const e of list) {
      const pod = podKeyOf(e);
      let services = this.podServices.get(pod);
      if (services === undefined) this.podServices.set(pod, services = new Set());
      services.add(key);
      const group = groups.get(pod);
      if (group === undefined) groups.set(pod, [e]);
      else group.push(e);
    }
    this.perService.set(key, groups);
    if (this.portsShared) {
      this.byPort = new Map(this.byPort);
      this.portsShared = false;
    }
    for (const e of old) this.byPort.delete(endpointPortKey(e.service, e.serviceNamespace, e.servicePort));
    for (const [portKey, ofPort] of endpointsByPortKey(list)) this.byPort.set(portKey, ofPort);
    this.lists.set(key, list);
    return changed;
  }

  flatCopy(): readonly EndpointInfo[] {
    this.copy ??= this.flat.slice();
    return this.copy;
  }

  /**
   * Every service port's endpoints as they are now, a map that never changes (copy on the next write);
   * a port whose endpoints do not change keeps its list object in every later snapshot.
   */
  portsSnapshot(): ReadonlyMap<string, readonly EndpointInfo[]> {
    this.portsShared = true;
    return this.byPort;
  }

  /** Every pod's endpoints as they are now (`namespace/pod`, in flat-list order), a map that never changes. */
  podsSnapshot(): ReadonlyMap<string, readonly EndpointInfo[]> {
    return this.byPod.snapshot();
  }

  /** The endpoints of one service port, in list order. */
  ofPort(hostname: string, namespace: string, port: number): readonly EndpointInfo[] {
    return this.byPort.get(endpointPortKey(hostname, namespace, port)) ?? [];
  }
}

/** The key the endpoints of a pod are grouped by (an address with no pod groups under `namespace/`). */
export function podKeyOf(e: EndpointInfo): string {
  return `${e.namespace}/${e.pod}`;
}

/** The same endpoint objects in the same order (absent counts as empty). */
function sameItems(a: readonly EndpointInfo[] | undefined, b: readonly EndpointInfo[] | undefined): boolean {
  if (a === undefined || b === undefined) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0;
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

function endpointText(list: readonly EndpointInfo[]): string {
  return list.map((e) => `${e.address}:${e.port}:${e.servicePort}`).sort().join(',');
}
