/**
 * Where a pod runs: the node the scheduler puts it on, and the locality Istio reads for it.
 *
 * Rules:
 * - Scheduling spreads a workload's pods over zones first, then nodes (the default scheduler's
 *   PodTopologySpread, ScheduleAnyway on topology.kubernetes.io/zone and hostname): nodes are taken
 *   zone by zone in turn (the first node of each zone, then the second, …), and a workload's pod in
 *   slot i (its replacement number r) goes to position (hash(workload) + i + r) of that order among
 *   the nodes that can take pods.
 * - A pod's locality is its node's `region/zone/subzone`; a pod label `topology.istio.io/locality`,
 *   else `istio-locality` (`region.zone.subzone`, dots read as slashes), overrides it, as istiod's kube
 *   controller reads the labels first (kube/controller getPodLocality; pkg/model GetLocalityLabel,
 *   SanitizeLocalityLabel).
 *
 * Invariants: pure; deterministic (no draws); no nodes ⇒ no node and no locality (unless labelled).
 *
 * Not modelled: resources, affinities, taints and tolerations, nodeSelector, DaemonSets' one pod per node.
 */
import { groupBy } from '../core/group.ts';
import { hash32 } from '../core/hash.ts';
import type { Labels } from '../config/selectors.ts';
import type { NodeInfo } from './model.ts';

/** The pod labels istiod reads a locality from, in order. */
export const LOCALITY_LABELS = ['topology.istio.io/locality', 'istio-locality'] as const;

/** The nodes in the order the scheduler fills them: zone by zone in turn. */
export function spreadOrder(nodes: readonly NodeInfo[]): NodeInfo[] {
  const byName = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const zones = groupBy(byName, (node) => `${node.region}/${node.zone}`);
  const lists = [...zones.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, list]) => list);
  const out: NodeInfo[] = [];
  for (let k = 0; out.length < nodes.length; k += 1) for (const list of lists) if (k < list.length) out.push(list[k]!);
  return out;
}

/** The node for a workload's pod in `slot` (its `replacement`-th), among the nodes that can take it; null when none. */
export function placePod(order: readonly NodeInfo[], workload: string, slot: number, replacement: number): NodeInfo | null {
  if (order.length === 0) return null;
  return order[(hash32(workload) + slot + replacement) % order.length]!;
}

/** The locality Istio gives a pod on `node` with these labels, `region/zone/subzone`; undefined when unknown. */
export function podLocality(node: NodeInfo | null, labels: Labels): string | undefined {
  const label = LOCALITY_LABELS.map((name) => labels[name]).find((value) => value !== undefined);
  if (label !== undefined && label !== '') return label.includes('/') ? label : label.split('.').join('/');
  return node === null ? undefined : `${node.region}/${node.zone}/${node.subzone}`;
}
