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
 *   time above max_ejection_time: DetectorImpl::create throws): the proxy NACKs it. (Envoy still
 *   applies the other clusters of that response; here the whole response is refused.)
 * - A proxy that has never applied a listener answers nothing: no listener is bound (connection refused).
 * - A proxy keeps its config while disconnected from istiod (Envoy keeps serving the last config).
 *
 * Invariants: the composed view is rebuilt only when a type changes; no module state.
 *
 * Not modelled: cluster warming (Envoy waits for a new cluster's EDS before using it; here CDS and EDS
 * of one push land back to back), listener draining on change, SDS (certificates are the CA model's).
 */
import { outlierDetectionRejection, outlierDetectionSettings } from '../proxy/outlier-detection.ts';
import type { XdsType } from '../trace/run-record.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { LivePod } from './cluster-state.ts';

export const XDS_ORDER: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

export class ProxyActor {
  readonly pod: LivePod;
  readonly identity: ProxyIdentity;
  /** The istiod replica this proxy talks to. */
  readonly replica: number;
  private readonly applied = new Map<XdsType, { push: number; config: ProxyConfig }>();
  private composed: ProxyConfig | null = null;
  private dirty = false;
  /** NACK every response until this instant (a fault); -1: never. */
  nackUntilUs = -1;
  nacks = 0;
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
    if (nowUs < this.nackUntilUs || this.nackUntilUs === Number.MAX_SAFE_INTEGER) {
      this.nacks += 1;
      return false;
    }
    if (type === 'CDS' && rejectedCluster(config) !== null) {
      this.nacks += 1;
      return false;
    }
    const prior = this.applied.get(type);
    // A late response from an older push (e.g. across a reconnect) never replaces a newer one.
    if (prior !== undefined && prior.push > push) return true;
    this.applied.set(type, { push, config });
    this.dirty = true;
    return true;
  }

  ackedPush(type: XdsType): number {
    return this.applied.get(type)?.push ?? -1;
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
    const cds = this.applied.get('CDS')?.config;
    const eds = this.applied.get('EDS')?.config;
    // Envoy drops a cluster's ClusterLoadAssignment when CDS removes the cluster.
    const clusters = cds?.clusters ?? {};
    const endpoints = Object.fromEntries(Object.entries(eds?.endpoints ?? {}).filter(([name]) => clusters[name] !== undefined));
    const rds = this.applied.get('RDS')?.config;
    this.composed = {
      proxy: this.identity,
      version: `${this.ackedPush('CDS')}.${this.ackedPush('EDS')}.${this.ackedPush('LDS')}.${this.ackedPush('RDS')}`,
      listeners: lds.config.listeners,
      security: lds.config.security,
      clusters,
      endpoints,
      routes: rds?.routes ?? {},
    };
    return this.composed;
  }

  /** The last config of each type, for the end-of-run snapshot. */
  latest(type: XdsType): ProxyConfig | null {
    return this.applied.get(type)?.config ?? null;
  }
}

/** The first cluster Envoy would refuse (its outlier detection settings), or null. */
export function rejectedCluster(config: ProxyConfig): string | null {
  for (const cluster of Object.values(config.clusters)) {
    if (cluster.outlierDetection !== undefined && outlierDetectionRejection(outlierDetectionSettings(cluster.outlierDetection)) !== null) return cluster.name;
  }
  return null;
}
