// The fuzz campaign's targets: what a case is, how to run it and how to make it one step smaller.
// `mesh`: mutated manifests with a probe and batch lines (fuzz-case.ts), through `validate` and
// `probe`; `scenario`: mutated scenario files (scenario-case.ts), through `run`; `canary`: the
// campaign's own check, cases that pass, fail or never end, so the runner's verdicts can be tested.
import fc from 'fast-check';
import { fuzzCase, meshSweep, runCase, shrinkMeshCase } from './fuzz-case.ts';
import type { FuzzCase, FuzzFailure } from './fuzz-case.ts';
import { runScenarioCase, scenarioCase, scenarioSweep, shrinkScenario } from './scenario-case.ts';
import type { ScenarioCase } from './scenario-case.ts';

export interface Target<C> {
  readonly arbitrary: fc.Arbitrary<C>;
  /** Every single mutation of the valid input, in a fixed order (the exhaustive sweep). */
  sweep(): C[];
  run(c: C): FuzzFailure | null;
  /** Candidates one step smaller than `c` (fewer documents, lines, list items or fields). */
  shrink(c: C): C[];
  /** How the case reads in a report: the files to write to replay it by hand. */
  show(c: C): string;
}

export const TARGETS = {
  mesh: {
    arbitrary: fuzzCase,
    sweep: meshSweep,
    run: runCase,
    shrink: shrinkMeshCase,
    show: (c: FuzzCase) => `probe flags: ${c.probe.join(' ')}\nbatch lines:\n${c.batch}manifests:\n${c.manifests}`,
  } satisfies Target<FuzzCase>,
  scenario: {
    arbitrary: scenarioCase,
    sweep: scenarioSweep,
    run: runScenarioCase,
    shrink: shrinkScenario,
    show: (c: ScenarioCase) => `scenario:\n${c.text}`,
  } satisfies Target<ScenarioCase>,
  canary: {
    arbitrary: fc.integer({ min: 0, max: 9 }),
    sweep: () => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    run: (n: number) => {
      if (n === 9) for (;;); // never ends: the budget must catch it
      return n >= 7 ? { signature: `canary: ${n}`, detail: `case ${n} fails` } : null;
    },
    shrink: (n: number) => (n > 7 ? [n - 1] : []),
    show: (n: number) => `case ${n}`,
  } satisfies Target<number>,
} as const;

export type TargetName = keyof typeof TARGETS;

export function targetOf(name: TargetName): Target<unknown> {
  return TARGETS[name] as unknown as Target<unknown>;
}

/**
 * The smallest case reached from `c` by greedy steps of `shrink` that still fails with `signature`,
 * running at most `attempts` candidates. Deterministic: candidates are tried in the order given.
 */
export function minimize<C>(target: Target<C>, c: C, signature: string, attempts = 300): C {
  let current = c;
  let left = attempts;
  for (let improved = true; improved && left > 0;) {
    improved = false;
    for (const candidate of target.shrink(current)) {
      if (left === 0) break;
      left -= 1;
      if (target.run(candidate)?.signature === signature) {
        current = candidate;
        improved = true;
        break;
      }
    }
  }
  return current;
}
