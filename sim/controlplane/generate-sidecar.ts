/**
 * Listeners and route configurations of a sidecar (Istio: listener.go buildSidecarOutboundListeners,
 * httproute.go buildSidecarOutboundHTTPRouteConfig, buildSidecarInboundListeners).
 *
 * Outbound rules:
 * - one HTTP route configuration per HTTP or sniffed service port, named after the port ("9080");
 *   one virtual host per visible service with that port; its routes come from the VirtualService that
 *   owns the host (select-virtual-service.ts) or, without one (or when the VirtualService yields no
 *   route for this port), Istio's default route with the DestinationRule's hash policy for the port
 *   (translate-consistent-hash.ts);
 * - a VirtualService host that is not in the registry gets a virtual host on port 80 only (Istio's
 *   "gross HACK" in buildSidecarVirtualHostsForVirtualService);
 * - a catch-all virtual host: `allow_any` to PassthroughCluster, or `block_all` answering 502 under
 *   REGISTRY_ONLY (buildCatchAllVirtualHost);
 * - listeners (outbound-listeners.ts): `0.0.0.0_<port>` for HTTP ports; `<VIP>_<port>` for TCP and
 *   sniffed ports, a sniffed one with a route configuration `<host>:<port>` holding only its service's
 *   virtual host, domains `*` (httproute.go getVirtualHostsForSniffedServicePort); `virtualOutbound`
 *   (15001) sends everything else to PassthroughCluster, or BlackHoleCluster under REGISTRY_ONLY.
 * Inbound: generate-inbound.ts.
 *
 * The Sidecar resource narrows what is built to the hosts it imports (sidecar-scope.ts).
 *
 * ExternalName Services naming another Service are aliases: the concrete service's virtual host serves
 * their domains; a VirtualService on the alias FQDN takes that exact host.
 *
 * Not modelled: Sidecar egress/ingress listeners per port, TLS VirtualService routes and SNI chains,
 * ExternalName services naming hosts outside the cluster.
 */
import { RecentLists } from './recent-lists.ts';
import { entryOf, groupBy } from '../core/group.ts';
import type { ServiceInfo } from '../topology/model.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../xds/cluster.ts';
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { Route, RouteConfiguration, VirtualHost } from '../xds/route.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { memoizedByConfig, serviceVisible } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { sidecarVirtualServices, virtualServiceForHost, virtualServiceHosts } from './select-virtual-service.ts';
import { defaultRoute, translateVirtualServiceRoutes } from './translate-route.ts';
import { hashPolicyForDestination, hashPolicyForService, hashRuleFor } from './translate-consistent-hash.ts';
import type { RouteContext } from './translate-route.ts';
import { virtualHostDomains } from './virtual-host-domains.ts';
import type { SidecarScope } from './sidecar-scope.ts';
import type { Resource } from '../config/resource.ts';
import { buildOutboundListeners } from './outbound-listeners.ts';

export const VIRTUAL_OUTBOUND_PORT = 15001;

export interface ListenerSet {
  readonly listeners: Listener[];
  readonly routes: Record<string, RouteConfiguration>;
}

export function visibleServices(push: PushContext, namespace: string): readonly ServiceInfo[] {
  return memoizedByConfig(push, `visible|${namespace}`, () => visibleLists.intern(push.topology.services.filter((s) => s.kind !== 'ExternalName' && serviceVisible(push, s, namespace))));
}

// Namespaces and configs that see the same services share one list (recent-lists.ts).
const visibleLists = new RecentLists<ServiceInfo>();

export function buildSidecarListeners(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[], scope: SidecarScope): ListenerSet {
  const routes: Record<string, RouteConfiguration> = {};
  const candidates = sidecarVirtualServices(push, proxy.namespace).filter((vs) => scope.importsVirtualService(vs));
  const suffix = push.mesh.domainSuffix;
  const built = buildOutboundListeners({
    services, proxy, domainSuffix: suffix, fallthrough: fallbackChain(scope),
    virtualServiceFor: (host) => virtualServiceForHost(candidates, host, suffix),
  });
  for (const request of [...built.routes].sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    routes[request.name] = request.service === null
      ? sidecarRouteConfig(push, proxy, services, request.port, candidates, scope)
      : sniffedRouteConfig(push, proxy, services, request.service, request.port, candidates, request.name);
  }
  const listeners: Listener[] = [...built.listeners];
  listeners.push({ name: 'virtualOutbound', address: '0.0.0.0', port: VIRTUAL_OUTBOUND_PORT, direction: 'outbound', filterChains: [], defaultChain: fallbackChain(scope) });
  return { listeners, routes };
}

/**
 * The route configuration `<host>:<port>` of a sniffed service's own listener: that service's virtual
 * host alone, its domains widened to `*`, no catch-all (httproute.go getVirtualHostsForSniffedServicePort).
 */
function sniffedRouteConfig(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[], service: ServiceInfo, port: number,
  candidates: readonly Resource<'VirtualService'>[], name: string): RouteConfiguration {
  const [main] = serviceVirtualHosts(push, proxy, service, port, candidates, routeContext(push, proxy, services, port));
  return { name, virtualHosts: main === undefined ? [] : [{ ...main, domains: ['*'] }], ignorePortInHostMatching: true };
}

function sidecarRouteConfig(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[], port: number,
  candidates: readonly Resource<'VirtualService'>[], scope: SidecarScope): RouteConfiguration {
  const context = routeContext(push, proxy, services, port);
  const virtualHosts: VirtualHost[] = [];
  for (const s of services) virtualHosts.push(...serviceVirtualHosts(push, proxy, s, port, candidates, context));
  if (port === 80) virtualHosts.push(...unregisteredHostVirtualHosts(push, candidates, context));
  virtualHosts.push(catchAllVirtualHost(scope.outboundTrafficPolicy === 'REGISTRY_ONLY'));
  return { name: String(port), virtualHosts, ignorePortInHostMatching: true };
}

/** A service's virtual host on a port (first), then those of its ExternalName aliases with VirtualServices of their own. */
function serviceVirtualHosts(push: PushContext, proxy: ProxyIdentity, s: ServiceInfo, port: number,
  candidates: readonly Resource<'VirtualService'>[], context: RouteContext): VirtualHost[] {
  const suffix = push.mesh.domainSuffix;
  const servicePort = s.ports.find((p) => p.port === port);
  if (servicePort === undefined) return [];
  const vs = virtualServiceForHost(candidates, s.hostname, suffix);
  const translated = vs === null ? [] : translateVirtualServiceRoutes(vs, context, delegateLookup(push));
  // buildSidecarVirtualHostForService: the default route carries the service's hash policy.
  const hashPolicy = translated.length > 0 ? null : hashPolicyForService(hashRuleFor(push, s.hostname, proxy.namespace, s.namespace), port);
  // ExternalName aliases of this service are served by its virtual host (service Attributes.Aliases),
  // except an alias whose own VirtualService takes its exact FQDN (never on sniffed ports).
  const aliases = aliasesOf(push, s, proxy.namespace);
  if (translated.length === 0 && hashPolicy === null && aliases.length === 0) return [plainVirtualHost(s, port, proxy.namespace, suffix)];
  const routes: Route[] = translated.length > 0 ? translated : [defaultRoute(s.hostname, port, hashPolicy)];
  const routedAliases = servicePort.protocol === 'auto' ? [] : aliases.flatMap((alias) => {
    const aliasVs = virtualServiceForHost(candidates, alias.hostname, suffix);
    return aliasVs !== null && virtualServiceHosts(aliasVs, suffix).includes(alias.hostname) ? [{ alias, vs: aliasVs }] : [];
  });
  const domains = [s, ...aliases].flatMap((x) => virtualHostDomains(x, proxy.namespace, suffix)).filter((d) => !routedAliases.some((r) => r.alias.hostname === d));
  const out: VirtualHost[] = [{ name: `${s.hostname}:${port}`, domains: [...new Set(domains)], routes, requireTls: false }];
  for (const { alias, vs: aliasVs } of routedAliases) {
    const aliasRoutes = translateVirtualServiceRoutes(aliasVs, context, delegateLookup(push));
    if (aliasRoutes.length > 0) out.push({ name: `${alias.hostname}:${port}`, domains: [alias.hostname], routes: aliasRoutes, requireTls: false });
  }
  return out;
}

// A service's virtual host with nothing but its default route (no VirtualService, hash policy or alias),
// once per (immutable) service, port, and whether the proxy shares its namespace (the short name is
// a domain only there): without Sidecar scoping every namespace's route table holds one per service of
// the mesh, so 100 namespaces share one object per service instead of holding 100 equal copies.
// By port: [own namespace, other namespaces]; under one domain suffix (another suffix starts afresh).
const plainVirtualHosts = new WeakMap<ServiceInfo, { readonly suffix: string; readonly byPort: Map<number, (VirtualHost | undefined)[]> }>();

function plainVirtualHost(s: ServiceInfo, port: number, proxyNamespace: string, suffix: string): VirtualHost {
  let known = plainVirtualHosts.get(s);
  if (known === undefined || known.suffix !== suffix) plainVirtualHosts.set(s, known = { suffix, byPort: new Map() });
  let pair = known.byPort.get(port);
  if (pair === undefined) known.byPort.set(port, pair = [undefined, undefined]);
  const side = s.namespace === proxyNamespace ? 0 : 1;
  return pair[side] ??= { name: `${s.hostname}:${port}`, domains: [...new Set(virtualHostDomains(s, proxyNamespace, suffix))], routes: [defaultRoute(s.hostname, port)], requireTls: false };
}

/**
 * What an outbound listener does with a connection no chain takes (an unknown SNI, raw TCP on an HTTP
 * port): PassthroughCluster, or BlackHoleCluster under REGISTRY_ONLY (the listeners' default chain).
 */
function fallbackChain(scope: SidecarScope): FilterChain {
  const cluster = scope.outboundTrafficPolicy === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  return { name: cluster, match: { prefixRanges: [], serverNames: [] }, filter: { kind: 'tcp', cluster, statPrefix: cluster } };
}

/** ExternalName Services (visible to the proxy) whose externalName is this Kubernetes service's host. */
function aliasesOf(push: PushContext, service: ServiceInfo, namespace: string): ServiceInfo[] {
  if (service.kind === 'ServiceEntry') return [];
  // ExternalName services by the host they name, once per snapshot (a lookup per service, not a scan).
  const byTarget = memoizedByConfig(push, 'aliases-by-target', () => groupBy(
    push.topology.services.filter((a) => a.kind === 'ExternalName' && a.externalName !== null),
    (a) => a.externalName!.replace(/\.$/, ''),
  ));
  const aliases = byTarget.get(service.hostname);
  return aliases === undefined ? [] : aliases.filter((a) => serviceVisible(push, a, namespace));
}

/** Port 80 only: VirtualService hosts that match no service still get a virtual host. */
function unregisteredHostVirtualHosts(push: PushContext, candidates: readonly Resource<'VirtualService'>[], context: RouteContext): VirtualHost[] {
  const out: VirtualHost[] = [];
  const seen = new Set<string>();
  for (const vs of candidates) {
    for (const host of virtualServiceHosts(vs, push.mesh.domainSuffix)) {
      if (push.servicesByHost.has(host) || seen.has(host) || isAlias(push, host) || host.startsWith('*') && [...push.servicesByHost.keys()].some((h) => h.endsWith(host.slice(1)))) continue;
      seen.add(host);
      const routes = translateVirtualServiceRoutes(vs, context, delegateLookup(push));
      if (routes.length > 0) out.push({ name: `${host}:80`, domains: [host], routes, requireTls: false });
    }
  }
  return out;
}

function isAlias(push: PushContext, host: string): boolean {
  return push.topology.services.some((s) => s.kind === 'ExternalName' && s.hostname === host && s.externalName !== null && push.servicesByHost.has(s.externalName.replace(/\.$/, '')));
}

function catchAllVirtualHost(blocked: boolean): VirtualHost {
  const route: Route = blocked
    ? { name: 'block_all', match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] }, action: { kind: 'direct', status: 502, body: '' }, source: null }
    : {
        name: 'allow_any',
        match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] },
        action: { kind: 'route', clusters: [{ name: PASSTHROUGH_CLUSTER, weight: 100 }], timeoutUs: null, retry: null, mirrors: [], clusterNotFoundStatus: 503 },
        source: null,
      };
  return { name: blocked ? 'block_all' : 'allow_any', domains: ['*'], routes: [route], requireTls: false };
}

/** Delegate VirtualServices by (name, namespace), for root rules that delegate (one level). */
export function delegateLookup(push: PushContext): (name: string, namespace: string) => Resource<'VirtualService'> | undefined {
  return (name, namespace) => push.virtualServices.find((vs) => vs.name === name && vs.namespace === namespace);
}

// Each service list's services by host name (the last one of a name wins), once per list object.
const servicesByHostname = new WeakMap<readonly ServiceInfo[], ReadonlyMap<string, ServiceInfo>>();

export function routeContext(push: PushContext, proxy: ProxyIdentity, services: readonly ServiceInfo[], port: number, gateways: readonly string[] = ['mesh']): RouteContext {
  const suffix = push.mesh.domainSuffix;
  const byHost = entryOf(servicesByHostname, services, () => new Map(services.map((s) => [s.hostname, s])));
  return {
    proxyNamespace: proxy.namespace,
    proxyLabels: proxy.labels,
    gateways,
    listenerPort: port,
    domainSuffix: suffix,
    hashPolicyFor: (host, subset, destinationPort) => hashPolicyForDestination(hashRuleFor(push, host, proxy.namespace), subset, destinationPort),
    resolveHost: (host, vsNamespace) => (host.startsWith('*') || host.includes('.') ? host : `${host}.${vsNamespace}.svc.${suffix}`),
    defaultPort: (fqdn) => {
      const s = byHost.get(fqdn) ?? push.servicesByHost.get(fqdn)?.[0];
      if (s === undefined) return null;
      if (s.ports.some((p) => p.port === port)) return port;
      return s.ports.length === 1 ? s.ports[0]!.port : null;
    },
  };
}
