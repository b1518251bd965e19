/**
 * Connection-pool limits and circuit breaking for one upstream cluster of one proxy: which request
 * is sent now, which waits for a connection, and which overflows (503 with Envoy's `UO` flag).
 *
 * Rules (Envoy arch overview "Circuit breaking"; source/common/conn_pool/conn_pool_base.cc
 * newStreamImpl, tryCreateNewConnection, attachStreamToClient; tcp_proxy.cc; Istio
 * pilot/pkg/networking/core/cluster_traffic_policy.go applyConnectionPool and
 * getDefaultCircuitBreakerThresholds):
 * - Thresholds are cluster-wide (summed over hosts): max_connections, max_pending_requests,
 *   max_requests, max_retries, as the cluster carries them; Envoy's defaults are 1024/1024/1024/3.
 *   (Istio always sends its own, 2³²−1 for all four, each replaced by a DestinationRule value > 0:
 *   sim/controlplane/translate-traffic-policy.ts.)
 * - A new HTTP request: active requests ≥ max_requests → overflow. A ready (idle) connection to the
 *   chosen host takes it at once. Else pending requests ≥ max_pending_requests → overflow. Else it
 *   waits (pending) and the pool opens a connection if connections < max_connections, or if the host
 *   has no connection at all ("Envoy will ensure that a host selected by cluster load balancing has at
 *   least one connection allocated"); the new connection takes the oldest pending request.
 * - HTTP/1.1 carries one request per connection at a time; when a request ends its connection takes
 *   the host's oldest pending request (onUpstreamReady), else idles.
 * - HTTP/2 multiplexes every request to a host over one connection (Istio leaves
 *   max_concurrent_streams at Envoy's 2³¹−1), so only max_requests overflows; nothing waits.
 * - TCP (tcp_proxy): a new downstream connection needs an upstream one; connections ≥
 *   max_connections → UO and the downstream connection is closed (no soft limit, no queue).
 * - Retries: a retry holds one max_retries slot from the moment it is scheduled until its attempt's
 *   result is judged (RetryStateImpl resetRetry); a full max_retries makes the retry decision UO.
 *
 * Invariants: counts are never negative and always equal what the per-host records sum to; pending
 * queues are FIFO per host; ids are the caller's, unique among a cluster's live requests; state is
 * owned by the caller (one per proxy and cluster) and changed only through these functions; no
 * randomness, no clock.
 *
 * Not modelled: hosts leaving the cluster (Envoy drains their pools on an EDS update), connect latency (a connection the pool opens is ready at once, so a request waits
 * only behind busy connections), per-worker pools (Envoy keeps one pool per worker thread, so its soft
 * limits stretch by the worker count), idle timeouts and connections closing (idle connections stay
 * open), maxRequestsPerConnection, per-host thresholds, priorities (only the default priority), retry
 * budgets, HTTP/2 max_concurrent_streams, pending-request timeouts (the caller cancels a waiting
 * request when its route timeout fires).
 */
import { assert } from '../core/assert.ts';
import type { CircuitBreakerThresholds, Cluster } from '../xds/cluster.ts';

export { UINT32_MAX } from '../xds/cluster.ts';
export type { CircuitBreakerThresholds } from '../xds/cluster.ts';

/** Envoy's defaults when a cluster sets no circuit breakers. */
export const ENVOY_DEFAULT_THRESHOLDS: CircuitBreakerThresholds = Object.freeze({
  maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3,
});

/** The thresholds a cluster's proxy enforces: as sent, else Envoy's defaults. */
export function clusterThresholds(cluster: Pick<Cluster, 'circuitBreakers'>): CircuitBreakerThresholds {
  return cluster.circuitBreakers ?? ENVOY_DEFAULT_THRESHOLDS;
}

export type PoolProtocol = 'http1' | 'http2' | 'tcp';

interface HostPool {
  connections: number;
  /** HTTP/1.1: connections carrying a request; HTTP/2: requests on the shared connection; TCP: open. */
  busy: number;
  readonly pending: number[];
}

export interface ConnectionPoolState {
  readonly protocol: PoolProtocol;
  readonly thresholds: CircuitBreakerThresholds;
  readonly hosts: Map<string, HostPool>;
  activeRequests: number;
  pendingRequests: number;
  connections: number;
  activeRetries: number;
}

export function createConnectionPool(protocol: PoolProtocol, thresholds: CircuitBreakerThresholds): ConnectionPoolState {
  for (const [name, value] of Object.entries(thresholds)) {
    assert(Number.isSafeInteger(value) && value >= 0, () => `threshold ${name} = ${value} must be a non-negative integer`);
  }
  return { protocol, thresholds, hosts: new Map(), activeRequests: 0, pendingRequests: 0, connections: 0, activeRetries: 0 };
}

function hostPool(state: ConnectionPoolState, hostKey: string): HostPool {
  let pool = state.hosts.get(hostKey);
  if (pool === undefined) {
    pool = { connections: 0, busy: 0, pending: [] };
    state.hosts.set(hostKey, pool);
  }
  return pool;
}

export type Admission = 'sent' | 'pending' | 'overflow';

/** A new HTTP request to `hostKey` (the host load balancing chose). */
export function admitRequest(state: ConnectionPoolState, hostKey: string, requestId: number): Admission {
  assert(state.protocol !== 'tcp', 'admitRequest is for HTTP pools; use admitTcpConnection');
  const { thresholds } = state;
  // newStreamImpl: requests().canCreate() first.
  if (state.activeRequests >= thresholds.maxRequests) return 'overflow';
  const pool = hostPool(state, hostKey);
  if (state.protocol === 'http2') {
    // One multiplexed connection per host, opened on first use (at least one per host).
    if (pool.connections === 0) openConnection(state, pool);
    pool.busy += 1;
    state.activeRequests += 1;
    return 'sent';
  }
  // HTTP/1.1: a ready (idle) client takes the request at once.
  if (pool.busy < pool.connections) {
    pool.busy += 1;
    state.activeRequests += 1;
    return 'sent';
  }
  // pendingRequests().canCreate(): else the pool fails the stream with Overflow.
  if (state.pendingRequests >= thresholds.maxPendingRequests) return 'overflow';
  // tryCreateNewConnection: under max_connections, or the host has no connection at all.
  if (state.connections < thresholds.maxConnections || pool.connections === 0) {
    openConnection(state, pool);
    // The new connection is ready at once (connect latency not modelled) and takes the request.
    pool.busy += 1;
    state.activeRequests += 1;
    return 'sent';
  }
  pool.pending.push(requestId);
  state.pendingRequests += 1;
  return 'pending';
}

function openConnection(state: ConnectionPoolState, pool: HostPool): void {
  pool.connections += 1;
  state.connections += 1;
}

/**
 * A sent HTTP request to `hostKey` finished (answered, reset or timed out). HTTP/1.1: its connection
 * is ready again and takes the host's oldest waiting request; returns that request's id (now sent),
 * or null when none waits and the connection idles. (attachStreamToClient also re-checks
 * max_requests, which cannot fail here: the finished request just freed a slot.)
 */
export function requestFinished(state: ConnectionPoolState, hostKey: string): number | null {
  assert(state.protocol !== 'tcp', 'requestFinished is for HTTP pools');
  const pool = state.hosts.get(hostKey);
  if (!(pool !== undefined && pool.busy > 0 && state.activeRequests > 0)) assert(false, () => `requestFinished for ${hostKey} with no request in flight`);
  const next = pool.pending.shift();
  if (next === undefined) {
    pool.busy -= 1;
    state.activeRequests -= 1;
    return null;
  }
  // The freed connection goes straight to the oldest waiting request: busy and active stay put.
  state.pendingRequests -= 1;
  return next;
}

/** A waiting request gave up (its route timeout fired, or the client went away). */
export function cancelPending(state: ConnectionPoolState, hostKey: string, requestId: number): boolean {
  const pool = state.hosts.get(hostKey);
  const index = pool?.pending.indexOf(requestId) ?? -1;
  if (pool === undefined || index < 0) return false;
  pool.pending.splice(index, 1);
  state.pendingRequests -= 1;
  return true;
}

/** tcp_proxy: a downstream connection asks for an upstream one. False: UO, close downstream. */
export function admitTcpConnection(state: ConnectionPoolState, hostKey: string): boolean {
  assert(state.protocol === 'tcp', 'admitTcpConnection is for TCP pools');
  // tcp_proxy checks connections().canCreate() strictly: "the TCP conn pool will queue our request
  // waiting for a connection that will never be released".
  if (state.connections >= state.thresholds.maxConnections) return false;
  const pool = hostPool(state, hostKey);
  openConnection(state, pool);
  pool.busy += 1;
  return true;
}

export function tcpConnectionClosed(state: ConnectionPoolState, hostKey: string): void {
  assert(state.protocol === 'tcp', 'tcpConnectionClosed is for TCP pools');
  const pool = state.hosts.get(hostKey);
  if (!(pool !== undefined && pool.busy > 0 && pool.connections > 0)) assert(false, () => `tcpConnectionClosed for ${hostKey} with no connection open`);
  pool.busy -= 1;
  pool.connections -= 1;
  state.connections -= 1;
}

/** Can a retry be scheduled now (retries().canCreate())? */
export function canStartRetry(state: ConnectionPoolState): boolean {
  return state.activeRetries < state.thresholds.maxRetries;
}

/** A retry was scheduled (shouldRetry → Yes): it holds a max_retries slot. */
export function retryStarted(state: ConnectionPoolState): void {
  assert(canStartRetry(state), 'retryStarted while max_retries is full: ask canStartRetry first');
  state.activeRetries += 1;
}

/** The retried attempt's result was judged, or the request ended (resetRetry). */
export function retryFinished(state: ConnectionPoolState): void {
  assert(state.activeRetries > 0, 'retryFinished with no retry in flight');
  state.activeRetries -= 1;
}
