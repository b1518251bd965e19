import test from 'ava';
import { AssertionError, assert, maybe, unreachable } from './assert.ts';

test('assert passes on truthy values and returns nothing', (t) => {
  t.is(assert(1), undefined);
  t.is(assert('x', 'never shown'), undefined);
});

test('assert throws an AssertionError carrying the message', (t) => {
  const error = t.throws(() => assert(0, 'queue must not be empty'), { instanceOf: AssertionError });
  t.true(error instanceof Error);
  t.is(error?.name, 'AssertionError');
  t.regex(error?.message ?? '', /queue must not be empty/);
});

test('assert without a message still says it failed', (t) => {
  t.throws(() => assert(null), { instanceOf: AssertionError, message: 'assertion failed' });
});

test('a lazy message is built only when the assertion fails', (t) => {
  let calls = 0;
  const message = (): string => {
    calls += 1;
    return `built ${calls}`;
  };
  assert(true, message);
  t.is(calls, 0);
  t.throws(() => assert(false, message), { message: /built 1/ });
  t.is(calls, 1);
});

test('assert narrows the type for the checker', (t) => {
  const value: string | undefined = ['a'][0];
  assert(value !== undefined);
  t.is(value.length, 1);
});

test('unreachable throws and names the value and the place', (t) => {
  type Kind = { kind: 'a' } | { kind: 'b' };
  const describe = (value: Kind): string => {
    switch (value.kind) {
      case 'a':
        return 'A';
      case 'b':
        return 'B';
      default:
        return unreachable(value, 'Kind');
    }
  };
  t.is(describe({ kind: 'a' }), 'A');
  const bogus = { kind: 'c' } as unknown as Kind;
  t.throws(() => describe(bogus), { instanceOf: AssertionError, message: /unreachable \(Kind\): \{"kind":"c"\}/ });
});

test('unreachable survives values JSON cannot show', (t) => {
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  t.throws(() => unreachable(cyclic as never), { instanceOf: AssertionError, message: /<object>/ });
  t.throws(() => unreachable(Object.create(null) as never), { instanceOf: AssertionError });
});

test('maybe accepts either outcome and does nothing', (t) => {
  t.is(maybe(true), undefined);
  t.is(maybe(false), undefined);
});
