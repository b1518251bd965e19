// The event loop: the only thing in the simulator that advances virtual time.
//
// Job: keep the pending events, hand them one at a time to the world's handler in
// (atUs, priority, seq) order, and move nowUs to each event's instant as it runs.
//
// Layout: each pending event occupies a slot, a small integer recycled through a stack of free
// slots (Int32Array). A plain array holds two elements per slot: the payload, and the handle tag
// (seq mod 2^29) next to it. A slot whose event ran or was cancelled, or that is free, holds the
// loop's own `vacant` marker instead of a payload. The heap (sim/core/event-queue.ts) orders
// (atUs, priority, seq) keys that point at slots. Scheduling and stepping allocate nothing; the
// payload is the caller's.
//
// A handle is a number: tag * 2^24 + slot. cancel() finds the slot from the low 24 bits, and
// cancels only if that slot holds a pending event with the same tag, so a handle to an event that
// already ran or was cancelled is refused, also after its slot was reused.
//
// Invariants:
// - nowUs starts at 0 and never decreases; an event runs with nowUs equal to its atUs.
// - Scheduling before nowUs is a bug (AssertionError), so causality cannot run backwards.
// - seq is a per-loop counter, so equal (atUs, priority) run in scheduling order, and two loops
//   in one process share nothing.
// - Priorities are integers in 0..PRIORITY_MAX (255); anything else is a bug (AssertionError).
// - Events are data; the handler given at construction interprets them. The loop is not
//   re-entrant: a handler may schedule and cancel, but not step or run.
// - Cancelled events never reach the handler. Cancellation is lazy (the entry stays in the
//   heap until it surfaces; its payload is released at once) with a compaction pass when dead
//   entries outnumber live ones.
// - Every slot handed out so far is either in the heap exactly once or on the free stack;
//   pending() counts the slots in the heap whose payload is not vacant.
// - Assertions on the hot paths test first and build their messages only on failure, out of
//   line: scheduling and stepping create no closures.
// - Every run is bounded or says it was not: run() and runUntil() report whether they stopped
//   on their eventsMax bound with events still pending.
// - A watchdog: more than STALL_EVENTS events in a row at one instant means time cannot advance (an
//   actor that reschedules itself without delay), and more than the density budget (default
//   EVENTS_PER_VIRTUAL_SECOND_MAX) within one whole virtual second means it crawls (an actor that
//   reschedules itself a microsecond later, or a load no machine can simulate); either way the loop
//   throws StalledRunError with the event that crossed the limit, for the world to name the actor.
//
// Not modelled: wall-clock pacing (real-time mode), event interruption or preemption, and
// handler exceptions as outcomes (a throwing handler is a bug; the event counts as consumed).
// Handles carry no loop identity: a handle from another loop is not detected, and cancels
// whatever this loop holds under the same number, if anything. A stale handle kept across 2^29
// further schedules could match a new event in its old slot. More than 2^24 events in the heap
// at once (pending or cancelled but not yet dropped), and more than 2^45 scheduled over a loop's
// life, are refused (AssertionError).

import { assert } from './assert.ts';
import { EventQueue, PRIORITY_MAX } from './event-queue.ts';
import { addDuration, assertDuration, assertInstant, type Duration, type Instant } from './time.ts';

export { PRIORITY_MAX };

/** Lower runs first among events at the same instant; an integer in 0..PRIORITY_MAX. */
export type Priority = number;
/** Runs before other work at the same instant (e.g. config delivery before the requests). */
export const PRIORITY_URGENT = 0;
export const PRIORITY_NORMAL = 1;
/** Runs after other work at the same instant (e.g. checkers and samplers observing it). */
export const PRIORITY_LATE = 2;

export type EventHandler<E> = (event: E, loop: EventLoop<E>) => void;

/**
 * Returned by schedule(); pass it to cancel(). A non-negative safe integer, meaningful only to the
 * loop that returned it. The brand keeps other numbers (a seq, an instant) out of cancel().
 */
export type EventHandle = number & { readonly eventHandleBrand: never };

export type RunStop = 'empty' | 'time' | 'bound';
export type RunResult = {
  readonly eventsRun: number;
  /** 'bound' means eventsMax was reached with events still due: the run is incomplete. */
  readonly stoppedBy: RunStop;
};

// Compaction is skipped for small heaps: popping a few dead entries is cheaper than a rebuild.
const COMPACT_SIZE_MIN = 1024;
const SLOT_BITS = 24;
const SLOT_LIMIT = 2 ** SLOT_BITS;
/** The handle keeps the low 29 bits of seq: 29 + SLOT_BITS = 53, the safe integer bits. */
const TAG_MASK = 2 ** 29 - 1;

/** The payload of a slot with no pending event. One per loop, compared by identity. */
type Vacant = { readonly vacant: true };

/** Events in a row at one instant past which a run is taken to be stuck (no legitimate instant comes near). */
export const STALL_EVENTS = 1_000_000;

/**
 * Events within one whole virtual second past which a run is taken to crawl. Ten times the densest
 * run meant to be simulated: a million requests a second (the most one traffic entry sends) through
 * two sidecars is about 10^7 events; at the loop's few million events per second of CPU this budget
 * is already half a minute per virtual second.
 */
export const EVENTS_PER_VIRTUAL_SECOND_MAX = 100_000_000;

/**
 * The run cannot advance: `instant` — STALL_EVENTS events ran at `atUs`; `density` — the budget of
 * events in the virtual second holding `atUs` ran out. `event` is the last event run.
 */
export class StalledRunError<E = unknown> extends Error {
  readonly atUs: number;
  readonly event: E;
  readonly reason: 'instant' | 'density';
  readonly limit: number;
  constructor(atUs: number, event: E, reason: 'instant' | 'density' = 'instant', limit: number = STALL_EVENTS) {
    super(reason === 'instant' ? `the run cannot advance: ${limit} events in a row at ${atUs} µs` : `the run crawls: more than ${limit} events in the virtual second holding ${atUs} µs`);
    this.name = 'StalledRunError';
    this.atUs = atUs;
    this.event = event;
    this.reason = reason;
    this.limit = limit;
  }
}

export class EventLoop<E> {
  private readonly handler: EventHandler<E>;
  private readonly queue = new EventQueue();
  private readonly vacant: Vacant = { vacant: true };
  // Two elements per slot, side by side so that one cache line serves both: the payload (or
  // vacant) at 2 * slot, and the handle tag (seq mod 2^29) at 2 * slot + 1.
  private readonly entries: (E | Vacant | number)[] = [];
  private freeSlots = new Int32Array(64);
  private freeCount = 0;
  private liveCount = 0;
  private seqNext = 0;
  private timeUs: Instant = 0;
  private eventsRunCount = 0;
  /** Events run at the current instant, in a row (the watchdog's count). */
  private eventsThisInstant = 0;
  /** Events run in the current whole virtual second, which ends at secondEndUs (the density watchdog). */
  private eventsThisSecond = 0;
  private secondEndUs = 1_000_000;
  private readonly eventsPerSecondMax: number;
  private running = false;

  /** `eventsPerSecondMax`: the density watchdog's budget (tests lower it). */
  constructor(handler: EventHandler<E>, eventsPerSecondMax: number = EVENTS_PER_VIRTUAL_SECOND_MAX) {
    assert(Number.isSafeInteger(eventsPerSecondMax) && eventsPerSecondMax > 0, () => `eventsPerSecondMax must be a positive integer, got ${eventsPerSecondMax}`);
    this.handler = handler;
    this.eventsPerSecondMax = eventsPerSecondMax;
  }

  get nowUs(): Instant {
    return this.timeUs;
  }

  /** Events handed to the handler since the loop was built. */
  get eventsRunTotal(): number {
    return this.eventsRunCount;
  }

  schedule(delayUs: Duration, event: E, priority: Priority = PRIORITY_NORMAL): EventHandle {
    // Checks test first and build their messages only on failure: no closure per event.
    if (!(Number.isSafeInteger(delayUs) && delayUs >= 0)) assertDuration(delayUs, 'delayUs');
    const atUs = this.timeUs + delayUs;
    if (!Number.isSafeInteger(atUs)) addDuration(this.timeUs, delayUs);
    return this.insert(atUs, event, priority);
  }

  scheduleAt(atUs: Instant, event: E, priority: Priority = PRIORITY_NORMAL): EventHandle {
    if (!(Number.isSafeInteger(atUs) && atUs >= this.timeUs)) refuseInstant(atUs, this.timeUs);
    return this.insert(atUs, event, priority);
  }

  /**
   * Returns true when the event was pending and is now cancelled; false when it already ran or
   * was already cancelled (timers are routinely cancelled after they fired).
   */
  cancel(handle: EventHandle): boolean {
    if (!(Number.isSafeInteger(handle) && handle >= 0)) refuse(`bad event handle ${handle}`);
    const tag = Math.floor(handle / SLOT_LIMIT);
    const slot = handle - tag * SLOT_LIMIT;
    // A slot handed out holds a pending event unless its payload is vacant; the tag then tells
    // whether it is still the event this handle was made for.
    if (2 * slot >= this.entries.length || this.entries[2 * slot] === this.vacant || this.entries[2 * slot + 1] !== tag) return false;
    this.entries[2 * slot] = this.vacant;
    this.liveCount -= 1;
    this.compactIfMostlyDead();
    return true;
  }

  pending(): number {
    return this.liveCount;
  }

  /** The instant of the next live event, or undefined when nothing is pending. */
  peekAtUs(): Instant | undefined {
    if (this.liveCount === 0) return undefined;
    const { queue, entries, vacant } = this;
    for (;;) {
      const slot = queue.peekSlot();
      if (entries[2 * slot] !== vacant) return queue.peekAtUs();
      queue.pop();
      this.freeSlot(slot);
    }
  }

  /** Runs the next event, if any. Returns false when nothing was pending. */
  step(): boolean {
    if (this.running) refuse('EventLoop is not re-entrant: step() called from a handler');
    if (this.liveCount === 0) return false;
    const { queue, entries, vacant } = this;
    // The payload is read before the pop: in a large heap that read misses the cache, and this
    // way it overlaps with the sift. Cancelled entries on the way are dropped; a live event is in
    // the heap, so the loop ends.
    let slot = queue.peekSlot();
    let event = entries[2 * slot]!;
    while (event === vacant) {
      queue.pop();
      this.freeSlot(slot);
      slot = queue.peekSlot();
      event = entries[2 * slot]!;
    }
    const atUs = queue.peekAtUs();
    queue.pop();
    entries[2 * slot] = vacant;
    this.freeSlot(slot);
    if (atUs < this.timeUs) refuse(`time would go backwards: ${atUs} < ${this.timeUs}`);
    this.liveCount -= 1;
    if (atUs === this.timeUs) {
      this.eventsThisInstant += 1;
      if (this.eventsThisInstant > STALL_EVENTS) throw new StalledRunError(atUs, event as E);
    } else {
      this.eventsThisInstant = 1;
      if (atUs >= this.secondEndUs) {
        this.secondEndUs = atUs - (atUs % 1_000_000) + 1_000_000;
        this.eventsThisSecond = 0;
      }
    }
    this.eventsThisSecond += 1;
    if (this.eventsThisSecond > this.eventsPerSecondMax) throw new StalledRunError(atUs, event as E, 'density', this.eventsPerSecondMax);
    this.timeUs = atUs;
    this.eventsRunCount += 1;
    this.running = true;
    try {
      this.handler(event as E, this);
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
    while (this.liveCount > 0) {
      if (eventsRun === eventsMax) return { eventsRun, stoppedBy: 'bound' };
      this.step();
      eventsRun += 1;
    }
    return { eventsRun, stoppedBy: 'empty' };
  }

  private insert(atUs: Instant, event: E, priority: Priority): EventHandle {
    const seq = this.seqNext;
    // The slot is taken only once the queue accepted the key (it checks priority and seq), so a
    // refused schedule leaves the loop as it was.
    const reused = this.freeCount > 0;
    const slot = reused ? this.freeSlots[this.freeCount - 1]! : this.entries.length >> 1;
    if (slot >= SLOT_LIMIT) refuse(`more than 2^${SLOT_BITS} events in the queue at once`);
    this.queue.push(atUs, priority, seq, slot);
    const tag = seq & TAG_MASK;
    if (reused) {
      this.freeCount -= 1;
      this.entries[2 * slot] = event;
      this.entries[2 * slot + 1] = tag;
    } else {
      this.entries.push(event, tag);
    }
    this.seqNext = seq + 1;
    this.liveCount += 1;
    return (tag * SLOT_LIMIT + slot) as EventHandle;
  }

  // Puts a slot whose entry has left the heap back on the free stack; its payload is vacant.
  private freeSlot(slot: number): void {
    if (this.freeCount === this.freeSlots.length) {
      const freeSlots = new Int32Array(this.freeSlots.length * 2);
      freeSlots.set(this.freeSlots);
      this.freeSlots = freeSlots;
    }
    this.freeSlots[this.freeCount] = slot;
    this.freeCount += 1;
  }

  private compactIfMostlyDead(): void {
    const size = this.queue.size();
    if (size < COMPACT_SIZE_MIN || this.liveCount * 2 > size) return;
    const { entries, vacant } = this;
    this.queue.retain((slot) => {
      if (entries[2 * slot] !== vacant) return true;
      this.freeSlot(slot);
      return false;
    });
  }
}

// Failures are raised out of line, with messages built only on the failing path: a closure in a
// hot method that captures a local makes V8 allocate a context on every call.
function refuse(message: string): never {
  assert(false, message);
}

function refuseInstant(atUs: Instant, nowUs: Instant): never {
  assertInstant(atUs, 'atUs');
  refuse(`scheduled in the past: atUs ${atUs} < nowUs ${nowUs}`);
}

function assertEventsMax(eventsMax: number): void {
  assert(Number.isSafeInteger(eventsMax) && eventsMax >= 0, () => `bad eventsMax ${eventsMax}`);
}
