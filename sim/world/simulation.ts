/**
 * The composition root in time: a scenario and a seed become a run. The cluster (API server state),
 * istiod replicas, proxies and traffic are actors on one event loop; the timeline changes the cluster,
 * istiod's informers see each change after a lag, pushes reach proxies type by type, and every request
 * walks the proxies as they are at that instant. The run ends with a RunRecord.
 *
 * Rules: see cluster-state.ts (pods), istiod-replica.ts (pushes), proxy-actor.ts (xDS on the proxy),
 * traffic.ts (requests). The mesh starts converged: every t=0 pod is ready and every proxy holds the
 * config of push 0.
 *
 * Invariants: no module state; the only time is the loop's; randomness comes from streams forked from
 * the seed per component (traffic arrivals, load balancing, apps), so adding a client does not change
 * the load balancer's draws; same scenario and seed ⇒ the same RunRecord.
 *
 * Not modelled: certificate expiry as a fault (refused at load), node failures, packet loss.
 */
import { assert } from '../core/assert.ts';
import { hash32 } from '../core/hash.ts';
import { EventLoop, PRIORITY_LATE, PRIORITY_URGENT } from '../core/loop.ts';
import { Rng } from '../core/prng.ts';
import type { MeshConfig } from '../config/mesh-config.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import { pushContextFromStore } from '../controlplane/push-context.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import { endpointsForHosts, generateEndpoints, generateProxyConfig, proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import type { JwtVerifier } from '../proxy/jwt.ts';
import type { PodInfo } from '../topology/model.ts';
import { Recorder } from '../trace/recorder.ts';
import type { RunRecord, XdsType } from '../trace/run-record.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { evaluateAssertions } from './assertions.ts';
import { ClusterState } from './cluster-state.ts';
import type { ClusterChange, LivePod } from './cluster-state.ts';
import { IstiodReplica } from './istiod-replica.ts';
import { ProbeSession } from './probe.ts';
import type { MeshView } from './probe.ts';
import { ProxyActor, XDS_ORDER } from './proxy-actor.ts';
import type { Scenario, TimelineStep } from './scenario.ts';
import { Traffic } from './traffic.ts';
import type { Exchange, TrafficEvent } from './traffic.ts';
import { proxySnapshot, pushCosts } from './push-costs.ts';
import { poissonGapUs } from '../workload/arrivals.ts';
import { needsPush, pushPlan, scopeRequest } from './push-plan.ts';
import type { PushPlan } from '../controlplane/push-scope.ts';
import { loadMesh } from './mesh.ts';

type SimEvent =
  | TrafficEvent
  | { readonly kind: 'timeline'; readonly index: number }
  | { readonly kind: 'informer'; readonly replica: number; readonly request: PushRequest }
  | { readonly kind: 'debounce-timer'; readonly replica: number; readonly epoch: number }
  | { readonly kind: 'push-ready'; readonly replica: number; readonly epoch: number; readonly push: number }
  | { readonly kind: 'generated'; readonly replica: number; readonly epoch: number; readonly proxy: string; readonly push: number; readonly types: readonly XdsType[]; readonly config: ProxyConfig; readonly bytes: number; readonly queueUs: number; readonly startUs: number }
  | { readonly kind: 'xds-applied'; readonly proxy: string; readonly push: number; readonly type: XdsType; readonly config: ProxyConfig; readonly last: boolean; readonly types: readonly XdsType[]; readonly queueUs: number; readonly startUs: number; readonly sentUs: number; readonly bytes: number }
  | { readonly kind: 'proxy-connect'; readonly proxy: string }
  | { readonly kind: 'istiod-up' }
  | { readonly kind: 'fault-end'; readonly index: number }
  | { readonly kind: 'arrival'; readonly traffic: number }
  | { readonly kind: 'observe'; readonly assertion: number };

/** A pod's containers start and its proxy dials istiod this long after the pod is created. */
const POD_STARTUP_US = 1_000_000;

export interface SimulationOptions {
  /** JWT signature checks at the edge (see probe.ts); absent: no token verifies. */
  readonly verifier?: JwtVerifier | null;
  /** Called every so often with the virtual time reached (a progress bar at the edge). */
  readonly progress?: (nowUs: number) => void;
}

export class Simulation {
  private readonly scenario: Scenario;
  private readonly loop: EventLoop<SimEvent>;
  private readonly cluster: ClusterState;
  private readonly mesh: MeshConfig;
  private readonly replicas: IstiodReplica[];
  private readonly proxies = new Map<string, ProxyActor>();
  private readonly recorder: Recorder;
  private readonly traffic: Traffic;
  private readonly arrivals: Rng;
  private readonly picks: Rng;
  private readonly nacked = new Set<string>();
  private readonly progress: ((nowUs: number) => void) | undefined;
  private readonly observed = new Map<number, boolean>();
  private readonly generationUs = new Map<number, number>();
  private pushCounter = 0;
  private xdsInFlight = 0;

  constructor(scenario: Scenario, options: SimulationOptions = {}) {
    this.scenario = scenario;
    this.progress = options.progress;
    const root = Rng.fromSeed(scenario.seed);
    this.arrivals = root.fork('arrivals');
    this.picks = root.fork('source-pods');
    this.loop = new EventLoop<SimEvent>((event) => this.handle(event));
    this.recorder = new Recorder(scenario.sampleUs);
    const { validated, mesh } = loadMesh(scenario.manifests, { mesh: scenario.mesh });
    this.cluster = new ClusterState(validated.allResources, validated.topology.settings);
    this.mesh = mesh;
    this.replicas = Array.from({ length: Math.max(1, scenario.pilot.replicas) }, (_, i) => new IstiodReplica(i, scenario.pilot));
    const cluster = this.cluster;
    const proxies = this.proxies;
    const view: MeshView = {
      get topology() { return cluster.topology; },
      proxyConfig: (pod) => proxies.get(`${pod.name}.${pod.namespace}`)?.view() ?? null,
      isGone: (ip) => cluster.isGone(ip),
    };
    const session = new ProbeSession(view, root.fork('load-balancing'), { verifier: options.verifier ?? null });
    const loop = this.loop;
    this.traffic = new Traffic({
      session,
      host: {
        get nowUs() { return loop.nowUs; },
        schedule: (delayUs, event, priority) => { this.loop.schedule(delayUs, event, priority); },
        extraDelayUs: (pod) => this.extraDelayUs(pod),
        ended: (exchange) => this.exchangeEnded(exchange),
      },
      recorder: this.recorder,
      network: scenario.network,
      apps: scenario.apps,
      pods: (namespace, name) => this.cluster.pod(namespace, name)?.info,
      rng: root.fork('apps'),
    });
    this.startConverged();
    this.scheduleScenario();
  }

  run(): RunRecord {
    const end = this.scenario.durationUs;
    const sliceUs = Math.max(this.scenario.sampleUs, Math.floor(end / 100));
    for (let at = Math.min(sliceUs, end); ; at = Math.min(at + sliceUs, end)) {
      this.loop.runUntil(at);
      this.progress?.(at);
      if (at >= end) break;
    }
    return this.record();
  }

  /** Push 0: the mesh as loaded, already delivered to every proxy. */
  private startConverged(): void {
    const push = this.buildPush();
    for (const replica of this.replicas) replica.push = push;
    this.recorder.push({ index: 0, startUs: 0, firstEventUs: 0, full: true, reasons: { initial: 1 }, configs: [], proxies: this.cluster.livePods().filter((p) => p.info.proxy !== 'none').length, generationUs: 0 });
    for (const pod of this.cluster.livePods()) {
      if (pod.info.proxy === 'none') continue;
      const actor = this.addProxy(pod);
      actor.connected = true;
      const config = generateProxyConfig(push, actor.identity);
      for (const type of XDS_ORDER) actor.apply(type, 0, config, 0);
    }
  }

  private scheduleScenario(): void {
    this.scenario.timeline.forEach((step, index) => this.loop.scheduleAt(step.atUs, { kind: 'timeline', index }, PRIORITY_URGENT));
    this.scenario.traffic.forEach((spec, index) => {
      if (spec.ratePerSecond !== null) {
        this.loop.scheduleAt(spec.startUs + poissonGapUs(this.arrivals, spec.ratePerSecond), { kind: 'arrival', traffic: index });
      } else {
        for (let i = 0; i < (spec.concurrency ?? 0); i += 1) this.loop.scheduleAt(spec.startUs, { kind: 'arrival', traffic: index });
      }
    });
    this.scenario.assertions.forEach((a, index) => {
      if (a.metric === 'converged') this.loop.scheduleAt(Math.min(a.toUs, this.scenario.durationUs), { kind: 'observe', assertion: index }, PRIORITY_LATE);
    });
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'timeline': return this.timelineStep(this.scenario.timeline[event.index]!, event.index);
      case 'informer': return this.informer(event.replica, event.request);
      case 'debounce-timer': {
        const replica = this.replicas[event.replica]!;
        if (replica.epoch === event.epoch && replica.up) this.debounceStep(replica, replica.debouncer.timerFired(this.loop.nowUs));
        return;
      }
      case 'push-ready': return this.pushReady(event.replica, event.epoch, event.push);
      case 'generated': return this.generated(event);
      case 'xds-applied': return this.xdsApplied(event);
      case 'proxy-connect': return this.connect(event.proxy);
      case 'istiod-up': return this.istiodUp();
      case 'fault-end': return this.faultEnd(event.index);
      case 'arrival': return this.arrival(event.traffic);
      case 'observe': this.observed.set(event.assertion, this.converged()); return;
      default: return this.traffic.handle(event);
    }
  }

  // --- the cluster and its timeline ---------------------------------------------------------------

  private timelineStep(step: TimelineStep, index: number): void {
    const now = this.loop.nowUs;
    this.recorder.mark(now, step.label);
    const action = step.action;
    switch (action.kind) {
      case 'apply': return this.changed(this.cluster.apply(action.manifests, now));
      case 'delete': return this.changed(this.cluster.delete(action.resources, now));
      case 'scale': return this.changed(this.cluster.scale(action.workload, action.replicas, now));
      case 'label-namespace': return this.changed(this.cluster.labelNamespace(action.namespace, action.labels, now));
      case 'restart': return this.changed(this.cluster.restart(action.workload, now));
      case 'fault': return this.faultStart(step, index);
    }
  }

  /** What the API server changed reaches istiod's informers after their lag; pods start or stop. */
  private changed(change: ClusterChange): void {
    for (const pod of change.terminated) this.removeProxy(pod);
    for (const pod of change.created) {
      if (pod.info.proxy === 'none') continue;
      const actor = this.addProxy(pod);
      this.loop.schedule(POD_STARTUP_US, { kind: 'proxy-connect', proxy: actor.id });
    }
    const configs = [...change.configs, ...change.endpoints];
    if (configs.length === 0) return;
    const now = this.loop.nowUs;
    const request: PushRequest = {
      full: change.full,
      configs: new Set(configs),
      reasons: new Map([[change.full ? 'config' : 'endpoint', 1]]),
      firstEventUs: now + this.scenario.network.informerLagUs,
    };
    for (const replica of this.replicas) this.loop.schedule(this.scenario.network.informerLagUs, { kind: 'informer', replica: replica.index, request });
  }

  private addProxy(pod: LivePod): ProxyActor {
    const identity = proxyIdentityOf(pod.info);
    const actor = new ProxyActor(pod, identity, hash32(identity.id) % this.replicas.length);
    this.proxies.set(actor.id, actor);
    return actor;
  }

  private removeProxy(pod: LivePod): void {
    const id = `${pod.info.name}.${pod.info.namespace}`;
    const actor = this.proxies.get(id);
    if (actor === undefined) return;
    this.proxies.delete(id);
    this.replicas[actor.replica]!.queue.remove(id);
  }

  // --- istiod ---------------------------------------------------------------------------------------

  private buildPush(version = this.pushCounter): PushContext {
    return pushContextFromStore(this.cluster.store, this.cluster.topology, this.mesh, String(version));
  }

  private informer(index: number, request: PushRequest): void {
    const replica = this.replicas[index]!;
    if (!replica.up) return; // A replica that is down resyncs everything when it returns.
    this.debounceStep(replica, replica.debouncer.change(this.loop.nowUs, request));
  }

  private debounceStep(replica: IstiodReplica, step: ReturnType<IstiodReplica['debouncer']['change']>): void {
    if (step.kind === 'arm') this.loop.scheduleAt(step.atUs, { kind: 'debounce-timer', replica: replica.index, epoch: replica.epoch });
    if (step.kind === 'push') this.startPush(replica, step.request);
  }

  private startPush(replica: IstiodReplica, request: PushRequest): void {
    this.pushCounter += 1;
    const index = this.pushCounter;
    replica.pushes.set(index, { index, request, startUs: this.loop.nowUs });
    const push = this.buildPush();
    replica.previousPush = replica.push;
    replica.push = push;
    replica.pushIndex = index;
    this.loop.schedule(request.full ? pushCosts.initUs(push) : 0, { kind: 'push-ready', replica: replica.index, epoch: replica.epoch, push: index });
  }

  private pushReady(index: number, epoch: number, pushIndex: number): void {
    const replica = this.replicas[index]!;
    if (replica.epoch !== epoch) return;
    const push = replica.pushes.get(pushIndex)!;
    const now = this.loop.nowUs;
    push.startUs = now;
    const scoped = scopeRequest(push.request, replica.push!);
    let proxies = 0;
    for (const actor of this.sortedProxies()) {
      if (actor.replica !== index || !actor.connected) continue;
      if (!needsPush(scoped, replica.push!, replica.previousPush, actor.identity, actor.edsHosts())) continue;
      replica.queue.enqueue(actor.id, push.request, pushIndex, now);
      proxies += 1;
    }
    this.recorder.push({
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
      const actor = this.proxies.get(entry.proxyId);
      if (actor === undefined) {
        replica.queue.done(entry.proxyId, this.loop.nowUs);
        continue;
      }
      const push = replica.pushes.get(entry.push);
      const plan = pushPlan(scopeRequest(entry.request, replica.push!), replica.push!, replica.previousPush, actor.identity, actor.edsHosts());
      if (plan.types.length === 0) {
        replica.queue.done(entry.proxyId, this.loop.nowUs);
        continue;
      }
      const generation = this.generate(replica.push!, actor, plan);
      replica.generating += 1;
      this.generationUs.set(entry.push, (this.generationUs.get(entry.push) ?? 0) + generation.cpuUs);
      const costUs = Math.ceil((generation.cpuUs * replica.slowdownMilli()) / 1000);
      this.loop.schedule(costUs, {
        kind: 'generated', replica: replica.index, epoch: replica.epoch, proxy: actor.id, push: entry.push, types: plan.types,
        config: generation.config, bytes: generation.bytes, queueUs: this.loop.nowUs - entry.enqueuedUs, startUs: push?.startUs ?? entry.enqueuedUs,
      });
    }
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
      const assignments = endpointsForHosts(push, actor.identity, plan.edsServices.map((s) => s.hostname));
      const config = { ...held, endpoints: generateEndpoints(push, actor.identity) };
      return { config, cpuUs: pushCosts.assignmentsUs(assignments), bytes: pushCosts.assignmentsBytes(assignments) };
    }
    const config = generateProxyConfig(push, actor.identity);
    const eds = plan.edsFull ? null : plan.edsServices;
    return { config, cpuUs: pushCosts.generationUs(config, plan.types, eds), bytes: pushCosts.bytes(config, plan.types, eds) };
  }

  private generated(event: Extract<SimEvent, { kind: 'generated' }>): void {
    const replica = this.replicas[event.replica]!;
    if (replica.epoch !== event.epoch) return;
    replica.generating -= 1;
    const now = this.loop.nowUs;
    replica.queue.done(event.proxy, now);
    const actor = this.proxies.get(event.proxy);
    if (actor !== undefined) {
      const sentUs = now - event.startUs;
      const arriveUs = this.scenario.network.xdsLatencyUs + this.extraDelayUs(actor.pod.info);
      event.types.forEach((type, k) => {
        this.xdsInFlight += 1;
        this.loop.schedule(arriveUs + (k + 1) * this.scenario.network.proxyApplyUs, {
          kind: 'xds-applied', proxy: actor.id, push: event.push, type, config: event.config, last: k === event.types.length - 1,
          types: event.types, queueUs: event.queueUs, startUs: event.startUs, sentUs, bytes: event.bytes,
        }, PRIORITY_URGENT);
      });
    }
    this.drain(replica);
  }

  private xdsApplied(event: Extract<SimEvent, { kind: 'xds-applied' }>): void {
    this.xdsInFlight -= 1;
    const actor = this.proxies.get(event.proxy);
    if (actor === undefined) return;
    const now = this.loop.nowUs;
    const key = `${event.proxy}#${event.push}`;
    if (!actor.apply(event.type, event.push, event.config, now)) this.nacked.add(key);
    if (!event.last) return;
    const nacked = this.nacked.delete(key);
    this.recorder.proxyConverged({
      push: event.push, proxy: event.proxy, queueUs: event.queueUs, sentUs: event.sentUs,
      ackUs: now + this.scenario.network.xdsLatencyUs - event.startUs, types: event.types, nacked, bytes: event.bytes,
    });
    if (actor.pod.phase === 'starting' && actor.hasFullConfig()) this.changed(this.cluster.markReady(actor.pod, now));
  }

  private connect(proxyId: string): void {
    const actor = this.proxies.get(proxyId);
    if (actor === undefined) return;
    const replica = this.replicas[actor.replica]!;
    if (!replica.up) return; // It keeps dialling; it connects when istiod is back (istiodUp).
    actor.connected = true;
    const now = this.loop.nowUs;
    const request: PushRequest = { full: true, configs: new Set(), reasons: new Map([['proxyrequest', 1]]), firstEventUs: now };
    replica.queue.enqueue(actor.id, request, replica.pushIndex, now);
    this.drain(replica);
  }

  // --- faults ---------------------------------------------------------------------------------------

  private faultStart(step: TimelineStep, index: number): void {
    assert(step.action.kind === 'fault', 'fault step');
    const fault = step.action.fault;
    const now = this.loop.nowUs;
    const endUs = (durationUs: number) => (durationUs === 0 ? Number.MAX_SAFE_INTEGER : now + durationUs);
    switch (fault.kind) {
      case 'istiod-outage':
        for (const replica of this.replicas) replica.goDown();
        for (const actor of this.proxies.values()) actor.connected = false;
        if (fault.durationUs > 0) this.loop.schedule(fault.durationUs, { kind: 'istiod-up' });
        return;
      case 'proxy-nack':
        for (const actor of this.workloadProxies(fault.workload)) actor.nackUntilUs = endUs(fault.durationUs);
        return;
      case 'network-delay':
        for (const actor of this.workloadProxies(fault.workload)) {
          actor.extraDelayUs = fault.delayUs;
          actor.delayUntilUs = endUs(fault.durationUs);
        }
        if (fault.durationUs > 0) this.loop.schedule(fault.durationUs, { kind: 'fault-end', index });
        return;
      case 'pod-failure':
        return this.changed(this.cluster.fail(fault.workload, fault.pods, now));
      case 'certificate-expiry':
        assert(false, 'certificate-expiry faults are refused when the scenario loads');
    }
  }

  private faultEnd(index: number): void {
    const step = this.scenario.timeline[index]!;
    if (step.action.kind !== 'fault' || step.action.fault.kind !== 'network-delay') return;
    for (const actor of this.workloadProxies(step.action.fault.workload)) actor.extraDelayUs = 0;
  }

  private istiodUp(): void {
    const now = this.loop.nowUs;
    for (const replica of this.replicas) {
      replica.comeUp();
      // A fresh istiod builds its PushContext from everything the informers list, then every proxy
      // reconnects and asks for its whole config.
      for (const actor of this.proxies.values()) if (actor.replica === replica.index) actor.connected = true;
      this.startPush(replica, { full: true, configs: new Set(), reasons: new Map([['proxyrequest', 1]]), firstEventUs: now });
    }
  }

  private extraDelayUs(pod: PodInfo | null): number {
    if (pod === null) return 0;
    const actor = this.proxies.get(`${pod.name}.${pod.namespace}`);
    if (actor === undefined || actor.extraDelayUs === 0) return 0;
    return this.loop.nowUs < actor.delayUntilUs ? actor.extraDelayUs : 0;
  }

  private workloadProxies(workload: string): ProxyActor[] {
    return this.sortedProxies().filter((a) => a.pod.workloadKey === workload);
  }

  private sortedProxies(): ProxyActor[] {
    return [...this.proxies.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  // --- traffic --------------------------------------------------------------------------------------

  private arrival(index: number): void {
    const spec = this.scenario.traffic[index]!;
    const now = this.loop.nowUs;
    if (now >= spec.endUs) return;
    if (spec.ratePerSecond !== null) {
      const next = now + poissonGapUs(this.arrivals, spec.ratePerSecond);
      if (next < spec.endUs) this.loop.scheduleAt(next, { kind: 'arrival', traffic: index });
    }
    const source = this.sourcePod(spec.from);
    if (source === undefined) {
      // No ready pod to send from (e.g. all restarting): a closed-loop caller tries again shortly.
      if (spec.ratePerSecond === null) this.loop.schedule(Math.max(spec.thinkTimeUs, 10_000), { kind: 'arrival', traffic: index });
      return;
    }
    this.traffic.start({ from: spec.from, url: spec.url, method: spec.method, headers: spec.headers }, source, null, spec.ratePerSecond === null ? index : null);
  }

  private sourcePod(from: string): PodInfo | null | undefined {
    if (from === 'external') return null;
    const ready = this.cluster.livePods().filter((p) => p.workloadKey === from && p.phase === 'ready');
    if (ready.length === 0) return undefined;
    return ready[ready.length === 1 ? 0 : this.picks.below(ready.length)]!.info;
  }

  private exchangeEnded(exchange: Exchange): void {
    if (exchange.traffic === null) return;
    const spec = this.scenario.traffic[exchange.traffic]!;
    const at = this.loop.nowUs + spec.thinkTimeUs;
    if (at < spec.endUs) this.loop.scheduleAt(at, { kind: 'arrival', traffic: exchange.traffic });
  }

  // --- the end --------------------------------------------------------------------------------------

  private converged(): boolean {
    if (this.xdsInFlight > 0 || this.replicas.some((r) => !r.up || !r.isIdle())) return false;
    return [...this.proxies.values()].every((a) => a.connected && a.ackedPush('LDS') >= 0);
  }

  private record(): RunRecord {
    const base = {
      scenario: this.scenario.name,
      file: this.scenario.file,
      seed: this.scenario.seed,
      durationUs: this.scenario.durationUs,
      sampleUs: this.scenario.sampleUs,
      requests: this.recorder.requestCounts(),
      latencies: this.recorder.latencyHistograms(),
      pushes: this.recorder.pushRecords().map((p) => ({ ...p, generationUs: this.generationUs.get(p.index) ?? 0 })),
      convergence: [...this.recorder.convergenceRecords()],
      proxies: this.sortedProxies().map((a) => proxySnapshot(a)),
      marks: this.recorder.timelineMarks(),
      events: this.loop.eventsRunTotal,
      traceHash: this.recorder.traceHash(),
    };
    const assertions = evaluateAssertions(this.scenario.assertions, this.recorder, this.observed);
    return { ...base, assertions };
  }
}
