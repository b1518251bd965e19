/**
 * TCP filter chains for a service port on a sidecar (Istio: listener.go buildSidecarOutboundTCPListenerOpts,
 * tcp.go buildOutboundNetworkFilters): with a VirtualService for the host, its `tcp` rules in order —
 * the first whose static match applies to this proxy and port (port, sourceLabels, sourceNamespace,
 * gateways) decides; `destinationSubnets` make a chain of their own for those prefixes; weighted
 * destinations become a weighted TCP proxy. Without a VirtualService (or no rule applying), the
 * service's own cluster.
 *
 * TLS ports also take the VirtualService's `tls` rules: chains on the SNI hosts each rule matches.
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

export function tcpFilterChains(service: ServiceInfo, port: number, vs: Resource<'VirtualService'> | null, proxy: ProxyIdentity, domainSuffix: string,
  applicationProtocol?: 'tcp', tls = false): FilterChain[] {
  // A TLS service without an address shares the wildcard listener: its chain matches its host as SNI.
  const sni = tls && service.address === null ? [service.hostname] : [];
  const fallback = chain(`${service.hostname}_${port}`, service.address === null ? [] : [`${service.address}/32`], defaultFilter(service, port), applicationProtocol, sni);
  if (vs === null) return [fallback];
  const chains: FilterChain[] = tls ? tlsChains(service, port, vs, proxy, domainSuffix, fallback.match.prefixRanges) : [];
  for (const [index, rule] of ((vs.spec.tcp ?? []) as TcpRoute[]).entries()) {
    const matches = rule.match ?? [];
    const applying = matches.length === 0 ? [{}] : matches.filter((m) => appliesTo(m, proxy, port));
    if (applying.length === 0) continue;
    const filter = ruleFilter(rule, vs, port, domainSuffix);
    if (filter === null) continue;
    const subnets = applying.flatMap((m: { destinationSubnets?: string[] }) => m.destinationSubnets ?? []).map((s) => (s.includes('/') ? s : `${s}/32`));
    if (subnets.length > 0) {
      chains.push(chain(`${service.hostname}_${port}_tcp${index}`, subnets, filter, applicationProtocol));
      continue;
    }
    chains.push(chain(`${service.hostname}_${port}_tcp${index}`, fallback.match.prefixRanges, filter, applicationProtocol));
    return chains; // A rule without subnets takes all remaining traffic: later rules never apply.
  }
  return [...chains, fallback];
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

function chain(name: string, prefixRanges: readonly string[], filter: NetworkFilter, applicationProtocol?: 'tcp', serverNames: readonly string[] = []): FilterChain {
  return { name, match: { prefixRanges, serverNames, ...(applicationProtocol === undefined ? {} : { applicationProtocol }) }, filter };
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
      out.push(chain(`${service.hostname}_${port}_tls${index}_${j}`, subnets.length > 0 ? subnets : prefixRanges, filter, undefined, m.sniHosts ?? []));
    }
  }
  return out;
}
