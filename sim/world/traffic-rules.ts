/**
 * The rules a request in time needs from the data plane and the workload models, in one place for
 * traffic.ts: does an attempt's result qualify for a retry, how long is the back-off, how long does
 * the app take and does it fail.
 *
 * Invariants: pure given the Rng; integers only.
 *
 * Not modelled: see the modules these delegate to.
 */
import type { Rng } from '../core/prng.ts';
import type { DurationTable } from './scenario.ts';

/** Envoy's router retry conditions as Istio's retryOn lists them, for one attempt's result. */
export function retryQualifies(retryOn: readonly string[], code: number, flags: readonly string[]): boolean {
  const reset = code === 0 || flags.includes('UF') || flags.includes('UC') || flags.includes('UH');
  for (const condition of retryOn) {
    if (condition === '5xx' && (code >= 500 || reset)) return true;
    if (condition === 'gateway-error' && (code === 502 || code === 503 || code === 504)) return true;
    if ((condition === 'connect-failure' || condition === 'reset') && flags.includes('UF')) return true;
    if (condition === 'retriable-status-codes' && code === 503) return true;
    if (/^\d{3}$/.test(condition) && Number(condition) === code) return true;
  }
  return false;
}

/** Envoy's default back-off: base 25 ms, fully jittered, doubling per retry, capped at 10× base. */
export function retryBackoffUs(rng: Rng, retry: number): number {
  const baseUs = 25_000;
  const ceilingUs = Math.min((2 ** Math.min(retry, 20) - 1) * baseUs, 10 * baseUs);
  return ceilingUs <= 0 ? 0 : rng.intInclusive(0, ceilingUs);
}

export function sampleDuration(rng: Rng, table: DurationTable): number {
  if (table.entries.length === 0) return 0;
  if (table.entries.length === 1) return table.entries[0]!.durationUs;
  return table.entries[rng.pickWeighted(table.entries.map((e) => e.weight))]!.durationUs;
}

export function appFails(rng: Rng, errorRatePpm: number): boolean {
  if (errorRatePpm <= 0) return false;
  return rng.below(1_000_000) < errorRatePpm;
}
