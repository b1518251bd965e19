import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { IdAllocator } from './ids.ts';

test('ids count up from 1 per prefix', (t) => {
  const ids = new IdAllocator();
  t.deepEqual([ids.next('req'), ids.next('req'), ids.next('conn'), ids.next('req')], ['req-1', 'req-2', 'conn-1', 'req-3']);
  t.is(ids.issued('req'), 3);
  t.is(ids.issued('conn'), 1);
  t.is(ids.issued('push'), 0);
});

test('two allocators do not share counters', (t) => {
  const first = new IdAllocator();
  const second = new IdAllocator();
  first.next('req');
  first.next('req');
  t.is(second.next('req'), 'req-1');
  t.is(first.next('req'), 'req-3');
});

test('an empty prefix is refused', (t) => {
  t.throws(() => new IdAllocator().next(''), { instanceOf: AssertionError });
});

testProp(
  'ids are unique, even for prefixes that contain dashes and digits',
  [fc.array(fc.stringMatching(/^[a-z0-9-]{1,5}$/), { maxLength: 200 })],
  (t, prefixes) => {
    const ids = new IdAllocator();
    const issued = prefixes.map((prefix) => ids.next(prefix));
    t.is(new Set(issued).size, issued.length);
  },
);
