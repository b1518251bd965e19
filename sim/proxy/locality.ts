/**
 * The priorities and locality weights of one cluster's endpoints as seen from one proxy: what istiod's
 * EDS sends that proxy (LocalityLbEndpoints with priority and load_balancing_weight), computed here by
 * the proxy from the cluster's `localityLb` and its own locality and labels, so compiled clusters stay
 * shared between proxies.
 *
 * Rules (Istio pilot/pkg/networking/core/loadbalancer/loadbalancer.go ApplyLocalityLoadBalancer,
 * applyLocalityWeights, applyLocalityFailover, applyFailoverPriorities,
 * applyFailoverPriorityPerLocality, priorityLabelOverrides; pilot/pkg/networking/util/util.go
 * LbPriority, LocalityMatch; pilot/pkg/serviceregistry/util/label/label.go AugmentLabels,
 * SplitLocalityLabel; pilot/pkg/xds/endpoints/endpoint_builder.go generate, refreshWeight):
 * - Endpoints are grouped by locality (`region/zone/subzone`; absent is the empty locality), groups in
 *   locality order, each weighing the sum of its endpoints' weights, all at priority 0.
 * - distribute: the first rule whose `from` matches the proxy's locality (`*` matches anything; an
 *   empty or `*` zone or subzone matches any) gives each group that first matches a `to` pattern the
 *   weight ceil(group weight · to weight / weight of all groups matching that pattern) (kept when that
 *   is 0); groups matching no pattern are dropped. No matching rule: nothing changes.
 * - failover, with failoverPriority: each endpoint's priority is the number of labels from the first
 *   one its value differs from the proxy's to the end (0 when all agree); a leading
 *   `topology.istio.io/network` mismatch instead adds the label count. `label=value` compares with
 *   that value instead of the proxy's. Labels include the topology labels of the locality (region,
 *   zone, subzone). A proxy with no labels at all skips this step. Groups split by priority, and
 *   priorities are compacted to 0..N.
 * - failover by proximity (without failoverPriority, or with it when `failover` is non-empty): each
 *   group's priority becomes previous·5 + LbPriority (same region/zone/subzone 0, region/zone 1,
 *   region 2, else 3); for a cross-region group, the first `failover` rule from the proxy's region
 *   keeps 3 for its `to` region and makes every other region 4. Then priorities are compacted.
 *
 * Invariants: pure; every endpoint appears in at most one group; groups come sorted by (priority,
 * locality); priorities are 0..N without gaps; weights are integers ≥ 1.
 *
 * Not modelled: the network, cluster and hostname topology labels (all endpoints and proxies share
 * one network and cluster; nodes are not labels here), zone-aware settings, Go's random order over
 * `distribute.to` (the order written is used).
 */
import { addTo, groupBy } from '../core/group.ts';
import { assert } from '../core/assert.ts';
import type { LbEndpoint, LocalityDistribute, LocalityFailover, LocalityLb } from '../xds/cluster.ts';

/** The proxy as locality load balancing sees it: its locality (absent: unknown) and labels. */
export interface LocalityClient {
  readonly locality?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** One LocalityLbEndpoints after istiod's per-proxy changes. */
export interface LocalityGroup {
  readonly priority: number;
  /** `region/zone/subzone` (empty parts when unknown). */
  readonly locality: string;
  /** load_balancing_weight of the locality. */
  readonly weight: number;
  /** In the order of the cluster's endpoints. */
  readonly hosts: readonly LbEndpoint[];
}

interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

const REGION_LABEL = 'topology.kubernetes.io/region';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const SUBZONE_LABEL = 'topology.istio.io/subzone';
const NETWORK_LABEL = 'topology.istio.io/network';

/** SplitLocalityLabel. */
export function splitLocality(locality: string | undefined): Locality {
  const [region = '', zone = '', subzone = ''] = (locality ?? '').split('/');
  return { region, zone, subzone };
}

function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subzone}`;
}

/** LbPriority: 0 same region/zone/subzone, 1 same region/zone, 2 same region, 3 otherwise. */
export function lbPriority(proxy: Locality, endpoint: Locality): number {
  if (proxy.region !== endpoint.region) return 3;
  if (proxy.zone !== endpoint.zone) return 2;
  return proxy.subzone === endpoint.subzone ? 0 : 1;
}

/** LocalityMatch: does `locality` fall under `pattern` (`region/zone/subzone`, `*` wildcards)? */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const rule = splitLocality(pattern);
  const part = (want: string, have: string, emptyMatches: boolean) => want === '*' || (emptyMatches && want === '') || want === have;
  return part(rule.region, locality.region, false) && part(rule.zone, locality.zone, true) && part(rule.subzone, locality.subzone, true);
}

/** The groups the proxy load balances over, with their priorities and weights. */
export function localityGroups(lb: LocalityLb, endpoints: readonly LbEndpoint[], client: LocalityClient): LocalityGroup[] {
  const proxy = splitLocality(client.locality);
  let groups = groupByLocality(endpoints);
  if (lb.mode === 'distribute') {
    groups = applyLocalityWeights(groups, proxy, lb.distribute);
  } else {
    if (lb.failoverPriority.length > 0) groups = applyFailoverPriorities(groups, augmentedLabels(client.labels, proxy), lb.failoverPriority);
    if (lb.failoverPriority.length === 0 || lb.failover.length > 0) groups = applyLocalityFailover(groups, proxy, lb.failover);
  }
  for (const group of groups) assert(Number.isSafeInteger(group.weight) && group.weight >= 1, () => `locality ${group.locality} has weight ${group.weight}`);
  return groups.sort((a, b) => a.priority - b.priority || (a.locality < b.locality ? -1 : a.locality > b.locality ? 1 : 0));
}

function groupByLocality(endpoints: readonly LbEndpoint[]): LocalityGroup[] {
  const byKey = groupBy(endpoints, (endpoint) => localityKey(splitLocality(endpoint.locality)));
  return [...byKey.keys()].sort().map((locality) => {
    const hosts = byKey.get(locality) ?? [];
    return { priority: 0, locality, weight: hosts.reduce((sum, h) => sum + h.weight, 0), hosts };
  });
}

function applyLocalityWeights(groups: LocalityGroup[], proxy: Locality, rules: readonly LocalityDistribute[]): LocalityGroup[] {
  const rule = rules.find((r) => localityMatches(proxy, r.from));
  if (rule === undefined) return groups;
  const weights = new Map<LocalityGroup, number>();
  for (const { locality, weight } of rule.to) {
    const matched = groups.filter((g) => !weights.has(g) && localityMatches(splitLocality(g.locality), locality));
    const total = matched.reduce((sum, g) => sum + g.weight, 0);
    // "the load balancing weight for a locality is divided by the sum of the weights of all localities"
    for (const g of matched) weights.set(g, Math.ceil((g.weight * weight) / total) || g.weight);
  }
  // Localities no `to` pattern matched lose their endpoints.
  return groups.filter((g) => weights.has(g)).map((g) => ({ ...g, weight: weights.get(g) ?? g.weight }));
}

function applyLocalityFailover(groups: LocalityGroup[], proxy: Locality, failover: readonly LocalityFailover[]): LocalityGroup[] {
  const raised = groups.map((g) => {
    const endpoint = splitLocality(g.locality);
    let priority = lbPriority(proxy, endpoint);
    if (priority === 3) {
      // The first rule from the proxy's region decides: its `to` region stays at 3, other regions go to 4.
      const rule = failover.find((f) => f.from === proxy.region);
      if (rule !== undefined && endpoint.region !== rule.to) priority = 4;
    }
    return { ...g, priority: g.priority * 5 + priority };
  });
  return compact(raised);
}

function applyFailoverPriorities(groups: LocalityGroup[], proxyLabels: Readonly<Record<string, string>>, failoverPriority: readonly string[]): LocalityGroup[] {
  if (Object.keys(proxyLabels).length === 0) return groups;
  const names = failoverPriority.map((entry) => entry.split('=')[0] ?? '');
  const overrides = new Map(failoverPriority.map((entry) => entry.split('=')).filter((parts) => parts.length === 2).map(([name, value]) => [name ?? '', value ?? '']));
  const lowest = failoverPriority.length;
  const includesNetwork = failoverPriority[0] === NETWORK_LABEL;
  const split: LocalityGroup[] = [];
  for (const group of groups) {
    const byPriority = new Map<number, LbEndpoint[]>();
    for (const host of group.hosts) {
      const labels = augmentedLabels(host.labels, splitLocality(host.locality));
      let priority = 0;
      let adjust = 0;
      for (let j = 0; j < names.length; j += 1) {
        const name = names[j] ?? '';
        const want = overrides.get(name) ?? proxyLabels[name] ?? '';
        if (want === (labels[name] ?? '')) continue;
        if (j === 0 && includesNetwork) {
          adjust = lowest;
          continue;
        }
        priority = lowest - j;
        break;
      }
      addTo(byPriority, priority + adjust, host);
    }
    for (const [priority, hosts] of [...byPriority].sort(([a], [b]) => a - b)) {
      split.push({ priority, locality: group.locality, weight: hosts.reduce((sum, h) => sum + h.weight, 0), hosts });
    }
  }
  return compact(split);
}

/** "Priorities should range from 0 (highest) to N (lowest) without skipping." */
function compact(groups: LocalityGroup[]): LocalityGroup[] {
  const order = [...new Set(groups.map((g) => g.priority))].sort((a, b) => a - b);
  return groups.map((g) => ({ ...g, priority: order.indexOf(g.priority) }));
}

/** AugmentLabels: the locality's topology labels added to a pod's labels. */
function augmentedLabels(labels: Readonly<Record<string, string>>, locality: Locality): Readonly<Record<string, string>> {
  const out: Record<string, string> = { ...labels };
  if (locality.region !== '') out[REGION_LABEL] = locality.region;
  if (locality.zone !== '') out[ZONE_LABEL] = locality.zone;
  if (locality.subzone !== '') out[SUBZONE_LABEL] = locality.subzone;
  return out;
}
