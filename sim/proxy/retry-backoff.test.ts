import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import { createRetryBackoff, nextRetryBackoffUs, retryBackoffIntervalMs } from './retry-backoff.ts';

function intervals(state: ReturnType<typeof createRetryBackoff>, count: number): number[] {
  const rng = Rng.fromSeed(1);
  const seen: number[] = [];
  for (let i = 0; i < count; i += 1) {
    seen.push(state.nextIntervalMs);
    nextRetryBackoffUs(state, rng);
  }
  return seen;
}

test('Envoy defaults: base 25 ms, max 250 ms; the bound doubles from base, then stays at max', (t) => {
  const state = createRetryBackoff();
  t.is(state.baseMs, 25);
  t.is(state.maxMs, 250);
  t.deepEqual(intervals(state, 7), [25, 50, 100, 200, 250, 250, 250]);
});

test('Istio HTTPRetry backoff sets the base; max is 10 × base', (t) => {
  t.deepEqual(intervals(createRetryBackoff({ baseIntervalUs: 100_000, maxIntervalUs: null }), 6), [100, 200, 400, 800, 1_000, 1_000]);
});

test('a base below 1 ms is raised to 1 ms; sub-ms parts are truncated (PROTOBUF_GET_MS)', (t) => {
  t.is(createRetryBackoff({ baseIntervalUs: 300, maxIntervalUs: null }).baseMs, 1);
  t.is(createRetryBackoff({ baseIntervalUs: 0, maxIntervalUs: null }).baseMs, 1);
  const state = createRetryBackoff({ baseIntervalUs: 1_999, maxIntervalUs: null });
  t.is(state.baseMs, 1);
  t.is(state.maxMs, 10);
});

test('doubling stops below max/2 (integer division): base 25, max 40 jumps straight to 40', (t) => {
  t.deepEqual(intervals(createRetryBackoff({ baseIntervalUs: 25_000, maxIntervalUs: 40_000 }), 3), [25, 40, 40]);
  t.deepEqual(intervals(createRetryBackoff({ baseIntervalUs: 10_000, maxIntervalUs: 10_000 }), 3), [10, 10, 10]);
});

test('max below base never reaches a proxy (Envoy rejects the route): a bug here', (t) => {
  t.throws(() => createRetryBackoff({ baseIntervalUs: 50_000, maxIntervalUs: 10_000 }), { instanceOf: AssertionError });
});

testProp('every back-off is whole ms in [0, bound) and advances the bound as retryBackoffIntervalMs says',
  [fc.nat(), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 })],
  (t, seed, baseMs, factor, retries) => {
    const state = createRetryBackoff({ baseIntervalUs: baseMs * 1_000, maxIntervalUs: baseMs * factor * 1_000 });
    const rng = Rng.fromSeed(seed);
    for (let retry = 1; retry <= retries; retry += 1) {
      const bound = state.nextIntervalMs;
      t.is(bound, retryBackoffIntervalMs(retry, baseMs, baseMs * factor));
      const waitUs = nextRetryBackoffUs(state, rng);
      t.true(waitUs >= 0 && waitUs < bound * 1_000 && waitUs % 1_000 === 0, `retry ${retry}: ${waitUs} µs, bound ${bound} ms`);
      t.true(bound <= state.maxMs);
    }
  });

test('the first retry waits uniformly over 0..24 ms (fully jittered)', (t) => {
  const rng = Rng.fromSeed(9);
  const tally = new Array<number>(25).fill(0);
  const n = 25_000;
  for (let i = 0; i < n; i += 1) {
    const waitUs = nextRetryBackoffUs(createRetryBackoff(), rng);
    tally[waitUs / 1_000] = (tally[waitUs / 1_000] ?? 0) + 1;
  }
  t.is(tally.length, 25);
  for (const count of tally) t.true(Math.abs(count - n / 25) < 150, `count ${count}`);
});

testProp('one draw per back-off, whatever the bound', [fc.nat()], (t, seed) => {
  const a = Rng.fromSeed(seed);
  const b = Rng.fromSeed(seed);
  nextRetryBackoffUs(createRetryBackoff(), a);
  b.below(25);
  t.is(a.intInclusive(0, 1_000_000), b.intInclusive(0, 1_000_000));
});
