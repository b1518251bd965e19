// One macro run, in its own process: `node perf/macro-child.ts <scenario.yaml> [--duration-us N]`.
// perf/macro.ts starts it, so the peak RSS it reports is this run's alone.
//
// Job: load the scenario (scenarios/load-scenario.ts), optionally override its duration, run
// `new Simulation(scenario, {}).run()`, and print one line `@@meshsim-perf-macro <json>` with what
// the RunRecord holds (events, requests, proxies) and what this process measured: CPU time of the
// load, of building the Simulation, of its run, and of the whole process; RSS at start, after the
// load, and the peak (process.resourceUsage().maxRSS); the calibration loop (calibration.ts), three
// times before the load and three after the run, so the run's figures are normalised by a
// calibration measured in the same process.
//
// Invariants: CPU is process.cpuUsage() (user + system, every thread), read around each phase; the
// peak RSS is read before the second calibration (which allocates little anyway); `process` CPU
// includes the calibrations;
// "simulation" CPU is build + run, excluding the load (YAML parsing and validation); the JSON line is
// the last thing written to stdout. Exit 0 after a run, 2 when the scenario has error diagnostics, 4
// on an internal error (the stack goes to stderr).
//
// Not modelled: pods without a sidecar (the RunRecord lists proxies, not pods), heap statistics
// beyond the peak RSS.
import { loadScenario } from '../scenarios/load-scenario.ts';
import { measureCalibration, poolCalibrations } from './calibration.ts';
import { Simulation } from '../sim/index.ts';

export const MACRO_RESULT_MARKER = '@@meshsim-perf-macro ';
const CALIBRATION_REPETITIONS = 3;

export interface MacroChildResult {
  readonly file: string;
  readonly scenario: string;
  readonly durationUs: number;
  readonly events: number;
  readonly requests: number;
  readonly proxies: number;
  readonly cpuUs: { readonly load: number; readonly build: number; readonly run: number; readonly simulation: number; readonly process: number };
  readonly wallSimulationMs: number;
  readonly rssKb: { readonly start: number; readonly loaded: number; readonly peak: number };
  /** Median CPU ms of the calibration loop in this process (before the load and after the run). */
  readonly calibrationMs: number;
}

function cpuSinceUs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

function main(args: readonly string[]): number {
  const [file, flag, value] = args;
  if (file === undefined || (flag !== undefined && flag !== '--duration-us')) {
    process.stderr.write('usage: node perf/macro-child.ts <scenario.yaml> [--duration-us N]\n');
    return 2;
  }
  const durationOverride = flag === undefined ? null : Number(value);
  if (durationOverride !== null && !(Number.isSafeInteger(durationOverride) && durationOverride > 0)) {
    process.stderr.write(`--duration-us takes a positive whole number of µs, not ${value}\n`);
    return 2;
  }
  const rssStartKb = process.memoryUsage.rss() / 1024;
  const calibrationBefore = measureCalibration(CALIBRATION_REPETITIONS);
  const loadStart = process.cpuUsage();
  const { scenario, diagnostics } = loadScenario(file);
  const load = cpuSinceUs(loadStart);
  if (scenario === null) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    process.stderr.write(`${file}: ${errors.length} error(s); first: ${errors[0]?.message ?? '?'}\n`);
    return 2;
  }
  const rssLoadedKb = process.memoryUsage.rss() / 1024;
  const durationUs = durationOverride ?? scenario.durationUs;
  const buildStart = process.cpuUsage();
  const wallStart = performance.now();
  const simulation = new Simulation({ ...scenario, durationUs }, {});
  const build = cpuSinceUs(buildStart);
  const runStart = process.cpuUsage();
  const record = simulation.run();
  const run = cpuSinceUs(runStart);
  const wallSimulationMs = performance.now() - wallStart;
  const peakKb = process.resourceUsage().maxRSS;
  const calibration = poolCalibrations(calibrationBefore, measureCalibration(CALIBRATION_REPETITIONS));
  const total = process.cpuUsage();
  const result: MacroChildResult = {
    file,
    scenario: scenario.name,
    durationUs,
    events: record.events,
    requests: record.requests.reduce((sum, r) => sum + r.count, 0),
    proxies: record.proxies.length,
    cpuUs: { load, build, run, simulation: build + run, process: total.user + total.system },
    wallSimulationMs,
    rssKb: { start: Math.round(rssStartKb), loaded: Math.round(rssLoadedKb), peak: peakKb },
    calibrationMs: calibration.median,
  };
  process.stdout.write(`${MACRO_RESULT_MARKER}${JSON.stringify(result)}\n`);
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 4;
  }
}
