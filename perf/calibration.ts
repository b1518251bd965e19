// The calibration loop: a fixed, deterministic, CPU-bound JS workload timed in the same process as
// the benchmarks, so each figure can also be given as a ratio to it (machine speed cancels out).
//
// Job: CALIBRATION_ROUNDS passes of integer hashing over a 256 KiB Uint32Array (fits in L2; integer
// multiply, xor, shifts and dependent loads: work of the kind the simulator does, without
// allocation). Two uses:
// - `measureCalibration`: the whole loop, repeated, median and spread (reported; macro figures are
//   normalised by it);
// - `calibrationSlice`: SLICE_ROUNDS passes, run right after every timed sample of a micro benchmark
//   (run-micro.ts), so each sample has a calibration measured under the same load; the slice's time
//   is scaled up to the whole loop's (× CALIBRATION_ROUNDS / SLICE_ROUNDS).
//
// Invariants: the work is the same on every machine and every run (fixed seed, fixed rounds, the
// checksum is a pure function of both); the result is never dead code (checksums are returned, and
// the whole loop's is checked against the first repetition). About 50–100 ms per whole loop on a
// 2020s server core, a few ms per slice.
//
// Not modelled: floating point, allocation and GC, branch-heavy code; a machine that is fast at one of
// these and slow at hashing skews the ratio (which is why baselines name their machine). The slice
// runs right after the benchmark's own work, with whatever that left in the caches.
import { cpuNowMs } from './cpu-clock.ts';
import { summarise, type Spread } from './figure.ts';

const WORDS = 1 << 16;
export const CALIBRATION_ROUNDS = 160;
export const SLICE_ROUNDS = 6;

export interface Calibration extends Spread {
  /** Milliseconds of CPU time per repetition, in the order measured. */
  readonly samplesMs: readonly number[];
  readonly checksum: number;
}

function filledWords(): Uint32Array {
  const words = new Uint32Array(WORDS);
  let x = 0x2545f491;
  for (let i = 0; i < WORDS; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return words;
}

function hashRounds(words: Uint32Array, rounds: number): number {
  let h = 0x811c9dc5;
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < WORDS; i += 1) {
      const j = (h ^ words[i]!) & (WORDS - 1);
      h = Math.imul(h ^ words[j]!, 0x01000193);
      h ^= h >>> 15;
      words[i] = (words[i]! + h) >>> 0;
    }
  }
  return h >>> 0;
}

/** One whole calibration loop from a fresh array; returns its checksum. */
export function calibrationWorkload(rounds: number = CALIBRATION_ROUNDS): number {
  return hashRounds(filledWords(), rounds);
}

let sliceWords: Uint32Array | null = null;

/** SLICE_ROUNDS passes over a kept array (its contents drift; the work per pass does not). */
export function calibrationSlice(): number {
  sliceWords ??= filledWords();
  return hashRounds(sliceWords, SLICE_ROUNDS);
}

/** A slice's CPU ms as the whole loop's: what the calibration would have taken under that load. */
export function sliceAsLoopMs(sliceMs: number): number {
  return sliceMs * (CALIBRATION_ROUNDS / SLICE_ROUNDS);
}

/** Runs the workload `repetitions` times after one untimed warm-up; the median is the figure. */
export function measureCalibration(repetitions: number): Calibration {
  const expected = calibrationWorkload();
  const samplesMs: number[] = [];
  for (let i = 0; i < repetitions; i += 1) {
    const start = cpuNowMs();
    const checksum = calibrationWorkload();
    samplesMs.push(cpuNowMs() - start);
    if (checksum !== expected) throw new Error(`calibration checksum changed between runs: ${checksum} != ${expected}`);
  }
  return { ...summarise(samplesMs), samplesMs, checksum: expected };
}

/** Two calibrations (before and after the benchmarks) as one: all repetitions pooled. */
export function poolCalibrations(a: Calibration, b: Calibration): Calibration {
  const samplesMs = [...a.samplesMs, ...b.samplesMs];
  return { ...summarise(samplesMs), samplesMs, checksum: a.checksum };
}
