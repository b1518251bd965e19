/**
 * The run's side of upstream resilience (traffic.ts): the pool slots each attempt holds in the proxies
 * it went through, from its start to its end; an attempt that has to wait for a connection goes on
 * only once it has one; the end of an attempt tells each proxy's outlier detector how its upstream
 * host did; a retry holds a slot of the cluster's max_retries circuit breaker.
 *
 * Rules:
 * - A hold is released when its attempt ends: answered, reset, timed out (per try or route), or
 *   abandoned for a retry. A request still waiting for a connection is cancelled and tells its host
 *   nothing; the connection a finished request frees takes the host's oldest waiting request
 *   (circuit-breaker.ts), whose attempt then goes on from that instant.
 * - What a host did (Envoy's router → outlier detector, outlier_detection_impl.cc putResult /
 *   putHttpResponseCode): a timeout is LocalOriginTimeout; an attempt that ended without any HTTP
 *   status (code 0: reset or refused) is LocalOriginConnectFailed; a 503 UF (the connection to the
 *   last proxy's endpoint failed: a gone pod, a failed handshake) is LocalOriginConnectFailed for the
 *   last hold and a 503 response for the ones before it; anything else is the HTTP status, which each
 *   proxy on the way received from its upstream.
 * - Retries (router retry_state_impl.cc shouldRetry): a retry takes a max_retries slot of the pool the
 *   first proxy's request held, before it is scheduled; a full max_retries ends the request with the
 *   failed answer and UO; the slot is freed when the retried attempt ends (or the request does).
 *
 * Invariants: every hold is released exactly once; a waiting attempt is resumed at most once; maps are
 * keyed by exchange id and cleared when the exchange ends; no randomness here.
 *
 * Not modelled: the max_retries slot of a request whose first attempt held no pool slot (a local reply
 * such as 503 UH): its retry is always allowed; connection time while waiting.
 */
import type { OutlierResult } from '../proxy/outlier-detection.ts';
import type { ProbeSession } from './probe.ts';
import type { ProbeHold } from './probe-types.ts';

/** What an attempt does next once it may go on: an event after a delay (traffic.ts events). */
export interface Continuation<E> {
  readonly delayUs: number;
  readonly event: E;
}

interface AttemptSlots<E> {
  readonly holds: readonly ProbeHold[];
  /** Per hold: still waiting for a connection (null: none ever waited, the common case). */
  readonly waiting: boolean[] | null;
  waitingCount: number;
  parked: Continuation<E> | null;
}

const NONE_RESUMED: readonly Continuation<never>[] = Object.freeze([]);

export class AttemptResilience<E> {
  private readonly session: ProbeSession;
  private readonly attempts = new Map<number, AttemptSlots<E>>();
  /** `proxy|pool|request` of a waiting hold → its exchange. */
  private readonly waiters = new Map<string, number>();
  /** The max_retries slot an exchange's retry holds. */
  private readonly retrySlots = new Map<number, ProbeHold>();

  constructor(session: ProbeSession) {
    this.session = session;
  }

  /** An attempt of `exchange` started holding `holds` (hop order). */
  begin(exchange: number, holds: readonly ProbeHold[]): void {
    if (holds.length === 0) return;
    let waiting: boolean[] | null = null;
    let waitingCount = 0;
    for (let index = 0; index < holds.length; index += 1) {
      const hold = holds[index]!;
      if (hold.admission !== 'pending') continue;
      waiting ??= holds.map(() => false);
      waiting[index] = true;
      waitingCount += 1;
      this.waiters.set(waiterKey(hold.proxy, hold.pool, hold.request), exchange);
    }
    this.attempts.set(exchange, { holds, waiting, waitingCount, parked: null });
  }

  /** Holds `next` back while the attempt waits for a connection; false: it may go on now. */
  park(exchange: number, next: Continuation<E>): boolean {
    // An attempt that waits has its holds among the waiters: none there, none waits (no lookup).
    if (this.waiters.size === 0) return false;
    const slots = this.attempts.get(exchange);
    if (slots === undefined || slots.waitingCount === 0) return false;
    slots.parked = next;
    return true;
  }

  /**
   * The attempt of `exchange` ended with `code` and `flags` (`timedOut`: a per-try or route timeout).
   * Releases its holds and the retry slot it used; returns the parked continuations of attempts the
   * freed connections let go on. Calling it again for the same attempt does nothing.
   */
  end(exchange: number, code: number, flags: readonly string[], timedOut: boolean, nowUs: number): readonly Continuation<E>[] {
    const retry = this.retrySlots.size === 0 ? undefined : this.retrySlots.get(exchange);
    if (retry !== undefined) {
      // The retried attempt's result is judged: its max_retries slot is free again (resetRetry).
      this.retrySlots.delete(exchange);
      this.session.retryBudget(retry, 'free');
    }
    const slots = this.attempts.get(exchange);
    if (slots === undefined) return NONE_RESUMED;
    this.attempts.delete(exchange);
    // Mostly nothing resumes: the list is made only when something does.
    let resumed: Continuation<E>[] | null = null;
    for (let index = 0; index < slots.holds.length; index += 1) {
      const hold = slots.holds[index]!;
      const waiting = slots.waiting?.[index] === true;
      if (waiting) this.waiters.delete(waiterKey(hold.proxy, hold.pool, hold.request));
      const result = waiting ? null : outlierResultOf(code, flags, timedOut, index === slots.holds.length - 1);
      const release = this.session.finished(hold, waiting, result, nowUs);
      if (release.promoted !== null) {
        const next = this.promote(hold, release.promoted);
        if (next !== null) (resumed ??= []).push(next);
      }
    }
    return resumed ?? NONE_RESUMED;
  }

  /** The connection freed on `hold.pool` took request `request`: its attempt may go on if it waits for nothing else. */
  private promote(hold: ProbeHold, request: number): Continuation<E> | null {
    const key = waiterKey(hold.proxy, hold.pool, request);
    const exchange = this.waiters.get(key);
    if (exchange === undefined) return null;
    this.waiters.delete(key);
    const slots = this.attempts.get(exchange);
    if (slots === undefined) return null;
    const index = slots.holds.findIndex((h) => h.proxy === hold.proxy && h.pool === hold.pool && h.request === request);
    if (index < 0 || slots.waiting?.[index] !== true) return null;
    slots.waiting[index] = false;
    slots.waitingCount -= 1;
    if (slots.waitingCount > 0 || slots.parked === null) return null;
    const next = slots.parked;
    slots.parked = null;
    return next;
  }

  /**
   * A retry of `exchange` qualifies: may it take a max_retries slot of the pool its first proxy's
   * request held (`holds`: the attempt that just ended)? False: the breaker is full (UO).
   */
  takeRetry(exchange: number, holds: readonly ProbeHold[]): boolean {
    const first = holds[0];
    if (first === undefined) return true;
    if (!this.session.retryBudget(first, 'ask')) return false;
    this.session.retryBudget(first, 'take');
    this.retrySlots.set(exchange, first);
    return true;
  }
}

function waiterKey(proxy: string, pool: string, request: number): string {
  return `${proxy}|${pool}|${request}`;
}

/** What the host behind the `last` (or an earlier) hold did, for its proxy's outlier detector. */
export function outlierResultOf(code: number, flags: readonly string[], timedOut: boolean, last: boolean): OutlierResult {
  // The router's timeout: LocalOriginTimeout (504 without the split).
  if (timedOut) return { kind: 'timeout' };
  // No HTTP status at all: the connection was reset or refused (LocalOriginConnectFailed).
  if (code === 0) return { kind: 'connect-failed' };
  // UF: the last proxy could not connect to its endpoint; the proxies before it received its 503.
  if (last && flags.includes('UF')) return { kind: 'connect-failed' };
  return httpResult(code);
}

// One frozen result per status (every attempt reports one per hold; detectors only read them).
const httpResults: OutlierResult[] = [];

function httpResult(status: number): OutlierResult {
  if (!(Number.isSafeInteger(status) && status >= 0 && status < 1000)) return { kind: 'http', status };
  return (httpResults[status] ??= Object.freeze({ kind: 'http', status }));
}
