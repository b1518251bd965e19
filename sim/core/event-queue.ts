// The pending-event queue: a binary min-heap ordered by (atUs, priority, seq), kept in typed
// arrays so that pushing and popping allocate nothing.
//
// Job: hand back the earliest entry in O(log n), with ties broken the same way on every run. An
// entry is a key plus a slot: a small integer chosen by the caller (the loop keeps payloads by
// slot) and handed back by pop().
//
// Layout: three parallel arrays by heap position: atUs (Float64Array), a tie key (Float64Array)
// and the slot (Int32Array). The tie key packs the rest of the order into one exact double:
// tie = priority * 2^45 + seq, with priority <= PRIORITY_MAX (255) and seq < SEQ_LIMIT (2^45), so
// it stays below 2^53; comparing (atUs, tie) is exactly comparing (atUs, priority, seq). Ties on
// atUs are common (events at one instant), so the tie key sits beside atUs rather than behind the
// slot. Positions at and past size() hold +Infinity in the atUs array, so a right sibling can
// always be read and compared. The arrays double when full and never shrink.
//
// Speed: the sift-down picks the smaller child without a branch (a mispredicted branch per
// level is most of a small heap's cost), and in a heap of 4096 entries or more it reads the entry
// three levels further down (where the eight great-grandchildren sit side by side) before
// comparing, so that those cache lines are already on their way. Hot methods pass heap positions
// rather than keys: a key above 2^31 passed to a call that is not inlined would be boxed.
//
// Invariants:
// - The order is total: seq is unique per queue (the loop owns the counter), so no two entries
//   ever compare equal and the heap's internal layout cannot leak into the pop order. Equal
//   (atUs, priority) therefore pop in seq order, which is insertion order for the loop. Two equal
//   keys are a bug (AssertionError) when a sift compares them as parent and child.
// - Heap property: every entry is <= its children under (atUs, tie).
// - Keys are checked on push: atUs a non-negative safe integer, priority an integer in
//   0..PRIORITY_MAX, seq an integer in 0..SEQ_LIMIT-1, slot a non-negative int32. The queue
//   neither reads nor checks slots beyond that; keeping them unique is the caller's business.
// - Entries are immutable once pushed.
//
// Not modelled: decrease-key and removal by slot (the loop cancels lazily instead), priorities
// above PRIORITY_MAX or seq at or above 2^45 (both refused, not wrapped), shrinking after a
// burst, and stability of sorting between queues (seq is per queue).

import { assert } from './assert.ts';
import type { Instant } from './time.ts';

/** The largest priority the tie key can hold; a power of two minus one (see push()). */
export const PRIORITY_MAX = 255;
/** seq must stay below this: 2^45, so priority * SEQ_LIMIT + seq < 2^53. */
export const SEQ_LIMIT = 2 ** 45;

const CAPACITY_INITIAL = 64;
const READ_AHEAD_SIZE_MIN = 4096;

export class EventQueue {
  private heapAtUs = new Float64Array(CAPACITY_INITIAL).fill(Infinity);
  private heapTie = new Float64Array(CAPACITY_INITIAL);
  private heapSlots = new Int32Array(CAPACITY_INITIAL);
  private count = 0;

  size(): number {
    return this.count;
  }

  /** The earliest atUs; -1 when empty. */
  peekAtUs(): Instant {
    return this.count === 0 ? -1 : this.heapAtUs[0]!;
  }

  /** The earliest entry's slot; -1 when empty. */
  peekSlot(): number {
    return this.count === 0 ? -1 : this.heapSlots[0]!;
  }

  /** The earliest entry's priority; -1 when empty. */
  peekPriority(): number {
    return this.count === 0 ? -1 : Math.floor(this.heapTie[0]! / SEQ_LIMIT);
  }

  /** The earliest entry's seq; -1 when empty. */
  peekSeq(): number {
    if (this.count === 0) return -1;
    const tie = this.heapTie[0]!;
    // tie - priority * 2^45, exact; `%` on a double this large would call into the runtime.
    return tie - Math.floor(tie / SEQ_LIMIT) * SEQ_LIMIT;
  }

  push(atUs: Instant, priority: number, seq: number, slot: number): void {
    // One branch on the hot path; the messages are built only on failure. For PRIORITY_MAX =
    // 2^8 - 1, (priority & PRIORITY_MAX) === priority holds exactly for the integers 0..255.
    if (!(Number.isSafeInteger(atUs) && atUs >= 0 && (priority & PRIORITY_MAX) === priority && Number.isSafeInteger(seq) && seq >= 0 && seq < SEQ_LIMIT && (slot | 0) === slot && slot >= 0)) {
      refuseKey(atUs, priority, seq, slot);
    }
    // Keep one +Infinity position past the last entry for the right-sibling read.
    const index = this.count;
    if (index + 1 >= this.heapAtUs.length) this.growHeap();
    this.heapAtUs[index] = atUs;
    this.heapTie[index] = priority * SEQ_LIMIT + seq;
    this.heapSlots[index] = slot;
    this.count = index + 1;
    this.siftUp(index);
  }

  /** Removes the earliest entry and returns its slot; -1 when empty. */
  pop(): number {
    const count = this.count;
    if (count === 0) return -1;
    const top = this.heapSlots[0]!;
    const last = count - 1;
    this.count = last;
    if (last > 0) {
      this.siftDown(0, last, last);
    } else {
      this.heapAtUs[0] = Infinity;
    }
    return top;
  }

  /** Keeps only the entries whose slot keep() accepts, then rebuilds the heap in O(n). */
  retain(keep: (slot: number) => boolean): void {
    const { heapAtUs, heapTie, heapSlots } = this;
    const countBefore = this.count;
    let keptCount = 0;
    for (let index = 0; index < countBefore; index += 1) {
      const slot = heapSlots[index]!;
      if (!keep(slot)) continue;
      heapAtUs[keptCount] = heapAtUs[index]!;
      heapTie[keptCount] = heapTie[index]!;
      heapSlots[keptCount] = slot;
      keptCount += 1;
    }
    heapAtUs.fill(Infinity, keptCount, countBefore);
    this.count = keptCount;
    for (let index = (keptCount >> 1) - 1; index >= 0; index -= 1) this.siftDown(index, keptCount, index);
  }

  private growHeap(): void {
    const capacity = this.heapAtUs.length * 2;
    // Slots are int32, so a heap of more than 2^31 entries could not name them.
    assert(capacity <= 2 ** 31, 'event queue capacity exceeds 2^31 entries');
    const heapAtUs = new Float64Array(capacity).fill(Infinity);
    const heapTie = new Float64Array(capacity);
    const heapSlots = new Int32Array(capacity);
    heapAtUs.set(this.heapAtUs);
    heapTie.set(this.heapTie);
    heapSlots.set(this.heapSlots);
    this.heapAtUs = heapAtUs;
    this.heapTie = heapTie;
    this.heapSlots = heapSlots;
  }

  // Moves the entry at `start` up until its parent is smaller.
  private siftUp(start: number): void {
    const { heapAtUs, heapTie, heapSlots } = this;
    const at = heapAtUs[start]!;
    const tie = heapTie[start]!;
    const slot = heapSlots[start]!;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentAt = heapAtUs[parent]!;
      if (at > parentAt) break;
      const parentTie = heapTie[parent]!;
      if (at === parentAt) {
        if (tie > parentTie) break;
        if (tie === parentTie) refuseDuplicate(tie);
      }
      heapAtUs[index] = parentAt;
      heapTie[index] = parentTie;
      heapSlots[index] = heapSlots[parent]!;
      index = parent;
    }
    heapAtUs[index] = at;
    heapTie[index] = tie;
    heapSlots[index] = slot;
  }

  // Sifts the entry read from position `from` down from the hole at `start`, among the first
  // `count` positions. `from` is `start` itself, or `count` (the old last position), which is
  // then reset to +Infinity.
  private siftDown(start: number, count: number, from: number): void {
    const { heapAtUs, heapTie, heapSlots } = this;
    const at = heapAtUs[from]!;
    const tie = heapTie[from]!;
    const slot = heapSlots[from]!;
    if (from === count) heapAtUs[from] = Infinity;
    // A small heap stays in cache: no read-ahead there.
    const readAheadEnd = count >= READ_AHEAD_SIZE_MIN ? count : 0;
    let index = start;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= count) break;
      // The read-ahead, written as a check that cannot fail (keys and slots are never negative)
      // so that the compiler keeps the reads.
      const ahead = 8 * index + 7;
      if (ahead < readAheadEnd && (heapAtUs[ahead]! < 0 || heapTie[ahead]! < 0 || heapSlots[ahead]! < 0)) refuseNegative(ahead);
      const leftAt = heapAtUs[child]!;
      const rightAt = heapAtUs[child + 1]!;
      // A right sibling past the end is +Infinity, so it is never picked.
      let pickRight = rightAt < leftAt;
      if (rightAt === leftAt) pickRight = heapTie[child + 1]! < heapTie[child]!;
      child += +pickRight;
      const childAt = heapAtUs[child]!;
      if (at < childAt) break;
      const childTie = heapTie[child]!;
      if (at === childAt) {
        if (tie < childTie) break;
        if (tie === childTie) refuseDuplicate(tie);
      }
      heapAtUs[index] = childAt;
      heapTie[index] = childTie;
      heapSlots[index] = heapSlots[child]!;
      index = child;
    }
    heapAtUs[index] = at;
    heapTie[index] = tie;
    heapSlots[index] = slot;
  }
}

// The failure paths live out of line, with their messages built only when they fail: a closure
// in a hot method that captures a parameter makes V8 allocate a context on every call.
function refuseKey(atUs: number, priority: number, seq: number, slot: number): never {
  assert(Number.isSafeInteger(atUs) && atUs >= 0, () => `bad atUs ${atUs}`);
  assert(Number.isInteger(priority) && priority >= 0 && priority <= PRIORITY_MAX, () => `bad priority ${priority} (an integer in 0..${PRIORITY_MAX})`);
  assert(Number.isSafeInteger(seq) && seq >= 0 && seq < SEQ_LIMIT, () => `bad seq ${seq} (an integer in 0..2^45-1)`);
  assert(Number.isInteger(slot) && slot >= 0 && slot < 2 ** 31, () => `bad slot ${slot}`);
  assert(false, 'a key check failed without a reason');
}

function refuseNegative(index: number): never {
  assert(false, () => `negative key or slot at heap position ${index}`);
}

function refuseDuplicate(tie: number): never {
  assert(false, () => `duplicate seq ${tie % SEQ_LIMIT} in the event queue`);
}
