/**
 * Envoy's Maglev load balancer: a lookup table of prime size filled from each host's permutation, a
 * request served by the host at `key mod size` (source/extensions/load_balancing_policies/maglev/
 * maglev_lb.cc MaglevTable::constructMaglevTableInternal, OriginalMaglevTable, chooseHost; the Maglev
 * paper's listing 1).
 *
 * Rules followed:
 * - Hosts are sorted by their `address:port` key first, so the table does not depend on EDS order.
 * - Each host's permutation: offset = h₀(key) mod M, skip = h₁(key) mod (M − 1) + 1, slot j is
 *   (offset + skip × j) mod M; M is the table size (default 65537; Envoy requires a prime).
 * - Filling: rounds over the hosts; in round r a host takes its next free slot unless r × w < target,
 *   and each slot taken adds the heaviest weight to its target — a host of weight max/3 takes a slot
 *   every third round (Envoy's weighted Maglev), until every slot is owned.
 *
 * Properties: the same key reaches the same host while the host set is unchanged; slots are shared in
 * proportion to weight (± one round); when a host leaves, its slots go to the others and only a few of
 * the others' slots move (Maglev's "minimal disruption" is approximate).
 *
 * Invariants: pure; integer arithmetic only (targets count whole weights, skip × j < 2⁵³).
 *
 * Not modelled: Envoy's xxHash64 permutations (h₀, h₁ are hash-policy.ts hashKeyOf with seeds 0 and
 * 1), the compact table representation (same picks), use_hostname_for_hashing, hash_balance_factor, the
 * retry `attempt` perturbation; a table_size of 1 (Envoy's isPrime accepts it, then divides by zero)
 * is one slot here.
 */
import { assert } from '../core/assert.ts';
import { compareStrings } from '../core/compare.ts';
import { hashKeyOf } from './hash-policy.ts';
import type { HashedHost } from './ring-hash.ts';
import { socketAddress } from './match/cidr.ts';

export const MAGLEV_TABLE_SIZE_DEFAULT = 65_537;
/** Envoy's bound on table_size (and Istio's validation: less than 5000011). */
export const MAGLEV_TABLE_SIZE_MAX = 5_000_011;

export interface MaglevTable {
  readonly kind: 'maglev';
  /** The host index (into the host list the table was built from) owning each slot. */
  readonly slots: Uint32Array;
}

export function buildMaglevTable(hosts: readonly HashedHost[], tableSize = MAGLEV_TABLE_SIZE_DEFAULT): MaglevTable {
  assert(hosts.length > 0, 'a Maglev table needs a host');
  assert(isPrime(tableSize) && tableSize <= MAGLEV_TABLE_SIZE_MAX, () => `Maglev table size ${tableSize} is not a prime ≤ ${MAGLEV_TABLE_SIZE_MAX} (Envoy rejects the cluster)`);
  const heaviest = Math.max(...hosts.map((host) => host.weight));
  const entries = hosts
    .map((host, index) => ({ index, key: socketAddress(host.address, host.port), weight: host.weight }))
    .sort((a, b) => compareStrings(a.key, b.key) || a.index - b.index)
    .map((entry) => ({
      ...entry,
      offset: hashKeyOf(entry.key) % tableSize,
      // A one-slot table (which Envoy's isPrime lets through) would divide by zero here; any skip fits.
      skip: tableSize === 1 ? 1 : (hashKeyOf(entry.key, 1) % (tableSize - 1)) + 1,
      next: 0,
      target: 0,
    }));
  const unowned = hosts.length;
  const slots = new Uint32Array(tableSize).fill(unowned);
  let filled = 0;
  for (let round = 1; filled < tableSize; round += 1) {
    for (const entry of entries) {
      if (filled === tableSize) break;
      if (round * entry.weight < entry.target) continue;
      entry.target += heaviest;
      let slot = (entry.offset + entry.skip * entry.next) % tableSize;
      while (slots[slot] !== unowned) {
        entry.next += 1;
        slot = (entry.offset + entry.skip * entry.next) % tableSize;
      }
      slots[slot] = entry.index;
      entry.next += 1;
      filled += 1;
    }
  }
  return { kind: 'maglev', slots };
}

export function maglevLookup(table: MaglevTable, key: number): number {
  const owner = table.slots[key % table.slots.length];
  assert(owner !== undefined, 'Maglev lookup on an empty table');
  return owner;
}

/** Envoy Primes::isPrime (and Istio's validation isPrime): trial division by odd factors; 1 passes. */
export function isPrime(n: number): boolean {
  if (!Number.isSafeInteger(n) || n < 1) return false;
  if (n < 4) return true;
  if (n % 2 === 0) return false;
  for (let factor = 3; factor * factor <= n; factor += 2) if (n % factor === 0) return false;
  return true;
}
