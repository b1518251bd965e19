// `npm run bench` (`node perf/bench.ts`): run the benchmarks, print a table, write the report.
//
// Job: parse the flags (run-options.ts), run (run-benchmarks.ts), print the figures with their
// spread and normalised values, the published figures printed beside ours, the macro scenarios
// skipped, the calibration and its drift; write reports/perf/<name>.json and .csv.
//
// Flags: --quick (bounded short runs), --filter NAME (figures whose name contains NAME), --macro
// (also the scale scenarios, each in a child process), --duration D and --runs N (macro), --attempts
// N (micro, best of N), --name NAME (default `bench`, or `bench-quick` with --quick).
//
// Invariants: progress goes to stderr, the table to stdout; exit 0 after a run, 1 when a benchmark
// or a macro run failed (its error is printed; the other figures are still reported), 2 for a bad
// flag.
//
// Not modelled: comparison with baselines (that is gate.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from './bench-report.ts';
import { writeReport } from './bench-report.ts';
import { benchTable, formatNumber } from './format-table.ts';
import { describeMachine } from './machine.ts';
import { runBenchmarks } from './run-benchmarks.ts';
import { parseRunOptions, UsageError } from './run-options.ts';
import { relaunchWithFlags } from './v8-flags.ts';

export const REPORTS_DIR = fileURLToPath(new URL('../reports/perf', import.meta.url));

const USAGE = `usage: node perf/bench.ts [--quick] [--filter NAME] [--macro [--duration D] [--runs N]] [--attempts N] [--name NAME]
  --quick        bounded short runs (a couple of seconds per benchmark)
  --filter NAME  only figures whose name contains NAME (e.g. event-queue, route-select/1000)
  --macro        also run the scale scenarios of scenarios/scale/, each in a child process
  --duration D   macro: simulated time per run (default: 5s with --quick, else the scenario's own)
  --runs N       macro: runs per scenario (default 1)
  --attempts N   measure the micro benchmarks N times (1-9; later ones in fresh processes), keep each figure's best
  --name NAME    report file name under reports/perf/ (default bench, or bench-quick)
`;

/** Load average per core above which a run is flagged as made on a busy machine. */
export const BUSY_LOAD_PER_CORE = 1.5;

export function busy(report: Pick<BenchReport, 'loadAverage' | 'machine'>): boolean {
  return Math.max(report.loadAverage.start, report.loadAverage.end) / Math.max(1, report.machine.cores) > BUSY_LOAD_PER_CORE;
}

/** The summary printed after the table: calibration, machine, references, skipped scenarios. */
export function reportSummary(report: BenchReport): string {
  const c = report.calibration;
  const drift = ((c.afterMs - c.beforeMs) / c.beforeMs) * 100;
  const lines = [
    `calibration loop: median ${formatNumber(c.median)} ms CPU (min ${formatNumber(c.min)}, max ${formatNumber(c.max)}, ${c.runs} runs); ` +
      `before ${formatNumber(c.beforeMs)} ms, after ${formatNumber(c.afterMs)} ms (drift ${drift >= 0 ? '+' : ''}${drift.toFixed(1)}%)`,
    `machine: ${describeMachine(report.machine)}, commit ${report.machine.commit ?? 'unknown'}, mode ${report.mode}, ` +
      `load average ${report.loadAverage.start.toFixed(1)} at the start, ${report.loadAverage.end.toFixed(1)} at the end`,
    'times and rates use the CPU time of the process (user + system); normalised = the median of each sample over the calibration slice run right after it ' +
      '(macro: over the child\'s calibration), in calibration loops per operation (times) or operations per calibration loop (rates); compare normalised figures (perf/README.md)',
  ];
  for (const r of report.references) {
    const ours = report.figures.find((f) => f.name === r.figure);
    lines.push(`beside ${r.figure}: ours ${ours === undefined ? '–' : `${formatNumber(ours.median)} ${ours.unit}`}; ${r.text}`);
  }
  if (busy(report)) {
    lines.push(`warning: the machine was busy (load average above ${BUSY_LOAD_PER_CORE} per core): figures with large working sets ` +
      '(1,000-service meshes, 10^6 events) read slow under CPU pressure, which the calibration does not cancel (perf/README.md)');
  }
  for (const s of report.skipped) lines.push(`skipped: ${s.reason}`);
  for (const f of report.failed) lines.push(`FAILED: ${f.reason}`);
  return lines.join('\n');
}

export function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseRunOptions(argv, (quick) => (quick ? 'bench-quick' : 'bench'), []);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let report: BenchReport;
  try {
    report = runBenchmarks(parsed.run, (line) => process.stderr.write(`${line}\n`));
  } catch (error) {
    process.stderr.write(`bench: a benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    return 1;
  }
  const files = writeReport(REPORTS_DIR, report);
  process.stdout.write(`${benchTable(report.figures)}\n\n${reportSummary(report)}\n`);
  process.stdout.write(`wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.csv)}\n`);
  return report.failed.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  process.exitCode = relaunchWithFlags(fileURLToPath(import.meta.url), args) ?? main(args);
}
