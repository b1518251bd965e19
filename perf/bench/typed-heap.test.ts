// The yardstick heap must be a correct queue, or the event loop would be compared with something
// that does less work: it pops in (time, insertion) order, as sorting does.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { TypedHeap } from './typed-heap.ts';
import { holdIncrements } from './event-queue.ts';

testProp('pops in (time, insertion) order, like a stable sort', [fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 })], (t, times) => {
  const heap = new TypedHeap(Math.max(1, times.length));
  times.forEach((at, i) => heap.push(at, i));
  const popped: number[] = [];
  while (heap.size() > 0) popped.push(heap.pop());
  const expected = times.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at || a.i - b.i).map((e) => e.i);
  t.deepEqual(popped, expected);
  t.is(heap.pop(), -1);
});

test('a full heap refuses a push', (t) => {
  const heap = new TypedHeap(1);
  heap.push(1, 0);
  t.throws(() => heap.push(2, 1), { message: /full/ });
});

test('the hold increments are fixed by their seed: exponential-like, mean about 1 ms', (t) => {
  const a = holdIncrements();
  t.deepEqual(a, holdIncrements());
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  t.true(mean > 900 && mean < 1100, `mean ${mean}`);
  t.true(a.every((x) => Number.isInteger(x) && x >= 0));
});
