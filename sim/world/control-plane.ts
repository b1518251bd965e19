/**
 * istiod in the run: its replicas' debounce, push queue and generation, xDS delivery to the proxies
 * and their ACKs and NACKs, reconnects. The simulation hands it what the API server changed (after
 * the informers' lag) and the proxies; it schedules its own events on the loop and tells the host
 * when a new proxy has its whole config (its pod becomes ready).
 *
 * Rules: see istiod-replica.ts (debounce, throttle, processor sharing), push-plan.ts (who gets what),
 * proxy-actor.ts (how a proxy applies it). A full push builds a new PushContext; an incremental one keeps
 * the replica's config and takes the endpoints of now (push-context.ts withEndpoints), as istiod keeps its
 * PushContext between full pushes. A partial EDS push builds only the affected ClusterLoadAssignments
 * (eds.go buildDeltaEndpoints); a proxy whose xDS stream is cut (an outage, a partition) gets nothing and
 * asks for everything when it reconnects. A push's request is let go once its proxies are enqueued. A
 * new proxy's initial request is answered when the rate limiter admits its stream, outside the queue
 * (istiod-replica.ts).
 *
 * Invariants: push indexes are unique in a run (one counter for every replica); events of a replica
 * from before its restart (an older epoch) are ignored; no module state.
 *
 * Not modelled: PILOT_MAX_REQUESTS_PER_SECOND on reconnect storms after a restart, leader election,
 * delta xDS.
 */
import { PRIORITY_URGENT } from '../core/loop.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import type { PushPlan } from '../controlplane/push-scope.ts';
import { endpointsForServices, generateEndpoints, generateProxyConfig } from '../controlplane/generate-proxy-config.ts';
import type { Links } from '../network/links.ts';
import type { Recorder } from '../trace/recorder.ts';
import type { XdsType } from '../trace/run-record.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { IstiodReplica } from './istiod-replica.ts';
import type { ProxyActor } from './proxy-actor.ts';
import { XDS_ORDER } from './proxy-actor.ts';
import { pushCosts } from './push-costs.ts';
import { pushPlan, pushPlanner, scopeRequest } from './push-plan.ts';
import type { NetworkSettings, PilotSettings } from './scenario.ts';

export type ControlPlaneEvent =
  | { readonly kind: 'informer'; readonly replica: number; readonly request: PushRequest }
  | { readonly kind: 'debounce-timer'; readonly replica: number; readonly epoch: number }
  | { readonly kind: 'push-ready'; readonly replica: number; readonly epoch: number; readonly push: number }
  | { readonly kind: 'generated'; readonly replica: number; readonly epoch: number; readonly proxy: string; readonly push: number; readonly types: readonly XdsType[]; readonly config: ProxyConfig; readonly bytes: number; readonly queueUs: number; readonly startUs: number; readonly initial?: true }
  | { readonly kind: 'xds-applied'; readonly proxy: string; readonly push: number; readonly type: XdsType; readonly config: ProxyConfig; readonly last: boolean; readonly types: readonly XdsType[]; readonly queueUs: number; readonly startUs: number; readonly sentUs: number; readonly bytes: number; readonly initial?: true }
  | { readonly kind: 'proxy-connect'; readonly proxy: string }
  | { readonly kind: 'proxy-request'; readonly replica: number; readonly epoch: number; readonly proxy: string; readonly connectedUs: number };

const CONTROL_PLANE_EVENTS: ReadonlySet<string> = new Set(['informer', 'debounce-timer', 'push-ready', 'generated', 'xds-applied', 'proxy-connect', 'proxy-request']);

export function isControlPlaneEvent(event: { readonly kind: string }): event is ControlPlaneEvent {
  return CONTROL_PLANE_EVENTS.has(event.kind);
}

/** What the control plane needs from the run. */
export interface ControlPlaneHost {
  readonly loop: {
    readonly nowUs: number;
    schedule(delayUs: number, event: ControlPlaneEvent, priority?: number): void;
    scheduleAt(atUs: number, event: ControlPlaneEvent, priority?: number): void;
  };
  readonly proxies: ReadonlyMap<string, ProxyActor>;
  readonly recorder: Recorder;
  readonly network: NetworkSettings;
  readonly links: Links;
  /** A PushContext of the cluster as it is now, named `version`. */
  buildPush(version: string): PushContext;
  /** The PushContext of an incremental push: `previous`'s config, the endpoints of now. */
  withEndpoints(previous: PushContext, version: string): PushContext;
  /** The proxies in id order. */
  sortedProxies(): readonly ProxyActor[];
  /** The proxy applied its whole config for the first time. */
  proxyReady(actor: ProxyActor): void;
  /** The proxy accepted a listener update. */
  listenersApplied(actor: ProxyActor): void;
}

export class ControlPlane {
  readonly replicas: IstiodReplica[];
  private readonly host: ControlPlaneHost;
  private readonly nacked = new Set<string>();
  /** When each proxy applies the last response sent to it (its ADS stream is in order). */
  private readonly lastAppliedUs = new Map<string, number>();
  private readonly generationUs = new Map<number, number>();
  private pushCounter = 0;
  private xdsInFlight = 0;

  constructor(pilot: PilotSettings, host: ControlPlaneHost) {
    this.host = host;
    this.replicas = Array.from({ length: Math.max(1, pilot.replicas) }, (_, i) => new IstiodReplica(i, pilot));
  }

  handle(event: ControlPlaneEvent): void {
    switch (event.kind) {
      case 'informer': return this.informer(event.replica, event.request);
      case 'debounce-timer': {
        const replica = this.replicas[event.replica]!;
        if (replica.epoch === event.epoch && replica.up) this.debounceStep(replica, replica.debouncer.timerFired(this.host.loop.nowUs));
        return;
      }
      case 'push-ready': return this.pushReady(event.replica, event.epoch, event.push);
      case 'generated': return this.generated(event);
      case 'xds-applied': return this.xdsApplied(event);
      case 'proxy-connect': return this.connect(event.proxy);
      case 'proxy-request': return this.initialRequest(event);
    }
  }

  /** Push 0: the mesh as loaded, already delivered to every proxy. */
  startConverged(actors: readonly ProxyActor[]): void {
    const push = this.buildPush();
    for (const replica of this.replicas) replica.push = push;
    this.host.recorder.push({ index: 0, startUs: 0, firstEventUs: 0, full: true, reasons: { initial: 1 }, configs: [], proxies: actors.length, generationUs: 0 });
    for (const actor of actors) {
      actor.connected = true;
      const config = generateProxyConfig(push, actor.identity);
      for (const type of XDS_ORDER) actor.apply(type, 0, config, 0);
    }
  }

  /** What the API server changed reaches every replica's informers after their lag. */
  changed(request: PushRequest): void {
    for (const replica of this.replicas) this.host.loop.schedule(this.host.network.informerLagUs, { kind: 'informer', replica: replica.index, request });
  }

  /** The replica a proxy connects to. */
  replicaFor(hash: number): number {
    return hash % this.replicas.length;
  }

  /** A proxy is gone: nothing more is generated for it. */
  forget(actor: ProxyActor): void {
    this.replicas[actor.replica]!.queue.remove(actor.id);
  }

  /** CPU µs istiod spent on a push, summed over its proxies. */
  pushGenerationUs(index: number): number {
    return this.generationUs.get(index) ?? 0;
  }

  private buildPush(version = this.pushCounter): PushContext {
    return this.host.buildPush(String(version));
  }

  private informer(index: number, request: PushRequest): void {
    const replica = this.replicas[index]!;
    if (!replica.up) return; // A replica that is down resyncs everything when it returns.
    this.debounceStep(replica, replica.debouncer.change(this.host.loop.nowUs, request));
  }

  private debounceStep(replica: IstiodReplica, step: ReturnType<IstiodReplica['debouncer']['change']>): void {
    if (step.kind === 'arm') this.host.loop.scheduleAt(step.atUs, { kind: 'debounce-timer', replica: replica.index, epoch: replica.epoch });
    if (step.kind === 'push') this.startPush(replica, step.request);
  }

  startPush(replica: IstiodReplica, request: PushRequest): void {
    this.pushCounter += 1;
    const index = this.pushCounter;
    replica.pushes.set(index, { index, request, startUs: this.host.loop.nowUs });
    replica.pushStarts.set(index, this.host.loop.nowUs);
    // An incremental push keeps the replica's config (Istio rebuilds its PushContext on full pushes only).
    const push = request.full || replica.push === null ? this.buildPush() : this.host.withEndpoints(replica.push, String(this.pushCounter));
    replica.previousPush = replica.push;
    replica.push = push;
    replica.pushIndex = index;
    this.host.loop.schedule(request.full ? pushCosts.initUs(push) : 0, { kind: 'push-ready', replica: replica.index, epoch: replica.epoch, push: index });
  }

  private pushReady(index: number, epoch: number, pushIndex: number): void {
    const replica = this.replicas[index]!;
    if (replica.epoch !== epoch) return;
    const push = replica.pushes.get(pushIndex)!;
    const now = this.host.loop.nowUs;
    // The request is not kept once its proxies are enqueued (the queue holds what each still needs).
    replica.pushes.delete(pushIndex);
    replica.pushStarts.set(pushIndex, now);
    const scoped = scopeRequest(push.request, replica.push!);
    const plan = pushPlanner(scoped, replica.push!, replica.previousPush);
    let proxies = 0;
    for (const actor of this.host.sortedProxies()) {
      if (actor.replica !== index || !actor.connected) continue;
      // needsPush (DefaultProxyNeedsPush): forced, or some update is relevant to the proxy's plan.
      if (scoped.forced !== true && plan(actor.identity, actor.edsHosts()).configsUpdated.length === 0) continue;
      replica.queue.enqueue(actor.id, push.request, pushIndex, now);
      proxies += 1;
    }
    this.host.recorder.push({
      index: pushIndex, startUs: now, firstEventUs: push.request.firstEventUs, full: push.request.full,
      reasons: Object.fromEntries([...push.request.reasons].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      configs: [...push.request.configs].sort(), proxies, generationUs: 0,
    });
    if (!push.request.reasons.has('proxyrequest')) this.debounceStep(replica, replica.debouncer.pushDone(now));
    this.drain(replica);
  }

  private drain(replica: IstiodReplica): void {
    while (replica.canGenerate()) {
      const entry = replica.queue.next();
      if (entry === null) return;
      const actor = this.host.proxies.get(entry.proxyId);
      if (actor === undefined) {
        replica.queue.done(entry.proxyId, this.host.loop.nowUs);
        continue;
      }
      const pushStartUs = replica.pushStarts.get(entry.push);
      const plan = pushPlan(scopeRequest(entry.request, replica.push!), replica.push!, replica.previousPush, actor.identity, actor.edsHosts());
      if (plan.types.length === 0) {
        replica.queue.done(entry.proxyId, this.host.loop.nowUs);
        continue;
      }
      this.startGeneration(replica, actor, entry.push, plan, this.host.loop.nowUs - entry.enqueuedUs, Math.max(pushStartUs ?? entry.enqueuedUs, entry.request.firstEventUs), false);
    }
  }

  /**
   * Generates the proxy's config for `plan` and delivers it after the CPU it costs, stretched by the
   * generations in flight (processor sharing); its CPU counts toward push `push`.
   */
  private startGeneration(replica: IstiodReplica, actor: ProxyActor, push: number, plan: PushPlan, queueUs: number, startUs: number, initial: boolean): void {
    const generation = this.generate(replica.push!, actor, plan);
    replica.generating += 1;
    if (initial) replica.initialRequests += 1;
    this.generationUs.set(push, (this.generationUs.get(push) ?? 0) + generation.cpuUs);
    this.host.loop.schedule(Math.ceil((generation.cpuUs * replica.slowdownMilli()) / 1000), {
      kind: 'generated', replica: replica.index, epoch: replica.epoch, proxy: actor.id, push, types: plan.types,
      config: generation.config, bytes: generation.bytes, queueUs, startUs, ...(initial ? { initial: true } : {}),
    });
  }

  /** The limiter admitted a new proxy's stream: its whole config is generated now, outside the queue. */
  private initialRequest(event: Extract<ControlPlaneEvent, { kind: 'proxy-request' }>): void {
    const replica = this.replicas[event.replica]!;
    const actor = this.host.proxies.get(event.proxy);
    const now = this.host.loop.nowUs;
    // Gone, already connected by an earlier request, or cut off again meanwhile (it dials again later).
    if (replica.epoch !== event.epoch || actor === undefined || !replica.up || actor.connected) return;
    if (this.host.links.partitioned(actor.pod.workloadKey, 'istiod', now)) return;
    // The stream is a client from here (initConnection): pushes reach it from now on.
    actor.connected = true;
    const request: PushRequest = { full: true, configs: new Set(), reasons: new Map([['proxyrequest', 1]]), firstEventUs: event.connectedUs };
    const plan = pushPlan(scopeRequest(request, replica.push!), replica.push!, replica.previousPush, actor.identity, actor.edsHosts());
    replica.queue.begin(actor.id);
    this.startGeneration(replica, actor, replica.pushIndex, plan, now - event.connectedUs, event.connectedUs, true);
  }

  /**
   * What istiod generates for one proxy's push, its CPU time and bytes. A partial EDS push (endpoint
   * changes only) builds just the affected ClusterLoadAssignments (eds.go buildDeltaEndpoints); the
   * proxy applies them over what it holds, so the config carried is its last one with the new
   * endpoints. Anything else generates the whole config and sends the planned types.
   */
  private generate(push: PushContext, actor: ProxyActor, plan: PushPlan): { config: ProxyConfig; cpuUs: number; bytes: number } {
    const held = actor.latest('EDS') ?? actor.latest('CDS');
    if (plan.types.length === 1 && plan.types[0] === 'EDS' && !plan.edsFull && held !== null) {
      const assignments = endpointsForServices(push, actor.identity, plan.edsServices);
      const config = { ...held, endpoints: generateEndpoints(push, actor.identity) };
      return { config, cpuUs: pushCosts.assignmentsUs(assignments), bytes: pushCosts.assignmentsBytes(assignments) };
    }
    const config = generateProxyConfig(push, actor.identity);
    const eds = plan.edsFull ? null : plan.edsServices;
    return { config, cpuUs: pushCosts.generationUs(config, plan.types, eds), bytes: pushCosts.bytes(config, plan.types, eds) };
  }

  private generated(event: Extract<ControlPlaneEvent, { kind: 'generated' }>): void {
    const replica = this.replicas[event.replica]!;
    if (replica.epoch !== event.epoch) return;
    replica.generating -= 1;
    if (event.initial === true) replica.initialRequests -= 1;
    const now = this.host.loop.nowUs;
    const actor = this.host.proxies.get(event.proxy);
    // A proxy that went away meanwhile was already taken off the queue.
    if (actor !== undefined) replica.queue.done(event.proxy, now);
    if (actor !== undefined) {
      const sentUs = now - event.startUs;
      if (!actor.connected) {
        // The stream broke (a partition) while this was generated: nothing arrives; it reconnects later.
        this.drain(replica);
        return;
      }
      const arriveUs = now + this.host.network.xdsLatencyUs + this.host.links.delayUs(actor.pod.workloadKey, 'istiod', now);
      // One ADS stream per proxy: responses arrive in the order they were sent, and Envoy applies one
      // after another (each taking proxyApply), even when the link's delay changed in between.
      let appliedUs = Math.max(arriveUs, this.lastAppliedUs.get(actor.id) ?? 0);
      event.types.forEach((type, k) => {
        this.xdsInFlight += 1;
        appliedUs += this.host.network.proxyApplyUs;
        this.lastAppliedUs.set(actor.id, appliedUs);
        this.host.loop.scheduleAt(appliedUs, {
          kind: 'xds-applied', proxy: actor.id, push: event.push, type, config: event.config, last: k === event.types.length - 1,
          types: event.types, queueUs: event.queueUs, startUs: event.startUs, sentUs, bytes: event.bytes, ...(event.initial === true ? { initial: true } : {}),
        }, PRIORITY_URGENT);
      });
    }
    this.drain(replica);
  }

  private xdsApplied(event: Extract<ControlPlaneEvent, { kind: 'xds-applied' }>): void {
    this.xdsInFlight -= 1;
    const actor = this.host.proxies.get(event.proxy);
    if (actor === undefined) return;
    const now = this.host.loop.nowUs;
    const key = `${event.proxy}#${event.push}`;
    if (!actor.apply(event.type, event.push, event.config, now)) this.nacked.add(key);
    else if (event.type === 'LDS') this.host.listenersApplied(actor);
    if (!event.last) return;
    const nacked = this.nacked.delete(key);
    this.host.recorder.proxyConverged({
      push: event.push, proxy: event.proxy, queueUs: event.queueUs, sentUs: event.sentUs,
      ackUs: now + this.host.network.xdsLatencyUs - event.startUs, types: event.types, nacked, bytes: event.bytes,
      ...(event.initial === true ? { initial: true } : {}),
    });
    if (actor.pod.phase === 'starting' && actor.hasFullConfig()) this.host.proxyReady(actor);
  }

  connect(proxyId: string): void {
    const actor = this.host.proxies.get(proxyId);
    if (actor === undefined) return;
    const replica = this.replicas[actor.replica]!;
    // It keeps dialling; it connects when istiod is back or the partition heals.
    if (!replica.up || this.host.links.partitioned(actor.pod.workloadKey, 'istiod', this.host.loop.nowUs)) return;
    const now = this.host.loop.nowUs;
    this.host.loop.scheduleAt(replica.admit(now), { kind: 'proxy-request', replica: replica.index, epoch: replica.epoch, proxy: actor.id, connectedUs: now });
  }

  istiodDown(): void {
    for (const replica of this.replicas) replica.goDown();
    for (const actor of this.host.proxies.values()) actor.connected = false;
  }

  istiodUp(): void {
    const now = this.host.loop.nowUs;
    for (const replica of this.replicas) {
      replica.comeUp();
      // A fresh istiod builds its PushContext from everything the informers list, then every proxy
      // reconnects and asks for its whole config (those it can reach).
      for (const actor of this.host.proxies.values()) {
        if (actor.replica === replica.index && !this.host.links.partitioned(actor.pod.workloadKey, 'istiod', now)) actor.connected = true;
      }
      this.startPush(replica, { full: true, configs: new Set(), reasons: new Map([['proxyrequest', 1]]), firstEventUs: now });
    }
  }

  /** Converged: istiod idle with nothing in flight, every proxy connected and holding what it was last sent. */
  converged(): boolean {
    if (this.xdsInFlight > 0 || this.replicas.some((r) => !r.up || !r.isIdle())) return false;
    return [...this.host.proxies.values()].every((a) => a.connected && a.upToDate());
  }
}
