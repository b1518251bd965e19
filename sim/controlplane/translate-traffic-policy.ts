/**
 * A DestinationRule's traffic policy for one cluster, as istiod builds it: the policy that applies to a
 * port and subset (portLevelSettings and subset overrides merged), then its connection pool and outlier
 * detection as Envoy Cluster fields (Istio pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy,
 * MergeSubsetTrafficPolicy; pilot/pkg/model/destination_rule.go MergeTrafficPolicy;
 * pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool,
 * getDefaultCircuitBreakerThresholds, applyOutlierDetection; cluster_builder.go applyDestinationRule,
 * buildSubsetCluster).
 *
 * Rules:
 * - Port: the first portLevelSettings entry whose port.number is the cluster's port replaces the
 *   destination-level policy wholesale (connectionPool, outlierDetection, loadBalancer, tls): a field it
 *   leaves out takes the default, it is not inherited.
 * - Subset: its policy (port-resolved the same way) overrides each of those four fields it sets; when
 *   the subset has a port-level entry for the port, all four are replaced, unset ones included.
 * - Connection pool: Istio always sends circuit breakers, every threshold 2³²−1, and a DestinationRule
 *   value > 0 replaces one (0 cannot be told from unset): tcp.maxConnections → max_connections,
 *   http.http1MaxPendingRequests → max_pending_requests, http.http2MaxRequests → max_requests (for
 *   every protocol), http.maxRetries → max_retries; http.maxRequestsPerConnection > 0 →
 *   max_requests_per_connection.
 * - Outlier detection (only when set): success-rate detection off (enforcing 0); consecutive5xxErrors
 *   and consecutiveGatewayErrors, when set, are the thresholds and enforce 100% (0 disables: enforcing
 *   0); interval and baseEjectionTime when set; maxEjectionPercent when > 0; with
 *   splitExternalLocalOriginErrors the split, and consecutiveLocalOriginFailures > 0 enforced 100%.
 *   Then the panic threshold: minHealthPercent (default 0, i.e. never panic) whenever outlier
 *   detection is set; without it Envoy's 50% stays.
 *
 * Invariants: pure; durations become integer µs (core/time.ts parseDuration); an unparsable duration
 * (validation reports it) is left unset.
 *
 * Not modelled: MeshConfig defaultTrafficPolicy (the mesh-wide baseline), outlierDetectionHttpErrorCodes,
 * services that publish not-ready endpoints (Istio then sets the panic threshold to 0), connectTimeout,
 * idle timeouts, keepalives, h2UpgradePolicy, useClientProtocol, maxConcurrentStreams, retry budgets,
 * the deprecated consecutiveErrors (Istio ignores it too), Sidecar inbound connection pools.
 */
import { parseDuration } from '../core/time.ts';
import { UINT32_MAX } from '../xds/cluster.ts';
import type { CircuitBreakerThresholds, OutlierDetection } from '../xds/cluster.ts';
import type { LoadBalancerSpec } from './translate-consistent-hash.ts';
import type { LocalityLbSettingSpec } from './translate-locality.ts';

export interface ConnectionPoolSpec {
  readonly tcp?: { readonly maxConnections?: number } | null;
  readonly http?: {
    readonly http1MaxPendingRequests?: number;
    readonly http2MaxRequests?: number;
    readonly maxRequestsPerConnection?: number;
    readonly maxRetries?: number;
  } | null;
}

export interface OutlierDetectionSpec {
  readonly consecutive5xxErrors?: number | null;
  readonly consecutiveGatewayErrors?: number | null;
  readonly consecutiveLocalOriginFailures?: number | null;
  readonly splitExternalLocalOriginErrors?: boolean;
  readonly interval?: string;
  readonly baseEjectionTime?: string;
  readonly maxEjectionPercent?: number;
  readonly minHealthPercent?: number;
}

/** The four parts of a traffic policy that port-level settings and subsets override. */
export interface PortTrafficPolicySpec {
  readonly connectionPool?: ConnectionPoolSpec | null;
  readonly outlierDetection?: OutlierDetectionSpec | null;
  /**
   * Translated by translate-consistent-hash.ts (lb policy, ring/table size, route hash policy) and, its
   * localityLbSetting, by translate-locality.ts.
   */
  readonly loadBalancer?: (LoadBalancerSpec & { readonly localityLbSetting?: LocalityLbSettingSpec | null }) | null;
  readonly tls?: unknown;
}

export interface TrafficPolicySpec extends PortTrafficPolicySpec {
  readonly portLevelSettings?: readonly (PortTrafficPolicySpec & { readonly port?: { readonly number?: number } | null })[] | null;
}

/** The Envoy Cluster fields a traffic policy sets. */
export interface ClusterPolicyFields {
  readonly circuitBreakers: CircuitBreakerThresholds;
  readonly maxRequestsPerConnection?: number;
  readonly outlierDetection?: OutlierDetection;
  readonly healthyPanicThresholdPercent?: number;
}

/** getDefaultCircuitBreakerThresholds: every limit at 2³²−1. */
export const ISTIO_DEFAULT_THRESHOLDS: CircuitBreakerThresholds = Object.freeze({
  maxConnections: UINT32_MAX, maxPendingRequests: UINT32_MAX, maxRequests: UINT32_MAX, maxRetries: UINT32_MAX,
});

/** GetPortLevelTrafficPolicy: the port's entry (wholesale, nothing inherited), else the policy itself. */
function portLevelPolicy(policy: TrafficPolicySpec | null | undefined, port: number): { policy: PortTrafficPolicySpec | undefined; hasPortLevel: boolean } {
  if (policy == null) return { policy: undefined, hasPortLevel: false };
  // The first entry for the port wins (the loop breaks on it).
  const entry = (policy.portLevelSettings ?? []).find((p) => p.port != null && p.port.number === port);
  if (entry === undefined) return { policy, hasPortLevel: false };
  return { policy: { connectionPool: entry.connectionPool, outlierDetection: entry.outlierDetection, loadBalancer: entry.loadBalancer, tls: entry.tls }, hasPortLevel: true };
}

/** MergeSubsetTrafficPolicy: the policy of the cluster for `port` and, if any, a subset's policy. */
export function trafficPolicyForPort(
  destination: TrafficPolicySpec | null | undefined, subset: TrafficPolicySpec | null | undefined, port: number,
): PortTrafficPolicySpec {
  const base = portLevelPolicy(destination, port).policy;
  if (subset == null) return pick(base);
  const { policy: override, hasPortLevel } = portLevelPolicy(subset, port);
  if (base === undefined) return pick(override);
  const merged = pick(base);
  const subsetPart = pick(override);
  // MergeTrafficPolicy: a field the subset sets wins; a port-level subset entry replaces all four.
  return {
    connectionPool: subsetPart.connectionPool != null || hasPortLevel ? subsetPart.connectionPool : merged.connectionPool,
    outlierDetection: subsetPart.outlierDetection != null || hasPortLevel ? subsetPart.outlierDetection : merged.outlierDetection,
    loadBalancer: subsetPart.loadBalancer != null || hasPortLevel ? subsetPart.loadBalancer : merged.loadBalancer,
    tls: subsetPart.tls != null || hasPortLevel ? subsetPart.tls : merged.tls,
  };
}

function pick(policy: PortTrafficPolicySpec | undefined): PortTrafficPolicySpec {
  if (policy === undefined) return {};
  return { connectionPool: policy.connectionPool, outlierDetection: policy.outlierDetection, loadBalancer: policy.loadBalancer, tls: policy.tls };
}

/** applyConnectionPool: Istio's thresholds, each replaced by a DestinationRule value > 0. */
export function translateConnectionPool(pool: ConnectionPoolSpec | null | undefined): Pick<ClusterPolicyFields, 'circuitBreakers' | 'maxRequestsPerConnection'> {
  // applyConnectionPool: "FIXME: zero is a valid value if explicitly set" — only > 0 overrides.
  const over = (value: number | undefined, fallback: number): number =>
    (value === undefined || !Number.isSafeInteger(value) || value <= 0 ? fallback : Math.min(value, UINT32_MAX));
  const http = pool?.http ?? undefined;
  const circuitBreakers: CircuitBreakerThresholds = {
    maxConnections: over(pool?.tcp?.maxConnections, UINT32_MAX),
    maxPendingRequests: over(http?.http1MaxPendingRequests, UINT32_MAX),
    maxRequests: over(http?.http2MaxRequests, UINT32_MAX),
    maxRetries: over(http?.maxRetries, UINT32_MAX),
  };
  const perConnection = http?.maxRequestsPerConnection ?? 0;
  // maxRequestsPerConnection > 0 → CommonHttpProtocolOptions.max_requests_per_connection.
  return perConnection > 0 ? { circuitBreakers, maxRequestsPerConnection: Math.min(perConnection, UINT32_MAX) } : { circuitBreakers };
}

/** applyOutlierDetection: the outlier_detection Istio sends, and the panic threshold it sets with it. */
export function translateOutlierDetection(spec: OutlierDetectionSpec | null | undefined): Pick<ClusterPolicyFields, 'outlierDetection' | 'healthyPanicThresholdPercent'> {
  if (spec == null) return {};
  // "SuccessRate based outlier detection should be disabled."
  let out: OutlierDetection = { enforcingSuccessRatePercent: 0 };
  // A set consecutive5xxErrors (a wrapper: 0 is set) is the threshold, enforced 100% when > 0.
  if (spec.consecutive5xxErrors != null) {
    out = { ...out, consecutive5xx: spec.consecutive5xxErrors, enforcingConsecutive5xxPercent: spec.consecutive5xxErrors > 0 ? 100 : 0 };
  }
  // Same for consecutiveGatewayErrors.
  if (spec.consecutiveGatewayErrors != null) {
    out = {
      ...out,
      consecutiveGatewayFailure: spec.consecutiveGatewayErrors,
      enforcingConsecutiveGatewayFailurePercent: spec.consecutiveGatewayErrors > 0 ? 100 : 0,
    };
  }
  const intervalUs = spec.interval === undefined ? null : parseDuration(spec.interval);
  if (intervalUs !== null) out = { ...out, intervalUs };
  const baseEjectionTimeUs = spec.baseEjectionTime === undefined ? null : parseDuration(spec.baseEjectionTime);
  if (baseEjectionTimeUs !== null) out = { ...out, baseEjectionTimeUs };
  // Only a maxEjectionPercent > 0 is sent; 0 keeps Envoy's 10%.
  if ((spec.maxEjectionPercent ?? 0) > 0) out = { ...out, maxEjectionPercent: spec.maxEjectionPercent };
  if (spec.splitExternalLocalOriginErrors === true) {
    out = { ...out, splitExternalLocalOriginErrors: true };
    const local = spec.consecutiveLocalOriginFailures ?? 0;
    // With the split, consecutiveLocalOriginFailures > 0 is the threshold, enforced 100%.
    if (local > 0) out = { ...out, consecutiveLocalOriginFailure: local, enforcingConsecutiveLocalOriginFailurePercent: 100 };
    out = { ...out, enforcingLocalOriginSuccessRatePercent: 0 };
  }
  // "Disable panic threshold by default": minHealthPercent (0 unless set) whenever it is ≥ 0.
  const minHealthPercent = spec.minHealthPercent ?? 0;
  return minHealthPercent >= 0 ? { outlierDetection: out, healthyPanicThresholdPercent: Math.min(100, minHealthPercent) } : { outlierDetection: out };
}

/** The resilience fields of an outbound cluster for its effective policy (applyTrafficPolicy). */
export function clusterPolicyFields(policy: PortTrafficPolicySpec): ClusterPolicyFields {
  // applyTrafficPolicy: a nil connectionPool becomes an empty one, so circuit breakers are always sent.
  return { ...translateConnectionPool(policy.connectionPool), ...translateOutlierDetection(policy.outlierDetection) };
}
