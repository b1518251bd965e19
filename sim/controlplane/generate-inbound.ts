/**
 * A sidecar's inbound side: the `virtualInbound` listener (15006, where iptables sends every connection
 * to the pod) with a chain per target port of the workload's services, to `inbound|<port>||`, else
 * InboundPassthroughCluster (Istio: pilot/pkg/networking/core/listener_inbound.go buildInboundListeners).
 * HTTP ports get an HTTP connection manager chain only, sniffed ports an HTTP chain and a TCP chain for
 * the rest, every other protocol a tcp_proxy chain that matches any payload: HTTP sent to a TCP port
 * reaches the app as bytes, with no HTTP route and network-level authorization only.
 *
 * Invariants: pure; one chain set per target port.
 *
 * Not modelled: Sidecar `ingress` listeners and their TLS.
 */
import { groupBy } from '../core/group.ts';
import { isHttpProtocol } from '../config/protocol.ts';
import type { EndpointInfo } from '../topology/model.ts';
import { INBOUND_PASSTHROUGH_CLUSTER, inboundClusterName } from '../xds/cluster.ts';
import type { Cluster } from '../xds/cluster.ts';
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { memoized } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { ISTIO_DEFAULT_THRESHOLDS } from './translate-traffic-policy.ts';

export const VIRTUAL_INBOUND_PORT = 15006;

function endpointsOfPod(push: PushContext, namespace: string, pod: string): readonly EndpointInfo[] {
  const index = push.endpointsByPod ?? memoized(push, 'endpoints-by-pod', () => groupBy(push.topology.endpoints, (e) => `${e.namespace}/${e.pod}`));
  return index.get(`${namespace}/${pod}`) ?? [];
}

/** Inbound listener and clusters for the proxy's own workload. */
export function buildSidecarInbound(push: PushContext, proxy: ProxyIdentity): { listener: Listener; routes: Record<string, RouteConfiguration>; clusters: Record<string, Cluster> } {
  const routes: Record<string, RouteConfiguration> = {};
  const clusters: Record<string, Cluster> = {};
  const chains: FilterChain[] = [];
  const seen = new Set<number>();
  for (const e of endpointsOfPod(push, proxy.namespace, proxy.pod)) {
    if (seen.has(e.port)) continue;
    seen.add(e.port);
    const service = push.servicesByHost.get(e.service)?.find((s) => s.namespace === e.serviceNamespace);
    const protocol = service?.ports.find((p) => p.port === e.servicePort)?.protocol ?? 'auto';
    const name = inboundClusterName(e.port);
    // buildInboundCluster: ORIGINAL_DST (no Sidecar ingress defaultEndpoint), so the cluster carries no
    // endpoints: the upstream is the connection's original destination, the pod's own address and port.
    // Inbound clusters get an (empty) connection pool applied: Istio's default thresholds.
    clusters[name] = { name, discovery: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: e.service, servicePort: e.servicePort, subset: '', upstreamProtocol: isHttpProtocol(protocol) ? 'http1' : 'tcp', circuitBreakers: ISTIO_DEFAULT_THRESHOLDS };
    if (isHttpProtocol(protocol) || protocol === 'auto') {
      routes[name] = {
        name,
        ignorePortInHostMatching: true,
        virtualHosts: [{ name: `inbound|http|${e.port}`, domains: ['*'], requireTls: false, routes: [{
          name: 'default', match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] },
          action: { kind: 'route', clusters: [{ name, weight: 100 }], timeoutUs: null, retry: null, mirrors: [], clusterNotFoundStatus: 503 }, source: null,
        }] }],
      };
      chains.push({ name: `${e.port}_http`, match: { destinationPort: e.port, prefixRanges: [], serverNames: [], applicationProtocol: 'http' }, filter: { kind: 'http', routeConfigName: name, statPrefix: name } });
    }
    if (isHttpProtocol(protocol)) continue;
    // Sniffed ports: the TCP chain takes what is not HTTP. Declared non-HTTP ports (TCP, TLS, HTTPS, Mongo,
    // MySQL, Redis): the chain sets no application protocol (filterchain_options.go
    // inboundPlainTextTCPFilterChainMatchOptions and friends), so tcp_proxy carries any bytes, HTTP too.
    const match = protocol === 'auto'
      ? { destinationPort: e.port, prefixRanges: [], serverNames: [], applicationProtocol: 'tcp' as const }
      : { destinationPort: e.port, prefixRanges: [], serverNames: [] };
    chains.push({ name: `${e.port}_tcp`, match, filter: { kind: 'tcp', cluster: name, statPrefix: name } });
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
