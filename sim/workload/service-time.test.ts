import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import { appFails, drawAppAnswer, durationTableMeanUs, sampleServiceTimeUs } from './service-time.ts';

const table = (...pairs: [durationUs: number, weight: number][]) => ({ entries: pairs.map(([durationUs, weight]) => ({ durationUs, weight })) });

test('a one-entry table always gives its duration', (t) => {
  const rng = Rng.fromSeed(1);
  for (let i = 0; i < 20; i += 1) t.is(sampleServiceTimeUs(table([4_000, 1]), rng), 4_000);
});

testProp('zero-weight entries are never drawn', [fc.nat(), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 8 })], (t, seed, weights) => {
  fc.pre(weights.some((weight) => weight > 0));
  const durations = table(...weights.map((weight, index): [number, number] => [index * 1_000, weight]));
  const rng = Rng.fromSeed(seed);
  for (let i = 0; i < 30; i += 1) {
    const drawn = sampleServiceTimeUs(durations, rng);
    t.true((weights[drawn / 1_000] ?? 0) > 0, `drew ${drawn} with weight 0`);
  }
});

test('entries are drawn in proportion to their weights (90/9/1)', (t) => {
  const rng = Rng.fromSeed(11);
  const tally = new Map<number, number>();
  const n = 20_000;
  for (let i = 0; i < n; i += 1) {
    const drawn = sampleServiceTimeUs(table([1_000, 90], [10_000, 9], [100_000, 1]), rng);
    tally.set(drawn, (tally.get(drawn) ?? 0) + 1);
  }
  t.true(Math.abs((tally.get(1_000) ?? 0) / n - 0.9) < 0.01);
  t.true(Math.abs((tally.get(10_000) ?? 0) / n - 0.09) < 0.008);
  t.true(Math.abs((tally.get(100_000) ?? 0) / n - 0.01) < 0.004);
});

test('the mean of a table is Σ d·w / Σ w, floored', (t) => {
  t.is(durationTableMeanUs(table([1_000, 90], [10_000, 9], [100_000, 1])), 2_800);
  t.is(durationTableMeanUs(table([1, 1], [2, 1])), 1);
  t.is(durationTableMeanUs(table([7, 0], [3, 5])), 3);
});

test('bad tables are bugs: empty, zero total, negative or fractional values', (t) => {
  t.throws(() => sampleServiceTimeUs({ entries: [] }, Rng.fromSeed(1)), { instanceOf: AssertionError });
  t.throws(() => sampleServiceTimeUs(table([1, 0]), Rng.fromSeed(1)), { instanceOf: AssertionError });
  t.throws(() => sampleServiceTimeUs(table([-1, 1]), Rng.fromSeed(1)), { instanceOf: AssertionError });
  t.throws(() => sampleServiceTimeUs(table([1.5, 1]), Rng.fromSeed(1)), { instanceOf: AssertionError });
  t.throws(() => sampleServiceTimeUs(table([1, 0.5]), Rng.fromSeed(1)), { instanceOf: AssertionError });
});

test('an error rate of 0 never fails, 10^6 ppm always fails, 1% fails about 1 in 100', (t) => {
  const rng = Rng.fromSeed(5);
  let failures = 0;
  for (let i = 0; i < 50_000; i += 1) {
    t.false(appFails(0, rng));
    t.true(appFails(1_000_000, rng));
    if (appFails(10_000, rng)) failures += 1;
  }
  t.true(Math.abs(failures / 50_000 - 0.01) < 0.002, `failure share ${failures / 50_000}`);
  t.throws(() => appFails(1_000_001, rng), { instanceOf: AssertionError });
  t.throws(() => appFails(-1, rng), { instanceOf: AssertionError });
});

testProp('the error decision consumes the stream the same way whatever the rate', [fc.nat(), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 })],
  (t, seed, rateA, rateB) => {
    const a = Rng.fromSeed(seed);
    const b = Rng.fromSeed(seed);
    appFails(rateA, a);
    appFails(rateB, b);
    t.is(a.intInclusive(0, 1_000_000), b.intInclusive(0, 1_000_000));
  });

testProp('drawAppAnswer draws the service time, then the error, from one stream', [fc.nat(), fc.integer({ min: 0, max: 1_000_000 })], (t, seed, errorRatePpm) => {
  const app = { serviceTime: table([1_000, 3], [5_000, 1]), errorRatePpm, errorStatus: 503 };
  const answer = drawAppAnswer(app, Rng.fromSeed(seed));
  const manual = Rng.fromSeed(seed);
  const serviceTimeUs = sampleServiceTimeUs(app.serviceTime, manual);
  const fails = appFails(errorRatePpm, manual);
  t.deepEqual(answer, { serviceTimeUs, fails, status: fails ? 503 : 200 });
});

test('an error status outside 100..599 is a bug', (t) => {
  t.throws(() => drawAppAnswer({ serviceTime: table([1, 1]), errorRatePpm: 0, errorStatus: 0 }, Rng.fromSeed(1)), { instanceOf: AssertionError });
});
