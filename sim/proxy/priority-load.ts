/**
 * How Envoy spreads a cluster's load over its priorities and localities: the health of each priority,
 * the share of requests each gets (spilling to the next priority as hosts fail), panic per priority,
 * and the locality pick within a priority when locality-weighted load balancing is on.
 *
 * Rules (Envoy source/common/upstream/load_balancer_impl.cc recalculatePerPriorityState,
 * distributeLoad, calculateNormalizedTotalAvailability, recalculatePerPriorityPanic,
 * recalculateLoadInTotalPanic, isHostSetInPanic, choosePriority, hostSourceToUse;
 * upstream_impl.cc HostSetImpl::effectiveLocalityWeight, chooseHealthyLocality; arch overview
 * "Priority levels", "Locality weighted load balancing", "Panic threshold"):
 * - A priority's health is min(100, 140 · healthy / hosts) (integer division; the default
 *   overprovisioning factor 1.4), 0 without hosts. The normalized total is min(100, Σ health).
 * - Loads: each priority in order takes min(what is left, health · 100 / total); what is left after
 *   the last goes to the first priority with health > 0. Healthy: EDS-healthy and not ejected.
 * - Panic: a priority is in panic when 100 · healthy < threshold · hosts (the cluster's
 *   healthy_panic_threshold). When the total is 0, every priority panics and the load follows host
 *   counts (100 · hosts / all hosts, the rest to the first non-empty priority) — except with a
 *   threshold of 0, when priority 0 takes everything and no host is healthy to take it.
 * - The pick: a number 1..100 (random % 100 + 1, or the request's hash for RING_HASH / MAGLEV) falls
 *   in the cumulative loads. The hosts then are all of the priority in panic, else, with locality
 *   weighting, the healthy hosts of one locality drawn by weight · min(1, 1.4 · healthy / hosts)
 *   (none with a positive weight: the priority's healthy hosts), else the priority's healthy hosts.
 *
 * Invariants: pure; loads are integers summing to 100; with one priority and one locality this is
 * exactly isHostSetInPanic over the cluster (outlier-detection.ts loadBalancingHosts).
 *
 * Not modelled: degraded hosts, excluded hosts, weighted_priority_health, zone-aware routing (Istio
 * sets no local cluster), the EDF locality scheduler (a weighted draw with the same shares stands in),
 * fail_traffic_on_panic.
 */
import { assert } from '../core/assert.ts';
import type { LbEndpoint } from '../xds/cluster.ts';
import type { LocalityGroup } from './locality.ts';

/** Envoy's default overprovisioning factor, in percent (kDefaultOverProvisioningFactor). */
export const OVERPROVISIONING_FACTOR_PERCENT = 140;

/** One priority: its localities, each with its hosts and which of them are healthy. */
export interface PriorityLevel {
  readonly localities: readonly { readonly locality: string; readonly weight: number; readonly hosts: readonly LbEndpoint[]; readonly healthy: readonly LbEndpoint[] }[];
  readonly hosts: readonly LbEndpoint[];
  readonly healthy: readonly LbEndpoint[];
}

export interface PriorityLoads {
  /** Percent of requests per priority, summing to 100. */
  readonly loads: readonly number[];
  readonly panic: readonly boolean[];
}

/** Priority levels from istiod's groups; `isHealthy` says whether a host counts as healthy now. */
export function priorityLevels(groups: readonly LocalityGroup[], order: readonly LbEndpoint[], isHealthy: (host: LbEndpoint) => boolean): PriorityLevel[] {
  const count = groups.reduce((max, g) => Math.max(max, g.priority + 1), 0);
  const levels: PriorityLevel[] = [];
  for (let priority = 0; priority < count; priority += 1) {
    const mine = groups.filter((g) => g.priority === priority);
    const members = new Set(mine.flatMap((g) => g.hosts));
    // Hosts keep the cluster's endpoint order, as one host set of Envoy's does.
    const hosts = order.filter((host) => members.has(host));
    levels.push({
      localities: mine.map((g) => ({ locality: g.locality, weight: g.weight, hosts: g.hosts, healthy: g.hosts.filter(isHealthy) })),
      hosts,
      healthy: hosts.filter(isHealthy),
    });
  }
  return levels;
}

/** The load and panic of each priority (recalculatePerPriorityState, recalculatePerPriorityPanic). */
export function priorityLoads(levels: readonly PriorityLevel[], panicThresholdPercent: number): PriorityLoads {
  assert(levels.length > 0, 'a cluster has at least priority 0');
  const threshold = Math.min(100, panicThresholdPercent);
  const health = levels.map((l) => (l.hosts.length === 0 ? 0 : Math.min(100, Math.floor((OVERPROVISIONING_FACTOR_PERCENT * l.healthy.length) / l.hosts.length))));
  const total = Math.min(100, health.reduce((sum, h) => sum + h, 0));
  if (total === 0) {
    if (threshold === 0) return { loads: levels.map((_, i) => (i === 0 ? 100 : 0)), panic: levels.map(() => false) };
    return { loads: loadsByHostCount(levels), panic: levels.map(() => true) };
  }
  let left = 100;
  const loads = health.map((h) => {
    const load = Math.min(left, Math.floor((h * 100) / total));
    left -= load;
    return load;
  });
  const first = health.findIndex((h) => h > 0);
  loads[first] = (loads[first] ?? 0) + left;
  const panic = levels.map((l) => 100 * l.healthy.length < threshold * l.hosts.length || (l.hosts.length === 0 && threshold > 0));
  return { loads, panic };
}

function loadsByHostCount(levels: readonly PriorityLevel[]): number[] {
  const all = levels.reduce((sum, l) => sum + l.hosts.length, 0);
  if (all === 0) return levels.map((_, i) => (i === 0 ? 100 : 0));
  let left = 100;
  const loads = levels.map((l) => {
    const load = Math.floor((100 * l.hosts.length) / all);
    left -= load;
    return load;
  });
  const first = levels.findIndex((l) => l.hosts.length > 0);
  loads[first] = (loads[first] ?? 0) + left;
  return loads;
}

/** choosePriority: `pick` in 1..100 against the cumulative loads. */
export function choosePriority(loads: readonly number[], pick: number): number {
  if (!(Number.isSafeInteger(pick) && pick >= 1 && pick <= 100)) assert(false, () => `priority pick ${pick} outside 1..100`);
  let cumulative = 0;
  for (let priority = 0; priority < loads.length; priority += 1) {
    cumulative += loads[priority] ?? 0;
    if (pick <= cumulative) return priority;
  }
  assert(false, 'priority loads do not add up to 100');
}

/** How many priorities would take any request: more than one needs a draw. */
export function loadedPriorities(loads: readonly number[]): number {
  return loads.filter((load) => load > 0).length;
}

/**
 * effectiveLocalityWeight, as an integer: weight · min(10000, 14000 · healthy / hosts) / 10000
 * scaled by 10000 (so weights stay integers with the same ratios, to 1/10000 of the availability).
 */
export function effectiveLocalityWeights(level: PriorityLevel): number[] {
  return level.localities.map((l) => {
    if (l.hosts.length === 0) return 0;
    const availability = Math.min(10_000, Math.floor((OVERPROVISIONING_FACTOR_PERCENT * 100 * l.healthy.length) / l.hosts.length));
    return l.weight * availability;
  });
}
