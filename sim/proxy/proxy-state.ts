/**
 * The mutable per-proxy state the data plane keeps between calls, owned by the caller (one per sidecar
 * or gateway actor): round-robin positions and consistent-hash tables per cluster, and active-request
 * counts per endpoint, which
 * Envoy keeps in its per-cluster load balancers and per-host stats (`rq_active`); and, in a run, the
 * instant of the call, each cluster's outlier detector and connection pools (upstream-resilience.ts).
 *
 * Invariants:
 * - No module state: two worlds in one process have two ProxyState values.
 * - Active counts are never negative: `requestFinished` without a matching `requestStarted` is a bug.
 * - A round-robin cursor is valid only for the healthy endpoint set it was built from (`hostsKey`);
 *   when that set changes the balancer rebuilds it, as Envoy rebuilds its scheduler on a host update.
 *   The same holds for a ring or Maglev table (`key`: policy, size and host set).
 *
 * - `nowUs` null means the proxy is walked at rest (`meshsim probe`): no detector or pool is consulted
 *   or created, so every call sees a fresh cluster. A run sets it before each call.
 * - A detector belongs to one cluster config (`settingsKey`); a changed config replaces it, as Envoy
 *   builds a new cluster. Pools are keyed by cluster and config, so requests admitted under an old
 *   config release the pool they hold.
 *
 * Not modelled: per-worker-thread balancers (Envoy keeps one per worker; the sim has one per proxy).
 */
import { assert } from '../core/assert.ts';
import type { LbEndpoint } from '../xds/cluster.ts';
import type { Route } from '../xds/route.ts';
import type { ConnectionPoolState } from './circuit-breaker.ts';
import type { MaglevTable } from './maglev.ts';
import type { OutlierDetector } from './outlier-detection.ts';
import type { Ring } from './ring-hash.ts';

export interface RoundRobinCursor {
  /** The healthy endpoint set (address:port:weight, in order) this cursor belongs to. */
  readonly hostsKey: string;
  /** Smooth weighted round robin's running weights, one per healthy endpoint. */
  readonly currentWeights: number[];
}

export interface HashTableEntry {
  /** The lb policy, ring/table size and candidate hosts (address:port:weight, in order) it was built for. */
  readonly key: string;
  readonly table: Ring | MaglevTable;
}

export interface OutlierDetectorEntry {
  /** The cluster's outlier settings this detector was built from. */
  readonly settingsKey: string;
  readonly detector: OutlierDetector;
  /** The endpoint list the detector's hosts were last synced with (EDS). */
  syncedWith: readonly LbEndpoint[] | null;
}

export interface ProxyState {
  readonly roundRobin: Map<string, RoundRobinCursor>;
  /** RING_HASH rings and MAGLEV tables by cluster name (lb.ts). */
  readonly hashTables: Map<string, HashTableEntry>;
  /**
   * Requests in flight per `cluster|address:port` (LEAST_REQUEST reads them); in a run admission and
   * release count them (upstream-resilience.ts), other callers with requestStarted/requestFinished.
   */
  /** Requests in flight by cluster name, then host (`address:port`); a host with none left stays at 0. */
  readonly activeRequests: Map<string, Map<string, number>>;
  /** The virtual instant of the call being handled (µs); null at rest. */
  nowUs: number | null;
  /** Outlier detectors by cluster name. */
  readonly outlierDetectors: Map<string, OutlierDetectorEntry>;
  /** Connection pools by pool key (`cluster#config`). */
  readonly connectionPools: Map<string, ConnectionPoolState>;
  /** The next id for a request admitted to a pool. */
  nextRequestId: number;
  /**
   * Whether the caller reads the outcomes' sentences (`reason`). A run does not: the engine leaves the
   * reason of a forwarded request, the one every request would pay for, empty (''); failures keep theirs.
   */
  readonly explain: boolean;
  /**
   * The route the last HTTP call through this proxy matched (null: none, or not an HTTP call). The engine
   * sets it on every call; a run's flow plans read it right after the call (sim/world/flow-plans.ts).
   */
  lastRoute: Route | null;
  /** The id of the proxy this state belongs to ('' when the caller has none): pool holds carry it. */
  readonly proxy: string;
}

export function createProxyState(explain = true, proxy = ''): ProxyState {
  return { roundRobin: new Map(), hashTables: new Map(), activeRequests: new Map(), nowUs: null, outlierDetectors: new Map(), connectionPools: new Map(), nextRequestId: 0, explain, lastRoute: null, proxy };
}

export function endpointKey(clusterName: string, endpoint: Pick<LbEndpoint, 'address' | 'port'>): string {
  return `${clusterName}|${hostKeyOf(endpoint)}`;
}

// An endpoint object's `address:port`, built once per (immutable) object: the hot path looks hosts up
// by it several times per request, and one string instance keeps its hash.
const hostKeys = new WeakMap<object, string>();

/** `address:port` of a host, the key pools, detectors and request counts use for it. */
export function hostKeyOf(endpoint: Pick<LbEndpoint, 'address' | 'port'>): string {
  let key = hostKeys.get(endpoint);
  if (key === undefined) {
    key = `${endpoint.address}:${endpoint.port}`;
    hostKeys.set(endpoint, key);
  }
  return key;
}

/** Requests in flight from this proxy to a host of a cluster; `hosts`: the cluster's entry when the caller has it. */
export function activeRequestsOf(state: ProxyState, clusterName: string, endpoint: Pick<LbEndpoint, 'address' | 'port'>, hosts = state.activeRequests.get(clusterName)): number {
  return hosts?.get(hostKeyOf(endpoint)) ?? 0;
}

export function requestStarted(state: ProxyState, clusterName: string, endpoint: Pick<LbEndpoint, 'address' | 'port'>): void {
  requestStartedAt(state, clusterName, hostKeyOf(endpoint));
}

/** The same by the host's key (`address:port`); `hosts`: the cluster's entry when the caller has it. */
export function requestStartedAt(state: ProxyState, clusterName: string, hostKey: string, hosts = requestsInFlight(state, clusterName)): void {
  hosts.set(hostKey, (hosts.get(hostKey) ?? 0) + 1);
}

/** The proxy's requests in flight to a cluster, by host (`address:port`); made empty when there is none yet. */
export function requestsInFlight(state: ProxyState, clusterName: string): Map<string, number> {
  let hosts = state.activeRequests.get(clusterName);
  if (hosts === undefined) {
    hosts = new Map();
    state.activeRequests.set(clusterName, hosts);
  }
  return hosts;
}

export function requestFinished(state: ProxyState, clusterName: string, endpoint: Pick<LbEndpoint, 'address' | 'port'>): void {
  requestFinishedAt(state, clusterName, hostKeyOf(endpoint));
}

/** The same by the host's key (`address:port`), as a pool hold carries it; `hosts`: the cluster's entry when the caller has it. */
export function requestFinishedAt(state: ProxyState, clusterName: string, hostKey: string, hosts = state.activeRequests.get(clusterName)): void {
  const active = hosts?.get(hostKey) ?? 0;
  if (!(hosts !== undefined && active > 0)) assert(false, `requestFinished for ${clusterName}|${hostKey} with no request in flight`);
  // A host with none left stays at 0 (the next request to it, mostly soon, finds its entry).
  hosts.set(hostKey, active - 1);
}
