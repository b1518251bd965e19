/**
 * VirtualService analyzers (Istio: analyzers/virtualservice): destination and mirror hosts that exist
 * (IST0101), subsets that a DestinationRule defines (IST0101), gateways that exist (IST0101), and a
 * destination port where the service has several (IST0112), and gateway routes that bypass another
 * VirtualService's subsets (IST0140).
 *
 * Severity: istioctl rates IST0101/IST0112 as errors, but the API server accepts such a VirtualService
 * and Istio serves it (requests get 503/404); meshsim loads it, simulates that, and warns.
 *
 * Not modelled: the `host:port` check (a destination port the service does not expose), JWT-claim
 * routing (IST0149), IST0132 hosts not found in the Gateway, IST0109 conflicting mesh hosts.
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { Resource } from '../config/resource.ts';
import { ofKind, report, toFqdn } from './context.ts';
import type { AnalysisContext } from './context.ts';

type Destination = { host?: string; subset?: string; port?: { number?: number } };
type RouteRef = { path: (string | number)[]; destination: Destination; mirror: boolean };

export function analyzeVirtualServices(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const suffix = context.topology.settings.domainSuffix;
  const subsets = subsetIndex(context);
  for (const vs of ofKind(context, 'VirtualService')) {
    for (const ref of destinations(vs)) {
      const host = ref.destination.host;
      if (host === undefined) continue;
      const service = context.hosts.find(host, vs.namespace, suffix);
      if (service === undefined) {
        out.push(report(vs, [...ref.path, 'host'], 'warning', CODES.referencedResourceNotFound,
          `Referenced ${ref.mirror ? 'mirror host' : 'host'} not found: "${host}".`,
          `No Service or ServiceEntry visible from namespace ${vs.namespace} has this host; requests routed here fail with 503. Fix the host, or create the Service/ServiceEntry.`));
        continue;
      }
      const subset = ref.destination.subset;
      if (subset !== undefined && !ref.mirror && !(subsets.get(toFqdn(host, vs.namespace, suffix))?.has(subset) ?? false)) {
        out.push(report(vs, [...ref.path, 'subset'], 'warning', CODES.referencedResourceNotFound,
          `Referenced host+subset in destinationrule not found: "${host}+${subset}".`,
          `Define subset ${subset} in a DestinationRule for ${host}, and apply it before this VirtualService; until then requests get 503 NC.`));
      }
      const ports = service.ports.map((p) => p.port);
      if (!ref.mirror && ports.length > 1 && ref.destination.port?.number === undefined) {
        out.push(report(vs, ref.path, 'warning', CODES.destinationPortSelectorRequired,
          `This VirtualService routes to a service "${host}" that exposes multiple ports [${ports.join(' ')}]. Specifying a port in the destination is required to disambiguate.`,
          'Add destination.port.number.'));
      }
    }
    out.push(...gatewayRefs(context, vs));
  }
  out.push(...ingressIgnoresSubsets(context));
  return out;
}

/**
 * Istio's analyzeSubset (IST0140): a gateway-bound route to a host without a subset, while another
 * VirtualService for that host splits it by subset. The gateway's route goes to the whole service: the
 * mesh VirtualService's subset routing does not apply to requests from the gateway.
 */
function ingressIgnoresSubsets(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const all = ofKind(context, 'VirtualService');
  const subsetRouted = new Map<string, Set<string>>();
  for (const vs of all) {
    for (const route of vs.spec.http ?? []) {
      for (const rd of route.route ?? []) {
        const host = rd.destination?.host;
        if (host === undefined || (rd.destination?.subset ?? '') === '' || !(vs.spec.hosts ?? []).includes(host)) continue;
        const owners = subsetRouted.get(host) ?? new Set<string>();
        owners.add(`${vs.namespace}/${vs.name}`);
        subsetRouted.set(host, owners);
      }
    }
  }
  for (const vs of all) {
    if ((vs.spec.gateways ?? []).length === 0) continue;
    (vs.spec.http ?? []).forEach((route, i) => {
      (route.route ?? []).forEach((rd, j) => {
        const host = rd.destination?.host;
        if (host === undefined || (rd.destination?.subset ?? '') !== '') return;
        for (const owner of [...(subsetRouted.get(host) ?? [])].sort()) {
          out.push(report(vs, ['spec', 'http', i, 'route', j, 'destination', 'host'], 'warning', CODES.ingressRouteRulesNotAffected,
            `Subset in virtual service ${owner} has no effect on ingress gateway ${vs.namespace}/${vs.name} requests`,
            `Requests through the gateway go to every ${host} pod; route to a subset here too, or bind ${owner} to the gateway.`));
        }
      });
    });
  }
  return out;
}

function destinations(vs: Resource<'VirtualService'>): RouteRef[] {
  const refs: RouteRef[] = [];
  for (const section of ['http', 'tcp', 'tls'] as const) {
    const routes = (vs.spec[section] ?? []) as { route?: { destination?: Destination }[]; mirror?: Destination; mirrors?: { destination?: Destination }[] }[];
    routes.forEach((route, i) => {
      (route.route ?? []).forEach((r, j) => {
        if (r.destination !== undefined) refs.push({ path: ['spec', section, i, 'route', j, 'destination'], destination: r.destination, mirror: false });
      });
      if (route.mirror !== undefined) refs.push({ path: ['spec', section, i, 'mirror'], destination: route.mirror, mirror: true });
      (route.mirrors ?? []).forEach((m, j) => {
        if (m.destination !== undefined) refs.push({ path: ['spec', section, i, 'mirrors', j, 'destination'], destination: m.destination, mirror: true });
      });
    });
  }
  return refs;
}

/** Subset names per DestinationRule host (fully qualified against the rule's namespace). */
function subsetIndex(context: AnalysisContext): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  const suffix = context.topology.settings.domainSuffix;
  for (const dr of context.resources) {
    if (dr.kind !== 'DestinationRule' || dr.spec.host === undefined) continue;
    const host = toFqdn(dr.spec.host, dr.namespace, suffix);
    const names = index.get(host) ?? new Set<string>();
    for (const subset of dr.spec.subsets ?? []) if (subset.name !== undefined) names.add(subset.name);
    index.set(host, names);
  }
  return index;
}

function gatewayRefs(context: AnalysisContext, vs: Resource<'VirtualService'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  (vs.spec.gateways ?? []).forEach((name, index) => {
    if (name === 'mesh') return;
    const [ns, gw] = name.includes('/') ? (name.split('/', 2) as [string, string]) : [vs.namespace, name];
    const found = context.resources.some((r) => r.kind === 'Gateway' && r.namespace === ns && r.name === gw);
    if (!found) {
      out.push(report(vs, ['spec', 'gateways', index], 'warning', CODES.referencedResourceNotFound,
        `Referenced gateway not found: "${name}".`,
        `Create Gateway ${ns}/${gw}, or fix the name (a short name means the VirtualService's namespace, ${vs.namespace}).`));
    }
  });
  return out;
}
