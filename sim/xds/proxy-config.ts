/**
 * Everything one proxy holds, as one value: listeners, route configurations, clusters and endpoints
 * (the xDS resource types), with a version per push. This is the contract between the control plane
 * (which produces it) and the proxy engine (which reads nothing else).
 *
 * Clusters come in two layers, as istiod shares them: `clusters`, the outbound ones every proxy of a
 * namespace and Sidecar holds (one object for all of them, Istio's SidecarScope and XDS cache), and
 * `ownClusters`, the proxy's own (a sidecar's inbound ones), over them: a name in `ownClusters` wins.
 * The proxy holds the union. Read them through `clusterNamed` and `clusterList`, the two pure accessor
 * functions below (besides them, this folder holds data shapes and the NamedMap they are kept in).
 *
 * Invariants: data only, JSON-safe (the large shared maps, clusters and endpoints, are NamedMaps:
 * persistent, serialised as plain objects); maps are keyed by resource name; every cluster named by a route
 * either exists here or its absence is the point (503 NC during rollouts); a config is never changed
 * once built, so derived figures may be memoised by the identity of its parts.
 *
 * Not modelled: secrets (SDS) and per-type versions (they arrive with pushes in time).
 */
import type { ClusterLoadAssignment, Cluster } from './cluster.ts';
import type { Listener } from './listener.ts';
import type { RouteConfiguration } from './route.ts';
import type { WorkloadSecurity } from './security.ts';
import type { NamedMap } from './named-map.ts';

export type ProxyType = 'sidecar' | 'router';

export interface ProxyIdentity {
  /** `<pod>.<namespace>`, as Istio names proxies. */
  readonly id: string;
  readonly type: ProxyType;
  readonly namespace: string;
  readonly workload: string;
  readonly pod: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The proxy's own locality, `region/zone/subzone` (its node's); absent: unknown. */
  readonly locality?: string;
}

export interface ProxyConfig {
  readonly proxy: ProxyIdentity;
  readonly version: string;
  readonly listeners: readonly Listener[];
  readonly routes: Readonly<Record<string, RouteConfiguration>>;
  /** The shared (outbound) clusters by name; with `ownClusters`, what CDS carries. */
  readonly clusters: NamedMap<Cluster>;
  /** The proxy's own clusters (a sidecar's inbound ones), layered over `clusters`; absent: none. */
  readonly ownClusters?: Readonly<Record<string, Cluster>>;
  /** The assignments by cluster name (sharing the shared clusters' name index where the control plane built both). */
  readonly endpoints: NamedMap<ClusterLoadAssignment>;
  /** What the proxy enforces on traffic it receives: a sidecar's inbound, a gateway's listeners. */
  readonly security: WorkloadSecurity | null;
}

/** The two cluster layers of a config. */
export type ClusterLayers = Pick<ProxyConfig, 'clusters' | 'ownClusters'>;

/** The cluster of this name the proxy holds (its own layer first), or undefined. */
export function clusterNamed(config: ClusterLayers, name: string): Cluster | undefined {
  const own = config.ownClusters;
  if (own !== undefined && Object.hasOwn(own, name)) return own[name];
  return config.clusters.get(name);
}

/**
 * Every cluster the proxy holds, in the order of the one map the layers stand for (`{ ...clusters,
 * ...ownClusters }`): the shared ones (an own cluster of the same name in its place), then its own others.
 */
export function clusterList(config: ClusterLayers): Cluster[] {
  const own = config.ownClusters;
  if (own === undefined) return config.clusters.values();
  const list = config.clusters.entries().map(([name, cluster]) => (Object.hasOwn(own, name) ? own[name]! : cluster));
  for (const [name, cluster] of Object.entries(own)) if (!config.clusters.has(name)) list.push(cluster);
  return list;
}
