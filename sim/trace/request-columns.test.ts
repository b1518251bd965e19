import test from 'ava';
import { AssertionError } from '../core/assert.ts';
import { RequestColumns } from './request-columns.ts';

test('columns keep every request in order across growth', (t) => {
  const columns = new RequestColumns();
  for (let i = 0; i < 5000; i += 1) columns.push(1_000_000_000_000 + i, i * 3, i % 7);
  t.is(columns.length, 5000);
  for (const i of [0, 1023, 1024, 2047, 2048, 4999]) {
    t.is(columns.endUs(i), 1_000_000_000_000 + i);
    t.is(columns.durationUs(i), i * 3);
    t.is(columns.seriesOf(i), i % 7);
  }
});

test('columns refuse what is not an integer number of µs', (t) => {
  const columns = new RequestColumns();
  t.throws(() => columns.push(1.5, 0, 0), { instanceOf: AssertionError });
  t.throws(() => columns.push(1, -1, 0), { instanceOf: AssertionError });
  t.is(columns.length, 0);
});
