// The yardstick for the event loop: a plain binary min-heap on parallel typed arrays (Float64Array
// times, a Float64Array insertion sequence as the tie-break, an Int32Array payload index), the
// fastest layout measured for a JS event queue (reference/anchors-sim-perf.md A2).
//
// Job: push (atUs, payload index) and pop the earliest, in (atUs, seq) order, allocating nothing;
// what an event queue costs with no handles, cancellation, priorities or assertions.
//
// Invariants: heap property on (time, seq); seq is unique (a per-heap counter), so the pop order is
// total and never depends on the layout; capacity is fixed at construction (the hold model keeps
// the size constant), and pushing into a full heap throws.
//
// Not modelled: growth, cancellation, priorities, decrease-key.

export class TypedHeap {
  private readonly time: Float64Array;
  private readonly seq: Float64Array;
  private readonly payload: Int32Array;
  private count = 0;
  private seqNext = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.payload = new Int32Array(capacity);
  }

  size(): number {
    return this.count;
  }

  /** The earliest time; NaN when empty. */
  peekTime(): number {
    return this.count === 0 ? Number.NaN : this.time[0]!;
  }

  push(atUs: number, payload: number): void {
    if (this.count === this.time.length) throw new Error(`TypedHeap full at ${this.count}`);
    const seq = this.seqNext;
    this.seqNext += 1;
    let i = this.count;
    this.count += 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.time[parent]!;
      if (pt < atUs || (pt === atUs && this.seq[parent]! < seq)) break;
      this.time[i] = pt;
      this.seq[i] = this.seq[parent]!;
      this.payload[i] = this.payload[parent]!;
      i = parent;
    }
    this.time[i] = atUs;
    this.seq[i] = seq;
    this.payload[i] = payload;
  }

  /** Removes the earliest entry and returns its payload index; -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1;
    const top = this.payload[0]!;
    this.count -= 1;
    const n = this.count;
    if (n === 0) return top;
    const t = this.time[n]!;
    const s = this.seq[n]!;
    const p = this.payload[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n) {
        const ct = this.time[child]!;
        const rt = this.time[right]!;
        if (rt < ct || (rt === ct && this.seq[right]! < this.seq[child]!)) child = right;
      }
      const ct = this.time[child]!;
      if (t < ct || (t === ct && s < this.seq[child]!)) break;
      this.time[i] = ct;
      this.seq[i] = this.seq[child]!;
      this.payload[i] = this.payload[child]!;
      i = child;
    }
    this.time[i] = t;
    this.seq[i] = s;
    this.payload[i] = p;
    return top;
  }
}
