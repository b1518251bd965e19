/**
 * A sidecar's outbound listeners, one per (bind address, port), built service port by service port with
 * Istio's conflict rules (Istio: pilot/pkg/networking/core/listener.go buildSidecarOutboundListeners,
 * buildSidecarOutboundListener, mergeTCPFilterChains, buildListenerFromEntry; tls.go
 * buildSidecarOutboundTLSFilterChainOpts / buildSidecarOutboundTCPFilterChainOpts).
 *
 * Rules:
 * - HTTP ports bind `0.0.0.0:<port>`: one HTTP chain (HTTP inspector: HTTP only) with RDS `<port>`
 *   shared by every service on the port; Istio then treats the listener as sniffed (auto), so TCP
 *   ports without an address merge their chains into it;
 * - TCP and auto (sniffed) ports bind the service address (`<VIP>_<port>`): a TCP chain to the
 *   service's cluster (or its VirtualService's tcp/tls rules); auto ports add an HTTP chain whose RDS is
 *   `<host>:<port>`, a route configuration holding only that service's virtual host. HTTP to an IP that
 *   is no service's address on such a port finds no listener and goes through virtualOutbound;
 * - an address that is a CIDR binds `0.0.0.0:<port>` with a destination prefix-range match (Envoy takes
 *   the longest prefix); a /32 or /128 is a plain IP (Istio: serviceentry conversion.go convertServices
 *   strips it); each ServiceEntry address is a service of its own (convertServices);
 * - a port of a service without an address binds `0.0.0.0:<port>`;
 * - merging: chains whose match equals one already on the listener are dropped (mergeTCPFilterChains);
 *   TCP after HTTP or HTTP after TCP makes the listener sniffed; an auto port after another auto port
 *   on the same key adds its TCP chains only;
 * - a chain that matches everything becomes the listener's default chain (or its only chain, when it is
 *   alone); without one the default is the fall-through chain (PassthroughCluster, or BlackHoleCluster
 *   under REGISTRY_ONLY).
 *
 * Invariants: pure; listeners sorted by port then bind address; route names are reported in order of
 * first use.
 *
 * Not modelled: Sidecar egress listeners with their own port or bind, per-pod listeners of headless
 * services (their ports bind `0.0.0.0`), well-known port conflicts (MySQL/Mongo refusing to share a
 * port), listeners skipped for privileged ports, dual-stack extra addresses. Conflicts on one key go to
 * the oldest service, then the first by name and namespace (byAge); a service without a creationTimestamp counts
 * as the oldest.
 */
import { isHttpProtocol, isTcpProtocol, isTlsProtocol } from '../config/protocol.ts';
import type { Resource } from '../config/resource.ts';
import type { ServiceInfo, ServicePort } from '../topology/model.ts';
import type { FilterChain, FilterChainMatch, Listener } from '../xds/listener.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { tcpFilterChains } from './generate-tcp.ts';

export const WILDCARD_BIND = '0.0.0.0';

/** An HTTP route configuration a listener asks for: shared per port, or one service's (sniffed VIP). */
export interface RouteRequest {
  readonly name: string;
  readonly port: number;
  readonly service: ServiceInfo | null;
}

type ListenerProtocol = 'http' | 'tcp' | 'auto';

interface Entry {
  readonly bind: string;
  readonly port: number;
  protocol: ListenerProtocol;
  chains: FilterChain[];
}

export interface OutboundInputs {
  readonly services: readonly ServiceInfo[];
  readonly proxy: ProxyIdentity;
  readonly domainSuffix: string;
  /** The VirtualService owning a host for this proxy, or null. */
  readonly virtualServiceFor: (host: string) => Resource<'VirtualService'> | null;
  /** What a listener does with traffic no chain takes. */
  readonly fallthrough: FilterChain;
}

export function buildOutboundListeners(inputs: OutboundInputs): { listeners: Listener[]; routes: RouteRequest[] } {
  const entries = new Map<string, Entry>();
  const routes = new Map<string, RouteRequest>();
  for (const service of byAge(inputs.services)) {
    for (const port of service.ports) {
      const protocol: ListenerProtocol | null = isHttpProtocol(port.protocol) ? 'http' : port.protocol === 'auto' ? 'auto' : isTcpProtocol(port.protocol) ? 'tcp' : null;
      if (protocol === null) continue; // UDP: no listener
      for (const { bind, cidr } of bindsOf(service, protocol)) addServicePort(inputs, entries, routes, service, port, protocol, bind, cidr);
    }
  }
  const listeners = [...entries.values()]
    .sort((a, b) => a.port - b.port || (a.bind < b.bind ? -1 : a.bind > b.bind ? 1 : 0))
    .map((entry) => toListener(entry, inputs.fallthrough));
  return { listeners, routes: [...routes.values()] };
}

/**
 * Services in the order istiod builds listeners from them: oldest first, then by name and namespace
 * (Istio: push_context.go SortServicesByCreationTime). Without any creation time the given order (host
 * names) stays.
 */
function byAge(services: readonly ServiceInfo[]): readonly ServiceInfo[] {
  if (!services.some((s) => s.createdUs !== undefined)) return services;
  const text = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...services].sort((a, b) => (a.createdUs ?? 0) - (b.createdUs ?? 0) || text(a.name, b.name) || text(a.namespace, b.namespace));
}

/** Where a service port listens: HTTP on the wildcard; TCP and auto on each address (CIDR: wildcard + prefix). */
function bindsOf(service: ServiceInfo, protocol: ListenerProtocol): { bind: string; cidr: string[] }[] {
  if (protocol === 'http') return [{ bind: WILDCARD_BIND, cidr: [] }];
  const addresses = service.addresses ?? (service.address === null ? [] : [service.address]);
  if (addresses.length === 0) return [{ bind: WILDCARD_BIND, cidr: [] }];
  return addresses.map((address) => {
    const plain = hostRoute(address);
    return plain.includes('/') ? { bind: WILDCARD_BIND, cidr: [plain] } : { bind: plain, cidr: [] };
  });
}

/** A /32 (IPv4) or /128 (IPv6) prefix is the address itself (convertServices). */
export function hostRoute(address: string): string {
  const slash = address.indexOf('/');
  if (slash < 0) return address;
  const bits = address.slice(slash + 1);
  const ip = address.slice(0, slash);
  return (bits === '32' && !ip.includes(':')) || (bits === '128' && ip.includes(':')) ? ip : address;
}

function addServicePort(inputs: OutboundInputs, entries: Map<string, Entry>, routes: Map<string, RouteRequest>,
  service: ServiceInfo, port: ServicePort, protocol: ListenerProtocol, bind: string, cidr: readonly string[]): void {
  const key = `${bind}_${port.port}`;
  const existing = entries.get(key);
  const tcp = () => tcpChains(inputs, service, port, bind, cidr);
  const http = () => {
    // Sniffed services on their own address get a route configuration of their own (buildSidecarOutboundHTTPListenerOpts).
    const name = protocol === 'auto' && bind !== WILDCARD_BIND ? `${service.hostname}:${port.port}` : String(port.port);
    if (!routes.has(name)) routes.set(name, { name, port: port.port, service: name === String(port.port) ? null : service });
    return httpChain(bind, port.port, name);
  };
  if (protocol === 'http') {
    // An HTTP listener already on the key (HTTP or sniffed) takes this service through RDS.
    if (existing !== undefined && existing.protocol !== 'tcp') return;
    if (existing !== undefined) { // HTTPOverTCP: merge and sniff
      merge(existing, [http()]);
      existing.protocol = 'auto';
      return;
    }
    // On the wildcard bind the HTTP chain matches HTTP only, so the listener counts as sniffed.
    entries.set(key, { bind, port: port.port, protocol: 'auto', chains: [http()] });
    return;
  }
  if (protocol === 'tcp') {
    if (existing !== undefined) merge(existing, tcp()); // TCPOverHTTP / TCPOverTCP / TCPOverAuto
    else entries.set(key, { bind, port: port.port, protocol: 'tcp', chains: tcp() });
    return;
  }
  if (existing === undefined) {
    entries.set(key, { bind, port: port.port, protocol: 'auto', chains: [...tcp(), http()] });
  } else if (existing.protocol === 'tcp') { // AutoOverTCP
    merge(existing, [...tcp(), http()]);
    existing.protocol = 'auto';
  } else { // auto over auto: only the TCP chains are merged
    merge(existing, tcp());
  }
}

function tcpChains(inputs: OutboundInputs, service: ServiceInfo, port: ServicePort, bind: string, cidr: readonly string[]): FilterChain[] {
  const tls = isTlsProtocol(port.protocol);
  // tls.go: the host is the SNI to match only where the address does not tell services apart.
  const sniByHost = tls && (cidr.length > 0 || bind === WILDCARD_BIND);
  return tcpFilterChains(service, port.port, inputs.virtualServiceFor(service.hostname), inputs.proxy, inputs.domainSuffix, { prefixRanges: cidr, sniByHost, tls });
}

function httpChain(bind: string, port: number, routeConfigName: string): FilterChain {
  return {
    name: routeConfigName === String(port) ? `http_${port}` : `http_${routeConfigName}`,
    match: { prefixRanges: [], serverNames: [], applicationProtocol: 'http' },
    filter: { kind: 'http', routeConfigName, statPrefix: `outbound_${bind}_${port}` },
  };
}

/** mergeTCPFilterChains: an incoming chain whose match equals an existing one is dropped. */
function merge(entry: Entry, incoming: readonly FilterChain[]): void {
  for (const chain of incoming) if (!entry.chains.some((c) => sameMatch(c.match, chain.match))) entry.chains.push(chain);
}

function sameMatch(a: FilterChainMatch, b: FilterChainMatch): boolean {
  return a.destinationPort === b.destinationPort && a.applicationProtocol === b.applicationProtocol
    && sameSet(a.prefixRanges, b.prefixRanges) && sameSet(a.serverNames, b.serverNames);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function matchesAll(match: FilterChainMatch): boolean {
  return match.destinationPort === undefined && match.applicationProtocol === undefined && match.prefixRanges.length === 0 && match.serverNames.length === 0;
}

/** buildListenerFromEntry: a match-all chain becomes the default chain, else the fall-through chain is. */
function toListener(entry: Entry, fallthrough: FilterChain): Listener {
  const matchAll = entry.chains.filter((c) => matchesAll(c.match));
  const rest = entry.chains.filter((c) => !matchesAll(c.match));
  const name = `${entry.bind}_${entry.port}`;
  // A lone match-all chain stays a plain chain, with no default chain beside it.
  if (rest.length === 0 && matchAll.length > 0) return { name, address: entry.bind, port: entry.port, direction: 'outbound', filterChains: [matchAll[matchAll.length - 1]!], defaultChain: null };
  const defaultChain = matchAll.length > 0 ? matchAll[matchAll.length - 1]! : fallthrough;
  return { name, address: entry.bind, port: entry.port, direction: 'outbound', filterChains: rest, defaultChain };
}
