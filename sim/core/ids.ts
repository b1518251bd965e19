// Deterministic identifiers: "req-1", "req-2", "conn-1", … from per-prefix counters.
//
// Job: name things (requests, connections, pushes) so the names are the same on every run
// and readable in traces. Ids never come from randomness or from the clock.
//
// Invariants:
// - Each prefix has its own counter, starting at 1; allocating for one prefix never changes
//   another's sequence.
// - Ids are unique per allocator: the counter is all digits and the prefix is non-empty, so the
//   last "-" splits any id back into (prefix, n) in exactly one way.
// - No shared state: each world owns its allocator.
//
// Not modelled: id reuse or release, and global uniqueness across allocators (two worlds both
// have a "req-1", as they should).

import { assert } from './assert.ts';

export class IdAllocator {
  private readonly counters = new Map<string, number>();

  next(prefix: string): string {
    assert(prefix.length > 0, 'id prefix must not be empty');
    const n = (this.counters.get(prefix) ?? 0) + 1;
    assert(Number.isSafeInteger(n), () => `id counter for ${prefix} overflowed`);
    this.counters.set(prefix, n);
    return `${prefix}-${n}`;
  }

  /** How many ids were handed out for prefix so far. */
  issued(prefix: string): number {
    return this.counters.get(prefix) ?? 0;
  }
}
