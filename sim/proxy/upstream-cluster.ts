/**
 * From a route's (or tcp_proxy's) cluster choice to an endpoint: the weighted cluster pick, the cluster
 * lookup in the proxy's CDS, and the load balancer over its EDS endpoints.
 *
 * Rules followed:
 * - One cluster: taken without a draw (Envoy `cluster`). Several: one draw with probability
 *   weight / total (Envoy `weighted_clusters`); weight-0 entries are never chosen (Istio drops them
 *   when others exist) and the total must be positive (Envoy rejects a zero total).
 * - A cluster name the proxy has not received: not found (HTTP: the route's cluster_not_found_response_code,
 *   flag NC; TCP: the connection is closed, flag NC). This is the rollout race the sim exists to show.
 * - BlackHoleCluster is a STATIC cluster with no endpoints (Istio), so it never yields one: HTTP 503 UH,
 *   TCP reset (istio-semantics §1: REGISTRY_ONLY and loop protection).
 * - Otherwise lb.ts chooses among the healthy endpoints, by locality priority from the proxy's own
 *   locality where the cluster asks for it; none: no healthy upstream (UH).
 *
 * Invariants: draws come only from the Rng handed in; nothing here reads time or mutates config.
 *
 * Circuit breaking (UO) happens after the endpoint is chosen (upstream-resilience.ts admitUpstream);
 * outlier ejections and the panic threshold narrow the load balancer's hosts (lb.ts).
 *
 * Not modelled: cluster warming, connection failures (UF: the world decides them), per-cluster TLS
 * (with security).
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import { BLACKHOLE_CLUSTER } from '../xds/cluster.ts';
import type { Cluster, LbEndpoint } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { clusterNamed } from '../xds/proxy-config.ts';
import { chooseEndpoint } from './lb.ts';
import type { ProxyState } from './proxy-state.ts';
import type { Call } from './request.ts';
import { socketAddress } from './match/cidr.ts';

export type EndpointResolution =
  | { readonly kind: 'cluster-not-found'; readonly clusterName: string }
  | { readonly kind: 'no-endpoint'; readonly cluster: Cluster }
  | { readonly kind: 'endpoint'; readonly cluster: Cluster; readonly endpoint: LbEndpoint };

export function pickWeightedCluster<T extends { readonly name: string; readonly weight: number }>(
  clusters: readonly T[], rng: Rng,
): T {
  assert(clusters.length > 0, 'a route action names at least one cluster');
  if (clusters.length === 1) return clusters[0] as T;
  const picked = clusters[rng.pickWeighted(clusters.map((cluster) => cluster.weight))];
  assert(picked !== undefined, 'weighted cluster pick outside the list');
  return picked;
}

/** `hashKey`: the request's consistent-hash key (route hash policies), null when it has none. */
export function resolveEndpoint(
  config: ProxyConfig, clusterName: string, call: Call, state: ProxyState, rng: Rng, hashKey: number | null = null,
): EndpointResolution {
  const cluster = clusterNamed(config, clusterName);
  if (cluster === undefined) return { kind: 'cluster-not-found', clusterName };
  if (clusterName === BLACKHOLE_CLUSTER) return { kind: 'no-endpoint', cluster };
  const assignment = config.endpoints.get(clusterName);
  // The proxy's own locality and labels place the endpoints in priorities (lb.ts, locality.ts).
  const endpoint = chooseEndpoint(cluster, assignment, call, state, rng, hashKey, config.proxy);
  return endpoint === null ? { kind: 'no-endpoint', cluster } : { kind: 'endpoint', cluster, endpoint };
}

/** `10.1.2.3:9080 (pod reviews-v1-abc)` or `93.184.216.34:443 (original destination)` for reasons. */
export function describeEndpoint(endpoint: LbEndpoint): string {
  const where = endpoint.pod === '' ? 'outside the mesh' : `pod ${endpoint.namespace === '' ? '' : `${endpoint.namespace}/`}${endpoint.pod}`;
  return `${socketAddress(endpoint.address, endpoint.port)} (${where})`;
}
