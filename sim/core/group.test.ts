// groupBy and addTo: lists keep the items' order, keys the order they were first seen.
import test from 'ava';
import { addTo, groupBy } from './group.ts';

test('groupBy keeps item order within a key and first-seen order of keys', (t) => {
  const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]!);
  t.deepEqual([...groups.entries()], [['b', ['b1', 'b2']], ['a', ['a1', 'a2']], ['c', ['c1']]]);
});

test('addTo starts a list for a new key and appends to an existing one', (t) => {
  const groups = new Map<number, string[]>();
  addTo(groups, 1, 'x');
  addTo(groups, 2, 'y');
  addTo(groups, 1, 'z');
  t.deepEqual([...groups.entries()], [[1, ['x', 'z']], [2, ['y']]]);
});
