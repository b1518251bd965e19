/**
 * One istiod replica in time: its debounce, its push queue under the throttle, the PushContext of its
 * last push, and the proxies connected to it. The simulation drives it with events and it answers with
 * what to schedule; generation itself is pure (sim/controlplane).
 *
 * Rules:
 * - Push(): a full push builds a new PushContext (its init cost in virtual CPU time), then enqueues
 *   every connected proxy the push concerns, then returns (the debounce may let the next one through);
 *   the per-proxy generations drain from the queue, at most `pushThrottle` at once
 *   (pilot/pkg/xds/discovery.go, pushqueue.go).
 * - Generation shares the replica's `cpus`: with more generations in flight than cores each takes
 *   proportionally longer (a processor-sharing approximation of Go's scheduler).
 * - A replica that is down forgets its debounce and queue; proxies keep their config, and on its
 *   return every proxy reconnects and gets a full push (xDS reconnect, initial request).
 *
 * Invariants: events from before a restart (an older `epoch`) are ignored; the push counter is shared
 * by all replicas so push indexes are unique in a run.
 *
 * Not modelled: PILOT_MAX_REQUESTS_PER_SECOND on reconnect storms, the XDS cache, leader election.
 */
import { Debouncer } from '../controlplane/debounce.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import { PushQueue } from '../controlplane/push-queue.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import type { PilotSettings } from './scenario.ts';

export interface PushInFlight {
  readonly index: number;
  readonly request: PushRequest;
  /** StartPush: when the PushContext was ready and proxies were enqueued. */
  startUs: number;
}

export class IstiodReplica {
  readonly index: number;
  readonly debouncer: Debouncer;
  readonly queue = new PushQueue();
  readonly settings: PilotSettings;
  up = true;
  epoch = 0;
  generating = 0;
  push: PushContext | null = null;
  /** The PushContext before `push` (Istio checks a proxy's previous scope too). */
  previousPush: PushContext | null = null;
  /** The index of the newest push whose PushContext this replica serves. */
  pushIndex = 0;
  /** Pushes whose Push() has not returned yet (their PushContext is being built). */
  readonly pushes = new Map<number, PushInFlight>();
  /** When each push started (its proxies were enqueued), by index: all a generation needs of its push. */
  readonly pushStarts = new Map<number, number>();

  constructor(index: number, settings: PilotSettings) {
    this.index = index;
    this.settings = settings;
    this.debouncer = new Debouncer(settings);
  }

  /** Processor sharing: the factor (in 1/1000) a generation's cost is stretched by with `generating` in flight. */
  slowdownMilli(): number {
    return Math.max(1000, Math.ceil((this.generating * 1000) / Math.max(1, this.settings.cpus)));
  }

  canGenerate(): boolean {
    return this.up && this.generating < Math.max(1, this.settings.pushThrottle);
  }

  goDown(): void {
    this.up = false;
    this.epoch += 1;
    this.debouncer.reset();
    this.queue.clear();
    this.generating = 0;
    this.pushes.clear();
    this.pushStarts.clear();
  }

  comeUp(): void {
    this.up = true;
    this.epoch += 1;
  }

  /** Idle: nothing held, queued, or being generated. */
  isIdle(): boolean {
    return this.debouncer.held === null && this.queue.isIdle() && this.generating === 0;
  }
}
