import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { decideRetry, failedAttemptAnswer, parseRetryOn, qualifiesForRetry, retryPlan } from './retry-on.ts';
import type { AttemptResult, ResetReason } from './retry-on.ts';

/** Istio's DefaultPolicy retry_on (route/retry/retry.go), as sim/controlplane compiles it. */
const ISTIO_DEFAULT = parseRetryOn(['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes']);

const status = (code: number, extra: { grpcStatus?: number; rateLimited?: boolean } = {}): AttemptResult => ({ kind: 'response', status: code, ...extra });
const reset = (reason: ResetReason, requestSent = true): AttemptResult => ({ kind: 'reset', reason, requestSent });

test('Istio default: connection failures, refused streams and gRPC UNAVAILABLE/CANCELLED are retried', (t) => {
  t.true(qualifiesForRetry(ISTIO_DEFAULT, reset('connection-failure', false)));
  t.true(qualifiesForRetry(ISTIO_DEFAULT, reset('connection-timeout', false)));
  t.true(qualifiesForRetry(ISTIO_DEFAULT, reset('refused-stream')));
  t.true(qualifiesForRetry(ISTIO_DEFAULT, status(200, { grpcStatus: 14 })));
  t.true(qualifiesForRetry(ISTIO_DEFAULT, status(200, { grpcStatus: 1 })));
});

test('Istio default: an upstream 503, a remote reset and a per-try timeout are not retried (no codes listed)', (t) => {
  t.deepEqual(ISTIO_DEFAULT.retriableStatusCodes, []);
  t.false(qualifiesForRetry(ISTIO_DEFAULT, status(503)));
  t.false(qualifiesForRetry(ISTIO_DEFAULT, status(500)));
  t.false(qualifiesForRetry(ISTIO_DEFAULT, reset('remote-reset')));
  t.false(qualifiesForRetry(ISTIO_DEFAULT, { kind: 'per-try-timeout' }));
  t.false(qualifiesForRetry(ISTIO_DEFAULT, status(200, { grpcStatus: 4 })));
});

test('5xx: any 5xx response and any reset (counted as a 5xx), per-try timeouts too; never the global timeout', (t) => {
  const on = parseRetryOn(['5xx']);
  for (const code of [500, 501, 502, 503, 504, 599]) t.true(qualifiesForRetry(on, status(code)), `${code}`);
  for (const code of [200, 404, 409, 499]) t.false(qualifiesForRetry(on, status(code)), `${code}`);
  for (const reason of ['connection-failure', 'remote-reset', 'local-reset', 'connection-termination', 'refused-stream', 'protocol-error'] as const) {
    t.true(qualifiesForRetry(on, reset(reason)), reason);
  }
  t.true(qualifiesForRetry(on, { kind: 'per-try-timeout' }));
  t.false(qualifiesForRetry(on, { kind: 'global-timeout' }));
});

test('gateway-error: only 502, 503, 504 among responses; resets too', (t) => {
  const on = parseRetryOn(['gateway-error']);
  t.deepEqual([500, 501, 502, 503, 504, 505].filter((code) => qualifiesForRetry(on, status(code))), [502, 503, 504]);
  t.true(qualifiesForRetry(on, reset('remote-reset')));
  t.true(qualifiesForRetry(on, { kind: 'per-try-timeout' }));
});

test('an overflow reset (circuit breaker) is never retried, whatever the conditions', (t) => {
  const on = parseRetryOn(['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'refused-stream']);
  t.false(qualifiesForRetry(on, reset('overflow', false)));
});

test('connect-failure covers connection failures and connect timeouts only', (t) => {
  const on = parseRetryOn(['connect-failure']);
  t.true(qualifiesForRetry(on, reset('connection-failure', false)));
  t.true(qualifiesForRetry(on, reset('connection-timeout', false)));
  t.false(qualifiesForRetry(on, reset('remote-reset', false)));
  t.false(qualifiesForRetry(on, status(503)));
});

test('reset-before-request: only while no request byte was sent; reset: any reset', (t) => {
  const before = parseRetryOn(['reset-before-request']);
  t.true(qualifiesForRetry(before, reset('remote-reset', false)));
  t.false(qualifiesForRetry(before, reset('remote-reset', true)));
  t.false(qualifiesForRetry(before, { kind: 'per-try-timeout' }));
  const any = parseRetryOn(['reset']);
  t.true(qualifiesForRetry(any, reset('remote-reset', true)));
  t.true(qualifiesForRetry(any, { kind: 'per-try-timeout' }));
  t.false(qualifiesForRetry(any, status(503)));
});

test('refused-stream: only a REFUSED_STREAM reset', (t) => {
  const on = parseRetryOn(['refused-stream']);
  t.true(qualifiesForRetry(on, reset('refused-stream')));
  t.false(qualifiesForRetry(on, reset('remote-reset')));
});

test('retriable-4xx: 409 only', (t) => {
  const on = parseRetryOn(['retriable-4xx']);
  t.true(qualifiesForRetry(on, status(409)));
  t.false(qualifiesForRetry(on, status(404)));
  t.false(qualifiesForRetry(on, status(429)));
});

test('Istio numeric codes: digits are retriable status codes, retried under retriable-status-codes', (t) => {
  // VirtualService retryOn "503,gateway-error" compiles to [gateway-error, retriable-status-codes, 503].
  const on = parseRetryOn(['5xx-typo', 'retriable-status-codes', '503', '429']);
  t.deepEqual(on.retriableStatusCodes, [503, 429]);
  t.deepEqual(on.ignored, ['5xx-typo']);
  t.true(qualifiesForRetry(on, status(503)));
  t.true(qualifiesForRetry(on, status(429)));
  t.false(qualifiesForRetry(on, status(500)));
  // Without the condition the codes do nothing (Envoy checks the flag first).
  t.false(qualifiesForRetry(parseRetryOn(['503']), status(503)));
});

test('x-envoy-ratelimited answers are retried only under envoy-ratelimited', (t) => {
  t.false(qualifiesForRetry(parseRetryOn(['5xx', 'retriable-status-codes', '429']), status(429, { rateLimited: true })));
  t.false(qualifiesForRetry(parseRetryOn(['5xx']), status(503, { rateLimited: true })));
  t.true(qualifiesForRetry(parseRetryOn(['envoy-ratelimited']), status(429, { rateLimited: true })));
});

test('gRPC conditions read grpc-status from the response headers', (t) => {
  const on = parseRetryOn(['deadline-exceeded', 'resource-exhausted', 'internal']);
  t.true(qualifiesForRetry(on, status(200, { grpcStatus: 4 })));
  t.true(qualifiesForRetry(on, status(200, { grpcStatus: 8 })));
  t.true(qualifiesForRetry(on, status(200, { grpcStatus: 13 })));
  t.false(qualifiesForRetry(on, status(200, { grpcStatus: 14 })));
  t.false(qualifiesForRetry(on, status(200)));
});

test('decideRetry follows shouldRetry: no → limit (URX) → use one → max_retries full (UO) → retry', (t) => {
  const on = parseRetryOn(['5xx']);
  t.deepEqual(decideRetry(on, status(200), 2, true), { kind: 'no-retry', retriesRemaining: 2 });
  t.deepEqual(decideRetry(on, status(503), 0, true), { kind: 'limit-exceeded', retriesRemaining: 0, flag: 'URX' });
  t.deepEqual(decideRetry(on, status(503), 2, false), { kind: 'overflow', retriesRemaining: 1, flag: 'UO' });
  t.deepEqual(decideRetry(on, status(503), 2, true), { kind: 'retry', retriesRemaining: 1 });
  t.throws(() => decideRetry(on, status(503), -1, true), { instanceOf: AssertionError });
});

testProp('an always-failing upstream is tried 1 + attempts times, then URX', [fc.integer({ min: 0, max: 10 })], (t, attempts) => {
  const { retryOn, retries } = retryPlan({ attempts, perTryTimeoutUs: null, retryOn: ['5xx'] });
  let remaining = retries;
  let tries = 1;
  for (;;) {
    const verdict = decideRetry(retryOn, status(503), remaining, true);
    if (verdict.kind !== 'retry') {
      t.is(verdict.kind, 'limit-exceeded');
      break;
    }
    t.true(verdict.retriesRemaining >= 0);
    remaining = verdict.retriesRemaining;
    tries += 1;
  }
  t.is(tries, 1 + attempts);
});

testProp('a result that does not qualify is never retried and uses no retry', [fc.integer({ min: 100, max: 499 }), fc.nat({ max: 5 }), fc.boolean()],
  (t, code, remaining, budget) => {
    const on = parseRetryOn(['5xx', 'gateway-error', 'retriable-status-codes', '503']);
    t.deepEqual(decideRetry(on, status(code), remaining, budget), { kind: 'no-retry', retriesRemaining: remaining });
  });

test('retryPlan: no policy (VirtualService attempts 0) never retries', (t) => {
  const plan = retryPlan(null);
  t.is(plan.retries, 0);
  t.false(qualifiesForRetry(plan.retryOn, reset('connection-failure', false)));
});

test('a request ending on a failed attempt: 503 with the reset reason’s flag, 502 UPE, timeouts 504 UT', (t) => {
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'connection-failure', requestSent: false }), { status: 503, flag: 'UF' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'connection-timeout', requestSent: false }), { status: 503, flag: 'UF' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'connection-termination', requestSent: true }), { status: 503, flag: 'UC' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'remote-reset', requestSent: true }), { status: 503, flag: 'UR' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'refused-stream', requestSent: true }), { status: 503, flag: 'UR' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'local-reset', requestSent: true }), { status: 503, flag: 'LR' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'overflow', requestSent: false }), { status: 503, flag: 'UO' });
  t.deepEqual(failedAttemptAnswer({ kind: 'reset', reason: 'protocol-error', requestSent: true }), { status: 502, flag: 'UPE' });
  t.deepEqual(failedAttemptAnswer({ kind: 'per-try-timeout' }), { status: 504, flag: 'UT' });
  t.deepEqual(failedAttemptAnswer({ kind: 'global-timeout' }), { status: 504, flag: 'UT' });
});
