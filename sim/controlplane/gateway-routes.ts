/**
 * A gateway's HTTP route configuration (Istio: pilot/pkg/networking/core/gateway.go
 * buildGatewayHTTPRouteConfig, collapseDuplicateRoutes; model/gateway.go sanitizeServerHostNamespace;
 * model/push_context.go VirtualServicesForGateway; pkg/config/host/names.go NamesForNamespace,
 * Intersection).
 *
 * Rules:
 * - server hosts: `./host` means the Gateway's namespace, `*​/host` is `host`, and `*​/*` replaces the
 *   whole list with `*`; `ns/host` admits only VirtualServices of namespace `ns`;
 * - the VirtualServices are those bound to the Gateway (`gateways:` as `ns/name`, or a short name in
 *   the VirtualService's namespace) and visible (exportTo) from the gateway proxy's namespace: private
 *   ones (`.`) first, then those exported by name, then public ones, each oldest first;
 * - one virtual host per intersection of a server host with a VirtualService host, named
 *   `<host>:<server port>`, domain the more specific of the two (`*.example.com` × `a.example.com` →
 *   `a.example.com`, both ways), lower-cased; several VirtualServices on one host append their routes,
 *   then catch-all routes move last (SortVHostRoutes);
 * - a host a server covers but no VirtualService names gets no virtual host (404 NR); `httpsRedirect`
 *   makes a virtual host for each server host as written (301), or marks the existing one;
 * - no virtual host at all: `blackhole:<port>`, domain `*`, no route (404 NR).
 *
 * Invariants: pure; virtual hosts sorted by name.
 *
 * Not modelled: collapseDuplicateRoutes (Istio joins virtual hosts with identical routes into the
 * alphabetically first one: names differ, outcomes do not; the xDS cost model is fitted to the uncollapsed
 * shape); Gateway API routes; stateful-session filters; the `bind` of a server.
 */
import type { Resource } from '../config/resource.ts';
import type { ServiceInfo } from '../topology/model.ts';
import type { Route, RouteConfiguration, VirtualHost } from '../xds/route.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { resolveHost, virtualServiceVisible } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { isCatchAllRoute, translateVirtualServiceRoutes } from './translate-route.ts';
import { delegateLookup, routeContext } from './generate-sidecar.ts';

export type Server = { port?: { number?: number; name?: string; protocol?: string }; hosts?: string[]; tls?: { httpsRedirect?: boolean; mode?: string } };

/** sanitizeServerHostNamespace: `./h` → `<gateway ns>/h`, `*​/h` → `h`, `*​/*` → the list `[*]`. */
export function sanitizedServerHosts(hosts: readonly string[], gatewayNamespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) { out.push(h); continue; }
    const ns = h.slice(0, slash);
    const name = h.slice(slash + 1);
    if (ns === '*' && name === '*') return ['*'];
    out.push(ns === '.' ? `${gatewayNamespace}/${name}` : ns === '*' ? name : h);
  }
  return out;
}

/** NamesForNamespace: server hosts a VirtualService of `namespace` may take, namespace stripped. */
function hostsForNamespace(hosts: readonly string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) out.push(h);
    else if (h.slice(0, slash) === namespace || h.slice(0, slash) === '*') out.push(h.slice(slash + 1));
  }
  return out;
}

/** host.Name SubsetOf: every name `a` matches is matched by `b`. */
function subsetOf(a: string, b: string): boolean {
  if (b === '*' || a === b) return true;
  if (!b.startsWith('*')) return false;
  return a.startsWith('*') ? a.slice(1).endsWith(b.slice(1)) : a.endsWith(b.slice(1));
}

/** Names.Intersection: for each pair that overlaps, the more specific name (the server's when equal). */
export function hostIntersection(serverHosts: readonly string[], vsHosts: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of serverHosts) {
    for (const v of vsHosts) {
      const pick = subsetOf(s, v) ? s : subsetOf(v, s) ? v : null;
      if (pick !== null && !out.includes(pick)) out.push(pick);
    }
  }
  return out;
}

/** VirtualServicesForGateway: bound to `ns/name`, visible from the proxy's namespace; private, by name, then public. */
export function gatewayVirtualServices(push: PushContext, gateway: Resource<'Gateway'>, proxyNamespace: string): Resource<'VirtualService'>[] {
  const full = `${gateway.namespace}/${gateway.name}`;
  const bound = push.virtualServices.filter((vs) => {
    const names = (vs.spec.gateways ?? []).map((g) => (g.includes('/') ? g : `${vs.namespace}/${g}`));
    return names.includes(full) && virtualServiceVisible(push, vs, proxyNamespace);
  });
  // initVirtualServices: exportTo `*` is public; otherwise the VirtualService's own namespace is private.
  const rank = (vs: Resource<'VirtualService'>): number => {
    const exportTo = vs.spec.exportTo ?? push.mesh.defaultVirtualServiceExportTo;
    if (exportTo.includes('*')) return 2;
    return vs.namespace === proxyNamespace ? 0 : 1;
  };
  return [0, 1, 2].flatMap((r) => bound.filter((vs) => rank(vs) === r));
}

export function gatewayRouteConfig(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[],
  servers: readonly { gateway: Resource<'Gateway'>; server: Server }[], port: number, name: string): RouteConfiguration {
  const suffix = push.mesh.domainSuffix;
  const byHost = new Map<string, VirtualHost>();
  const routesOf = new Map<string, Route[]>();
  for (const { gateway, server } of servers) {
    const gatewayName = `${gateway.namespace}/${gateway.name}`;
    const serverPort = server.port?.number ?? port;
    const hosts = sanitizedServerHosts(server.hosts ?? [], gateway.namespace);
    const redirect = server.tls?.httpsRedirect === true;
    for (const vs of gatewayVirtualServices(push, gateway, proxy.namespace)) {
      const vsHosts = (vs.spec.hosts ?? []).map((h) => resolveHost(h, vs.namespace, suffix));
      const intersecting = hostIntersection(hostsForNamespace(hosts, vs.namespace), vsHosts);
      if (intersecting.length === 0) continue;
      // One route list per (gateway, VirtualService), shared by its hosts.
      const key = `${gatewayName}\n${vs.namespace}/${vs.name}`;
      let routes = routesOf.get(key);
      if (routes === undefined) {
        routes = translateVirtualServiceRoutes(vs, routeContext(push, proxy, services, serverPort, [gatewayName]), delegateLookup(push));
        routesOf.set(key, routes);
      }
      for (const raw of intersecting) {
        const host = raw.toLowerCase();
        const existing = byHost.get(host);
        if (existing !== undefined) byHost.set(host, { ...existing, routes: [...existing.routes, ...routes], requireTls: existing.requireTls || redirect });
        else byHost.set(host, { name: `${host}:${serverPort}`, domains: [host], routes, requireTls: redirect });
      }
    }
    // A server host with httpsRedirect redirects even with no VirtualService; the host as written.
    if (!redirect) continue;
    for (const raw of hosts) {
      const host = raw.toLowerCase();
      const existing = byHost.get(host);
      byHost.set(host, existing !== undefined ? { ...existing, requireTls: true } : { name: `${host}:${serverPort}`, domains: [host], routes: [], requireTls: true });
    }
  }
  if (byHost.size === 0) {
    const first = servers[0]?.server.port?.number ?? port;
    return { name, virtualHosts: [{ name: `blackhole:${first}`, domains: ['*'], routes: [], requireTls: false }], ignorePortInHostMatching: true };
  }
  const virtualHosts = [...byHost.values()].map((v) => ({ ...v, routes: sortCatchAllLast(v.routes) }));
  // Gateways, like sidecars, ignore the port in the Host header (IgnorePortInHostMatching).
  return { name, virtualHosts: virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), ignorePortInHostMatching: true };
}

/** SortVHostRoutes: catch-all routes move to the end, others keep their order. */
function sortCatchAllLast(routes: readonly Route[]): Route[] {
  return [...routes.filter((r) => !isCatchAllRoute(r)), ...routes.filter((r) => isCatchAllRoute(r))];
}

