import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { editDistance } from './edit-distance.ts';

test('known distances', (t) => {
  t.is(editDistance('', ''), 0);
  t.is(editDistance('kitten', 'sitting'), 3);
  t.is(editDistance('reviews', 'review'), 1);
  t.is(editDistance('', 'abc'), 3);
  t.is(editDistance('sucessRate', 'successRate'), 1);
});

testProp('symmetric, and 0 only for equal strings', [fc.string(), fc.string()], (t, a, b) => {
  t.is(editDistance(a, b), editDistance(b, a));
  t.is(editDistance(a, b) === 0, a === b);
});
