// The V8 flags every benchmark process runs with, and the relaunch that applies them.
//
// Job: `--single-threaded` keeps V8's background work (concurrent and parallel GC, background
// Sparkplug/Maglev/TurboFan compilation) on the main thread. Two reasons, both measured on a loaded
// 2-core machine: the process CPU clock (cpu-clock.ts) no longer counts helper threads running beside
// the benchmark, and when code gets optimised no longer depends on how busy the machine is (a
// background compile starved by other processes left some runs measuring unoptimised code, 2x
// slower). `--expose-gc` lets the runner start every task, and the samples of allocation-heavy tasks,
// from a collected heap (run-micro.ts), so a major GC owed by earlier work does not land in them.
// `relaunchWithFlags` re-runs the current script with the flags when it was started
// without them (V8 reads them at start-up, so they cannot be set later).
//
// Invariants: the relaunched child inherits stdio and arguments; its exit code (1 for a signal) is
// the parent's; a process that already has the flags is never relaunched.
//
// Not modelled: production's threading (a run with helper threads has the same CPU total but a
// shorter wall time; figures are CPU time, so they stay comparable).
import { spawnSync } from 'node:child_process';

export const BENCH_V8_FLAGS: readonly string[] = ['--single-threaded', '--expose-gc'];

export function hasBenchFlags(execArgv: readonly string[] = process.execArgv): boolean {
  return BENCH_V8_FLAGS.every((flag) => execArgv.includes(flag));
}

/** Runs `script` again with the flags and returns its exit code; null when this process has them. */
export function relaunchWithFlags(script: string, args: readonly string[]): number | null {
  if (hasBenchFlags()) return null;
  const child = spawnSync(process.execPath, [...process.execArgv, ...BENCH_V8_FLAGS, script, ...args], { stdio: 'inherit' });
  if (child.error !== undefined) throw child.error;
  return child.status ?? 1;
}
