/**
 * One proxy's complete config: `generateProxyConfig(push, proxy)` is the pure function Istio's
 * generators are (pilot/pkg/networking/core/configgen.go): listeners, routes, clusters and endpoints
 * for a sidecar or a gateway, from the snapshot alone, and the security filters it enforces.
 *
 * Security (listener_builder.go: authzCustomBuilder, authnBuilder, authzBuilder for every class but
 * sidecar outbound): sidecars and gateways alike get the RequestAuthentications and
 * AuthorizationPolicies whose selector matches their labels (policies in their own namespace or the
 * root namespace; for the default ingress gateway in istio-system both are the root namespace), the
 * RBAC principals widened to the trust-domain bundle, and the ext_authz providers their CUSTOM
 * policies name. PeerAuthentication applies to sidecars' inbound only: a gateway's server TLS comes
 * from its Gateway servers (`inboundMtls: null`).
 *
 * Invariants: pure; the same (push, proxy) gives the same config. The version names the snapshot (its
 * PushVersion), the shared part and the proxy, as Istio versions by push rather than by content.
 * Proxies that share a part share its objects (clusters, endpoints, listeners, route configurations):
 * a sidecar's inbound clusters are layered over the shared map (`ownClusters`), never copied into it,
 * so generating one proxy's config costs its own part only.
 *
 * Not modelled: per-type versions and incremental (delta) generation; Gateway API gateways' targetRef
 * attachment.
 */
import { groupBy } from '../core/group.ts';
import { stableStringify } from '../core/hash.ts';
import type { PodInfo, ServiceInfo } from '../topology/model.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import type { Listener } from '../xds/listener.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import { buildOutboundClusters, serviceClusterList } from './generate-clusters.ts';
import { buildGatewayListeners } from './generate-gateway.ts';
import { buildSidecarListeners } from './generate-sidecar.ts';
import { buildSidecarInbound } from './generate-inbound.ts';
import { memoized, memoizedByConfig } from './push-context.ts';
import { importsOf, sameWatchedHosts, scopeServices } from './proxy-scope.ts';
import type { PushContext } from './push-context.ts';
import { sidecarScopeFor } from './sidecar-scope.ts';
import { inboundMtlsFor } from './generate-mtls.ts';
import { authorizationFor } from './generate-authz.ts';
import { jwtProvidersFor } from './generate-jwt.ts';
import { resolveExtAuthzProviders } from './ext-authz-providers.ts';
import { trustDomainBundle } from '../config/trust-domain-bundle.ts';
import { proxyConfigAnnotation } from '../config/mesh-config.ts';
import type { NamedMap } from '../xds/named-map.ts';

export function proxyIdentityOf(pod: PodInfo): ProxyIdentity {
  return {
    id: `${pod.name}.${pod.namespace}`,
    type: pod.proxy === 'gateway' ? 'router' : 'sidecar',
    namespace: pod.namespace,
    workload: pod.workload,
    pod: pod.name,
    ip: pod.ip,
    labels: pod.labels,
    ...(pod.locality === undefined ? {} : { locality: pod.locality }),
  };
}

export function generateProxyConfig(push: PushContext, proxy: ProxyIdentity): ProxyConfig {
  const shared = sharedPart(push, proxy);
  let { listeners, routes } = shared;
  // The shared outbound clusters are handed on as they are, the inbound ones layered over them
  // (ProxyConfig.ownClusters): the per-proxy part costs what the proxy's own workload has, not the mesh.
  const clusters = shared.clusters;
  let ownClusters: Readonly<Record<string, Cluster>> | undefined;
  const endpoints = shared.endpoints; // Inbound clusters are ORIGINAL_DST: no endpoints of their own.
  if (proxy.type === 'sidecar') {
    const inbound = buildSidecarInbound(push, proxy);
    listeners = [...listeners, inbound.listener];
    routes = { ...routes, ...inbound.routes };
    ownClusters = inbound.clusters;
  }
  const workloadRef = { namespace: proxy.namespace, labels: proxy.labels };
  const root = push.mesh.rootNamespace;
  const authorization = authorizationFor(push.authorizationPolicies, workloadRef, root, trustDomainBundle(push.mesh.trustDomain, push.mesh.trustDomainAliases));
  const customProviders = authorization.filter((p) => p.action === 'CUSTOM').map((p) => p.provider ?? '');
  const security = {
    // PeerAuthentication: sidecar inbound only; gateways terminate what their Gateway servers say.
    inboundMtls: proxy.type === 'router' ? null : inboundMtlsFor(push.peerAuthentications, workloadRef, root),
    authorization,
    jwtProviders: jwtProvidersFor(push.requestAuthentications, workloadRef, root),
    extAuthzProviders: resolveExtAuthzProviders(customProviders, push.mesh.extensionProviders, push.topology.services),
    pathNormalization: push.mesh.pathNormalization.normalization,
    xffNumTrustedHops: proxy.type === 'router' ? gatewayTrustedHops(push, proxy) : null,
  };
  // Istio versions a response by push, not by content: the snapshot, the shared part and the proxy.
  const version = `${push.version}/${shared.key}/${proxy.id}`;
  return { proxy, version, listeners, routes, clusters, ...(ownClusters === undefined ? {} : { ownClusters }), endpoints, security };
}

/**
 * gateway.go buildGatewayConnectionManager: xff_num_trusted_hops is the proxy's
 * gatewayTopology.numTrustedProxies, from its `proxy.istio.io/config` annotation, else MeshConfig
 * defaultConfig, else 0.
 */
function gatewayTrustedHops(push: PushContext, proxy: ProxyIdentity): number {
  const workload = push.topology.workloads.find((w) => w.namespace === proxy.namespace && w.name === proxy.workload);
  const annotated = workload === undefined ? null : proxyConfigAnnotation(workload.annotations)?.gatewayTopology?.numTrustedProxies;
  return annotated ?? push.mesh.defaultConfig.gatewayTopology?.numTrustedProxies ?? 0;
}

/**
 * The ClusterLoadAssignments the proxy holds (what an EDS response carries, all of them), without
 * building the rest of its config: sidecars share them per namespace and Sidecar.
 */
export function generateEndpoints(push: PushContext, proxy: ProxyIdentity): NamedMap<ClusterLoadAssignment> {
  return clusterPart(push, proxy).endpoints;
}

/** The assignments of the proxy's EDS clusters for these service host names (a partial EDS push), in cluster-name order. */
export function endpointsForHosts(push: PushContext, proxy: ProxyIdentity, hostnames: readonly string[]): readonly ClusterLoadAssignment[] {
  return assignmentsOf(clusterPart(push, proxy), hostnames);
}

/**
 * As `endpointsForHosts`, for the services of a push plan: the proxies that share a cluster part and a
 * plan (the list object) share the answer, built once.
 */
export function endpointsForServices(push: PushContext, proxy: ProxyIdentity, services: readonly { readonly hostname: string }[]): readonly ClusterLoadAssignment[] {
  const part = clusterPart(push, proxy);
  let byServices = assignmentsByPlan.get(part);
  if (byServices === undefined) assignmentsByPlan.set(part, byServices = new WeakMap());
  let assignments = byServices.get(services);
  if (assignments === undefined) byServices.set(services, assignments = assignmentsOf(part, services.map((s) => s.hostname)));
  return assignments;
}

const assignmentsByPlan = new WeakMap<ClusterPart, WeakMap<object, readonly ClusterLoadAssignment[]>>();

/** The part's EDS assignments of these hosts, in cluster-name order (a name held once, whichever service it came from). */
function assignmentsOf(part: ClusterPart, hostnames: readonly string[]): readonly ClusterLoadAssignment[] {
  const names = new Set<string>();
  for (const h of hostnames) for (const name of part.namesByHost.get(h) ?? []) names.add(name);
  const out: ClusterLoadAssignment[] = [];
  for (const name of names) {
    const cla = part.endpoints.get(name);
    if (cla !== undefined && part.clusters.get(name)?.discovery === 'EDS') out.push(cla);
  }
  return out.sort((a, b) => (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0));
}

interface ClusterPart {
  readonly clusters: NamedMap<Cluster>;
  readonly endpoints: NamedMap<ClusterLoadAssignment>;
  /** The part's cluster names by service host name (from the config alone: the same for every snapshot of it). */
  readonly namesByHost: ReadonlyMap<string, readonly string[]>;
  /** The part's services by host name, in the part's order (from the config alone). */
  readonly servicesByHost: ReadonlyMap<string, readonly ServiceInfo[]>;
}

interface SharedPart extends ClusterPart {
  readonly listeners: readonly Listener[];
  readonly routes: Readonly<Record<string, RouteConfiguration>>;
  /** What the part is shared by. */
  readonly key: string;
}

/**
 * What proxies share: for a sidecar, its namespace, its Sidecar and — only where some VirtualService
 * matches on `sourceLabels` — its labels decide its outbound config (Istio's SidecarScope is per
 * Sidecar resource and namespace, its XDS cache keyed the same way); a gateway's listeners read its
 * own labels (its Gateways' selectors), so it shares only with itself.
 */
function sharedKey(push: PushContext, proxy: ProxyIdentity): string {
  if (proxy.type === 'router') return `gateway|${proxy.id}`;
  const labels = usesSourceLabels(push) ? stableStringify(proxy.labels) : '';
  return `outbound|${proxy.namespace}|${sidecarScopeFor(push, proxy).sidecar ?? ''}|${labels}`;
}

const outboundServices = scopeServices;

/**
 * Clusters and endpoints alone (all a partial EDS push needs), per snapshot and import list: proxies
 * whose scopes import the same services under the same rules share one part (proxy-scope.ts importsOf;
 * every namespace of a mesh without Sidecar resources, mostly). A snapshot of the same config as the
 * last one built for the list (an incremental push) starts from that one's records and replaces the
 * entries of the hosts whose endpoint lists changed between the two, in place (the names are the
 * config's, so every entry keeps its position): what a fresh build gives, for the cost of the hosts
 * that moved.
 */
function clusterPart(push: PushContext, proxy: ProxyIdentity): ClusterPart {
  const key = sharedKey(push, proxy);
  return memoized(push, `clusters|${key}`, () => {
    const imports = importsOf(push, proxy);
    const bySnapshot = memoized(push, 'cluster-parts-of-snapshot', () => new WeakMap<object, ClusterPart>());
    const known = bySnapshot.get(imports);
    if (known !== undefined) return known;
    const latest = memoizedByConfig(push, 'cluster-parts', () => new WeakMap<object, { readonly ports: PushContext['endpointsByPort']; readonly part: ClusterPart }>());
    const last = latest.get(imports);
    const ports = push.endpointsByPort;
    const part = last !== undefined && last.ports !== undefined && ports !== undefined
      ? updatedPart(push, last.part, proxy.namespace, changedHosts(last.ports, ports))
      : freshPart(push, outboundServices(push, proxy), proxy.namespace);
    latest.set(imports, { ports, part });
    bySnapshot.set(imports, part);
    return part;
  });
}

function freshPart(push: PushContext, services: readonly ServiceInfo[], clientNamespace: string): ClusterPart {
  const { clusters, endpoints } = buildOutboundClusters(push, services, clientNamespace);
  // Both come from the names and the services alone: parts of other namespaces and configs built from
  // the same (interned) service list with the same cluster names share them.
  let derived = derivedByServices.get(services);
  if (derived === undefined || !derived.clusters.sameNames(clusters)) {
    const namesByHost = new Map<string, string[]>();
    for (const c of clusters.values()) {
      if (c.serviceHost === '') continue;
      const list = namesByHost.get(c.serviceHost);
      if (list === undefined) namesByHost.set(c.serviceHost, [c.name]);
      else list.push(c.name);
    }
    derived = { clusters, namesByHost, servicesByHost: derived?.servicesByHost ?? groupBy(services, (s) => s.hostname) };
    derivedByServices.set(services, derived);
  }
  return { clusters, endpoints, namesByHost: derived.namesByHost, servicesByHost: derived.servicesByHost };
}

const derivedByServices = new WeakMap<readonly ServiceInfo[], {
  readonly clusters: NamedMap<Cluster>;
  readonly namesByHost: ReadonlyMap<string, readonly string[]>;
  readonly servicesByHost: ReadonlyMap<string, readonly ServiceInfo[]>;
}>();

function updatedPart(push: PushContext, last: ClusterPart, clientNamespace: string, hosts: ReadonlySet<string>): ClusterPart {
  const byHost = last.servicesByHost;
  const moved = [...hosts].filter((h) => byHost.has(h));
  if (moved.length === 0) return last;
  const clusterChanges = new Map<string, Cluster>();
  const endpointChanges = new Map<string, ClusterLoadAssignment>();
  // Services in the part's order, so where two share a cluster name the later one holds it, as in a
  // fresh build. The names are the config's: every entry keeps its slot, and only the chunks holding
  // a moved host's entries are copied (NamedMap.with).
  for (const h of moved) {
    for (const service of byHost.get(h)!) {
      for (const { cluster, assignment } of serviceClusterList(push, service, clientNamespace)) {
        clusterChanges.set(cluster.name, cluster);
        endpointChanges.set(cluster.name, assignment);
      }
    }
  }
  const clusters = last.clusters.with(clusterChanges);
  const endpoints = last.endpoints.with(endpointChanges);
  sameWatchedHosts(last.clusters, clusters);
  return { ...last, clusters, endpoints };
}

/** Host names whose endpoint lists differ between two per-port maps, by the maps' identity. */
function changedHosts(from: ReadonlyMap<string, unknown>, to: ReadonlyMap<string, unknown>): ReadonlySet<string> {
  let byTo = hostChanges.get(from);
  if (byTo === undefined) hostChanges.set(from, byTo = new WeakMap());
  let hosts = byTo.get(to);
  if (hosts === undefined) {
    const changed = new Set<string>();
    const hostOf = (key: string) => key.slice(0, key.indexOf('\n'));
    if (from !== to) {
      for (const [key, list] of to) if (from.get(key) !== list) changed.add(hostOf(key));
      for (const key of from.keys()) if (!to.has(key)) changed.add(hostOf(key));
    }
    byTo.set(to, hosts = changed);
  }
  return hosts;
}

const hostChanges = new WeakMap<ReadonlyMap<string, unknown>, WeakMap<ReadonlyMap<string, unknown>, ReadonlySet<string>>>();

function sharedPart(push: PushContext, proxy: ProxyIdentity): SharedPart {
  const key = sharedKey(push, proxy);
  return memoized(push, `listeners|${key}`, () => {
    // A sidecar's outbound listeners and routes read the config alone (no endpoints): built once per
    // config and kept by incremental snapshots; a gateway's read its Service's endpoints (its ports).
    const build = () => {
      const services = outboundServices(push, proxy);
      return proxy.type === 'router'
        ? buildGatewayListeners(push, proxy, services)
        : buildSidecarListeners(push, proxy, services, sidecarScopeFor(push, proxy));
    };
    const { listeners, routes } = proxy.type === 'router' ? build() : memoizedByConfig(push, `listeners|${key}`, build);
    return { ...clusterPart(push, proxy), listeners, routes, key };
  });
}

/** Does any VirtualService match on `sourceLabels` (so routes differ between proxies of a namespace)? */
function usesSourceLabels(push: PushContext): boolean {
  return memoizedByConfig(push, 'uses-source-labels', () => push.virtualServices.some((vs) => {
    const spec = vs.spec as { http?: { match?: { sourceLabels?: unknown }[] }[]; tcp?: { match?: { sourceLabels?: unknown }[] }[]; tls?: { match?: { sourceLabels?: unknown }[] }[] };
    return [...(spec.http ?? []), ...(spec.tcp ?? []), ...(spec.tls ?? [])].some((r) => (r.match ?? []).some((m) => m.sourceLabels !== undefined));
  }));
}
