/**
 * Flow plans: the hot path of a run's steady traffic. A run sends the same request from the same pod
 * thousands of times while nothing changes; each time the walk (probe.ts) picks the same listener,
 * filter chain, virtual host, route and cluster, and at the endpoint's sidecar the same inbound chain,
 * security verdict and local cluster. Only the load balancer's pick and the pools move. A plan keeps
 * what the walk decided and replays only what moves, with the same calls in the same order, so the
 * random streams and every proxy's state change exactly as the walk would change them.
 *
 * Rules:
 * - A plan belongs to one (request, source pod) and is made from the run's own walks: the first walk
 *   gives the outbound part, each walk the part of the endpoint it reached. It is used once it knows
 *   every endpoint of its cluster (so any pick of the load balancer is planned).
 * - A walk is planned only when nothing in it draws or can fail in a way the plan would have to say:
 *   the source is a sidecar; the request is plain HTTP without a token; the outbound route has no
 *   fault, no mirror and one cluster (no weighted pick); the cluster is an EDS cluster without
 *   locality load balancing; the endpoint is a pod whose sidecar forwarded the request inbound by a
 *   route of the same kind to its ORIGINAL_DST inbound cluster (Istio's: the pod's own address) or a
 *   one-endpoint cluster without outlier detection; both pools' limits are
 *   Istio's (2^32 - 1: no request waits or overflows); the app answered (status 200, no flag).
 * - A plan holds while the epoch it was made under holds (the Simulation moves it whenever a proxy
 *   applies config or a proxy comes or goes; null while a fault could fail a connection) and the
 *   topology is the same object (every cluster change makes a new one).
 * - An attempt by plan: the source proxy's load balancer resolves the endpoint (resolveEndpoint, as the
 *   walk's router does; without outlier detection the candidates depend on the endpoint list alone, so
 *   the plan keeps them and makes only the pick, lb.ts pickHost); no endpoint → no plan (nothing was drawn before that answer, and the state it
 *   touched is recomputed the same by the walk); else the source pool admits it, then the target's
 *   inbound pool (admitByRoute: admitUpstream's code with its lookups made once per endpoint); the
 *   result is the one the walk gave for that endpoint, with this attempt's holds.
 * - Check mode uses no plan: each walk whose plan is ready is compared with it (the same result for
 *   the endpoint it reached, the same pools held); a difference is an assertion.
 *
 * Invariants: a planned attempt changes the streams and proxy states as the walk does, and returns a
 * result equal to the walk's; results are shared between attempts and never edited.
 *
 * Not modelled: plans for gateways, TCP, TLS, weighted routes, faults and mirrors (they walk).
 */
import { assert } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import { requestHashKey } from '../proxy/hash-policy.ts';
import type { Outcome } from '../proxy/outcome.ts';
import type { ProxyState } from '../proxy/proxy-state.ts';
import type { Call } from '../proxy/request.ts';
import { admitByRoute, loadBalancingCandidates, poolRoute } from '../proxy/upstream-resilience.ts';
import type { PoolRoute } from '../proxy/upstream-resilience.ts';
import { resolveEndpoint } from '../proxy/upstream-cluster.ts';
import type { EndpointResolution } from '../proxy/upstream-cluster.ts';
import { pickHost } from '../proxy/lb.ts';
import { clusterThresholds } from '../proxy/circuit-breaker.ts';
import type { PodInfo, Topology } from '../topology/model.ts';
import type { Cluster, LbEndpoint } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { clusterNamed } from '../xds/proxy-config.ts';
import type { Route } from '../xds/route.ts';
import type { ProbeHold, ProbeRequest, ProbeResult } from './probe-types.ts';

/** Pool limits no run reaches: Istio's default circuit breakers are 2^32 - 1. */
const LIMIT_NEVER_REACHED = 2 ** 31;

/** One proxy hop of a walk as a plan needs it: the config and state it ran with, what it did, the route it matched. */
export interface TrailHop {
  readonly pod: PodInfo;
  readonly config: ProxyConfig;
  readonly state: ProxyState;
  readonly outcome: Outcome;
  readonly route: Route | null;
}

/** What one walk leaves for the plans: the call it started with, its proxy hops in order, the pool slots it took (on the result or not). */
export interface WalkTrail {
  readonly first: Call;
  readonly hops: TrailHop[];
  readonly holds: readonly ProbeHold[];
}

interface TargetPlan {
  /** The endpoint of the plan's cluster that leads here. */
  readonly via: LbEndpoint;
  readonly state: ProxyState;
  readonly proxy: string;
  readonly cluster: Cluster;
  readonly endpoint: LbEndpoint;
  /** The walk's result for this endpoint, without holds. */
  readonly result: ProbeResult;
  /** The source's and the target's pool lookups, made at the first planned attempt (upstream-resilience.ts). */
  out: PoolRoute | null;
  into: PoolRoute | null;
}

interface FlowPlan {
  readonly epoch: number;
  readonly topology: Topology;
  readonly config: ProxyConfig;
  readonly state: ProxyState;
  readonly proxy: string;
  readonly cluster: Cluster;
  readonly call: Call;
  readonly hashKey: number | null;
  /** The load balancer's candidates when the cluster has no outlier detection (null: asked each time). */
  readonly candidates: readonly LbEndpoint[] | null;
  readonly endpointCount: number;
  readonly targets: Map<LbEndpoint, TargetPlan>;
  /** A walk of this epoch could not be planned: no more recording until the world moves. */
  dead: boolean;
}

/** A (request, source) whose walks cannot be planned in this world. */
interface DeadPlan {
  readonly epoch: number;
  readonly topology: Topology;
  readonly dead: true;
}

export class FlowPlans {
  private readonly plans = new WeakMap<ProbeRequest, WeakMap<PodInfo, FlowPlan | DeadPlan>>();
  private readonly rng: Rng;
  /** Attempts that went by plan so far. */
  planned = 0;

  /** `rng`: the session's stream, which the walk's load balancers draw from. */
  constructor(rng: Rng) {
    this.rng = rng;
  }

  /**
   * The attempt by plan, or null: no ready plan for this world (the caller walks). `holds`: where its
   * pool slots go (null: on the result, as `holds`).
   */
  attempt(request: ProbeRequest, source: PodInfo, nowUs: number, epoch: number, topology: Topology, holds: ProbeHold[] | null): ProbeResult | null {
    const plan = this.plans.get(request)?.get(source);
    if (plan === undefined || !ready(plan, epoch, topology)) return null;
    const state = plan.state;
    state.nowUs = nowUs;
    // The router's resolveEndpoint; without outlier detection its candidates depend on the endpoint
    // list alone, so the plan keeps them and picks among them directly (lb.ts pickHost).
    const endpoint = plan.candidates === null
      ? endpointOf(resolveEndpoint(plan.config, plan.cluster.name, plan.call, state, this.rng, plan.hashKey))
      : pickHost(plan.cluster, plan.candidates, plan.cluster.name, plan.hashKey, state, this.rng);
    // No endpoint: the load balancer drew nothing (it answers before any pick); the walk says 503 UH.
    if (endpoint === null) return null;
    const target = plan.targets.get(endpoint);
    if (target === undefined) assert(false, `flow plan: ${plan.cluster.name} picked ${endpoint.address}, which the plan does not know`);
    // The pools admit as admitUpstream would, with the lookups made once (admitByRoute).
    const out = holdOf(admitByRoute(target.out ??= poolRoute(state, plan.cluster, endpoint)));
    target.state.nowUs = nowUs;
    const into = holdOf(admitByRoute(target.into ??= poolRoute(target.state, target.cluster, target.endpoint)));
    this.planned += 1;
    if (holds === null) return { ...target.result, holds: [out, into] };
    holds.push(out, into);
    return target.result;
  }

  /** Learns from a walk (its trail and result) what a plan for (request, source) needs. */
  record(request: ProbeRequest, source: PodInfo, epoch: number, topology: Topology, trail: WalkTrail, result: ProbeResult): void {
    let bySource = this.plans.get(request);
    if (bySource === undefined) {
      bySource = new WeakMap();
      this.plans.set(request, bySource);
    }
    let plan = bySource.get(source);
    if (plan === undefined || plan.epoch !== epoch || plan.topology !== topology) {
      plan = outboundPlan(trail, epoch, topology);
      bySource.set(source, plan);
    }
    if (plan.dead || plan.targets.size === plan.endpointCount) return;
    const target = targetPlan(plan, trail, result);
    if (target === null) plan.dead = true;
    else plan.targets.set(target.via, target);
  }

  /** Check mode: the walk's result and holds are what the ready plan would have given. */
  check(request: ProbeRequest, source: PodInfo, epoch: number, topology: Topology, trail: WalkTrail, result: ProbeResult): void {
    const plan = this.plans.get(request)?.get(source);
    if (plan === undefined || !ready(plan, epoch, topology)) return;
    const endpoint = trail.hops[0]?.outcome.endpoint ?? null;
    const target = endpoint === null ? undefined : plan.targets.get(endpoint);
    const flow = `${request.url} from ${source.namespace}/${source.name}`;
    // Only a walk whose load balancer found no endpoint may miss the plan (the plan leaves it to the walk).
    assert(target !== undefined || trail.hops[0]?.outcome.kind !== 'forwarded', () => `check mode: the flow plan of ${flow} does not know endpoint ${endpoint?.address}`);
    if (target === undefined) return;
    const { holds, ...walked } = result;
    const expected = JSON.stringify(target.result);
    assert(JSON.stringify(walked) === expected, () => `check mode: the flow plan of ${flow} gives ${expected}, the walk ${JSON.stringify(walked)}`);
    const held = trail.holds.map((h) => `${h.proxy} ${h.cluster} ${h.host} ${h.admission}`).join('; ');
    const planned = `${plan.proxy} ${plan.cluster.name} ${endpoint!.address}:${endpoint!.port} sent; ${target.proxy} ${target.cluster.name} ${target.endpoint.address}:${target.endpoint.port} sent`;
    assert(held === planned, () => `check mode: the flow plan of ${flow} holds ${planned}, the walk ${held}`);
  }
}

function endpointOf(resolution: EndpointResolution): LbEndpoint | null {
  return resolution.kind === 'endpoint' ? resolution.endpoint : null;
}

function ready(plan: FlowPlan | DeadPlan, epoch: number, topology: Topology): plan is FlowPlan {
  return plan.epoch === epoch && plan.topology === topology && !plan.dead && plan.targets.size === plan.endpointCount;
}

function holdOf(admitted: ProbeHold | string): ProbeHold {
  // The plan's pools have limits no run reaches (see the rules): every request is sent at once.
  if (typeof admitted === 'string' || admitted.admission !== 'sent') assert(false, 'flow plan: a planned pool did not send the request');
  return admitted;
}

/** The outbound part: the source sidecar's route and cluster, or a dead plan when the walk does not qualify. */
function outboundPlan(trail: WalkTrail, epoch: number, topology: Topology): FlowPlan | DeadPlan {
  const hop = trail.hops[0];
  const call = trail.first;
  const cluster = hop === undefined ? undefined : plannedCluster(hop);
  if (hop === undefined || cluster === undefined || hop.pod.proxy !== 'sidecar' || call.protocol !== 'http' || call.request === undefined
    || cluster.discovery === 'ORIGINAL_DST' || cluster.localityLb !== undefined) return { epoch, topology, dead: true };
  const endpoints = hop.config.endpoints.get(cluster.name)?.endpoints ?? [];
  if (endpoints.length === 0) return { epoch, topology, dead: true };
  const action = hop.route!.action;
  return {
    epoch, topology, config: hop.config, state: hop.state, proxy: hop.config.proxy.id, cluster, call,
    hashKey: action.kind === 'route' ? requestHashKey(action.hashPolicies, call, call.request) : null,
    candidates: cluster.outlierDetection === undefined ? loadBalancingCandidates(hop.state, cluster, endpoints) : null,
    endpointCount: endpoints.length, targets: new Map(), dead: false,
  };
}

/** The part of the endpoint this walk reached, or null when the walk does not qualify. */
function targetPlan(plan: FlowPlan, trail: WalkTrail, result: ProbeResult): TargetPlan | null {
  const [out, into] = trail.hops;
  if (out === undefined || into === undefined || trail.hops.length !== 2 || result.trace.length !== 2) return null;
  // The same outbound decisions as the plan's (the same proxy config, route and cluster).
  if (out.config !== plan.config || plannedCluster(out) !== plan.cluster || out.outcome.endpoint === null) return null;
  const cluster = plannedCluster(into);
  if (cluster === undefined || into.pod.proxy !== 'sidecar' || into.outcome.endpoint === null) return null;
  // Inbound: an ORIGINAL_DST cluster connects to the call's own destination (this pod's address and
  // port: the same every time); any other needs one endpoint and no outlier detection or locality.
  if (cluster.discovery !== 'ORIGINAL_DST') {
    const local = into.config.endpoints.get(cluster.name)?.endpoints ?? [];
    if (local.length !== 1 || local[0] !== into.outcome.endpoint || cluster.outlierDetection !== undefined || cluster.localityLb !== undefined) return null;
  }
  if (result.status !== 200 || result.flags.length > 0 || result.destination === null || result.mirrors !== undefined || result.delayMs !== 0) return null;
  if (trail.holds.length !== 2) return null;
  const { holds, ...walked } = result;
  return { via: out.outcome.endpoint, state: into.state, proxy: into.config.proxy.id, cluster, endpoint: into.outcome.endpoint, result: walked, out: null, into: null };
}

/**
 * The cluster a forwarded hop's route sent the request to, when the route is one a plan can replay: a
 * route action with one cluster, no fault, no mirror, and pools whose limits no run reaches.
 */
function plannedCluster(hop: TrailHop): Cluster | undefined {
  const route = hop.route;
  if (hop.outcome.kind !== 'forwarded' || route === null || route.faultDelay !== undefined || route.faultAbort !== undefined) return undefined;
  const action = route.action;
  if (action.kind !== 'route' || action.clusters.length !== 1 || action.mirrors.length !== 0) return undefined;
  const cluster = clusterNamed(hop.config, action.clusters[0]!.name);
  if (cluster === undefined || cluster.name !== hop.outcome.cluster) return undefined;
  const limits = clusterThresholds(cluster);
  const unreachable = limits.maxConnections >= LIMIT_NEVER_REACHED && limits.maxPendingRequests >= LIMIT_NEVER_REACHED && limits.maxRequests >= LIMIT_NEVER_REACHED;
  return unreachable ? cluster : undefined;
}
