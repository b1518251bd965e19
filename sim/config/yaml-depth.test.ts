import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { parseManifest } from './parse-manifests.ts';
import { NESTING_MAX, tooDeep } from './yaml-depth.ts';

test('flow nesting past the limit is found at the bracket that crosses it; at the limit it is fine', (t) => {
  t.deepEqual(tooDeep(`a: ${'['.repeat(NESTING_MAX + 1)}${']'.repeat(NESTING_MAX + 1)}`), { line: 1, column: 4 + NESTING_MAX });
  t.is(tooDeep(`a: ${'['.repeat(NESTING_MAX)}${']'.repeat(NESTING_MAX)}`), null);
  t.deepEqual(tooDeep(`x: 1\nb:\n  c: ${'{a: '.repeat(NESTING_MAX + 1)}`), { line: 3, column: 6 + 4 * NESTING_MAX });
});

test('brackets inside quoted scalars and comments do not count; an apostrophe in a plain scalar opens no quote', (t) => {
  const many = '['.repeat(NESTING_MAX + 5);
  t.is(tooDeep(`a: "${many}"\nb: '${many}'\n# ${many}\nc: it's ok`), null);
  t.not(tooDeep(`note: it's ${many}`), null, 'a plain scalar\'s brackets still count (what the parser would nest)');
});

test('indentation deeper than the limit allows is found on its line', (t) => {
  t.deepEqual(tooDeep(`a:\n${' '.repeat(2 * NESTING_MAX + 1)}b: 1\n`), { line: 2, column: 2 * NESTING_MAX + 1 });
  t.is(tooDeep(`a:\n${' '.repeat(2 * NESTING_MAX)}b: 1\n`), null);
});

testProp('text nested thousands of levels deep is a positioned syntax error, the same on every parse, never a stack overflow', [fc.integer({ min: NESTING_MAX + 1, max: 20_000 }), fc.constantFrom('[', '{a: ')], (t, levels, open) => {
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: ${open.repeat(levels)}`;
  const first = parseManifest({ path: 'deep.yaml', text });
  const second = parseManifest({ path: 'deep.yaml', text });
  t.deepEqual(first, second);
  t.is(first.diagnostics.length, 1);
  t.like(first.diagnostics[0], { code: 'MS0001', line: 4, message: `YAML syntax error: nested more than ${NESTING_MAX} levels deep.` });
});
