/**
 * A DestinationRule's `loadBalancer` as istiod translates it: the cluster's lb_policy and its ring or
 * table size, and the hash policy of the routes that send to it (consistent hashing needs both: the
 * cluster hashes, the route says what).
 *
 * Rules (Istio pilot/pkg/networking/core/cluster_traffic_policy.go applyLoadBalancer,
 * ApplyRingHashLoadBalancer; route/route.go ConsistentHashToHashPolicy, hashForService,
 * HashForHTTPDestination, portLevelSettingsConsistentHash):
 * - Cluster: `simple` picks the policy (LEAST_CONN is LEAST_REQUEST, PASSTHROUGH is CLUSTER_PROVIDED,
 *   unset is Istio's default LEAST_REQUEST); a `consistentHash` then makes it MAGLEV when `maglev` is
 *   set (table_size when ≠ 0), RING_HASH when `ringHash` is set (minimum_ring_size when ≠ 0), and
 *   otherwise RING_HASH with minimum_ring_size the deprecated `minimumRingSize`, or 1024 when it is 0.
 * - Hash policy: httpHeaderName → header; httpCookie → cookie (name, path, ttl); useSourceIp →
 *   connection_properties.source_ip (false included: the oneof is set); httpQueryParameterName →
 *   query_parameter; no hash key → no policy.
 * - Which consistentHash a route destination uses (HashForHTTPDestination): the first of the subset's
 *   port-level entry, the subset's, the destination's port-level entry, the top-level one that is set.
 *   Port-level entries are looked up only when the VirtualService destination names a port. A
 *   port-level `loadBalancer` without consistentHash does not clear a top-level one (the route keeps
 *   it, while that port's cluster does not hash — as in Istio).
 * - Istio's default route of a service without a VirtualService (hashForService): the top-level
 *   consistentHash, replaced by the first port-level entry for the service port when it sets one.
 *
 * Invariants: pure; a cookie ttl that does not parse (validation reports it) is left unset.
 *
 * Not modelled: cookie attributes (they only shape a generated cookie), the Redis filter's MAGLEV,
 * zone-aware settings (locality: translate-locality.ts), warmup (slow start), the tcp_proxy source-IP hash policy
 * (networkfilter.go maybeSetHashPolicy), waypoint inbound routes.
 */
import { parseDuration } from '../core/time.ts';
import type { Cluster, LbPolicy } from '../xds/cluster.ts';
import type { HashPolicy } from '../xds/route.ts';
import { destinationRuleFor, memoizedByConfig } from './push-context.ts';
import type { PushContext } from './push-context.ts';

export interface ConsistentHashSpec {
  readonly httpHeaderName?: string;
  readonly httpCookie?: { readonly name?: string; readonly path?: string; readonly ttl?: string } | null;
  readonly useSourceIp?: boolean;
  readonly httpQueryParameterName?: string;
  readonly ringHash?: { readonly minimumRingSize?: number } | null;
  readonly maglev?: { readonly tableSize?: number } | null;
  /** Deprecated in favour of ringHash.minimumRingSize. */
  readonly minimumRingSize?: number;
}

export interface LoadBalancerSpec {
  readonly simple?: string;
  readonly consistentHash?: ConsistentHashSpec | null;
}

type PortPolicy = { readonly loadBalancer?: LoadBalancerSpec | null };
type PortLevelPolicy = PortPolicy & { readonly port?: { readonly number?: number } | null };
/** The parts of a DestinationRule spec the hash lookups read. */
export interface HashRuleSpec {
  readonly trafficPolicy?: (PortPolicy & { readonly portLevelSettings?: readonly PortLevelPolicy[] | null }) | null;
  readonly subsets?: readonly { readonly name?: string; readonly trafficPolicy?: HashRuleSpec['trafficPolicy'] }[] | null;
}

/** Envoy's default minimum_ring_size, which Istio also sends for the deprecated field left at 0. */
export const RING_HASH_DEFAULT_MINIMUM_RING_SIZE = 1024;

const SIMPLE_POLICIES: Readonly<Record<string, LbPolicy>> = {
  ROUND_ROBIN: 'ROUND_ROBIN',
  LEAST_REQUEST: 'LEAST_REQUEST',
  LEAST_CONN: 'LEAST_REQUEST',
  RANDOM: 'RANDOM',
  PASSTHROUGH: 'CLUSTER_PROVIDED',
};

export type ClusterLoadBalancing = Pick<Cluster, 'lbPolicy' | 'ringHashMinimumRingSize' | 'maglevTableSize'>;

/** applyLoadBalancer's lb_policy, then ApplyRingHashLoadBalancer. */
export function clusterLoadBalancing(lb: LoadBalancerSpec | null | undefined): ClusterLoadBalancing {
  const hash = lb?.consistentHash ?? null;
  if (hash === null) return { lbPolicy: SIMPLE_POLICIES[lb?.simple ?? ''] ?? 'LEAST_REQUEST' };
  if (hash.maglev != null) {
    const size = hash.maglev.tableSize ?? 0;
    return size !== 0 ? { lbPolicy: 'MAGLEV', maglevTableSize: size } : { lbPolicy: 'MAGLEV' };
  }
  if (hash.ringHash != null) {
    const size = hash.ringHash.minimumRingSize ?? 0;
    return size !== 0 ? { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: size } : { lbPolicy: 'RING_HASH' };
  }
  // "Check the deprecated MinimumRingSize": always sent, 1024 when 0.
  const deprecated = hash.minimumRingSize ?? 0;
  return { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: deprecated !== 0 ? deprecated : RING_HASH_DEFAULT_MINIMUM_RING_SIZE };
}

/** ConsistentHashToHashPolicy: the route hash policy of the hash key, or null without one. */
export function hashPolicyOf(hash: ConsistentHashSpec | null): HashPolicy | null {
  if (hash === null) return null;
  if (hash.httpHeaderName !== undefined) return { kind: 'header', headerName: hash.httpHeaderName };
  if (hash.httpCookie != null) {
    const cookie = hash.httpCookie;
    const ttlUs = cookie.ttl === undefined ? null : parseDuration(cookie.ttl);
    return {
      kind: 'cookie', name: cookie.name ?? '',
      ...(cookie.path !== undefined && cookie.path !== '' ? { path: cookie.path } : {}),
      ...(ttlUs === null ? {} : { ttlUs }),
    };
  }
  if (hash.useSourceIp !== undefined) return { kind: 'connectionProperties', sourceIp: hash.useSourceIp };
  if (hash.httpQueryParameterName !== undefined) return { kind: 'queryParameter', name: hash.httpQueryParameterName };
  return null;
}

/** portLevelSettingsConsistentHash: the first entry for the destination's port, only when it names one. */
function portLevelHash(settings: readonly PortLevelPolicy[] | null | undefined, port: number | null): ConsistentHashSpec | null {
  if (port === null) return null;
  const entry = (settings ?? []).find((s) => (s.port?.number ?? 0) === port);
  return entry?.loadBalancer?.consistentHash ?? null;
}

/** HashForHTTPDestination: the hash policy of a VirtualService destination (host, subset, port if named). */
export function hashPolicyForDestination(rule: HashRuleSpec | null, subset: string, port: number | null): HashPolicy | null {
  if (rule === null) return null;
  const top = rule.trafficPolicy ?? null;
  const chosen = (rule.subsets ?? []).find((s) => (s.name ?? '') === subset);
  const candidates = [
    portLevelHash(chosen?.trafficPolicy?.portLevelSettings, port),
    chosen?.trafficPolicy?.loadBalancer?.consistentHash ?? null,
    portLevelHash(top?.portLevelSettings, port),
    top?.loadBalancer?.consistentHash ?? null,
  ];
  return hashPolicyOf(candidates.find((c) => c !== null) ?? null);
}

/** hashForService: the hash policy of Istio's default route to a service port. */
export function hashPolicyForService(rule: HashRuleSpec | null, port: number): HashPolicy | null {
  if (rule === null) return null;
  const top = rule.trafficPolicy ?? null;
  // The loop breaks on the first entry for the port, taking its consistentHash only when set.
  const entry = (top?.portLevelSettings ?? []).find((s) => (s.port?.number ?? 0) === port);
  return hashPolicyOf(entry?.loadBalancer?.consistentHash ?? top?.loadBalancer?.consistentHash ?? null);
}

/**
 * The DestinationRule spec a client in `clientNamespace` applies to `host` (destinationRuleFor, the one
 * generate-clusters.ts uses), the service's namespace taken from the registry when not given.
 */
export function hashRuleFor(push: PushContext, host: string, clientNamespace: string, serviceNamespace?: string): HashRuleSpec | null {
  // Only a rule's consistentHash makes a hash policy: with none in the config, no rule is looked up.
  if (!memoizedByConfig(push, 'any-consistent-hash', () => push.destinationRules.some((dr) => hasConsistentHash(dr.spec as HashRuleSpec)))) return null;
  const namespace = serviceNamespace ?? push.servicesByHost.get(host)?.[0]?.namespace ?? clientNamespace;
  return (destinationRuleFor(push, host, namespace, clientNamespace)?.spec ?? null) as HashRuleSpec | null;
}

/** Does the rule name a consistentHash anywhere a hash policy is read from (top, port level, subsets)? */
function hasConsistentHash(rule: HashRuleSpec): boolean {
  const inPolicy = (policy: { loadBalancer?: { consistentHash?: unknown } | null; portLevelSettings?: readonly PortLevelPolicy[] | null } | null | undefined) =>
    policy?.loadBalancer?.consistentHash != null || (policy?.portLevelSettings ?? []).some((s) => s.loadBalancer?.consistentHash != null);
  return inPolicy(rule.trafficPolicy) || (rule.subsets ?? []).some((s) => inPolicy(s.trafficPolicy));
}
