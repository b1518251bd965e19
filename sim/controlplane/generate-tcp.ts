/**
 * TCP filter chains for a service port on a sidecar (Istio: listener.go buildSidecarOutboundTCPListenerOpts,
 * tcp.go buildOutboundNetworkFilters): with a VirtualService for the host, its `tcp` rules in order —
 * the first whose static match applies to this proxy and port (port, sourceLabels, sourceNamespace,
 * gateways) decides; `destinationSubnets` make a chain of their own for those prefixes; weighted
 * destinations become a weighted TCP proxy. Without a VirtualService (or no rule applying), the
 * service's own cluster. A rule without match, or whose first applying match has no
 * destinationSubnets, takes the rest; subnets equal to the listener's own prefixes replace the
 * service's chain (tls.go buildSidecarOutboundTCPFilterChainOpts).
 *
 * TLS ports take the VirtualService's `tls` rules only (no `tcp` rules): chains on the SNI hosts each
 * rule matches; with none applying, the service's chain, on its host as SNI where the listener is
 * shared (tls.go buildSidecarOutboundTLSFilterChainOpts).
 *
 * Not modelled: `sourceSubnet`; TLS inspection details (ALPN).
 */
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { Resource } from '../config/resource.ts';
import type { ServiceInfo } from '../topology/model.ts';
import { outboundClusterName } from '../xds/cluster.ts';
import type { FilterChain, NetworkFilter } from '../xds/listener.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { resolveHost } from './push-context.ts';

type TcpRoute = {
  match?: { port?: number; destinationSubnets?: string[]; sourceLabels?: Record<string, string>; sourceNamespace?: string; gateways?: string[] }[];
  route?: { destination?: { host?: string; subset?: string; port?: { number?: number } }; weight?: number }[];
};

/** Where the chains sit: the listener's destination prefixes (a CIDR address; empty on a VIP), SNI by host or not. */
export interface TcpChainPlace {
  readonly prefixRanges: readonly string[];
  /** A TLS service on a wildcard or CIDR listener: its default chain matches its host as SNI. */
  readonly sniByHost: boolean;
  readonly tls: boolean;
}

export function tcpFilterChains(service: ServiceInfo, port: number, vs: Resource<'VirtualService'> | null, proxy: ProxyIdentity, domainSuffix: string,
  place: TcpChainPlace): FilterChain[] {
  const sni = place.sniByHost ? [service.hostname] : [];
  const fallback = chain(`${service.hostname}_${port}`, place.prefixRanges, defaultFilter(service, port), sni);
  if (vs === null) return [fallback];
  if (place.tls) {
    // tls.go: TLS ports take the tls rules only; any applying rule replaces the service's own chain.
    const chains = tlsChains(service, port, vs, proxy, domainSuffix, place.prefixRanges);
    return chains.length > 0 ? chains : [fallback];
  }
  const chains: FilterChain[] = [];
  let defaultCovered = false;
  for (const [index, rule] of ((vs.spec.tcp ?? []) as TcpRoute[]).entries()) {
    const filter = ruleFilter(rule, vs, port, domainSuffix);
    if (filter === null) continue;
    const name = `${service.hostname}_${port}_tcp${index}`;
    // A rule without match, or whose first applying match has no destinationSubnets, takes all the
    // remaining traffic: later rules and the service's own chain never apply (buildSidecarOutboundTCPFilterChainOpts).
    if ((rule.match ?? []).length === 0) return [...chains, chain(name, place.prefixRanges, filter)];
    const subnets: string[] = [];
    for (const m of rule.match!) {
      if (!appliesTo(m, proxy, port)) continue;
      if ((m.destinationSubnets ?? []).length === 0) return [...chains, chain(name, place.prefixRanges, filter)];
      subnets.push(...m.destinationSubnets!);
    }
    if (subnets.length === 0) continue;
    chains.push(chain(name, subnets, filter));
    // Subnets equal to the listener's own prefixes take the service's default chain's place.
    if (sameSet(subnets, place.prefixRanges)) defaultCovered = true;
  }
  return defaultCovered ? chains : [...chains, fallback];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function appliesTo(match: NonNullable<TcpRoute['match']>[number], proxy: ProxyIdentity, port: number): boolean {
  if (match.port !== undefined && match.port !== port) return false;
  if (match.sourceLabels !== undefined && !matchesLabels(match.sourceLabels as Labels, proxy.labels)) return false;
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== proxy.namespace) return false;
  if (match.gateways !== undefined && match.gateways.length > 0 && !match.gateways.includes('mesh')) return false;
  return true;
}

function ruleFilter(rule: TcpRoute, vs: Resource<'VirtualService'>, port: number, domainSuffix: string): NetworkFilter | null {
  const destinations = (rule.route ?? []).filter((r) => r.destination?.host !== undefined);
  if (destinations.length === 0) return null;
  const clusters = destinations.map((r) => ({
    name: outboundClusterName(r.destination!.port?.number ?? port, r.destination!.subset ?? '', resolveHost(r.destination!.host!, vs.namespace, domainSuffix)),
    weight: destinations.length === 1 ? 100 : r.weight ?? 0,
  }));
  if (clusters.length === 1) return { kind: 'tcp', cluster: clusters[0]!.name, statPrefix: clusters[0]!.name };
  return { kind: 'tcp-weighted', clusters: clusters.filter((c) => c.weight > 0), statPrefix: `${vs.namespace}/${vs.name}` };
}

function defaultFilter(service: ServiceInfo, port: number): NetworkFilter {
  const cluster = outboundClusterName(port, '', service.hostname);
  return { kind: 'tcp', cluster, statPrefix: cluster };
}

function chain(name: string, prefixRanges: readonly string[], filter: NetworkFilter, serverNames: readonly string[] = []): FilterChain {
  return { name, match: { prefixRanges, serverNames }, filter };
}

type TlsMatch = NonNullable<TcpRoute['match']>[number] & { sniHosts?: string[] };
type TlsRoute = { match?: TlsMatch[]; route?: TcpRoute['route'] };

/**
 * VirtualService `tls` rules (Istio: buildSidecarOutboundTLSFilterChainOpts): each applying match
 * becomes a chain on its SNI hosts (and destination subnets), in rule order.
 */
function tlsChains(service: ServiceInfo, port: number, vs: Resource<'VirtualService'>, proxy: ProxyIdentity, domainSuffix: string, prefixRanges: readonly string[]): FilterChain[] {
  const out: FilterChain[] = [];
  for (const [index, rule] of ((vs.spec.tls ?? []) as TlsRoute[]).entries()) {
    const filter = ruleFilter(rule, vs, port, domainSuffix);
    if (filter === null) continue;
    for (const [j, m] of (rule.match ?? []).entries()) {
      if (!appliesTo(m, proxy, port)) continue;
      const subnets = (m.destinationSubnets ?? []).map((s) => (s.includes('/') ? s : `${s}/32`));
      out.push(chain(`${service.hostname}_${port}_tls${index}_${j}`, subnets.length > 0 ? subnets : prefixRanges, filter, m.sniHosts ?? []));
    }
  }
  return out;
}
