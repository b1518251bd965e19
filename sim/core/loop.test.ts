import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { EventLoop, PRIORITY_LATE, PRIORITY_NORMAL, PRIORITY_URGENT, type EventHandle } from './loop.ts';

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
  t.notThrows(() => loop.scheduleAt(100, 'now is fine'));
  t.is(loop.pending(), 1);
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

test('a handle from another loop is refused rather than cancelling the wrong event', (t) => {
  const first = recordingLoop().loop;
  const second = recordingLoop().loop;
  first.schedule(1, 'a');
  const foreign = second.schedule(1, 'b');
  t.throws(() => first.cancel(foreign), { instanceOf: AssertionError });
  t.is(first.pending(), 1);
});

test('heavy cancellation compacts the heap and keeps order', (t) => {
  const { loop, ran } = recordingLoop();
  const handles: EventHandle[] = [];
  for (let index = 0; index < 3000; index += 1) handles.push(loop.schedule(3000 - index, `e${index}`));
  handles.forEach((handle, index) => {
    if (index % 30 !== 0) loop.cancel(handle);
  });
  t.is(loop.pending(), 100);
  loop.run();
  const expected = handles.filter((_, index) => index % 30 === 0).map((h) => h.atUs).sort((a, b) => a - b);
  t.deepEqual(ran.map((r) => r.atUs), expected);
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
  t.is(a.loop.schedule(1, 'a2').seq, b.loop.schedule(1, 'b2').seq, 'seq counters are per loop');
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
      atUsById.set(idNext, handle.atUs);
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
