/**
 * Client arrivals in virtual time: open-loop Poisson arrivals (exponential gaps between requests at a
 * given rate) and the closed-loop rule (a caller sends its next request a think time after the last
 * answer). Every gap is an integer number of microseconds drawn from the seeded Rng handed in.
 *
 * Method (integer-only exponential sampler, inverse CDF in fixed point): a gap is
 * meanUs · (−ln U) with U uniform in (0, 1]. One 32-bit draw r gives U = (r + 1) / 2³², so
 * −ln U = 32·ln 2 − ln(r + 1). ln(r + 1) is computed in fixed point with 24 fractional bits:
 * x = r + 1 = 2^e · (1 + f) with e = ⌊log₂ x⌋ (Math.clz32), ln x = e·ln 2 + ln(1 + f), and
 * ln(1 + f) comes from a 257-entry table of round(ln(1 + i/256) · 2²⁴) with linear interpolation
 * on the bits of f below the top 8. The gap is then round(10⁶ · L / (rate · 2²⁴)) µs for the
 * fixed-point L = −ln U, computed exactly with BigInt, so no float ever decides a gap.
 *
 * Error (per sample, in units of the mean gap): table rounding ≤ 2⁻²⁵; linear interpolation of the
 * concave ln under-estimates it by at most h²/8 = 1.9·10⁻⁶ (h = 1/256); the interpolation floor
 * and e·ln 2 rounding add ≤ 2·10⁻⁷. So |−ln U − L/2²⁴| < 2.2·10⁻⁶ (2.2 µs on a 1 s mean gap) and
 * the gap's rounding to whole µs adds ≤ 0.5 µs (half up, so no bias beyond 0.5 µs). The
 * interpolation error is one-sided: the mean gap comes out high by about 6·10⁻⁷ of itself. U's 2⁻³²
 * grid truncates the tail at −ln 2⁻³² ≈ 22.2 means (probability 2⁻³²) and moves the mean by < 10⁻⁸.
 *
 * Invariants: pure functions of their arguments and the Rng; exactly one draw per exponential gap
 * (whatever the rate), so changing a rate never shifts later draws of the same stream; every time
 * and gap is a non-negative safe integer µs; a rate is an integer per second (TrafficSpec).
 *
 * Not modelled: bursty or diurnal arrival processes, rate changes within one TrafficSpec,
 * client-side timeouts or connection reuse, coordinated omission correction (a closed-loop caller
 * simply waits for its answer).
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';

/** Fractional bits of the fixed-point logarithms. */
export const LN_FRACTION_BITS = 24;
const LN_ONE = 1 << LN_FRACTION_BITS;
/** round(ln 2 · 2²⁴). */
export const LN2_FIXED = 11_629_080;
const TWO_POW_32 = 0x1_0000_0000;

/** round(ln(1 + i/256) · 2²⁴) for i = 0..256 (generated once; the unit test re-derives it). */
export const LN_MANTISSA_TABLE: readonly number[] = Object.freeze([
  0, 65408, 130563, 195465, 260117, 324521, 388679, 452592, 516263, 579693,
  642884, 705838, 768556, 831042, 893295, 955318, 1017112, 1078680, 1140023, 1201142,
  1262040, 1322717, 1383175, 1443417, 1503443, 1563254, 1622854, 1682242, 1741421, 1800392,
  1859157, 1917716, 1976071, 2034225, 2092177, 2149930, 2207485, 2264843, 2322006, 2378974,
  2435750, 2492334, 2548728, 2604933, 2660951, 2716782, 2772428, 2827890, 2883169, 2938267,
  2993184, 3047922, 3102482, 3156865, 3211073, 3265106, 3318965, 3372652, 3426168, 3479514,
  3532691, 3585699, 3638541, 3691217, 3743728, 3796075, 3848259, 3900281, 3952143, 4003845,
  4055388, 4106773, 4158001, 4209073, 4259990, 4310753, 4361364, 4411821, 4462128, 4512284,
  4562291, 4612149, 4661859, 4711422, 4760840, 4810112, 4859240, 4908225, 4957067, 5005767,
  5054326, 5102746, 5151025, 5199167, 5247170, 5295037, 5342767, 5390362, 5437822, 5485149,
  5532342, 5579403, 5626332, 5673131, 5719799, 5766338, 5812748, 5859030, 5905184, 5951213,
  5997115, 6042892, 6088544, 6134072, 6179477, 6224760, 6269921, 6314960, 6359879, 6404678,
  6449358, 6493919, 6538362, 6582688, 6626896, 6670989, 6714966, 6758828, 6802576, 6846210,
  6889730, 6933138, 6976434, 7019619, 7062693, 7105656, 7148510, 7191254, 7233890, 7276418,
  7318838, 7361152, 7403359, 7445460, 7487455, 7529346, 7571132, 7612815, 7654394, 7695870,
  7737245, 7778517, 7819688, 7860758, 7901728, 7942599, 7983370, 8024042, 8064615, 8105091,
  8145469, 8185751, 8225936, 8266025, 8306018, 8345917, 8385720, 8425430, 8465045, 8504567,
  8543997, 8583334, 8622579, 8661732, 8700794, 8739766, 8778647, 8817438, 8856140, 8894753,
  8933277, 8971713, 9010061, 9048321, 9086495, 9124581, 9162582, 9200496, 9238326, 9276070,
  9313729, 9351304, 9388795, 9426202, 9463527, 9500768, 9537927, 9575003, 9611998, 9648912,
  9685745, 9722496, 9759168, 9795760, 9832271, 9868704, 9905058, 9941333, 9977530, 10013648,
  10049690, 10085654, 10121541, 10157351, 10193086, 10228744, 10264327, 10299834, 10335266, 10370624,
  10405907, 10441117, 10476252, 10511314, 10546303, 10581219, 10616063, 10650835, 10685534, 10720162,
  10754719, 10789204, 10823619, 10857963, 10892237, 10926442, 10960577, 10994642, 11028638, 11062566,
  11096425, 11130216, 11163939, 11197595, 11231183, 11264704, 11298158, 11331545, 11364866, 11398122,
  11431311, 11464435, 11497493, 11530487, 11563416, 11596280, 11629080,
]);

/** ln(x) · 2²⁴, floored interpolation, for an integer x in 1..2³²−1. */
export function lnFixed(x: number): number {
  if (!(Number.isSafeInteger(x) && x >= 1 && x < TWO_POW_32)) assert(false, () => `lnFixed needs an integer in 1..2^32-1, got ${x}`);
  const exponent = 31 - Math.clz32(x);
  const fraction = x - 2 ** exponent;
  if (exponent <= 8) {
    // Fewer than 8 fraction bits: the table index is exact, nothing to interpolate.
    return exponent * LN2_FIXED + (LN_MANTISSA_TABLE[fraction * 2 ** (8 - exponent)] as number);
  }
  const lowBits = exponent - 8;
  const index = Math.floor(fraction / 2 ** lowBits);
  const rest = fraction - index * 2 ** lowBits;
  const low = LN_MANTISSA_TABLE[index] as number;
  const high = LN_MANTISSA_TABLE[index + 1] as number;
  // (high − low) < 2¹⁷ and rest < 2²³: the product is exact in a double.
  return exponent * LN2_FIXED + low + Math.floor(((high - low) * rest) / 2 ** lowBits);
}

/** −ln U · 2²⁴ for U = (r + 1) / 2³², from one 32-bit draw; in 0..≈22.2·2²⁴. */
export function drawNegLnUniformFixed(rng: Rng): number {
  const r = rng.intInclusive(0, TWO_POW_32 - 1);
  if (r === TWO_POW_32 - 1) return 0; // U = 1 exactly: −ln 1 = 0.
  return Math.max(0, 32 * LN2_FIXED - lnFixed(r + 1));
}

/**
 * One exponential gap with mean `numeratorUs / denominator` µs, rounded to the nearest µs (exact
 * integer arithmetic). One draw.
 */
export function exponentialGapUs(rng: Rng, numeratorUs: number, denominator = 1): number {
  if (!(Number.isSafeInteger(numeratorUs) && numeratorUs >= 0)) assert(false, () => `mean numerator ${numeratorUs} must be a non-negative integer`);
  if (!(Number.isSafeInteger(denominator) && denominator >= 1)) assert(false, () => `mean denominator ${denominator} must be a positive integer`);
  const negLn = drawNegLnUniformFixed(rng);
  // Round half up: ⌊(2·num + den) / (2·den)⌋, in doubles while every term is an exact integer (the
  // quotient corrected by one either way makes the floor exact), else in BigInt.
  const dividend = 2 * numeratorUs * negLn + denominator * LN_ONE;
  const divisor = 2 * denominator * LN_ONE;
  if (dividend + divisor <= Number.MAX_SAFE_INTEGER) {
    let quotient = Math.floor(dividend / divisor);
    if (quotient * divisor > dividend) quotient -= 1;
    else if ((quotient + 1) * divisor <= dividend) quotient += 1;
    return quotient;
  }
  const num = BigInt(numeratorUs) * BigInt(negLn);
  const den = BigInt(denominator) * BigInt(LN_ONE);
  return Number((2n * num + den) / (2n * den));
}

/** The gap before the next arrival of a Poisson process at `ratePerSecond` (mean 10⁶/rate µs). */
export function poissonGapUs(rng: Rng, ratePerSecond: number): number {
  assert(Number.isSafeInteger(ratePerSecond) && ratePerSecond >= 1, () => `rate ${ratePerSecond}/s must be a positive integer`);
  return exponentialGapUs(rng, 1_000_000, ratePerSecond);
}

/** An open-loop client: Poisson arrivals at an integer rate in [startUs, endUs). */
export interface OpenLoopSchedule {
  readonly ratePerSecond: number;
  readonly startUs: number;
  /** Exclusive. */
  readonly endUs: number;
}

/**
 * The arrival after `previousUs` (null: the first one, counted from `startUs`), or null when it
 * would fall at or after `endUs`. A rate of 0 sends nothing. Poisson arrivals are memoryless, so the
 * first arrival is one exponential gap after the start, like every later one.
 */
export function nextOpenLoopArrivalUs(schedule: OpenLoopSchedule, previousUs: number | null, rng: Rng): number | null {
  assert(Number.isSafeInteger(schedule.startUs) && schedule.startUs >= 0, 'open-loop start must be a non-negative integer µs');
  assert(Number.isSafeInteger(schedule.endUs) && schedule.endUs >= schedule.startUs, 'open-loop end must be an integer µs ≥ start');
  if (schedule.ratePerSecond === 0) return null;
  const fromUs = previousUs ?? schedule.startUs;
  assert(fromUs >= schedule.startUs, () => `previous arrival ${fromUs} before the start ${schedule.startUs}`);
  const atUs = fromUs + poissonGapUs(rng, schedule.ratePerSecond);
  return atUs < schedule.endUs ? atUs : null;
}

/** A closed-loop client: `concurrency` callers, each waiting `thinkTimeUs` after an answer. */
export interface ClosedLoopSchedule {
  readonly concurrency: number;
  readonly thinkTimeUs: number;
  readonly startUs: number;
  /** Exclusive. */
  readonly endUs: number;
}

/** When each caller sends its first request: all at the start (callers 0..concurrency−1). */
export function closedLoopFirstSendsUs(schedule: ClosedLoopSchedule): number[] {
  assert(Number.isSafeInteger(schedule.concurrency) && schedule.concurrency >= 0, 'closed-loop concurrency must be a non-negative integer');
  if (schedule.startUs >= schedule.endUs) return [];
  return Array.from({ length: schedule.concurrency }, () => schedule.startUs);
}

/** A caller answered at `answeredAtUs` sends again after its think time, or stops (null) at the end. */
export function closedLoopNextSendUs(schedule: ClosedLoopSchedule, answeredAtUs: number): number | null {
  assert(Number.isSafeInteger(schedule.thinkTimeUs) && schedule.thinkTimeUs >= 0, 'think time must be a non-negative integer µs');
  assert(Number.isSafeInteger(answeredAtUs) && answeredAtUs >= 0, () => `answer time ${answeredAtUs} must be a non-negative integer µs`);
  const atUs = answeredAtUs + schedule.thinkTimeUs;
  return atUs < schedule.endUs ? atUs : null;
}
