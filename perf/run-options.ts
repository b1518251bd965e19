// The command-line flags bench.ts and gate.ts share, read with node:util parseArgs.
//
// Job: read `--quick`, `--filter NAME`, `--macro`, `--duration D` (macro runs, Go duration syntax as
// in scenario files), `--runs N` (macro runs per scenario), `--attempts N` (measure the micro suites N
// times, keep each figure's best), `--name NAME` (the report's file name),
// plus the extra boolean flags a command declares; refuse anything else with a usage message.
//
// Invariants: a bad flag or value throws a UsageError (the commands exit 2 on it); the report name
// is a plain file name (letters, digits, `.`, `_`, `-`), so it cannot leave reports/perf/.
//
// Not modelled: configuration files, environment variables.
import { parseArgs } from 'node:util';
import { parseDuration } from '../sim/index.ts';
import type { RunOptions } from './run-benchmarks.ts';

export class UsageError extends Error {}

export interface ParsedRun {
  readonly run: RunOptions;
  readonly flags: Readonly<Record<string, boolean>>;
  readonly help: boolean;
}

export function parseRunOptions(argv: readonly string[], defaultName: (quick: boolean) => string, extraFlags: readonly string[], defaultAttempts = 1): ParsedRun {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' }, macro: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        filter: { type: 'string' }, duration: { type: 'string' }, runs: { type: 'string' }, name: { type: 'string' },
        attempts: { type: 'string' },
        ...Object.fromEntries(extraFlags.map((f) => [f, { type: 'boolean' as const }])),
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const quick = values['quick'] === true;
  const name = typeof values['name'] === 'string' ? values['name'] : defaultName(quick);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) throw new UsageError(`--name takes a plain file name (letters, digits, . _ -), not "${name}"`);
  const durationText = values['duration'];
  let macroDurationUs: number | null = null;
  if (typeof durationText === 'string') {
    const parsed = parseDuration(durationText);
    if (parsed === null || !(parsed > 0)) throw new UsageError(`--duration takes a positive duration such as 10s or 1m30s, not "${durationText}"`);
    macroDurationUs = parsed;
  }
  const runsText = values['runs'] ?? '1';
  if (typeof runsText !== 'string' || !/^[1-9]\d*$/.test(runsText)) throw new UsageError(`--runs takes a positive whole number, not "${String(runsText)}"`);
  const attemptsText = values['attempts'];
  if (attemptsText !== undefined && (typeof attemptsText !== 'string' || !/^[1-9]$/.test(attemptsText))) {
    throw new UsageError(`--attempts takes a whole number from 1 to 9, not "${String(attemptsText)}"`);
  }
  const filter = typeof values['filter'] === 'string' ? values['filter'] : undefined;
  return {
    run: {
      name, quick, filter, attempts: attemptsText === undefined ? defaultAttempts : Number(attemptsText),
      macro: values['macro'] === true, macroDurationUs, macroRuns: Number(runsText),
    },
    flags: Object.fromEntries(extraFlags.map((f) => [f, values[f] === true])),
    help: values['help'] === true,
  };
}
