/**
 * One proxy (sidecar or gateway) in time: the xDS resources it has applied, type by type, and what
 * it answers istiod. What a request sees is this proxy's config at that instant: clusters and endpoints
 * from the last applied CDS/EDS, listeners (with their security filters) from the last LDS, route
 * configurations from the last RDS — possibly from different pushes, which is how a route can name a
 * cluster the proxy does not have yet (503 NC) during a rollout.
 *
 * Rules:
 * - Types are applied in the order istiod sends them (CDS, EDS, LDS, RDS), each after Envoy's apply
 *   time; each is ACKed on its own.
 * - A NACKed response changes nothing: the proxy keeps the last config it accepted (xDS protocol).
 * - Envoy rejects a CDS response with a cluster whose outlier detection it refuses (a base ejection
 *   time above max_ejection_time: DetectorImpl::create throws) or whose hash settings it refuses (a
 *   ring above 8M points, a Maglev table size that is not prime): the proxy NACKs it. (Envoy still
 *   applies the other clusters of that response; here the whole response is refused.)
 * - A proxy that has never applied a listener answers nothing: no listener is bound (connection refused).
 * - A proxy keeps its config while disconnected from istiod (Envoy keeps serving the last config).
 * - Cluster warming (Envoy's ClusterManager): an EDS cluster that a CDS response adds or changes is
 *   warming until an EDS response at least as new arrives; until then a new cluster is not there (a
 *   route naming it gets 503 NC) and a changed one keeps serving its previous version. Other discovery
 *   types (STATIC, DNS, ORIGINAL_DST) warm at once here.
 * - A ClusterLoadAssignment only counts for a cluster CDS holds (Envoy drops a cluster's assignment
 *   with the cluster): the engine looks the cluster up first.
 *
 * Warming is kept as the chain of CDS responses since the last one whose clusters have all warmed
 * (`WarmingStep`), each naming the clusters it came with and those it replaced, not as a map per
 * cluster: a proxy's apply costs its own clusters and the length of the chain, not the size of the
 * mesh, and which clusters a response adds or changes is computed once per pair of shared cluster maps
 * (every proxy of a namespace and Sidecar moves between the same two). A cluster's state is read off
 * the chain on demand, and is exactly what a map updated on every response would hold.
 *
 * Invariants: the composed view is rebuilt only when a type changes; no module state (the memos below
 * hold figures derived from immutable config, keyed by its identity).
 *
 * Not modelled: the initial_fetch_timeout that ends warming without EDS, listener draining on change,
 * SDS (certificates are the CA model's).
 */
import { hashSettingsRejection } from '../proxy/lb.ts';
import { outlierDetectionRejection, outlierDetectionSettings } from '../proxy/outlier-detection.ts';
import type { XdsType } from '../trace/run-record.ts';
import { edsHostsOf } from '../controlplane/proxy-scope.ts';
import type { Cluster } from '../xds/cluster.ts';
import { changedNames, NamedMap } from '../xds/named-map.ts';
import { clusterList, clusterNamed } from '../xds/proxy-config.ts';
import type { ClusterLayers, ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { LivePod } from './cluster-state.ts';

/** A cluster warming since a CDS push; `previous` is what serves meanwhile (none: a new cluster). */
interface Warming {
  readonly since: number;
  readonly previous: Cluster | undefined;
}

/**
 * One CDS response in the warming chain: the clusters held before it and those it brought, the EDS
 * push that had ended warming when it came (`cut`), and the older responses whose clusters may still
 * warm (`base`). The state of a cluster after it is `warmingAfter(step, name)`.
 */
interface WarmingStep {
  readonly since: number;
  readonly before: ClusterLayers;
  readonly after: ClusterLayers;
  readonly cut: number;
  readonly base: WarmingStep | null;
}

const NO_CLUSTERS: ClusterLayers = { clusters: NamedMap.empty() };

export const XDS_ORDER: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

/** A counter the proxies of a run share: it moves whenever any of them applies config. */
export interface ConfigEpoch {
  value: number;
}

export class ProxyActor {
  readonly pod: LivePod;
  readonly identity: ProxyIdentity;
  /** The istiod replica this proxy talks to. */
  readonly replica: number;
  private readonly applied = new Map<XdsType, { push: number; config: ProxyConfig }>();
  private composed: ProxyConfig | null = null;
  /** The CDS responses whose EDS clusters may still wait for their endpoints (see the warming rule); null: none. */
  private warming: WarmingStep | null = null;
  /** The newest EDS push that ended warming since the last CDS response (null: none since). */
  private cutSince: number | null = null;
  /** The last CDS applied and the service hosts of its EDS clusters (null before any CDS). */
  private edsHostsOf: { readonly config: ProxyConfig; readonly hosts: ReadonlySet<string> } | null = null;
  private dirty = false;
  /** NACK every response until this instant (a fault); -1: never. */
  nackUntilUs = -1;
  nacks = 0;
  /** Types whose last response was NACKed: the proxy runs an older config of them than istiod sent. */
  private readonly rejected = new Set<XdsType>();
  connected = false;
  /** Extra one-way latency on this proxy's links until `delayUntilUs` (a network fault). */
  extraDelayUs = 0;
  delayUntilUs = -1;

  /** Moved whenever this proxy applies config (the run's flow plans hold while it stays: flow-plans.ts). */
  private readonly epoch: ConfigEpoch | null;

  constructor(pod: LivePod, identity: ProxyIdentity, replica: number, epoch: ConfigEpoch | null = null) {
    this.pod = pod;
    this.identity = identity;
    this.replica = replica;
    this.epoch = epoch;
  }

  get id(): string {
    return this.identity.id;
  }

  /** Applies one type of a push, or refuses it; returns false for a NACK. */
  apply(type: XdsType, push: number, config: ProxyConfig, nowUs: number): boolean {
    if (nowUs < this.nackUntilUs || this.nackUntilUs === Number.MAX_SAFE_INTEGER || (type === 'CDS' && rejectedCluster(config) !== null)) {
      this.nacks += 1;
      this.rejected.add(type);
      return false;
    }
    this.rejected.delete(type);
    const prior = this.applied.get(type);
    // A late response from an older push (e.g. across a reconnect) never replaces a newer one.
    if (prior !== undefined && prior.push > push) return true;
    if (type === 'CDS') this.startWarming(push, config);
    if (type === 'EDS') this.endWarming(push);
    this.applied.set(type, { push, config });
    // What it watches changes with CDS only (edsHosts, asked for every proxy at every push).
    if (type === 'CDS' && this.edsHostsOf?.config !== config) this.edsHostsOf = { config, hosts: edsHostsOf(config) };
    this.dirty = true;
    if (this.epoch !== null) this.epoch.value += 1;
    return true;
  }

  ackedPush(type: XdsType): number {
    return this.applied.get(type)?.push ?? -1;
  }

  /** Holds the last config of every type it was sent (nothing NACKed since). */
  upToDate(): boolean {
    return this.rejected.size === 0 && this.hasFullConfig();
  }

  /** Every type applied at least once: the readiness probe passes. */
  hasFullConfig(): boolean {
    return XDS_ORDER.every((t) => this.applied.has(t));
  }

  /** What the proxy holds right now, or null before its first listener. */
  view(): ProxyConfig | null {
    if (!this.dirty) return this.composed;
    this.dirty = false;
    const lds = this.applied.get('LDS');
    if (lds === undefined) {
      this.composed = null;
      return null;
    }
    const eds = this.applied.get('EDS');
    const rds = this.applied.get('RDS')?.config;
    const active = this.activeClusters();
    this.composed = {
      proxy: this.identity,
      version: `${this.ackedPush('CDS')}.${this.ackedPush('EDS')}.${this.ackedPush('LDS')}.${this.ackedPush('RDS')}`,
      listeners: lds.config.listeners,
      security: lds.config.security,
      clusters: active.clusters,
      ...(active.ownClusters === undefined ? {} : { ownClusters: active.ownClusters }),
      endpoints: eds?.config.endpoints ?? NamedMap.empty(),
      routes: rds?.routes ?? {},
    };
    return this.composed;
  }

  /** The clusters in use: CDS's, except EDS clusters still warming (see the rules above). */
  private activeClusters(): ClusterLayers {
    const cds = this.applied.get('CDS');
    if (cds === undefined) return NO_CLUSTERS;
    if (!this.anyWarming()) return cds.config;
    const active: [string, Cluster][] = [];
    for (const cluster of clusterList(cds.config)) {
      const warming = this.warmingNow(cluster.name);
      if (warming === undefined) active.push([cluster.name, cluster]);
      else if (warming.previous !== undefined) active.push([cluster.name, warming.previous]);
    }
    return { clusters: NamedMap.of(active) };
  }

  /**
   * A CDS response: each EDS cluster it adds or changes warms from this push; one already warming
   * keeps what it serves (and warms from this push if it changed again). Recorded as a step of the
   * chain; the chain is dropped when every cluster of it has warmed (an EDS push at least as new).
   */
  private startWarming(push: number, config: ProxyConfig): void {
    const cut = this.applied.get('EDS')?.push ?? -1;
    const base = this.warming !== null && this.warming.since > cut ? this.warming : null;
    this.warming = { since: push, before: layersOf(this.applied.get('CDS')?.config), after: layersOf(config), cut, base };
    this.cutSince = null;
  }

  /** An EDS response of `push`: clusters warming since that push or earlier are warm. */
  private endWarming(push: number): void {
    if (this.warming === null) return;
    if (this.warming.since <= push) this.warming = null;
    else this.cutSince = push;
  }

  /** The cluster `name` as warming now, or undefined when it is not. */
  private warmingNow(name: string): Warming | undefined {
    if (this.warming === null) return undefined;
    const warming = warmingAfter(this.warming, name);
    return warming !== undefined && (this.cutSince === null || warming.since > this.cutSince) ? warming : undefined;
  }

  /** Is some cluster warming now? Only clusters some step of the chain added or changed can be. */
  private anyWarming(): boolean {
    for (let step = this.warming; step !== null; step = step.base) {
      for (const names of changedEdsNames(step.before, step.after)) {
        for (const name of names) if (this.warmingNow(name) !== undefined) return true;
      }
    }
    return false;
  }

  /** The service hosts of the EDS clusters of the last CDS applied (what it watches), or null before any. */
  edsHosts(): ReadonlySet<string> | null {
    return this.edsHostsOf?.hosts ?? null;
  }

  /** The last config of each type, for the end-of-run snapshot. */
  latest(type: XdsType): ProxyConfig | null {
    return this.applied.get(type)?.config ?? null;
  }
}

/** Just the cluster layers of a config (a warming step keeps no listeners, routes or endpoints alive). */
function layersOf(config: ProxyConfig | undefined): ClusterLayers {
  if (config === undefined) return NO_CLUSTERS;
  return config.ownClusters === undefined ? { clusters: config.clusters } : { clusters: config.clusters, ownClusters: config.ownClusters };
}

/** The state of cluster `name` right after the chain's response `step` (before any later EDS push). */
function warmingAfter(step: WarmingStep, name: string): Warming | undefined {
  const version = clusterNamed(step.after, name);
  if (version === undefined || version.discovery !== 'EDS') return undefined;
  const before = clusterNamed(step.before, name);
  const earlier = step.base === null ? undefined : warmingAfter(step.base, name);
  if (earlier !== undefined && earlier.since > step.cut) {
    // Still warming: it keeps what it serves; a new version of it warms from this push.
    return clusterNamed(step.base!.after, name) === version ? earlier : { since: step.since, previous: earlier.previous };
  }
  return before === version ? undefined : { since: step.since, previous: before };
}

// Names of the EDS clusters that differ between two shared cluster maps, memoised by the maps'
// identity: the proxies of a namespace and Sidecar all move from one map to the next (Istio's
// SidecarScope), so the diff is computed once per push and namespace, not per proxy.
const sharedChanges = new WeakMap<object, WeakMap<object, readonly string[]>>();

/** Every name a CDS response from `before` to `after` may start warming: changed shared EDS clusters and the proxy's own cluster names. */
function changedEdsNames(before: ClusterLayers, after: ClusterLayers): (readonly string[])[] {
  let byAfter = sharedChanges.get(before.clusters);
  if (byAfter === undefined) sharedChanges.set(before.clusters, byAfter = new WeakMap());
  let shared = byAfter.get(after.clusters);
  if (shared === undefined) {
    // Chunk by chunk where the maps share their names (an incremental push's): the unchanged ones are skipped.
    shared = changedNames(before.clusters, after.clusters).filter((name) => after.clusters.get(name)!.discovery === 'EDS');
    byAfter.set(after.clusters, shared);
  }
  return [shared, Object.keys(before.ownClusters ?? {}), Object.keys(after.ownClusters ?? {})];
}

// The first refused cluster of each shared cluster map (null: none), memoised by its identity.
const sharedRejections = new WeakMap<object, string | null>();

/** The first cluster Envoy would refuse (its outlier detection or hash settings), or null. */
export function rejectedCluster(config: ProxyConfig): string | null {
  const own = config.ownClusters;
  if (own !== undefined && Object.keys(own).some((name) => config.clusters.has(name))) return firstRejected(clusterList(config));
  let shared = sharedRejections.get(config.clusters);
  if (shared === undefined) {
    shared = firstRejectedOf(config.clusters);
    sharedRejections.set(config.clusters, shared);
  }
  return shared ?? (own === undefined ? null : firstRejected(Object.values(own)));
}

// The first refused cluster of each chunk of a shared map (null: none), by the chunk's identity: a
// map an incremental push made shares its unchanged chunks, so only the copied ones are looked at.
const chunkRejections = new WeakMap<object, string | null>();

function firstRejectedOf(clusters: NamedMap<Cluster>): string | null {
  for (let c = 0; c < clusters.chunkCount; c += 1) {
    const chunk = clusters.chunkAt(c);
    let rejected = chunkRejections.get(chunk);
    if (rejected === undefined) {
      rejected = firstRejected(chunk.filter((cluster) => cluster !== undefined));
      chunkRejections.set(chunk, rejected);
    }
    if (rejected !== null) return rejected;
  }
  return null;
}

function firstRejected(clusters: readonly Cluster[]): string | null {
  for (const cluster of clusters) {
    if (cluster.outlierDetection !== undefined && outlierDetectionRejection(outlierDetectionSettings(cluster.outlierDetection)) !== null) return cluster.name;
    // Envoy refuses a ring above 8M points or a Maglev table size that is not prime.
    if (hashSettingsRejection(cluster) !== null) return cluster.name;
  }
  return null;
}
