// The kernel's surface for the rest of sim/: explicit re-exports, nothing else.
//
// Job: one import path for the simulation kernel (assertions, time, ordering, event queue and
// loop, PRNG streams, stable hashing, ids).
//
// Invariants: this file only re-exports; the kernel imports nothing from outside sim/core
// except pure-rand.
//
// Not modelled: nothing here; see each file's own list.

export { AssertionError, assert, maybe, unreachable } from './assert.ts';
export { base64UrlBytes, base64UrlDecode, base64UrlEncode } from './base64url.ts';
export {
  compareBy,
  compareChain,
  compareNumbers,
  compareStrings,
  reversed,
  sortedStrict,
  type Comparator,
  type Ordering,
  type SortKey,
} from './compare.ts';
export { EventQueue, compareEntries, type QueueEntry } from './event-queue.ts';
export { StableHasher, hash32, hashString, stableStringify } from './hash.ts';
export { IdAllocator } from './ids.ts';
export {
  EventLoop,
  PRIORITY_LATE,
  PRIORITY_NORMAL,
  PRIORITY_URGENT,
  type EventHandle,
  type EventHandler,
  type Priority,
  type RunResult,
  type RunStop,
} from './loop.ts';
export { PERCENT_RATIO_DENOMINATOR, Rng, percentToRatio, ratio, type Ratio } from './prng.ts';
export {
  MICROSECONDS_PER_HOUR,
  MICROSECONDS_PER_MILLISECOND,
  MICROSECONDS_PER_MINUTE,
  MICROSECONDS_PER_SECOND,
  addDuration,
  assertDuration,
  assertInstant,
  formatDuration,
  isDuration,
  microseconds,
  milliseconds,
  parseDuration,
  seconds,
  type Duration,
  type Instant,
} from './time.ts';
