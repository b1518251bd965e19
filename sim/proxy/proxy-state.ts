/**
 * The mutable per-proxy state the data plane keeps between calls, owned by the caller (one per sidecar
 * or gateway actor): round-robin positions per cluster and active-request counts per endpoint, which
 * Envoy keeps in its per-cluster load balancers and per-host stats (`rq_active`).
 *
 * Invariants:
 * - No module state: two worlds in one process have two ProxyState values.
 * - Active counts are never negative: `requestFinished` without a matching `requestStarted` is a bug.
 * - A round-robin cursor is valid only for the healthy endpoint set it was built from (`hostsKey`);
 *   when that set changes the balancer rebuilds it, as Envoy rebuilds its scheduler on a host update.
 *
 * Not modelled: per-worker-thread balancers (Envoy keeps one per worker; the sim has one per proxy),
 * connection-pool state, outlier-detection ejections (they arrive with resilience).
 */
import { assert } from '../core/assert.ts';
import type { LbEndpoint } from '../xds/cluster.ts';

export interface RoundRobinCursor {
  /** The healthy endpoint set (address:port:weight, in order) this cursor belongs to. */
  readonly hostsKey: string;
  /** Smooth weighted round robin's running weights, one per healthy endpoint. */
  readonly currentWeights: number[];
}

export interface ProxyState {
  readonly roundRobin: Map<string, RoundRobinCursor>;
  /** Requests in flight per `cluster|address:port`; the caller counts them as requests start and end. */
  readonly activeRequests: Map<string, number>;
}

export function createProxyState(): ProxyState {
  return { roundRobin: new Map(), activeRequests: new Map() };
}

export function endpointKey(clusterName: string, endpoint: LbEndpoint): string {
  return `${clusterName}|${endpoint.address}:${endpoint.port}`;
}

export function activeRequestsOf(state: ProxyState, clusterName: string, endpoint: LbEndpoint): number {
  return state.activeRequests.get(endpointKey(clusterName, endpoint)) ?? 0;
}

export function requestStarted(state: ProxyState, clusterName: string, endpoint: LbEndpoint): void {
  const key = endpointKey(clusterName, endpoint);
  state.activeRequests.set(key, (state.activeRequests.get(key) ?? 0) + 1);
}

export function requestFinished(state: ProxyState, clusterName: string, endpoint: LbEndpoint): void {
  const key = endpointKey(clusterName, endpoint);
  const active = state.activeRequests.get(key) ?? 0;
  assert(active > 0, () => `requestFinished for ${key} with no request in flight`);
  if (active === 1) state.activeRequests.delete(key);
  else state.activeRequests.set(key, active - 1);
}
