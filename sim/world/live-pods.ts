/**
 * The live pods of a cluster (every phase but terminated), kept in (namespace, name) order as pods
 * come and go, with each pod as the topology shows it (its PodInfo with its current readiness) and the
 * views the cluster's questions need: by workload, by namespace, by name, by IP, and the pods a predicate
 * selects (re-asked whenever a pod is added or shown again). A pod change costs the pods it
 * touches (a binary search and an array move), never a sort or a scan of every pod, so a mesh of
 * 50,000 pods under churn pays per change what one of 50 pays.
 *
 * Invariants: every list is in (namespace, name) order, as the full sort gave it; a pod's shown
 * PodInfo object is replaced only when its readiness changes (lookups memoised by PodInfo identity
 * survive every other change); `list()` and `shownList()` are copies that never change after they are
 * handed out.
 *
 * Not modelled: nothing; this is bookkeeping for sim/world/cluster-state.ts.
 */
import type { PodInfo } from '../topology/model.ts';

/** What this set needs of a live pod. */
export interface LivePodLike {
  readonly info: PodInfo;
  readonly workloadKey: string;
}

export class LivePods<P extends LivePodLike> {
  private readonly order: P[] = [];
  /** Parallel to `order`: each pod as the topology shows it. */
  private readonly shown: PodInfo[] = [];
  private readonly shownOf = new Map<P, PodInfo>();
  private readonly byWorkload = new Map<string, P[]>();
  private readonly byNamespace = new Map<string, P[]>();
  private readonly byIp = new Map<string, P[]>();
  /** By namespace, then name: `named` runs for every request of a run and builds no key. */
  private readonly byName = new Map<string, Map<string, P>>();
  /** Copies handed out since the last change (null: none yet). */
  private podsCopy: readonly P[] | null = null;
  private shownCopy: readonly PodInfo[] | null = null;
  private changes = 0;
  private readonly chosen: P[] = [];
  private readonly chosenSet = new Set<P>();
  private readonly selects: (pod: P) => boolean;

  /** `selects`: which pods `selected()` lists; asked again each time a pod is shown. */
  constructor(selects: (pod: P) => boolean = () => false) {
    this.selects = selects;
  }

  get size(): number {
    return this.order.length;
  }

  has(pod: P): boolean {
    return this.shownOf.has(pod);
  }

  add(pod: P, ready: boolean): void {
    const shown = { ...pod.info, ready };
    const at = insertionPoint(this.order, pod);
    this.order.splice(at, 0, pod);
    this.shown.splice(at, 0, shown);
    this.shownOf.set(pod, shown);
    insertSorted(this.byWorkload, pod.workloadKey, pod);
    insertSorted(this.byNamespace, pod.info.namespace, pod);
    insertSorted(this.byIp, pod.info.ip, pod);
    let named = this.byName.get(pod.info.namespace);
    if (named === undefined) {
      named = new Map();
      this.byName.set(pod.info.namespace, named);
    }
    named.set(pod.info.name, pod);
    this.reselect(pod);
    this.changed();
  }

  remove(pod: P): void {
    if (!this.shownOf.has(pod)) return;
    const at = insertionPoint(this.order, pod);
    this.order.splice(at, 1);
    this.shown.splice(at, 1);
    this.shownOf.delete(pod);
    removeSorted(this.byWorkload, pod.workloadKey, pod);
    removeSorted(this.byNamespace, pod.info.namespace, pod);
    removeSorted(this.byIp, pod.info.ip, pod);
    if (this.byName.get(pod.info.namespace)?.get(pod.info.name) === pod) this.byName.get(pod.info.namespace)!.delete(pod.info.name);
    if (this.chosenSet.delete(pod)) this.chosen.splice(insertionPoint(this.chosen, pod), 1);
    this.changed();
  }

  /** Sets the pod's readiness as shown; true when it changed. */
  show(pod: P, ready: boolean): boolean {
    const current = this.shownOf.get(pod);
    if (current !== undefined) this.reselect(pod);
    if (current === undefined || current.ready === ready) return false;
    const shown = { ...pod.info, ready };
    this.shown[insertionPoint(this.order, pod)] = shown;
    this.shownOf.set(pod, shown);
    this.changed();
    return true;
  }

  shownInfo(pod: P): PodInfo | undefined {
    return this.shownOf.get(pod);
  }

  list(): readonly P[] {
    this.podsCopy ??= this.order.slice();
    return this.podsCopy;
  }

  shownList(): readonly PodInfo[] {
    this.shownCopy ??= this.shown.slice();
    return this.shownCopy;
  }

  /** The live pods of a workload (`NS/NAME`), in name order; the caller must not keep it across a change. */
  ofWorkload(workloadKey: string): readonly P[] {
    return this.byWorkload.get(workloadKey) ?? [];
  }

  /** Moves at every change (a pod added, removed or shown otherwise): answers kept by a caller hold while it stays. */
  get version(): number {
    return this.changes;
  }

  /** The live pod named `name` in `namespace`. */
  named(namespace: string, name: string): P | undefined {
    return this.byName.get(namespace)?.get(name);
  }

  /** The live pods of a namespace, in name order; the caller must not keep it across a change. */
  ofNamespace(namespace: string): readonly P[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  /** The first live pod by (namespace, name) with this IP, as shown: what a scan of `shownList()` finds. */
  shownByIp(ip: string): PodInfo | undefined {
    const first = this.byIp.get(ip)?.[0];
    return first === undefined ? undefined : this.shownOf.get(first);
  }

  /** The pods `selects` chose, in (namespace, name) order; the caller must not keep it across a change. */
  selected(): readonly P[] {
    return this.chosen;
  }

  /** Where the selected pods of a namespace are in `selected()`: [start, end). */
  selectedIn(namespace: string): readonly [number, number] {
    return [namespaceStart(this.chosen, namespace, false), namespaceStart(this.chosen, namespace, true)];
  }

  private changed(): void {
    this.changes += 1;
    this.podsCopy = null;
    this.shownCopy = null;
  }

  private reselect(pod: P): void {
    const want = this.selects(pod);
    if (want === this.chosenSet.has(pod)) return;
    if (want) {
      this.chosenSet.add(pod);
      this.chosen.splice(insertionPoint(this.chosen, pod), 0, pod);
    } else {
      this.chosenSet.delete(pod);
      this.chosen.splice(insertionPoint(this.chosen, pod), 1);
    }
  }

}

/** (namespace, name) as the full sort compared them: UTF-16 code units, namespace first. */
function before(a: LivePodLike, b: LivePodLike): boolean {
  if (a.info.namespace !== b.info.namespace) return a.info.namespace < b.info.namespace;
  return a.info.name < b.info.name;
}

/** The index of `pod` in the sorted list, or where it would go. */
function insertionPoint<P extends LivePodLike>(list: readonly P[], pod: P): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(list[mid]!, pod)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first position whose namespace is not before `namespace` (`after`: not before or equal to it). */
function namespaceStart<P extends LivePodLike>(list: readonly P[], namespace: string, after: boolean): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const ns = list[mid]!.info.namespace;
    if (ns < namespace || (after && ns === namespace)) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSorted<P extends LivePodLike>(groups: Map<string, P[]>, key: string, pod: P): void {
  const list = groups.get(key);
  if (list === undefined) groups.set(key, [pod]);
  else list.splice(insertionPoint(list, pod), 0, pod);
}

function removeSorted<P extends LivePodLike>(groups: Map<string, P[]>, key: string, pod: P): void {
  const list = groups.get(key);
  if (list === undefined) return;
  const at = list.indexOf(pod, insertionPoint(list, pod));
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) groups.delete(key);
}
