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
 * Invariants: pure; the same (push, proxy) gives the same config; the version is a hash of the content.
 *
 * Not modelled: per-type versions and incremental (delta) generation; Gateway API gateways' targetRef
 * attachment.
 */
import { hashString, stableStringify } from '../core/hash.ts';
import type { PodInfo } from '../topology/model.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import type { Listener } from '../xds/listener.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import { buildOutboundClusters } from './generate-clusters.ts';
import { buildGatewayListeners } from './generate-gateway.ts';
import { buildSidecarInbound, buildSidecarListeners, visibleServices } from './generate-sidecar.ts';
import { memoized } from './push-context.ts';
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
  };
}

export function generateProxyConfig(push: PushContext, proxy: ProxyIdentity): ProxyConfig {
  const shared = proxy.type === 'router' ? gatewayPart(push, proxy) : sidecarOutboundPart(push, proxy);
  let { listeners, routes, clusters } = shared;
  const endpoints = shared.endpoints; // Inbound clusters are ORIGINAL_DST: no endpoints of their own.
  let inboundText = '';
  if (proxy.type === 'sidecar') {
    const inbound = buildSidecarInbound(push, proxy);
    listeners = [...listeners, inbound.listener];
    routes = { ...routes, ...inbound.routes };
    clusters = { ...clusters, ...inbound.clusters };
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
  // The version is a hash of the content: the shared part's hash (computed once per snapshot and key)
  // and this proxy's own part.
  const version = hashString(`${shared.hash}|${inboundText}|${stableStringify(security)}`);
  return { proxy, version, listeners, routes, clusters, endpoints, security };
}

interface SharedPart {
  readonly listeners: readonly Listener[];
  readonly routes: Readonly<Record<string, RouteConfiguration>>;
  readonly clusters: Readonly<Record<string, Cluster>>;
  readonly endpoints: Readonly<Record<string, ClusterLoadAssignment>>;
  readonly hash: string;
}

/**
 * A sidecar's outbound config depends on its namespace, its Sidecar and — only where some
 * VirtualService matches on `sourceLabels` — its labels; proxies that share those share the part
 * (Istio's SidecarScope is per Sidecar resource and namespace, its XDS cache keyed the same way).
 */
function sidecarOutboundPart(push: PushContext, proxy: ProxyIdentity): SharedPart {
  const scope = sidecarScopeFor(push, proxy);
  const labels = usesSourceLabels(push) ? stableStringify(proxy.labels) : '';
  return memoized(push, `outbound|${proxy.namespace}|${scope.sidecar ?? ''}|${labels}`, () => {
    const services = visibleServices(push, proxy.namespace).filter((s) => scope.importsService(s));
    const { clusters, endpoints } = buildOutboundClusters(push, services, proxy.namespace);
    const { listeners, routes } = buildSidecarListeners(push, proxy, services, scope);
    return { listeners, routes, clusters, endpoints, hash: hashString(stableStringify({ listeners, routes, clusters, endpoints })) };
  });
}

/** A gateway's listeners read its own labels and pod (its Gateways' selectors): not shared. */
function gatewayPart(push: PushContext, proxy: ProxyIdentity): SharedPart {
  const services = visibleServices(push, proxy.namespace);
  const { clusters, endpoints } = buildOutboundClusters(push, services, proxy.namespace);
  const { listeners, routes } = buildGatewayListeners(push, proxy, services);
  return { listeners, routes, clusters, endpoints, hash: hashString(stableStringify({ listeners, routes, clusters, endpoints })) };
}

/** Does any VirtualService match on `sourceLabels` (so routes differ between proxies of a namespace)? */
function usesSourceLabels(push: PushContext): boolean {
  return memoized(push, 'uses-source-labels', () => push.virtualServices.some((vs) => {
    const spec = vs.spec as { http?: { match?: { sourceLabels?: unknown }[] }[]; tcp?: { match?: { sourceLabels?: unknown }[] }[]; tls?: { match?: { sourceLabels?: unknown }[] }[] };
    return [...(spec.http ?? []), ...(spec.tcp ?? []), ...(spec.tls ?? [])].some((r) => (r.match ?? []).some((m) => m.sourceLabels !== undefined));
  }));
}
