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
import { buildOutboundClusters } from './generate-clusters.ts';
import { buildGatewayListeners } from './generate-gateway.ts';
import { buildSidecarInbound, buildSidecarListeners, visibleServices } from './generate-sidecar.ts';
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
  const scope = proxy.type === 'router' ? null : sidecarScopeFor(push, proxy);
  const services = visibleServices(push, proxy.namespace).filter((s) => scope === null || scope.importsService(s));
  const outbound = buildOutboundClusters(push, services, proxy.namespace);
  const clusters = { ...outbound.clusters };
  const endpoints = { ...outbound.endpoints };
  let listeners;
  let routes;
  if (proxy.type === 'router') {
    ({ listeners, routes } = buildGatewayListeners(push, proxy, services));
  } else {
    ({ listeners, routes } = buildSidecarListeners(push, proxy, services, scope!));
    const workload = push.topology.workloads.find((w) => w.namespace === proxy.namespace && w.name === proxy.workload);
    if (workload !== undefined) {
      const inbound = buildSidecarInbound(push, proxy, workload);
      listeners = [...listeners, inbound.listener];
      routes = { ...routes, ...inbound.routes };
      Object.assign(clusters, inbound.clusters);
      Object.assign(endpoints, inbound.endpoints);
    }
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
  const body = { listeners, routes, clusters, endpoints, security };
  return { proxy, version: hashString(stableStringify(body)), ...body };
}
