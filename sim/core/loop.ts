// The event loop: the only thing in the simulator that advances virtual time.
//
// Job: keep the pending events, hand them one at a time to the world's handler in
// (atUs, priority, seq) order, and move nowUs to each event's instant as it runs.
//
// Invariants:
// - nowUs starts at 0 and never decreases; an event runs with nowUs equal to its atUs.
// - Scheduling before nowUs is a bug (AssertionError), so causality cannot run backwards.
// - seq is a per-loop counter, so equal (atUs, priority) run in scheduling order, and two loops
//   in one process share nothing.
// - Events are data; the handler given at construction interprets them. The loop is not
//   re-entrant: a handler may schedule and cancel, but not step or run.
// - Cancelled events never reach the handler. Cancellation is lazy (the entry stays in the
//   heap until it surfaces) with a compaction pass when dead entries outnumber live ones.
// - Every run is bounded or says it was not: run() and runUntil() report whether they stopped
//   on their eventsMax bound with events still pending.
//
// Not modelled: wall-clock pacing (real-time mode), event interruption or preemption, and
// handler exceptions as outcomes (a throwing handler is a bug; the event counts as consumed).

import { assert } from './assert.ts';
import { EventQueue } from './event-queue.ts';
import { addDuration, assertDuration, assertInstant, type Duration, type Instant } from './time.ts';

/** Lower runs first among events at the same instant. */
export type Priority = number;
/** Runs before other work at the same instant (e.g. config delivery before the requests). */
export const PRIORITY_URGENT = 0;
export const PRIORITY_NORMAL = 1;
/** Runs after other work at the same instant (e.g. checkers and samplers observing it). */
export const PRIORITY_LATE = 2;

export type EventHandler<E> = (event: E, loop: EventLoop<E>) => void;

/** Returned by schedule(); pass it to cancel(). */
export type EventHandle = {
  readonly seq: number;
  readonly atUs: Instant;
  readonly priority: Priority;
};

export type RunStop = 'empty' | 'time' | 'bound';
export type RunResult = {
  readonly eventsRun: number;
  /** 'bound' means eventsMax was reached with events still due: the run is incomplete. */
  readonly stoppedBy: RunStop;
};

// Compaction is skipped for small heaps: popping a few dead entries is cheaper than a rebuild.
const COMPACT_SIZE_MIN = 1024;

export class EventLoop<E> {
  private readonly handler: EventHandler<E>;
  private readonly queue = new EventQueue<E>();
  // Pending events by seq. cancel() also compares the handle object itself, so a handle from
  // another loop whose seq happens to be pending here is refused instead of cancelling a stranger.
  private readonly live = new Map<number, EventHandle>();
  private seqNext = 0;
  private timeUs: Instant = 0;
  private eventsRunCount = 0;
  private running = false;

  constructor(handler: EventHandler<E>) {
    this.handler = handler;
  }

  get nowUs(): Instant {
    return this.timeUs;
  }

  /** Events handed to the handler since the loop was built. */
  get eventsRunTotal(): number {
    return this.eventsRunCount;
  }

  schedule(delayUs: Duration, event: E, priority: Priority = PRIORITY_NORMAL): EventHandle {
    assertDuration(delayUs, 'delayUs');
    return this.scheduleAt(addDuration(this.timeUs, delayUs), event, priority);
  }

  scheduleAt(atUs: Instant, event: E, priority: Priority = PRIORITY_NORMAL): EventHandle {
    assertInstant(atUs, 'atUs');
    assert(atUs >= this.timeUs, () => `scheduled in the past: atUs ${atUs} < nowUs ${this.timeUs}`);
    assert(Number.isSafeInteger(priority) && priority >= 0, () => `bad priority ${priority}`);
    const seq = this.seqNext;
    this.seqNext += 1;
    const handle: EventHandle = { seq, atUs, priority };
    this.live.set(seq, handle);
    this.queue.push({ atUs, priority, seq, payload: event });
    return handle;
  }

  /**
   * Returns true when the event was pending and is now cancelled; false when it already ran or
   * was already cancelled (timers are routinely cancelled after they fired).
   */
  cancel(handle: EventHandle): boolean {
    const found = this.live.get(handle.seq);
    if (found === undefined) return false;
    assert(found === handle, () => `handle seq ${handle.seq} belongs to another loop`);
    this.live.delete(handle.seq);
    this.compactIfMostlyDead();
    return true;
  }

  pending(): number {
    return this.live.size;
  }

  /** The instant of the next live event, or undefined when nothing is pending. */
  peekAtUs(): Instant | undefined {
    this.dropCancelledHead();
    return this.queue.peek()?.atUs;
  }

  /** Runs the next event, if any. Returns false when nothing was pending. */
  step(): boolean {
    assert(!this.running, 'EventLoop is not re-entrant: step() called from a handler');
    this.dropCancelledHead();
    const entry = this.queue.pop();
    if (entry === undefined) return false;
    assert(entry.atUs >= this.timeUs, () => `time would go backwards: ${entry.atUs} < ${this.timeUs}`);
    this.live.delete(entry.seq);
    this.timeUs = entry.atUs;
    this.eventsRunCount += 1;
    this.running = true;
    try {
      this.handler(entry.payload, this);
    } finally {
      this.running = false;
    }
    return true;
  }

  /**
   * Runs every event with atUs <= untilUs, then sets nowUs to untilUs. If eventsMax events ran
   * and more are due, stops early with stoppedBy 'bound' and leaves nowUs at the last event.
   */
  runUntil(untilUs: Instant, eventsMax: number = Number.MAX_SAFE_INTEGER): RunResult {
    assert(!this.running, 'EventLoop is not re-entrant: runUntil() called from a handler');
    assertInstant(untilUs, 'untilUs');
    assert(untilUs >= this.timeUs, () => `runUntil into the past: ${untilUs} < nowUs ${this.timeUs}`);
    assertEventsMax(eventsMax);
    let eventsRun = 0;
    for (;;) {
      const nextAtUs = this.peekAtUs();
      if (nextAtUs === undefined || nextAtUs > untilUs) break;
      if (eventsRun === eventsMax) return { eventsRun, stoppedBy: 'bound' };
      this.step();
      eventsRun += 1;
    }
    this.timeUs = untilUs;
    return { eventsRun, stoppedBy: 'time' };
  }

  /** Runs until nothing is pending, or until eventsMax events ran with more still pending. */
  run(eventsMax: number = Number.MAX_SAFE_INTEGER): RunResult {
    assert(!this.running, 'EventLoop is not re-entrant: run() called from a handler');
    assertEventsMax(eventsMax);
    let eventsRun = 0;
    while (this.pending() > 0) {
      if (eventsRun === eventsMax) return { eventsRun, stoppedBy: 'bound' };
      this.step();
      eventsRun += 1;
    }
    return { eventsRun, stoppedBy: 'empty' };
  }

  private dropCancelledHead(): void {
    for (;;) {
      const head = this.queue.peek();
      if (head === undefined || this.live.has(head.seq)) return;
      this.queue.pop();
    }
  }

  private compactIfMostlyDead(): void {
    const size = this.queue.size();
    if (size < COMPACT_SIZE_MIN || this.live.size * 2 > size) return;
    this.queue.retain((entry) => this.live.has(entry.seq));
  }
}

function assertEventsMax(eventsMax: number): void {
  assert(Number.isSafeInteger(eventsMax) && eventsMax >= 0, () => `bad eventsMax ${eventsMax}`);
}
