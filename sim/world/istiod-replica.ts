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
 * - A proxy that connects (a new pod) is not queued behind the pushes: its stream waits for the
 *   request rate limiter (PILOT_MAX_REQUESTS_PER_SECOND, burst 1: one stream admitted per 1/rate s),
 *   then its initial request is generated at once, outside the throttle (ads.go Stream: processRequest
 *   runs in the connection's own goroutine; the throttle bounds only pushes from the queue). The push
 *   queue counts it in progress meanwhile, so a push for it waits, as pushConnection does.
 * - A replica that is down forgets its debounce and queue; proxies keep their config, and on its
 *   return every proxy reconnects and gets a full push (xDS reconnect, initial request).
 *
 * Invariants: events from before a restart (an older `epoch`) are ignored; the push counter is shared
 * by all replicas so push indexes are unique in a run.
 *
 * Not modelled: the rate limiter on reconnect storms after a restart (those go through the queue), the
 * limiter's one-second wait before a stream is refused and Envoy's retry backoff (a proxy over the
 * limit waits its turn), the XDS cache, leader election.
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
  /** Generations in flight: queued pushes and initial requests (they share the replica's cpus). */
  generating = 0;
  /** Of those, initial requests (outside the throttle). */
  initialRequests = 0;
  /** When the request rate limiter admits the next stream. */
  private nextAdmitUs = 0;
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
    return this.up && this.generating - this.initialRequests < Math.max(1, this.settings.pushThrottle);
  }

  /** When a stream opened at `nowUs` gets past the request rate limiter (rate.Limiter, burst 1). */
  admit(nowUs: number): number {
    const at = Math.max(nowUs, this.nextAdmitUs);
    this.nextAdmitUs = at + Math.ceil(1_000_000 / Math.max(1, this.settings.maxRequestsPerSecond));
    return at;
  }

  goDown(): void {
    this.up = false;
    this.epoch += 1;
    this.debouncer.reset();
    this.queue.clear();
    this.generating = 0;
    this.initialRequests = 0;
    this.nextAdmitUs = 0;
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
