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
 * - Locality (a cluster with `localityLb`): the endpoints are first placed in priorities and weighted
 *   localities as istiod would for this proxy (locality.ts, from the client's locality and labels);
 *   then, as Envoy's LoadBalancerBase and ZoneAwareLoadBalancerBase do (priority-load.ts), a priority
 *   is drawn by its load (1.4 overprovisioning, spill-over to the next), its hosts are all of them in
 *   that priority's panic, else the healthy hosts of a locality drawn by weight when
 *   locality_weighted_lb_config is set, else the priority's healthy hosts; then the policy above picks
 *   among them with its own state per priority and locality (Envoy keeps a balancer per host set).
 *   RING_HASH and MAGLEV pick the priority with the request's hash (random without one) and ignore
 *   locality weights. No draw is spent where only one priority or locality can take the request, so a
 *   cluster whose endpoints all share one locality (or none) balances exactly as without `localityLb`.
 *
 * Invariants: every draw comes from the Rng handed in; per-cluster state lives in the caller's
 * ProxyState; endpoint weights are integers ≥ 1 (Envoy's load_balancing_weight minimum).
 *
 * Not modelled: slow start, active_request_bias and Envoy's weighted least-request EDF, subset load
 * balancing, hash_balance_factor (bounded-load consistent hashing), locality weights in ring and
 * Maglev tables (normalizeLocalityWeights), degraded hosts.
 */
import { assert, unreachable } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import type { Cluster, ClusterLoadAssignment, LbEndpoint, LocalityLb } from '../xds/cluster.ts';
import { MAGLEV_TABLE_SIZE_DEFAULT, MAGLEV_TABLE_SIZE_MAX, buildMaglevTable, isPrime, maglevLookup } from './maglev.ts';
import { activeRequestsOf } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';
import type { Call } from './request.ts';
import { RING_HASH_MAXIMUM_RING_SIZE, RING_HASH_MINIMUM_RING_SIZE_DEFAULT, buildRing, ringLookup } from './ring-hash.ts';
import { localityGroups } from './locality.ts';
import type { LocalityClient } from './locality.ts';
import { panicThresholdPercent } from './outlier-detection.ts';
import { choosePriority, effectiveLocalityWeights, loadedPriorities, priorityLevels, priorityLoads } from './priority-load.ts';
import { hostHealth, loadBalancingCandidates } from './upstream-resilience.ts';

/** Envoy LeastRequest default choice_count. */
export const LEAST_REQUEST_CHOICES = 2;

/** A proxy whose locality is unknown and that has no labels. */
export const UNKNOWN_LOCALITY_CLIENT: LocalityClient = Object.freeze({ labels: {} });

/**
 * `hashKey`: the request's key from the route's hash policies (null: none), read by RING_HASH and MAGLEV.
 * `client`: the proxy's own locality and labels (ProxyConfig.proxy), read when the cluster has `localityLb`.
 */
export function chooseEndpoint(
  cluster: Cluster, assignment: ClusterLoadAssignment | undefined, call: Call, state: ProxyState, rng: Rng,
  hashKey: number | null = null, client: LocalityClient = UNKNOWN_LOCALITY_CLIENT,
): LbEndpoint | null {
  if (cluster.discovery === 'ORIGINAL_DST') return originalDestination(call);
  const endpoints = assignment?.endpoints ?? [];
  // Without locality the cluster-wide candidates are the answer (no HostSource built per request).
  if (cluster.localityLb === undefined || oneLocality(cluster.localityLb, endpoints)) {
    return pickHost(cluster, loadBalancingCandidates(state, cluster, endpoints), cluster.name, hashKey, state, rng);
  }
  const source = localitySource(cluster, endpoints, client, state, rng, hashKey);
  return pickHost(cluster, source.hosts, source.key, source.hashKey, state, rng);
}

/**
 * One host of `hosts` (the candidates loadBalancingCandidates gives) by the cluster's policy; `key`
 * names the balancer state kept for them. A run's flow plan calls it with the candidates it keeps.
 */
export function pickHost(cluster: Cluster, hosts: readonly LbEndpoint[], key: string, hashKey: number | null, state: ProxyState, rng: Rng): LbEndpoint | null {
  // Indexed loops here and below: the hot path's iterators are not always optimised away.
  for (let index = 0; index < hosts.length; index += 1) {
    const host = hosts[index]!;
    if (!(Number.isSafeInteger(host.weight) && host.weight >= 1)) {
      assert(false, `endpoint ${host.address}:${host.port} of ${cluster.name} has weight ${host.weight}; Envoy needs an integer ≥ 1`);
    }
  }
  if (hosts.length === 0) return null;
  if (hosts.length === 1) return hosts[0] ?? null;
  switch (cluster.lbPolicy) {
    case 'ROUND_ROBIN':
      return pickRoundRobin(key, hosts, state, rng);
    case 'LEAST_REQUEST':
      return pickLeastRequest(cluster.name, hosts, state, rng);
    case 'RING_HASH':
    case 'MAGLEV':
      return pickByHash(cluster, key, hosts, state, hashKey ?? rng.intInclusive(0, 0xffff_ffff));
    case 'RANDOM':
    case 'CLUSTER_PROVIDED':
      return rng.pick(hosts);
    default:
      return unreachable(cluster.lbPolicy, 'lb policy');
  }
}

/** The hosts one pick chooses among, the key of the balancer state for them, and the hash used. */
interface HostSource {
  readonly hosts: readonly LbEndpoint[];
  readonly key: string;
  readonly hashKey: number | null;
}

/**
 * Failover by proximity alone over endpoints that all share one locality: one priority and one
 * locality whatever the client's, so the cluster-wide candidates are the answer (a shortcut only).
 */
function oneLocality(lb: LocalityLb, endpoints: readonly LbEndpoint[]): boolean {
  if (lb.mode !== 'failover' || lb.failoverPriority.length > 0) return false;
  const first = endpoints[0]?.locality;
  return endpoints.every((e) => e.locality === first);
}

/** Priority, then locality (priority-load.ts) over the groups istiod would send this client (locality.ts). */
function localitySource(
  cluster: Cluster, endpoints: readonly LbEndpoint[], client: LocalityClient, state: ProxyState, rng: Rng, hashKey: number | null,
): HostSource {
  const lb = cluster.localityLb;
  assert(lb !== undefined, 'locality source without localityLb');
  const groups = localityGroups(lb, endpoints, client);
  // `distribute` may drop localities: the proxy's cluster (and its outlier detector) has only the rest.
  const members = new Set(groups.flatMap((g) => g.hosts));
  const kept = members.size === endpoints.length ? endpoints : endpoints.filter((e) => members.has(e));
  if (kept.length === 0) return { hosts: [], key: cluster.name, hashKey };
  const levels = priorityLevels(groups, kept, hostHealth(state, cluster, kept));
  const { loads, panic } = priorityLoads(levels, panicThresholdPercent(cluster));
  const hashing = cluster.lbPolicy === 'RING_HASH' || cluster.lbPolicy === 'MAGLEV';
  let key = hashKey;
  let priority = loads.findIndex((load) => load > 0);
  if (loadedPriorities(loads) > 1) {
    // choosePriority(hash % 100 + 1): the request's hash for the thread-aware balancers, else a random draw.
    if (hashing) key = hashKey ?? rng.intInclusive(0, 0xffff_ffff);
    priority = choosePriority(loads, (hashing ? (key ?? 0) % 100 : rng.below(100)) + 1);
  }
  const level = levels[priority];
  assert(level !== undefined, 'chosen priority outside the levels');
  const base = levels.length === 1 ? cluster.name : `${cluster.name}#P${priority}`;
  if (panic[priority] === true) return { hosts: level.hosts, key: base, hashKey: key };
  if (lb.localityWeighted && !hashing && level.localities.length > 1) {
    const weights = effectiveLocalityWeights(level);
    const positive = weights.filter((w) => w > 0).length;
    if (positive > 0) {
      const chosen = level.localities[positive === 1 ? weights.findIndex((w) => w > 0) : rng.pickWeighted(weights)];
      assert(chosen !== undefined, 'chosen locality outside the priority');
      return { hosts: chosen.healthy, key: `${base}#${chosen.locality}`, hashKey: key };
    }
  }
  return { hosts: level.healthy, key: base, hashKey: key };
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

/** The candidate at the request's key in the ring or Maglev table kept under `tableKey` (built or reused). */
function pickByHash(cluster: Cluster, tableKey: string, hosts: readonly LbEndpoint[], state: ProxyState, hashKey: number): LbEndpoint | null {
  const rejection = hashSettingsRejection(cluster);
  if (!(rejection === null)) assert(false, () => `cluster ${cluster.name} reached the load balancer with settings Envoy rejects: ${rejection}`);
  const maglev = cluster.lbPolicy === 'MAGLEV';
  const size = maglev ? cluster.maglevTableSize ?? MAGLEV_TABLE_SIZE_DEFAULT : cluster.ringHashMinimumRingSize ?? RING_HASH_MINIMUM_RING_SIZE_DEFAULT;
  // A minimum_ring_size of 0 (Istio never sends it) scales every host to 0 points: Envoy's ring is empty.
  if (size === 0) return null;
  const key = `${cluster.lbPolicy}|${size}|${hosts.map((host) => `${host.address}:${host.port}:${host.weight}`).join(',')}`;
  let entry = state.hashTables.get(tableKey);
  if (entry === undefined || entry.key !== key) {
    entry = { key, table: maglev ? buildMaglevTable(hosts, size) : buildRing(hosts, size) };
    state.hashTables.set(tableKey, entry);
  }
  const index = entry.table.kind === 'maglev' ? maglevLookup(entry.table, hashKey) : ringLookup(entry.table, hashKey);
  const picked = hosts[index];
  assert(picked !== undefined, 'hash lookup outside the host list');
  return picked;
}

/** `sourceKey`: the cluster's name, or its host set's (`cluster#P1`, `cluster#P0#region/zone/`) with locality. */
export function pickRoundRobin(sourceKey: string, hosts: readonly LbEndpoint[], state: ProxyState, rng: Rng): LbEndpoint {
  const hostsKey = hosts.map((host) => `${host.address}:${host.port}:${host.weight}`).join(',');
  let cursor = state.roundRobin.get(sourceKey);
  if (cursor === undefined || cursor.hostsKey !== hostsKey) {
    cursor = { hostsKey, currentWeights: hosts.map(() => 0) };
    state.roundRobin.set(sourceKey, cursor);
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
  let equalWeights = true;
  for (let index = 1; index < hosts.length; index += 1) if (hosts[index]!.weight !== firstWeight) equalWeights = false;
  const weights = equalWeights ? null : hosts.map((host) => host.weight);
  let candidate = sampleHost(hosts, weights, rng);
  // The cluster's counts of requests in flight, found once per pick.
  const inFlight = state.activeRequests.get(clusterName);
  for (let choice = 1; choice < LEAST_REQUEST_CHOICES; choice += 1) {
    const sampled = sampleHost(hosts, weights, rng);
    // Envoy: the sampled host replaces the candidate only with strictly fewer active requests.
    if (activeRequestsOf(state, clusterName, sampled, inFlight) < activeRequestsOf(state, clusterName, candidate, inFlight)) candidate = sampled;
  }
  return candidate;
}

/** One draw of least request's sample: uniform when weights are equal (`weights` null), else weighted. */
function sampleHost(hosts: readonly LbEndpoint[], weights: readonly number[] | null, rng: Rng): LbEndpoint {
  const host = hosts[weights === null ? rng.below(hosts.length) : rng.pickWeighted(weights)];
  assert(host !== undefined, 'least-request sample outside the host list');
  return host;
}
