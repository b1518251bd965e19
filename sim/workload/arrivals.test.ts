import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import {
  LN2_FIXED, LN_MANTISSA_TABLE, closedLoopFirstSendsUs, closedLoopNextSendUs, drawNegLnUniformFixed,
  exponentialGapUs, lnFixed, nextOpenLoopArrivalUs, poissonGapUs,
} from './arrivals.ts';

const SCALE = 2 ** 24;

test('the mantissa table is round(ln(1 + i/256) · 2^24), and LN2_FIXED is round(ln 2 · 2^24)', (t) => {
  t.is(LN_MANTISSA_TABLE.length, 257);
  LN_MANTISSA_TABLE.forEach((value, index) => t.is(value, Math.round(Math.log(1 + index / 256) * SCALE), `entry ${index}`));
  t.is(LN2_FIXED, Math.round(Math.LN2 * SCALE));
});

test('lnFixed is exact on powers of two: k · ln 2', (t) => {
  for (let k = 0; k < 32; k += 1) t.is(lnFixed(2 ** k), k * LN2_FIXED);
});

testProp('lnFixed stays within the documented error of ln x (2.2e-6 absolute)', [fc.integer({ min: 1, max: 2 ** 32 - 1 })], (t, x) => {
  const error = Math.abs(lnFixed(x) / SCALE - Math.log(x));
  t.true(error < 2.2e-6, `x=${x} error ${error}`);
});

test('lnFixed rejects values outside 1..2^32-1', (t) => {
  t.throws(() => lnFixed(0), { instanceOf: AssertionError });
  t.throws(() => lnFixed(2 ** 32), { instanceOf: AssertionError });
  t.throws(() => lnFixed(1.5), { instanceOf: AssertionError });
});

testProp('a gap is one 32-bit draw whatever the rate: the stream after it is the same', [fc.nat(), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 1_000_000 })],
  (t, seed, rateA, rateB) => {
    const a = Rng.fromSeed(seed);
    const b = Rng.fromSeed(seed);
    const c = Rng.fromSeed(seed);
    poissonGapUs(a, rateA);
    poissonGapUs(b, rateB);
    c.intInclusive(0, 2 ** 32 - 1);
    const next = a.intInclusive(0, 1_000_000);
    t.is(next, b.intInclusive(0, 1_000_000));
    t.is(next, c.intInclusive(0, 1_000_000));
  });

test('lnFixed at the worst interpolation point (mid first segment) is low by about h²/8', (t) => {
  const x = 2 ** 31 + 2 ** 22; // mantissa 1 + 1/512
  const error = Math.log(x) - lnFixed(x) / SCALE;
  t.true(error > 1.5e-6 && error < 2.2e-6, `error ${error}`);
});

testProp('same seed, same gaps; gaps are non-negative integers', [fc.nat(), fc.integer({ min: 1, max: 100_000 })], (t, seed, rate) => {
  const a = Rng.fromSeed(seed);
  const b = Rng.fromSeed(seed);
  for (let i = 0; i < 50; i += 1) {
    const gap = poissonGapUs(a, rate);
    t.is(gap, poissonGapUs(b, rate));
    t.true(Number.isSafeInteger(gap) && gap >= 0);
    // The tail is cut at −ln 2^−32 ≈ 22.2 means.
    t.true(gap <= Math.ceil(22.2 * (1_000_000 / rate)) + 1);
  }
});

test('gaps at 100/s have mean 10 ms and an exponential tail (P(gap > k·mean) = e^−k)', (t) => {
  const rng = Rng.fromSeed(7);
  const n = 40_000;
  const gaps = Array.from({ length: n }, () => poissonGapUs(rng, 100));
  const mean = gaps.reduce((sum, gap) => sum + gap, 0) / n;
  // Standard error of the mean is 10 ms / √n = 50 µs; allow 4σ.
  t.true(Math.abs(mean - 10_000) < 200, `mean ${mean}`);
  for (const k of [0.5, 1, 2, 3]) {
    const share = gaps.filter((gap) => gap > k * 10_000).length / n;
    t.true(Math.abs(share - Math.exp(-k)) < 0.01, `P(gap > ${k}·mean) = ${share}, expected ${Math.exp(-k)}`);
  }
});

test('−ln U is never negative', (t) => {
  const rng = Rng.fromSeed(3);
  for (let i = 0; i < 5_000; i += 1) t.true(drawNegLnUniformFixed(rng) >= 0);
});

test('a zero mean gives zero; bad means and rates are bugs', (t) => {
  t.is(exponentialGapUs(Rng.fromSeed(1), 0), 0);
  t.throws(() => exponentialGapUs(Rng.fromSeed(1), 10, 0), { instanceOf: AssertionError });
  t.throws(() => poissonGapUs(Rng.fromSeed(1), 0), { instanceOf: AssertionError });
  t.throws(() => poissonGapUs(Rng.fromSeed(1), 2.5), { instanceOf: AssertionError });
});

testProp('open-loop arrivals increase, start after startUs, stop before endUs', [fc.nat(), fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 0, max: 1_000_000 })],
  (t, seed, rate, startUs) => {
    const schedule = { ratePerSecond: rate, startUs, endUs: startUs + 2_000_000 };
    const rng = Rng.fromSeed(seed);
    let previous: number | null = null;
    let count = 0;
    for (;;) {
      const next = nextOpenLoopArrivalUs(schedule, previous, rng);
      if (next === null) break;
      t.true(next >= (previous ?? startUs) && next < schedule.endUs);
      previous = next;
      count += 1;
    }
    // 2 s at `rate`/s: Poisson(2·rate) arrivals, within 6σ.
    t.true(Math.abs(count - 2 * rate) <= 6 * Math.sqrt(2 * rate) + 2, `count ${count} for rate ${rate}`);
  });

test('a rate of 0 sends nothing; an arrival at endUs is not sent', (t) => {
  t.is(nextOpenLoopArrivalUs({ ratePerSecond: 0, startUs: 0, endUs: 10 }, null, Rng.fromSeed(1)), null);
  t.is(nextOpenLoopArrivalUs({ ratePerSecond: 1, startUs: 5, endUs: 5 }, null, Rng.fromSeed(1)), null);
  t.throws(() => nextOpenLoopArrivalUs({ ratePerSecond: 1, startUs: 5, endUs: 10 }, 4, Rng.fromSeed(1)), { instanceOf: AssertionError });
});

test('closed loop: every caller starts at startUs and sends again a think time after its answer', (t) => {
  const schedule = { concurrency: 3, thinkTimeUs: 500, startUs: 1_000, endUs: 10_000 };
  t.deepEqual(closedLoopFirstSendsUs(schedule), [1_000, 1_000, 1_000]);
  t.is(closedLoopNextSendUs(schedule, 2_000), 2_500);
  t.is(closedLoopNextSendUs(schedule, 9_499), 9_999);
  t.is(closedLoopNextSendUs(schedule, 9_500), null);
  t.deepEqual(closedLoopFirstSendsUs({ ...schedule, startUs: 10_000 }), []);
  t.is(closedLoopNextSendUs({ ...schedule, thinkTimeUs: 0 }, 3_000), 3_000);
});

testProp('exponentialGapUs rounds half up exactly as the BigInt arithmetic does, with small and huge means', [
  fc.integer({ min: 0, max: 2 ** 32 }), fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 40 })),
], (t, seed, numeratorUs, denominator) => {
  const negLn = BigInt(drawNegLnUniformFixed(Rng.fromSeed(seed)));
  const num = BigInt(numeratorUs) * negLn;
  const den = BigInt(denominator) * BigInt(SCALE);
  t.is(exponentialGapUs(Rng.fromSeed(seed), numeratorUs, denominator), Number((2n * num + den) / (2n * den)));
});
