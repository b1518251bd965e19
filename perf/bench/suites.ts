// Every micro benchmark suite, in the order a run measures them (cheap state first, then the suites
// that share the generated meshes, which are dropped after the last of them).
//
// Job: the one list bench.ts and gate.ts run.
//
// Invariants: suite names are unique and are the baseline file names (perf/baselines/<name>.json).
//
// Not modelled: nothing; a list.
import { authorizationSuite } from './authorization.ts';
import { configGenerationSuite } from './config-generation.ts';
import { eventQueueSuite } from './event-queue.ts';
import type { MicroSuite } from './micro-suite.ts';
import { probeSuite } from './probe.ts';
import { routeSelectionSuite } from './route-selection.ts';

export const MICRO_SUITES: readonly MicroSuite[] = [
  eventQueueSuite,
  authorizationSuite,
  routeSelectionSuite,
  configGenerationSuite,
  probeSuite,
];
