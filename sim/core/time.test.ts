import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { addDuration, formatDuration, isDuration, microseconds, milliseconds, parseDuration, seconds } from './time.ts';

test('constructors return integer microseconds', (t) => {
  t.is(microseconds(12), 12);
  t.is(milliseconds(250), 250_000);
  t.is(seconds(3), 3_000_000);
  t.is(seconds(0), 0);
});

test('constructors refuse fractions, negatives and overflow', (t) => {
  for (const bad of [() => microseconds(1.5), () => microseconds(-1), () => milliseconds(1.5), () => seconds(-2)]) {
    t.throws(bad, { instanceOf: AssertionError });
  }
  t.throws(() => seconds(Number.MAX_SAFE_INTEGER), { instanceOf: AssertionError, message: /overflows/ });
  t.throws(() => microseconds(Number.NaN), { instanceOf: AssertionError });
});

test('isDuration and addDuration check the safe integer range', (t) => {
  t.true(isDuration(0));
  t.false(isDuration(-1));
  t.false(isDuration(0.5));
  t.is(addDuration(10, 5), 15);
  t.throws(() => addDuration(Number.MAX_SAFE_INTEGER, 1), { instanceOf: AssertionError });
  t.throws(() => addDuration(10, -5), { instanceOf: AssertionError });
});

test('formatDuration uses the layout of Go time.Duration.String', (t) => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1µs'],
    [12, '12µs'],
    [999, '999µs'],
    [1_000, '1ms'],
    [1_500, '1.5ms'],
    [1_001, '1.001ms'],
    [250_000, '250ms'],
    [1_000_000, '1s'],
    [1_500_000, '1.5s'],
    [1_000_001, '1.000001s'],
    [90_000_000, '1m30s'],
    [3_600_000_000, '1h0m0s'],
    [3_723_500_000, '1h2m3.5s'],
    [-1_500_000, '-1.5s'],
  ];
  for (const [us, text] of cases) t.is(formatDuration(us), text, `formatDuration(${us})`);
  t.throws(() => formatDuration(0.5), { instanceOf: AssertionError });
});

test('parseDuration reads Go and protobuf duration strings', (t) => {
  const cases: [string, number][] = [
    ['0', 0],
    ['+0', 0],
    ['0s', 0],
    ['100ms', 100_000],
    ['1.5s', 1_500_000],
    ['2m', 120_000_000],
    ['1h', 3_600_000_000],
    ['10us', 10],
    ['10\u00b5s', 10],
    ['10\u03bcs', 10],
    ['1h2m3.5s', 3_723_500_000],
    ['2h45m', 9_900_000_000],
    ['1.5h', 5_400_000_000],
    ['+1s', 1_000_000],
    ['.5s', 500_000],
    ['1.s', 1_000_000],
    ['1s1h', 3_601_000_000],
    ['1ms5s', 5_001_000],
    ['0.000000001s', 0],
    ['0.000001s', 1],
    ['3.000000001s', 3_000_000],
    ['0.1s', 100_000],
    ['1.005s', 1_005_000],
    ['007s', 7_000_000],
  ];
  for (const [text, us] of cases) t.is(parseDuration(text), us, `parseDuration(${JSON.stringify(text)})`);
});

test('parseDuration rounds to the nearest µs, halves up', (t) => {
  t.is(parseDuration('1499ns'), 1);
  t.is(parseDuration('1500ns'), 2);
  t.is(parseDuration('499ns'), 0);
  t.is(parseDuration('0.0000005s'), 1);
  t.is(parseDuration('0.00000049999999s'), 0);
  // The total is rounded, not each part: 0.4µs + 0.4µs rounds once, to 1µs.
  t.is(parseDuration('400ns400ns'), 1);
});

test('parseDuration returns null for anything that is not a non-negative duration', (t) => {
  const bad = ['', '1', 's', '.s', '-1s', '-0', '1d', '1S', '1.5.s', ' 1s', '1s ', '1e3s', '1 s', 'ms', '1.2.3s', '++1s', '1sm', '0x10s'];
  for (const text of bad) t.is(parseDuration(text), null, `parseDuration(${JSON.stringify(text)})`);
  t.is(parseDuration(`${Number.MAX_SAFE_INTEGER}s`), null);
  t.is(parseDuration(`${Number.MAX_SAFE_INTEGER}us`), Number.MAX_SAFE_INTEGER);
  t.is(parseDuration(`${Number.MAX_SAFE_INTEGER + 1}us`), null);
});

testProp('formatDuration round-trips through parseDuration', [fc.maxSafeNat()], (t, us) => {
  t.is(parseDuration(formatDuration(us)), us);
});

testProp('formatDuration round-trips for short durations', [fc.integer({ min: 0, max: 10_000_000_000 })], (t, us) => {
  t.is(parseDuration(formatDuration(us)), us);
});

testProp(
  'components add up: XhYmZsWmsVus',
  [fc.nat(1_000_000), fc.nat(100), fc.nat(100), fc.nat(5_000), fc.nat(5_000)],
  (t, hours, minutes, wholeSeconds, ms, us) => {
    const expected = hours * 3_600_000_000 + minutes * 60_000_000 + wholeSeconds * 1_000_000 + ms * 1_000 + us;
    t.is(parseDuration(`${hours}h${minutes}m${wholeSeconds}s${ms}ms${us}us`), expected);
  },
);

testProp(
  'protobuf-style fractional seconds are exact to the µs',
  [fc.nat(1_000_000_000), fc.nat(999_999)],
  (t, wholeSeconds, fractionUs) => {
    const text = `${wholeSeconds}.${String(fractionUs).padStart(6, '0')}s`;
    t.is(parseDuration(text), wholeSeconds * 1_000_000 + fractionUs);
  },
);

testProp('nanoseconds round half up to µs', [fc.nat(1_000_000_000_000)], (t, ns) => {
  t.is(parseDuration(`${ns}ns`), Math.floor((ns + 500) / 1000));
});
