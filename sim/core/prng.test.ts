import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { PERCENT_RATIO_DENOMINATOR, Rng, percentToRatio, ratio } from './prng.ts';

const UINT32_MAX = 0xffff_ffff;

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.intInclusive(0, UINT32_MAX));
}

const seedArb = fc.maxSafeNat();

// Recorded from this implementation (a regression pin, not an external vector).
const GOLDEN_SEED_42 = [29, 11, 68, 54, 81];
const GOLDEN_FORK_A_SEED = 1_086_448_552_568_059;

test('golden stream: changing the generator or seeding changes every recorded trace', (t) => {
  // Pinned outputs. If this fails on purpose, golden trace hashes elsewhere must be regenerated.
  const rng = Rng.fromSeed(42);
  t.deepEqual(Array.from({ length: 5 }, () => rng.below(100)), GOLDEN_SEED_42);
  t.is(Rng.fromSeed(42).fork('a').seed, GOLDEN_FORK_A_SEED);
});

testProp('the same seed gives the same sequence', [seedArb], (t, seed) => {
  t.deepEqual(draws(Rng.fromSeed(seed), 20), draws(Rng.fromSeed(seed), 20));
  t.is(Rng.fromSeed(seed).seed, seed);
});

testProp('different seeds give different sequences', [seedArb, seedArb], (t, a, b) => {
  fc.pre(a !== b);
  t.notDeepEqual(draws(Rng.fromSeed(a), 4), draws(Rng.fromSeed(b), 4));
});

test('neighbouring seeds do not start alike', (t) => {
  const firsts = new Set(Array.from({ length: 1000 }, (_, seed) => Rng.fromSeed(seed).intInclusive(0, UINT32_MAX)));
  t.true(firsts.size > 995);
});

testProp('different labels give different streams', [seedArb, fc.string(), fc.string()], (t, seed, a, b) => {
  fc.pre(a !== b);
  const parent = Rng.fromSeed(seed);
  t.notDeepEqual(draws(parent.fork(a), 4), draws(parent.fork(b), 4));
  t.not(parent.fork(a).seed, parent.fork(b).seed);
});

testProp(
  "a fork's stream ignores other forks and draws made before it",
  [seedArb, fc.string(), fc.array(fc.tuple(fc.string(), fc.nat(20)), { maxLength: 6 }), fc.nat(20)],
  (t, seed, label, others, parentDraws) => {
    const alone = draws(Rng.fromSeed(seed).fork(label), 10);
    const parent = Rng.fromSeed(seed);
    for (const [otherLabel, count] of others) draws(parent.fork(otherLabel), count);
    draws(parent, parentDraws);
    t.deepEqual(draws(parent.fork(label), 10), alone);
  },
);

testProp('a fork is replayable from its recorded seed, and differs from its parent', [seedArb, fc.string()], (t, seed, label) => {
  const child = Rng.fromSeed(seed).fork(label);
  t.true(Number.isSafeInteger(child.seed) && child.seed >= 0);
  t.deepEqual(draws(Rng.fromSeed(child.seed), 10), draws(Rng.fromSeed(seed).fork(label), 10));
  t.notDeepEqual(draws(Rng.fromSeed(seed).fork(label), 4), draws(Rng.fromSeed(seed), 4));
});

testProp(
  'intInclusive stays in range, including ranges wider than 32 bits',
  [seedArb, fc.integer({ min: -1e15, max: 1e15 }), fc.integer({ min: 0, max: 2e15 })],
  (t, seed, min, span) => {
    const rng = Rng.fromSeed(seed);
    for (let index = 0; index < 20; index += 1) {
      const value = rng.intInclusive(min, min + span);
      t.true(Number.isSafeInteger(value) && value >= min && value <= min + span);
    }
  },
);

test('intInclusive and below cover their whole range', (t) => {
  const rng = Rng.fromSeed(7);
  const seen = new Set(Array.from({ length: 500 }, () => rng.intInclusive(-3, 3)));
  t.deepEqual([...seen].sort((a, b) => a - b), [-3, -2, -1, 0, 1, 2, 3]);
  t.is(rng.below(1), 0);
  t.is(rng.intInclusive(5, 5), 5);
});

test('bad ranges are bugs', (t) => {
  const rng = Rng.fromSeed(1);
  t.throws(() => rng.intInclusive(2, 1), { instanceOf: AssertionError });
  t.throws(() => rng.intInclusive(0, 1.5), { instanceOf: AssertionError });
  t.throws(() => rng.below(0), { instanceOf: AssertionError });
  t.throws(() => rng.intInclusive(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), { instanceOf: AssertionError });
  t.throws(() => Rng.fromSeed(-1), { instanceOf: AssertionError });
  t.throws(() => Rng.fromSeed(1.5), { instanceOf: AssertionError });
});

test('ratio validates; percentToRatio matches what istiod sends to Envoy', (t) => {
  t.deepEqual(ratio(1, 4), { numerator: 1, denominator: 4 });
  t.throws(() => ratio(5, 4), { instanceOf: AssertionError });
  t.throws(() => ratio(-1, 4), { instanceOf: AssertionError });
  t.throws(() => ratio(1, 0), { instanceOf: AssertionError });
  t.throws(() => ratio(0.5, 4), { instanceOf: AssertionError });
  t.is(PERCENT_RATIO_DENOMINATOR, 1_000_000);
  t.deepEqual(percentToRatio(0.1), { numerator: 1_000, denominator: 1_000_000 });
  t.deepEqual(percentToRatio(100), { numerator: 1_000_000, denominator: 1_000_000 });
  t.deepEqual(percentToRatio(0), { numerator: 0, denominator: 1_000_000 });
  t.is(percentToRatio(33.3333).numerator, 333_333);
  t.is(percentToRatio(0.0001).numerator, 1);
  t.is(percentToRatio(0.00001).numerator, 0, 'below Envoy resolution truncates, as uint32() does in istiod');
  t.is(percentToRatio(0.57).numerator, 5_699, 'istiod computes uint32(0.57 * 10000) = 5699 in float64');
  t.throws(() => percentToRatio(100.5), { instanceOf: AssertionError });
  t.throws(() => percentToRatio(-1), { instanceOf: AssertionError });
  t.throws(() => percentToRatio(Number.NaN), { instanceOf: AssertionError });
});

test('chance honours 0 and 1 and draws exactly once whatever the ratio', (t) => {
  const never = Rng.fromSeed(3);
  const always = Rng.fromSeed(3);
  for (let index = 0; index < 200; index += 1) {
    t.false(never.chance(ratio(0, 10)));
    t.true(always.chance(ratio(10, 10)));
  }
  t.deepEqual(draws(never, 5), draws(always, 5));
});

test('chance hits its ratio roughly', (t) => {
  const rng = Rng.fromSeed(11);
  let hits = 0;
  for (let index = 0; index < 20_000; index += 1) if (rng.chance(percentToRatio(25))) hits += 1;
  t.true(hits > 4_700 && hits < 5_300, `hits ${hits}`);
});

testProp(
  'pickWeighted never returns a zero-weight index',
  [seedArb, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 })],
  (t, seed, weights) => {
    fc.pre(weights.some((weight) => weight > 0));
    const rng = Rng.fromSeed(seed);
    for (let index = 0; index < 30; index += 1) {
      const picked = rng.pickWeighted(weights);
      t.true((weights[picked] ?? 0) > 0);
    }
  },
);

test('pickWeighted follows the weights', (t) => {
  const rng = Rng.fromSeed(2024);
  const weights = [1, 0, 3, 6];
  const counts = [0, 0, 0, 0];
  const drawsTotal = 50_000;
  for (let index = 0; index < drawsTotal; index += 1) {
    const picked = rng.pickWeighted(weights);
    counts[picked] = (counts[picked] ?? 0) + 1;
  }
  t.is(counts[1], 0);
  weights.forEach((weight, index) => {
    const expected = (drawsTotal * weight) / 10;
    t.true(Math.abs((counts[index] ?? 0) - expected) < drawsTotal * 0.01, `index ${index}: ${counts[index]} vs ${expected}`);
  });
  t.is(Rng.fromSeed(1).pickWeighted([0, 0, 5]), 2);
});

test('pickWeighted refuses weights it cannot honour', (t) => {
  const rng = Rng.fromSeed(1);
  t.throws(() => rng.pickWeighted([]), { instanceOf: AssertionError });
  t.throws(() => rng.pickWeighted([0, 0]), { instanceOf: AssertionError });
  t.throws(() => rng.pickWeighted([1, -1, 2]), { instanceOf: AssertionError });
  t.throws(() => rng.pickWeighted([0.5, 1]), { instanceOf: AssertionError });
});

testProp('shuffle returns a permutation and leaves its input alone', [seedArb, fc.array(fc.integer())], (t, seed, items) => {
  const before = [...items];
  const shuffled = Rng.fromSeed(seed).shuffle(items);
  t.deepEqual(items, before);
  t.not(shuffled, items);
  t.deepEqual([...shuffled].sort((a, b) => a - b), [...items].sort((a, b) => a - b));
});

test('shuffle reaches every order about equally often', (t) => {
  const rng = Rng.fromSeed(99);
  const counts = new Map<string, number>();
  // 12_000 draws: sd ≈ 41 per order, while the classic off-by-one shuffle skews orders by ±222.
  for (let index = 0; index < 12_000; index += 1) {
    const order = rng.shuffle(['a', 'b', 'c']).join('');
    counts.set(order, (counts.get(order) ?? 0) + 1);
  }
  t.is(counts.size, 6);
  for (const [order, count] of counts) t.true(count > 1_850 && count < 2_150, `${order}: ${count}`);
});

test('pick chooses an element and refuses an empty list', (t) => {
  const rng = Rng.fromSeed(5);
  const seen = new Set(Array.from({ length: 100 }, () => rng.pick(['x', 'y', 'z'])));
  t.deepEqual([...seen].sort(), ['x', 'y', 'z']);
  t.throws(() => rng.pick([]), { instanceOf: AssertionError });
});
