/**
 * Locality load balancing as istiod configures it for one outbound cluster: which
 * LocalityLoadBalancerSetting applies, and what of it the cluster carries to the proxy.
 *
 * Rules (Istio pilot/pkg/networking/core/loadbalancer/loadbalancer.go GetEffectiveLbSetting,
 * LocalityLBSettings.ApplyToCluster, ApplyLocalityLoadBalancer; pilot/pkg/xds/endpoints/endpoint_builder.go
 * BuildClusterLoadAssignment, getOutlierDetectionAndLoadBalancerSettings;
 * pilot/pkg/networking/core/cluster_traffic_policy.go applyLoadBalancer; pkg/config/mesh/mesh.go
 * DefaultMeshConfig):
 * - The setting: the cluster's traffic policy's `loadBalancer.localityLbSetting` (port-level settings
 *   and the subset merged, as for the rest of the policy) replaces the mesh's wholesale; else
 *   MeshConfig `localityLbSetting`, whose default is `{enabled: true}`. `enabled: false` on the
 *   setting that applies turns locality load balancing off for the cluster.
 * - `distribute` set: per-proxy locality weights, with or without outlier detection, and the cluster
 *   gets `locality_weighted_lb_config`.
 * - Otherwise failover, only when the cluster has outlier detection ("Failover should only be enabled
 *   when there is an outlier detection, otherwise Envoy will never detect the hosts are unhealthy"):
 *   per-proxy priorities from `failoverPriority` labels and then locality proximity with the `failover`
 *   region rules. `locality_weighted_lb_config` is set when `failover` or `failoverPriority` is
 *   non-empty. Since the mesh default is enabled, outlier detection alone turns on failover by
 *   proximity.
 * - Otherwise nothing (no `localityLb`): one priority, no locality weights.
 *
 * Invariants: pure; never reads a proxy. The priorities relative to a proxy's own locality and labels
 * are computed by the proxy (sim/proxy/locality.ts), so generated clusters stay shared between the
 * proxies of a namespace.
 *
 * Not modelled: `zoneAwareLbSetting` (mesh and DestinationRule), a Service's `trafficDistribution`
 * (PreferSameZone / PreferSameNode force failover), ENABLE_LOCALITY_WEIGHTED_LB_CONFIG (off by default),
 * waypoints, the mesh `defaultTrafficPolicy` outlier detection.
 */
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import type { LocalityLbSettingSpec } from '../config/mesh-config.ts';
import type { LocalityDistribute, LocalityFailover, LocalityLb } from '../xds/cluster.ts';

export type { LocalityLbSettingSpec };

/** MeshConfig's default localityLbSetting (mesh.go DefaultMeshConfig: enabled). */
export const MESH_LOCALITY_LB_DEFAULT: LocalityLbSettingSpec = MESH_CONFIG_DEFAULT.localityLbSetting;

/** GetEffectiveLbSetting (locality part): the DestinationRule's setting, else the mesh's; null when off. */
export function effectiveLocalityLbSetting(
  mesh: LocalityLbSettingSpec | null | undefined, destination: LocalityLbSettingSpec | null | undefined,
): LocalityLbSettingSpec | null {
  const setting = destination ?? mesh ?? null;
  if (setting === null || setting.enabled === false) return null;
  return setting;
}

/**
 * The cluster's `localityLb` for its effective policy: the mesh setting, the policy's localityLbSetting
 * and whether the cluster has outlier detection. Undefined: locality plays no part.
 */
export function clusterLocalityLb(
  mesh: LocalityLbSettingSpec | null | undefined, destination: LocalityLbSettingSpec | null | undefined, outlierDetection: boolean,
): LocalityLb | undefined {
  const setting = effectiveLocalityLbSetting(mesh, destination);
  if (setting === null) return undefined;
  const distribute = setting.distribute ?? [];
  // "one of Distribute or Failover settings can be applied": distribute wins (a nil list is unset).
  if (distribute.length > 0) return { mode: 'distribute', localityWeighted: true, distribute: distribute.map(distributeRule) };
  if (!outlierDetection) return undefined;
  const failover: LocalityFailover[] = (setting.failover ?? []).map((f) => ({ from: f.from ?? '', to: f.to ?? '' }));
  const failoverPriority = [...(setting.failoverPriority ?? [])];
  return { mode: 'failover', localityWeighted: failover.length > 0 || failoverPriority.length > 0, failover, failoverPriority };
}

function distributeRule(rule: { readonly from?: string; readonly to?: Readonly<Record<string, number>> | null }): LocalityDistribute {
  // Go ranges over the `to` map in random order; meshsim keeps the order written.
  return { from: rule.from ?? '', to: Object.entries(rule.to ?? {}).map(([locality, weight]) => ({ locality, weight })) };
}
