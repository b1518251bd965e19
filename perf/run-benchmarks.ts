// One benchmark run, as bench.ts and gate.ts both make it: calibration, the micro suites (once or
// several times), the macro runs when asked, calibration again, then every figure normalised.
//
// Job: measure the calibration loop before and after the benchmarks (so a machine that got busier
// or quieter during the run shows as drift), run the selected micro suites `attempts` times (the
// first attempt in this process, every further one in a fresh child process, micro-child.ts, so
// attempts do not share a JIT state) and the macro scenarios once (macro.ts), and assemble a
// BenchReport in which each micro figure is its best attempt. `remeasure` runs the groups of some
// figures again, in a fresh process, and keeps per figure the better of what the report had and the
// new attempt: the gate's confirmation of a suspected regression.
//
// Why the best attempt: on a shared machine, other work only ever slows a measurement down, so of
// several attempts the fastest is the closest to the code's own cost; a real regression slows every
// attempt, noise rarely slows all of them. Why baselines keep the median attempt instead: the same
// code measured in fresh processes varies by up to 1.7× (JIT and cache state; authz/10-policies read
// 7.7e-4 to 1.31e-3 in six processes of one quiet hour), so a baseline that is the luckiest of several
// processes sits at the bottom of that range and a later run of unchanged code, best of its own
// attempts under more load, reads 1.6× slower; the middle attempt is where a typical process lands.
//
// Invariants: micro figures are normalised by their paired calibration slices (figure.ts), macro
// figures by their child's calibration; `attempts` on a figure counts the measurements it is the
// best of; the report's figures keep the order of the first attempt.
//
// Not modelled: pinning to a core, disabling frequency scaling; re-measuring macro runs.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { CALIBRATION_ROUNDS, measureCalibration, poolCalibrations } from './calibration.ts';
import type { BenchReport } from './bench-report.ts';
import { REPORT_SCHEMA } from './bench-report.ts';
import { MICRO_SUITES } from './bench/suites.ts';
import { releaseMeshes } from './bench/generated-mesh.ts';
import { makeFigure, type Figure, type FigureInput } from './figure.ts';
import { machineInfo } from './machine.ts';
import { runMacro } from './macro.ts';
import { MICRO_RESULT_MARKER } from './micro-child.ts';
import { byFilter, runMicroSuites, sinkValue, type MicroResult } from './run-micro.ts';
import { BENCH_V8_FLAGS } from './v8-flags.ts';

const microChild = fileURLToPath(new URL('./micro-child.ts', import.meta.url));

export interface RunOptions {
  readonly name: string;
  readonly quick: boolean;
  readonly filter: string | undefined;
  /** Micro suites are measured this many times; `keep` says which attempt each figure reports. */
  readonly attempts: number;
  /**
   * `best` (the default): each figure's fastest attempt. `median`: its middle attempt, what a
   * baseline records (a baseline that is the luckiest of several processes fails later runs of
   * unchanged code; the header).
   */
  readonly keep?: 'best' | 'median';
  readonly macro: boolean;
  /** Macro runs: duration override (null: quick mode's default or the scenario's own) and runs per scenario. */
  readonly macroDurationUs: number | null;
  readonly macroRuns: number;
}

const CALIBRATION_REPETITIONS = { quick: 5, full: 9 } as const;

/** Of two figures with one name, the better by its direction (the first on a tie). */
export function better(a: Figure, b: Figure): Figure {
  const bBetter = a.better === 'lower' ? b.normalised < a.normalised : b.normalised > a.normalised;
  return bBetter ? b : a;
}

type Which = { readonly filter: string | undefined } | { readonly groupsOf: readonly string[] };

/** One attempt in a fresh process (micro-child.ts); its progress lines pass through to stderr. */
function microInChild(quick: boolean, which: Which): MicroResult {
  const args = [...BENCH_V8_FLAGS, microChild, ...(quick ? ['--quick'] : []),
    ...('groupsOf' in which ? ['--groups-of', which.groupsOf.join(',')] : which.filter === undefined ? [] : ['--filter', which.filter])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = child.stdout?.split('\n').reverse().find((l) => l.startsWith(MICRO_RESULT_MARKER));
  if (child.status !== 0 || line === undefined) {
    throw new Error(`a micro benchmark attempt in a child process failed (${child.error?.message ?? `exit ${child.status ?? child.signal}`})`);
  }
  return JSON.parse(line.slice(MICRO_RESULT_MARKER.length)) as MicroResult;
}

function measureMicro(quick: boolean, which: Which, inChild: boolean, calibrationMs: number, log: (line: string) => void): { figures: Figure[]; references: BenchReport['references'] } {
  let micro: MicroResult;
  if (inChild) {
    micro = microInChild(quick, which);
  } else {
    micro = runMicroSuites(MICRO_SUITES, { quick }, byFilter('filter' in which ? which.filter : undefined), log);
    releaseMeshes();
  }
  return {
    figures: micro.figures.map((f) => makeFigure(f, calibrationMs)),
    references: micro.references.map(({ figure, reference }) => ({ figure, ...reference })),
  };
}

/**
 * Each figure's middle attempt by its normalised value (the slower of the two middle ones for an even
 * count), with every attempt counted; figures keep the first attempt's order.
 */
export function medianAttempt(attempts: readonly (readonly Figure[])[]): Figure[] {
  const [first = []] = attempts;
  return first.map((f) => {
    const all = attempts.map((a) => a.find((g) => g.name === f.name)).filter((g): g is Figure => g !== undefined);
    const sorted = [...all].sort((a, b) => (f.better === 'lower' ? a.normalised - b.normalised : b.normalised - a.normalised));
    return { ...sorted[Math.floor(sorted.length / 2)]!, attempts: all.length };
  });
}

/** Merges a new attempt into figures by name: the better one, with the attempts counted. */
export function mergeAttempt(figures: readonly Figure[], attempt: readonly Figure[]): Figure[] {
  const byName = new Map(attempt.map((f) => [f.name, f]));
  return figures.map((f) => {
    const again = byName.get(f.name);
    return again === undefined ? f : { ...better(f, again), attempts: f.attempts + 1 };
  });
}

export function runBenchmarks(options: RunOptions, log: (line: string) => void): BenchReport {
  const started = new Date().toISOString();
  const machine = machineInfo();
  const loadStart = os.loadavg()[0] ?? 0;
  const repetitions = options.quick ? CALIBRATION_REPETITIONS.quick : CALIBRATION_REPETITIONS.full;
  log(`calibration: ${repetitions} repetitions`);
  const before = measureCalibration(repetitions);
  let figures: Figure[] = [];
  let references: BenchReport['references'] = [];
  const attempts: Figure[][] = [];
  for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
    log(`micro benchmarks${options.attempts > 1 ? `, attempt ${attempt} of ${options.attempts}${attempt > 1 ? ' (fresh process)' : ''}` : ''}`);
    const measured = measureMicro(options.quick, { filter: options.filter }, attempt > 1, before.median, log);
    attempts.push(measured.figures);
    if (attempt === 1) {
      figures = measured.figures;
      references = measured.references;
    } else {
      figures = mergeAttempt(figures, measured.figures);
    }
  }
  if (options.keep === 'median') figures = medianAttempt(attempts);
  const macro = options.macro
    ? (log('macro benchmarks'), runMacro({ quick: options.quick, durationUs: options.macroDurationUs, runs: options.macroRuns, filter: options.filter }, log))
    : { figures: [] as FigureInput[], skipped: [], failed: [], runs: [] };
  log(`calibration: ${repetitions} repetitions`);
  const after = measureCalibration(repetitions);
  const pooled = poolCalibrations(before, after);
  log(`done (work checksum ${sinkValue() % 1000})`);
  return {
    schema: REPORT_SCHEMA,
    name: options.name,
    mode: options.quick ? 'quick' : 'full',
    started,
    machine,
    calibration: {
      runs: pooled.runs, median: pooled.median, min: pooled.min, q1: pooled.q1, q3: pooled.q3, max: pooled.max,
      beforeMs: before.median, afterMs: after.median, rounds: CALIBRATION_ROUNDS,
    },
    loadAverage: { start: loadStart, end: os.loadavg()[0] ?? 0 },
    figures: [...figures, ...macro.figures.map((f) => makeFigure(f, pooled.median))],
    references,
    skipped: macro.skipped,
    failed: macro.failed,
  };
}

/** Measures the groups of `names` (micro figures only) again; each keeps its better attempt. */
export function remeasure(report: BenchReport, names: readonly string[], log: (line: string) => void): BenchReport {
  const micro = names.filter((n) => !n.startsWith('macro/'));
  if (micro.length === 0) return report;
  const again = measureMicro(report.mode === 'quick', { groupsOf: micro }, true, report.calibration.median, log);
  const wanted = new Set(micro);
  return { ...report, figures: mergeAttempt(report.figures, again.figures.filter((f) => wanted.has(f.name))) };
}
