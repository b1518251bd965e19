import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { EventQueue, type QueueEntry } from './event-queue.ts';

type Key = { atUs: number; priority: number };

function entriesFrom(keys: readonly Key[]): QueueEntry<string>[] {
  return keys.map((key, seq) => ({ ...key, seq, payload: `e${seq}` }));
}

function drain<P>(queue: EventQueue<P>): QueueEntry<P>[] {
  const out: QueueEntry<P>[] = [];
  for (let entry = queue.pop(); entry !== undefined; entry = queue.pop()) out.push(entry);
  return out;
}

// The reference order, written independently of compareEntries.
function referenceSorted<P>(entries: readonly QueueEntry<P>[]): QueueEntry<P>[] {
  return [...entries].sort((a, b) => a.atUs - b.atUs || a.priority - b.priority || a.seq - b.seq);
}

// Few distinct values, so ties on (atUs, priority) are common.
const keyArb = fc.record({ atUs: fc.integer({ min: 0, max: 20 }), priority: fc.integer({ min: 0, max: 2 }) });

test('an empty queue has nothing to peek or pop', (t) => {
  const queue = new EventQueue<string>();
  t.is(queue.size(), 0);
  t.is(queue.peek(), undefined);
  t.is(queue.pop(), undefined);
});

test('pops by time, then priority, then seq', (t) => {
  const queue = new EventQueue<string>();
  queue.push({ atUs: 10, priority: 1, seq: 0, payload: 'late-time' });
  queue.push({ atUs: 5, priority: 2, seq: 1, payload: 'low-priority' });
  queue.push({ atUs: 5, priority: 0, seq: 2, payload: 'urgent' });
  queue.push({ atUs: 5, priority: 2, seq: 3, payload: 'low-priority-second' });
  t.is(queue.size(), 4);
  t.is(queue.peek()?.payload, 'urgent');
  t.deepEqual(
    drain(queue).map((entry) => entry.payload),
    ['urgent', 'low-priority', 'low-priority-second', 'late-time'],
  );
});

test('a duplicate seq is caught when it meets its twin', (t) => {
  const queue = new EventQueue<string>();
  queue.push({ atUs: 1, priority: 1, seq: 7, payload: 'a' });
  t.throws(() => queue.push({ atUs: 1, priority: 1, seq: 7, payload: 'b' }), { instanceOf: AssertionError, message: /duplicate seq/ });
});

test('push refuses malformed keys', (t) => {
  const queue = new EventQueue<string>();
  t.throws(() => queue.push({ atUs: -1, priority: 0, seq: 0, payload: '' }), { instanceOf: AssertionError });
  t.throws(() => queue.push({ atUs: 1.5, priority: 0, seq: 0, payload: '' }), { instanceOf: AssertionError });
  t.throws(() => queue.push({ atUs: 1, priority: -1, seq: 0, payload: '' }), { instanceOf: AssertionError });
  t.throws(() => queue.push({ atUs: 1, priority: 0, seq: 0.5, payload: '' }), { instanceOf: AssertionError });
  t.is(queue.size(), 0);
});

testProp('pops in (atUs, priority, seq) order for any pushes', [fc.array(keyArb, { maxLength: 300 })], (t, keys) => {
  const entries = entriesFrom(keys);
  const queue = new EventQueue<string>();
  for (const entry of entries) queue.push(entry);
  t.deepEqual(drain(queue), referenceSorted(entries));
});

testProp('ties on (atUs, priority) pop in insertion order', [fc.array(keyArb, { maxLength: 200 })], (t, keys) => {
  const queue = new EventQueue<string>();
  // seq follows insertion, as in the loop; few distinct keys make ties the common case.
  for (const entry of entriesFrom(keys)) queue.push(entry);
  const popped = drain(queue);
  for (let index = 1; index < popped.length; index += 1) {
    const a = popped[index - 1]!;
    const b = popped[index]!;
    if (a.atUs === b.atUs && a.priority === b.priority) t.true(a.seq < b.seq);
  }
  t.is(popped.length, keys.length);
});

testProp(
  'interleaved pushes and pops always return the smallest pending entry',
  [fc.array(fc.option(keyArb, { nil: undefined, freq: 3 }), { maxLength: 300 })],
  (t, operations) => {
    const queue = new EventQueue<number>();
    let model: QueueEntry<number>[] = [];
    let seq = 0;
    for (const operation of operations) {
      if (operation === undefined) {
        const expected = referenceSorted(model)[0];
        t.is(queue.pop(), expected);
        model = model.filter((entry) => entry !== expected);
      } else {
        const entry = { ...operation, seq, payload: seq };
        seq += 1;
        queue.push(entry);
        model.push(entry);
      }
      t.is(queue.size(), model.length);
    }
    t.deepEqual(drain(queue), referenceSorted(model));
  },
);

testProp(
  'retain keeps exactly the chosen entries, still in order',
  [fc.array(keyArb, { maxLength: 300 }), fc.integer({ min: 1, max: 5 })],
  (t, keys, modulus) => {
    const entries = entriesFrom(keys);
    const queue = new EventQueue<string>();
    for (const entry of entries) queue.push(entry);
    queue.retain((entry) => entry.seq % modulus === 0);
    t.deepEqual(drain(queue), referenceSorted(entries.filter((entry) => entry.seq % modulus === 0)));
  },
);
