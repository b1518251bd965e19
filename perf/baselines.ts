// The committed baselines: perf/baselines/<suite>.json, one file per suite, read by the gate and
// rewritten by `npm run perf:gate -- --update-baselines`.
//
// Job: read every baseline file into one map by figure name; build the new files from a run
// (pure: `updatedBaselines`) and write them atomically.
//
// Invariants: a file names the machine, mode and calibration it was recorded with; figures are kept
// sorted by name, so a re-record shows as a small diff; an existing figure keeps its tolerance when
// re-recorded (tolerances are edited by hand, values by the tool); a filtered run (--filter) merges
// into the file, keeping the figures it did not measure, an unfiltered run replaces the suite's
// figures with the ones it measured. A file that cannot be read is a problem reported to the caller,
// never silently an empty baseline.
//
// Not modelled: baselines per machine (one set, from the machine named in each file).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './bench-report.ts';
import { writeFileAtomic } from './bench-report.ts';
import { defaultTolerance, type BaselineFigure } from './compare-baseline.ts';
import { describeMachine, type Machine } from './machine.ts';

export const BASELINE_SCHEMA = 'meshsim-perf-baseline/1';

export interface BaselineFile {
  readonly schema: typeof BASELINE_SCHEMA;
  readonly suite: string;
  readonly about: string;
  readonly machine: Machine;
  readonly mode: 'quick' | 'full';
  readonly calibrationMs: number;
  readonly recorded: string;
  readonly figures: Readonly<Record<string, BaselineFigure>>;
}

export interface LoadedBaselines {
  readonly figures: Map<string, BaselineFigure>;
  readonly files: BaselineFile[];
  readonly problems: string[];
}

export function readBaselines(dir: string): LoadedBaselines {
  const figures = new Map<string, BaselineFigure>();
  const files: BaselineFile[] = [];
  const problems: string[] = [];
  if (!existsSync(dir)) return { figures, files, problems };
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      const file = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as BaselineFile;
      if (file.schema !== BASELINE_SCHEMA || typeof file.figures !== 'object') throw new Error(`not a ${BASELINE_SCHEMA} file`);
      files.push(file);
      for (const [figure, value] of Object.entries(file.figures)) figures.set(figure, value);
    } catch (error) {
      problems.push(`${path.join(dir, name)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { figures, files, problems };
}

function sortedRecord(entries: Iterable<[string, BaselineFigure]>): Record<string, BaselineFigure> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What a baseline file says about itself (its first field after the suite). */
export function aboutText(report: Pick<BenchReport, 'mode' | 'machine'>): string {
  return `Recorded by \`npm run perf:gate -- ${report.mode === 'quick' ? '--quick ' : ''}--update-baselines\` on ${describeMachine(report.machine)} ` +
    `(machine.commit is HEAD at the time; the working tree may have had uncommitted changes). Each figure is the median of its attempts (fresh processes). ` +
    'The gate compares `normalised`: the median over samples of sample / its paired calibration slice (perf/figure.ts), ' +
    'so machine speed and load cancel; `median` is the raw value in `unit`, for reading. ' +
    'Tolerances are per figure and edited by hand (perf/README.md, "The gate and its tolerances"); re-recording keeps them.';
}

/** The baseline files a run gives: one per suite it measured. */
export function updatedBaselines(existing: readonly BaselineFile[], report: BenchReport, merge: boolean): BaselineFile[] {
  const suites = [...new Set(report.figures.map((f) => f.suite))];
  return suites.map((suite) => {
    const old = existing.find((f) => f.suite === suite);
    const figures = new Map<string, BaselineFigure>(merge && old !== undefined ? Object.entries(old.figures) : []);
    for (const f of report.figures.filter((x) => x.suite === suite)) {
      const tolerance = old?.figures[f.name]?.tolerance ?? defaultTolerance(f.name, f.kind);
      figures.set(f.name, { kind: f.kind, unit: f.unit, better: f.better, median: f.median, normalised: f.normalised, tolerance });
    }
    return {
      schema: BASELINE_SCHEMA,
      suite,
      about: aboutText(report),
      machine: report.machine,
      mode: report.mode,
      calibrationMs: report.calibration.median,
      recorded: report.started,
      figures: sortedRecord(figures),
    };
  });
}

export function writeBaselines(dir: string, files: readonly BaselineFile[]): string[] {
  return files.map((file) => {
    const target = path.join(dir, `${file.suite}.json`);
    writeFileAtomic(target, `${JSON.stringify(file, null, 2)}\n`);
    return target;
  });
}
