/**
 * The start-up cost of the `meshsim` command: the median CPU time (user + sys) of
 * `node bin/meshsim.js --help` over N runs. `node perf/startup.ts [N]` prints it (N defaults to 5);
 * `medianStartupCpuMs` returns it in ms for a benchmark harness.
 *
 * How it measures: Node reports CPU time only for its own process (`process.cpuUsage`,
 * `process.resourceUsage`), not for its children, so this reads the Linux kernel's count instead:
 * `/proc/self/stat` fields cutime and cstime are the CPU time of this process's children that have
 * been waited for, and `spawnSync` waits for its child in this process, so the difference around one
 * `spawnSync` is that child's CPU time, as `/usr/bin/time` would print it.
 *
 * Invariants: one run is one fresh Node process, measured with nothing else spawned in between; a run
 * that exits non-zero throws rather than counting. It measures whatever bin/meshsim.js runs: dist/
 * when built (the figure to watch), else the TypeScript sources (the report says which).
 *
 * Not modelled: platforms without /proc (macOS, Windows: it throws); resolution finer than one
 * clock tick (USER_HZ, 10 ms on Linux); noise from other work on a shared machine (take the median
 * of more runs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/meshsim.js', import.meta.url));
const COMPILED_ENTRY = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/** CPU time of this process's waited-for children so far, in clock ticks (`/proc/self/stat`). */
function childrenCpuTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
  // so cutime (field 16) and cstime (field 17) are at 13 and 14 here.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

function clockTicksPerSecond(): number {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(answer.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** CPU time (user + sys, ms) of each of `runs` runs of `node bin/meshsim.js ...args`. */
export function startupCpuSamplesMs(runs: number, args: readonly string[] = ['--help']): number[] {
  if (!existsSync('/proc/self/stat')) {
    throw new Error('perf/startup.ts reads /proc/self/stat, which this platform does not have (Linux only).');
  }
  const msPerTick = 1000 / clockTicksPerSecond();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const before = childrenCpuTicks();
    const run = spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const after = childrenCpuTicks();
    if (run.status !== 0) {
      throw new Error(`node bin/meshsim.js ${args.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr}`);
    }
    samples.push((after - before) * msPerTick);
  }
  return samples;
}

/** The median CPU time (user + sys, ms) of `node bin/meshsim.js --help` over `runs` runs. */
export function medianStartupCpuMs(runs = 5, args: readonly string[] = ['--help']): number {
  return median(startupCpuSamplesMs(runs, args));
}

if (import.meta.main) {
  const runs = Number(process.argv[2] ?? '5');
  if (!Number.isInteger(runs) || runs < 1) {
    process.stderr.write(`usage: node perf/startup.ts [RUNS]   (RUNS a positive whole number, not "${process.argv[2]}")\n`);
    process.exit(2);
  }
  const samples = startupCpuSamplesMs(runs);
  const what = existsSync(COMPILED_ENTRY) ? 'dist/' : 'the TypeScript sources (no dist/; run npm run build)';
  process.stdout.write(
    `node bin/meshsim.js --help, running ${what}: median ${median(samples)} ms CPU (user+sys) ` +
      `over ${runs} runs [${samples.join(', ')}]\n`,
  );
}
