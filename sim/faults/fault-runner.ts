/**
 * Carries out fault plans (fault-plan.ts) through the hooks the world offers: istiod going down and
 * up, proxies NACKing, pods failing or being deleted, links changing (sim/network), certificates
 * expiring. Faults that last end by themselves; pod churn arrives as a seeded Poisson process.
 *
 * Rules:
 * - a fault with a duration ends at start + duration (the world is told, e.g. istiod comes back, the
 *   certificates are renewed); duration 0 lasts until the run ends;
 * - pod churn: the gap to the next deletion is exponential with mean 1/rate (integer µs); each
 *   deletion picks uniformly among the candidates the world lists at that instant (none: skipped).
 * - config churn: every interval one Service gets a new VirtualService (even changes) or DestinationRule
 *   (odd changes), picked uniformly among the candidates the world lists at that instant;
 * - a node failure goes down, NotReady and evicted on the node controller's clock (fault-plan.ts) and
 *   comes back when it ends;
 * - heal: every fault still active ends at once, as if its duration ran out now (istiod comes back,
 *   links heal, certificates are renewed, NACKing and churn stop); their later ends do nothing.
 *
 * Invariants: no module state; draws come only from the stream handed in, in event order; a tick of
 * a fault carries its own index so several faults run side by side.
 *
 * Not modelled: faults that depend on load (e.g. istiod OOM under a push storm).
 */
import { poissonGapUs } from '../workload/arrivals.ts';
import type { Rng } from '../core/prng.ts';
import type { Links } from '../network/links.ts';
import { NODE_EVICTION_US, NODE_MONITOR_GRACE_US } from './fault-plan.ts';
import type { FaultSpec } from './fault-plan.ts';

/** What the world lets faults do. Times are the loop's (virtual µs). */
export interface FaultHooks {
  readonly nowUs: number;
  /** Calls `tick(fault)` back after `delayUs`. */
  schedule(delayUs: number, fault: number): void;
  istiod(up: boolean): void;
  nack(workload: string, untilUs: number): void;
  failPods(workload: string, pods: number): void;
  /** Pods a churn may delete now, in a stable order: how many, and the `NS/NAME` of one by position. */
  churnCandidates(namespace: string | null): ChurnCandidates;
  deletePod(pod: string, drainUs: number): void;
  /** Services a config churn may change now, `NS/NAME`, in a stable order. */
  churnServices(namespace: string | null): readonly string[];
  /** Applies manifests (YAML text) as `kubectl apply` would. */
  applyConfig(text: string): void;
  /** The workload's proxies lose (false) or regain (true) their xDS stream. */
  xdsReachable(workload: string, reachable: boolean): void;
  certificates(workload: string, valid: boolean): void;
  /** A node's state changes (see fault-plan.ts node-failure). */
  node(name: string, state: 'down' | 'not-ready' | 'evicted' | 'up'): void;
}

/** A list a churn draws one entry of: it names only the pod drawn (a mesh of 50,000 pods names one per deletion). */
export interface ChurnCandidates {
  readonly length: number;
  at(index: number): string;
}

const FOREVER = Number.MAX_SAFE_INTEGER;

export class FaultRunner {
  private readonly hooks: FaultHooks;
  private readonly links: Links;
  private readonly rng: Rng;
  private readonly faults: readonly FaultSpec[];
  private readonly endsUs = new Map<number, number>();
  private readonly startsUs = new Map<number, number>();
  /** Faults whose end has been carried out. */
  private readonly ended = new Set<number>();
  /** Changes a config churn has made so far, by fault. */
  private readonly changes = new Map<number, number>();

  /** `faults[i]` is the fault of timeline step i (or undefined when that step is not a fault). */
  constructor(faults: readonly (FaultSpec | undefined)[], hooks: FaultHooks, links: Links, rng: Rng) {
    this.faults = faults as readonly FaultSpec[];
    this.hooks = hooks;
    this.links = links;
    this.rng = rng;
  }

  start(index: number): void {
    const fault = this.faults[index]!;
    const now = this.hooks.nowUs;
    const lasting = 'durationUs' in fault ? fault.durationUs : 0;
    const untilUs = lasting === 0 ? FOREVER : now + lasting;
    this.endsUs.set(index, untilUs);
    this.startsUs.set(index, now);
    if (lasting > 0 && fault.kind !== 'pod-churn' && fault.kind !== 'config-churn') this.hooks.schedule(lasting, index);
    switch (fault.kind) {
      case 'istiod-outage':
        return this.hooks.istiod(false);
      case 'proxy-nack':
        return this.hooks.nack(fault.workload, untilUs);
      case 'pod-failure':
        return this.hooks.failPods(fault.workload, fault.pods);
      case 'pod-churn':
        return this.hooks.schedule(poissonGapUs(this.rng, fault.ratePerSecond), index);
      case 'config-churn':
        return this.hooks.schedule(fault.intervalUs, index);
      case 'network-delay':
        return this.links.add({ workloads: new Set([fault.workload]), peer: '*', fromUs: now, untilUs, delayUs: fault.delayUs, lossPpm: 0, partition: false });
      case 'network-loss':
        return this.links.add({ workloads: new Set([fault.workload]), peer: '*', fromUs: now, untilUs, delayUs: 0, lossPpm: fault.lossPpm, partition: false });
      case 'network-partition':
        this.links.add({ workloads: new Set([fault.workload]), peer: fault.peer, fromUs: now, untilUs, delayUs: 0, lossPpm: 0, partition: true });
        if (fault.peer === 'istiod' || fault.peer === '*') this.hooks.xdsReachable(fault.workload, false);
        return;
      case 'certificate-expiry':
        return this.hooks.certificates(fault.workload, false);
      case 'node-failure':
        this.hooks.schedule(NODE_MONITOR_GRACE_US, index);
        this.hooks.schedule(NODE_MONITOR_GRACE_US + NODE_EVICTION_US, index);
        return this.hooks.node(fault.node, 'down');
    }
  }

  /** Ends every fault that is still active (a healed phase). */
  heal(): void {
    const now = this.hooks.nowUs;
    this.links.healAll(now);
    for (const [index, until] of [...this.endsUs].sort(([a], [b]) => a - b)) {
      if (until <= now || this.ended.has(index)) continue;
      this.endsUs.set(index, now);
      const fault = this.faults[index]!;
      if (fault.kind === 'proxy-nack') this.hooks.nack(fault.workload, now);
      else if (fault.kind !== 'pod-churn' && fault.kind !== 'config-churn') this.end(index);
    }
  }

  /** A fault's scheduled moment: its end, or (pod churn) its next deletion. */
  tick(index: number): void {
    const fault = this.faults[index]!;
    const now = this.hooks.nowUs;
    if (fault.kind === 'pod-churn') {
      if (now >= this.endsUs.get(index)!) return;
      const candidates = this.hooks.churnCandidates(fault.namespace);
      if (candidates.length > 0) this.hooks.deletePod(candidates.at(this.rng.below(candidates.length)), fault.drainUs);
      const next = poissonGapUs(this.rng, fault.ratePerSecond);
      if (now + next < this.endsUs.get(index)!) this.hooks.schedule(next, index);
      return;
    }
    if (fault.kind === 'config-churn') {
      if (now >= this.endsUs.get(index)!) return;
      const candidates = this.hooks.churnServices(fault.namespace);
      if (candidates.length > 0) {
        const change = this.changes.get(index) ?? 0;
        this.changes.set(index, change + 1);
        const [namespace = '', name = ''] = candidates[this.rng.below(candidates.length)]!.split('/');
        this.hooks.applyConfig(churnManifest(namespace, name, change));
      }
      if (now + fault.intervalUs < this.endsUs.get(index)!) this.hooks.schedule(fault.intervalUs, index);
      return;
    }
    if (fault.kind === 'node-failure' && now < this.endsUs.get(index)! && !this.ended.has(index)) {
      // The node controller's steps while the node stays down.
      const elapsed = now - this.startsUs.get(index)!;
      if (elapsed === NODE_MONITOR_GRACE_US) this.hooks.node(fault.node, 'not-ready');
      else if (elapsed === NODE_MONITOR_GRACE_US + NODE_EVICTION_US) this.hooks.node(fault.node, 'evicted');
      return;
    }
    this.end(index);
  }

  private end(index: number): void {
    if (this.ended.has(index)) return;
    this.ended.add(index);
    const fault = this.faults[index]!;
    const now = this.hooks.nowUs;
    switch (fault.kind) {
      case 'istiod-outage':
        return this.hooks.istiod(true);
      case 'network-partition':
        if ((fault.peer === 'istiod' || fault.peer === '*') && this.links.istiodHealsAtUs(fault.workload, now) === null) this.hooks.xdsReachable(fault.workload, true);
        return;
      case 'certificate-expiry':
        return this.hooks.certificates(fault.workload, true);
      case 'node-failure':
        return this.hooks.node(fault.node, 'up');
      default:
        // Delay, loss and NACK windows end by themselves (their `untilUs`).
        return;
    }
  }
}

/**
 * The `change`-th config churn edit of a Service: a VirtualService with a route timeout (even changes)
 * or a DestinationRule with a connection-pool limit (odd), each value new so the resource really changes.
 */
export function churnManifest(namespace: string, name: string, change: number): string {
  // A short host resolves in the resource's own namespace, whatever the cluster's domain suffix.
  const host = name;
  const meta = `{name: churn-${name}, namespace: ${namespace}}`;
  if (change % 2 === 0) {
    return `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: ${meta}\nspec:\n  hosts: [${host}]\n  http: [{route: [{destination: {host: ${host}}}], timeout: ${10 + (change % 50)}s}]\n`;
  }
  return `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: ${meta}\nspec:\n  host: ${host}\n  trafficPolicy: {connectionPool: {http: {http1MaxPendingRequests: ${1000 + change}}}}\n`;
}
