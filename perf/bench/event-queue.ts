// Event queue throughput, the classic hold model (Jones, CACM 1986): N events pending; each step pops
// the earliest and schedules one new event at now + an increment, so the queue stays at N.
//
// Job: measure the simulator's EventLoop (scheduleAt / schedule / step, the handler rescheduling)
// and, in the same run, the typed-array heap of typed-heap.ts doing the same work, at N = 10^3, 10^5
// and 10^6; report both in events per CPU second and their ratio (loop / heap: 1 would mean the loop
// costs nothing beyond a bare heap).
//
// Invariants: both queues see the same increments in the same order: a table of 2^16 integers drawn
// once from a seeded Rng (exponential, mean 1 ms, floored to whole µs, so a few are 0 and exercise
// the same-instant tie-break), cycled; drawing costs nothing in the timed loop. Payloads are
// preallocated (one object per pending event, rescheduled as is), so the loop's figure is the cost of
// the loop and not of making events. The prefill is untimed.
//
// Not modelled: priorities and cancellation (every event is PRIORITY_NORMAL, none is cancelled);
// the hold model's long-run steady state at 10^6 (each run does a few 10^5 holds after the prefill,
// fewer than N); other increment distributions (bimodal, Pareto) that favour calendar queues.
import { Rng } from '../../sim/index.ts';
import { EventLoop } from '../../sim/index.ts';
import { pairedNormalised, summarise, type FigureInput } from '../figure.ts';
import type { MicroGroup, MicroSuite, MicroTask } from './micro-suite.ts';
import { TypedHeap } from './typed-heap.ts';

const INCREMENTS_LOG2 = 16;
const INCREMENT_MASK = (1 << INCREMENTS_LOG2) - 1;
const INCREMENT_MEAN_US = 1000;
const STEPS_PER_CALL = 20_000;
export const HOLD_SIZES: readonly number[] = [1_000, 100_000, 1_000_000];

/** The increments both queues use: exponential with mean 1 ms, in whole µs, from a fixed seed. */
export function holdIncrements(): Int32Array {
  const rng = Rng.fromSeed(1986).fork('perf/hold-increments');
  const table = new Int32Array(1 << INCREMENTS_LOG2);
  const scale = 2 ** 30;
  for (let i = 0; i < table.length; i += 1) {
    table[i] = Math.floor(-INCREMENT_MEAN_US * Math.log1p(-rng.below(scale) / scale));
  }
  return table;
}

interface HoldEvent {
  readonly index: number;
}

function exponentLabel(n: number): string {
  return `1e${Math.round(Math.log10(n))}`;
}

function holdGroup(pending: number, increments: Int32Array): MicroGroup {
  return {
    name: `event-queue/hold-${exponentLabel(pending)}`,
    taskNames: ['event-loop', 'typed-heap'],
    // Everything lives in the tasks' closures, so dropping the tasks frees the 10^6-event queues.
    prepare(): MicroTask[] {
      const events: HoldEvent[] = Array.from({ length: pending }, (_, index) => ({ index }));
      let loopNext = pending;
      let heapNext = pending;
      let sink = 0;
      const eventLoop = new EventLoop<HoldEvent>((event, l) => {
        sink += event.index;
        l.schedule(increments[loopNext++ & INCREMENT_MASK]!, event);
      });
      const typedHeap = new TypedHeap(pending);
      for (let i = 0; i < pending; i += 1) {
        eventLoop.scheduleAt(increments[i & INCREMENT_MASK]!, events[i]!);
        typedHeap.push(increments[i & INCREMENT_MASK]!, i);
      }
      const rate = { kind: 'rate', unit: 'events/s' } as const;
      return [
        {
          name: 'event-loop', ops: STEPS_PER_CALL, report: rate,
          note: `sim/core/loop.ts EventLoop, ${pending} pending, one step = pop + handler + schedule`,
          run: () => {
            for (let i = 0; i < STEPS_PER_CALL; i += 1) eventLoop.step();
            return sink;
          },
        },
        {
          name: 'typed-heap', ops: STEPS_PER_CALL, report: rate,
          note: `perf/bench/typed-heap.ts, ${pending} pending, the yardstick`,
          run: () => {
            for (let i = 0; i < STEPS_PER_CALL; i += 1) {
              const now = typedHeap.peekTime();
              const slot = typedHeap.pop();
              sink += events[slot]!.index;
              typedHeap.push(now + increments[heapNext++ & INCREMENT_MASK]!, slot);
            }
            return sink;
          },
        },
      ];
    },
    derive(measured): FigureInput[] {
      const ofLoop = measured.get('event-loop');
      const ofHeap = measured.get('typed-heap');
      if (ofLoop === undefined || ofHeap === undefined) return [];
      // Each side normalised sample by sample first, so a slow phase during one of them cancels.
      const loopRate = summarise(pairedNormalised(ofLoop) ?? ofLoop.samples).median;
      const heapRate = summarise(pairedNormalised(ofHeap) ?? ofHeap.samples).median;
      return [{
        name: 'loop-vs-heap', kind: 'ratio', unit: 'x', better: 'higher', samples: [loopRate / heapRate],
        note: 'EventLoop events/s over the typed heap\'s, same run, each normalised by its paired calibration (1 = no overhead over a bare heap)',
      }];
    },
  };
}

export const eventQueueSuite: MicroSuite = {
  name: 'event-queue',
  groups: () => {
    const increments = holdIncrements();
    return HOLD_SIZES.map((n) => holdGroup(n, increments));
  },
};
