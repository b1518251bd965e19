/**
 * Writes a run's report folder: requests.csv, pushes.csv, convergence.csv, proxies.csv, metrics.prom,
 * summary.json and report.html, all from one RunRecord.
 *
 * Invariants: all or nothing. The files are rendered in memory, written into a temporary sibling
 * folder, and that folder is renamed into place; an older report at the same path is moved aside first
 * and deleted only after the new one is in place (put back if the rename fails). On any error the
 * temporary folder is removed, so no half-written report is ever left. A folder that is not a meshsim
 * report (its report.html lacks our generator mark, or it has other files and no report.html) is never
 * replaced. Same record ⇒ same bytes in every file.
 *
 * Not modelled: concurrent writers to the same path (the last rename wins); crash-safety across power
 * loss (no fsync); between the two renames the path briefly does not exist.
 */
import {
  existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { RunRecord } from '../../sim/index.ts';
import { UserError } from '../user-error.ts';
import { convergenceCsv, proxiesCsv, pushesCsv, requestsCsv } from './csv-files.ts';
import { GENERATOR_META, htmlReport } from './html-report.ts';
import { prometheusText } from './prometheus.ts';
import { summarizeRun } from './summary.ts';

export interface ReportFile {
  /** File name inside the report folder. */
  readonly name: string;
  readonly content: string;
}

export interface WrittenReport {
  /** The report folder, absolute. */
  readonly dir: string;
  /** The file names written, in order. */
  readonly files: readonly string[];
}

/** Every file of the report, rendered in memory (pure: no I/O). */
export function renderReportFiles(record: RunRecord): ReportFile[] {
  const summary = { ...summarizeRun(record), verdicts: record.assertions };
  return [
    { name: 'requests.csv', content: requestsCsv(record) },
    { name: 'pushes.csv', content: pushesCsv(record) },
    { name: 'convergence.csv', content: convergenceCsv(record) },
    { name: 'proxies.csv', content: proxiesCsv(record) },
    { name: 'metrics.prom', content: prometheusText(record) },
    { name: 'summary.json', content: `${JSON.stringify(summary, null, 2)}\n` },
    { name: 'report.html', content: htmlReport(record) },
  ];
}

/** Renders the record and writes the report folder at `outDir` atomically (see the header). */
export function writeReport(record: RunRecord, outDir: string): WrittenReport {
  return writeReportFiles(renderReportFiles(record), outDir);
}

/** Throws a UserError when `target` exists and is not something we may replace. */
function assertReplaceable(target: string): void {
  if (!existsSync(target)) return;
  if (!lstatSync(target).isDirectory()) {
    throw new UserError(`cannot write the report to ${target}: it exists and is not a folder. Choose another --out.`);
  }
  const entries = readdirSync(target);
  if (entries.length === 0) return;
  const html = path.join(target, 'report.html');
  const ours = entries.includes('report.html') && lstatSync(html).isFile() &&
    readFileSync(html, 'utf8').slice(0, 4096).includes(GENERATOR_META);
  if (!ours) {
    throw new UserError(`cannot write the report to ${target}: the folder exists and is not a meshsim report, so it is left alone. Choose another --out or remove it.`);
  }
}

/** Moves `temp` to `target`, replacing an older report there; restores the old one if that fails. */
function swapInto(temp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(temp, target);
    return;
  }
  const old = `${temp}-old`;
  renameSync(target, old);
  try {
    renameSync(temp, target);
  } catch (error) {
    renameSync(old, target);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

/** Writes already rendered files as a report folder, all or nothing (exported for tests). */
export function writeReportFiles(files: readonly ReportFile[], outDir: string): WrittenReport {
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  mkdirSync(parent, { recursive: true });
  assertReplaceable(target);
  const temp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(temp);
  try {
    for (const file of files) writeFileSync(path.join(temp, file.name), file.content, 'utf8');
    swapInto(temp, target);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return { dir: target, files: files.map((f) => f.name) };
}
