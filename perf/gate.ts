// `npm run perf:gate` (`node perf/gate.ts`): the performance regression gate.
//
// Job: run the benchmarks (run-benchmarks.ts; `--quick` for the bounded mode CI uses), compare every
// normalised figure with the committed baseline in perf/baselines/ (compare-baseline.ts); a micro
// figure beyond its tolerance is measured again, up to CONFIRMATIONS more times, keeping its best
// attempt (noise rarely repeats, a regression does); then write the run's report (reports/perf/
// gate.json and .csv), print baseline / now / change / verdict, and exit 1 when a figure still
// regressed. `--update-baselines` rewrites perf/baselines/*.json from this run instead of judging it
// (each figure the median of 5 attempts unless --attempts says otherwise, run-benchmarks.ts says why;
// merging when --filter is given).
//
// Flags: as bench.ts (--quick, --filter, --macro, --duration, --runs, --attempts, --name; default
// name `gate`), plus --update-baselines.
//
// Invariants: a figure without a baseline is NEW, never a failure; a baseline figure this run did not
// measure is NOT-MEASURED, never a failure; a benchmark that throws fails the gate (exit 1), since a
// broken benchmark is no evidence of speed (so does a macro run that failed or timed out); a baseline file that cannot be read fails the gate (exit
// 1) rather than counting as empty; the last stdout line is `perf gate: PASS|FAIL (...)`.
// Exit: 0 pass (or baselines written), 1 regression or failure, 2 bad flag.
//
// Not modelled: confirming macro figures (one run each; rerun the gate by hand, perf/README.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBaselines, updatedBaselines, writeBaselines } from './baselines.ts';
import type { BenchReport } from './bench-report.ts';
import { writeReport } from './bench-report.ts';
import { REPORTS_DIR, reportSummary } from './bench.ts';
import { compareAll, countVerdicts, gateFails, type Comparison } from './compare-baseline.ts';
import { gateTable } from './format-table.ts';
import { describeMachine } from './machine.ts';
import { remeasure, runBenchmarks } from './run-benchmarks.ts';
import { parseRunOptions, UsageError } from './run-options.ts';
import { relaunchWithFlags } from './v8-flags.ts';

export const BASELINES_DIR = fileURLToPath(new URL('./baselines', import.meta.url));
/** Extra measurements of a figure that looks regressed before it counts as regressed. */
export const CONFIRMATIONS = 4;
const UPDATE_ATTEMPTS = 5;

const USAGE = `usage: node perf/gate.ts [--quick] [--update-baselines] [--filter NAME] [--macro [--duration D] [--runs N]] [--name NAME]
  --quick             bounded mode (about 30 s of micro benchmarks): what CI runs
  --update-baselines  rewrite perf/baselines/<suite>.json from this run (tolerances kept)
  other flags as node perf/bench.ts --help
`;

export function main(argv: readonly string[]): number {
  let parsed;
  try {
    const updating = argv.includes('--update-baselines');
    parsed = parseRunOptions(argv, () => 'gate', ['update-baselines'], updating ? UPDATE_ATTEMPTS : 1);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`perf gate: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const baselines = readBaselines(BASELINES_DIR);
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const updating = parsed.flags['update-baselines'] === true;
  let report: BenchReport;
  let comparisons: Comparison[];
  try {
    report = runBenchmarks(updating ? { ...parsed.run, keep: 'median' } : parsed.run, log);
    comparisons = compareAll(baselines.figures, report.figures);
    for (let round = 1; round <= CONFIRMATIONS && !updating; round += 1) {
      const suspects = comparisons.filter((c) => c.verdict === 'regressed' && !c.name.startsWith('macro/')).map((c) => c.name);
      if (suspects.length === 0) break;
      log(`confirming ${suspects.length} figure(s) beyond tolerance (${round} of ${CONFIRMATIONS}): ${suspects.join(', ')}`);
      report = remeasure(report, suspects, log);
      comparisons = compareAll(baselines.figures, report.figures);
    }
  } catch (error) {
    process.stdout.write(`perf gate: a benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.stdout.write('perf gate: FAIL (a benchmark failed)\n');
    return 1;
  }
  writeReport(REPORTS_DIR, report);
  process.stdout.write(`${gateTable(comparisons, report.figures)}\n\n${reportSummary(report)}\n`);
  for (const file of baselines.files) {
    process.stdout.write(`baseline ${file.suite}: ${file.mode} mode on ${describeMachine(file.machine)}, calibration ${file.calibrationMs.toFixed(1)} ms, recorded ${file.recorded}\n`);
  }
  if (updating) {
    const written = writeBaselines(BASELINES_DIR, updatedBaselines(baselines.files, report, parsed.run.filter !== undefined));
    for (const file of written) process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
    process.stdout.write(`perf gate: baselines updated (${report.figures.length} figures)\n`);
    return 0;
  }
  for (const problem of baselines.problems) process.stdout.write(`perf gate: cannot read a baseline: ${problem}\n`);
  const counts = countVerdicts(comparisons);
  const failed = gateFails(comparisons) || baselines.problems.length > 0 || report.failed.length > 0;
  const summary = `${comparisons.length} figures: ${counts.ok} ok, ${counts.regressed} regressed, ${counts.improved} improved, ` +
    `${counts.new} new, ${counts['not-measured']} not measured, ${counts.invalid} invalid`;
  process.stdout.write(`perf gate: ${failed ? 'FAIL' : 'PASS'} (${summary})\n`);
  return failed ? 1 : 0;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  process.exitCode = relaunchWithFlags(fileURLToPath(import.meta.url), args) ?? main(args);
}
