/**
 * istiod's debounce: config and registry changes are merged and held until the changes go quiet for
 * `debounceAfterUs` or the first held change has waited `debounceMaxUs`; then one merged push is let
 * through, and the next waits until that push's Push() has returned (single flight). The rules follow
 * pilot/pkg/xds/discovery.go (`debounce`, `pushWorker`) and pilot/pkg/features/tuning.go:
 * - the timer is armed at the first change after a push, for debounceAfter;
 * - when it fires: push if quiet ≥ debounceAfter or waited ≥ debounceMax, else re-arm for the rest of
 *   the quiet period;
 * - while a push is in progress (not free) a fired timer does nothing; when the push returns, the
 *   worker runs again at once;
 * - with PILOT_ENABLE_EDS_DEBOUNCE false, an endpoint-only (non-full) change skips the debounce and is
 *   pushed at once, without waiting for the single flight.
 *
 * Invariants: pure state machine; time comes in as `nowUs`; the caller owns the timer (it arms one at
 * the instant `timerAtUs` says and calls `timerFired`). Merging is commutative: full wins, configs and
 * reasons are unions.
 *
 * Not modelled: PILOT_DEBOUNCE_MAX being reset by a push of a different kind; the config-update rate
 * limiter in front of the debounce.
 */
import { assert } from '../core/assert.ts';

/** A push request, as Istio's model.PushRequest carries it (the parts the simulator needs). */
export interface PushRequest {
  /** A full push (new PushContext, every type) or endpoint-only (incremental EDS). */
  readonly full: boolean;
  /** Changed configs as `Kind/namespace/name`. */
  readonly configs: ReadonlySet<string>;
  /** Istio's reasons (`config`, `endpoint`, `service`, `proxyrequest`, ...) with how often each was merged. */
  readonly reasons: ReadonlyMap<string, number>;
  /** When the first merged change entered the debounce. */
  readonly firstEventUs: number;
}

export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  return new MergedRequest(a, b);
}

/**
 * Two requests merged. Its configs (the first side's in order, then the second's new ones) and its
 * reasons (counts summed, in order of first appearance) are built when first read: a proxy waiting in
 * the push queue has its request merged at every push while it waits, and reads it once, when its
 * turn comes. Built then from the pushes' own requests (an already built side is read whole), they cost
 * the changes merged, not the union's size at every push, and a waiting merge holds two references.
 */
class MergedRequest implements PushRequest {
  readonly full: boolean;
  readonly firstEventUs: number;
  private sides: readonly [PushRequest, PushRequest] | null;
  private union: ReadonlySet<string> | null = null;
  private counts: ReadonlyMap<string, number> | null = null;

  constructor(a: PushRequest, b: PushRequest) {
    this.full = a.full || b.full;
    this.firstEventUs = Math.min(a.firstEventUs, b.firstEventUs);
    this.sides = [a, b];
  }

  get configs(): ReadonlySet<string> {
    this.build();
    return this.union!;
  }

  get reasons(): ReadonlyMap<string, number> {
    this.build();
    return this.counts!;
  }

  private build(): void {
    if (this.sides === null) return;
    const configs = new Set<string>();
    const reasons = new Map<string, number>();
    // Depth first, first side first (an explicit stack: a long wait is a chain of many merges).
    const stack: PushRequest[] = [this];
    while (stack.length > 0) {
      const request = stack.pop()!;
      const sides = request instanceof MergedRequest ? request.sides : null;
      if (sides !== null) {
        stack.push(sides[1], sides[0]);
        continue;
      }
      for (const key of request.configs) configs.add(key);
      for (const [reason, count] of request.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
    }
    this.union = configs;
    this.counts = reasons;
    this.sides = null;
  }
}

export interface DebounceSettings {
  readonly debounceAfterUs: number;
  readonly debounceMaxUs: number;
  readonly enableEdsDebounce: boolean;
}

export type DebounceStep =
  /** Let this request through now (the caller runs Push() and calls `pushDone` when it returns). */
  | { readonly kind: 'push'; readonly request: PushRequest }
  /** Arm (or re-arm) the timer for this instant. */
  | { readonly kind: 'arm'; readonly atUs: number }
  | { readonly kind: 'idle' };

export class Debouncer {
  private readonly settings: DebounceSettings;
  private pending: PushRequest | null = null;
  private startUs = 0;
  private lastChangeUs = 0;
  private free = true;
  private timerArmed = false;

  constructor(settings: DebounceSettings) {
    // debounceMax below debounceAfter is allowed, as istiod allows it: its loop first waits debounceAfter
    // (the timer), then finds debounceMax passed and pushes.
    assert(settings.debounceAfterUs >= 0 && settings.debounceMaxUs >= 0, 'debounce durations are ≥ 0');
    this.settings = settings;
  }

  /** Something a change the push could carry: a request merged into the held one. */
  change(nowUs: number, request: PushRequest): DebounceStep {
    // discovery.go: with EDS debounce off, endpoint-only updates bypass the debounce entirely.
    if (!request.full && !this.settings.enableEdsDebounce) return { kind: 'push', request };
    this.lastChangeUs = nowUs;
    if (this.pending === null) {
      this.startUs = nowUs;
      this.pending = request;
    } else {
      this.pending = mergePushRequests(this.pending, request);
    }
    if (this.timerArmed) return { kind: 'idle' };
    this.timerArmed = true;
    return { kind: 'arm', atUs: nowUs + this.settings.debounceAfterUs };
  }

  /** The armed timer fired. */
  timerFired(nowUs: number): DebounceStep {
    this.timerArmed = false;
    // The timer only acts when the previous push has returned (`if free { pushWorker() }`).
    if (!this.free) return { kind: 'idle' };
    return this.worker(nowUs);
  }

  /** The push let through earlier has returned from Push(); the next may go. */
  pushDone(nowUs: number): DebounceStep {
    this.free = true;
    if (this.timerArmed) return { kind: 'idle' };
    return this.worker(nowUs);
  }

  /** A held request, if any (e.g. to report what an outage swallowed). */
  get held(): PushRequest | null {
    return this.pending;
  }

  /** istiod restarted: nothing it held survives. */
  reset(): void {
    this.pending = null;
    this.free = true;
    this.timerArmed = false;
  }

  private worker(nowUs: number): DebounceStep {
    if (this.pending === null) return { kind: 'idle' };
    const waitedUs = nowUs - this.startUs;
    const quietUs = nowUs - this.lastChangeUs;
    if (waitedUs >= this.settings.debounceMaxUs || quietUs >= this.settings.debounceAfterUs) {
      const request = this.pending;
      this.pending = null;
      this.free = false;
      return { kind: 'push', request };
    }
    // Not quiet yet: wait out the rest of the quiet period (never past debounceMax).
    this.timerArmed = true;
    return { kind: 'arm', atUs: Math.min(nowUs + this.settings.debounceAfterUs - quietUs, this.startUs + this.settings.debounceMaxUs) };
  }
}
