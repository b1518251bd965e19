/**
 * Listeners and route configurations of a gateway proxy (Istio: pilot/pkg/networking/core/gateway.go
 * buildGatewayListeners, buildGatewayHTTPRouteConfig; merged-gateway rules in model/gateway.go).
 *
 * Rules:
 * - a Gateway applies to a router proxy whose labels its selector matches (any namespace: Istio does
 *   not scope gateway selectors to the Gateway's namespace by default);
 * - each server port becomes a listener; the port is translated through the gateway's Service (a server
 *   on Service port 80 listens on its targetPort 8080), else used as is;
 * - HTTP servers on one port share a route configuration `http.<port>`, built in gateway-routes.ts
 *   (virtual hosts per intersection of server and VirtualService hosts, `blackhole:<port>` when none);
 * - root rules that delegate take the delegate VirtualService's routes (one level).
 *
 * - HTTPS servers terminating TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL, OPTIONAL_MUTUAL) get a chain matched on
 *   their hosts as SNI, with a route configuration of their own; PASSTHROUGH servers route TLS by SNI and
 *   TCP servers by port, from the bound VirtualServices' `tls` / `tcp` rules.
 *
 * - AUTO_PASSTHROUGH servers also pass TLS through by an SNI that names an outbound cluster
 *   (autoPassthroughChains).
 *
 * Not modelled: certificates and client-certificate checks (with security), `ns/host` filtering of
 * passthrough (tls/tcp) VirtualServices, Gateway API.
 */
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { Resource } from '../config/resource.ts';
import type { ServiceInfo } from '../topology/model.ts';
import type { FilterChain, Listener } from '../xds/listener.ts';
import { outboundClusterName } from '../xds/cluster.ts';
import type { RouteConfiguration } from '../xds/route.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { destinationRuleFor, hostCovers, resolveHost } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { gatewayRouteConfig, gatewayVirtualServices } from './gateway-routes.ts';
import type { Server } from './gateway-routes.ts';
import type { ListenerSet } from './generate-sidecar.ts';


export function gatewaysFor(push: PushContext, proxy: ProxyIdentity): Resource<'Gateway'>[] {
  return push.gateways.filter((g) => {
    const selector = g.spec.selector as Labels | undefined;
    return selector !== undefined && Object.keys(selector).length > 0 && matchesLabels(selector, proxy.labels);
  });
}

/** The port a gateway listens on for a server port: the targetPort of the gateway Service's port, if any. */
export function gatewayListenPort(push: PushContext, proxy: ProxyIdentity, serverPort: number): number {
  for (const e of push.topology.endpoints) {
    if (e.pod === proxy.pod && e.namespace === proxy.namespace && e.servicePort === serverPort) return e.port;
  }
  return serverPort;
}

export function buildGatewayListeners(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[]): ListenerSet {
  const byPort = new Map<number, { gateway: Resource<'Gateway'>; server: Server }[]>();
  for (const gateway of gatewaysFor(push, proxy)) {
    for (const server of (gateway.spec.servers ?? []) as Server[]) {
      const number = server.port?.number;
      if (number === undefined) continue;
      const port = gatewayListenPort(push, proxy, number);
      const list = byPort.get(port) ?? [];
      list.push({ gateway, server });
      byPort.set(port, list);
    }
  }
  const listeners: Listener[] = [];
  const routes: Record<string, RouteConfiguration> = {};
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const servers = byPort.get(port)!;
    const chains: FilterChain[] = [];
    // Plain-text HTTP servers on a port share one route configuration (http.<port>).
    const plain = servers.filter(({ server }) => serverKind(server) === 'http');
    if (plain.length > 0) {
      const name = `http.${port}`;
      routes[name] = gatewayRouteConfig(push, proxy, services, plain, port, name);
      chains.push({ name: `http_${port}`, match: { prefixRanges: [], serverNames: [] }, filter: { kind: 'http', routeConfigName: name, statPrefix: `outbound_0.0.0.0_${port}` } });
    }
    // Each TLS-terminating server has its own chain, matched on its hosts as SNI, and its own routes.
    for (const entry of servers.filter(({ server }) => serverKind(server) === 'https')) {
      const { gateway, server } = entry;
      const name = `https.${port}.${server.port?.name ?? ''}.${gateway.name}.${gateway.namespace}`;
      routes[name] = gatewayRouteConfig(push, proxy, services, [entry], port, name);
      chains.push({ name, match: { prefixRanges: [], serverNames: sniNames(server) }, filter: { kind: 'http', routeConfigName: name, statPrefix: name }, terminatesTls: true });
    }
    for (const entry of servers.filter(({ server }) => serverKind(server) === 'passthrough' || serverKind(server) === 'tcp')) {
      chains.push(...passthroughChains(push, proxy, entry.gateway, entry.server, port));
      if (entry.server.tls?.mode === 'AUTO_PASSTHROUGH') chains.push(...autoPassthroughChains(push, proxy, services, entry.server));
    }
    listeners.push({ name: `0.0.0.0_${port}`, address: '0.0.0.0', port, direction: 'gateway', filterChains: chains, defaultChain: null });
  }
  return { listeners, routes };
}

type ServerKind = 'http' | 'https' | 'passthrough' | 'tcp';

/** How a gateway handles a server: HTTP, TLS terminated to HTTP, TLS passed through by SNI, or TCP. */
function serverKind(server: Server): ServerKind {
  const protocol = (server.port?.protocol ?? '').toUpperCase();
  const mode = server.tls?.mode ?? 'SIMPLE';
  if (protocol === 'HTTPS') return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH' ? 'passthrough' : 'https';
  if (protocol === 'TLS') return mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH' ? 'passthrough' : 'tcp';
  if (protocol === 'TCP' || protocol === 'MONGO' || protocol === 'REDIS' || protocol === 'MYSQL') return 'tcp';
  return 'http';
}

/** A server's hosts as SNI names to match; `*` matches any (no server name). */
function sniNames(server: Server): string[] {
  const hosts = (server.hosts ?? []).map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
  return hosts.includes('*') ? [] : hosts;
}

/**
 * AUTO_PASSTHROUGH (Istio: gateway.go builtAutoPassthroughFilterChains): for every non-UDP port of every
 * visible in-mesh service whose host the server's hosts cover, a chain matched on the SNI
 * `outbound_.<port>_._.<host>` (and `outbound_.<port>_.<subset>_.<host>` for each subset of the
 * DestinationRule the gateway uses) that passes the TLS through to that cluster's endpoints, so a
 * sidecar elsewhere reaches the service through the gateway by naming the cluster in its SNI.
 * Not modelled: the Istio mTLS ALPNs these chains also require.
 */
function autoPassthroughChains(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[], server: Server): FilterChain[] {
  const hosts = (server.hosts ?? []).map((h) => (h.includes('/') ? h.slice(h.indexOf('/') + 1) : h));
  const out: FilterChain[] = [];
  for (const service of services) {
    if (service.location === 'MESH_EXTERNAL' || !hosts.some((h) => hostCovers(h, service.hostname))) continue;
    const subsets = (destinationRuleFor(push, service.hostname, service.namespace, proxy.namespace)?.spec.subsets ?? []).map((subset) => subset?.name ?? '');
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      for (const subset of ['', ...subsets.filter((name) => name !== '')]) {
        const sni = `outbound_.${port.port}_.${subset}_.${service.hostname}`;
        const cluster = outboundClusterName(port.port, subset, service.hostname);
        out.push({ name: sni, match: { prefixRanges: [], serverNames: [sni] }, filter: { kind: 'tcp', cluster, statPrefix: sni } });
      }
    }
  }
  return out;
}

/**
 * PASSTHROUGH TLS and TCP servers (gateway.go buildGatewayNetworkFiltersFromTCPRoutes/TLSRoutes): the
 * VirtualServices bound to the gateway route by SNI (`tls` rules, sniHosts within the server's hosts) or
 * by port (`tcp` rules) to their destinations, without terminating anything.
 */
function passthroughChains(push: PushContext, proxy: ProxyIdentity, gateway: Resource<'Gateway'>, server: Server, port: number): FilterChain[] {
  const out: FilterChain[] = [];
  const serverPort = server.port?.number ?? port;
  const tls = serverKind(server) === 'passthrough';
  for (const vs of gatewayVirtualServices(push, gateway, proxy.namespace)) {
    const rules = (tls ? vs.spec.tls : vs.spec.tcp) ?? [];
    for (const [index, rule] of (rules as { match?: { port?: number; sniHosts?: string[] }[]; route?: { destination?: { host?: string; subset?: string; port?: { number?: number } }; weight?: number }[] }[]).entries()) {
      const matches = (rule.match ?? [{}]).filter((m) => m.port === undefined || m.port === serverPort);
      const destinations = (rule.route ?? []).filter((r) => r.destination?.host !== undefined);
      if (matches.length === 0 || destinations.length === 0) continue;
      const clusters = destinations.map((r) => ({
        name: outboundClusterName(r.destination!.port?.number ?? serverPort, r.destination!.subset ?? '', resolveHost(r.destination!.host!, vs.namespace, push.mesh.domainSuffix)),
        weight: destinations.length === 1 ? 100 : r.weight ?? 0,
      }));
      const filter = clusters.length === 1 ? { kind: 'tcp' as const, cluster: clusters[0]!.name, statPrefix: clusters[0]!.name } : { kind: 'tcp-weighted' as const, clusters, statPrefix: `${vs.namespace}/${vs.name}` };
      const allowed = sniNames(server);
      const names = tls ? matches.flatMap((m) => m.sniHosts ?? []).filter((h) => allowed.length === 0 || allowed.some((a) => hostCovers(a, h) || hostCovers(h, a))) : [];
      if (tls && names.length === 0) continue;
      out.push({ name: `${vs.namespace}/${vs.name}_${tls ? 'tls' : 'tcp'}${index}_${port}`, match: { prefixRanges: [], serverNames: names }, filter });
    }
  }
  return out;
}
