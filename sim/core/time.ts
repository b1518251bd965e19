// Virtual time: integer microseconds, plus the Go/protobuf duration syntax Istio uses.
//
// Job: give every module one unit for time (µs, as a safe integer), checked constructors, a
// lossless human format, and a parser for the duration strings found in Istio config.
//
// Invariants:
// - An Instant or Duration is a non-negative safe integer (Number.isSafeInteger): about 285
//   years of µs, and integer arithmetic on it is exact.
// - Only the event loop advances time; this file only names and converts it.
// - formatDuration is lossless: parseDuration(formatDuration(us)) === us for every Duration.
// - parseDuration is exact: it works on the decimal digits with BigInt, never with float
//   multiplication, and rounds the exact total to the nearest µs (halves round up).
//
// Not modelled:
// - Nanosecond resolution: "1500ns" becomes 2µs, and "1ns" becomes 0.
// - Negative durations: they parse to null. Go and protobuf accept a leading "-", but no Istio
//   duration field we model means anything when negative.
// - Go's overflow limit (~292 years of ns); ours is Number.MAX_SAFE_INTEGER µs (~285 years).
// - Go's unit "ns" precision games with float64 fractions: we are exact where Go may be off by 1ns.

import { assert } from './assert.ts';

/** A point in virtual time, in µs since the world started. */
export type Instant = number;
/** A length of virtual time, in µs. */
export type Duration = number;

export const MICROSECONDS_PER_MILLISECOND = 1_000;
export const MICROSECONDS_PER_SECOND = 1_000_000;
export const MICROSECONDS_PER_MINUTE = 60_000_000;
export const MICROSECONDS_PER_HOUR = 3_600_000_000;

export function isDuration(us: number): boolean {
  return Number.isSafeInteger(us) && us >= 0;
}

export function assertDuration(us: number, what = 'duration'): void {
  assert(isDuration(us), () => `${what} must be a non-negative safe integer of µs, got ${us}`);
}

export function assertInstant(us: number, what = 'instant'): void {
  assert(isDuration(us), () => `${what} must be a non-negative safe integer of µs, got ${us}`);
}

export function microseconds(n: number): Duration {
  assertDuration(n, 'microseconds');
  return n;
}

// Whole milliseconds only: a fractional argument would need float multiplication (1.005 * 1000
// is 1004.999…). Write microseconds(1500) or parseDuration('1.5ms') instead.
export function milliseconds(n: number): Duration {
  return scaled(n, MICROSECONDS_PER_MILLISECOND, 'milliseconds');
}

/** Whole seconds only, for the same reason as milliseconds(). */
export function seconds(n: number): Duration {
  return scaled(n, MICROSECONDS_PER_SECOND, 'seconds');
}

function scaled(n: number, factorUs: number, what: string): Duration {
  assert(Number.isSafeInteger(n) && n >= 0, () => `${what} must be a non-negative safe integer, got ${n}`);
  const us = n * factorUs;
  assert(Number.isSafeInteger(us), () => `${what}(${n}) overflows the safe integer range of µs`);
  return us;
}

/** atUs + delayUs, checked: the sum must stay a safe integer. */
export function addDuration(atUs: Instant, delayUs: Duration): Instant {
  assertInstant(atUs);
  assertDuration(delayUs, 'delay');
  const sumUs = atUs + delayUs;
  assert(Number.isSafeInteger(sumUs), () => `instant ${atUs} + ${delayUs} overflows`);
  return sumUs;
}

/**
 * Go's time.Duration.String() layout, in µs: "0s", "12µs", "1.5ms", "250ms", "1.5s", "1m30s",
 * "1h0m0s". Exact (no rounding), so it round-trips through parseDuration. Negative values (a
 * difference of instants) get a leading "-".
 */
export function formatDuration(us: number): string {
  assert(Number.isSafeInteger(us), () => `formatDuration needs a safe integer of µs, got ${us}`);
  if (us < 0) return `-${formatDuration(-us)}`;
  if (us === 0) return '0s';
  if (us < MICROSECONDS_PER_MILLISECOND) return `${us}µs`;
  if (us < MICROSECONDS_PER_SECOND) {
    const wholeMs = Math.floor(us / MICROSECONDS_PER_MILLISECOND);
    return `${wholeMs}${fraction(us % MICROSECONDS_PER_MILLISECOND, 3)}ms`;
  }
  const totalS = Math.floor(us / MICROSECONDS_PER_SECOND);
  const secondsPart = `${totalS % 60}${fraction(us % MICROSECONDS_PER_SECOND, 6)}s`;
  const totalMin = Math.floor(totalS / 60);
  if (totalMin === 0) return secondsPart;
  const hours = Math.floor(totalMin / 60);
  if (hours === 0) return `${totalMin}m${secondsPart}`;
  return `${hours}h${totalMin % 60}m${secondsPart}`;
}

// ".5", ".000001" or "" for a remainder below 10^digits, trailing zeros dropped.
function fraction(remainder: number, digits: number): string {
  if (remainder === 0) return '';
  return `.${String(remainder).padStart(digits, '0').replace(/0+$/, '')}`;
}

// Nanoseconds per unit, or undefined for an unknown unit. Go accepts both micro signs: U+00B5
// (micro sign) and U+03BC (Greek mu). A switch, not a module-level Map: no shared objects.
function unitNs(unit: string): bigint | undefined {
  switch (unit) {
    case 'ns':
      return 1n;
    case 'us':
    case '\u00b5s':
    case '\u03bcs':
      return 1_000n;
    case 'ms':
      return 1_000_000n;
    case 's':
      return 1_000_000_000n;
    case 'm':
      return 60_000_000_000n;
    case 'h':
      return 3_600_000_000_000n;
    default:
      return undefined;
  }
}

/**
 * Parses Go's time.ParseDuration syntax ("300ms", "1.5h", "2h45m", "10us", "1h2m3.5s", "0"),
 * which includes protobuf's Duration JSON form ("1.5s", "0.000000001s"). Returns integer µs, or
 * null when the text is not a duration, is negative, or exceeds the safe integer range.
 */
export function parseDuration(text: string): Duration | null {
  let rest = text;
  if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0; // Go's one unitless form.
  if (rest === '') return null;
  // Sum exactly as (total ns) * 10^scaleDigits, so "1.25s" and "0.0000001s" are both exact.
  let totalScaledNs = 0n;
  let scaleDigits = 0;
  // One "<digits>[.<digits>]<unit>" component at a time. A sticky regex keeps its position in
  // lastIndex, so it is built per call: a module-level one would be shared mutable state.
  const component = /(\d*)(?:\.(\d*))?([a-z\u00b5\u03bc]+)/y;
  while (component.lastIndex < rest.length) {
    const match = component.exec(rest);
    if (match === null) return null;
    const whole = match[1] ?? '';
    const frac = match[2] ?? '';
    const componentUnitNs = unitNs(match[3] ?? '');
    // Go wants a digit on at least one side of the dot: ".5s" and "1.s" parse, ".s" does not.
    if (componentUnitNs === undefined || whole.length + frac.length === 0) return null;
    if (frac.length > scaleDigits) {
      totalScaledNs *= 10n ** BigInt(frac.length - scaleDigits);
      scaleDigits = frac.length;
    }
    const digits = BigInt(`${whole}${frac}`);
    totalScaledNs += digits * componentUnitNs * 10n ** BigInt(scaleDigits - frac.length);
  }
  // Round half up to whole µs: floor((x + d/2) / d) with d = 1000 * 10^scaleDigits (even).
  const divisor = 1_000n * 10n ** BigInt(scaleDigits);
  const us = (totalScaledNs + divisor / 2n) / divisor;
  if (us > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(us);
}
