// Seeded, integer-only pseudo-random streams, forked per component by name.
//
// Job: every random choice in the simulator (load balancing, fault injection, jitter, client
// think time) draws from an Rng that is reproducible from a recorded seed.
//
// Invariants:
// - Integers only: no floats in the API, so a draw means the same thing on every platform.
// - A stream is fully determined by its seed. fork(label) derives the child's seed from the
//   parent's *seed* and the label (FNV-1a 64 of both), never by drawing from the parent, so
//   creating or drawing from one component's stream never shifts another's, in any order.
// - chance() draws exactly once whatever the ratio (also for 0 and 1), so tuning a probability
//   does not change how many numbers later draws see.
// - pickWeighted never returns a zero-weight index; weights are integers, as Istio's are.
// - Percentages follow Istio: trunc(percent × 10^4) parts per million, which is exactly what
//   translatePercentToFractionalPercent sends to Envoy as a FractionalPercent(MILLION).
//
// Generator: pure-rand's xoroshiro128+ (32-bit output), with its 128-bit state filled from the
// seed by splitmix32, so nearby seeds (1, 2, 3) start far apart.
//
// Not modelled: streams for floats or distributions (exponential, normal); build those from
// integer tables in the module that needs them. Jumps (pure-rand's jump()) are unused: fork
// by label covers independence.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { assert } from './assert.ts';
import { StableHasher } from './hash.ts';

export type Ratio = { readonly numerator: number; readonly denominator: number };

export function ratio(numerator: number, denominator: number): Ratio {
  assert(Number.isSafeInteger(denominator) && denominator > 0, () => `bad ratio denominator ${denominator}`);
  assert(
    Number.isSafeInteger(numerator) && numerator >= 0 && numerator <= denominator,
    () => `ratio numerator ${numerator} must be an integer in 0..${denominator}`,
  );
  return { numerator, denominator };
}

/** Envoy's FractionalPercent MILLION: an Istio percentage becomes parts per million. */
export const PERCENT_RATIO_DENOMINATOR = 1_000_000;

/**
 * An Istio `Percent` (0..100, a double) as Envoy receives it: trunc(percent × 10_000) per
 * million. The float multiply is deliberate, to match istiod bit for bit: IEEE-754 products
 * are reproducible, and istiod computes uint32(p.Value * 10000) in float64 too, so 0.57
 * becomes 5699 ppm in both. Below 0.0001% truncates to 0, as in Istio.
 */
export function percentToRatio(percent: number): Ratio {
  assert(Number.isFinite(percent) && percent >= 0 && percent <= 100, () => `percent ${percent} outside 0..100`);
  return ratio(Math.trunc(percent * 10_000), PERCENT_RATIO_DENOMINATOR);
}

export class Rng {
  private readonly seedValue: number;
  private readonly generator: RandomGenerator;

  private constructor(seed: number) {
    this.seedValue = seed;
    this.generator = xoroshiro128plusFromState(initialState(seed));
  }

  /** seed: a non-negative safe integer. The same seed always gives the same stream. */
  static fromSeed(seed: number): Rng {
    assert(Number.isSafeInteger(seed) && seed >= 0, () => `seed must be a non-negative safe integer, got ${seed}`);
    return new Rng(seed);
  }

  /** The seed this stream was built from: Rng.fromSeed(rng.seed) replays it from the start. */
  get seed(): number {
    return this.seedValue;
  }

  /** A child stream for one component, e.g. rng.fork('lb/reviews'). See the header. */
  fork(label: string): Rng {
    const childSeed = new StableHasher().update('meshsim/rng-fork/').updateNumber(this.seedValue).update(label);
    return new Rng(childSeed.digestSafeInteger());
  }

  /** Uniform integer in min..max, both included. */
  intInclusive(min: number, max: number): number {
    if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max))) assert(false, () => `bounds must be safe integers: ${min}..${max}`);
    if (!(min <= max)) assert(false, () => `empty range ${min}..${max}`);
    if (!(Number.isSafeInteger(max - min))) assert(false, () => `range ${min}..${max} too wide`);
    return uniformInt(this.generator, min, max);
  }

  /** Uniform integer in 0..n-1. */
  below(n: number): number {
    if (!(Number.isSafeInteger(n) && n >= 1)) assert(false, () => `below(n) needs a positive integer, got ${n}`);
    return this.intInclusive(0, n - 1);
  }

  /** True with probability numerator/denominator. Always consumes one draw. */
  chance(probability: Ratio): boolean {
    const { numerator, denominator } = ratio(probability.numerator, probability.denominator);
    return this.below(denominator) < numerator;
  }

  /** An index into weights, with probability weight/total. Zero weights are never chosen. */
  pickWeighted(weights: readonly number[]): number {
    let totalWeight = 0;
    for (const weight of weights) {
      if (!(Number.isSafeInteger(weight) && weight >= 0)) assert(false, () => `weight ${weight} is not a non-negative integer`);
      totalWeight += weight;
    }
    assert(Number.isSafeInteger(totalWeight), 'total weight overflows');
    assert(totalWeight > 0, 'pickWeighted needs a positive total weight');
    const target = this.below(totalWeight);
    let cumulative = 0;
    for (let index = 0; index < weights.length; index += 1) {
      cumulative += weights[index] ?? 0;
      // Strict: target < cumulative is only newly true where the weight is positive.
      if (target < cumulative) return index;
    }
    assert(false, 'pickWeighted fell off the end');
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from an empty list');
    return items[this.below(items.length)] as T;
  }

  /** A shuffled copy (Fisher–Yates); the input is left alone. */
  shuffle<T>(items: readonly T[]): T[] {
    const result = [...items];
    for (let index = result.length - 1; index > 0; index -= 1) {
      const other = this.intInclusive(0, index);
      const held = result[index] as T;
      result[index] = result[other] as T;
      result[other] = held;
    }
    return result;
  }
}

// xoroshiro128+ state from a 53-bit seed: four splitmix32 outputs from a counter that starts
// at a mix of both seed halves. splitmix32's finalizer is a bijection and the four counters
// differ, so at most one word is zero and the state is never the all-zero fixed point.
function initialState(seed: number): number[] {
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / 0x1_0000_0000);
  let counter = (seedLo ^ mix32(seedHi ^ 0x5bd1e995)) | 0;
  const state: number[] = [];
  for (let word = 0; word < 4; word += 1) {
    counter = (counter + 0x9e3779b9) | 0;
    state.push(mix32(counter));
  }
  return state;
}

// splitmix32 / murmur-style finalizer: every input bit affects every output bit.
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) | 0;
}
