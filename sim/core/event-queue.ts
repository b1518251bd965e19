// The pending-event queue: a binary min-heap ordered by (atUs, priority, seq).
//
// Job: hand back the earliest entry in O(log n), with ties broken the same way on every run.
//
// Invariants:
// - The order is total: seq is unique per queue (the loop owns the counter), so no two entries
//   ever compare equal and the heap's internal layout cannot leak into the pop order. Equal
//   (atUs, priority) therefore pop in seq order, which is insertion order for the loop.
// - Heap property: every entry is <= its children under compareEntries.
// - Entries are immutable once pushed.
//
// Not modelled: decrease-key and removal by handle (the loop cancels lazily instead), and
// stability of sorting between queues (seq is per queue).

import { assert } from './assert.ts';
import type { Instant } from './time.ts';

export type QueueEntry<P> = {
  readonly atUs: Instant;
  /** Lower runs first among entries at the same instant. */
  readonly priority: number;
  /** Unique per queue; the final tie-break. */
  readonly seq: number;
  readonly payload: P;
};

export function compareEntries<P>(a: QueueEntry<P>, b: QueueEntry<P>): number {
  if (a.atUs !== b.atUs) return a.atUs < b.atUs ? -1 : 1;
  if (a.priority !== b.priority) return a.priority < b.priority ? -1 : 1;
  // Two distinct entries with one seq would make the pop order depend on heap layout.
  assert(a.seq !== b.seq || a === b, () => `duplicate seq ${a.seq} in the event queue`);
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export class EventQueue<P> {
  private readonly heap: QueueEntry<P>[] = [];

  size(): number {
    return this.heap.length;
  }

  push(entry: QueueEntry<P>): void {
    assert(Number.isSafeInteger(entry.atUs) && entry.atUs >= 0, () => `bad atUs ${entry.atUs}`);
    assert(Number.isSafeInteger(entry.priority) && entry.priority >= 0, () => `bad priority ${entry.priority}`);
    assert(Number.isSafeInteger(entry.seq) && entry.seq >= 0, () => `bad seq ${entry.seq}`);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
  }

  peek(): QueueEntry<P> | undefined {
    return this.heap[0];
  }

  pop(): QueueEntry<P> | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Keeps only the entries for which keep() is true, then rebuilds the heap in O(n). */
  retain(keep: (entry: QueueEntry<P>) => boolean): void {
    // Compact in place: spreading a large array into push() can overflow the call stack.
    let keptCount = 0;
    for (const entry of this.heap) {
      if (keep(entry)) {
        this.heap[keptCount] = entry;
        keptCount += 1;
      }
    }
    this.heap.length = keptCount;
    for (let index = Math.floor(this.heap.length / 2) - 1; index >= 0; index -= 1) {
      this.siftDown(index);
    }
  }

  private entry(index: number): QueueEntry<P> {
    const found = this.heap[index];
    assert(found !== undefined, () => `heap index ${index} out of range`);
    return found;
  }

  private siftUp(start: number): void {
    let index = start;
    const moving = this.entry(index);
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.entry(parentIndex);
      if (compareEntries(moving, parent) >= 0) break;
      this.heap[index] = parent;
      index = parentIndex;
    }
    this.heap[index] = moving;
  }

  private siftDown(start: number): void {
    let index = start;
    const moving = this.entry(index);
    const length = this.heap.length;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= length) break;
      const rightIndex = leftIndex + 1;
      let childIndex = leftIndex;
      if (rightIndex < length && compareEntries(this.entry(rightIndex), this.entry(leftIndex)) < 0) {
        childIndex = rightIndex;
      }
      const child = this.entry(childIndex);
      if (compareEntries(child, moving) >= 0) break;
      this.heap[index] = child;
      index = childIndex;
    }
    this.heap[index] = moving;
  }
}
