/**
 * Envoy's ring hash (ketama) load balancer: hosts placed on a 32-bit ring, a request served by the host
 * of the first ring point at or after its hash key (source/extensions/load_balancing_policies/ring_hash/
 * ring_hash_lb.cc Ring::Ring, Ring::chooseHost).
 *
 * Rules followed:
 * - Ring size: scale the hashes per host so the lightest host gets a whole number,
 *   ceil(minimum_ring_size × w_min / W) (W the total weight), capped at maximum_ring_size (8M); each
 *   host then gets scale × w / W points. Running sums across hosts (`current < target`) hand out the
 *   fractions, in host order, as Envoy does. minimum_ring_size defaults to 1024.
 * - A host's points are the hashes of `address:port_i` for i = 0, 1, …; the ring is sorted by hash.
 * - Lookup: the first point with hash ≥ key; past the last point, the first (the ring wraps).
 *
 * Properties: the same key reaches the same host while the host set is unchanged; points are
 * proportional to weight. When a host leaves, its keys move to the others; keys of the hosts that stay
 * move only when the new ring is rescaled (fewer hosts, more points each: Envoy's ring is not minimally
 * disruptive across a rescale, which is why Istio warns that affinity may be lost on host changes).
 *
 * Invariants: pure; points sort by (hash, host index), so equal hashes break ties deterministically;
 * weights are integers ≥ 1 and the arithmetic is exact integers (total weight × 8M stays below 2⁵³).
 *
 * Not modelled: Envoy's xxHash64 / murmur2 point values (keys here are 32-bit, hash-policy.ts
 * hashKeyOf), use_hostname_for_hashing, hash_balance_factor (bounded load), the retry `attempt` offset,
 * locality-weighted rings; Envoy computes the scale in doubles, here it is exact.
 */
import { assert } from '../core/assert.ts';
import type { LbEndpoint } from '../xds/cluster.ts';
import { hashKeyOf } from './hash-policy.ts';
import { socketAddress } from './match/cidr.ts';

export const RING_HASH_MINIMUM_RING_SIZE_DEFAULT = 1024;
/** Envoy's maximum_ring_size default (and the largest minimum_ring_size it accepts). */
export const RING_HASH_MAXIMUM_RING_SIZE = 8_388_608;

/** Host indexes are packed under the hash in one float64 sort key: hash × 2²¹ + index < 2⁵³. */
const HOST_SLOTS = 2 ** 21;

export interface Ring {
  readonly kind: 'ring';
  /** Point hashes, ascending. */
  readonly hashes: Uint32Array;
  /** The host index (into the host list the ring was built from) of each point. */
  readonly hosts: Uint32Array;
}

export type HashedHost = Pick<LbEndpoint, 'address' | 'port' | 'weight'>;

/** `maximumRingSize`: Envoy's maximum_ring_size (Istio never sets it: 8M). */
export function buildRing(
  hosts: readonly HashedHost[], minimumRingSize = RING_HASH_MINIMUM_RING_SIZE_DEFAULT, maximumRingSize = RING_HASH_MAXIMUM_RING_SIZE,
): Ring {
  assert(hosts.length > 0 && hosts.length < HOST_SLOTS, () => `a ring needs 1..${HOST_SLOTS - 1} hosts, got ${hosts.length}`);
  assert(Number.isSafeInteger(maximumRingSize) && maximumRingSize >= 1 && maximumRingSize <= RING_HASH_MAXIMUM_RING_SIZE,
    () => `maximum_ring_size ${maximumRingSize} outside 1..${RING_HASH_MAXIMUM_RING_SIZE}`);
  assert(Number.isSafeInteger(minimumRingSize) && minimumRingSize >= 1 && minimumRingSize <= maximumRingSize,
    () => `ring hash: minimum_ring_size (${minimumRingSize}) > maximum_ring_size (${maximumRingSize}) (Envoy rejects the cluster)`);
  const total = hosts.reduce((sum, host) => sum + host.weight, 0);
  const lightest = Math.min(...hosts.map((host) => host.weight));
  assert(total * RING_HASH_MAXIMUM_RING_SIZE < Number.MAX_SAFE_INTEGER, () => `total weight ${total} too large for exact ring sizes`);
  // scale = min(ceil(w_min/W × min) / (w_min/W), max); a host's share is scale × w / W, kept as a
  // fraction perWeight × w / denominator.
  const lightestPoints = ceilDiv(lightest * minimumRingSize, total);
  const capped = lightestPoints * total > maximumRingSize * lightest;
  const perWeight = capped ? maximumRingSize : lightestPoints;
  const denominator = capped ? total : lightest;
  const keys: number[] = [];
  let current = 0;
  let target = 0;
  hosts.forEach((host, index) => {
    target += perWeight * host.weight;
    for (let replica = 0; current * denominator < target; replica += 1, current += 1) {
      keys.push(hashKeyOf(`${socketAddress(host.address, host.port)}_${replica}`) * HOST_SLOTS + index);
    }
  });
  const sorted = Float64Array.from(keys).sort();
  const hashes = new Uint32Array(sorted.length);
  const owners = new Uint32Array(sorted.length);
  sorted.forEach((key, point) => {
    hashes[point] = Math.floor(key / HOST_SLOTS);
    owners[point] = key % HOST_SLOTS;
  });
  return { kind: 'ring', hashes, hosts: owners };
}

/** ⌈a / b⌉ for non-negative safe integers, exact (no float rounding at the boundary). */
function ceilDiv(a: number, b: number): number {
  let quotient = Math.floor(a / b);
  while (quotient * b < a) quotient += 1;
  while (quotient > 0 && (quotient - 1) * b >= a) quotient -= 1;
  return quotient;
}

/** The host index of the first point with hash ≥ key, wrapping to the first point. */
export function ringLookup(ring: Ring, key: number): number {
  let low = 0;
  let high = ring.hashes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ring.hashes[middle] ?? 0) < key) low = middle + 1;
    else high = middle;
  }
  const owner = ring.hosts[low === ring.hashes.length ? 0 : low];
  assert(owner !== undefined, 'ring lookup on an empty ring');
  return owner;
}

/** How many points each host has (for tests and reports), by host index. */
export function pointsPerHost(ring: Ring, hostCount: number): number[] {
  const counts = Array.from({ length: hostCount }, () => 0);
  for (const owner of ring.hosts) counts[owner] = (counts[owner] ?? 0) + 1;
  return counts;
}
