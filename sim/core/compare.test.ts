import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { compareBy, compareChain, compareNumbers, compareStrings, reversed, sortedStrict } from './compare.ts';

test('compareStrings orders by UTF-16 code unit and returns exactly -1, 0 or 1', (t) => {
  t.is(compareStrings('a', 'b'), -1);
  t.is(compareStrings('b', 'a'), 1);
  t.is(compareStrings('same', 'same'), 0);
  t.is(compareStrings('B', 'a'), -1); // Upper case sorts first by code unit; a locale would disagree.
  t.is(compareStrings('a', 'ab'), -1);
  t.is(compareStrings('z', '\u00e9'), -1);
  // U+1F600 is stored as the surrogates D83D DE00, which sort below U+F900 by code unit.
  t.is(compareStrings('\u{1f600}', '\uf900'), -1);
});

test('compareNumbers orders numbers and refuses NaN', (t) => {
  t.is(compareNumbers(1, 2), -1);
  t.is(compareNumbers(2, 1), 1);
  t.is(compareNumbers(-0, 0), 0);
  t.is(compareNumbers(-Infinity, -1e308), -1);
  t.throws(() => compareNumbers(Number.NaN, 1), { instanceOf: AssertionError });
  t.throws(() => compareNumbers(1, Number.NaN), { instanceOf: AssertionError });
});

testProp('compareStrings agrees with the default sort and is antisymmetric', [fc.array(fc.string({ unit: 'binary' }))], (t, items) => {
  t.deepEqual([...items].sort(compareStrings), [...items].sort());
  for (const [a, b] of items.map((item, index) => [item, items[(index + 1) % items.length] ?? item] as const)) {
    t.is(compareStrings(a, b) + compareStrings(b, a), 0);
  }
});

type Row = { namespace: string; name: string; port: number };

test('compareBy breaks ties with later keys', (t) => {
  const rows: Row[] = [
    { namespace: 'b', name: 'x', port: 80 },
    { namespace: 'a', name: 'y', port: 80 },
    { namespace: 'a', name: 'x', port: 443 },
    { namespace: 'a', name: 'x', port: 80 },
  ];
  const sorted = [...rows].sort(compareBy((row) => row.namespace, (row) => row.name, (row) => row.port));
  t.deepEqual(
    sorted.map((row) => `${row.namespace}/${row.name}:${row.port}`),
    ['a/x:80', 'a/x:443', 'a/y:80', 'b/x:80'],
  );
});

test('compareBy refuses a key whose type changes between items, and needs a key', (t) => {
  const byKey = compareBy((value: { key: string | number }) => value.key);
  t.throws(() => byKey({ key: 'a' }, { key: 1 }), { instanceOf: AssertionError });
  t.throws(() => compareBy<number>(), { instanceOf: AssertionError });
});

testProp(
  'sorting with compareBy matches a tuple-order reference',
  [fc.array(fc.record({ group: fc.constantFrom('a', 'b', 'c'), rank: fc.integer({ min: 0, max: 3 }), id: fc.nat() }))],
  (t, rows) => {
    const sorted = [...rows].sort(compareBy((row) => row.group, (row) => row.rank, (row) => row.id));
    t.is(sorted.length, rows.length);
    for (let index = 1; index < sorted.length; index += 1) {
      const a = sorted[index - 1]!;
      const b = sorted[index]!;
      const ordered = a.group < b.group || (a.group === b.group && (a.rank < b.rank || (a.rank === b.rank && a.id <= b.id)));
      t.true(ordered);
    }
  },
);

test('compareChain tries comparators in turn; reversed flips one', (t) => {
  const byLength = (a: string, b: string) => compareNumbers(a.length, b.length);
  const chain = compareChain(byLength, compareStrings);
  t.deepEqual(['bb', 'a', 'ab', 'c'].sort(chain), ['a', 'c', 'ab', 'bb']);
  t.deepEqual(['bb', 'a', 'ab', 'c'].sort(compareChain(reversed(byLength), compareStrings)), ['ab', 'bb', 'a', 'c']);
  t.is(reversed(compareStrings)('a', 'a'), 0);
  t.throws(() => compareChain<string>(), { instanceOf: AssertionError });
});

test('sortedStrict sorts a copy and refuses ties', (t) => {
  const input = ['b', 'c', 'a'];
  t.deepEqual(sortedStrict(input, compareStrings), ['a', 'b', 'c']);
  t.deepEqual(input, ['b', 'c', 'a']);
  t.throws(() => sortedStrict(['a', 'b', 'a'], compareStrings), { instanceOf: AssertionError, message: /tie/ });
  const byFirstLetter = compareBy((word: string) => word.slice(0, 1));
  t.throws(() => sortedStrict(['ab', 'ac'], byFirstLetter), { instanceOf: AssertionError });
  t.deepEqual(sortedStrict(['ab', 'ac'], compareChain(byFirstLetter, compareStrings)), ['ab', 'ac']);
});
