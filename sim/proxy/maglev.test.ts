// Envoy's Maglev table (maglev_lb.cc): independent of host order, slots shared by weight, a removed
// host's slots go to the others while theirs barely move, Envoy's isPrime.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { hashKeyOf } from './hash-policy.ts';
import { MAGLEV_TABLE_SIZE_DEFAULT, buildMaglevTable, isPrime, maglevLookup } from './maglev.ts';
import type { HashedHost } from './ring-hash.ts';

const SMALL_PRIME = 4099;
const hosts = (weights: readonly number[]): HashedHost[] =>
  weights.map((weight, index) => ({ address: `10.2.0.${index + 1}`, port: 8080, weight }));
const name = (list: readonly HashedHost[], index: number | undefined) => (index === undefined ? '' : `${list[index]?.address}`);
const slotCounts = (slots: Uint32Array, count: number) => {
  const counts = Array.from({ length: count }, () => 0);
  for (const owner of slots) counts[owner] = (counts[owner] ?? 0) + 1;
  return counts;
};

testProp('the table does not depend on the order hosts arrive in (Envoy sorts them by key)',
  [fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }), fc.nat(), fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 1, maxLength: 40 })],
  (t, weights, rotation, keys) => {
    const list = hosts(weights);
    const shift = rotation % list.length;
    const rotated = [...list.slice(shift), ...list.slice(0, shift)];
    const table = buildMaglevTable(list, SMALL_PRIME);
    const other = buildMaglevTable(rotated, SMALL_PRIME);
    for (const key of keys) t.is(name(list, maglevLookup(table, key)), name(rotated, maglevLookup(other, key)));
  });

testProp('slots are shared in proportion to weight (within one slot per host: each takes a first turn, and the last round is partial)',
  [fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 })],
  (t, weights) => {
    const counts = slotCounts(buildMaglevTable(hosts(weights), SMALL_PRIME).slots, weights.length);
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((weight, index) => {
      const expected = (SMALL_PRIME * weight) / total;
      t.true(Math.abs((counts[index] ?? 0) - expected) <= weights.length, `host ${index}: ${counts[index]} slots, expected ${expected}`);
    });
  });

testProp('removing a host: its slots go to the others, and at most a few percent of theirs move',
  [fc.integer({ min: 2, max: 10 }), fc.nat()],
  (t, count, removedSeed) => {
    const list = hosts(Array.from({ length: count }, () => 1));
    const removed = removedSeed % count;
    const survivors = list.filter((_, index) => index !== removed);
    const before = buildMaglevTable(list, SMALL_PRIME);
    const after = buildMaglevTable(survivors, SMALL_PRIME);
    let kept = 0;
    let moved = 0;
    for (let slot = 0; slot < SMALL_PRIME; slot += 1) {
      const was = name(list, before.slots[slot]);
      const now = name(survivors, after.slots[slot]);
      if (was === name(list, removed)) t.not(now, was);
      else if (now === was) kept += 1;
      else moved += 1;
    }
    t.true(moved <= 0.05 * (kept + moved), `${moved} of ${kept + moved} surviving slots moved`);
  });

test('with the default table (65537) a removal leaves the other hosts’ keys almost all in place', (t) => {
  const list = hosts([1, 1, 1, 1, 1]);
  const before = buildMaglevTable(list);
  const after = buildMaglevTable(list.slice(0, 4));
  t.is(before.slots.length, MAGLEV_TABLE_SIZE_DEFAULT);
  let survivorKeys = 0;
  let moved = 0;
  for (let i = 0; i < 5000; i += 1) {
    const key = hashKeyOf(`user-${i}`);
    const was = maglevLookup(before, key);
    if (was === 4) continue;
    survivorKeys += 1;
    if (maglevLookup(after, key) !== was) moved += 1;
  }
  t.true(moved < survivorKeys / 100, `${moved} of ${survivorKeys} moved`);
});

test('a weight-3 host owns three times the slots of a weight-1 host', (t) => {
  t.deepEqual(slotCounts(buildMaglevTable(hosts([1, 3]), SMALL_PRIME).slots, 2), [1025, 3074]);
});

test('isPrime is Envoy’s (and Istio’s validation’s): 1 to 3 pass, then trial division', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 9, 65_537, 65_541, 5_000_011].map(isPrime), [false, true, true, true, false, false, true, false, true]);
});

test('a table size Envoy rejects (not prime) is an assertion here; so is an empty host list', (t) => {
  t.throws(() => buildMaglevTable(hosts([1, 1]), 65_536), { instanceOf: AssertionError });
  t.throws(() => buildMaglevTable([], SMALL_PRIME), { instanceOf: AssertionError });
});
