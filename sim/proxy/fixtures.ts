/**
 * Builders for small hand-built compiled configs (the sim/xds shapes) and calls, for the proxy's tests
 * and for examples: terse defaults, every field overridable.
 *
 * Defaults follow what Istio generates for a sidecar: prefix `/` routes, case-sensitive matching,
 * 503 for a missing cluster, route configs that ignore the Host port, endpoints healthy with weight 1,
 * clusters EDS with ROUND_ROBIN (tests pick the policy they exercise).
 *
 * Invariants: pure; every call returns fresh objects.
 *
 * Not modelled: anything the control plane derives (domains per namespace, cluster names from
 * services); callers spell those out.
 */
import { NamedMap } from '../xds/named-map.ts';
import type { Cluster, ClusterLoadAssignment, LbEndpoint } from '../xds/cluster.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../xds/cluster.ts';
import type { FilterChain, Listener, NetworkFilter } from '../xds/listener.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost, WeightedCluster } from '../xds/route.ts';
import type { Call, HttpRequest } from './request.ts';

export function endpoint(address: string, port: number, overrides: Partial<LbEndpoint> = {}): LbEndpoint {
  return {
    address, port, weight: 1, pod: `pod-${address}`, workload: 'app', namespace: 'default', labels: {}, healthy: true,
    ...overrides,
  };
}

export function cluster(name: string, overrides: Partial<Cluster> = {}): Cluster {
  return {
    name, discovery: 'EDS', lbPolicy: 'ROUND_ROBIN', serviceHost: name, servicePort: 0, subset: '', upstreamProtocol: 'http1',
    ...overrides,
  };
}

export function passthroughCluster(): Cluster {
  return cluster(PASSTHROUGH_CLUSTER, { discovery: 'ORIGINAL_DST', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: '', upstreamProtocol: 'tcp' });
}

/** As the control plane writes it: STATIC and, inherited from the passthrough template, CLUSTER_PROVIDED. */
export function blackholeCluster(): Cluster {
  return cluster(BLACKHOLE_CLUSTER, { discovery: 'STATIC', lbPolicy: 'CLUSTER_PROVIDED', serviceHost: '', upstreamProtocol: 'tcp' });
}

export function assignment(clusterName: string, endpoints: readonly LbEndpoint[]): ClusterLoadAssignment {
  return { clusterName, endpoints };
}

export function routeMatch(overrides: Partial<RouteMatch> = {}): RouteMatch {
  const pathSet = overrides.path !== undefined || overrides.regex !== undefined || overrides.prefix !== undefined;
  return { ...(pathSet ? {} : { prefix: '/' }), caseSensitive: true, headers: [], queryParameters: [], ...overrides };
}

export function forwardAction(clusters: readonly WeightedCluster[] | string, overrides: Partial<Extract<RouteAction, { kind: 'route' }>> = {}): RouteAction {
  const list = typeof clusters === 'string' ? [{ name: clusters, weight: 100 }] : clusters;
  return { kind: 'route', clusters: list, timeoutUs: null, retry: null, mirrors: [], clusterNotFoundStatus: 503, ...overrides };
}

export function route(name: string, action: RouteAction, overrides: Partial<Route> = {}): Route {
  return { name, match: routeMatch(), action, source: null, ...overrides };
}

export function virtualHost(name: string, domains: readonly string[], routes: readonly Route[], overrides: Partial<VirtualHost> = {}): VirtualHost {
  return { name, domains, routes, requireTls: false, ...overrides };
}

export function routeConfiguration(name: string, virtualHosts: readonly VirtualHost[], ignorePortInHostMatching = true): RouteConfiguration {
  return { name, virtualHosts, ignorePortInHostMatching };
}

export function filterChain(name: string, filter: NetworkFilter, match: Partial<FilterChain['match']> = {}): FilterChain {
  return { name, filter, match: { prefixRanges: [], serverNames: [], ...match } };
}

export function listener(address: string, port: number, chains: readonly FilterChain[], overrides: Partial<Listener> = {}): Listener {
  return { name: `${address}_${port}`, address, port, direction: 'outbound', filterChains: chains, defaultChain: null, ...overrides };
}

export function httpListener(port: number, routeConfigName = String(port), address = '0.0.0.0'): Listener {
  return listener(address, port, [filterChain(`${address}_${port}`, { kind: 'http', routeConfigName, statPrefix: `outbound_${address}_${port}` })]);
}

export function tcpListener(address: string, port: number, clusterName: string): Listener {
  return listener(address, port, [filterChain(clusterName, { kind: 'tcp', cluster: clusterName, statPrefix: clusterName })]);
}

/** Istio's catch-all: every outbound connection without its own listener lands on port 15001. */
export function virtualOutbound(clusterName = PASSTHROUGH_CLUSTER): Listener {
  return listener('0.0.0.0', 15001, [], {
    name: 'virtualOutbound',
    defaultChain: filterChain(clusterName, { kind: 'tcp', cluster: clusterName, statPrefix: clusterName }),
  });
}

export interface ConfigParts {
  readonly listeners?: readonly Listener[];
  readonly routes?: readonly RouteConfiguration[];
  readonly clusters?: readonly Cluster[];
  readonly endpoints?: readonly ClusterLoadAssignment[];
}

export function proxyConfig(parts: ConfigParts): ProxyConfig {
  return {
    proxy: { id: 'sleep-1.default', type: 'sidecar', namespace: 'default', workload: 'sleep', pod: 'sleep-1', ip: '10.0.0.1', labels: {} },
    version: 'v1',
    listeners: parts.listeners ?? [],
    routes: Object.fromEntries((parts.routes ?? []).map((config) => [config.name, config])),
    clusters: NamedMap.of((parts.clusters ?? []).map((entry) => [entry.name, entry])),
    endpoints: NamedMap.of((parts.endpoints ?? []).map((entry) => [entry.clusterName, entry])),
    security: null,
  };
}

export function httpRequest(authority: string, path = '/', overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', scheme: 'http', authority, path, headers: {}, ...overrides };
}

export function httpCall(destinationIp: string, destinationPort: number, request: HttpRequest): Call {
  return { destinationIp, destinationPort, protocol: 'http', request };
}

export function tcpCall(destinationIp: string, destinationPort: number, protocol: 'tcp' | 'tls' = 'tcp', sni?: string): Call {
  return sni === undefined ? { destinationIp, destinationPort, protocol } : { destinationIp, destinationPort, protocol, sni };
}
