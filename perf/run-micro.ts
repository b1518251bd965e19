// Runs micro benchmark suites with tinybench and turns each task's samples into a FigureInput.
//
// Job: for every group with a task the selection takes: prepare its state (untimed), run its tasks
// with tinybench (it drives warm-up, the time budget and the sample count), add the group's derived
// figures, then let the state go. Each iteration times one call of the task (a batch of `ops`
// operations) on the process CPU clock (cpu-clock.ts) and then a calibration slice (calibration.ts),
// so every sample carries the calibration measured under the same load; a sample is converted to
// the task's unit per operation. Every task's run phase starts from a collected heap, and so does
// every sample of a task that asks for it (when the process runs with --expose-gc, see v8-flags.ts).
//
// Invariants: a task's samples are per operation (time) or operations per CPU second (rate); only
// the run phase is recorded (not tinybench's warm-up); quick mode only lowers the time budget and
// sample counts, never changes what one operation is; a task that throws fails the run (tinybench
// `throws`), it is never reported as fast.
//
// Not modelled: interleaving tasks to spread slow drift across them (tasks run one after the other;
// the gate re-measures instead, gate.ts); tinybench's own statistics (they time task and slice
// together; ours time them apart).
import { Bench } from 'tinybench';
import { calibrationSlice, sliceAsLoopMs } from './calibration.ts';
import { cpuNowMs } from './cpu-clock.ts';
import type { FigureInput } from './figure.ts';
import type { MicroGroup, MicroSuite, MicroTask, Mode, Reference } from './bench/micro-suite.ts';

/** tinybench's budget per task: CPU ms of iterations (task + slice), and the least number of them. */
export const BUDGET = {
  quick: { time: 300, iterations: 6, warmupTime: 120, warmupIterations: 3 },
  full: { time: 2500, iterations: 20, warmupTime: 500, warmupIterations: 5 },
} as const;

export interface MicroResult {
  readonly figures: FigureInput[];
  readonly references: { readonly figure: string; readonly reference: Reference }[];
}

/** Which figures to measure, by full name (`group/task`). */
export type Selection = (figureName: string) => boolean;

// Every task's result is added here, so no timed call is dead code.
let sink = 0;

/** What the timed calls returned, summed; read it so the work stays observable. */
export function sinkValue(): number {
  return sink;
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

const MS_PER_UNIT: Readonly<Record<string, number>> = { 'ns/op': 1e-6, 'µs/op': 1e-3, 'ms/op': 1 };

/** One sample (ms of CPU for one call of `ops` operations) in the task's unit. */
export function perOperation(task: Pick<MicroTask, 'ops' | 'report'>, sampleMs: number): number {
  if (task.report.kind === 'rate') return task.ops / (sampleMs / 1000);
  return sampleMs / task.ops / MS_PER_UNIT[task.report.unit]!;
}

/** `--filter NAME`: figures whose name contains NAME (all without one). */
export function byFilter(filter: string | undefined): Selection {
  return (name) => filter === undefined || name.includes(filter);
}

/** The groups of these figures, whole (a derived figure needs its group's tasks). */
export function byGroupsOf(figureNames: Iterable<string>): Selection {
  const groups = new Set([...figureNames].map((n) => n.slice(0, n.lastIndexOf('/'))));
  return (name) => groups.has(name.slice(0, name.lastIndexOf('/')));
}

function addTask(bench: Bench, task: MicroTask, times: { taskMs: number[]; sliceMs: number[] }): void {
  let recording = false;
  const before = task.before;
  const collect = task.collectBefore === true ? collectGarbage : undefined;
  bench.add(task.name, () => {
    const start = cpuNowMs();
    sink += task.run();
    const ran = cpuNowMs();
    sink += calibrationSlice();
    const sliced = cpuNowMs();
    if (recording) {
      times.taskMs.push(ran - start);
      times.sliceMs.push(sliced - ran);
    }
  }, {
    beforeAll: (mode) => {
      recording = mode === 'run';
      if (recording) collectGarbage?.();
    },
    ...(before === undefined && collect === undefined ? {} : { beforeEach: () => { before?.(); collect?.(); } }),
  });
}

function runGroup(group: MicroGroup, mode: Mode, select: Selection, log: (line: string) => void): MicroResult {
  const wanted = group.taskNames.filter((t) => select(`${group.name}/${t}`));
  const figures: FigureInput[] = [];
  const references: MicroResult['references'] = [];
  if (wanted.length === 0) return { figures, references };
  log(`  ${group.name}: preparing`);
  const tasks = group.prepare().filter((t) => wanted.includes(t.name));
  const bench = new Bench({ now: cpuNowMs, throws: true, ...(mode.quick ? BUDGET.quick : BUDGET.full) });
  const recorded = new Map<string, { taskMs: number[]; sliceMs: number[] }>();
  for (const task of tasks) {
    const times = { taskMs: [] as number[], sliceMs: [] as number[] };
    recorded.set(task.name, times);
    addTask(bench, task, times);
  }
  bench.runSync();
  const measured = new Map<string, FigureInput>();
  for (const task of tasks) {
    const state = bench.getTask(task.name)?.result.state;
    const times = recorded.get(task.name)!;
    if (state !== 'completed' || times.taskMs.length === 0) {
      throw new Error(`${group.name}/${task.name}: no samples (tinybench state ${state ?? 'missing'})`);
    }
    const figure: FigureInput = {
      name: `${group.name}/${task.name}`, kind: task.report.kind, unit: task.report.unit,
      samples: times.taskMs.map((ms) => perOperation(task, ms)),
      calibrationMs: times.sliceMs.map(sliceAsLoopMs),
      ...(task.note === undefined ? {} : { note: task.note }),
    };
    measured.set(task.name, figure);
    figures.push(figure);
    if (task.reference !== undefined) references.push({ figure: figure.name, reference: task.reference });
  }
  for (const derived of group.derive?.(measured) ?? []) figures.push({ ...derived, name: `${group.name}/${derived.name}` });
  log(`  ${group.name}: ${figures.length} figure(s)`);
  return { figures, references };
}

export function runMicroSuites(suites: readonly MicroSuite[], mode: Mode, select: Selection, log: (line: string) => void): MicroResult {
  const figures: FigureInput[] = [];
  const references: MicroResult['references'] = [];
  for (const suite of suites) {
    for (const group of suite.groups(mode)) {
      const result = runGroup(group, mode, select, log);
      figures.push(...result.figures);
      references.push(...result.references);
    }
  }
  return { figures, references };
}
