/**
 * The composition root in time: a scenario and a seed become a run. The cluster (API server state),
 * istiod replicas, proxies and traffic are actors on one event loop; the timeline changes the cluster,
 * istiod's informers see each change after a lag, pushes reach proxies type by type, and every request
 * walks the proxies as they are at that instant. The run ends with a RunRecord.
 *
 * Rules: see cluster-state.ts (pods), control-plane.ts (istiod and xDS delivery), proxy-actor.ts (xDS
 * on the proxy), traffic.ts (requests). The mesh starts converged: every t=0 pod is ready and every proxy holds the
 * config of push 0.
 *
 * Invariants: no module state; the only time is the loop's; randomness comes from streams forked from
 * the seed per component (traffic arrivals, load balancing, apps, network, faults), so adding a client does not change
 * the load balancer's draws; same scenario and seed ⇒ the same RunRecord.
 *
 * Faults (sim/faults) act through hooks: istiod down and up, NACKing proxies, failed and deleted pods
 * (a deleted pod drains, then is gone), links (sim/network: delay, loss, partitions, also between
 * proxies and istiod), expired certificates (mTLS handshakes with the workload fail). Not modelled: node failures.
 */
import { AssertionError } from '../core/assert.ts';
import { hash32 } from '../core/hash.ts';
import { EventLoop, PRIORITY_LATE, PRIORITY_URGENT } from '../core/loop.ts';
import { Rng } from '../core/prng.ts';
import type { MeshConfig } from '../config/mesh-config.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import { pushContextFromStore, withEndpoints } from '../controlplane/push-context.ts';
import { proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import type { JwtVerifier } from '../proxy/jwt.ts';
import type { PodInfo } from '../topology/model.ts';
import { Recorder } from '../trace/recorder.ts';
import type { RunRecord } from '../trace/run-record.ts';
import { evaluateAssertions } from './assertions.ts';
import { ClusterState, type ClusterChange, type LivePod } from './cluster-state.ts';
import { ProbeSession, type MeshView } from './probe.ts';
import type { ProbeRequest } from './probe-types.ts';
import { ProxyActor, type ConfigEpoch } from './proxy-actor.ts';
import { ControlPlane, isControlPlaneEvent, type ControlPlaneEvent } from './control-plane.ts';
import type { Scenario, TimelineStep } from './scenario.ts';
import { Traffic, type Exchange, type TrafficEvent } from './traffic.ts';
import { proxySnapshot } from './push-costs.ts';
import { poissonGapUs } from '../workload/arrivals.ts';
import { loadMesh } from './mesh.ts';
import { FaultRunner, type FaultHooks } from '../faults/fault-runner.ts';
import { Links } from '../network/links.ts';
import { Streams, type StreamEvent } from './streams.ts';

type SimEvent =
  | TrafficEvent
  | ControlPlaneEvent
  | StreamEvent
  | { readonly kind: 'timeline'; readonly index: number }
  | { readonly kind: 'fault-tick'; readonly index: number }
  | { readonly kind: 'pod-gone'; readonly pod: string }
  | { readonly kind: 'arrival'; readonly traffic: number }
  | { readonly kind: 'observe'; readonly assertion: number };

/** A pod's containers start and its proxy dials istiod this long after the pod is created. */
const POD_STARTUP_US = 1_000_000;
/** The least a closed-loop caller waits after a request that failed without taking time. */
const FAILED_AT_ONCE_US = 1_000;
/** MeshConfig connectTimeout default (Istio: 10 s): how long a connection attempt into a partition hangs. */
const CONNECT_TIMEOUT_US = 10_000_000;

export interface SimulationOptions {
  /** JWT signature checks at the edge (see probe.ts); absent: no token verifies. */
  readonly verifier?: JwtVerifier | null;
  /** Called every so often with the virtual time reached (a progress bar at the edge). */
  readonly progress?: (nowUs: number) => void;
  /** Check mode: the hot path's caches and indexes are checked against the reference code on every request. */
  readonly check?: boolean;
  /** Steady flows go by plan (flow-plans.ts; default true); false walks every request (the reference path). */
  readonly flowPlans?: boolean;
  /** The loop's density watchdog budget (events per virtual second; default the loop's). Tests lower it. */
  readonly eventsPerSecondMax?: number;
}

export class Simulation {
  private readonly scenario: Scenario;
  private readonly loop: EventLoop<SimEvent>;
  private readonly cluster: ClusterState;
  private readonly mesh: MeshConfig;
  private readonly controlPlane: ControlPlane;
  private readonly proxies = new Map<string, ProxyActor>();
  private readonly recorder: Recorder;
  private readonly traffic: Traffic;
  private readonly arrivals: Rng;
  private readonly picks: Rng;
  private readonly progress: ((nowUs: number) => void) | undefined;
  private readonly observed = new Map<number, boolean>();
  private readonly links: Links;
  private readonly faults: FaultRunner;
  private readonly streams: Streams;
  /** Workloads whose proxies NACK until the instant (a fault), and whose certificates are expired. */
  private readonly nackUntil = new Map<string, number>();
  private readonly expired = new Set<string>();
  /** Moves whenever a proxy applies config, comes or goes (flow plans hold while it stays). */
  private readonly configEpoch: ConfigEpoch = { value: 0 };
  private readonly session: ProbeSession;
  private readonly proxyIds = new WeakMap<PodInfo, string>();
  /** The values of `proxies` in id order. */
  private readonly proxyOrder: ProxyActor[] = [];
  /** Per traffic entry, the request and arrival event its arrivals share (built at the first). */
  private readonly entries: ({ readonly request: ProbeRequest; readonly arrival: SimEvent } | undefined)[] = [];

  constructor(scenario: Scenario, options: SimulationOptions = {}) {
    this.scenario = scenario;
    this.progress = options.progress;
    const root = Rng.fromSeed(scenario.seed);
    this.arrivals = root.fork('arrivals');
    this.picks = root.fork('source-pods');
    this.loop = new EventLoop<SimEvent>((event) => this.handle(event), options.eventsPerSecondMax);
    this.recorder = new Recorder(scenario.sampleUs);
    const { validated, mesh } = loadMesh(scenario.manifests, { mesh: scenario.mesh });
    this.cluster = new ClusterState(validated.allResources, validated.topology.settings, scenario.nodes ?? []);
    this.mesh = mesh;
    const cluster = this.cluster;
    const proxies = this.proxies;
    const view: MeshView = {
      get topology() { return cluster.topology; },
      proxyConfig: (pod) => proxies.get(this.proxyIdOf(pod))?.view() ?? null,
      isGone: (ip) => cluster.isGone(ip),
      podAt: (ip) => cluster.podAt(ip),
      connectFails: (from, to) => this.connectFails(from, to),
      certificateExpired: (pod) => this.expired.size > 0 && this.expired.has(`${pod.namespace}/${pod.workload}`),
      planEpoch: () => (this.expired.size > 0 || this.cluster.onDownNode() || this.links.anyActive(this.loop.nowUs) ? null : this.configEpoch.value),
    };
    const session = new ProbeSession(view, root.fork('load-balancing'), { verifier: options.verifier ?? null, check: options.check === true, explain: false, flowPlans: options.flowPlans !== false });
    this.session = session;
    const loop = this.loop;
    this.traffic = new Traffic({
      session,
      host: {
        get nowUs() { return loop.nowUs; },
        schedule: (delayUs, event, priority) => { this.loop.schedule(delayUs, event, priority); },
        extraDelayUs: (pod) => (this.links.anyActive(this.loop.nowUs) ? this.links.delayUs(pod === null ? null : `${pod.namespace}/${pod.workload}`, null, this.loop.nowUs) : 0),
        ended: (exchange) => this.exchangeEnded(exchange),
      },
      recorder: this.recorder,
      network: scenario.network,
      apps: scenario.apps,
      pods: (namespace, name) => this.cluster.pod(namespace, name)?.info,
      podsVersion: () => this.cluster.podsVersion,
      rng: root.fork('apps'),
    });
    this.links = new Links(root.fork('network'));
    this.controlPlane = new ControlPlane(scenario.pilot, {
      loop: this.loop,
      proxies: this.proxies,
      recorder: this.recorder,
      network: scenario.network,
      links: this.links,
      buildPush: (version) => pushContextFromStore(this.cluster.store, this.cluster.topology, this.mesh, version, this.cluster.endpointLists()),
      withEndpoints: (previous, version) => withEndpoints(previous, this.cluster.topology, version, this.cluster.endpointLists()),
      sortedProxies: () => this.sortedProxies(),
      proxyReady: (actor) => this.changed(this.cluster.markReady(actor.pod, this.loop.nowUs)),
      listenersApplied: (actor) => this.streams.listenersChanged(actor.id),
    });
    this.streams = new Streams({
      get nowUs() { return loop.nowUs; },
      schedule: (delayUs, event) => this.loop.schedule(delayUs, event),
      proxyConfig: (id) => this.proxies.get(id)?.view() ?? null,
      active: (traffic) => this.loop.nowUs < this.scenario.traffic[traffic]!.endUs,
      request: (traffic) => {
        const spec = this.scenario.traffic[traffic]!;
        return { from: spec.from, url: spec.url, method: spec.method, headers: spec.headers };
      },
      source: (traffic) => this.sourcePod(this.scenario.traffic[traffic]!.from),
    }, session, this.recorder);
    this.faults = new FaultRunner(scenario.timeline.map((step) => (step.action.kind === 'fault' ? step.action.fault : undefined)), this.faultHooks(), this.links, root.fork('faults'));
    this.startConverged();
    this.scheduleScenario();
  }

  /** A pod's proxy id (`name.namespace`), built once per PodInfo object: requests ask for it at every hop. */
  private proxyIdOf(pod: PodInfo): string {
    let id = this.proxyIds.get(pod);
    if (id === undefined) {
      id = `${pod.name}.${pod.namespace}`;
      this.proxyIds.set(pod, id);
    }
    return id;
  }

  /** Pods alive now (every phase but terminated), for figures such as memory per pod. */
  get livePodCount(): number {
    return this.cluster.livePods().length;
  }

  /** The attempts that went by flow plan so far (flow-plans.ts): what the hot path took on. */
  get plannedAttempts(): number {
    return this.session.plannedAttempts;
  }

  run(): RunRecord {
    const end = this.scenario.durationUs;
    // Slices of 0.1 s to 1 s of virtual time (1/1000 of the run in between) between progress callbacks:
    // the caller's memory guard samples there, and a 50,000-pod mesh can grow by gigabytes in ten seconds.
    const sliceUs = Math.min(1_000_000, Math.max(100_000, Math.floor(end / 1000)));
    for (let at = Math.min(sliceUs, end); ; at = Math.min(at + sliceUs, end)) {
      this.loop.runUntil(at);
      this.progress?.(at);
      if (at >= end) break;
    }
    return this.record();
  }

  /** Push 0: the mesh as loaded, already delivered to every proxy. */
  private startConverged(): void {
    const actors = this.cluster.livePods().filter((pod) => pod.info.proxy !== 'none').map((pod) => this.addProxy(pod, false));
    this.proxyOrder.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.controlPlane.startConverged(actors);
  }

  private scheduleScenario(): void {
    this.scenario.timeline.forEach((step, index) => this.loop.scheduleAt(step.atUs, { kind: 'timeline', index }, PRIORITY_URGENT));
    this.scenario.traffic.forEach((spec, index) => {
      if (spec.streams !== null) {
        for (let i = 0; i < spec.streams; i += 1) this.loop.scheduleAt(spec.startUs, { kind: 'stream-open', traffic: index });
      } else if (spec.ratePerSecond !== null) {
        this.loop.scheduleAt(spec.startUs + poissonGapUs(this.arrivals, spec.ratePerSecond), this.entry(index).arrival);
      } else {
        for (let i = 0; i < (spec.concurrency ?? 0); i += 1) this.loop.scheduleAt(spec.startUs, this.entry(index).arrival);
      }
    });
    this.scenario.assertions.forEach((a, index) => {
      if (a.metric === 'converged') this.loop.scheduleAt(Math.min(a.toUs, this.scenario.durationUs), { kind: 'observe', assertion: index }, PRIORITY_LATE);
    });
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'timeline': return this.timelineStep(this.scenario.timeline[event.index]!, event.index);
      case 'fault-tick': return this.faults.tick(event.index);
      case 'pod-gone': {
        const [namespace = '', name = ''] = event.pod.split('/');
        const pod = this.cluster.pod(namespace, name);
        if (pod !== undefined) this.changed(this.cluster.podGone(pod, this.loop.nowUs));
        return;
      }
      case 'arrival': return this.arrival(event.traffic);
      case 'stream-open':
      case 'stream-cut': return this.streams.handle(event);
      case 'observe': this.observed.set(event.assertion, this.controlPlane.converged()); return;
      case 'attempt': case 'app-arrive': case 'app-done': case 'attempt-end': case 'route-timeout': case 'try-timeout': return this.traffic.handle(event); // by name: most events
      default: return isControlPlaneEvent(event) ? this.controlPlane.handle(event) : this.traffic.handle(event);
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
      case 'fault': return this.faults.start(index);
      case 'heal': return this.faults.heal();
    }
  }

  /** What the API server changed reaches istiod's informers after their lag; pods start or stop. */
  private changed(change: ClusterChange): void {
    for (const pod of change.terminated) {
      this.removeProxy(pod);
      this.streams.podGone(pod.info);
    }
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
    this.controlPlane.changed(request);
  }

  /** `inOrder` false: the caller sorts `proxyOrder` once after adding many (the mesh at t=0). */
  private addProxy(pod: LivePod, inOrder = true): ProxyActor {
    const identity = proxyIdentityOf(pod.info);
    const actor = new ProxyActor(pod, identity, this.controlPlane.replicaFor(hash32(identity.id)), this.configEpoch);
    this.configEpoch.value += 1;
    actor.nackUntilUs = this.nackUntil.get(pod.workloadKey) ?? -1;
    if (!inOrder) this.proxyOrder.push(actor);
    else {
      const at = this.proxyPosition(actor.id);
      if (this.proxies.has(actor.id)) this.proxyOrder[at] = actor;
      else this.proxyOrder.splice(at, 0, actor);
    }
    this.proxies.set(actor.id, actor);
    return actor;
  }

  /** Where the proxy `id` is (or would go) in `proxyOrder`. */
  private proxyPosition(id: string): number {
    let low = 0;
    let high = this.proxyOrder.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.proxyOrder[mid]!.id < id) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private removeProxy(pod: LivePod): void {
    const id = `${pod.info.name}.${pod.info.namespace}`;
    const actor = this.proxies.get(id);
    if (actor === undefined) return;
    this.proxies.delete(id);
    this.configEpoch.value += 1;
    this.proxyOrder.splice(this.proxyPosition(id), 1);
    this.controlPlane.forget(actor);
  }

  // --- istiod ---------------------------------------------------------------------------------------

  // --- faults ---------------------------------------------------------------------------------------

  private faultHooks(): FaultHooks {
    const loop = this.loop;
    return {
      get nowUs() { return loop.nowUs; },
      schedule: (delayUs, index) => this.loop.schedule(delayUs, { kind: 'fault-tick', index }),
      istiod: (up) => (up ? this.controlPlane.istiodUp() : this.controlPlane.istiodDown()),
      nack: (workload, untilUs) => {
        this.nackUntil.set(workload, untilUs);
        for (const actor of this.workloadProxies(workload)) actor.nackUntilUs = untilUs;
      },
      failPods: (workload, pods) => this.changed(this.cluster.fail(workload, pods, this.loop.nowUs)),
      churnCandidates: (namespace) => {
        // The namespace's replaceable ready pods, or every one outside the control plane's namespaces.
        const { pods, rangeOf } = this.cluster.replaceableReady();
        const key = (i: number) => `${pods[i]!.info.namespace}/${pods[i]!.info.name}`;
        if (namespace !== null) {
          const [start, end] = rangeOf(namespace);
          return { length: end - start, at: (i) => key(start + i) };
        }
        const cuts = [...new Set([this.mesh.rootNamespace, 'istio-system'])].map(rangeOf).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
        return {
          length: cuts.reduce((n, [a, b]) => n - (b - a), pods.length),
          at: (i) => key(cuts.reduce((j, [a, b]) => (j >= a ? j + (b - a) : j), i)),
        };
      },
      deletePod: (key, drainUs) => {
        const [namespace = '', name = ''] = key.split('/');
        const pod = this.cluster.pod(namespace, name)!;
        this.changed(this.cluster.deletePod(pod, this.loop.nowUs));
        this.loop.schedule(drainUs, { kind: 'pod-gone', pod: key });
      },
      churnServices: (namespace) => this.cluster.topology.services
        .filter((sv) => sv.kind !== 'ServiceEntry' && sv.namespace !== 'istio-system' && sv.namespace !== this.mesh.rootNamespace && (namespace === null || sv.namespace === namespace))
        .map((sv) => `${sv.namespace}/${sv.name}`),
      applyConfig: (text) => {
        this.changed(this.cluster.apply([{ path: 'config-churn', text }], this.loop.nowUs));
      },
      xdsReachable: (workload, reachable) => {
        for (const actor of this.workloadProxies(workload)) {
          if (!reachable) actor.connected = false;
          else if (!actor.connected) this.controlPlane.connect(actor.id);
        }
      },
      node: (name, state) => {
        const now = this.loop.nowUs;
        const on = this.sortedProxies().filter((a) => a.pod.info.node === name);
        this.changed(this.cluster.node(name, state, now));
        // A node that is down takes its proxies' xDS streams with it; they reconnect when it is back.
        if (state === 'down') for (const actor of on) actor.connected = false;
        if (state === 'up') for (const actor of on) if (!actor.connected) this.controlPlane.connect(actor.id);
      },
      certificates: (workload, valid) => {
        if (valid) this.expired.delete(workload);
        else this.expired.add(workload);
      },
    };
  }

  /** Why a proxy's connection attempt from `from` to `to` fails now (a fault), or null. */
  private connectFails(from: PodInfo, to: PodInfo | null): { reason: string; delayUs: number } | null {
    const now = this.loop.nowUs;
    if (!this.links.anyActive(now) && (to === null || !this.cluster.onDownNode(to))) return null;
    const a = `${from.namespace}/${from.workload}`;
    const b = to === null ? null : `${to.namespace}/${to.workload}`;
    if (to !== null && this.cluster.onDownNode(to)) {
      return { reason: `node ${to.node} of ${to.namespace}/${to.name} is down: the connection attempt times out after ${CONNECT_TIMEOUT_US / 1_000_000} s`, delayUs: CONNECT_TIMEOUT_US };
    }
    if (this.links.partitioned(a, b, now)) {
      return { reason: `the network between ${a} and ${b ?? 'the destination'} is partitioned: the connection attempt times out after ${CONNECT_TIMEOUT_US / 1_000_000} s`, delayUs: CONNECT_TIMEOUT_US };
    }
    if (this.links.lost(a, b, now)) return { reason: `the connection attempt from ${a} to ${b ?? 'the destination'} is lost (network loss)`, delayUs: 0 };
    return null;
  }

  private workloadProxies(workload: string): ProxyActor[] {
    return this.sortedProxies().filter((a) => a.pod.workloadKey === workload);
  }

  /** The proxies in id order (kept in order as they come and go; read it at once, before the next change). */
  private sortedProxies(): readonly ProxyActor[] {
    return this.proxyOrder;
  }

  // --- traffic --------------------------------------------------------------------------------------

  private arrival(index: number): void {
    const spec = this.scenario.traffic[index]!;
    const now = this.loop.nowUs;
    if (now >= spec.endUs) return;
    if (spec.ratePerSecond !== null) {
      const next = now + poissonGapUs(this.arrivals, spec.ratePerSecond);
      if (next < spec.endUs) this.loop.scheduleAt(next, this.entry(index).arrival);
    }
    const source = this.sourcePod(spec.from);
    if (source === undefined) {
      // No ready pod to send from (e.g. all restarting): a closed-loop caller tries again shortly.
      if (spec.ratePerSecond === null) this.loop.schedule(Math.max(spec.thinkTimeUs, 10_000), this.entry(index).arrival);
      return;
    }
    this.traffic.start(this.entry(index).request, source, null, spec.ratePerSecond === null ? index : null);
  }

  /**
   * A traffic entry's request and arrival event, one object each for all its arrivals (values: the
   * probe remembers requests by object, the loop never edits events).
   */
  private entry(index: number): { readonly request: ProbeRequest; readonly arrival: SimEvent } {
    let entry = this.entries[index];
    if (entry === undefined) {
      const spec = this.scenario.traffic[index]!;
      entry = { request: { from: spec.from, url: spec.url, method: spec.method, headers: spec.headers }, arrival: Object.freeze({ kind: 'arrival', traffic: index }) };
      this.entries[index] = entry;
    }
    return entry;
  }

  private sourcePod(from: string): PodInfo | null | undefined {
    if (from === 'external') return null;
    // One of the workload's ready pods (not on a down node), at random: counted, then found, no list built.
    const pods = this.cluster.podsOfLent(from);
    let ready = 0;
    for (let i = 0; i < pods.length; i += 1) if (this.canSend(pods[i]!)) ready += 1;
    if (ready === 0) return undefined;
    let left = ready === 1 ? 0 : this.picks.below(ready);
    for (let i = 0; i < pods.length; i += 1) {
      if (!this.canSend(pods[i]!)) continue;
      if (left === 0) return pods[i]!.info;
      left -= 1;
    }
    throw new AssertionError(`source ${from}: ${ready} ready pods counted, the one picked not found`);
  }

  private canSend(pod: LivePod): boolean {
    return pod.phase === 'ready' && !this.cluster.onDownNode(pod.info);
  }

  private exchangeEnded(exchange: Exchange): void {
    if (exchange.traffic === null) return;
    const spec = this.scenario.traffic[exchange.traffic]!;
    // A request that ended at the instant it began (it failed before the network: an unknown host, no
    // route) still cost the caller time, as a failed lookup or connect does: never less than 1 ms.
    const waitUs = exchange.startUs === this.loop.nowUs ? Math.max(spec.thinkTimeUs, FAILED_AT_ONCE_US) : spec.thinkTimeUs;
    const at = this.loop.nowUs + waitUs;
    if (at < spec.endUs) this.loop.scheduleAt(at, this.entry(exchange.traffic).arrival);
  }

  // --- the end --------------------------------------------------------------------------------------

  private record(): RunRecord {
    const base = {
      scenario: this.scenario.name,
      file: this.scenario.file,
      seed: this.scenario.seed,
      durationUs: this.scenario.durationUs,
      sampleUs: this.scenario.sampleUs,
      requests: this.recorder.requestCounts(),
      latencies: this.recorder.latencyHistograms(),
      pushes: this.recorder.pushRecords().map((p) => ({ ...p, generationUs: this.controlPlane.pushGenerationUs(p.index) })),
      convergence: [...this.recorder.convergenceRecords()],
      proxies: this.sortedProxies().map((a) => proxySnapshot(a)),
      marks: this.recorder.timelineMarks(),
      streams: this.recorder.streams(),
      events: this.loop.eventsRunTotal,
      traceHash: this.recorder.traceHash(),
    };
    const assertions = evaluateAssertions(this.scenario.assertions, this.recorder, this.observed);
    return { ...base, assertions };
  }
}
