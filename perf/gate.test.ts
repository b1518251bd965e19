// Tests of the gate's logic and the report writer, as pure functions on given figures: nothing here
// times anything, so no result depends on the machine. A synthetic 2x regression must fail the gate,
// ±10% noise must pass it, and the report files must have the documented columns.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { updatedBaselines, type BaselineFile } from './baselines.ts';
import { REPORT_CSV_COLUMNS, REPORT_SCHEMA, reportCsv, reportJson, writeReport, type BenchReport } from './bench-report.ts';
import { compareAll, compareFigure, gateFails, type BaselineFigure } from './compare-baseline.ts';
import { makeFigure, type Figure, type FigureInput } from './figure.ts';
import { fitGrowth } from './fit-growth.ts';
import { churnSize, growthFigures } from './macro.ts';
import type { MacroChildResult } from './macro-child.ts';
import { byGroupsOf, perOperation } from './run-micro.ts';
import { better, medianAttempt, mergeAttempt } from './run-benchmarks.ts';

const CAL_MS = 80;

function figure(input: Partial<FigureInput> & Pick<FigureInput, 'name' | 'samples'>): Figure {
  return makeFigure({ kind: 'time', unit: 'µs/op', ...input }, CAL_MS);
}

function baselineOf(f: Figure, tolerance = 0.3): BaselineFigure {
  return { kind: f.kind, unit: f.unit, better: f.better, median: f.median, normalised: f.normalised, tolerance };
}

const slowOp = figure({ name: 'authz/10-policies/allow-last', samples: [50, 52, 51] });
const rate = figure({ name: 'event-queue/hold-1e5/event-loop', kind: 'rate', unit: 'events/s', samples: [2e6, 2.1e6, 1.9e6] });

test('a time figure twice as slow as its baseline regresses and fails the gate', (t) => {
  const now = figure({ name: slowOp.name, samples: [100, 104, 102] });
  const c = compareFigure(slowOp.name, baselineOf(slowOp), now);
  t.is(c.verdict, 'regressed');
  t.is(c.slowdown, 2);
  t.true(gateFails([c]));
});

test('a rate figure at half its baseline regresses (higher is better)', (t) => {
  const now = figure({ name: rate.name, kind: 'rate', unit: 'events/s', samples: [1e6, 1.05e6, 0.95e6] });
  const c = compareFigure(rate.name, baselineOf(rate), now);
  t.is(c.verdict, 'regressed');
  t.is(c.slowdown, 2);
  t.is(c.change, -0.5);
});

test('±10% noise passes the gate in both directions, for times and rates', (t) => {
  for (const factor of [0.9, 0.95, 1, 1.05, 1.1]) {
    const time = figure({ name: slowOp.name, samples: [51 * factor] });
    const fast = figure({ name: rate.name, kind: 'rate', unit: 'events/s', samples: [2e6 * factor] });
    const comparisons = [compareFigure(slowOp.name, baselineOf(slowOp), time), compareFigure(rate.name, baselineOf(rate), fast)];
    t.deepEqual(comparisons.map((c) => c.verdict), ['ok', 'ok'], `factor ${factor}`);
    t.false(gateFails(comparisons), `factor ${factor}`);
  }
});

test('the tolerance is the baseline figure\'s own: 1.25x passes at 30% and fails at 20%', (t) => {
  const now = figure({ name: slowOp.name, samples: [51 * 1.25] });
  t.is(compareFigure(slowOp.name, baselineOf(slowOp, 0.3), now).verdict, 'ok');
  t.is(compareFigure(slowOp.name, baselineOf(slowOp, 0.2), now).verdict, 'regressed');
});

test('the gate compares normalised figures: a slower machine with a slower calibration loop is no regression', (t) => {
  const onSlowerMachine = makeFigure({ name: slowOp.name, kind: 'time', unit: 'µs/op', samples: [102] }, CAL_MS * 2);
  const c = compareFigure(slowOp.name, baselineOf(slowOp), onSlowerMachine);
  t.is(c.verdict, 'ok');
  t.is(c.slowdown, 1);
});

test('much faster is reported as improved, and does not fail', (t) => {
  const c = compareFigure(slowOp.name, baselineOf(slowOp), figure({ name: slowOp.name, samples: [20] }));
  t.is(c.verdict, 'improved');
  t.false(gateFails([c]));
});

test('a figure without a baseline is new, a baseline not measured is reported, neither fails', (t) => {
  const other = figure({ name: 'probe/bookinfo/steady', samples: [25] });
  const comparisons = compareAll(new Map([[slowOp.name, baselineOf(slowOp)]]), [other]);
  t.deepEqual(comparisons.map((c) => [c.name, c.verdict]), [['probe/bookinfo/steady', 'new'], [slowOp.name, 'not-measured']]);
  t.false(gateFails(comparisons));
});

test('a zero or non-finite figure is invalid and fails the gate (a broken benchmark is not fast)', (t) => {
  for (const value of [0, Number.NaN, Number.POSITIVE_INFINITY]) {
    const c = compareFigure(rate.name, baselineOf(rate), { ...rate, normalised: value });
    t.is(c.verdict, 'invalid', String(value));
    t.true(gateFails([c]));
  }
});

test('growth exponents are compared by difference, with an absolute tolerance', (t) => {
  const base: BaselineFigure = { kind: 'exponent', unit: '', better: 'lower', median: 1.1, normalised: 1.1, tolerance: 0.25 };
  const at = (x: number) => makeFigure({ name: 'macro/growth/churn-cpu-exponent', kind: 'exponent', unit: '', samples: [x] }, CAL_MS);
  t.is(compareFigure('g', base, at(1.3)).verdict, 'ok');
  t.is(compareFigure('g', base, at(1.5)).verdict, 'regressed');
  t.is(compareFigure('g', base, at(0.7)).verdict, 'improved');
  t.is(compareFigure('g', base, at(0)).verdict, 'improved', 'an exponent of 0 is a value, not an error');
});

test('paired normalisation: each sample over its own calibration, the median of those', (t) => {
  // The second sample ran in a phase twice as slow, and so did its calibration slice: it cancels.
  const f = makeFigure({ name: 'x/y', kind: 'time', unit: 'ms/op', samples: [8, 16, 8.8], calibrationMs: [80, 160, 80] }, 1000);
  t.is(f.calibration, 'paired');
  t.is(f.normalised, 0.1);
  t.is(f.normalisedSpread?.min, 0.1);
  t.true(Math.abs(f.normalisedSpread!.max - 0.11) < 1e-12);
  t.is(f.median, 8.8, 'the raw median is kept as measured');
  t.throws(() => makeFigure({ name: 'x/y', kind: 'time', unit: 'ms/op', samples: [1, 2], calibrationMs: [80] }, CAL_MS));
});

test("the best attempt wins, by the figure's direction, and attempts are counted", (t) => {
  const slow = figure({ name: slowOp.name, samples: [60] });
  const fast = figure({ name: slowOp.name, samples: [50] });
  t.is(better(slow, fast), fast);
  t.is(better(fast, slow), fast);
  const high = makeFigure({ name: rate.name, kind: 'rate', unit: 'events/s', samples: [3e6] }, CAL_MS);
  t.is(better(rate, high), high);
  const merged = mergeAttempt([slow, rate], [fast]);
  t.deepEqual(merged.map((f) => [f.name, f.median, f.attempts]), [[slowOp.name, 50, 2], [rate.name, 2e6, 1]]);
});

test('a baseline keeps the middle attempt by direction, not the luckiest one', (t) => {
  const at = (ms: number) => figure({ name: slowOp.name, samples: [ms] });
  const rateAt = (r: number) => makeFigure({ name: rate.name, kind: 'rate', unit: 'events/s', samples: [r] }, CAL_MS);
  const kept = medianAttempt([[at(70), rateAt(1e6)], [at(50), rateAt(3e6)], [at(60), rateAt(2e6)], [at(90)], [at(40)]]);
  t.deepEqual(kept.map((f) => [f.name, f.median, f.attempts]), [[slowOp.name, 60, 5], [rate.name, 2e6, 3]]);
  // An even count keeps the slower of the two middle attempts.
  t.is(medianAttempt([[at(50)], [at(60)]])[0]!.median, 60);
  t.is(medianAttempt([[rateAt(1e6)], [rateAt(3e6)]])[0]!.median, 1e6);
});

test('re-measuring a figure selects its whole group (a derived ratio needs both sides)', (t) => {
  const select = byGroupsOf(['event-queue/hold-1e5/loop-vs-heap']);
  t.true(select('event-queue/hold-1e5/event-loop'));
  t.true(select('event-queue/hold-1e5/typed-heap'));
  t.false(select('event-queue/hold-1e6/event-loop'));
});

test('normalisation: a time over the calibration time, a rate times it', (t) => {
  t.is(figure({ name: 'x/y', unit: 'ms/op', samples: [8] }).normalised, 0.1);
  t.is(figure({ name: 'x/y', unit: 'ns/op', samples: [8e6] }).normalised, 0.1);
  t.is(makeFigure({ name: 'x/y', kind: 'rate', unit: 'events/s', samples: [1000] }, CAL_MS).normalised, 80);
  t.is(makeFigure({ name: 'x/y', kind: 'ratio', unit: 'x', better: 'higher', samples: [0.8] }, CAL_MS).normalised, 0.8);
  t.is(makeFigure({ name: 'x/y', kind: 'time', unit: 'ms/op', samples: [1, 2, 3, 4] }, CAL_MS).median, 2.5);
});

test('a tinybench sample converts to the task\'s unit per operation', (t) => {
  t.true(Math.abs(perOperation({ ops: 1000, report: { kind: 'time', unit: 'ns/op' } }, 0.5) - 500) < 1e-9);
  t.is(perOperation({ ops: 20_000, report: { kind: 'rate', unit: 'events/s' } }, 10), 2e6);
  t.is(perOperation({ ops: 1, report: { kind: 'time', unit: 'ms/op' } }, 7), 7);
});

function reportWith(figures: readonly Figure[]): BenchReport {
  return {
    schema: REPORT_SCHEMA, name: 'unit-test', mode: 'quick', started: '2025-01-01T00:00:00.000Z',
    machine: { cpu: 'Test CPU, "quoted"', cores: 2, node: 'v24.21.0', platform: 'linux', arch: 'x64', memoryGiB: 4, commit: null },
    calibration: { runs: 10, median: CAL_MS, min: 70, q1: 75, q3: 85, max: 90, beforeMs: 79, afterMs: 81, rounds: 160 },
    loadAverage: { start: 0.5, end: 0.7 },
    figures,
    references: [],
    skipped: [{ file: 'scenarios/scale/x.yaml', reason: 'not there' }],
    failed: [],
  };
}

test('the CSV has the documented columns in order, one row per figure, quoted where needed', (t) => {
  const noted = figure({ name: 'authz/100-policies/deny-none', samples: [600, 640], note: 'denied, "all" rules' });
  const csv = reportCsv(reportWith([slowOp, noted]));
  const lines = csv.trimEnd().split('\n');
  t.is(lines[0], REPORT_CSV_COLUMNS.join(','));
  t.deepEqual([...REPORT_CSV_COLUMNS], ['name', 'suite', 'kind', 'unit', 'better', 'runs', 'median', 'min', 'q1', 'q3', 'max',
    'normalised', 'normalised_q1', 'normalised_q3', 'calibration', 'attempts', 'calibration_ms', 'mode', 'cpu', 'cores', 'node', 'commit', 'note']);
  t.is(lines.length, 3);
  t.is(lines[1], `authz/10-policies/allow-last,authz,time,µs/op,lower,3,51,50,50.5,51.5,52,${String(slowOp.normalised)},,,run,1,80,quick,"Test CPU, ""quoted""",2,v24.21.0,,`);
  t.true(lines[2]!.endsWith(',"denied, ""all"" rules"'));
  t.true(csv.endsWith('\n') && !csv.includes('\r'));
});

test('the JSON report holds machine, calibration, figures and skipped scenarios', (t) => {
  const parsed = JSON.parse(reportJson(reportWith([slowOp]))) as BenchReport;
  t.is(parsed.schema, REPORT_SCHEMA);
  t.deepEqual(Object.keys(parsed.machine), ['cpu', 'cores', 'node', 'platform', 'arch', 'memoryGiB', 'commit']);
  t.is(parsed.calibration.median, CAL_MS);
  t.deepEqual(parsed.figures.map((f) => [f.name, f.suite, f.runs, f.median, f.min, f.max]), [[slowOp.name, 'authz', 3, 51, 50, 52]]);
  t.is(parsed.skipped.length, 1);
});

test('writeReport writes both files whole and leaves no temp file behind', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perf-report-'));
  try {
    const report = reportWith([slowOp]);
    const files = writeReport(path.join(dir, 'perf'), report);
    t.deepEqual(readdirSync(path.join(dir, 'perf')).sort(), ['unit-test.csv', 'unit-test.json']);
    t.is(readFileSync(files.csv, 'utf8'), reportCsv(report));
    t.is(readFileSync(files.json, 'utf8'), reportJson(report));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('re-recording baselines keeps hand-edited tolerances; a filtered run merges, a full one replaces', (t) => {
  const old: BaselineFile = {
    ...updatedBaselines([], reportWith([slowOp, figure({ name: 'authz/100-policies/deny-none', samples: [600] })]), false)[0]!,
  };
  const edited: BaselineFile = { ...old, figures: { ...old.figures, [slowOp.name]: { ...old.figures[slowOp.name]!, tolerance: 0.5 } } };
  const rerun = reportWith([figure({ name: slowOp.name, samples: [60] })]);
  const merged = updatedBaselines([edited], rerun, true)[0]!;
  t.deepEqual(Object.keys(merged.figures), ['authz/10-policies/allow-last', 'authz/100-policies/deny-none']);
  t.is(merged.figures[slowOp.name]!.tolerance, 0.5);
  t.is(merged.figures[slowOp.name]!.median, 60);
  t.deepEqual(Object.keys(updatedBaselines([edited], rerun, false)[0]!.figures), ['authz/10-policies/allow-last']);
  t.is(merged.machine.cpu, 'Test CPU, "quoted"');
});

test('fitGrowth recovers a power law and refuses a fit of one size', (t) => {
  const fit = fitGrowth([1000, 3000, 10_000].map((x) => ({ x, y: 3 * x ** 1.5 })));
  t.true(Math.abs(fit.exponent - 1.5) < 1e-9);
  t.true(Math.abs(fit.coefficient - 3) < 1e-6);
  t.true(Math.abs(fit.r2 - 1) < 1e-12);
  const noisy = fitGrowth([{ x: 1000, y: 10 }, { x: 3000, y: 33 }, { x: 10_000, y: 95 }]);
  t.true(noisy.exponent > 0.9 && noisy.exponent < 1.05 && noisy.r2 < 1);
  t.throws(() => fitGrowth([{ x: 1000, y: 1 }, { x: 1000, y: 2 }]));
  t.throws(() => fitGrowth([{ x: 1000, y: 0 }, { x: 3000, y: 2 }]));
});

test('growth figures per churn family, from the file names', (t) => {
  t.deepEqual(churnSize('churn-3k-scoped'), { family: 'churn-scoped', services: 3000 });
  t.is(churnSize('reference-mesh'), null);
  const run = (cpuS: number, peakKb: number): MacroChildResult => ({
    file: '', scenario: '', durationUs: 5e6, events: 1, requests: 1, proxies: 1, wallSimulationMs: 1,
    cpuUs: { load: 0, build: 0, run: 0, simulation: cpuS * 1e6, process: 0 }, rssKb: { start: 0, loaded: 0, peak: peakKb }, calibrationMs: CAL_MS,
  });
  const figures = growthFigures(new Map([
    ['churn-1k', [run(1, 100)]], ['churn-10k', [run(100, 1000)]], ['churn-1k-scoped', [run(1, 100)]], ['reference-mesh', [run(5, 5)]],
  ]));
  t.deepEqual(figures.map((f) => f.name), ['macro/growth/churn-cpu-exponent', 'macro/growth/churn-rss-exponent']);
  t.true(Math.abs(figures[0]!.samples[0]! - 2) < 1e-9);
  t.true(Math.abs(figures[1]!.samples[0]! - 1) < 1e-9);
});
