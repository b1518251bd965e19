/**
 * The cluster as the API server holds it, changing in time: resources (a ConfigStore in apply order),
 * namespace labels set with `kubectl label`, and live pods with their lifecycle. It answers "what is the
 * topology now" (pods with their real readiness, endpoints of ready pods only) and, after each change,
 * what istiod's informers will report (changed configs, services whose endpoints changed).
 *
 * Rules:
 * - A pod's sidecar is decided when the pod is created (the injection webhook runs at admission):
 *   labelling a namespace later changes nothing until its pods are recreated (`restart`).
 * - A new pod is not ready until its proxy has its first config (the sidecar's readiness probe on
 *   15021 /healthz/ready fails until then); pods without a proxy are ready when created.
 * - `restart` is a rollout restart: the pod template changes (new template hash), new pods are created
 *   at once and the old ones terminate when every new one is ready (maxSurge 100%, a simplification).
 * - Scaling down terminates the pods with the highest indexes; a failed pod is gone at once.
 * - A deleted pod (`kubectl delete pod`, eviction, churn) is terminating: it leaves its Services'
 *   endpoints at once (the EndpointSlice controller drops terminating pods from the ready addresses)
 *   and keeps serving until the world says it is gone (its sidecar's drain). Its controller replaces
 *   it at once: a Deployment's or DaemonSet's replacement gets a new name, a StatefulSet's waits until
 *   the old pod is gone and takes its name.
 * - A terminated pod's IP is unreachable (connections to it fail) and never reused in a run.
 * - Nodes (when the scenario names them): pods are scheduled as sim/topology/placement.ts says, and
 *   get their node's locality. A node that fails is first only down (its pods stop answering, the
 *   API server does not know yet); once the node controller marks it NotReady its pods stop being
 *   ready (out of the endpoints); once they are evicted they are gone and replaced on other nodes.
 *
 * Invariants: deterministic (pods in name order, IPs allocated in creation order from the pod CIDR past
 * every address used at t=0); a change returns exactly the configs and services it touched. A pod
 * change costs the pods and services it touches (live-pods.ts, service-endpoints.ts), not the mesh: only
 * its workloads are reconciled and only the services that select its pods recomputed; the resources'
 * topology is rebuilt only when a kind it is made of changes (a VirtualService or DestinationRule
 * change reconciles nothing), and the topology a caller sees is assembled when asked.
 *
 * Not modelled: rolling-update batches (maxSurge/maxUnavailable), graceful drain windows, node placement.
 */
import { groupBy } from '../core/group.ts';
import { loadManifests } from '../config/load-resources.ts';
import type { ManifestSource } from '../config/parse-manifests.ts';
import { resourceKey, type AnyResource } from '../config/resource.ts';
import type { KindName } from '../config/kinds.ts';
import { ConfigStore } from '../config/store.ts';
import { serviceSelects } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import { formatIpv4, parseCidr, parseIpv4 } from '../topology/addresses.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { EndpointInfo, MeshSettings, NodeInfo, PodInfo, ServiceInfo, Topology, WorkloadInfo } from '../topology/model.ts';
import { placePod, podLocality, spreadOrder } from '../topology/placement.ts';
import { buildEndpoints } from '../topology/services.ts';
import { podName } from '../topology/workloads.ts';
import { LivePods } from './live-pods.ts';
import { ServiceEndpoints } from './service-endpoints.ts';
import { TopologyNow } from './topology-now.ts';

export type PodPhase = 'starting' | 'ready' | 'terminating' | 'terminated';

export interface LivePod {
  readonly info: PodInfo;
  readonly workloadKey: string;
  readonly generation: number;
  readonly index: number;
  phase: PodPhase;
  readonly createdUs: number;
}

/** What istiod's informers will see of one change. */
export interface ClusterChange {
  /** Configs istiod watches that changed, `Kind/namespace/name` (workload and Namespace changes show as endpoints). */
  readonly configs: readonly string[];
  /** Services whose endpoints changed, `ServiceEntry/namespace/hostname` as Istio keys them. */
  readonly endpoints: readonly string[];
  /** Whether a full push is needed (any config or Service changed). */
  readonly full: boolean;
  readonly created: readonly LivePod[];
  readonly terminated: readonly LivePod[];
}

const ENDPOINT_ONLY_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'Namespace']);
/** The kinds sim/topology builds the topology from (with the namespaces every resource names). */
const TOPOLOGY_KINDS: ReadonlySet<string> = new Set(['Namespace', 'Service', 'ServiceEntry', 'Deployment', 'StatefulSet', 'DaemonSet', 'Pod', 'WorkloadEntry']);

/** The topology from resources, with the groupings a pod change reads. */
interface Base {
  readonly revision: string;
  readonly topology: Topology;
  /** The first pod `buildTopology` made of each workload (`NS/NAME`): its IP is the template's. */
  readonly templates: ReadonlyMap<string, PodInfo>;
  readonly workloads: ReadonlyMap<string, WorkloadInfo>;
  readonly workloadsByNamespace: ReadonlyMap<string, readonly WorkloadInfo[]>;
  readonly servicesByNamespace: ReadonlyMap<string, readonly ServiceInfo[]>;
  readonly servicesByKey: ReadonlyMap<string, readonly ServiceInfo[]>;
  readonly namespaces: ReadonlySet<string>;
  readonly declared: ReadonlySet<string>;
}

export class ClusterState {
  readonly store = new ConfigStore();
  private readonly settings: MeshSettings;
  private readonly namespaceLabels = new Map<string, Labels>();
  /** Every pod not yet terminated, by `namespace/name`, in creation order. */
  private readonly pods = new Map<string, LivePod>();
  /** The same pods per workload, in creation order (the order a reconcile visits them). */
  private readonly created = new Map<string, LivePod[]>();
  /** Live pods; the selected ones are those a churn may delete: ready, and replaced by a controller when deleted. */
  private readonly live = new LivePods<LivePod>((p) => p.phase === 'ready' && (p.info.workloadKind === 'Deployment' || p.info.workloadKind === 'StatefulSet'));
  private readonly endpoints = new ServiceEndpoints();
  private readonly generations = new Map<string, number>();
  /** Replacements made so far per `ns/workload/index` (new pod names for Deployments and DaemonSets). */
  private readonly incarnations = new Map<string, number>();
  private readonly goneIps = new Set<string>();
  private nextIp: number;
  /** The topology shown now, assembled when first asked after a change (null: not yet). */
  private current: TopologyNow | null = null;
  private base: Base | null = null;
  /** Bumped by every change to what the topology is built from (TOPOLOGY_KINDS, new or vanishing namespaces). */
  private topologyRevision = 0;
  private labelsRevision = 0;
  private readonly names = new Map<string, string>();
  private readonly nodes: readonly NodeInfo[];
  /** Failed nodes: down (pods unreachable), and the ones the node controller has marked NotReady. */
  private readonly downNodes = new Set<string>();
  private readonly notReadyNodes = new Set<string>();

  /** The mesh at t=0: every pod exists, is ready and keeps the name and IP `validate` shows. */
  constructor(resources: readonly AnyResource[], settings: MeshSettings, nodes: readonly NodeInfo[] = []) {
    this.settings = settings;
    this.nodes = nodes;
    for (const r of resources) this.store.apply(r);
    const base = this.baseNow();
    let highest = parseCidr(settings.podCidr)!.base + 1;
    const indexes = new Map<string, number>();
    for (const pod of base.topology.pods) {
      const key = `${pod.namespace}/${pod.workload}`;
      const index = indexes.get(key) ?? 0;
      indexes.set(key, index + 1);
      this.add({ info: this.placed(pod, key, index, 0), workloadKey: key, generation: 0, index, phase: 'ready', createdUs: 0 });
      const ip = parseIpv4(pod.ip);
      if (ip !== null && ip >= highest) highest = ip + 1;
    }
    this.nextIp = highest;
    this.derive(base, null);
  }

  /** The topology now: every live pod with its readiness, and the endpoints of ready pods (topology-now.ts). */
  get topology(): Topology {
    this.current ??= new TopologyNow(this.base!.topology, {
      pods: () => this.live.shownList(), endpoints: () => this.endpoints.flatCopy(),
      podByIp: (ip) => this.live.shownByIp(ip), ofPort: (h, ns, port) => this.endpoints.ofPort(h, ns, port),
    });
    return this.current.topology;
  }

  /** The pod shown with this address now, as `podByIp(topology.pods, ip)` finds it, without the list. */
  podAt(ip: string): PodInfo | undefined {
    return this.live.shownByIp(ip);
  }

  /** The endpoints now by service port (`endpointPortKey`) and by pod (`namespace/pod`); lists of unchanged ports keep their identity. */
  endpointLists(): { readonly endpointsByPort: ReadonlyMap<string, readonly EndpointInfo[]>; readonly endpointsByPod: ReadonlyMap<string, readonly EndpointInfo[]> } {
    return { endpointsByPort: this.endpoints.portsSnapshot(), endpointsByPod: this.endpoints.podsSnapshot() };
  }

  /** Every pod not terminated, in (namespace, name) order; a copy that a later change leaves alone. */
  livePods(): readonly LivePod[] {
    return this.live.list();
  }

  /** The live pods of one workload (`NS/NAME`), in name order. */
  podsOf(workload: string): readonly LivePod[] {
    return this.live.ofWorkload(workload).slice();
  }

  /** The same, lent rather than copied: read it at once, before the next change (every arrival reads it). */
  podsOfLent(workload: string): readonly LivePod[] {
    return this.live.ofWorkload(workload);
  }

  /**
   * Ready pods of Deployments and StatefulSets (a deletion is replaced), in (namespace, name) order, with
   * where each namespace's are; read at once, before the next change.
   */
  replaceableReady(): { readonly pods: readonly LivePod[]; rangeOf(namespace: string): readonly [number, number] } {
    return { pods: this.live.selected(), rangeOf: (namespace) => this.live.selectedIn(namespace) };
  }

  pod(namespace: string, name: string): LivePod | undefined {
    return this.live.named(namespace, name);
  }

  /** Moves whenever a pod comes, goes or changes readiness: what `pod` answered holds while it stays. */
  get podsVersion(): number { return this.live.version; }

  /** An address that belonged to a pod which is gone: connections to it fail. */
  isGone(ip: string): boolean {
    return this.goneIps.has(ip);
  }

  apply(sources: readonly ManifestSource[], nowUs: number): ClusterChange {
    const loaded = loadManifests(sources);
    const configs: string[] = [];
    for (const r of loaded.resources) {
      if (this.store.apply(r) === null) continue;
      configs.push(resourceKey(r));
      if (TOPOLOGY_KINDS.has(r.kind) || (r.namespace !== '' && !this.base!.namespaces.has(r.namespace))) this.topologyRevision += 1;
    }
    return this.settle(configs, nowUs, []);
  }

  delete(keys: readonly { kind: string; namespace: string; name: string }[], nowUs: number): ClusterChange {
    const configs: string[] = [];
    for (const k of keys) {
      if (this.store.delete(k.kind as KindName, k.namespace, k.name) === null) continue;
      configs.push(`${k.kind}/${k.namespace}/${k.name}`);
      // A namespace no Namespace declares lives as long as some resource names it.
      if (TOPOLOGY_KINDS.has(k.kind) || (k.namespace !== '' && !this.base!.declared.has(k.namespace))) this.topologyRevision += 1;
    }
    return this.settle(configs, nowUs, []);
  }

  scale(workload: string, replicas: number, nowUs: number): ClusterChange {
    const [namespace, name] = workload.split('/') as [string, string];
    const found = (['Deployment', 'StatefulSet'] as const).map((kind) => this.store.get(kind, namespace, name)).find((r) => r !== undefined);
    if (found === undefined) return this.settle([], nowUs, []);
    const spec = { ...(found.body['spec'] as Record<string, unknown>), replicas };
    this.store.apply({ ...found, spec: spec as never, body: { ...found.body, spec } } as AnyResource);
    this.topologyRevision += 1;
    return this.settle([resourceKey(found)], nowUs);
  }

  labelNamespace(namespace: string, labels: Readonly<Record<string, string | null>>, nowUs: number): ClusterChange {
    const next: Record<string, string> = { ...(this.namespaceLabels.get(namespace) ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.namespaceLabels.set(namespace, next);
    this.labelsRevision += 1;
    return this.settle([`Namespace//${namespace}`], nowUs);
  }

  restart(workload: string, nowUs: number): ClusterChange {
    this.generations.set(workload, (this.generations.get(workload) ?? 0) + 1);
    return this.settle([], nowUs, [], [workload]);
  }

  /** Pods of `workload` fail (the first by name): gone at once, their controller recreates them. */
  fail(workload: string, count: number, nowUs: number): ClusterChange {
    const victims = this.live.ofWorkload(workload).filter((p) => p.phase !== 'terminating').slice(0, count);
    for (const pod of victims) {
      this.replaced(pod);
      this.terminate(pod);
    }
    // The controller replaces them with pods of the same template (new names, new IPs).
    this.generations.set(workload, this.generations.get(workload) ?? 0);
    const change = this.settle([], nowUs, victims, [workload]);
    return { ...change, terminated: [...victims, ...change.terminated] };
  }

  /** A pod is deleted: terminating (out of the endpoints, still serving), replaced by its controller. */
  deletePod(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase === 'terminating' || pod.phase === 'terminated') return this.settle([], nowUs, []);
    pod.phase = 'terminating';
    this.replaced(pod);
    return this.settle([], nowUs, [pod]);
  }

  /** A terminating pod's containers have exited: it is gone. */
  podGone(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase !== 'terminating') return this.settle([], nowUs, []);
    this.terminate(pod);
    const change = this.settle([], nowUs, [pod]);
    return { ...change, terminated: [pod, ...change.terminated] };
  }

  private replaced(pod: LivePod): void {
    const slot = `${pod.workloadKey}/${pod.index}`;
    this.incarnations.set(slot, (this.incarnations.get(slot) ?? 0) + 1);
  }

  /** The pod's proxy has its first config: the readiness probe passes. */
  markReady(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase !== 'starting') return this.settle([], nowUs, []);
    pod.phase = 'ready';
    return this.settle([], nowUs, [pod]);
  }

  private add(pod: LivePod): void {
    this.pods.set(`${pod.info.namespace}/${pod.info.name}`, pod);
    const mine = this.created.get(pod.workloadKey);
    if (mine === undefined) this.created.set(pod.workloadKey, [pod]);
    else mine.push(pod);
    this.live.add(pod, this.isReady(pod));
  }

  private terminate(pod: LivePod): void {
    pod.phase = 'terminated';
    this.goneIps.add(pod.info.ip);
    this.pods.delete(`${pod.info.namespace}/${pod.info.name}`);
    const mine = this.created.get(pod.workloadKey);
    const at = mine?.indexOf(pod) ?? -1;
    if (at >= 0) mine!.splice(at, 1);
    if (mine?.length === 0) this.created.delete(pod.workloadKey);
    this.live.remove(pod);
  }

  /** Ready as the EndpointSlice controller sees it: its probe passes and its node is not NotReady. */
  private isReady(pod: LivePod): boolean {
    return pod.phase === 'ready' && !(pod.info.node !== undefined && this.notReadyNodes.has(pod.info.node));
  }

  /** The topology from resources, rebuilt when what it is made of changed. */
  private baseNow(): Base {
    const revision = `${this.topologyRevision}/${this.labelsRevision}`;
    if (this.base?.revision === revision) return this.base;
    const topology = buildTopology(this.store.all(), this.settings, Object.fromEntries(this.namespaceLabels));
    const templates = new Map<string, PodInfo>();
    for (const p of topology.pods) if (!templates.has(`${p.namespace}/${p.workload}`)) templates.set(`${p.namespace}/${p.workload}`, p);
    this.base = {
      revision, topology, templates,
      workloads: new Map(topology.workloads.map((w) => [`${w.namespace}/${w.name}`, w])),
      workloadsByNamespace: groupBy(topology.workloads, (w) => w.namespace),
      servicesByNamespace: groupBy(topology.services, (s) => s.namespace),
      servicesByKey: groupBy(topology.services, (s) => serviceKey(s.namespace, s.hostname)),
      namespaces: new Set(topology.namespaces.map((n) => n.name)),
      declared: new Set(topology.namespaces.filter((n) => n.declared).map((n) => n.name)),
    };
    this.endpoints.setOrder(topology.services.map((s) => serviceKey(s.namespace, s.hostname)));
    return this.base;
  }

  /**
   * Reconciles pods with their controllers, updates the topology and reports what changed. `touched`
   * (null: everything may have changed) are the pods this change was to, `workloads` the workloads it
   * concerns besides theirs: with the resources' topology unchanged only those workloads are reconciled
   * and only the services selecting a pod that changed recomputed (a Service selects pods of its own
   * namespace).
   */
  private settle(configs: readonly string[], nowUs: number, touched: readonly LivePod[] | null = null, workloads: readonly string[] = []): ClusterChange {
    this.current?.recall();
    this.current = null;
    const previous = this.base;
    const base = this.baseNow();
    const incremental = touched !== null && previous === base;
    const created: LivePod[] = [];
    const terminated: LivePod[] = [];
    const keys = incremental ? [...new Set([...touched.map((p) => p.workloadKey), ...workloads])] : base.topology.workloads.map((w) => `${w.namespace}/${w.name}`);
    for (const key of keys) {
      const w = base.workloads.get(key);
      if (w !== undefined) this.reconcileWorkload(w, base.templates.get(key), this.created.get(key) ?? [], nowUs, created, terminated);
    }
    if (!incremental) {
      for (const pod of [...this.pods.values()]) {
        if (!base.workloads.has(pod.workloadKey)) {
          this.terminate(pod);
          terminated.push(pod);
        }
      }
    }
    const endpoints = this.derive(base, incremental ? [...touched, ...created, ...terminated] : null);
    const watched = configs.filter((c) => !ENDPOINT_ONLY_KINDS.has(c.split('/')[0]!));
    return { configs: watched, endpoints, full: watched.length > 0, created, terminated };
  }

  private reconcileWorkload(w: WorkloadInfo, template: PodInfo | undefined, existing: readonly LivePod[], nowUs: number, created: LivePod[], terminated: LivePod[]): void {
    const key = `${w.namespace}/${w.name}`;
    const generation = this.generations.get(key) ?? 0;
    const fixedName = w.kind === 'Pod' || w.kind === 'WorkloadEntry';
    const mine = [...existing];
    for (let index = 0; index < w.replicas; index += 1) {
      const incarnation = w.kind === 'StatefulSet' ? 0 : this.incarnations.get(`${key}/${index}`) ?? 0;
      const name = fixedName ? w.name : this.podName(w, index, generation, incarnation);
      if (this.pods.has(`${w.namespace}/${name}`)) continue;
      const info = this.placed({
        name, namespace: w.namespace, workload: w.name, workloadKind: w.kind, ip: this.allocateIp(template?.ip, fixedName),
        labels: w.labels, serviceAccount: w.serviceAccount, identity: w.identity, proxy: w.proxy, ready: false,
      }, key, index, incarnation);
      const pod: LivePod = { info, workloadKey: key, generation, index, phase: w.proxy === 'none' ? 'ready' : 'starting', createdUs: nowUs };
      this.add(pod);
      created.push(pod);
      mine.push(pod);
    }
    // Terminating pods go on their own (their drain); they count for nothing here.
    const serving = mine.filter((p) => p.phase !== 'terminating' && p.phase !== 'terminated');
    const current = serving.filter((p) => p.generation === generation && p.index < w.replicas);
    const newAllReady = current.length >= w.replicas && current.every((p) => p.phase === 'ready');
    for (const pod of serving) {
      const old = pod.generation !== generation;
      // Old-template pods go when the new ones are all ready; surplus pods (scale down) go at once.
      if ((old && newAllReady) || (!old && pod.index >= w.replicas)) {
        this.terminate(pod);
        terminated.push(pod);
      }
    }
  }
  /** The pod on the node the scheduler picks among the nodes that are up, with that node's locality. */
  private placed(pod: PodInfo, workload: string, slot: number, replacement: number): PodInfo {
    if (this.nodes.length === 0) return pod;
    const node = placePod(spreadOrder(this.nodes.filter((n) => !this.downNodes.has(n.name))), workload, slot, replacement);
    const locality = podLocality(node, pod.labels);
    return { ...pod, ...(node === null ? {} : { node: node.name }), ...(locality === undefined ? {} : { locality }) };
  }

  /** Is the pod's node down (the pod does not answer)? Without a pod: is any node down? */
  onDownNode(pod?: PodInfo): boolean {
    return pod === undefined ? this.downNodes.size > 0 : pod.node !== undefined && this.downNodes.has(pod.node);
  }

  /**
   * A node fails (`down`), is marked NotReady by the node controller (`not-ready`: its pods leave the
   * endpoints), has its pods evicted (`evicted`: gone, replaced elsewhere), or comes back (`up`).
   */
  node(name: string, state: 'down' | 'not-ready' | 'evicted' | 'up', nowUs: number): ClusterChange {
    const on = [...this.pods.values()].filter((p) => p.info.node === name && p.phase !== 'terminated');
    switch (state) {
      case 'down':
        this.downNodes.add(name);
        return this.settle([], nowUs, on);
      case 'not-ready':
        this.notReadyNodes.add(name);
        return this.settle([], nowUs, on);
      case 'evicted': {
        for (const pod of on) {
          this.replaced(pod);
          this.terminate(pod);
        }
        const change = this.settle([], nowUs, on);
        return { ...change, terminated: [...on, ...change.terminated] };
      }
      case 'up':
        this.downNodes.delete(name);
        this.notReadyNodes.delete(name);
        return this.settle([], nowUs, on);
    }
  }

  private podName(w: WorkloadInfo, index: number, generation: number, incarnation: number): string {
    const key = `${w.kind}/${w.namespace}/${w.name}/${index}/${generation}/${incarnation}`;
    let name = this.names.get(key);
    if (name === undefined) this.names.set(key, (name = podName(w, index, generation, incarnation)));
    return name;
  }

  private allocateIp(templateIp: string | undefined, fixed: boolean): string {
    // A Pod or WorkloadEntry with its own address keeps it; everything else gets a fresh one.
    if (fixed && templateIp !== undefined && !this.goneIps.has(templateIp)) return templateIp;
    const ip = formatIpv4(this.nextIp);
    this.nextIp += 1;
    return ip;
  }

  /**
   * Shows each pod with its readiness and recomputes the endpoints of the services a changed pod could
   * be selected by (`changed`; null: every pod and service). Returns the services whose endpoints
   * changed, `ServiceEntry/namespace/hostname`, sorted.
   */
  private derive(base: Base, changed: readonly LivePod[] | null): string[] {
    const pods = changed ?? this.live.list();
    for (const pod of pods) if (pod.phase !== 'terminated') this.live.show(pod, this.isReady(pod));
    const entries = this.store.list('ServiceEntry');
    if (changed === null) {
      return this.endpoints.setAll(endpointsByService(base.topology.services, buildEndpoints(base.topology.services, base.topology.workloads, this.live.shownList(), entries)));
    }
    // The services whose endpoints may have moved: those selecting a changed pod, and every
    // ServiceEntry of its namespace (its workloadSelector), with whatever shares their key.
    const keys = new Set<string>();
    const namespaces = new Set<string>();
    for (const pod of changed) {
      namespaces.add(pod.info.namespace);
      for (const s of base.servicesByNamespace.get(pod.info.namespace) ?? []) {
        if (s.kind === 'ServiceEntry' || serviceSelects(s.selector, pod.info.labels)) keys.add(serviceKey(s.namespace, s.hostname));
      }
    }
    if (keys.size === 0) return [];
    const services = [...keys].flatMap((key) => base.servicesByKey.get(key) ?? []);
    // The pods those services could select: a ServiceEntry's workloadSelector reads the whole namespace;
    // else only pods some selector takes (in order, so the endpoints come out as from every pod).
    const anyEntry = services.some((s) => s.kind === 'ServiceEntry');
    const scopedPods: PodInfo[] = [];
    for (const ns of namespaces) {
      for (const p of this.live.ofNamespace(ns)) {
        const info = this.live.shownInfo(p)!;
        if (anyEntry || services.some((s) => s.namespace === info.namespace && serviceSelects(s.selector, info.labels))) scopedPods.push(info);
      }
    }
    const workloads = [...namespaces].flatMap((ns) => base.workloadsByNamespace.get(ns) ?? []);
    const fresh = endpointsByService(services, buildEndpoints(services, workloads, scopedPods, entries));
    return [...fresh.keys()].filter((key) => this.endpoints.set(key, fresh.get(key)!)).sort();
  }
}

function serviceKey(namespace: string, hostname: string): string {
  return `ServiceEntry/${namespace}/${hostname}`;
}

/** Endpoints grouped by service key, every service present (an empty list when it has none). */
function endpointsByService(services: readonly ServiceInfo[], endpoints: readonly EndpointInfo[]): Map<string, EndpointInfo[]> {
  const fresh = new Map<string, EndpointInfo[]>();
  for (const s of services) fresh.set(serviceKey(s.namespace, s.hostname), []);
  for (const e of endpoints) fresh.get(serviceKey(e.serviceNamespace, e.service))!.push(e);
  return fresh;
}
