import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { parseTimestampUs } from './timestamp.ts';

const SECOND_US = 1_000_000;

test('the epoch is 0 and a known instant has its known value (RFC 3339 §5.6, Z = UTC)', (t) => {
  t.is(parseTimestampUs('1970-01-01T00:00:00Z'), 0);
  t.is(parseTimestampUs('2024-01-01T00:00:00Z'), 1_704_067_200 * SECOND_US);
  t.is(parseTimestampUs('2000-02-29T12:34:56Z'), 951_827_696 * SECOND_US);
});

test('instants before the epoch are negative', (t) => {
  t.is(parseTimestampUs('1969-12-31T23:59:59Z'), -1 * SECOND_US);
});

test('numeric offsets are subtracted to get UTC: 01:00+01:00 and 18:00-06:00 of the day before are both midnight Z', (t) => {
  const midnight = parseTimestampUs('2024-01-01T00:00:00Z');
  t.is(parseTimestampUs('2024-01-01T01:00:00+01:00'), midnight);
  t.is(parseTimestampUs('2023-12-31T18:00:00-06:00'), midnight);
  t.is(parseTimestampUs('2024-01-01T05:30:00+05:30'), midnight);
  t.is(parseTimestampUs('2024-01-01T00:00:00+00:00'), midnight);
  t.is(parseTimestampUs('2024-01-01T00:00:00-00:00'), midnight);
});

test('fractional seconds are kept as microseconds; digits past the sixth are cut, not rounded', (t) => {
  const base = parseTimestampUs('2024-01-01T00:00:00Z')!;
  t.is(parseTimestampUs('2024-01-01T00:00:00.5Z'), base + 500_000);
  t.is(parseTimestampUs('2024-01-01T00:00:00.000001Z'), base + 1);
  t.is(parseTimestampUs('2024-01-01T00:00:00.123456789Z'), base + 123_456);
  t.is(parseTimestampUs('2024-01-01T00:00:00.9999999Z'), base + 999_999);
  t.is(parseTimestampUs('2024-01-01T01:00:00.25+01:00'), base + 250_000);
});

test('RFC 3339 §5.6 NOTE: lower-case t and z are allowed', (t) => {
  t.is(parseTimestampUs('2024-01-01t00:00:00z'), parseTimestampUs('2024-01-01T00:00:00Z'));
});

// Rows of text that is not an RFC 3339 date-time, or names a date that does not exist.
const INVALID: readonly [string, string][] = [
  ['2024-02-30T00:00:00Z', 'February 30 does not exist'],
  ['2023-02-29T00:00:00Z', '2023 is not a leap year'],
  ['1900-02-29T00:00:00Z', 'century years are leap years only when divisible by 400 (1900 is not)'],
  ['2024-04-31T00:00:00Z', 'April has 30 days'],
  ['2024-13-01T00:00:00Z', 'there is no month 13'],
  ['2024-00-10T00:00:00Z', 'there is no month 0'],
  ['2024-01-00T00:00:00Z', 'there is no day 0'],
  ['2024-01-01T24:00:00Z', 'hours run 00-23'],
  ['2024-01-01T00:60:00Z', 'minutes run 00-59'],
  ['2024-01-01T00:00:61Z', 'seconds run 00-60'],
  ['2024-01-01T00:00:00', 'the time zone is required'],
  ['2024-01-01', 'a date alone is not a date-time'],
  ['2024-1-1T00:00:00Z', 'fields have fixed widths'],
  ['2024-01-01T00:00:00.Z', 'a fraction needs at least one digit'],
  ['2024-01-01T00:00:00+0100', 'the offset has a colon'],
  ['2024-01-01T00:00:00+25:00', 'offset hours run 00-23 (Go time.Parse also rejects > 24)'],
  ['2024-01-01T00:00:00+01:99', 'offset minutes run 00-59 (Go time.Parse also rejects > 60)'],
  ['yesterday', 'not a timestamp at all'],
  ['', 'empty'],
  [' 2024-01-01T00:00:00Z', 'no surrounding space'],
];

for (const [text, rule] of INVALID) {
  test(`invalid: ${JSON.stringify(text)} → null (${rule})`, (t) => {
    t.is(parseTimestampUs(text), null);
  });
}

test('February 29 exists in leap years, including 2000 (divisible by 400)', (t) => {
  t.not(parseTimestampUs('2024-02-29T00:00:00Z'), null);
  t.not(parseTimestampUs('2000-02-29T00:00:00Z'), null);
  t.is(parseTimestampUs('2024-03-01T00:00:00Z')! - parseTimestampUs('2024-02-29T00:00:00Z')!, 86_400 * SECOND_US);
});

const dateArb = fc.record({
  year: fc.integer({ min: 1000, max: 9999 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  micros: fc.integer({ min: 0, max: 999_999 }),
  offsetMinutes: fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
});

const pad = (value: number, width: number) => String(value).padStart(width, '0');

// The test (not sim/) may use the host's Date as an independent oracle for the calendar arithmetic.
testProp('agrees with an independent calendar (Date.UTC) for any date, time, fraction and offset', [dateArb], (t, d) => {
  const sign = d.offsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(d.offsetMinutes);
  const text = `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}T${pad(d.hour, 2)}:${pad(d.minute, 2)}:${pad(d.second, 2)}.${pad(d.micros, 6)}${sign}${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`;
  const expectedMs = Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second) - d.offsetMinutes * 60_000;
  t.is(parseTimestampUs(text), expectedMs * 1000 + d.micros, text);
});

testProp('later text in the same zone is a later instant (order is preserved)', [dateArb, dateArb], (t, a, b) => {
  const text = (d: typeof a) => `${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}T${pad(d.hour, 2)}:${pad(d.minute, 2)}:${pad(d.second, 2)}.${pad(d.micros, 6)}Z`;
  const [ta, tb] = [text(a), text(b)];
  const order = ta < tb ? -1 : ta > tb ? 1 : 0;
  const [ua, ub] = [parseTimestampUs(ta)!, parseTimestampUs(tb)!];
  t.is(Math.sign(ua - ub), order);
});
