// Envoy's ring hash (ring_hash_lb.cc): the same key reaches the same host, removal moves only the
// removed host's keys while the others keep their points, points follow weights, the ring wraps.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { hashKeyOf } from './hash-policy.ts';
import { RING_HASH_MAXIMUM_RING_SIZE, buildRing, pointsPerHost, ringLookup } from './ring-hash.ts';
import type { HashedHost } from './ring-hash.ts';

const hosts = (weights: readonly number[]): HashedHost[] =>
  weights.map((weight, index) => ({ address: `10.1.${index >> 8}.${index & 255}`, port: 9080, weight }));
const equal = (count: number) => hosts(Array.from({ length: count }, () => 1));
const KEYS = Array.from({ length: 2000 }, (_, i) => hashKeyOf(`user-${i}`));
const owner = (list: readonly HashedHost[], index: number) => `${list[index]?.address}:${list[index]?.port}`;

testProp('the same key reaches the same host; with equal weights the host order does not matter',
  [fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4096 }), fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 1, maxLength: 50 }), fc.nat()],
  (t, count, minimumRingSize, keys, rotation) => {
    const list = equal(count);
    const rotated = [...list.slice(rotation % count), ...list.slice(0, rotation % count)];
    const ring = buildRing(list, minimumRingSize);
    const again = buildRing(list, minimumRingSize);
    const other = buildRing(rotated, minimumRingSize);
    for (const key of keys) {
      t.is(ringLookup(ring, key), ringLookup(again, key));
      t.is(owner(list, ringLookup(ring, key)), owner(rotated, ringLookup(other, key)));
    }
  });

testProp('removing a host moves only its keys while the other hosts keep their points',
  [fc.integer({ min: 2, max: 10 }), fc.nat(), fc.integer({ min: 1, max: 2048 })],
  (t, count, removedSeed, minimumRingSize) => {
    const list = equal(count);
    const removed = removedSeed % count;
    const survivors = list.filter((_, index) => index !== removed);
    const before = buildRing(list, minimumRingSize);
    // The survivors' share of the old ring: each keeps exactly its ⌈min/n⌉ points.
    const perHost = pointsPerHost(before, count)[0] ?? 0;
    const after = buildRing(survivors, perHost * survivors.length);
    t.deepEqual(pointsPerHost(after, survivors.length), survivors.map(() => perHost));
    for (const key of KEYS) {
      const was = owner(list, ringLookup(before, key));
      const now = owner(survivors, ringLookup(after, key));
      if (was === owner(list, removed)) t.not(now, was);
      else t.is(now, was);
    }
  });

test('with the default ring size, removing a host rescales the ring: the survivors keep every old point and gain more, so some of their keys move too (Envoy)', (t) => {
  const list = equal(3);
  const before = buildRing(list);
  const after = buildRing(list.slice(1));
  // ⌈1024/3⌉ = 342 points each, then ⌈1024/2⌉ = 512.
  t.deepEqual(pointsPerHost(before, 3), [342, 342, 342]);
  t.deepEqual(pointsPerHost(after, 2), [512, 512]);
  const kept = new Set(after.hashes);
  t.true([...before.hashes].filter((_, point) => before.hosts[point] !== 0).every((hash) => kept.has(hash)));
  let survivorKeys = 0;
  let moved = 0;
  for (const key of KEYS) {
    const was = ringLookup(before, key);
    const now = ringLookup(after, key) + 1;
    if (was === 0) continue;
    survivorKeys += 1;
    if (now !== was) moved += 1;
  }
  t.true(moved > 0 && moved < survivorKeys / 4, `${moved} of ${survivorKeys} survivor keys moved`);
});

testProp('each host gets scale × weight / total points, the fractions handed out by running sums (±1)',
  [fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3000 })],
  (t, weights, minimumRingSize) => {
    const ring = buildRing(hosts(weights), minimumRingSize);
    const lightest = Math.min(...weights);
    const total = weights.reduce((a, b) => a + b, 0);
    const lightestPoints = Math.ceil((lightest * minimumRingSize) / total);
    const counts = pointsPerHost(ring, weights.length);
    weights.forEach((weight, index) => t.true(Math.abs((counts[index] ?? 0) - (lightestPoints * weight) / lightest) < 1));
    t.true(counts.every((count, index) => count >= 1 || weights[index] === 0));
  });

test('weights: a host twice as heavy serves about twice the keys', (t) => {
  const list = hosts([1, 2, 3]);
  const ring = buildRing(list, 65_536);
  const served = [0, 0, 0];
  const keys = Array.from({ length: 30_000 }, (_, i) => hashKeyOf(`session-${i}`));
  for (const key of keys) served[ringLookup(ring, key)] = (served[ringLookup(ring, key)] ?? 0) + 1;
  [1, 2, 3].forEach((weight, index) => {
    const share = (served[index] ?? 0) / keys.length;
    t.true(Math.abs(share - weight / 6) < 0.02, `host ${index} serves ${share}`);
  });
});

test('the ring is capped at maximum_ring_size: the scale shrinks to it, running sums share it out', (t) => {
  // ⌈100/3⌉ = 34 points for the lightest would make a ring of 102 > 100: the scale is 100, shares 33⅓ and 66⅔.
  const ring = buildRing(hosts([1, 2]), 100, 100);
  t.is(ring.hashes.length, 100);
  t.deepEqual(pointsPerHost(ring, 2), [34, 66]);
  t.deepEqual(pointsPerHost(buildRing(hosts([1, 2]), 100), 2), [34, 68], 'uncapped: whole points for the lightest');
});

test('lookup: the first point at or after the key, wrapping past the last point', (t) => {
  const list = equal(4);
  const ring = buildRing(list, 1); // one point per host
  t.is(ring.hashes.length, 4);
  const [first, second, , last] = [...ring.hashes];
  const [owner0, owner1] = [...ring.hosts];
  if (first === undefined || second === undefined || last === undefined || owner0 === undefined || owner1 === undefined) throw new Error('ring too small');
  t.is(ringLookup(ring, first), owner0);
  t.is(ringLookup(ring, first + 1), owner1);
  t.is(ringLookup(ring, second), owner1);
  t.is(ringLookup(ring, 0), owner0);
  if (last < 0xffff_ffff) t.is(ringLookup(ring, last + 1), owner0, 'past the last point the ring wraps');
  t.true([...ring.hashes].every((hash, i) => i === 0 || (ring.hashes[i - 1] ?? 0) <= hash), 'points sorted');
});

test('a minimum ring size above the maximum is a cluster Envoy rejects: an assertion here', (t) => {
  t.throws(() => buildRing(equal(2), RING_HASH_MAXIMUM_RING_SIZE + 1), { instanceOf: AssertionError });
  t.throws(() => buildRing([], 1024), { instanceOf: AssertionError });
});
