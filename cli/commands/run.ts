/**
 * `meshsim run <scenario.yaml>`: load and check the scenario, simulate it, write the report folder
 * (atomically), print the summary. A progress bar goes to stderr on a terminal (never in CI), so
 * stdout stays the summary alone.
 *
 * Exit codes: 0 every assertion held; 1 an assertion failed (the summary says which, with the numbers,
 * and how to replay); 2 the scenario or its manifests are wrong (diagnostics with file:line); 5 the run
 * outgrew memory (memory-guard.ts: what it was simulating, the peak, what to do; nothing written; when
 * V8's heap fills between two of the guard's samples, bin/meshsim.js's supervisor says the same,
 * supervise.ts).
 */
import path from 'node:path';
import { Simulation, StalledRunError, describeStall } from '../../sim/index.ts';
import type { Diagnostic } from '../../sim/index.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { formatDiagnostic } from '../format-diagnostics.ts';
import { createJwtVerifier } from '../jwt-verifier.ts';
import { formatSummary } from '../report/summary.ts';
import { writeReport } from '../report/write-report.ts';
import { formatMemoryUse, MemoryGuard } from '../memory-guard.ts';
import { terminalBar } from '../progress-bar.ts';
import { childProgressWriter, progressLine, remoteBar, STDERR_TTY_ENV } from '../supervise.ts';
import { EXIT, UserError } from '../user-error.ts';

export interface RunFlags {
  readonly seed?: string;
  readonly out?: string;
  readonly quiet?: boolean;
  readonly progress?: boolean;
  /** Check mode: the hot path's caches are checked against the reference code (also MESHSIM_CHECK=1). */
  readonly check?: boolean;
}

export function runScenario(file: string, flags: RunFlags, out: (text: string) => void, err: (text: string) => void): number {
  const seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
  const loaded = loadScenario(file, seed === undefined ? {} : { seed });
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  printDiagnostics(loaded.diagnostics, flags.quiet === true, err);
  if (loaded.scenario === null || errors.length > 0) {
    err(`meshsim: ${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was run and no report was written.\n`);
    return EXIT.badInput;
  }
  const scenario = loaded.scenario;
  const what = `The run of ${scenario.name} (${file})`;
  const supervisor = childProgressWriter();
  supervisor?.(progressLine('what', what));
  const bar = !showProgress(flags, supervisor !== null) ? null : supervisor === null ? terminalBar(scenario.name) : remoteBar(scenario.name, supervisor);
  const totalS = Math.ceil(scenario.durationUs / 1_000_000);
  bar?.start(totalS);
  const guard = new MemoryGuard(what, undefined, supervisor === null ? null : (nowUs, used, limit) => supervisor(progressLine('at', nowUs, used, limit)));
  const simulation = new Simulation(scenario, {
    verifier: createJwtVerifier(),
    check: flags.check === true || process.env['MESHSIM_CHECK'] === '1',
    progress: (nowUs: number) => {
      bar?.update(Math.floor(nowUs / 1_000_000));
      guard.sample(nowUs);
    },
  });
  let record;
  try {
    try {
      record = simulation.run();
    } catch (error) {
      // Virtual time stopped (the loop's watchdog): a user's scenario, told as one (exit 2).
      if (error instanceof StalledRunError) throw new UserError(describeStall(error, scenario));
      throw error;
    }
    bar?.update(totalS);
  } finally {
    bar?.stop();
  }
  const outDir = flags.out ?? path.join('reports', scenario.name);
  writeReport(record, outDir);
  out(formatSummary(record, outDir));
  // Machine figures, not results: on stderr, so stdout stays byte-identical between runs.
  if (flags.quiet !== true) err(`${formatMemoryUse(guard.use(), record.proxies.length, simulation.livePodCount)}\n`);
  return record.assertions.every((a) => a.passed) ? EXIT.ok : EXIT.failed;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seed) || seed > 0xffffffff) {
    throw new UserError(`--seed must be an integer from 0 to 4294967295, got "${text}".`);
  }
  return seed;
}

function printDiagnostics(diagnostics: readonly Diagnostic[], quiet: boolean, err: (text: string) => void): void {
  for (const d of diagnostics) {
    if (d.severity === 'info' || (quiet && d.severity !== 'error')) continue;
    err(`${formatDiagnostic(d)}\n`);
  }
}

/** A bar only for a person watching: a terminal on stderr (the supervisor's, when supervised), and not CI. */
function showProgress(flags: RunFlags, supervised: boolean): boolean {
  if (flags.progress === false || flags.quiet === true) return false;
  const terminal = supervised ? process.env[STDERR_TTY_ENV] === '1' : process.stderr.isTTY === true;
  return terminal && process.env['CI'] === undefined;
}
