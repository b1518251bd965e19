/**
 * How long an app takes to answer and whether it fails: a duration drawn from an integer table
 * (each entry picked with weight / Σweights) and an error decision in parts per million.
 *
 * The table and app shapes repeat sim/world/scenario.ts's DurationTable and AppSpec fields
 * structurally (sim/workload may import only core, topology and trace), so the world passes its
 * scenario values straight in.
 *
 * Invariants: pure functions of their arguments and the Rng; `sampleServiceTimeUs` is one Rng call
 * (pickWeighted over the weights: its consumption depends only on the table's total weight) and
 * `appFails` one Rng.chance out of 10⁶ (its consumption does not depend on the rate, so tuning an
 * error rate never shifts later draws); durations are non-negative safe integer µs; rates are
 * integers in 0..10⁶ ppm; no floats decide anything.
 *
 * Not modelled: interpolation between table entries (a table is a discrete distribution), load-
 * dependent service time (queueing, CPU limits, garbage collection pauses), errors that depend on
 * the request (path, headers) or on time.
 */
import { assert } from '../core/assert.ts';
import { PERCENT_RATIO_DENOMINATOR, ratio } from '../core/prng.ts';
import type { Rng } from '../core/prng.ts';

/** The shape of sim/world/scenario.ts DurationTable. */
export interface DurationTable {
  readonly entries: readonly { readonly durationUs: number; readonly weight: number }[];
}

/** The part of sim/world/scenario.ts AppSpec that decides one answer. */
export interface AppAnswerSpec {
  readonly serviceTime: DurationTable;
  readonly errorRatePpm: number;
  readonly errorStatus: number;
}

/** The status an app answers with when it does not fail. */
export const APP_OK_STATUS = 200;

/** Checks a table: at least one entry, integer µs ≥ 0, integer weights ≥ 0 with a positive total. */
export function assertDurationTable(table: DurationTable): void {
  assert(table.entries.length > 0, 'a duration table needs at least one entry');
  let total = 0;
  for (const entry of table.entries) {
    assert(Number.isSafeInteger(entry.durationUs) && entry.durationUs >= 0,
      () => `duration ${entry.durationUs} µs must be a non-negative integer`);
    assert(Number.isSafeInteger(entry.weight) && entry.weight >= 0, () => `weight ${entry.weight} must be a non-negative integer`);
    total += entry.weight;
  }
  assert(Number.isSafeInteger(total) && total > 0, 'a duration table needs a positive total weight');
}

/** One duration from the table, entry i with probability weight_i / Σweights. One draw. */
export function sampleServiceTimeUs(table: DurationTable, rng: Rng): number {
  assertDurationTable(table);
  const index = rng.pickWeighted(table.entries.map((entry) => entry.weight));
  return (table.entries[index] as { readonly durationUs: number }).durationUs;
}

/** The table's mean, floored to whole µs: ⌊Σ durationᵢ·weightᵢ / Σ weightᵢ⌋ (exact, BigInt). */
export function durationTableMeanUs(table: DurationTable): number {
  assertDurationTable(table);
  let weighted = 0n;
  let total = 0n;
  for (const entry of table.entries) {
    weighted += BigInt(entry.durationUs) * BigInt(entry.weight);
    total += BigInt(entry.weight);
  }
  return Number(weighted / total);
}

/** Does the app fail this request? True with probability errorRatePpm / 10⁶. One draw. */
export function appFails(errorRatePpm: number, rng: Rng): boolean {
  assert(Number.isSafeInteger(errorRatePpm) && errorRatePpm >= 0 && errorRatePpm <= PERCENT_RATIO_DENOMINATOR,
    () => `error rate ${errorRatePpm} ppm must be an integer in 0..${PERCENT_RATIO_DENOMINATOR}`);
  return rng.chance(ratio(errorRatePpm, PERCENT_RATIO_DENOMINATOR));
}

/** How the app answers one request by itself (before any dependency fails it). */
export interface AppAnswer {
  readonly serviceTimeUs: number;
  /** The app's own error decision. */
  readonly fails: boolean;
  /** `errorStatus` when it fails, else 200. */
  readonly status: number;
}

/** Service time first, then the error decision: always two draws, in that order. */
export function drawAppAnswer(app: AppAnswerSpec, rng: Rng): AppAnswer {
  assert(Number.isSafeInteger(app.errorStatus) && app.errorStatus >= 100 && app.errorStatus <= 599,
    () => `error status ${app.errorStatus} is not an HTTP status`);
  const serviceTimeUs = sampleServiceTimeUs(app.serviceTime, rng);
  const fails = appFails(app.errorRatePpm, rng);
  return { serviceTimeUs, fails, status: fails ? app.errorStatus : APP_OK_STATUS };
}
