import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { EventLoop, PRIORITY_LATE, PRIORITY_MAX, PRIORITY_NORMAL, PRIORITY_URGENT, type EventHandle } from './loop.ts';

type Ran = { event: string; atUs: number };

function recordingLoop(): { loop: EventLoop<string>; ran: Ran[] } {
  const ran: Ran[] = [];
  const loop = new EventLoop<string>((event, self) => ran.push({ event, atUs: self.nowUs }));
  return { loop, ran };
}

test('time starts at 0 and moves to each event as it runs', (t) => {
  const { loop, ran } = recordingLoop();
  t.is(loop.nowUs, 0);
  loop.schedule(10, 'a');
  loop.schedule(3, 'b');
  t.is(loop.pending(), 2);
  t.is(loop.peekAtUs(), 3);
  t.true(loop.step());
  t.is(loop.nowUs, 3);
  t.true(loop.step());
  t.false(loop.step());
  t.deepEqual(ran, [{ event: 'b', atUs: 3 }, { event: 'a', atUs: 10 }]);
  t.is(loop.nowUs, 10);
  t.is(loop.eventsRunTotal, 2);
  t.is(loop.peekAtUs(), undefined);
});

test('priorities decide at equal time; equal priorities run in scheduling order', (t) => {
  const { loop, ran } = recordingLoop();
  loop.schedule(5, 'late', PRIORITY_LATE);
  loop.schedule(5, 'normal-1');
  loop.schedule(5, 'urgent', PRIORITY_URGENT);
  loop.schedule(5, 'normal-2', PRIORITY_NORMAL);
  loop.schedule(4, 'earlier', PRIORITY_LATE);
  t.deepEqual(loop.run(), { eventsRun: 5, stoppedBy: 'empty' });
  t.deepEqual(ran.map((r) => r.event), ['earlier', 'urgent', 'normal-1', 'normal-2', 'late']);
  t.deepEqual([PRIORITY_URGENT, PRIORITY_NORMAL, PRIORITY_LATE], [0, 1, 2]);
});

test('an event scheduled with zero delay from a handler runs after work already due now', (t) => {
  const ran: string[] = [];
  const loop = new EventLoop<string>((event, self) => {
    ran.push(event);
    if (event === 'first') self.schedule(0, 'spawned');
  });
  loop.schedule(1, 'first');
  loop.schedule(1, 'second');
  loop.run();
  t.deepEqual(ran, ['first', 'second', 'spawned']);
});

test('scheduling in the past, negative or fractional delays, and bad priorities are bugs', (t) => {
  const { loop } = recordingLoop();
  loop.schedule(100, 'x');
  loop.run();
  t.throws(() => loop.scheduleAt(99, 'past'), { instanceOf: AssertionError, message: /past/ });
  t.throws(() => loop.schedule(-1, 'negative'), { instanceOf: AssertionError });
  t.throws(() => loop.schedule(0.5, 'fraction'), { instanceOf: AssertionError });
  t.throws(() => loop.schedule(1, 'priority', -1), { instanceOf: AssertionError });
  t.throws(() => loop.schedule(1, 'priority', 1.5), { instanceOf: AssertionError });
  t.throws(() => loop.schedule(1, 'priority', PRIORITY_MAX + 1), { instanceOf: AssertionError, message: /priority/ });
  t.throws(() => loop.schedule(Number.MAX_SAFE_INTEGER, 'overflow'), { instanceOf: AssertionError, message: /overflows/ });
  t.throws(() => loop.scheduleAt(1.5, 'fractional instant'), { instanceOf: AssertionError });
  t.notThrows(() => loop.scheduleAt(100, 'now is fine'));
  t.notThrows(() => loop.schedule(1, 'largest priority', PRIORITY_MAX));
  t.is(loop.pending(), 2, 'refused schedules leave nothing behind');
});

test('cancel removes a pending event and reports whether it did', (t) => {
  const { loop, ran } = recordingLoop();
  const keep = loop.schedule(5, 'keep');
  const drop = loop.schedule(1, 'drop');
  t.true(loop.cancel(drop));
  t.false(loop.cancel(drop));
  t.is(loop.pending(), 1);
  t.is(loop.peekAtUs(), 5);
  loop.run();
  t.deepEqual(ran.map((r) => r.event), ['keep']);
  t.false(loop.cancel(keep), 'an event that already ran cannot be cancelled');
});

test('a stale handle is refused after its slot was reused', (t) => {
  const { loop, ran } = recordingLoop();
  const first = loop.schedule(1, 'first');
  loop.run();
  const second = loop.schedule(1, 'second'); // Reuses the slot 'first' had.
  t.not(second, first);
  t.false(loop.cancel(first));
  t.is(loop.pending(), 1);
  const cancelled = loop.schedule(2, 'cancelled');
  t.true(loop.cancel(cancelled));
  const third = loop.schedule(3, 'third'); // The cancelled entry still holds its slot.
  t.false(loop.cancel(cancelled));
  loop.run();
  t.deepEqual(ran.map((r) => r.event), ['first', 'second', 'third']);
  t.false(loop.cancel(third));
});

test('handles are plain numbers: cancel refuses malformed ones, and a handle names no loop', (t) => {
  const first = recordingLoop().loop;
  const second = recordingLoop().loop;
  first.schedule(1, 'a');
  second.schedule(1, 'x');
  const foreign = second.schedule(1, 'y');
  t.false(first.cancel(foreign), 'nothing pending here under that number');
  t.is(first.pending(), 1);
  t.throws(() => first.cancel(-1 as EventHandle), { instanceOf: AssertionError });
  t.throws(() => first.cancel(0.5 as EventHandle), { instanceOf: AssertionError });
  t.false(first.cancel(12345 as EventHandle));
  // The documented limit: the same schedule on two loops gives the same numbers.
  t.is(recordingLoop().loop.schedule(1, 'p'), recordingLoop().loop.schedule(1, 'q'));
});

test('heavy cancellation compacts the heap and keeps order', (t) => {
  const { loop, ran } = recordingLoop();
  const handles: EventHandle[] = [];
  for (let index = 0; index < 3000; index += 1) handles.push(loop.schedule(3000 - index, `e${index}`));
  handles.forEach((handle, index) => {
    if (index % 30 !== 0) t.true(loop.cancel(handle));
  });
  t.is(loop.pending(), 100);
  // Slots freed by the compaction are reused, and the survivors keep their handles.
  for (let index = 0; index < 50; index += 1) loop.schedule(5000 + index, `late${index}`);
  t.false(loop.cancel(handles[1]!));
  t.true(loop.cancel(handles[30]!));
  loop.run();
  const expected = handles.flatMap((_, index) => (index % 30 === 0 && index !== 30 ? [3000 - index] : [])).sort((a, b) => a - b);
  t.deepEqual(ran.slice(0, 99).map((r) => r.atUs), expected);
  t.deepEqual(ran.slice(99).map((r) => r.event), Array.from({ length: 50 }, (_, index) => `late${index}`));
});

test('runUntil runs what is due, then sets now to the horizon', (t) => {
  const { loop, ran } = recordingLoop();
  loop.schedule(5, 'a');
  loop.schedule(10, 'b');
  loop.schedule(11, 'c');
  t.deepEqual(loop.runUntil(10), { eventsRun: 2, stoppedBy: 'time' });
  t.is(loop.nowUs, 10);
  t.deepEqual(ran.map((r) => r.event), ['a', 'b']);
  t.is(loop.pending(), 1);
  t.deepEqual(loop.runUntil(10), { eventsRun: 0, stoppedBy: 'time' });
  t.throws(() => loop.runUntil(9), { instanceOf: AssertionError });
  t.deepEqual(loop.runUntil(50), { eventsRun: 1, stoppedBy: 'time' });
  t.is(loop.nowUs, 50);
});

test('bounds say when they cut a run short', (t) => {
  const loop = new EventLoop<number>((event, self) => {
    self.schedule(1, event + 1); // Never runs dry.
  });
  loop.schedule(0, 0);
  t.deepEqual(loop.run(10), { eventsRun: 10, stoppedBy: 'bound' });
  t.is(loop.nowUs, 9);
  t.deepEqual(loop.runUntil(1_000, 5), { eventsRun: 5, stoppedBy: 'bound' });
  t.is(loop.nowUs, 14, 'a bounded runUntil does not jump to its horizon');
  t.throws(() => loop.run(-1), { instanceOf: AssertionError });

  const { loop: finite } = recordingLoop();
  finite.schedule(1, 'only');
  t.deepEqual(finite.run(1), { eventsRun: 1, stoppedBy: 'empty' }, 'reaching the bound with nothing left is not a cut');
  t.deepEqual(finite.run(0), { eventsRun: 0, stoppedBy: 'empty' });
});

test('the loop is not re-entrant', (t) => {
  const loop = new EventLoop<string>((event, self) => {
    if (event === 'step') self.step();
    if (event === 'run') self.run();
    if (event === 'runUntil') self.runUntil(self.nowUs);
  });
  for (const event of ['step', 'run', 'runUntil']) {
    loop.schedule(1, event);
    t.throws(() => loop.step(), { instanceOf: AssertionError, message: /re-entrant/ });
  }
  loop.schedule(1, 'fine');
  t.true(loop.step(), 'a throwing handler leaves the loop usable');
});

test('two loops in one process do not interfere', (t) => {
  const a = recordingLoop();
  const b = recordingLoop();
  a.loop.schedule(5, 'a1');
  b.loop.schedule(1, 'b1');
  a.loop.run();
  t.is(b.loop.nowUs, 0);
  t.is(b.loop.pending(), 1);
  // A handle keeps the event's seq above its low 24 bits (the slot).
  const seqOf = (handle: EventHandle): number => Math.floor(handle / 2 ** 24);
  t.is(seqOf(a.loop.schedule(1, 'a2')), seqOf(b.loop.schedule(1, 'b2')), 'seq counters are per loop');
});

// Model-based check: the loop against a naive scheduler (linear scan for the minimum).
type Spec = { delayUs: number; priority: number };
type Scenario = { initial: Spec[]; spawns: Spec[][]; cancelStride: number };
type Api = { schedule(spec: Spec): void; cancel(id: number): void };

const EVENTS_MAX = 150;
const specArb = fc.record({ delayUs: fc.integer({ min: 0, max: 30 }), priority: fc.integer({ min: 0, max: 2 }) });
const scenarioArb = fc.record({
  initial: fc.array(specArb, { minLength: 1, maxLength: 20 }),
  spawns: fc.array(fc.array(specArb, { maxLength: 3 }), { minLength: 1, maxLength: 8 }),
  cancelStride: fc.integer({ min: 0, max: 5 }),
});

// What an event does when it runs: spawn children and sometimes cancel the next id.
function behave(id: number, scenario: Scenario, api: Api): void {
  for (const spec of scenario.spawns[id % scenario.spawns.length] ?? []) api.schedule(spec);
  if (scenario.cancelStride > 0 && id % scenario.cancelStride === 0) api.cancel(id + 1);
}

function runReal(scenario: Scenario): { trace: [number, number][]; atUsById: Map<number, number> } {
  const trace: [number, number][] = [];
  const handles = new Map<number, EventHandle>();
  const atUsById = new Map<number, number>();
  let idNext = 0;
  const loop = new EventLoop<number>((id, self) => {
    trace.push([id, self.nowUs]);
    behave(id, scenario, api(self));
  });
  const api = (self: EventLoop<number>): Api => ({
    schedule(spec) {
      if (idNext >= EVENTS_MAX) return;
      const handle = self.schedule(spec.delayUs, idNext, spec.priority);
      handles.set(idNext, handle);
      atUsById.set(idNext, self.nowUs + spec.delayUs);
      idNext += 1;
    },
    cancel(id) {
      const handle = handles.get(id);
      if (handle !== undefined) self.cancel(handle);
    },
  });
  for (const spec of scenario.initial) api(loop).schedule(spec);
  // At most EVENTS_MAX events are ever scheduled, so this bound is never the reason to stop.
  if (loop.run(EVENTS_MAX + 1).stoppedBy !== 'empty') throw new Error('scenario did not terminate');
  return { trace, atUsById };
}

function runModel(scenario: Scenario): [number, number][] {
  type Pending = { id: number; atUs: number; priority: number };
  let pending: Pending[] = [];
  let nowUs = 0;
  let idCount = 0;
  const trace: [number, number][] = [];
  const api: Api = {
    schedule(spec) {
      if (idCount >= EVENTS_MAX) return;
      const id = idCount;
      idCount += 1;
      pending.push({ id, atUs: nowUs + spec.delayUs, priority: spec.priority });
    },
    cancel(id) {
      pending = pending.filter((entry) => entry.id !== id);
    },
  };
  for (const spec of scenario.initial) api.schedule(spec);
  while (pending.length > 0) {
    // ids grow with scheduling order, so they double as the model's seq.
    let next = pending[0]!;
    for (const entry of pending) {
      if (entry.atUs < next.atUs || (entry.atUs === next.atUs && (entry.priority < next.priority || (entry.priority === next.priority && entry.id < next.id)))) next = entry;
    }
    pending = pending.filter((entry) => entry !== next);
    nowUs = next.atUs;
    trace.push([next.id, nowUs]);
    behave(next.id, scenario, api);
  }
  return trace;
}

testProp('the loop runs the same events at the same times as a naive model', [scenarioArb], (t, scenario) => {
  t.deepEqual(runReal(scenario).trace, runModel(scenario));
});

testProp('time never goes backwards and each event runs at its scheduled instant', [scenarioArb], (t, scenario) => {
  const { trace, atUsById } = runReal(scenario);
  let previousUs = 0;
  for (const [id, nowUs] of trace) {
    t.true(nowUs >= previousUs);
    t.is(atUsById.get(id), nowUs);
    previousUs = nowUs;
  }
});

testProp(
  'cancelled events never run; every other event runs exactly once',
  [fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 100 })],
  (t, plan) => {
    const { loop, ran } = recordingLoop();
    const handles = plan.map(([delayUs], index) => loop.schedule(delayUs, `e${index}`));
    plan.forEach(([, cancelled], index) => {
      if (cancelled) t.true(loop.cancel(handles[index]!));
    });
    const kept = plan.flatMap(([, cancelled], index) => (cancelled ? [] : [`e${index}`]));
    t.is(loop.pending(), kept.length);
    loop.run();
    t.deepEqual(ran.map((r) => r.event).sort(), kept.sort());
  },
);

testProp(
  'runUntil runs exactly the events due by the horizon',
  [fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 50 }), fc.integer({ min: 0, max: 120 })],
  (t, delays, horizonUs) => {
    const { loop, ran } = recordingLoop();
    delays.forEach((delayUs, index) => loop.schedule(delayUs, `e${index}`));
    loop.runUntil(horizonUs);
    t.is(loop.nowUs, horizonUs);
    t.is(ran.length, delays.filter((delayUs) => delayUs <= horizonUs).length);
    t.is(loop.pending(), delays.filter((delayUs) => delayUs > horizonUs).length);
  },
);

// Operation-based check against a naive reference: pending events in a list, the next one found
// by sorting on (atUs, priority, seq). Covers cancels of pending, ran and cancelled events,
// handles of reused slots, the whole priority range, and times past 2^31 µs.
type LoopOp =
  | { kind: 'schedule'; delayUs: number; priority: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'step' }
  | { kind: 'runUntil'; aheadUs: number };

const loopOpArb: fc.Arbitrary<LoopOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('schedule' as const),
      delayUs: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 33 })),
      priority: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: PRIORITY_MAX })),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'step' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('runUntil' as const), aheadUs: fc.integer({ min: 0, max: 2 ** 32 }) }) },
);

type RefEvent = { id: number; atUs: number; priority: number; state: 'pending' | 'ran' | 'cancelled' };

function checkLoopAgainstReference(t: { is(a: unknown, b: unknown, message?: string): void; deepEqual(a: unknown, b: unknown): void }, ops: readonly LoopOp[]): void {
  const ran: number[] = [];
  const loop = new EventLoop<number>((id) => ran.push(id));
  const handles: EventHandle[] = [];
  const reference: RefEvent[] = [];
  const refRan: number[] = [];
  let refNowUs = 0;
  // ids grow with scheduling order, so they double as the reference's seq.
  const refNext = (): RefEvent | undefined =>
    reference.filter((event) => event.state === 'pending').sort((a, b) => a.atUs - b.atUs || a.priority - b.priority || a.id - b.id)[0];
  const refStep = (): boolean => {
    const next = refNext();
    if (next === undefined) return false;
    next.state = 'ran';
    refNowUs = next.atUs;
    refRan.push(next.id);
    return true;
  };
  for (const op of ops) {
    switch (op.kind) {
      case 'schedule': {
        const id = handles.length;
        handles.push(loop.schedule(op.delayUs, id, op.priority));
        reference.push({ id, atUs: refNowUs + op.delayUs, priority: op.priority, state: 'pending' });
        break;
      }
      case 'cancel': {
        if (handles.length === 0) break;
        const id = op.pick % handles.length;
        const event = reference[id]!;
        t.is(loop.cancel(handles[id]!), event.state === 'pending', `cancel of ${event.state} event ${id}`);
        if (event.state === 'pending') event.state = 'cancelled';
        break;
      }
      case 'step':
        t.is(loop.step(), refStep());
        break;
      case 'runUntil': {
        const untilUs = refNowUs + op.aheadUs;
        let due = 0;
        for (let next = refNext(); next !== undefined && next.atUs <= untilUs; next = refNext()) {
          refStep();
          due += 1;
        }
        refNowUs = untilUs;
        t.deepEqual(loop.runUntil(untilUs), { eventsRun: due, stoppedBy: 'time' });
        break;
      }
    }
    t.is(loop.nowUs, refNowUs);
    t.is(loop.pending(), reference.filter((event) => event.state === 'pending').length);
    t.is(loop.peekAtUs(), refNext()?.atUs);
  }
  t.deepEqual(ran, refRan);
  loop.run();
  while (refStep());
  t.deepEqual(ran, refRan);
}

testProp('schedule, cancel, step and runUntil match a naive sorted reference', [fc.array(loopOpArb, { maxLength: 300 })], (t, ops) => {
  checkLoopAgainstReference(t, ops);
});

const scheduleOpArb = loopOpArb.filter((op) => op.kind === 'schedule');
const cancelOpArb = loopOpArb.filter((op) => op.kind === 'cancel');

testProp(
  'heavy cancellation (through compaction) still matches the reference',
  [
    fc.tuple(
      fc.array(scheduleOpArb, { minLength: 1100, maxLength: 1500 }),
      fc.array(fc.oneof({ weight: 5, arbitrary: cancelOpArb }, { weight: 2, arbitrary: scheduleOpArb }, { weight: 1, arbitrary: fc.constant({ kind: 'step' as const }) }), { minLength: 2000, maxLength: 3000 }),
    ),
  ],
  (t, [fill, churn]) => {
    checkLoopAgainstReference(t, [...fill, ...churn]);
  },
  { numRuns: 5 },
);
