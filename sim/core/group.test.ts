// groupBy, addTo and entryOf: lists keep the items' order, keys the order they were first seen; a memo entry is made once.
import test from 'ava';
import { addTo, entryOf, groupBy } from './group.ts';

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

test('entryOf makes a missing value once and keeps it, in a Map or a WeakMap', (t) => {
  const made: string[] = [];
  const map = new Map<string, string[]>();
  const first = entryOf(map, 'k', (key) => { made.push(key); return [key]; });
  t.is(entryOf(map, 'k', () => ['other']), first);
  t.deepEqual(made, ['k']);
  const weak = new WeakMap<object, number>();
  const key = {};
  t.is(entryOf(weak, key, () => 7), 7);
  t.is(entryOf(weak, key, () => 8), 7);
});
