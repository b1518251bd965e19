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
 * PushVersion), the shared part and a hash of the proxy's own part, as Istio versions by push rather
 * than by content. Proxies that share a part share its objects (clusters, endpoints, listeners, route
 * configurations): a sidecar's inbound clusters are layered over the shared map (`ownClusters`), never
 * copied into it, so generating one proxy's config costs its own part only.
 *
 * Not modelled: per-type versions and incremental (delta) generation; Gateway API gateways' targetRef
 * attachment.
 */
import { groupBy } from '../core/group.ts';
import { hashString, stableStringify } from '../core/hash.ts';
import type { PodInfo, ServiceInfo } from '../topology/model.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import type { Listener } from '../xds/listener.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import { buildOutboundClusters } from './generate-clusters.ts';
import { buildGatewayListeners } from './generate-gateway.ts';
import { buildSidecarInbound, buildSidecarListeners, visibleServices } from './generate-sidecar.ts';
import { memoized, memoizedByConfig } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { sidecarScopeFor } from './sidecar-scope.ts';
import { inboundMtlsFor } from './generate-mtls.ts';
import { authorizationFor } from './generate-authz.ts';
import { jwtProvidersFor } from './generate-jwt.ts';
import { resolveExtAuthzProviders } from './ext-authz-providers.ts';
import { trustDomainBundle } from '../config/trust-domain-bundle.ts';

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
  let inboundText = '';
  if (proxy.type === 'sidecar') {
    const inbound = buildSidecarInbound(push, proxy);
    listeners = [...listeners, inbound.listener];
    routes = { ...routes, ...inbound.routes };
    ownClusters = inbound.clusters;
    inboundText = stableStringify(inbound);
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
  };
  const version = `${push.version}/${shared.key}/${hashString(`${inboundText}|${stableStringify(security)}`)}`;
  return { proxy, version, listeners, routes, clusters, ...(ownClusters === undefined ? {} : { ownClusters }), endpoints, security };
}

/**
 * The ClusterLoadAssignments the proxy holds (what an EDS response carries, all of them), without
 * building the rest of its config: sidecars share them per namespace and Sidecar.
 */
export function generateEndpoints(push: PushContext, proxy: ProxyIdentity): Readonly<Record<string, ClusterLoadAssignment>> {
  return clusterPart(push, proxy).endpoints;
}

/** The assignments of the proxy's EDS clusters for these service host names (a partial EDS push), in cluster-name order. */
export function endpointsForHosts(push: PushContext, proxy: ProxyIdentity, hostnames: readonly string[]): ClusterLoadAssignment[] {
  const byHost = clusterPart(push, proxy).edsByHost;
  return [...new Set(hostnames)].flatMap((h) => byHost.get(h) ?? []).sort((a, b) => (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0));
}

interface ClusterPart {
  readonly clusters: Readonly<Record<string, Cluster>>;
  readonly endpoints: Readonly<Record<string, ClusterLoadAssignment>>;
  /** The assignments of EDS clusters by service host name. */
  readonly edsByHost: ReadonlyMap<string, readonly ClusterLoadAssignment[]>;
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

function outboundServices(push: PushContext, proxy: ProxyIdentity): readonly ServiceInfo[] {
  if (proxy.type === 'router') return visibleServices(push, proxy.namespace);
  const scope = sidecarScopeFor(push, proxy);
  return visibleServices(push, proxy.namespace).filter((s) => scope.importsService(s));
}

/** Clusters and endpoints alone (all a partial EDS push needs). */
function clusterPart(push: PushContext, proxy: ProxyIdentity): ClusterPart {
  return memoized(push, `clusters|${sharedKey(push, proxy)}`, () => {
    const { clusters, endpoints } = buildOutboundClusters(push, outboundServices(push, proxy), proxy.namespace);
    const eds = Object.values(endpoints).filter((cla) => clusters[cla.clusterName]?.discovery === 'EDS');
    return { clusters, endpoints, edsByHost: groupBy(eds, (cla) => clusters[cla.clusterName]!.serviceHost) };
  });
}

function sharedPart(push: PushContext, proxy: ProxyIdentity): SharedPart {
  const key = sharedKey(push, proxy);
  return memoized(push, `listeners|${key}`, () => {
    const services = outboundServices(push, proxy);
    const { listeners, routes } = proxy.type === 'router'
      ? buildGatewayListeners(push, proxy, services)
      : buildSidecarListeners(push, proxy, services, sidecarScopeFor(push, proxy));
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
