// Macro benchmarks: whole scenario runs, each in a child process (macro-child.ts), so a run's peak
// RSS and CPU are its own; then the growth exponent of CPU time and memory over mesh size.
//
// Job: for each scale scenario (scenarios/scale/: the reference mesh and the 1k/3k/10k churn runs,
// unscoped and `-scoped`), skip it with a plain message when the file is not there, else run it
// `runs` times (duration overridden when asked; quick mode: 5 s of simulated time) and report:
// - `rtf`: simulated seconds per CPU second of the simulation (build + run): the real-time factor;
// - `events-rate`, `requests-rate`: events and requests simulated per CPU second;
// - `cpu-simulation`, `cpu-process`: CPU seconds of the simulation and of the whole child process;
// - `peak-rss` (MiB) and `rss-per-proxy` (KiB: peak RSS above the child's RSS at start, over the
//   proxies of the RunRecord);
// then per family (unscoped, scoped) with two or more sizes, `growth/…-cpu-exponent` and
// `growth/…-rss-exponent`: least squares on log-log over services (fit-growth.ts).
//
// Invariants: children run with the benchmark V8 flags (v8-flags.ts); a child that fails or times out is reported with its stderr tail and fails the run;
// a missing file is never a failure; sizes come from the file names (`churn-3k` → 3,000 services).
//
// Not modelled: memory per pod (the RunRecord lists proxies, not pods; in the generated scale meshes
// every pod has a sidecar, so per proxy ≈ per pod); wall-clock rates (CPU only: the machines are
// shared); several scenarios at once (runs are sequential).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FigureInput } from './figure.ts';
import { summarise } from './figure.ts';
import { fitGrowth } from './fit-growth.ts';
import { MACRO_RESULT_MARKER, type MacroChildResult } from './macro-child.ts';
import { BENCH_V8_FLAGS } from './v8-flags.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./macro-child.ts', import.meta.url));

export const SCALE_SCENARIOS: readonly string[] = [
  'scenarios/scale/reference-mesh.yaml',
  'scenarios/scale/churn-1k.yaml',
  'scenarios/scale/churn-1k-scoped.yaml',
  'scenarios/scale/churn-3k.yaml',
  'scenarios/scale/churn-3k-scoped.yaml',
  'scenarios/scale/churn-10k.yaml',
  'scenarios/scale/churn-10k-scoped.yaml',
];
export const QUICK_DURATION_US = 5_000_000;
const TIMEOUT_MS = { quick: 180_000, full: 3_600_000 } as const;

export interface MacroOptions {
  readonly quick: boolean;
  /** Overrides every scenario's duration; null: quick mode's 5 s, or the scenario's own. */
  readonly durationUs: number | null;
  readonly runs: number;
  readonly filter: string | undefined;
  /** Repository-relative scenario files; default SCALE_SCENARIOS. */
  readonly files?: readonly string[];
}

export interface MacroResult {
  readonly figures: FigureInput[];
  /** Scenario files that are not there: said plainly, never a failure. */
  readonly skipped: { readonly file: string; readonly reason: string }[];
  /** Runs that failed or timed out: the other scenarios still run; the gate fails on these. */
  readonly failed: { readonly file: string; readonly reason: string }[];
  readonly runs: MacroChildResult[];
}

/** The heap each run may use: the scale workloads' memory target (8 GiB), not Node's default (about 4 GiB). */
export const MACRO_HEAP_MB = 8192;

function runChild(file: string, durationUs: number | null, timeoutMs: number): MacroChildResult {
  const args = [...BENCH_V8_FLAGS, `--max-old-space-size=${MACRO_HEAP_MB}`, childScript, path.join(repoRoot, file), ...(durationUs === null ? [] : ['--duration-us', String(durationUs)])];
  const child = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout?.split('\n').reverse().find((l) => l.startsWith(MACRO_RESULT_MARKER));
  if (child.status !== 0 || line === undefined) {
    const why = child.error !== undefined ? child.error.message : `exit ${child.status ?? child.signal}`;
    const lines = (child.stderr ?? '').trim().split('\n');
    // V8's fatal errors (heap out of memory) come before a long native stack: keep that line.
    const fatal = lines.find((l) => /FATAL ERROR|out of memory|^\w*Error\b/.test(l));
    const tail = [...(fatal === undefined ? [] : [fatal.trim()]), ...lines.slice(-4)].join('\n').trim();
    throw new Error(`macro run of ${file} failed (${why})${tail === '' ? '' : `:\n${tail}`}`);
  }
  return JSON.parse(line.slice(MACRO_RESULT_MARKER.length)) as MacroChildResult;
}

/** The figures of one scenario from its runs (one sample per run). */
export function macroFigures(name: string, runs: readonly MacroChildResult[]): FigureInput[] {
  const cpuS = (r: MacroChildResult) => r.cpuUs.simulation / 1e6;
  const first = runs[0]!;
  const about = `${first.proxies} proxies, ${(first.durationUs / 1e6).toFixed(1)} s simulated`;
  const calibrationMs = runs.map((r) => r.calibrationMs);
  const f = (metric: string, kind: FigureInput['kind'], unit: string, value: (r: MacroChildResult) => number, note: string): FigureInput =>
    ({ name: `macro/${name}/${metric}`, kind, unit, samples: runs.map(value), calibrationMs, note });
  return [
    f('rtf', 'rate', 'sim-s/s', (r) => r.durationUs / 1e6 / cpuS(r), `simulated seconds per CPU second (build + run), ${about}`),
    f('events-rate', 'rate', 'events/s', (r) => r.events / cpuS(r), `${first.events} events per run`),
    f('requests-rate', 'rate', 'requests/s', (r) => r.requests / cpuS(r), `${first.requests} requests per run`),
    f('cpu-simulation', 'time', 's', cpuS, 'CPU seconds of new Simulation() + run()'),
    f('cpu-process', 'time', 's', (r) => r.cpuUs.process / 1e6, 'CPU seconds of the whole child process (startup, load, simulation)'),
    f('peak-rss', 'bytes', 'MiB', (r) => r.rssKb.peak / 1024, 'process.resourceUsage().maxRSS of the child'),
    f('rss-per-proxy', 'bytes', 'KiB', (r) => (r.rssKb.peak - r.rssKb.start) / Math.max(1, r.proxies), `peak RSS above the child's RSS at start, over ${first.proxies} proxies`),
  ];
}

/** `churn-3k-scoped` → { family: 'churn-scoped', services: 3000 }; null for other names. */
export function churnSize(name: string): { family: string; services: number } | null {
  const m = /^churn-(\d+)k(-scoped)?$/.exec(name);
  return m === null ? null : { family: m[2] === undefined ? 'churn' : 'churn-scoped', services: Number(m[1]) * 1000 };
}

/** Growth exponents of CPU and peak RSS over services, per churn family with two sizes or more. */
export function growthFigures(byScenario: ReadonlyMap<string, readonly MacroChildResult[]>): FigureInput[] {
  const families = new Map<string, { services: number; cpu: number; rss: number }[]>();
  for (const [name, runs] of byScenario) {
    const size = churnSize(name);
    if (size === null || runs.length === 0) continue;
    const points = families.get(size.family) ?? [];
    points.push({
      services: size.services,
      cpu: summarise(runs.map((r) => r.cpuUs.simulation / 1e6)).median,
      rss: summarise(runs.map((r) => r.rssKb.peak)).median,
    });
    families.set(size.family, points);
  }
  const out: FigureInput[] = [];
  for (const [family, points] of [...families].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (new Set(points.map((p) => p.services)).size < 2) continue;
    const sizes = points.map((p) => p.services).sort((a, b) => a - b).join('/');
    for (const [metric, pick] of [['cpu', (p: typeof points[number]) => p.cpu], ['rss', (p: typeof points[number]) => p.rss]] as const) {
      const fit = fitGrowth(points.map((p) => ({ x: p.services, y: pick(p) })));
      out.push({
        name: `macro/growth/${family}-${metric}-exponent`, kind: 'exponent', unit: '', samples: [fit.exponent],
        note: `${metric === 'cpu' ? 'CPU s of the simulation' : 'peak RSS'} ∝ services^b over ${sizes} services (least squares on log-log, R² ${fit.r2.toFixed(3)})`,
      });
    }
  }
  return out;
}

export function runMacro(options: MacroOptions, log: (line: string) => void): MacroResult {
  const skipped: MacroResult['skipped'] = [];
  const failed: MacroResult['failed'] = [];
  const figures: FigureInput[] = [];
  const all: MacroChildResult[] = [];
  const byScenario = new Map<string, MacroChildResult[]>();
  const durationUs = options.durationUs ?? (options.quick ? QUICK_DURATION_US : null);
  for (const file of options.files ?? SCALE_SCENARIOS) {
    const name = path.basename(file).replace(/\.ya?ml$/, '');
    if (options.filter !== undefined && !`macro/${name}`.includes(options.filter) && !'macro/growth'.includes(options.filter)) continue;
    if (!existsSync(path.join(repoRoot, file))) {
      const reason = `${file} is not there (yet): skipped`;
      log(`  macro/${name}: ${reason}`);
      skipped.push({ file, reason });
      continue;
    }
    const runs: MacroChildResult[] = [];
    try {
      for (let i = 0; i < options.runs; i += 1) {
        log(`  macro/${name}: run ${i + 1} of ${options.runs}${durationUs === null ? '' : `, ${durationUs / 1e6} s simulated`}`);
        runs.push(runChild(file, durationUs, options.quick ? TIMEOUT_MS.quick : TIMEOUT_MS.full));
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`  macro/${name}: ${reason}`);
      failed.push({ file, reason });
      continue;
    }
    byScenario.set(name, runs);
    all.push(...runs);
    figures.push(...macroFigures(name, runs));
  }
  figures.push(...growthFigures(byScenario));
  return { figures, skipped, failed, runs: all };
}
