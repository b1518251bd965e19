/**
 * Outbound clusters and their endpoints for one proxy (Istio: pilot/pkg/networking/core/cluster.go,
 * the EDS generator): one cluster per visible service port, `outbound|<port>||<host>`, plus one per
 * DestinationRule subset, `outbound|<port>|<subset>|<host>`, whose endpoints are the service's endpoints
 * carrying the subset's labels; PassthroughCluster and BlackHoleCluster always exist.
 *
 * Rules: discovery EDS for Kubernetes services and STATIC ServiceEntries, STRICT_DNS for DNS
 * ServiceEntries, ORIGINAL_DST for resolution NONE; the DestinationRule is looked up client namespace →
 * service namespace → root. Each cluster's traffic policy is the DestinationRule's for its port and
 * subset (translate-traffic-policy.ts: portLevelSettings replace, subsets override); from it the
 * load-balancing policy (translate-consistent-hash.ts: `loadBalancer.simple`, else Istio's default
 * LEAST_REQUEST; a consistentHash makes it RING_HASH or MAGLEV with its ring/table size), circuit breakers
 * (always sent, Istio's 2³²−1 defaults), max requests per connection, outlier detection and the panic
 * threshold. PassthroughCluster gets the default circuit breakers too (buildDefaultPassthroughCluster);
 * BlackHoleCluster none.
 *
 * Invariants: pure; clusters and endpoints sorted by name / (address, port). Per snapshot, the endpoints
 * by service port and each ClusterLoadAssignment are built once (PushContext memo); each service's
 * clusters under each DestinationRule are built once per config and kept while the service ports'
 * endpoint lists stay the same objects (configMemo), shared by the cluster sets of every client
 * namespace and by the snapshots of incremental pushes.
 *
 * Each cluster carries the TLS its client originates (generate-mtls.ts: DestinationRule tls, else auto
 * mTLS), and each endpoint Istio's tlsMode (sidecar present and its port not DISABLE).
 *
 * Locality: each endpoint keeps its pod's locality (EDS LocalityLbEndpoints.locality); each EDS or DNS
 * cluster carries the locality load-balancing setting of its policy (translate-locality.ts: the
 * DestinationRule's over MeshConfig's, failover only with outlier detection), from which each proxy
 * computes its own priorities and weights (sim/proxy/locality.ts), as istiod's EDS does per proxy.
 *
 * Not modelled: the mesh-wide defaultTrafficPolicy; network and cluster topology labels.
 */
import { NamedMap } from '../xds/named-map.ts';
import { compareBy } from '../core/compare.ts';
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import { isHttp2Protocol, isHttpProtocol } from '../config/protocol.ts';
import type { EndpointInfo, ServiceInfo, ServicePort } from '../topology/model.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER, outboundClusterName } from '../xds/cluster.ts';
import type { Cluster, ClusterDiscovery, ClusterLoadAssignment, LbEndpoint } from '../xds/cluster.ts';
import { stableStringify } from '../core/hash.ts';
import type { Resource } from '../config/resource.ts';
import { endpointPortKey, endpointsByPortKey } from '../topology/lookup.ts';
import { destinationRuleFor, memoized, memoizedByConfig } from './push-context.ts';
import { inboundModeForPort, inboundMtlsFor, istioMtlsSni, passthroughByDestinationRule, serviceMtlsModeFor, upstreamTlsFor } from './generate-mtls.ts';
import type { PushContext } from './push-context.ts';
import { clusterLoadBalancing } from './translate-consistent-hash.ts';
import type { ClusterLoadBalancing } from './translate-consistent-hash.ts';
import { clusterLocalityLb } from './translate-locality.ts';
import { ISTIO_DEFAULT_THRESHOLDS, clusterPolicyFields, trafficPolicyForPort } from './translate-traffic-policy.ts';
import type { PortTrafficPolicySpec, TrafficPolicySpec } from './translate-traffic-policy.ts';

const NAME_INDEXES_TRIED = 8;

export interface ClusterSet {
  readonly clusters: NamedMap<Cluster>;
  /** By cluster name, over the clusters' name index (the passthrough and blackhole slots empty). */
  readonly endpoints: NamedMap<ClusterLoadAssignment>;
}

export function buildOutboundClusters(push: PushContext, services: readonly ServiceInfo[], clientNamespace: string): ClusterSet {
  const clusters: [string, Cluster][] = [];
  const endpoints = new Map<string, ClusterLoadAssignment>();
  const passthrough: Cluster = { name: PASSTHROUGH_CLUSTER, discovery: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: '', servicePort: 0, subset: '', upstreamProtocol: 'tcp' };
  // buildDefaultPassthroughCluster applies an empty connection pool: Istio's default thresholds.
  clusters.push([PASSTHROUGH_CLUSTER, { ...passthrough, circuitBreakers: ISTIO_DEFAULT_THRESHOLDS }]);
  // buildBlackHoleCluster sets no circuit breakers.
  clusters.push([BLACKHOLE_CLUSTER, { ...passthrough, name: BLACKHOLE_CLUSTER, discovery: 'STATIC' }]);
  for (const service of services) {
    for (const { cluster, assignment: cla } of serviceClusterList(push, service, clientNamespace)) {
      clusters.push([cluster.name, cluster]);
      endpoints.set(cluster.name, cla);
    }
  }
  // Namespaces that see the same services under the same rules hold the same cluster names: one name
  // index serves them all (the last few distinct ones are tried, from this config or the ones before),
  // and a chunk whose entries are those of a known map's chunk is that chunk.
  const byName = NamedMap.of(clusters, recentClusterSets.map((set) => set.clusters));
  const known = recentClusterSets.find((set) => set.clusters.sameNames(byName));
  const set = { clusters: byName, endpoints: NamedMap.alongside(byName, (name) => endpoints.get(name), known?.endpoints) };
  recentClusterSets.splice(known === undefined ? recentClusterSets.length : recentClusterSets.indexOf(known), 1);
  recentClusterSets.unshift(set);
  if (recentClusterSets.length > NAME_INDEXES_TRIED) recentClusterSets.pop();
  return set;
}

// The last few cluster sets built (any config: names and chunks are shared by content, so which map
// was kept changes no result).
const recentClusterSets: ClusterSet[] = [];

/**
 * One service's clusters with their assignments, as a client in `clientNamespace` gets them (each port's
 * base cluster, then its subsets). A service's clusters depend on the service and the DestinationRule
 * that applies to it, not on who asks: shared by every namespace whose proxies resolve the same rule
 * (Istio's XDS cache keys a cluster by service, DestinationRule and push, not by proxy). Kept with the
 * config (incremental pushes share it) and checked against the service ports' endpoint lists: a
 * service whose endpoints did not move keeps its clusters and assignments from push to push, as
 * Istio's EDS cache keeps a ClusterLoadAssignment until its service's endpoints change.
 */
export function serviceClusterList(push: PushContext, service: ServiceInfo, clientNamespace: string): readonly ServiceCluster[] {
  const built = clusterCache(push);
  const dr = destinationRuleFor(push, service.hostname, service.namespace, clientNamespace);
  let byRule = built.get(service);
  if (byRule === undefined) built.set(service, byRule = new Map());
  const ruleKey = dr ?? NO_RULE;
  const lists = service.ports.map((port) => endpointsOfServicePort(push, service, port.port));
  let entry = byRule.get(ruleKey);
  if (entry === undefined || entry.lists.some((list, i) => list !== lists[i])) {
    entry = { lists, clusters: serviceClusters(push, service, dr, lists) };
    byRule.delete(ruleKey);
    byRule.set(ruleKey, entry);
    // Rules of configs gone by: a service keeps its clusters under the last few rule objects only.
    if (byRule.size > RULES_KEPT) byRule.delete(byRule.keys().next().value!);
  }
  return entry.clusters;
}

const NO_RULE = {};
const RULES_KEPT = 4;

type ClusterCache = WeakMap<ServiceInfo, Map<object, BuiltClusters>>;

/**
 * Built clusters by service and DestinationRule object, kept from config to config while what else a
 * cluster reads stays the same (the MeshConfig object and the PeerAuthentications, element by element):
 * a config change rebuilds only the clusters of the rules it replaced, as istiod's XDS cache drops only
 * the entries a push's changed configs name (dropCacheForRequest). Resources are never changed once
 * built, so an unchanged rule is the same object in the next config.
 */
function clusterCache(push: PushContext): ClusterCache {
  return memoizedByConfig(push, 'service-clusters', () => {
    const last = clusterCaches.get(push.mesh);
    const pas = push.peerAuthentications;
    if (last !== undefined && last.peerAuthentications.length === pas.length && last.peerAuthentications.every((pa, i) => pa === pas[i])) return last.built;
    const built: ClusterCache = new WeakMap();
    clusterCaches.set(push.mesh, { peerAuthentications: pas, built });
    return built;
  });
}

const clusterCaches = new WeakMap<object, { readonly peerAuthentications: readonly object[]; readonly built: ClusterCache }>();

export interface ServiceCluster {
  readonly cluster: Cluster;
  readonly assignment: ClusterLoadAssignment;
}

/** A service's clusters under one rule, with the endpoint lists (one per service port) they were built from. */
interface BuiltClusters {
  readonly lists: readonly (readonly EndpointInfo[])[];
  readonly clusters: readonly ServiceCluster[];
}

/** The endpoints of one service port: the caller's lists when it keeps them (PushInputs.endpointsByPort), else grouped from the topology. */
function endpointsOfServicePort(push: PushContext, service: ServiceInfo, port: number): readonly EndpointInfo[] {
  const byPort = push.endpointsByPort ?? memoized(push, 'endpoints-by-service-port', () => endpointsByPortKey(push.topology.endpoints));
  return byPort.get(endpointPortKey(service.hostname, service.namespace, port)) ?? [];
}

/** The clusters of one service under one DestinationRule (or none), each port's base cluster then its subsets, with their assignments. */
function serviceClusters(push: PushContext, service: ServiceInfo, dr: Resource<'DestinationRule'> | null, lists: readonly (readonly EndpointInfo[])[]): ServiceCluster[] {
  const tlsModes = endpointTlsModes(push);
  // A ClusterLoadAssignment depends on the service, port and subset labels alone: one per snapshot,
  // whichever rule named the subset (Istio's EDS keeps one per cluster in its XDS cache).
  const claFor = (name: string, list: readonly EndpointInfo[], labels: Labels | null) => memoized(
    push, `cla|${service.namespace}|${name}|${labels === null ? '' : stableStringify(labels)}`,
    () => assignment(name, labels === null ? list : list.filter((e) => matchesLabels(labels, e.labels)), tlsModes),
  );
  const out: ServiceCluster[] = [];
  const topPolicy = (dr?.spec.trafficPolicy ?? undefined) as TrafficPolicySpec | undefined;
  for (const [index, port] of service.ports.entries()) {
    const all = lists[index]!;
    const tlsFor = (subset: string) => upstreamTlsFor(dr, subset, port.port, push.mesh.enableAutoMtls, {
      istioMtlsSni: istioMtlsSni(port.port, subset, service.hostname),
      serviceMtlsMode: serviceMtlsModeFor(push.peerAuthentications, {
        namespace: service.namespace,
        meshExternal: service.kind === 'ServiceEntry' && service.location === 'MESH_EXTERNAL',
        passthrough: service.kind === 'Headless' || passthroughByDestinationRule(dr, subset),
        endpointSidecars: all.map((e) => e.proxy === 'sidecar'),
      }, push.mesh.rootNamespace),
    });
    const portPolicy = trafficPolicyForPort(topPolicy, undefined, port.port);
    const base = withLocality(push, { ...makeCluster(service, port, '', clusterLoadBalancing(portPolicy.loadBalancer)), tls: tlsFor(''), ...clusterPolicyFields(portPolicy) }, portPolicy);
    out.push({ cluster: base, assignment: claFor(base.name, all, null) });
    for (const subset of dr?.spec.subsets ?? []) {
      if (subset.name === undefined) continue;
      // buildSubsetCluster: the subset's policy merged over the destination's for this port.
      const policy = trafficPolicyForPort(topPolicy, (subset.trafficPolicy ?? undefined) as TrafficPolicySpec | undefined, port.port);
      const cluster = withLocality(push, { ...makeCluster(service, port, subset.name, clusterLoadBalancing(policy.loadBalancer)), tls: tlsFor(subset.name), ...clusterPolicyFields(policy) }, policy);
      out.push({ cluster, assignment: claFor(cluster.name, all, (subset.labels ?? {}) as Labels) });
    }
  }
  return out;
}

/** applyLoadBalancer's locality part (translate-locality.ts); an ORIGINAL_DST cluster has no endpoints to place. */
function withLocality(push: PushContext, cluster: Cluster, policy: PortTrafficPolicySpec): Cluster {
  if (cluster.discovery === 'ORIGINAL_DST') return cluster;
  const localityLb = clusterLocalityLb(push.mesh.localityLbSetting, policy.loadBalancer?.localityLbSetting, cluster.outlierDetection !== undefined);
  return localityLb === undefined ? cluster : { ...cluster, localityLb };
}

function makeCluster(service: ServiceInfo, port: ServicePort, subset: string, balancing: ClusterLoadBalancing): Cluster {
  const discovery: ClusterDiscovery = service.resolution === 'NONE'
    ? 'ORIGINAL_DST'
    : service.resolution === 'DNS' || service.resolution === 'DNS_ROUND_ROBIN' ? (service.resolution === 'DNS' ? 'STRICT_DNS' : 'LOGICAL_DNS') : 'EDS';
  return {
    name: outboundClusterName(port.port, subset, service.hostname),
    discovery,
    // applyLoadBalancer: an ORIGINAL_DST cluster is CLUSTER_PROVIDED, before any consistent hash applies.
    ...(discovery === 'ORIGINAL_DST' ? { lbPolicy: 'CLUSTER_PROVIDED' } : balancing),
    serviceHost: service.hostname,
    servicePort: port.port,
    subset,
    upstreamProtocol: isHttp2Protocol(port.protocol) ? 'http2' : isHttpProtocol(port.protocol) ? 'http1' : 'tcp',
  };
}

/**
 * Whether each endpoint takes Istio mTLS on its port (EDS `tlsMode`, mtls_checker.go checkMtlsEnabled):
 * it runs a sidecar and its workload's PeerAuthentication for that port is not DISABLE.
 */
function endpointTlsModes(push: PushContext): (e: EndpointInfo) => 'istio' | 'disabled' {
  return (e) => {
    if (e.proxy !== 'sidecar') return 'disabled';
    const mode = inboundModeForPort(inboundMtlsFor(push.peerAuthentications, { namespace: e.namespace, labels: e.labels }, push.mesh.rootNamespace), e.port);
    return mode === 'DISABLE' ? 'disabled' : 'istio';
  };
}

function assignment(clusterName: string, list: readonly EndpointInfo[], tlsModeOf: (e: EndpointInfo) => 'istio' | 'disabled'): ClusterLoadAssignment {
  const endpoints: LbEndpoint[] = list.map((e) => ({
    address: e.address, port: e.port, weight: 1, pod: e.pod, workload: e.workload,
    namespace: e.namespace, labels: e.labels, healthy: true,
    tlsMode: tlsModeOf(e),
    ...(e.locality === undefined ? {} : { locality: e.locality }),
  }));
  endpoints.sort(compareBy<LbEndpoint>((e) => e.address, (e) => e.port, (e) => e.pod));
  return { clusterName, endpoints };
}
