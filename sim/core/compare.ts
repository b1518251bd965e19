// Deterministic ordering helpers.
//
// Job: comparators whose result depends only on the values compared — never on the locale, the
// ICU version or insertion order — and a way to chain keys until ties are broken.
//
// Invariants:
// - Strings compare by UTF-16 code unit (plain `<`), the order Array.prototype.sort uses by
//   default; never localeCompare, whose answer depends on the host's ICU data.
// - Comparators return exactly -1, 0 or 1.
// - NaN is never a valid key: it compares false with everything and would make a sort order
//   depend on the algorithm's visiting order.
// - sortedStrict proves the caller's comparator broke every tie down to a unique key.
//
// Not modelled: natural ("file10" after "file9") or case-insensitive orders; add them as keys.

import { assert } from './assert.ts';

export type Ordering = -1 | 0 | 1;
export type Comparator<T> = (a: T, b: T) => Ordering;
/** Extracts one sort key; earlier keys dominate later ones in compareBy. */
export type SortKey<T> = (item: T) => string | number;

export function compareStrings(a: string, b: string): Ordering {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

export function compareNumbers(a: number, b: number): Ordering {
  assert(!Number.isNaN(a) && !Number.isNaN(b), 'NaN cannot be ordered');
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Compares by each key in turn; the first key that differs decides. */
export function compareBy<T>(...keys: readonly SortKey<T>[]): Comparator<T> {
  assert(keys.length > 0, 'compareBy needs at least one key');
  return (a, b) => {
    for (const key of keys) {
      const order = compareKeys(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  };
}

function compareKeys(a: string | number, b: string | number): Ordering {
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  // A key that is sometimes a string and sometimes a number has no meaningful order.
  assert(false, () => `sort key types differ: ${typeof a} vs ${typeof b}`);
}

/** Tries each comparator in turn; the first non-zero answer decides. */
export function compareChain<T>(...comparators: readonly Comparator<T>[]): Comparator<T> {
  assert(comparators.length > 0, 'compareChain needs at least one comparator');
  return (a, b) => {
    for (const comparator of comparators) {
      const order = comparator(a, b);
      if (order !== 0) return order;
    }
    return 0;
  };
}

export function reversed<T>(comparator: Comparator<T>): Comparator<T> {
  return (a, b) => (0 - comparator(a, b)) as Ordering;
}

/**
 * A sorted copy that asserts no two items tie. Use it where the result's order reaches a trace
 * or a report: a tie would leave the order to insertion, and insertion order is how
 * "shuffling the input manifests changes the output" bugs are born.
 */
export function sortedStrict<T>(items: readonly T[], comparator: Comparator<T>): T[] {
  const sorted = [...items].sort(comparator);
  for (let index = 1; index < sorted.length; index += 1) {
    const order = comparator(sorted[index - 1] as T, sorted[index] as T);
    assert(order < 0, () => `sortedStrict: items at ${index - 1} and ${index} tie; add a unique key`);
  }
  return sorted;
}
