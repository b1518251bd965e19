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
 * Invariants: the composed view is rebuilt only when a type changes; no module state.
 *
 * Not modelled: the initial_fetch_timeout that ends warming without EDS, listener draining on change,
 * SDS (certificates are the CA model's).
 */
import { hashSettingsRejection } from '../proxy/lb.ts';
import { outlierDetectionRejection, outlierDetectionSettings } from '../proxy/outlier-detection.ts';
import type { XdsType } from '../trace/run-record.ts';
import { edsHostsOf } from '../controlplane/push-scope.ts';
import type { Cluster } from '../xds/cluster.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { LivePod } from './cluster-state.ts';

/** A cluster warming since a CDS push; `previous` is what serves meanwhile (none: a new cluster). */
interface Warming {
  readonly since: number;
  readonly previous: Cluster | undefined;
  readonly version: Cluster;
}

export const XDS_ORDER: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

export class ProxyActor {
  readonly pod: LivePod;
  readonly identity: ProxyIdentity;
  /** The istiod replica this proxy talks to. */
  readonly replica: number;
  private readonly applied = new Map<XdsType, { push: number; config: ProxyConfig }>();
  private composed: ProxyConfig | null = null;
  /** EDS clusters waiting for their endpoints, by name (see the warming rule). */
  private warming = new Map<string, Warming>();
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

  constructor(pod: LivePod, identity: ProxyIdentity, replica: number) {
    this.pod = pod;
    this.identity = identity;
    this.replica = replica;
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
    this.dirty = true;
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
    this.composed = {
      proxy: this.identity,
      version: `${this.ackedPush('CDS')}.${this.ackedPush('EDS')}.${this.ackedPush('LDS')}.${this.ackedPush('RDS')}`,
      listeners: lds.config.listeners,
      security: lds.config.security,
      clusters: this.activeClusters(),
      endpoints: eds?.config.endpoints ?? {},
      routes: rds?.routes ?? {},
    };
    return this.composed;
  }

  /** The clusters in use: CDS's, except EDS clusters still warming (see the rules above). */
  private activeClusters(): Readonly<Record<string, Cluster>> {
    const cds = this.applied.get('CDS');
    if (cds === undefined) return {};
    if (this.warming.size === 0) return cds.config.clusters;
    const active: Record<string, Cluster> = {};
    for (const [name, cluster] of Object.entries(cds.config.clusters)) {
      const warming = this.warming.get(name);
      if (warming === undefined) active[name] = cluster;
      else if (warming.previous !== undefined) active[name] = warming.previous;
    }
    return active;
  }

  /** A CDS response: each EDS cluster it adds or changes warms from this push (a cluster already warming keeps what it serves). */
  private startWarming(push: number, config: ProxyConfig): void {
    this.endWarming(this.applied.get('EDS')?.push ?? -1);
    const before = this.applied.get('CDS')?.config.clusters ?? {};
    const next = new Map<string, Warming>();
    for (const [name, cluster] of Object.entries(config.clusters)) {
      if (cluster.discovery !== 'EDS') continue;
      const warming = this.warming.get(name);
      if (warming !== undefined) next.set(name, warming.version === cluster ? warming : { since: push, previous: warming.previous, version: cluster });
      else if (before[name] !== cluster) next.set(name, { since: push, previous: before[name], version: cluster });
    }
    this.warming = next;
  }

  /** An EDS response of `push`: clusters warming since that push or earlier are warm. */
  private endWarming(push: number): void {
    for (const [name, warming] of [...this.warming]) if (warming.since <= push) this.warming.delete(name);
  }

  /** The service hosts of the EDS clusters of the last CDS applied (what it watches), or null before any. */
  edsHosts(): ReadonlySet<string> | null {
    const cds = this.applied.get('CDS')?.config;
    if (cds === undefined) return null;
    if (this.edsHostsOf?.config !== cds) this.edsHostsOf = { config: cds, hosts: edsHostsOf(cds) };
    return this.edsHostsOf.hosts;
  }

  /** The last config of each type, for the end-of-run snapshot. */
  latest(type: XdsType): ProxyConfig | null {
    return this.applied.get(type)?.config ?? null;
  }
}

/** The first cluster Envoy would refuse (its outlier detection or hash settings), or null. */
export function rejectedCluster(config: ProxyConfig): string | null {
  for (const cluster of Object.values(config.clusters)) {
    if (cluster.outlierDetection !== undefined && outlierDetectionRejection(outlierDetectionSettings(cluster.outlierDetection)) !== null) return cluster.name;
    // Envoy refuses a ring above 8M points or a Maglev table size that is not prime.
    if (hashSettingsRejection(cluster) !== null) return cluster.name;
  }
  return null;
}
