/**
 * What a proxy in a run does between choosing a cluster and sending to one of its hosts, and when the
 * upstream request ends: outlier detection decides which hosts the load balancer may choose, the
 * connection pool (circuit breakers) admits, queues or refuses the request, and the end of the request
 * frees its slot and tells the detector how the host did. The state machines are
 * outlier-detection.ts and circuit-breaker.ts; this module keeps them in the ProxyState, per cluster.
 *
 * Rules:
 * - Hosts for load balancing (load_balancer_impl.cc isHostSetInPanic): EDS-healthy hosts the
 *   cluster's detector has not ejected, unless fewer than the panic threshold (the cluster's
 *   healthy_panic_threshold, else Envoy's 50%) are left: then all hosts. With locality priorities the
 *   load balancer reads each host's health (hostHealth) and decides panic per priority (priority-load.ts).
 * - A detector exists while the cluster carries `outlier_detection` (one per cluster, as Envoy's
 *   DetectorImpl); its hosts follow the cluster's endpoints (EDS updates); a changed setting
 *   replaces it (a changed cluster is a new cluster in Envoy).
 * - Admission (conn_pool_base.cc newStreamImpl; tcp_proxy.cc): the router asks the pool of the
 *   chosen host for a stream: sent now, pending (waits for a connection) or overflow, which the router
 *   answers with 503 and flag UO ("upstream connect error or disconnect/reset before headers. reset
 *   reason: overflow"); tcp_proxy over max_connections closes the downstream connection (UO). An
 *   overflow is no host's fault: the detector hears nothing of it.
 * - HTTP streams use the cluster's protocol (HTTP/2 when the cluster says so, else HTTP/1.1); tcp_proxy
 *   connections a TCP pool of the same cluster.
 * - The end of an upstream request: a sent HTTP request frees its connection (which takes the host's
 *   oldest waiting request: its id is returned so the caller can let it go on), a TCP connection
 *   closes, a waiting request is cancelled; then the host's result goes to the detector the request was
 *   admitted under (a result for a replaced detector is dropped, as Envoy's old cluster is gone).
 *
 * Invariants: nothing happens at rest (`state.nowUs` null): no pool, no detector, every host as EDS
 * says; each admitted request is released exactly once; ids are unique per proxy; draws only from the
 * Rng handed in.
 *
 * Not modelled: max_requests_per_connection (carried in the cluster, not enforced), connect latency,
 * per-host circuit breakers, shared connection counts between a cluster's HTTP and TCP pools.
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import type { Cluster, LbEndpoint } from '../xds/cluster.ts';
import {
  admitRequest, admitTcpConnection, cancelPending, canStartRetry, clusterThresholds, createConnectionPool, requestFinished as poolRequestFinished,
  retryFinished, retryStarted, tcpConnectionClosed,
} from './circuit-breaker.ts';
import type { ConnectionPoolState, PoolProtocol } from './circuit-breaker.ts';
import {
  createOutlierDetector, isEjected, loadBalancingHosts, outlierDetectionRejection, outlierDetectionSettings, panicThresholdPercent,
  recordResult, syncHosts,
} from './outlier-detection.ts';
import type { OutlierEvent, OutlierResult } from './outlier-detection.ts';
import { hostKeyOf, requestFinishedAt, requestStarted, requestStartedAt, requestsInFlight } from './proxy-state.ts';
import type { OutlierDetectorEntry, ProxyState } from './proxy-state.ts';

/** A request admitted to a cluster's pool in a run: the caller releases it when the request ends. */
export interface UpstreamHold {
  readonly cluster: string;
  /** The pool it holds a slot in (`cluster#protocol#limits`). */
  readonly pool: string;
  /** `address:port` of the host. */
  readonly host: string;
  /** Its id in the pool. */
  readonly request: number;
  /** `pending`: waiting for a connection; the caller holds the request until its id is released. */
  readonly admission: 'sent' | 'pending';
  /** The detector's settings when admitted, or null: the cluster has no outlier detection. */
  readonly detector: string | null;
  /** The id of the proxy whose pool it is (its ProxyState's `proxy`). */
  readonly proxy: string;
  /** The lookups of a flow plan's admission (admitByRoute), which the release reuses; absent otherwise. */
  readonly route?: PoolRoute;
}

/** The hosts the load balancer may choose from now: not ejected, or all in panic. */
export function loadBalancingCandidates(state: ProxyState, cluster: Cluster, endpoints: readonly LbEndpoint[]): readonly LbEndpoint[] {
  // isHostSetInPanic over the cluster's hosts, with the cluster's healthy_panic_threshold.
  const threshold = panicThresholdPercent(cluster);
  const entry = detectorFor(state, cluster, endpoints);
  if (entry === null || state.nowUs === null) return unejectedCandidates(endpoints, threshold);
  const nowUs = state.nowUs;
  return loadBalancingHosts(endpoints, (endpoint: LbEndpoint) => isEjected(entry.detector, hostKeyOf(endpoint), nowUs), threshold).hosts;
}

// With nothing ejected the answer depends on the (immutable) endpoint list alone: computed once per
// list and threshold, not per request.
const unejected = new WeakMap<readonly LbEndpoint[], Map<number, readonly LbEndpoint[]>>();

function unejectedCandidates(endpoints: readonly LbEndpoint[], threshold: number): readonly LbEndpoint[] {
  let byThreshold = unejected.get(endpoints);
  if (byThreshold === undefined) {
    byThreshold = new Map();
    unejected.set(endpoints, byThreshold);
  }
  let hosts = byThreshold.get(threshold);
  if (hosts === undefined) {
    hosts = Object.freeze(loadBalancingHosts(endpoints, () => false, threshold).hosts);
    byThreshold.set(threshold, hosts);
  }
  return hosts;
}

/**
 * Whether each host counts as healthy now (EDS-healthy and not ejected), for load balancers that
 * weigh health per priority (lb.ts with locality priorities); `endpoints` are the cluster's hosts.
 */
export function hostHealth(state: ProxyState, cluster: Cluster, endpoints: readonly LbEndpoint[]): (endpoint: LbEndpoint) => boolean {
  const ejected = ejectionOf(state, cluster, endpoints);
  return (endpoint) => endpoint.healthy && !ejected(endpoint);
}

function ejectionOf(state: ProxyState, cluster: Cluster, endpoints: readonly LbEndpoint[]): (endpoint: LbEndpoint) => boolean {
  const entry = detectorFor(state, cluster, endpoints);
  const nowUs = state.nowUs;
  return entry === null || nowUs === null ? () => false : (endpoint: LbEndpoint) => isEjected(entry.detector, hostKeyOf(endpoint), nowUs);
}

function detectorFor(state: ProxyState, cluster: Cluster, endpoints: readonly LbEndpoint[]): OutlierDetectorEntry | null {
  const nowUs = state.nowUs;
  if (nowUs === null) return null;
  if (cluster.outlierDetection === undefined) {
    state.outlierDetectors.delete(cluster.name);
    return null;
  }
  const settings = outlierDetectionSettings(cluster.outlierDetection);
  // Envoy rejects such a cluster (the world NACKs its CDS); a proxy never runs with it.
  if (outlierDetectionRejection(settings) !== null) return null;
  const settingsKey = JSON.stringify(settings);
  let entry = state.outlierDetectors.get(cluster.name);
  if (entry === undefined || entry.settingsKey !== settingsKey) {
    // A changed cluster is a new cluster: a fresh detector (created at its first use here).
    entry = { settingsKey, detector: createOutlierDetector(settings, nowUs, []), syncedWith: null };
    state.outlierDetectors.set(cluster.name, entry);
  }
  if (entry.syncedWith !== endpoints) {
    // EDS: new hosts start clean, removed ones are forgotten.
    syncHosts(entry.detector, endpoints.map(hostKeyOf));
    entry.syncedWith = endpoints;
  }
  return entry;
}

export type Admission =
  | { readonly kind: 'admitted'; readonly hold: UpstreamHold | null }
  | { readonly kind: 'overflow'; readonly reason: string };

/**
 * The router (`http`) or tcp_proxy (`tcp`) asks the cluster's pool for the chosen host. At rest every
 * request is admitted and holds nothing.
 */
export function admitUpstream(state: ProxyState, cluster: Cluster, endpoint: LbEndpoint, via: 'http' | 'tcp'): Admission {
  if (state.nowUs === null) return { kind: 'admitted', hold: null };
  const protocol: PoolProtocol = via === 'tcp' ? 'tcp' : cluster.upstreamProtocol === 'http2' ? 'http2' : 'http1';
  const { thresholds, poolKey } = poolIdentity(cluster, protocol);
  const pool = poolOf(state, poolKey, protocol, thresholds);
  const host = hostKeyOf(endpoint);
  if (protocol !== 'tcp') {
    const admitted = admitHttp(state, cluster, poolKey, pool, host, null);
    return typeof admitted === 'string' ? { kind: 'overflow', reason: admitted } : { kind: 'admitted', hold: admitted };
  }
  const request = state.nextRequestId;
  state.nextRequestId += 1;
  // tcp_proxy: no free connection slot → UO, the downstream connection is closed.
  if (!admitTcpConnection(pool, host)) return { kind: 'overflow', reason: `cluster "${cluster.name}" has ${pool.connections} of max_connections ${thresholds.maxConnections} open` };
  requestStarted(state, cluster.name, endpoint);
  return { kind: 'admitted', hold: { cluster: cluster.name, pool: poolKey, host, request, admission: 'sent', detector: state.outlierDetectors.get(cluster.name)?.settingsKey ?? null, proxy: state.proxy } };
}

/**
 * The HTTP part of an admission, shared by admitUpstream and admitByRoute (`route`: its lookups, null:
 * none): the hold, or why the pool overflowed.
 */
function admitHttp(state: ProxyState, cluster: Cluster, poolKey: string, pool: ConnectionPoolState, host: string, route: PoolRoute | null): UpstreamHold | string {
  const request = state.nextRequestId;
  state.nextRequestId += 1;
  const admission = admitRequest(pool, host, request);
  // The pool fails the stream with Overflow: max_requests or max_pending_requests is full.
  if (admission === 'overflow') return overflowReason(cluster.name, pool);
  requestStartedAt(state, cluster.name, host, route?.inFlight);
  const detector = state.outlierDetectors.get(cluster.name)?.settingsKey ?? null;
  return route === null
    ? { cluster: cluster.name, pool: poolKey, host, request, admission, detector, proxy: state.proxy }
    : { cluster: cluster.name, pool: poolKey, host, request, admission, detector, proxy: state.proxy, route };
}

/**
 * One (proxy, cluster, host) that a run's flow plan admits HTTP requests to again and again
 * (sim/world/flow-plans.ts): the lookups admitUpstream makes, done once. Pools, and the counters of
 * requests in flight, are never removed, so what it holds stays the proxy's own.
 */
export interface PoolRoute {
  readonly state: ProxyState;
  readonly cluster: Cluster;
  readonly poolKey: string;
  readonly pool: ConnectionPoolState;
  readonly host: string;
  /** The proxy's requests in flight to the cluster, by host (its ProxyState.activeRequests entry). */
  readonly inFlight: Map<string, number>;
}

export function poolRoute(state: ProxyState, cluster: Cluster, endpoint: LbEndpoint): PoolRoute {
  const protocol: PoolProtocol = cluster.upstreamProtocol === 'http2' ? 'http2' : 'http1';
  const { thresholds, poolKey } = poolIdentity(cluster, protocol);
  return { state, cluster, poolKey, pool: poolOf(state, poolKey, protocol, thresholds), host: hostKeyOf(endpoint), inFlight: requestsInFlight(state, cluster.name) };
}

/** admitUpstream(route.state, route.cluster, endpoint, 'http') in a run, by the route's lookups: the hold, or why the pool overflowed. */
export function admitByRoute(route: PoolRoute): UpstreamHold | string {
  assert(route.state.nowUs !== null, 'a pool route admits in a run only');
  return admitHttp(route.state, route.cluster, route.poolKey, route.pool, route.host, route);
}

// A cluster's pool thresholds and key, once per (immutable) cluster and protocol rather than per request.
const poolIdentities = new WeakMap<Cluster, Map<PoolProtocol, { thresholds: ReturnType<typeof clusterThresholds>; poolKey: string }>>();

function poolIdentity(cluster: Cluster, protocol: PoolProtocol): { thresholds: ReturnType<typeof clusterThresholds>; poolKey: string } {
  let byProtocol = poolIdentities.get(cluster);
  if (byProtocol === undefined) {
    byProtocol = new Map();
    poolIdentities.set(cluster, byProtocol);
  }
  let identity = byProtocol.get(protocol);
  if (identity === undefined) {
    const thresholds = clusterThresholds(cluster);
    identity = { thresholds, poolKey: `${cluster.name}#${protocol}#${thresholds.maxConnections}/${thresholds.maxPendingRequests}/${thresholds.maxRequests}/${thresholds.maxRetries}` };
    byProtocol.set(protocol, identity);
  }
  return identity;
}

function overflowReason(clusterName: string, pool: ConnectionPoolState): string {
  const t = pool.thresholds;
  return pool.activeRequests >= t.maxRequests
    ? `cluster "${clusterName}" has ${pool.activeRequests} requests active, its max_requests (http2MaxRequests) is ${t.maxRequests}`
    : `cluster "${clusterName}" has ${pool.pendingRequests} requests waiting for a connection, its max_pending_requests (http1MaxPendingRequests) is ${t.maxPendingRequests}`;
}

function poolOf(state: ProxyState, poolKey: string, protocol: PoolProtocol, thresholds: ReturnType<typeof clusterThresholds>): ConnectionPoolState {
  let pool = state.connectionPools.get(poolKey);
  if (pool === undefined) {
    pool = createConnectionPool(protocol, thresholds);
    state.connectionPools.set(poolKey, pool);
  }
  return pool;
}

export interface Release {
  /** The id of the request the freed connection took (it was waiting on `hold.pool`), or null. */
  readonly promoted: number | null;
  readonly events: readonly OutlierEvent[];
}

/**
 * The upstream request ended. `waiting`: it never got a connection (still pending), so it is cancelled
 * and its host learns nothing. Else `result` (null: nothing to report) goes to the detector.
 */
export function releaseUpstream(state: ProxyState, hold: UpstreamHold, waiting: boolean, result: OutlierResult | null, nowUs: number, rng: Rng): Release {
  const route = hold.route;
  const pool = route?.pool ?? state.connectionPools.get(hold.pool);
  if (pool === undefined) assert(false, `release of request ${hold.request} in unknown pool ${hold.pool}`);
  requestFinishedAt(state, hold.cluster, hold.host, route?.inFlight ?? state.activeRequests.get(hold.cluster));
  if (waiting) {
    assert(cancelPending(pool, hold.host, hold.request), () => `request ${hold.request} is not waiting in ${hold.pool}`);
    return NOTHING_RELEASED;
  }
  let promoted: number | null = null;
  if (pool.protocol === 'tcp') tcpConnectionClosed(pool, hold.host);
  else promoted = poolRequestFinished(pool, hold.host);
  const entry = state.outlierDetectors.get(hold.cluster);
  // The host's result goes to the detector the request was admitted under, if it still exists.
  const events = result !== null && entry !== undefined && entry.settingsKey === hold.detector
    ? recordResult(entry.detector, hold.host, result, nowUs, rng)
    : NO_EVENTS;
  return promoted === null && events.length === 0 ? NOTHING_RELEASED : { promoted, events };
}

// The common release (no waiting request promoted, no detector event), shared rather than built per request.
const NO_EVENTS: readonly OutlierEvent[] = Object.freeze([]);
const NOTHING_RELEASED: Release = Object.freeze({ promoted: null, events: NO_EVENTS });

/** max_retries: may a retry be scheduled on the pool the first attempt held (retries().canCreate())? */
export function retryAllowed(state: ProxyState, poolKey: string): boolean {
  const pool = state.connectionPools.get(poolKey);
  return pool === undefined || canStartRetry(pool);
}

/** A retry was scheduled (it holds a max_retries slot) or its result was judged (the slot is freed). */
export function retrySlot(state: ProxyState, poolKey: string, taken: boolean): void {
  const pool = state.connectionPools.get(poolKey);
  assert(pool !== undefined, () => `retry slot in unknown pool ${poolKey}`);
  if (taken) retryStarted(pool);
  else retryFinished(pool);
}
