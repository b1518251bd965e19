// A figure: one measured number of a benchmark run, with its spread and its ratio to the calibration
// loop, in the shape the report writer, the table and the gate read.
//
// Job: summarise samples (median, min, max, quartiles), and normalise by the calibration loop:
// - time figures (unit `ns/op`, `µs/op`, `ms/op`, or `ms`/`s` for a whole run): the time per
//   operation divided by the calibration loop's time (both in ms): "how many calibration loops one
//   operation costs";
// - rate figures (unit `…/s`): the rate times the calibration loop's time in seconds: "operations per
//   calibration loop";
// - ratio, bytes and exponent figures: the median itself (a same-run ratio such as loop/heap already
//   cancels machine speed; memory does not scale with CPU speed; a growth exponent is dimensionless).
// When each sample comes with its own calibration (a slice run right after it, run-micro.ts), every
// sample is normalised by its own and `normalised` is the median of those ratios (`paired`): a phase
// in which a shared machine runs everything slower then cancels sample by sample (a macro run's
// sample is paired with the calibration its own child process measured). A figure without paired
// calibrations has its median normalised by the run's calibration (`run`).
//
// Invariants: pure functions; quantiles interpolate linearly between order statistics (R type 7), so
// the median of an even count is the mean of the middle two; an empty sample list is a bug.
//
// Not modelled: confidence intervals, outlier rejection (min/max and the quartiles are reported as
// they are; the gate compares the normalised median, of the best attempt: run-benchmarks.ts).

export type FigureKind = 'time' | 'rate' | 'ratio' | 'bytes' | 'exponent';
export type Better = 'lower' | 'higher';

export interface Spread {
  /** Samples the spread is computed from (tinybench iterations, repetitions or child runs). */
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly q1: number;
  readonly q3: number;
  readonly max: number;
}

export interface Figure extends Spread {
  /** `suite/case/variant`, e.g. `event-queue/hold-1e5/event-loop`. */
  readonly name: string;
  /** The first segment of the name: the baseline file it belongs to. */
  readonly suite: string;
  readonly kind: FigureKind;
  readonly unit: string;
  readonly better: Better;
  /** See the header: relative to the calibration loop (or the median itself); what the gate compares. */
  readonly normalised: number;
  /** Spread of the per-sample normalised values (paired), or null (one value per run). */
  readonly normalisedSpread: Spread | null;
  readonly calibration: 'paired' | 'run' | 'none';
  /** How many measurements this figure is the best of (run-benchmarks.ts). */
  readonly attempts: number;
  readonly note?: string;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no samples');
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export function summarise(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0]!,
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1]!,
  };
}

const MS_PER_UNIT: Readonly<Record<string, number>> = { 'ns/op': 1e-6, 'µs/op': 1e-3, 'ms/op': 1, ms: 1, s: 1000 };

/** A value (in its unit) relative to a calibration loop's CPU time in ms (see the header). */
export function normalise(kind: FigureKind, unit: string, median: number, calibrationMs: number): number {
  if (kind === 'time') {
    const scale = MS_PER_UNIT[unit];
    if (scale === undefined) throw new Error(`time figure with unknown unit ${unit}`);
    return (median * scale) / calibrationMs;
  }
  if (kind === 'rate') {
    if (!unit.endsWith('/s')) throw new Error(`rate figure with unit ${unit}: expected …/s`);
    return median * (calibrationMs / 1000);
  }
  return median;
}

export function betterOf(kind: FigureKind): Better {
  return kind === 'rate' ? 'higher' : 'lower';
}

export interface FigureInput {
  readonly name: string;
  readonly kind: FigureKind;
  readonly unit: string;
  readonly samples: readonly number[];
  /** Per sample, the calibration loop's CPU ms measured right after it (same length as samples). */
  readonly calibrationMs?: readonly number[];
  /** Default: rate and `loop/heap`-style ratios declare it; time, bytes and exponents are lower-better. */
  readonly better?: Better;
  readonly note?: string;
}

/** Each sample over its own calibration; null without paired calibrations. */
export function pairedNormalised(input: Pick<FigureInput, 'name' | 'kind' | 'unit' | 'samples' | 'calibrationMs'>): number[] | null {
  const cal = input.calibrationMs;
  if (cal === undefined) return null;
  if (cal.length !== input.samples.length) throw new Error(`${input.name}: ${input.samples.length} samples but ${cal.length} calibrations`);
  return input.samples.map((x, i) => normalise(input.kind, input.unit, x, cal[i]!));
}

const CALIBRATED: ReadonlySet<FigureKind> = new Set(['time', 'rate']);

export function makeFigure(input: FigureInput, calibrationMs: number): Figure {
  const spread = summarise(input.samples);
  const paired = pairedNormalised(input);
  const normalisedSpread = paired === null ? null : summarise(paired);
  return {
    name: input.name,
    suite: input.name.split('/')[0]!,
    kind: input.kind,
    unit: input.unit,
    better: input.better ?? betterOf(input.kind),
    ...spread,
    normalised: normalisedSpread?.median ?? normalise(input.kind, input.unit, spread.median, calibrationMs),
    normalisedSpread,
    calibration: !CALIBRATED.has(input.kind) ? 'none' : paired === null ? 'run' : 'paired',
    attempts: 1,
    ...(input.note === undefined ? {} : { note: input.note }),
  };
}
