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
 *
 * Invariants: deterministic (pods in name order, IPs allocated in creation order from the pod CIDR past
 * every address used at t=0); a change returns exactly the configs and services it touched.
 *
 * Not modelled: rolling-update batches (maxSurge/maxUnavailable), graceful drain windows, node placement.
 */
import { compareBy } from '../core/compare.ts';
import { loadManifests } from '../config/load-resources.ts';
import type { ManifestSource } from '../config/parse-manifests.ts';
import { resourceKey } from '../config/resource.ts';
import type { AnyResource } from '../config/resource.ts';
import type { KindName } from '../config/kinds.ts';
import { ConfigStore } from '../config/store.ts';
import type { Labels } from '../config/selectors.ts';
import { formatIpv4, parseCidr, parseIpv4 } from '../topology/addresses.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { MeshSettings, PodInfo, Topology, WorkloadInfo } from '../topology/model.ts';
import { buildEndpoints } from '../topology/services.ts';
import { podName } from '../topology/workloads.ts';

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

export class ClusterState {
  readonly store = new ConfigStore();
  private readonly settings: MeshSettings;
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly pods = new Map<string, LivePod>();
  private readonly generations = new Map<string, number>();
  /** Replacements made so far per `ns/workload/index` (new pod names for Deployments and DaemonSets). */
  private readonly incarnations = new Map<string, number>();
  private readonly goneIps = new Set<string>();
  private nextIp: number;
  private current: Topology;

  /** The mesh at t=0: every pod exists, is ready and keeps the name and IP `validate` shows. */
  constructor(resources: readonly AnyResource[], settings: MeshSettings) {
    this.settings = settings;
    for (const r of resources) this.store.apply(r);
    const base = buildTopology(this.store.all(), settings);
    let highest = parseCidr(settings.podCidr)!.base + 1;
    const indexes = new Map<string, number>();
    for (const pod of base.pods) {
      const key = `${pod.namespace}/${pod.workload}`;
      const index = indexes.get(key) ?? 0;
      indexes.set(key, index + 1);
      this.pods.set(`${pod.namespace}/${pod.name}`, { info: pod, workloadKey: key, generation: 0, index, phase: 'ready', createdUs: 0 });
      const ip = parseIpv4(pod.ip);
      if (ip !== null && ip >= highest) highest = ip + 1;
    }
    this.nextIp = highest;
    this.current = this.derive(base);
  }

  get topology(): Topology {
    return this.current;
  }

  livePods(): LivePod[] {
    return [...this.pods.values()].filter((p) => p.phase !== 'terminated').sort(compareBy<LivePod>((p) => p.info.namespace, (p) => p.info.name));
  }

  pod(namespace: string, name: string): LivePod | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** An address that belonged to a pod which is gone: connections to it fail. */
  isGone(ip: string): boolean {
    return this.goneIps.has(ip);
  }

  apply(sources: readonly ManifestSource[], nowUs: number): ClusterChange {
    const loaded = loadManifests(sources);
    const configs: string[] = [];
    for (const r of loaded.resources) if (this.store.apply(r) !== null) configs.push(resourceKey(r));
    return this.settle(configs, nowUs);
  }

  delete(keys: readonly { kind: string; namespace: string; name: string }[], nowUs: number): ClusterChange {
    const configs: string[] = [];
    for (const k of keys) {
      if (this.store.delete(k.kind as KindName, k.namespace, k.name) !== null) configs.push(`${k.kind}/${k.namespace}/${k.name}`);
    }
    return this.settle(configs, nowUs);
  }

  scale(workload: string, replicas: number, nowUs: number): ClusterChange {
    const [namespace, name] = workload.split('/') as [string, string];
    const found = (['Deployment', 'StatefulSet'] as const).map((kind) => this.store.get(kind, namespace, name)).find((r) => r !== undefined);
    if (found === undefined) return this.settle([], nowUs);
    const spec = { ...(found.body['spec'] as Record<string, unknown>), replicas };
    this.store.apply({ ...found, spec: spec as never, body: { ...found.body, spec } } as AnyResource);
    return this.settle([resourceKey(found)], nowUs);
  }

  labelNamespace(namespace: string, labels: Readonly<Record<string, string | null>>, nowUs: number): ClusterChange {
    const next: Record<string, string> = { ...(this.namespaceLabels.get(namespace) ?? {}) };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    this.namespaceLabels.set(namespace, next);
    return this.settle([`Namespace//${namespace}`], nowUs);
  }

  restart(workload: string, nowUs: number): ClusterChange {
    this.generations.set(workload, (this.generations.get(workload) ?? 0) + 1);
    return this.settle([], nowUs);
  }

  /** Pods of `workload` fail (the first by name): gone at once, their controller recreates them. */
  fail(workload: string, count: number, nowUs: number): ClusterChange {
    const victims = this.livePods().filter((p) => p.workloadKey === workload && p.phase !== 'terminating').slice(0, count);
    for (const pod of victims) {
      this.replaced(pod);
      this.terminate(pod);
    }
    // The controller replaces them with pods of the same template (new names, new IPs).
    this.generations.set(workload, this.generations.get(workload) ?? 0);
    const change = this.settle([], nowUs);
    return { ...change, terminated: [...victims, ...change.terminated] };
  }

  /** A pod is deleted: terminating (out of the endpoints, still serving), replaced by its controller. */
  deletePod(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase === 'terminating' || pod.phase === 'terminated') return this.settle([], nowUs);
    pod.phase = 'terminating';
    this.replaced(pod);
    return this.settle([], nowUs);
  }

  /** A terminating pod's containers have exited: it is gone. */
  podGone(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase !== 'terminating') return this.settle([], nowUs);
    this.terminate(pod);
    const change = this.settle([], nowUs);
    return { ...change, terminated: [pod, ...change.terminated] };
  }

  private replaced(pod: LivePod): void {
    const slot = `${pod.workloadKey}/${pod.index}`;
    this.incarnations.set(slot, (this.incarnations.get(slot) ?? 0) + 1);
  }

  /** The pod's proxy has its first config: the readiness probe passes. */
  markReady(pod: LivePod, nowUs: number): ClusterChange {
    if (pod.phase !== 'starting') return this.settle([], nowUs);
    pod.phase = 'ready';
    return this.settle([], nowUs);
  }

  private terminate(pod: LivePod): void {
    pod.phase = 'terminated';
    this.goneIps.add(pod.info.ip);
    this.pods.delete(`${pod.info.namespace}/${pod.info.name}`);
  }

  /** Reconciles pods with their controllers, rebuilds the topology and reports what changed. */
  private settle(configs: readonly string[], nowUs: number): ClusterChange {
    const labels = Object.fromEntries(this.namespaceLabels);
    const base = buildTopology(this.store.all(), this.settings, labels);
    const created: LivePod[] = [];
    const terminated: LivePod[] = [];
    const byWorkload = new Map(base.workloads.map((w) => [`${w.namespace}/${w.name}`, w]));
    const podsOf = new Map<string, LivePod[]>();
    for (const pod of this.pods.values()) {
      const list = podsOf.get(pod.workloadKey);
      if (list === undefined) podsOf.set(pod.workloadKey, [pod]);
      else list.push(pod);
    }
    const templates = new Map<string, PodInfo>();
    for (const p of base.pods) if (!templates.has(`${p.namespace}/${p.workload}`)) templates.set(`${p.namespace}/${p.workload}`, p);
    for (const w of base.workloads) this.reconcileWorkload(w, templates.get(`${w.namespace}/${w.name}`), podsOf.get(`${w.namespace}/${w.name}`) ?? [], nowUs, created, terminated);
    for (const pod of [...this.pods.values()]) {
      if (!byWorkload.has(pod.workloadKey)) {
        this.terminate(pod);
        terminated.push(pod);
      }
    }
    const before = this.current;
    this.current = this.derive(base);
    const endpoints = changedEndpoints(before, this.current);
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
      const name = fixedName ? w.name : podName(w, index, generation, incarnation);
      if (this.pods.has(`${w.namespace}/${name}`)) continue;
      const info: PodInfo = {
        name, namespace: w.namespace, workload: w.name, workloadKind: w.kind, ip: this.allocateIp(template?.ip, fixedName),
        labels: w.labels, serviceAccount: w.serviceAccount, identity: w.identity, proxy: w.proxy, ready: false,
      };
      const pod: LivePod = { info, workloadKey: key, generation, index, phase: w.proxy === 'none' ? 'ready' : 'starting', createdUs: nowUs };
      this.pods.set(`${w.namespace}/${name}`, pod);
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

  private allocateIp(templateIp: string | undefined, fixed: boolean): string {
    // A Pod or WorkloadEntry with its own address keeps it; everything else gets a fresh one.
    if (fixed && templateIp !== undefined && !this.goneIps.has(templateIp)) return templateIp;
    const ip = formatIpv4(this.nextIp);
    this.nextIp += 1;
    return ip;
  }

  private derive(base: Topology): Topology {
    const pods = this.livePods().map((p) => ({ ...p.info, ready: p.phase === 'ready' }));
    const endpoints = buildEndpoints(base.services, base.workloads, pods, this.store.all());
    return { ...base, pods, endpoints };
  }
}

function changedEndpoints(before: Topology, after: Topology): string[] {
  const keyOf = (t: Topology) => {
    const map = new Map<string, string[]>();
    for (const e of t.endpoints) {
      const k = `ServiceEntry/${e.serviceNamespace}/${e.service}`;
      let list = map.get(k);
      if (list === undefined) map.set(k, (list = []));
      list.push(`${e.address}:${e.port}:${e.servicePort}`);
    }
    return new Map([...map].map(([k, v]) => [k, v.sort().join(',')]));
  };
  const a = keyOf(before);
  const b = keyOf(after);
  const out = new Set<string>();
  for (const [k, v] of a) if (b.get(k) !== v) out.add(k);
  for (const k of b.keys()) if (!a.has(k)) out.add(k);
  return [...out].sort();
}
