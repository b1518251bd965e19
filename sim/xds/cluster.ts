/**
 * Compiled upstream clusters and their endpoints, as Envoy's CDS and EDS carry them.
 *
 * Cluster names follow Istio: `outbound|<port>|<subset>|<fqdn>`, `inbound|<port>||`,
 * `PassthroughCluster`, `BlackHoleCluster`, `InboundPassthroughCluster`.
 *
 * Invariants: data only; endpoints of a cluster are sorted by (address, port).
 *
 * Resilience settings are carried as Envoy's Cluster carries them: circuit-breaker thresholds
 * (`circuit_breakers.thresholds`, default priority), `max_requests_per_connection`, `outlier_detection`
 * with only the fields the control plane set (a field left out takes Envoy's default in the proxy, as
 * an unset proto field does), and `common_lb_config.healthy_panic_threshold`. The consistent-hash
 * balancers carry their table size as Envoy's `ring_hash_lb_config` / `maglev_lb_config` do (absent:
 * Envoy's default); the key they hash comes from the route's hash policy (route.ts).
 *
 * Locality load balancing: istiod sets each endpoint's locality, and per proxy in EDS the priority and
 * weight of each locality (pilot/pkg/networking/core/loadbalancer/loadbalancer.go). Here the cluster
 * carries the setting (`localityLb`) and the proxy computes the priorities from its own locality
 * (sim/proxy/locality.ts), so one compiled config serves every proxy that shares it.
 *
 * Not modelled: TLS contexts beyond `tls` (with security), active health checks, per-priority
 * thresholds, retry budgets, idle and connection-duration timeouts, zone-aware routing.
 */

import type { UpstreamTls } from './security.ts';

export type ClusterDiscovery = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST' | 'STATIC';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface Cluster {
  readonly name: string;
  readonly discovery: ClusterDiscovery;
  readonly lbPolicy: LbPolicy;
  /** The service host this cluster stands for ('' for passthrough/blackhole). */
  readonly serviceHost: string;
  readonly servicePort: number;
  readonly subset: string;
  /** Protocol Envoy speaks upstream: http1, http2 or tcp. */
  readonly upstreamProtocol: 'http1' | 'http2' | 'tcp';
  /** The TLS the client originates to this cluster's endpoints (DestinationRule or auto mTLS). */
  readonly tls?: UpstreamTls;
  /** `circuit_breakers.thresholds` (default priority); absent: Envoy's defaults (1024/1024/1024/3). */
  readonly circuitBreakers?: CircuitBreakerThresholds;
  /** `max_requests_per_connection` (HttpProtocolOptions); absent: unlimited. */
  readonly maxRequestsPerConnection?: number;
  /** `outlier_detection`; absent: no outlier detection on this cluster. */
  readonly outlierDetection?: OutlierDetection;
  /** `common_lb_config.healthy_panic_threshold`, percent; absent: Envoy's 50%. */
  readonly healthyPanicThresholdPercent?: number;
  /** `ring_hash_lb_config.minimum_ring_size` (RING_HASH); absent: Envoy's 1024. */
  readonly ringHashMinimumRingSize?: number;
  /** `maglev_lb_config.table_size` (MAGLEV), a prime; absent: Envoy's 65537. */
  readonly maglevTableSize?: number;
  /**
   * Locality load balancing as istiod applies it to each proxy's endpoints; absent: none (every
   * endpoint in priority 0, no locality weights), as when the setting is disabled, or it has no
   * `distribute` and the cluster no outlier detection.
   */
  readonly localityLb?: LocalityLb;
}

/**
 * What istiod does to a proxy's ClusterLoadAssignment for locality (ApplyLocalityLoadBalancer):
 * `distribute`: locality weights from the first rule whose `from` matches the proxy (applyLocalityWeights);
 * `failover`: priorities by failoverPriority labels, then by locality proximity with the `failover`
 * region rules (applyFailoverPriorities, applyLocalityFailover; the proximity step is skipped when only
 * failoverPriority is set). `localityWeighted`: `common_lb_config.locality_weighted_lb_config` is set.
 */
export type LocalityLb =
  | { readonly mode: 'distribute'; readonly localityWeighted: boolean; readonly distribute: readonly LocalityDistribute[] }
  | {
    readonly mode: 'failover';
    readonly localityWeighted: boolean;
    readonly failover: readonly LocalityFailover[];
    /** Label names, each optionally `name=value` (the value the proxy is taken to have). */
    readonly failoverPriority: readonly string[];
  };

/** A `distribute` rule: from a locality pattern (`region/zone/subzone`, `*` wildcards) to weights. */
export interface LocalityDistribute {
  readonly from: string;
  /** In the order written. */
  readonly to: readonly { readonly locality: string; readonly weight: number }[];
}

/** A `failover` rule: a proxy in region `from` fails over to region `to` before others. */
export interface LocalityFailover {
  readonly from: string;
  readonly to: string;
}

/** 2³²−1, the largest threshold (Istio's "unlimited", Go's math.MaxUint32). */
export const UINT32_MAX = 4_294_967_295;

/** Envoy `CircuitBreakers.Thresholds`: cluster-wide limits, each an integer ≥ 0. */
export interface CircuitBreakerThresholds {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

/**
 * Envoy `OutlierDetection` as sent: each field present only when the control plane set it. Durations
 * in µs, percentages 0..100.
 */
export interface OutlierDetection {
  readonly consecutive5xx?: number;
  readonly enforcingConsecutive5xxPercent?: number;
  readonly consecutiveGatewayFailure?: number;
  readonly enforcingConsecutiveGatewayFailurePercent?: number;
  readonly splitExternalLocalOriginErrors?: boolean;
  readonly consecutiveLocalOriginFailure?: number;
  readonly enforcingConsecutiveLocalOriginFailurePercent?: number;
  readonly intervalUs?: number;
  readonly baseEjectionTimeUs?: number;
  readonly maxEjectionTimeUs?: number;
  readonly maxEjectionPercent?: number;
  /** enforcing_success_rate (Istio sends 0: success-rate detection off). */
  readonly enforcingSuccessRatePercent?: number;
  /** enforcing_local_origin_success_rate (Istio sends 0 with the split). */
  readonly enforcingLocalOriginSuccessRatePercent?: number;
}

export interface LbEndpoint {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Where the endpoint runs, for traces and outcomes; '' when outside the mesh. */
  readonly pod: string;
  readonly workload: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly healthy: boolean;
  /**
   * Istio's `security.istio.io/tlsMode` endpoint label: `istio` when the endpoint runs a sidecar that
   * takes mTLS, `disabled` otherwise (auto mTLS reads it). Absent means `disabled`.
   */
  readonly tlsMode?: 'istio' | 'disabled';
  /** Where the endpoint runs, `region/zone/subzone` (Envoy's LocalityLbEndpoints.locality); absent: unknown. */
  readonly locality?: string;
}

export interface ClusterLoadAssignment {
  readonly clusterName: string;
  readonly endpoints: readonly LbEndpoint[];
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}
