/**
 * The rules a request in time needs from the data plane and the workload models, adapted for
 * traffic.ts: an attempt's outcome as Envoy's router sees it (a response, a reset, a per-try timeout)
 * for the retry decision (sim/proxy/retry-on.ts), the retry back-off (retry-backoff.ts), and the app's
 * service time and errors (sim/workload/service-time.ts).
 *
 * Rules:
 * - A circuit breaker's 503 UO is the pool's Overflow reset (never retried); a reset or refused
 *   connection (code 0), and a 503 the client's proxy made because the upstream connection failed (UF,
 *   UH: no healthy host) are connection failures; a per-try timeout is its own kind; everything else
 *   is a response with its status.
 *
 * Invariants: pure given the Rng; integers only.
 *
 * Not modelled: see the modules these delegate to.
 */
import type { Rng } from '../core/prng.ts';
import { qualifiesForRetry } from '../proxy/retry-on.ts';
import type { AttemptResult, RetryOn } from '../proxy/retry-on.ts';
import { appFails as workloadAppFails, sampleServiceTimeUs } from '../workload/service-time.ts';
import type { DurationTable } from './scenario.ts';

export { createRetryBackoff, nextRetryBackoffUs } from '../proxy/retry-backoff.ts';
export { parseRetryOn } from '../proxy/retry-on.ts';
export type { RetryOn } from '../proxy/retry-on.ts';

export function attemptResultOf(code: number, flags: readonly string[], perTryTimeout: boolean): AttemptResult {
  if (perTryTimeout) return { kind: 'per-try-timeout' };
  // onPoolFailure(Overflow): the circuit breaker's reset, which wouldRetryFromReset never retries.
  if (flags.includes('UO')) return { kind: 'reset', reason: 'overflow', requestSent: false };
  if (code === 0 || flags.includes('UF') || flags.includes('UH')) return { kind: 'reset', reason: 'connection-failure', requestSent: false };
  return { kind: 'response', status: code };
}

export function retryQualifies(retryOn: RetryOn, code: number, flags: readonly string[], perTryTimeout: boolean): boolean {
  return qualifiesForRetry(retryOn, attemptResultOf(code, flags, perTryTimeout));
}

export function sampleDuration(rng: Rng, table: DurationTable): number {
  return table.entries.length === 0 ? 0 : sampleServiceTimeUs(table, rng);
}

export function appFails(rng: Rng, errorRatePpm: number): boolean {
  return workloadAppFails(errorRatePpm, rng);
}
