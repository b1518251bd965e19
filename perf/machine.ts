// What machine a perf report or a baseline was measured on.
//
// Job: the CPU model and core count (os.cpus()), Node's version, platform, architecture, total
// memory, and the git commit (`git rev-parse HEAD`, read-only) when the tree is a git checkout.
//
// Invariants: never throws: without git, or outside a checkout, the commit is null.
//
// Not modelled: whether the working tree has uncommitted changes (that needs `git status`, which may
// write the index); CPU frequency scaling and the machine's load (the calibration loop stands in).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly memoryGiB: number;
  readonly commit: string | null;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

function gitCommit(): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    commit: gitCommit(),
  };
}

/** One line: `AMD EPYC 7B13, 2 cores, Node v24.21.0, linux/x64`. */
export function describeMachine(m: Pick<Machine, 'cpu' | 'cores' | 'node' | 'platform' | 'arch'>): string {
  return `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}/${m.arch}`;
}
