/**
 * A sidecar's inbound side: the `virtualInbound` listener (15006, where iptables sends every connection
 * to the pod) with a filter chain per target port of the workload's service targets, its `inbound|<port>||`
 * clusters and their route configurations (Istio: pilot/pkg/networking/core/listener_inbound.go
 * buildInboundListeners, getFilterChainsByServicePort; cluster_builder.go buildInboundCluster).
 *
 * Rules:
 * - Service targets (model.Proxy.ServiceTargets): the proxy's endpoints in Kubernetes Services and in
 *   ServiceEntries whose `workloadSelector` selects it, and every inline ServiceEntry endpoint whose
 *   address is the proxy's IP, when the ServiceEntry is in the proxy's namespace (serviceentry
 *   controller.go GetProxyServiceTargets: ServiceInstancesByIP, then `i.Service.Attributes.Namespace ==
 *   node.Metadata.Namespace`). The endpoint's port is the target port (the entry's `endpoints[].ports` by
 *   port name, else `targetPort`, else the port number: conversion.go convertWorkloadInstanceToServiceInstance).
 * - Targets are taken oldest service first, then by host name (context.go SetServiceTargets); one chain
 *   per target port, and when several services share a target port the oldest decides its protocol
 *   ("If there is a conflict, we will use the oldest Service").
 * - The chains of a target port follow its protocol (filterchain_options.go getFilterChainMatchOptions):
 *   HTTP ports an HTTP connection manager chain only; auto-detected ports an HTTP chain for what the HTTP
 *   inspector calls HTTP and a tcp_proxy chain for the rest; every other protocol (TCP, TLS, HTTPS, Mongo,
 *   MySQL, Redis, UDP) a tcp_proxy chain that matches no application protocol, so it carries whatever
 *   bytes arrive (HTTP included) to the app, with no HTTP route and network-level authorization only.
 * - `inbound|<targetPort>||` is ORIGINAL_DST (the upstream is the connection's own destination, the pod's
 *   address and port) with Istio's default thresholds; traffic to a port no service targets goes through
 *   the default chain to InboundPassthroughCluster.
 *
 * Invariants: pure; chains in target-port order; at most one target per port.
 *
 * Not modelled: Sidecar `ingress` listeners and their TLS, the ports a proxy cannot bind (its own status
 * and metrics ports), HBONE, the `virtualInbound-catchall-http` chain (passthrough HTTP is forwarded as
 * bytes: the app sees the same request).
 */
import { groupBy } from '../core/group.ts';
import { isHttpProtocol } from '../config/protocol.ts';
import type { Protocol } from '../config/protocol.ts';
import type { EndpointInfo, ServiceInfo } from '../topology/model.ts';
import { INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName } from '../xds/cluster.ts';
import type { Cluster } from '../xds/cluster.ts';
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { memoized, memoizedByConfig } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { ISTIO_DEFAULT_THRESHOLDS } from './translate-traffic-policy.ts';

export const VIRTUAL_INBOUND_PORT = 15006;

/** One service target of the proxy: a service port served on one of the workload's ports. */
export interface InboundTarget {
  readonly service: string;
  readonly serviceNamespace: string;
  readonly servicePort: number;
  readonly targetPort: number;
  readonly protocol: Protocol;
}

function endpointsOfPod(push: PushContext, namespace: string, pod: string): readonly EndpointInfo[] {
  const index = push.endpointsByPod ?? memoized(push, 'endpoints-by-pod', () => groupBy(push.topology.endpoints, (e) => `${e.namespace}/${e.pod}`));
  return index.get(`${namespace}/${pod}`) ?? [];
}

/**
 * Inline ServiceEntry endpoints (no pod of their own) by address. They come from the entries alone, so
 * they are filed once per config, not per endpoint change.
 */
export function inlineEndpointsAt(push: PushContext, address: string): readonly EndpointInfo[] {
  const index = memoizedByConfig(push, 'inline-endpoints-by-address', () => groupBy(push.topology.endpoints.filter((e) => e.pod === ''), (e) => e.address));
  return index.get(address) ?? [];
}

function serviceOf(push: PushContext, e: EndpointInfo): ServiceInfo | undefined {
  return push.servicesByHost.get(e.service)?.find((s) => s.namespace === e.serviceNamespace);
}

/**
 * The proxy's service targets, one per target port: the oldest service (then the lowest host name)
 * takes a port that several serve (listener_inbound.go getFilterChainsByServicePort).
 */
export function inboundTargets(push: PushContext, proxy: ProxyIdentity): InboundTarget[] {
  // GetProxyServiceTargets: inline entries only count in the proxy's own namespace.
  const inline = inlineEndpointsAt(push, proxy.ip).filter((e) => e.serviceNamespace === proxy.namespace);
  const endpoints = inline.length === 0 ? endpointsOfPod(push, proxy.namespace, proxy.pod) : [...endpointsOfPod(push, proxy.namespace, proxy.pod), ...inline];
  const candidates: { readonly target: InboundTarget; readonly createdUs: number }[] = [];
  for (const e of endpoints) {
    const service = serviceOf(push, e);
    const protocol = service?.ports.find((p) => p.port === e.servicePort)?.protocol ?? 'auto';
    candidates.push({ target: { service: e.service, serviceNamespace: e.serviceNamespace, servicePort: e.servicePort, targetPort: e.port, protocol }, createdUs: service?.createdUs ?? 0 });
  }
  // SetServiceTargets: creation time, then host name (a stable sort keeps a service's ports in order).
  candidates.sort((a, b) => a.createdUs - b.createdUs || (a.target.service < b.target.service ? -1 : a.target.service > b.target.service ? 1 : 0));
  const byPort = new Map<number, InboundTarget>();
  for (const { target } of candidates) if (!byPort.has(target.targetPort)) byPort.set(target.targetPort, target);
  return [...byPort.values()].sort((a, b) => a.targetPort - b.targetPort);
}

/** Inbound listener, route configurations and clusters for the proxy's own workload. */
export function buildSidecarInbound(push: PushContext, proxy: ProxyIdentity): { listener: Listener; routes: Record<string, RouteConfiguration>; clusters: Record<string, Cluster> } {
  const routes: Record<string, RouteConfiguration> = {};
  const clusters: Record<string, Cluster> = {};
  const chains: FilterChain[] = [];
  for (const t of inboundTargets(push, proxy)) {
    const name = inboundClusterName(t.targetPort);
    const http = isHttpProtocol(t.protocol);
    // buildInboundCluster: ORIGINAL_DST (no Sidecar ingress defaultEndpoint), so the cluster carries no
    // endpoints: the upstream is the connection's original destination, the pod's own address and port.
    // Inbound clusters get an (empty) connection pool applied: Istio's default thresholds.
    clusters[name] = { name, discovery: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: t.service, servicePort: t.servicePort, subset: '', upstreamProtocol: http ? 'http1' : 'tcp', circuitBreakers: ISTIO_DEFAULT_THRESHOLDS };
    if (http || t.protocol === 'auto') {
      routes[name] = {
        name,
        ignorePortInHostMatching: true,
        virtualHosts: [{ name: `inbound|http|${t.targetPort}`, domains: ['*'], requireTls: false, routes: [{
          name: 'default', match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] },
          action: { kind: 'route', clusters: [{ name, weight: 100 }], timeoutUs: null, retry: null, mirrors: [], clusterNotFoundStatus: 503 }, source: null,
        }] }],
      };
      chains.push({ name: `${t.targetPort}_http`, match: { destinationPort: t.targetPort, prefixRanges: [], serverNames: [], applicationProtocol: 'http' }, filter: { kind: 'http', routeConfigName: name, statPrefix: name } });
    }
    if (http) continue;
    // Sniffed ports: the TCP chain takes what is not HTTP. Declared non-HTTP ports: the TCP chain sets no
    // application protocol (inboundPlainTextTCPFilterChainMatchOptions and friends), so it takes HTTP too.
    const match = t.protocol === 'auto'
      ? { destinationPort: t.targetPort, prefixRanges: [], serverNames: [], applicationProtocol: 'tcp' as const }
      : { destinationPort: t.targetPort, prefixRanges: [], serverNames: [] };
    chains.push({ name: `${t.targetPort}_tcp`, match, filter: { kind: 'tcp', cluster: name, statPrefix: name } });
  }
  // Traffic to ports no service names goes to the app unchanged (InboundPassthroughCluster, ORIGINAL_DST).
  // buildInboundPassthroughCluster starts from the default passthrough cluster (default thresholds).
  clusters[INBOUND_PASSTHROUGH_CLUSTER] = { name: INBOUND_PASSTHROUGH_CLUSTER, discovery: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: '', servicePort: 0, subset: '', upstreamProtocol: 'tcp', circuitBreakers: ISTIO_DEFAULT_THRESHOLDS };
  const listener: Listener = {
    name: 'virtualInbound', address: '0.0.0.0', port: VIRTUAL_INBOUND_PORT, direction: 'inbound', filterChains: chains,
    defaultChain: { name: INBOUND_PASSTHROUGH_CLUSTER, match: { prefixRanges: [], serverNames: [] }, filter: { kind: 'tcp', cluster: INBOUND_PASSTHROUGH_CLUSTER, statPrefix: INBOUND_PASSTHROUGH_CLUSTER } },
  };
  return { listener, routes, clusters };
}
