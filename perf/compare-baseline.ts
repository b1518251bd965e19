// The gate's decision, as pure functions: each figure of a run against its committed baseline.
//
// Job: compare normalised figures (figure.ts) with the baseline's, per figure and with the
// figure's own tolerance, and say for each: ok, regressed, improved, new (no baseline: never a
// failure), not-measured (a baseline this run did not measure: never a failure), or invalid (a value
// that cannot be compared: zero, negative or not finite: a failure, since a broken benchmark must not
// pass as fast).
//
// The rule: `slowdown` is now/baseline for lower-is-better figures and baseline/now for higher-is-
// better ones, so 2 means "twice as slow" either way and the rule is symmetric in log space; a figure
// regressed when slowdown > 1 + tolerance and improved when slowdown < 1 / (1 + tolerance). Growth
// exponents are compared by difference instead (now - baseline > tolerance, an absolute tolerance):
// an exponent is already a log-log slope.
//
// Invariants: pure; the output order is the run's figures in their order, then the baseline-only
// figures by name; `change` is (now - baseline) / baseline (for exponents now - baseline).
//
// Not modelled: statistical tests across runs (a figure is one median per run); tolerances that
// depend on the spread measured now.
import type { Better, Figure, FigureKind } from './figure.ts';

export interface BaselineFigure {
  readonly kind: FigureKind;
  readonly unit: string;
  readonly better: Better;
  /** The raw median when the baseline was recorded (for reading; the gate compares `normalised`). */
  readonly median: number;
  readonly normalised: number;
  /** Fraction (0.3 = 30%), or for exponents an absolute difference. */
  readonly tolerance: number;
}

export type Verdict = 'ok' | 'regressed' | 'improved' | 'new' | 'not-measured' | 'invalid';

export interface Comparison {
  readonly name: string;
  readonly unit: string;
  readonly baseline: number | null;
  readonly now: number | null;
  readonly change: number | null;
  readonly slowdown: number | null;
  readonly tolerance: number | null;
  /** True for exponents: change and tolerance are differences, not fractions. */
  readonly absolute: boolean;
  readonly verdict: Verdict;
}

/**
 * Figures whose working set is many MB (a 1,000-service mesh's configs, a 10^6-event queue): on a
 * machine under CPU pressure every reschedule finds the caches cold, which costs them far more than
 * the 256 KiB calibration slice, so pairing cannot cancel it (perf/README.md).
 */
export const LARGE_WORKING_SET: readonly string[] = ['probe/1000-svc/', 'config-gen/1000-svc/', 'event-queue/hold-1e6/'];

/**
 * The tolerance a figure gets when it first enters a baseline file (see perf/README.md,
 * "Tolerances", for the measured noise behind each number); edit the file to change one figure's.
 */
export function defaultTolerance(name: string, kind: FigureKind): number {
  if (kind === 'exponent') return 0.25;
  if (kind === 'bytes') return 0.25;
  if (name.startsWith('macro/')) return 0.35;
  if (LARGE_WORKING_SET.some((prefix) => name.startsWith(prefix))) return 0.5;
  if (name.startsWith('route-select/')) return 0.4;
  return 0.35;
}

function usable(x: number): boolean {
  return Number.isFinite(x) && x > 0;
}

export function compareFigure(name: string, baseline: BaselineFigure | undefined, now: Pick<Figure, 'normalised' | 'unit' | 'better' | 'kind'> | undefined): Comparison {
  const absolute = (now ?? baseline)?.kind === 'exponent';
  if (now === undefined) {
    return { name, unit: baseline?.unit ?? '', baseline: baseline?.normalised ?? null, now: null, change: null, slowdown: null, tolerance: baseline?.tolerance ?? null, absolute, verdict: 'not-measured' };
  }
  const base = { name, unit: now.unit, now: now.normalised, absolute };
  if (baseline === undefined) return { ...base, baseline: null, change: null, slowdown: null, tolerance: null, verdict: 'new' };
  const tolerance = baseline.tolerance;
  const withBase = { ...base, baseline: baseline.normalised, tolerance };
  if (absolute) {
    if (!Number.isFinite(now.normalised) || !Number.isFinite(baseline.normalised)) return { ...withBase, change: null, slowdown: null, verdict: 'invalid' };
    const change = now.normalised - baseline.normalised;
    const verdict: Verdict = change > tolerance ? 'regressed' : change < -tolerance ? 'improved' : 'ok';
    return { ...withBase, change, slowdown: null, verdict };
  }
  if (!usable(now.normalised) || !usable(baseline.normalised)) return { ...withBase, change: null, slowdown: null, verdict: 'invalid' };
  const change = (now.normalised - baseline.normalised) / baseline.normalised;
  const slowdown = baseline.better === 'lower' ? now.normalised / baseline.normalised : baseline.normalised / now.normalised;
  const verdict: Verdict = slowdown > 1 + tolerance ? 'regressed' : slowdown < 1 / (1 + tolerance) ? 'improved' : 'ok';
  return { ...withBase, change, slowdown, verdict };
}

export function compareAll(baselines: ReadonlyMap<string, BaselineFigure>, figures: readonly Figure[]): Comparison[] {
  const measured = new Set(figures.map((f) => f.name));
  const out = figures.map((f) => compareFigure(f.name, baselines.get(f.name), f));
  const missing = [...baselines.keys()].filter((name) => !measured.has(name)).sort();
  for (const name of missing) out.push(compareFigure(name, baselines.get(name), undefined));
  return out;
}

/** The gate fails on a regression or on a figure it could not compare. */
export function gateFails(comparisons: readonly Comparison[]): boolean {
  return comparisons.some((c) => c.verdict === 'regressed' || c.verdict === 'invalid');
}

export function countVerdicts(comparisons: readonly Comparison[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { ok: 0, regressed: 0, improved: 0, new: 0, 'not-measured': 0, invalid: 0 };
  for (const c of comparisons) counts[c.verdict] += 1;
  return counts;
}
