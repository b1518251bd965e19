/**
 * Endpoint choice for one request to one cluster: Envoy's load balancers over the healthy endpoints
 * of a ClusterLoadAssignment, or the original destination for ORIGINAL_DST clusters.
 *
 * Rules followed:
 * - ORIGINAL_DST discovery (Istio PassthroughCluster, ServiceEntry resolution NONE; lb_policy
 *   CLUSTER_PROVIDED): the connection's original destination IP:port, pod ''.
 * - Candidates: healthy endpoints the cluster's outlier detector has not ejected, or every endpoint
 *   when fewer than the panic threshold remain (upstream-resilience.ts); none gives null (the caller
 *   answers 503 UH / resets).
 * - ROUND_ROBIN: weighted round robin; each (re)built schedule starts at a random offset, as Envoy's
 *   EdfLoadBalancerBase::refresh cycles `seed % hosts` picks so proxies do not all start on one host.
 *   Smooth weighted round robin stands in for Envoy's EDF scheduler: the same long-run shares (weight /
 *   total over every cycle of total-weight picks), a different interleaving.
 * - LEAST_REQUEST: power of two choices (`choice_count` 2): two random samples, the one with fewer
 *   active requests wins, the first on a tie, so with equal counts it is a random pick. Samples are
 *   uniform when all weights are equal (Envoy's unweighted path) and weight-proportional otherwise.
 * - RANDOM: uniform over healthy endpoints, weights ignored (Envoy RandomLoadBalancer::peekOrChoose:
 *   `hosts[random % size]`). CLUSTER_PROVIDED on a cluster that is not ORIGINAL_DST has no endpoints in
 *   practice (BlackHoleCluster) and is random otherwise.
 * - RING_HASH and MAGLEV (ThreadAwareLoadBalancerBase::chooseHost): the request's hash key (the route's
 *   hash policies, hash-policy.ts) looked up in a ring (ring-hash.ts) or Maglev table (maglev.ts) built
 *   over the candidates; without a key Envoy hashes a random value, so one draw picks a random point
 *   (hosts weighted by their share of the ring or table). Tables are kept per cluster in the ProxyState
 *   and rebuilt when the policy, size or candidate set changes.
 * - A single healthy endpoint is returned without drawing.
 *
 * Invariants: every draw comes from the Rng handed in; per-cluster state lives in the caller's
 * ProxyState; endpoint weights are integers ≥ 1 (Envoy's load_balancing_weight minimum).
 *
 * Not modelled: locality and priority levels, slow start, active_request_bias and Envoy's weighted
 * least-request EDF, subset load balancing, hash_balance_factor (bounded-load consistent hashing).
 */
import { assert, unreachable } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import type { Cluster, ClusterLoadAssignment, LbEndpoint } from '../xds/cluster.ts';
import { MAGLEV_TABLE_SIZE_DEFAULT, MAGLEV_TABLE_SIZE_MAX, buildMaglevTable, isPrime, maglevLookup } from './maglev.ts';
import { activeRequestsOf } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';
import type { Call } from './request.ts';
import { RING_HASH_MAXIMUM_RING_SIZE, RING_HASH_MINIMUM_RING_SIZE_DEFAULT, buildRing, ringLookup } from './ring-hash.ts';
import { loadBalancingCandidates } from './upstream-resilience.ts';

/** Envoy LeastRequest default choice_count. */
export const LEAST_REQUEST_CHOICES = 2;

/** `hashKey`: the request's key from the route's hash policies (null: none), read by RING_HASH and MAGLEV. */
export function chooseEndpoint(
  cluster: Cluster, assignment: ClusterLoadAssignment | undefined, call: Call, state: ProxyState, rng: Rng,
  hashKey: number | null = null,
): LbEndpoint | null {
  if (cluster.discovery === 'ORIGINAL_DST') return originalDestination(call);
  const hosts = loadBalancingCandidates(state, cluster, assignment?.endpoints ?? []);
  for (const host of hosts) {
    assert(Number.isSafeInteger(host.weight) && host.weight >= 1,
      () => `endpoint ${host.address}:${host.port} of ${cluster.name} has weight ${host.weight}; Envoy needs an integer ≥ 1`);
  }
  if (hosts.length === 0) return null;
  if (hosts.length === 1) return hosts[0] ?? null;
  switch (cluster.lbPolicy) {
    case 'ROUND_ROBIN':
      return pickRoundRobin(cluster.name, hosts, state, rng);
    case 'LEAST_REQUEST':
      return pickLeastRequest(cluster.name, hosts, state, rng);
    case 'RING_HASH':
    case 'MAGLEV':
      return pickByHash(cluster, hosts, state, hashKey ?? rng.intInclusive(0, 0xffff_ffff));
    case 'RANDOM':
    case 'CLUSTER_PROVIDED':
      return rng.pick(hosts);
    default:
      return unreachable(cluster.lbPolicy, 'lb policy');
  }
}

/** The connection's original destination, as Envoy's ORIGINAL_DST cluster creates the host on demand. */
export function originalDestination(call: Call): LbEndpoint {
  return {
    address: call.destinationIp, port: call.destinationPort, weight: 1,
    pod: '', workload: '', namespace: '', labels: {}, healthy: true,
  };
}

/**
 * Why Envoy would reject this cluster's consistent-hash settings (the whole CDS update is NACKed), or
 * null: minimum_ring_size above maximum_ring_size (8M), a Maglev table_size that is not prime or too big.
 */
export function hashSettingsRejection(cluster: Cluster): string | null {
  const ring = cluster.ringHashMinimumRingSize;
  if (cluster.lbPolicy === 'RING_HASH' && ring !== undefined && !(Number.isSafeInteger(ring) && ring >= 0 && ring <= RING_HASH_MAXIMUM_RING_SIZE)) {
    return `ring hash: minimum_ring_size (${ring}) > maximum_ring_size (${RING_HASH_MAXIMUM_RING_SIZE})`;
  }
  const table = cluster.maglevTableSize;
  if (cluster.lbPolicy === 'MAGLEV' && table !== undefined && !(isPrime(table) && table <= MAGLEV_TABLE_SIZE_MAX)) {
    return `The table size of maglev must be prime number (table_size ${table}, at most ${MAGLEV_TABLE_SIZE_MAX})`;
  }
  return null;
}

/** The candidate at the request's key in the cluster's ring or Maglev table (built or reused). */
function pickByHash(cluster: Cluster, hosts: readonly LbEndpoint[], state: ProxyState, hashKey: number): LbEndpoint | null {
  const rejection = hashSettingsRejection(cluster);
  assert(rejection === null, () => `cluster ${cluster.name} reached the load balancer with settings Envoy rejects: ${rejection}`);
  const maglev = cluster.lbPolicy === 'MAGLEV';
  const size = maglev ? cluster.maglevTableSize ?? MAGLEV_TABLE_SIZE_DEFAULT : cluster.ringHashMinimumRingSize ?? RING_HASH_MINIMUM_RING_SIZE_DEFAULT;
  // A minimum_ring_size of 0 (Istio never sends it) scales every host to 0 points: Envoy's ring is empty.
  if (size === 0) return null;
  const key = `${cluster.lbPolicy}|${size}|${hosts.map((host) => `${host.address}:${host.port}:${host.weight}`).join(',')}`;
  let entry = state.hashTables.get(cluster.name);
  if (entry === undefined || entry.key !== key) {
    entry = { key, table: maglev ? buildMaglevTable(hosts, size) : buildRing(hosts, size) };
    state.hashTables.set(cluster.name, entry);
  }
  const index = entry.table.kind === 'maglev' ? maglevLookup(entry.table, hashKey) : ringLookup(entry.table, hashKey);
  const picked = hosts[index];
  assert(picked !== undefined, 'hash lookup outside the host list');
  return picked;
}

export function pickRoundRobin(clusterName: string, hosts: readonly LbEndpoint[], state: ProxyState, rng: Rng): LbEndpoint {
  const hostsKey = hosts.map((host) => `${host.address}:${host.port}:${host.weight}`).join(',');
  let cursor = state.roundRobin.get(clusterName);
  if (cursor === undefined || cursor.hostsKey !== hostsKey) {
    cursor = { hostsKey, currentWeights: hosts.map(() => 0) };
    state.roundRobin.set(clusterName, cursor);
    const skips = rng.below(hosts.length);
    for (let skip = 0; skip < skips; skip += 1) smoothRoundRobinStep(cursor.currentWeights, hosts);
  }
  const picked = hosts[smoothRoundRobinStep(cursor.currentWeights, hosts)];
  assert(picked !== undefined, 'round robin picked outside the host list');
  return picked;
}

/**
 * Smooth weighted round robin (nginx): every host gains its weight, the one with the highest running
 * weight (the first on a tie) is picked and loses the total. Integers only; with equal weights this is
 * plain rotation in list order.
 */
function smoothRoundRobinStep(currentWeights: number[], hosts: readonly LbEndpoint[]): number {
  let total = 0;
  let picked = 0;
  for (let index = 0; index < hosts.length; index += 1) {
    const weight = hosts[index]?.weight ?? 0;
    total += weight;
    currentWeights[index] = (currentWeights[index] ?? 0) + weight;
    if ((currentWeights[index] ?? 0) > (currentWeights[picked] ?? 0)) picked = index;
  }
  currentWeights[picked] = (currentWeights[picked] ?? 0) - total;
  return picked;
}

export function pickLeastRequest(clusterName: string, hosts: readonly LbEndpoint[], state: ProxyState, rng: Rng): LbEndpoint {
  const firstWeight = hosts[0]?.weight;
  const equalWeights = hosts.every((host) => host.weight === firstWeight);
  const weights = hosts.map((host) => host.weight);
  const sample = (): LbEndpoint => {
    const index = equalWeights ? rng.below(hosts.length) : rng.pickWeighted(weights);
    const host = hosts[index];
    assert(host !== undefined, 'least-request sample outside the host list');
    return host;
  };
  let candidate = sample();
  for (let choice = 1; choice < LEAST_REQUEST_CHOICES; choice += 1) {
    const sampled = sample();
    // Envoy: the sampled host replaces the candidate only with strictly fewer active requests.
    if (activeRequestsOf(state, clusterName, sampled) < activeRequestsOf(state, clusterName, candidate)) candidate = sampled;
  }
  return candidate;
}
