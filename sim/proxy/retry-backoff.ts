/**
 * Envoy's retry back-off: how long the router waits before retry n of one request.
 *
 * Rules (Envoy source/common/router/retry_state_impl.cc, source/common/common/backoff_strategy.cc
 * JitteredExponentialBackOffStrategy, router/config_impl.cc RetryPolicyImpl):
 * - Base interval 25 ms (runtime `upstream.base_retry_backoff_ms`), or the route's
 *   retry_back_off.base_interval (Istio HTTPRetry `backoff`: base only), truncated to whole ms and
 *   raised to 1 ms when smaller; max interval 10 × base unless set (Istio never sets it).
 * - Fully jittered: retry k waits uniform in [0, I_k) ms (`random() % I_k`), where I_1 = base and
 *   I_{k+1} = 2·I_k while I_k < ⌊max / 2⌋, else max. With the defaults: [0,25), [0,50), [0,100),
 *   [0,200), then [0,250) ms for every later retry.
 * - Envoy's router docs still describe the older bound [0, (2^N − 1)·base) (0–24, 0–74, 0–174 ms);
 *   the current source doubles from base instead, and this module follows the source.
 *
 * Invariants: draws come only from the Rng handed in, exactly one per back-off; intervals are whole
 * milliseconds (Envoy's timer unit) returned as µs; a back-off is always < its interval ≤ max; the
 * state object is owned by one request and advanced only by `nextRetryBackoffUs`.
 *
 * Not modelled: rate-limited back-off from Retry-After / X-RateLimit-Reset headers
 * (rate_limited_retry_back_off), "retry immediately" decisions (HTTP/3 0-RTT, 425 Too Early), hedging.
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';

/** Envoy runtime `upstream.base_retry_backoff_ms` default. */
export const DEFAULT_RETRY_BASE_INTERVAL_MS = 25;
/** Envoy RetryPolicyImpl: max_interval defaults to 10 × base_interval. */
export const DEFAULT_RETRY_MAX_INTERVAL_FACTOR = 10;

export interface RetryBackoffSettings {
  /** The route's retry_back_off.base_interval, µs; null: the 25 ms default. */
  readonly baseIntervalUs: number | null;
  /** The route's retry_back_off.max_interval, µs; null: 10 × base. */
  readonly maxIntervalUs: number | null;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoffSettings = Object.freeze({ baseIntervalUs: null, maxIntervalUs: null });

/** One request's back-off state (JitteredExponentialBackOffStrategy). */
export interface RetryBackoffState {
  readonly baseMs: number;
  readonly maxMs: number;
  /** The exclusive upper bound of the next back-off, ms. */
  nextIntervalMs: number;
}

/** Envoy PROTOBUF_GET_MS: a Duration as whole milliseconds, truncated; RetryPolicyImpl: < 1 ms → 1 ms. */
function toWholeMs(us: number): number {
  assert(Number.isSafeInteger(us) && us >= 0, () => `back-off interval ${us} µs must be a non-negative integer`);
  return Math.max(1, Math.floor(us / 1_000));
}

export function createRetryBackoff(settings: RetryBackoffSettings = DEFAULT_RETRY_BACKOFF): RetryBackoffState {
  const baseMs = settings.baseIntervalUs === null ? DEFAULT_RETRY_BASE_INTERVAL_MS : toWholeMs(settings.baseIntervalUs);
  const maxMs = settings.maxIntervalUs === null ? baseMs * DEFAULT_RETRY_MAX_INTERVAL_FACTOR : toWholeMs(settings.maxIntervalUs);
  // RetryPolicyImpl rejects max < base ("retry_policy.max_interval must greater than or equal to the
  // base_interval"): such a route never reaches a proxy, so meeting one here is a bug.
  assert(maxMs >= baseMs, () => `retry back-off max ${maxMs} ms below base ${baseMs} ms`);
  return { baseMs, maxMs, nextIntervalMs: baseMs };
}

/** The back-off before the next retry, µs, uniform in [0, interval) whole ms. One draw. */
export function nextRetryBackoffUs(state: RetryBackoffState, rng: Rng): number {
  const intervalMs = state.nextIntervalMs;
  assert(intervalMs >= 1 && intervalMs <= state.maxMs, () => `back-off interval ${intervalMs} ms outside 1..${state.maxMs}`);
  // JitteredExponentialBackOffStrategy::nextBackOffMs: double while below doubling_limit_ (max / 2,
  // integer division), else jump to max.
  state.nextIntervalMs = intervalMs < Math.floor(state.maxMs / 2) ? intervalMs * 2 : state.maxMs;
  return rng.below(intervalMs) * 1_000;
}

/** The exclusive bound, ms, of retry `retryNumber` (1-based) for a base and max, without drawing. */
export function retryBackoffIntervalMs(retryNumber: number, baseMs: number, maxMs: number): number {
  assert(Number.isSafeInteger(retryNumber) && retryNumber >= 1, () => `retry number ${retryNumber} must be ≥ 1`);
  assert(Number.isSafeInteger(baseMs) && baseMs >= 1 && Number.isSafeInteger(maxMs) && maxMs >= baseMs, 'bad back-off bounds');
  let intervalMs = baseMs;
  for (let retry = 1; retry < retryNumber; retry += 1) {
    if (intervalMs === maxMs) break;
    intervalMs = intervalMs < Math.floor(maxMs / 2) ? intervalMs * 2 : maxMs;
  }
  return intervalMs;
}
