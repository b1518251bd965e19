/**
 * Requests in time. An exchange is one client request with its retries: each attempt walks the proxies
 * as they are at the attempt's instant (probe.ts over the proxies' applied config), then travels the
 * network, is served by the app (service time, errors, and the app's own calls to its dependencies,
 * one after another, each an exchange of its own), and its response travels back. Route timeouts and
 * per-try timeouts race the attempt; retries follow the route's retry policy.
 *
 * Rules:
 * - A proxy's local reply (404 NR, 503 NC/UH/UF, a fault abort, an RBAC 403) ends the attempt where
 *   the proxy is; a fault delay holds the request before it goes on (Envoy's fault filter).
 * - The route timeout (Istio: none by default for HTTP) ends the whole exchange with 504 UT; a per-try
 *   timeout ends the attempt with 504 UT, which the policy may retry (Envoy router).
 * - Retries: Istio's default is 2 retries on connect-failure, refused-stream, unavailable and
 *   cancelled (no status codes: an upstream 503 is not retried by default); what qualifies and the
 *   back-off are in sim/proxy (retry-on.ts, retry-backoff.ts).
 * - An app's dependency failing does not fail the app's own answer (apps degrade, as bookinfo's
 *   productpage does); the caller's latency includes every call.
 * - Resilience (resilience.ts): an attempt holds a slot in the pool of each proxy that forwarded it,
 *   waits while a pool has no connection for it, and releases them when it ends, telling each proxy's
 *   outlier detector how its host did; a circuit breaker's 503 UO is never retried; a retry needs a
 *   max_retries slot (else the failed answer goes back with UO).
 * - Mirrors (Envoy router.cc: the shadow policies are chosen once in decodeHeaders and the copies sent
 *   once per downstream request, never again on a retry, which only makes a new upstream request): when
 *   an exchange's first attempt is routed by a proxy that mirrors it, one shadow exchange per copy starts
 *   from that proxy's pod once any fault delay has passed. It walks straight to the mirror cluster
 *   (ProbeSession.shadow), is served by the app like any request and recorded like any request, with its
 *   `-shadow` host (no port) as destinationService; nothing waits for it, its answer goes nowhere, it is
 *   never retried, and its timeout is the original route's timeout (Envoy sets the shadow's async
 *   request timeout to the route's global timeout).
 *
 * Invariants: every exchange ends exactly once and is recorded when it ends; stale events of an attempt
 * that was retried or timed out are ignored; randomness comes from the streams handed in.
 *
 * Not modelled: hops seeing config that changes during the same attempt (each attempt walks at its
 * start, also one that waited for a connection), connect latency (connections are counted for the
 * pool limits but opening one costs no time), request bodies (so a shadow never streams one, and is
 * never cancelled with its original: Envoy cancels only shadows still streaming a body), the shadow's
 * metrics being reported by the server's sidecar only (Envoy's async client runs no HTTP filters, so
 * Istio's client-side stats never see the copy; here it is recorded as any request).
 */
import { PRIORITY_NORMAL } from '../core/loop.ts';
import type { Rng } from '../core/prng.ts';
import type { PodInfo } from '../topology/model.ts';
import type { Recorder } from '../trace/recorder.ts';
import type { AppSpec, NetworkSettings } from './scenario.ts';
import type { ProbeSession } from './probe.ts';
import type { ProbeDestination, ProbeHold, ProbeMirror, ProbeRequest, ProbeResult } from './probe-types.ts';
import { appFails, createRetryBackoff, nextRetryBackoffUs, parseRetryOn, retryQualifies, sampleDuration } from './traffic-rules.ts';
import { AttemptResilience } from './resilience.ts';
import type { RetryOn } from './traffic-rules.ts';
import type { RetryBackoffState } from '../proxy/retry-backoff.ts';

type AppCall = AppSpec['calls'][number];

const NO_FLAGS: readonly string[] = Object.freeze([]);
const NO_HOLDS: readonly ProbeHold[] = Object.freeze([]);

/** What a request retries on before its first attempt has read the route's policy: nothing. */
const NO_RETRY_ON: RetryOn = parseRetryOn([]);

/** What happens next to an exchange (the event holds the exchange itself: no lookup per event). */
export type TrafficEvent =
  | { readonly kind: 'attempt'; readonly exchange: Exchange }
  | { readonly kind: 'app-arrive'; readonly exchange: Exchange; readonly token: number }
  | { readonly kind: 'app-done'; readonly exchange: Exchange; readonly token: number }
  | { readonly kind: 'attempt-end'; readonly exchange: Exchange; readonly token: number; readonly code: number; readonly flags: readonly string[] }
  | { readonly kind: 'route-timeout'; readonly exchange: Exchange }
  | { readonly kind: 'try-timeout'; readonly exchange: Exchange; readonly token: number };

export interface TrafficHost {
  readonly nowUs: number;
  schedule(delayUs: number, event: TrafficEvent, priority?: number): void;
  /** Extra one-way delay on links of this pod now (a network fault). */
  extraDelayUs(pod: PodInfo | null): number;
  /** An exchange ended (closed-loop clients send their next request). */
  ended(exchange: Exchange): void;
}

export interface Exchange {
  readonly id: number;
  readonly request: ProbeRequest;
  readonly source: PodInfo | null;
  readonly sourceLabel: string;
  readonly startUs: number;
  /** The parent exchange whose app made this call, or null for client traffic. */
  readonly parent: number | null;
  /** The traffic spec that sent it (closed loop), or null. */
  readonly traffic: number | null;
  /** For a shadow copy: the copy, as the mirroring proxy sends it; null for every other request. */
  readonly shadow: ProbeMirror | null;
  /** Attempts started so far. */
  attempt: number;
  /** Identifies the attempt in flight; events of any other attempt are stale. -1 between attempts. */
  token: number;
  retriesLeft: number | null;
  retryOn: RetryOn;
  /** Made at the first retry (most exchanges have none). */
  backoff: RetryBackoffState | null;
  perTryTimeoutUs: number | null;
  routeTimeoutSet: boolean;
  /** The last attempt's walk, for labels and the response path. */
  result: ProbeResult | null;
  /** The pool slots the last attempt took (resilience.ts). */
  holds: readonly ProbeHold[];
  /** The app serving the current attempt: the calls it still has to make. */
  app: { pod: PodInfo; spec: AppSpec | null; nextCall: number; hops: number } | null;
  done: boolean;
}

export class Traffic {
  private readonly exchanges = new Map<number, Exchange>();
  private nextId = 0;
  private nextToken = 0;
  private readonly session: ProbeSession;
  private readonly host: TrafficHost;
  private readonly recorder: Recorder;
  private readonly network: NetworkSettings;
  private readonly apps: ReadonlyMap<string, AppSpec>;
  private readonly pods: (namespace: string, name: string) => PodInfo | undefined;
  /** Moves when the live pods change (null: not known, every lookup asks `pods`). */
  private readonly podsVersion: (() => number) | null;
  /** The pod behind a walk's destination, by the destination object (flow plans hand the same one to every attempt) while the pods stay. */
  private readonly destinationPods = new WeakMap<ProbeDestination, { readonly version: number; readonly pod: PodInfo | undefined }>();
  private readonly rng: Rng;
  private readonly resilience: AttemptResilience<TrafficEvent>;
  private readonly callRequests = new WeakMap<AppCall, ProbeRequest>();

  constructor(options: {
    session: ProbeSession; host: TrafficHost; recorder: Recorder; network: NetworkSettings; apps: readonly AppSpec[];
    pods: (namespace: string, name: string) => PodInfo | undefined; podsVersion?: () => number; rng: Rng;
  }) {
    this.session = options.session;
    this.host = options.host;
    this.recorder = options.recorder;
    this.network = options.network;
    this.apps = new Map(options.apps.map((a) => [a.workload, a]));
    this.pods = options.pods;
    this.podsVersion = options.podsVersion ?? null;
    this.rng = options.rng;
    this.resilience = new AttemptResilience(options.session);
  }

  get inFlight(): number {
    return this.exchanges.size;
  }

  /** Starts a request now. */
  start(request: ProbeRequest, source: PodInfo | null, parent: number | null, traffic: number | null): void {
    const id = this.nextId;
    this.nextId += 1;
    const exchange: Exchange = {
      id, request, source, sourceLabel: source === null ? 'external' : workloadLabel(source), startUs: this.host.nowUs, parent, traffic, shadow: null,
      attempt: 0, token: -1, retriesLeft: null, retryOn: NO_RETRY_ON, backoff: null, perTryTimeoutUs: null, routeTimeoutSet: false, result: null, holds: NO_HOLDS, app: null, done: false,
    };
    this.exchanges.set(id, exchange);
    this.attempt(exchange);
  }

  /**
   * A shadow copy leaves `source` (the mirroring proxy's pod) after `delayUs`: no retries (retriesLeft
   * 0), the original route's timeout (`timeoutUs`, null: none).
   */
  private startShadow(mirror: ProbeMirror, source: PodInfo, delayUs: number, timeoutUs: number | null): void {
    const id = this.nextId;
    this.nextId += 1;
    const { scheme, authority, path, method } = mirror.upstream;
    const sourceLabel = `${source.namespace}/${source.workload}`;
    const exchange: Exchange = {
      id, request: { from: sourceLabel, url: `${scheme}://${authority}${path}`, method }, source, sourceLabel, startUs: this.host.nowUs + delayUs,
      parent: null, traffic: null, shadow: mirror, attempt: 0, token: -1, retriesLeft: 0, retryOn: NO_RETRY_ON, backoff: null,
      perTryTimeoutUs: null, routeTimeoutSet: timeoutUs !== null, result: null, holds: NO_HOLDS, app: null, done: false,
    };
    this.exchanges.set(id, exchange);
    this.host.schedule(delayUs, { kind: 'attempt', exchange }, PRIORITY_NORMAL);
    if (timeoutUs !== null) this.host.schedule(delayUs + timeoutUs, { kind: 'route-timeout', exchange });
  }

  handle(event: TrafficEvent): void {
    // An exchange that ended (and left `exchanges`) ignores its stale events.
    const exchange = event.exchange;
    if (exchange.done) return;
    switch (event.kind) {
      case 'attempt': return this.attempt(exchange);
      case 'app-arrive': if (event.token === exchange.token) this.appArrive(exchange); return;
      case 'app-done': if (event.token === exchange.token) this.appDone(exchange); return;
      case 'attempt-end': if (event.token === exchange.token) this.attemptEnd(exchange, event.code, event.flags); return;
      case 'route-timeout': return this.finish(exchange, 504, ['UT']);
      case 'try-timeout':
        // Envoy's per-try timeout: the attempt is abandoned with 504 UT, and may be retried.
        if (event.token === exchange.token) this.attemptEnd(exchange, 504, ['UT'], true);
        return;
    }
  }

  private attempt(exchange: Exchange): void {
    exchange.attempt += 1;
    exchange.token = this.nextToken;
    this.nextToken += 1;
    exchange.app = null;
    const holds: ProbeHold[] = [];
    const walked = exchange.shadow === null
      ? this.session.probe(exchange.request, exchange.source, this.host.nowUs, holds)
      : this.session.shadow(exchange.shadow, this.host.nowUs, holds);
    if ('error' in walked && exchange.shadow !== null) {
      // The mirroring pod is gone before the copy left: nothing is sent.
      exchange.done = true;
      this.exchanges.delete(exchange.id);
      return;
    }
    if ('error' in walked) {
      // The host does not resolve from the client (DNS failure): nothing is sent; recorded as a reset.
      this.finish(exchange, 0, ['DNS']);
      return;
    }
    exchange.result = walked;
    exchange.holds = holds;
    this.resilience.begin(exchange.id, exchange.holds);
    // Shadow copies go once per downstream request: with the first attempt, never with a retry.
    if (exchange.attempt === 1 && exchange.shadow === null) this.sendShadows(walked);
    if (exchange.retriesLeft === null) {
      exchange.retriesLeft = walked.retry?.attempts ?? 0;
      exchange.retryOn = parseRetryOn(walked.retry?.retryOn ?? []);
      exchange.perTryTimeoutUs = walked.retry?.perTryTimeoutMs == null ? null : Math.round(walked.retry.perTryTimeoutMs * 1000);
    }
    if (!exchange.routeTimeoutSet && walked.timeoutMs !== null && walked.timeoutMs > 0) {
      exchange.routeTimeoutSet = true;
      this.host.schedule(Math.round(walked.timeoutMs * 1000), { kind: 'route-timeout', exchange });
    }
    if (exchange.perTryTimeoutUs !== null) this.host.schedule(exchange.perTryTimeoutUs, { kind: 'try-timeout', exchange, token: exchange.token });
    const delayUs = Math.round(walked.delayMs * 1000);
    const hops = Math.max(1, walked.trace.length - 1);
    const destinationPod = walked.destination === null ? undefined : this.destinationPod(walked.destination);
    const linkUs = hops * this.network.podLatencyUs + this.host.extraDelayUs(exchange.source) + (destinationPod === undefined ? 0 : this.host.extraDelayUs(destinationPod));
    const reached = walked.destination !== null && (walked.status === 200 || (walked.status === null && walked.connected));
    if (reached && destinationPod !== undefined) {
      exchange.app = { pod: destinationPod, spec: this.apps.get(workloadLabel(destinationPod)) ?? null, nextCall: 0, hops };
      this.proceed(exchange, delayUs + linkUs, { kind: 'app-arrive', exchange, token: exchange.token });
      return;
    }
    // Answered on the way (a proxy's local reply, a reset) or by something outside the mesh.
    const code = reached ? 200 : walked.status ?? 0;
    const travelUs = walked.trace.length > 1 ? 2 * linkUs : this.network.podLatencyUs;
    this.proceed(exchange, delayUs + travelUs, { kind: 'attempt-end', exchange, token: exchange.token, code, flags: walked.flags });
  }

  /** One shadow exchange per copy the first attempt's proxies send, each from its proxy's pod. */
  private sendShadows(walked: ProbeResult): void {
    if (walked.mirrors === undefined) return;
    const delayUs = Math.round(walked.delayMs * 1000);
    const timeoutUs = walked.timeoutMs !== null && walked.timeoutMs > 0 ? Math.round(walked.timeoutMs * 1000) : null;
    for (const mirror of walked.mirrors) {
      const pod = this.session.mesh.topology.pods.find((p) => `${p.name}.${p.namespace}` === mirror.proxy);
      if (pod !== undefined) this.startShadow(mirror, pod, delayUs, timeoutUs);
    }
  }

  /** The attempt goes on after `delayUs`, or once every pool it waits in has a connection for it. */
  private proceed(exchange: Exchange, delayUs: number, event: TrafficEvent): void {
    if (!this.resilience.park(exchange.id, { delayUs, event })) this.host.schedule(delayUs, event);
  }

  /** The attempt ended: its pool slots go back (attempts waiting for them go on), its hosts' results to the detectors. */
  private release(exchange: Exchange, code: number, flags: readonly string[]): void {
    const resumed = this.resilience.end(exchange.id, code, flags, flags.includes('UT'), this.host.nowUs);
    for (let index = 0; index < resumed.length; index += 1) this.host.schedule(resumed[index]!.delayUs, resumed[index]!.event);
  }

  private appArrive(exchange: Exchange): void {
    this.nextCall(exchange);
  }

  /** The app makes its calls one after another, then does its own work. */
  private nextCall(exchange: Exchange): void {
    const app = exchange.app!;
    const calls = app.spec?.calls ?? [];
    if (app.nextCall < calls.length) {
      const call = calls[app.nextCall]!;
      app.nextCall += 1;
      this.start(this.callRequest(call, app.pod), app.pod, exchange.id, null);
      return;
    }
    const serviceUs = app.spec === null ? 0 : sampleDuration(this.rng, app.spec.serviceTime);
    this.host.schedule(serviceUs, { kind: 'app-done', exchange, token: exchange.token });
  }

  /**
   * The request an app's call sends: one object per call of a workload's spec (a spec is per workload,
   * so `from` is the same for each of its pods), as the probe session remembers requests by object.
   */
  private callRequest(call: AppCall, pod: PodInfo): ProbeRequest {
    const from = workloadLabel(pod);
    const known = this.callRequests.get(call);
    if (known !== undefined && known.from === from) return known;
    const request = { from, url: call.url, method: call.method };
    this.callRequests.set(call, request);
    return request;
  }

  private appDone(exchange: Exchange): void {
    const app = exchange.app!;
    const fails = app.spec !== null && appFails(this.rng, app.spec.errorRatePpm);
    const code = fails ? app.spec!.errorStatus : 200;
    const backUs = app.hops * this.network.podLatencyUs + this.host.extraDelayUs(app.pod) + this.host.extraDelayUs(exchange.source);
    this.host.schedule(backUs, { kind: 'attempt-end', exchange, token: exchange.token, code, flags: NO_FLAGS });
  }

  private attemptEnd(exchange: Exchange, code: number, flags: readonly string[], perTryTimeout = false): void {
    this.release(exchange, code, flags);
    if (exchange.retriesLeft !== null && exchange.retriesLeft > 0 && retryQualifies(exchange.retryOn, code, flags, perTryTimeout)) {
      // max_retries full: no retry, the failed answer goes back with UO (shouldRetry NoOverflow).
      if (!this.resilience.takeRetry(exchange.id, exchange.holds)) return this.finish(exchange, code, [...flags, 'UO']);
      exchange.retriesLeft -= 1;
      // The finished attempt's pending events (its timers, its app) are stale from now on.
      exchange.token = -1;
      exchange.app = null;
      this.host.schedule(nextRetryBackoffUs(exchange.backoff ??= createRetryBackoff(), this.rng), { kind: 'attempt', exchange }, PRIORITY_NORMAL);
      return;
    }
    this.finish(exchange, code, flags);
  }

  private finish(exchange: Exchange, code: number, flags: readonly string[]): void {
    this.release(exchange, code, flags);
    exchange.done = true;
    this.exchanges.delete(exchange.id);
    const result = exchange.result;
    const reachedApp = exchange.app !== null;
    const destination = result?.destination;
    this.recorder.request({
      endUs: this.host.nowUs,
      durationUs: this.host.nowUs - exchange.startUs,
      source: exchange.sourceLabel,
      destination: reachedApp && destination != null && destination.workload !== '' ? workloadLabel(destination) : 'unknown',
      destinationService: exchange.shadow !== null ? hostOf(exchange.shadow.upstream.authority) : destination?.service ?? serviceOfRoute(result) ?? 'unknown',
      code,
      flags,
    }, result ?? undefined);
    if (exchange.parent !== null) {
      const parent = this.exchanges.get(exchange.parent);
      if (parent !== undefined && !parent.done && parent.app !== null) this.nextCall(parent);
    }
    this.host.ended(exchange);
  }

  private destinationPod(destination: ProbeDestination): PodInfo | undefined {
    if (this.podsVersion === null) return this.pods(destination.namespace, destination.pod);
    const version = this.podsVersion();
    const known = this.destinationPods.get(destination);
    if (known !== undefined && known.version === version) return known.pod;
    const pod = this.pods(destination.namespace, destination.pod);
    this.destinationPods.set(destination, { version, pod });
    return pod;
  }
}

// `namespace/workload` of a pod or a destination, built once per (immutable) object: pods send many
// requests, and a planned attempt's result, so its destination, is shared by every attempt of its plan.
const workloadLabels = new WeakMap<PodInfo | ProbeDestination, string>();

function workloadLabel(of: PodInfo | ProbeDestination): string {
  let label = workloadLabels.get(of);
  if (label === undefined) {
    label = `${of.namespace}/${of.workload}`;
    workloadLabels.set(of, label);
  }
  return label;
}

/** The host of an authority, without its port (`reviews-shadow:9080` → `reviews-shadow`). */
function hostOf(authority: string): string {
  const colon = authority.lastIndexOf(':');
  return colon > 0 && !authority.endsWith(']') && /^\d+$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority;
}

/** The service a client proxy routed to, from the cluster its route named (`outbound|port|subset|host`). */
function serviceOfRoute(result: ProbeResult | null): string | null {
  const cluster = result?.trace.find((hop) => hop.cluster !== null)?.cluster ?? null;
  const parts = cluster?.split('|') ?? [];
  return parts.length === 4 && parts[0] === 'outbound' ? parts[3]! : null;
}
