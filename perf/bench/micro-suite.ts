// The shape of a micro benchmark: suites of groups of tasks, as perf/bench/* modules export them and
// perf/run-micro.ts runs them.
//
// Job: name the parts. A suite is one baseline file (`perf/baselines/<suite>.json`); a group shares
// state that is expensive to build (a 1,000-service mesh, a heap of 10^6 events) between its tasks;
// a task is one figure: a batch of `ops` operations per timed call.
//
// Invariants: a figure's name is `<group>/<task>`, and a group's name starts with its suite's name;
// `taskNames` lists the tasks `prepare` will return, in order, so a filter can skip a group without
// building its state; `prepare` is not timed, nor is `before`.
//
// Not modelled: asynchronous tasks (every task here is synchronous CPU work).
import type { FigureInput } from '../figure.ts';

export interface Mode {
  /** Bounded short runs (the gate's mode): fewer samples, same figures. */
  readonly quick: boolean;
}

/** A published figure printed beside ours; never compared, never gated. */
export interface Reference {
  readonly value: number;
  readonly unit: string;
  readonly text: string;
}

export type TaskReport =
  | { readonly kind: 'time'; readonly unit: 'ns/op' | 'µs/op' | 'ms/op' }
  | { readonly kind: 'rate'; readonly unit: string };

export interface MicroTask {
  readonly name: string;
  /** Operations one call of `run` performs; the figure is per operation. */
  readonly ops: number;
  /** The timed work; its result is folded into a sink so the work stays live. */
  readonly run: () => number;
  /** Untimed, before every timed call (fresh state, e.g. an empty PushContext memo). */
  readonly before?: () => void;
  /** A full GC (untimed) before every timed call: for tasks that allocate megabytes per call. */
  readonly collectBefore?: boolean;
  readonly report: TaskReport;
  readonly note?: string;
  readonly reference?: Reference;
}

export interface MicroGroup {
  readonly name: string;
  readonly taskNames: readonly string[];
  prepare(): MicroTask[];
  /** Figures computed from this group's measured ones (keyed by task name), e.g. a ratio. */
  derive?(measured: ReadonlyMap<string, FigureInput>): FigureInput[];
  /** Drops the group's state once its tasks ran. */
  release?(): void;
}

export interface MicroSuite {
  readonly name: string;
  groups(mode: Mode): MicroGroup[];
}
