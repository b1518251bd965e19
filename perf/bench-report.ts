// A benchmark run as one value, and the two files it is written to: reports/perf/<name>.json (all of
// it) and reports/perf/<name>.csv (one row per figure, machine columns repeated so files from several
// runs and machines concatenate).
//
// Job: define BenchReport; turn it into JSON and CSV text (pure); write both atomically (a temp file
// in the same folder, then a rename: a reader never sees half a file).
//
// Invariants: CSV columns are REPORT_CSV_COLUMNS in that order, numbers written in full precision
// (String(n)), empty for null; `calibration` says how `normalised` was made (paired, run, none:
// figure.ts) and `calibration_ms` is the run's calibration loop median; `\n` line ends; JSON is the report as it is, two-space indented, with
// a trailing newline.
//
// Not modelled: concurrent writers to one name (the last rename wins), fsync before the rename.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Figure, Spread } from './figure.ts';
import type { Machine } from './machine.ts';

export const REPORT_SCHEMA = 'meshsim-perf/1';

export interface CalibrationSummary extends Spread {
  /** Median of the repetitions before the benchmarks and of those after (drift while it ran). */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly rounds: number;
}

export interface BenchReport {
  readonly schema: typeof REPORT_SCHEMA;
  readonly name: string;
  readonly mode: 'quick' | 'full';
  /** ISO date of the run's start. */
  readonly started: string;
  readonly machine: Machine;
  /** CPU ms per repetition of the calibration loop (calibration.ts). */
  readonly calibration: CalibrationSummary;
  /** The machine's 1-minute load average (os.loadavg) when the run started and ended: how busy it was. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly figures: readonly Figure[];
  readonly references: readonly { readonly figure: string; readonly value: number; readonly unit: string; readonly text: string }[];
  /** Macro scenario files that are not there (never a failure). */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  /** Macro runs that failed or timed out. */
  readonly failed: readonly { readonly file: string; readonly reason: string }[];
}

export const REPORT_CSV_COLUMNS = [
  'name', 'suite', 'kind', 'unit', 'better', 'runs', 'median', 'min', 'q1', 'q3', 'max',
  'normalised', 'normalised_q1', 'normalised_q3', 'calibration', 'attempts', 'calibration_ms', 'mode', 'cpu', 'cores', 'node', 'commit', 'note',
] as const;

export function reportCsv(report: BenchReport): string {
  const m = report.machine;
  const rows = report.figures.map((f) => [
    f.name, f.suite, f.kind, f.unit, f.better, f.runs, f.median, f.min, f.q1, f.q3, f.max,
    f.normalised, f.normalisedSpread?.q1 ?? '', f.normalisedSpread?.q3 ?? '', f.calibration, f.attempts,
    report.calibration.median, report.mode, m.cpu, m.cores, m.node, m.commit ?? '', f.note ?? '',
  ].map(String));
  return stringify([[...REPORT_CSV_COLUMNS], ...rows], { record_delimiter: 'unix' });
}

export function reportJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** Writes `text` to `file` through a temp file in the same folder and a rename. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Writes `<dir>/<name>.json` and `<dir>/<name>.csv`; returns their paths. */
export function writeReport(dir: string, report: BenchReport): { json: string; csv: string } {
  const json = path.join(dir, `${report.name}.json`);
  const csv = path.join(dir, `${report.name}.csv`);
  writeFileAtomic(json, reportJson(report));
  writeFileAtomic(csv, reportCsv(report));
  return { json, csv };
}
