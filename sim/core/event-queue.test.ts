import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { EventQueue, PRIORITY_MAX, SEQ_LIMIT } from './event-queue.ts';

type Entry = { atUs: number; priority: number; seq: number; slot: number };
type Key = { atUs: number; priority: number };

// The reference order, written independently of the heap: a plain sort.
function referenceSorted(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.atUs - b.atUs || a.priority - b.priority || a.seq - b.seq);
}

function pushAll(queue: EventQueue, entries: readonly Entry[]): void {
  for (const entry of entries) queue.push(entry.atUs, entry.priority, entry.seq, entry.slot);
}

// Pops everything, as the slots in pop order, checking that peek agrees with each pop.
function drainSlots(queue: EventQueue, t: { is(a: unknown, b: unknown): void }, bySlot: Map<number, Entry>): number[] {
  const out: number[] = [];
  while (queue.size() > 0) {
    const slot = queue.peekSlot();
    t.is(queue.peekAtUs(), bySlot.get(slot)?.atUs);
    t.is(queue.pop(), slot);
    out.push(slot);
  }
  t.is(queue.pop(), -1);
  return out;
}

// seq follows insertion and slot is the insertion index, as when the loop fills an empty queue.
function entriesFrom(keys: readonly Key[]): Entry[] {
  return keys.map((key, index) => ({ ...key, seq: index, slot: index }));
}

// Few distinct values, so ties on (atUs, priority) are common.
const keyArb = fc.record({ atUs: fc.integer({ min: 0, max: 20 }), priority: fc.integer({ min: 0, max: 2 }) });
// The whole range: instants past 2^31 and up to the largest safe integer, every priority.
const wideKeyArb = fc.record({
  atUs: fc.oneof(
    fc.integer({ min: 0, max: 20 }),
    fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 45, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER),
    fc.maxSafeNat(),
  ),
  priority: fc.oneof(fc.constantFrom(0, 1, 2, PRIORITY_MAX), fc.integer({ min: 0, max: PRIORITY_MAX })),
});

test('an empty queue has nothing to peek or pop', (t) => {
  const queue = new EventQueue();
  t.is(queue.size(), 0);
  t.is(queue.peekAtUs(), -1);
  t.is(queue.peekSlot(), -1);
  t.is(queue.pop(), -1);
});

test('pops by time, then priority, then seq', (t) => {
  const queue = new EventQueue();
  const names = ['late-time', 'low-priority', 'urgent', 'low-priority-second'];
  queue.push(10, 1, 0, 0);
  queue.push(5, 2, 1, 1);
  queue.push(5, 0, 2, 2);
  queue.push(5, 2, 3, 3);
  t.is(queue.size(), 4);
  t.is(queue.peekSlot(), 2);
  t.is(queue.peekAtUs(), 5);
  const popped: string[] = [];
  for (let slot = queue.pop(); slot !== -1; slot = queue.pop()) popped.push(names[slot]!);
  t.deepEqual(popped, ['urgent', 'low-priority', 'low-priority-second', 'late-time']);
});

test('a duplicate seq is caught when it meets its twin', (t) => {
  const queue = new EventQueue();
  queue.push(1, 1, 7, 0);
  t.throws(() => queue.push(1, 1, 7, 1), { instanceOf: AssertionError, message: /duplicate seq 7/ });
});

test('push refuses malformed keys and leaves the queue as it was', (t) => {
  const queue = new EventQueue();
  const bad: [number, number, number, number][] = [
    [-1, 0, 0, 0],
    [1.5, 0, 0, 0],
    [Number.MAX_SAFE_INTEGER + 1, 0, 0, 0],
    [Number.NaN, 0, 0, 0],
    [1, -1, 0, 0],
    [1, 1.5, 0, 0],
    [1, PRIORITY_MAX + 1, 0, 0],
    [1, Number.NaN, 0, 0],
    [1, 0, 0.5, 0],
    [1, 0, -1, 0],
    [1, 0, SEQ_LIMIT, 0],
    [1, 0, 0, -1],
    [1, 0, 0, 1.5],
    [1, 0, 0, 2 ** 31],
  ];
  for (const [atUs, priority, seq, slot] of bad) {
    t.throws(() => queue.push(atUs, priority, seq, slot), { instanceOf: AssertionError }, `${atUs} ${priority} ${seq} ${slot}`);
  }
  t.is(queue.size(), 0);
  t.notThrows(() => queue.push(Number.MAX_SAFE_INTEGER, PRIORITY_MAX, SEQ_LIMIT - 1, 5));
  t.is(queue.size(), 1);
});

test('peek reads the whole key of the earliest entry, at the extremes of each field', (t) => {
  const queue = new EventQueue();
  t.is(queue.peekPriority(), -1);
  t.is(queue.peekSeq(), -1);
  queue.push(Number.MAX_SAFE_INTEGER, PRIORITY_MAX, SEQ_LIMIT - 1, 4);
  t.is(queue.peekAtUs(), Number.MAX_SAFE_INTEGER);
  t.is(queue.peekPriority(), PRIORITY_MAX);
  t.is(queue.peekSeq(), SEQ_LIMIT - 1);
  t.is(queue.peekSlot(), 4);
  queue.push(Number.MAX_SAFE_INTEGER, PRIORITY_MAX, SEQ_LIMIT - 2, 9);
  t.is(queue.peekSeq(), SEQ_LIMIT - 2, 'the seq breaks a tie at the largest instant and priority');
  queue.push(Number.MAX_SAFE_INTEGER, PRIORITY_MAX - 1, SEQ_LIMIT - 3, 7);
  t.deepEqual([queue.peekPriority(), queue.peekSlot()], [PRIORITY_MAX - 1, 7]);
  queue.push(0, 0, 0, 0);
  t.deepEqual([queue.peekAtUs(), queue.peekPriority(), queue.peekSeq(), queue.peekSlot()], [0, 0, 0, 0]);
  t.deepEqual([queue.pop(), queue.pop(), queue.pop(), queue.pop(), queue.pop()], [0, 7, 9, 4, -1]);
});

testProp('pops in (atUs, priority, seq) order for any pushes', [fc.array(keyArb, { maxLength: 300 })], (t, keys) => {
  const entries = entriesFrom(keys);
  const queue = new EventQueue();
  pushAll(queue, entries);
  const bySlot = new Map(entries.map((entry) => [entry.slot, entry]));
  t.deepEqual(drainSlots(queue, t, bySlot), referenceSorted(entries).map((entry) => entry.slot));
});

testProp('pops in order over the whole key range', [fc.array(wideKeyArb, { maxLength: 200 })], (t, keys) => {
  const entries = entriesFrom(keys);
  const queue = new EventQueue();
  pushAll(queue, entries);
  const bySlot = new Map(entries.map((entry) => [entry.slot, entry]));
  t.deepEqual(drainSlots(queue, t, bySlot), referenceSorted(entries).map((entry) => entry.slot));
});

testProp('slots in any order do not change the pop order', [fc.array(keyArb, { maxLength: 200 }).chain((keys) => fc.tuple(fc.constant(keys), fc.shuffledSubarray([...keys.keys()], { minLength: keys.length, maxLength: keys.length })))], (t, [keys, slots]) => {
  const entries = keys.map((key, index) => ({ ...key, seq: index, slot: slots[index]! }));
  const queue = new EventQueue();
  pushAll(queue, entries);
  const bySlot = new Map(entries.map((entry) => [entry.slot, entry]));
  t.deepEqual(drainSlots(queue, t, bySlot), referenceSorted(entries).map((entry) => entry.slot));
});

// As the loop uses it: slots come from a free list and are reused as soon as they are popped.
type Operation = { push: Key } | { pop: true };
const operationArb = (key: fc.Arbitrary<Key>): fc.Arbitrary<Operation> =>
  fc.oneof({ arbitrary: key.map((push) => ({ push })), weight: 3 }, { arbitrary: fc.constant({ pop: true as const }), weight: 2 });

function checkAgainstModel(t: { is(a: unknown, b: unknown, message?: string): void }, operations: readonly Operation[]): void {
  const queue = new EventQueue();
  let model: Entry[] = [];
  const freeSlots: number[] = [];
  let slotsUsed = 0;
  let seq = 0;
  for (const operation of operations) {
    if ('pop' in operation) {
      const expected = referenceSorted(model)[0];
      t.is(queue.peekAtUs(), expected?.atUs ?? -1);
      const slot = queue.pop();
      t.is(slot, expected?.slot ?? -1);
      if (expected !== undefined) {
        model = model.filter((entry) => entry !== expected);
        freeSlots.push(slot);
      }
    } else {
      const slot = freeSlots.pop() ?? slotsUsed++;
      const entry = { ...operation.push, seq, slot };
      seq += 1;
      queue.push(entry.atUs, entry.priority, entry.seq, entry.slot);
      model.push(entry);
    }
    t.is(queue.size(), model.length);
  }
  for (const expected of referenceSorted(model)) t.is(queue.pop(), expected.slot);
  t.is(queue.size(), 0);
}

testProp('interleaved pushes and pops, with reused slots, match a sorted model', [fc.array(operationArb(keyArb), { maxLength: 400 })], (t, operations) => {
  checkAgainstModel(t, operations);
});

testProp('interleaved pushes and pops over the whole key range match a sorted model', [fc.array(operationArb(wideKeyArb), { maxLength: 300 })], (t, operations) => {
  checkAgainstModel(t, operations);
});

// A heap of thousands of entries (past the size where the sift reads ahead), against a model
// kept sorted by binary insertion.
testProp(
  'a large queue keeps the order through pops and pushes',
  [
    fc.array(fc.record({ atUs: fc.integer({ min: 0, max: 5000 }), priority: fc.integer({ min: 0, max: 2 }) }), { minLength: 6000, maxLength: 7000 }),
    fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 5000 })), { minLength: 4000, maxLength: 5000 }),
  ],
  (t, initial, steps) => {
    const queue = new EventQueue();
    const model: Entry[] = [];
    const before = (a: Entry, b: Entry): boolean => a.atUs - b.atUs < 0 || (a.atUs === b.atUs && (a.priority - b.priority < 0 || (a.priority === b.priority && a.seq < b.seq)));
    const insert = (entry: Entry): void => {
      let lo = 0;
      let hi = model.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (before(model[mid]!, entry)) lo = mid + 1;
        else hi = mid;
      }
      model.splice(lo, 0, entry);
      queue.push(entry.atUs, entry.priority, entry.seq, entry.slot);
    };
    const freeSlots: number[] = [];
    let seq = 0;
    let nowUs = 0;
    for (const key of initial) {
      insert({ ...key, seq, slot: seq });
      seq += 1;
    }
    let mismatches = 0;
    for (const step of steps) {
      if (step === -1 || model.length === 0) {
        const expected = model.shift();
        const slot = queue.pop();
        if (slot !== (expected?.slot ?? -1)) mismatches += 1;
        if (expected !== undefined) {
          freeSlots.push(slot);
          nowUs = expected.atUs;
        }
      } else {
        insert({ atUs: nowUs + step, priority: step % 3, seq, slot: freeSlots.pop() ?? seq });
        seq += 1;
      }
    }
    t.is(mismatches, 0);
    t.is(queue.size(), model.length);
    for (const expected of model) {
      if (queue.pop() !== expected.slot) mismatches += 1;
    }
    t.is(mismatches, 0);
  },
  { numRuns: 5 },
);

testProp(
  'retain keeps exactly the chosen entries, still in order',
  [fc.array(keyArb, { maxLength: 300 }), fc.integer({ min: 1, max: 5 })],
  (t, keys, modulus) => {
    const entries = entriesFrom(keys);
    const queue = new EventQueue();
    pushAll(queue, entries);
    queue.retain((slot) => slot % modulus === 0);
    const kept = entries.filter((entry) => entry.slot % modulus === 0);
    t.is(queue.size(), kept.length);
    const bySlot = new Map(kept.map((entry) => [entry.slot, entry]));
    t.deepEqual(drainSlots(queue, t, bySlot), referenceSorted(kept).map((entry) => entry.slot));
  },
);

test('a queue keeps working after retain, with pushes past the old size', (t) => {
  const queue = new EventQueue();
  for (let index = 0; index < 100; index += 1) queue.push(100 - index, 1, index, index);
  queue.retain((slot) => slot >= 90);
  for (let index = 100; index < 300; index += 1) queue.push(index, 1, index, index);
  const popped: number[] = [];
  for (let slot = queue.pop(); slot !== -1; slot = queue.pop()) popped.push(slot);
  const expected = [...Array.from({ length: 10 }, (_, i) => 99 - i), ...Array.from({ length: 200 }, (_, i) => 100 + i)];
  t.deepEqual(popped, expected);
});
