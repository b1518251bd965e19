/**
 * Gateway analyzers (Istio: analyzers/virtualservice/gateways.go, analyzers/gateway/gateway.go):
 * - IST0132: a VirtualService bound to a Gateway none of whose server hosts (as visible from the
 *   VirtualService's namespace) match any of its hosts: requests through that gateway get 404 NR.
 *   Istio reports it also when the Gateway does not exist (next to IST0101), and so does meshsim.
 * - IST0162: a Gateway server port that no Service in front of the gateway pods exposes, as a port or a
 *   target port: traffic through the gateway Service cannot reach it.
 *
 * Not modelled: Kubernetes Gateway API gateways; internal gateway references (IST0165); `bind`.
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { Resource } from '../config/resource.ts';
import { formatLabels, matchesLabels, serviceSelects } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import { ofKind, report } from './context.ts';
import type { AnalysisContext } from './context.ts';

type Server = { port?: { number?: number }; hosts?: string[] };

export function analyzeGateways(context: AnalysisContext): Diagnostic[] {
  return [...vsHostsInGateways(context), ...gatewayPortsOnServices(context)];
}

function vsHostsInGateways(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const gateways = new Map(context.resources.filter((r): r is Resource<'Gateway'> => r.kind === 'Gateway').map((g) => [`${g.namespace}/${g.name}`, g]));
  for (const vs of ofKind(context, 'VirtualService')) {
    const hosts = vs.spec.hosts ?? [];
    (vs.spec.gateways ?? []).forEach((name, i) => {
      if (name === 'mesh') return;
      const key = name.includes('/') ? name : `${vs.namespace}/${name}`;
      const gateway = gateways.get(key);
      const visible = gateway === undefined ? [] : gatewayHostsFor(gateway, vs.namespace);
      if (visible.some((gh) => hosts.some((h) => hostsMatch(gh, h)))) return;
      out.push(report(vs, ['spec', 'gateways', i], 'warning', CODES.virtualServiceHostNotFoundInGateway,
        `one or more host [${hosts.join(' ')}] defined in VirtualService ${vs.namespace}/${vs.name} not found in Gateway ${key}.`,
        'Requests through that gateway will not reach these routes (404); add the hosts to a server of the Gateway, or fix the VirtualService hosts.'));
    });
  }
  return out;
}

/** Server hosts of a Gateway visible from `namespace` (host.NamesForNamespace; `./h` is the gateway's namespace). */
function gatewayHostsFor(gateway: Resource<'Gateway'>, namespace: string): string[] {
  const out: string[] = [];
  for (const server of (gateway.spec.servers ?? []) as Server[]) {
    for (const entry of server.hosts ?? []) {
      const slash = entry.indexOf('/');
      if (slash < 0) {
        out.push(entry);
        continue;
      }
      const ns = entry.slice(0, slash) === '.' ? gateway.namespace : entry.slice(0, slash);
      if (ns === '*' || ns === namespace) out.push(entry.slice(slash + 1));
    }
  }
  return out;
}

/** host.Name.Matches: equal, `*` matches all, and a wildcard matches the names under it (either side). */
export function hostsMatch(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  const under = (wild: string, name: string) => wild.startsWith('*') && name.endsWith(wild.slice(1));
  return under(a, b) || under(b, a);
}

function gatewayPortsOnServices(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { pods } = context.topology;
  for (const gateway of ofKind(context, 'Gateway')) {
    const selector = gateway.spec.selector as Labels | undefined;
    if (selector === undefined || Object.keys(selector).length === 0) continue;
    const gatewayPods = pods.filter((p) => matchesLabels(selector, p.labels));
    if (gatewayPods.length === 0) continue; // IST0101 says so already.
    const exposed = new Set<number>();
    for (const r of context.resources) {
      if (r.kind !== 'Service' || !gatewayPods.some((p) => p.namespace === r.namespace && serviceSelects(r.spec.selector as Labels | undefined, p.labels))) continue;
      for (const port of r.spec.ports ?? []) {
        if ((port.protocol ?? 'TCP') !== 'TCP') continue;
        exposed.add(port.port);
        if (typeof port.targetPort === 'number') exposed.add(port.targetPort);
      }
    }
    ((gateway.spec.servers ?? []) as Server[]).forEach((server, i) => {
      const number = server.port?.number;
      if (number === undefined || exposed.has(number)) return;
      out.push(report(gateway, ['spec', 'servers', i, 'port', 'number'], 'warning', CODES.gatewayPortNotDefinedOnService,
        `The gateway is listening on a target port (port ${number}) that is not defined in the Service associated with its workload instances (Pod selector ${formatLabels(selector)}). If you need to access the gateway port through the gateway Service, it will not be available.`,
        'Listen on a port the gateway Service exposes (the default ingress exposes 80→8080 and 443→8443), or add the port to the Service.'));
    });
  }
  return out;
}
