/**
 * VirtualService rules of Istio's webhook (ValidateVirtualService in pkg/config/validation, with its
 * helpers in virtualservice.go) and of the VirtualService CRD (CEL durations), with Istio's texts.
 *
 * Invariants: pure; every finding points at the field at fault.
 *
 * Not modelled: corsPolicy checks, header value escapes, JWT-claim routing on mesh-bound services,
 * `outbound_.port_._.host` SNI names on gateways, prefix-covered (overlapping) matches for IST0131
 * (only exact duplicates are reported), directResponse body size limits.
 */
import type { Resource } from './resource.ts';
import { CODES } from './diagnostic.ts';
import { DURATION_HINT, EXPORT_TO_HINT, Findings, durationProblem, exportToProblems, isDns1123Label, isIp, portProblem, wildcardDomainProblem } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';
import { stableStringify } from '../core/hash.ts';
import { checkHttpRoute } from './rules-http-route.ts';
import { ipSubnetProblem } from './rules-fields.ts';

type Spec = Resource<'VirtualService'>['spec'];

export function checkVirtualService(r: Resource<'VirtualService'>): RuleFinding[] {
  const f = new Findings();
  const spec = r.spec;
  const hosts = spec.hosts ?? [];
  const delegate = hosts.length === 0;
  const gateways = spec.gateways ?? [];
  const meshBound = gateways.length === 0 || gateways.includes('mesh');
  if (delegate) checkDelegate(f, spec);
  checkHosts(f, hosts, meshBound);
  checkGatewayNames(f, gateways);
  if ((spec.http ?? []).length === 0 && (spec.tcp ?? []).length === 0 && (spec.tls ?? []).length === 0) {
    f.error(['spec'], 'http, tcp or tls must be provided in virtual service', 'Add at least one http, tcp or tls route.');
  }
  (spec.http ?? []).forEach((route, i) => checkHttpRoute(f, route as never, ['spec', 'http', i], delegate));
  (spec.tcp ?? []).forEach((route, i) => checkL4Route(f, route as L4Route, ['spec', 'tcp', i], 'TCP'));
  (spec.tls ?? []).forEach((route, i) => checkL4Route(f, route as L4Route, ['spec', 'tls', i], 'TLS'));
  for (const problem of exportToProblems(spec.exportTo ?? [], r.namespace, false)) f.error(['spec', 'exportTo'], problem, EXPORT_TO_HINT);
  checkUnreachableRules(f, spec.http ?? []);
  return f.list;
}

function checkDelegate(f: Findings, spec: Spec): void {
  // ValidateVirtualService: a VirtualService without hosts is a delegate; it cannot bind gateways or carry tcp/tls.
  if ((spec.gateways ?? []).length > 0) f.error(['spec', 'gateways'], 'delegate virtual service must have no gateways specified', 'Bind the gateways on the root VirtualService that delegates here, or give this one hosts.');
  if ((spec.tls ?? []).length > 0) f.error(['spec', 'tls'], 'delegate virtual service must have no tls route specified', 'Delegation works for http routes only.');
  if ((spec.tcp ?? []).length > 0) f.error(['spec', 'tcp'], 'delegate virtual service must have no tcp route specified', 'Delegation works for http routes only.');
}

function checkHosts(f: Findings, hosts: readonly string[], meshBound: boolean): void {
  hosts.forEach((host, i) => {
    const path = ['spec', 'hosts', i];
    if (host === '*' && meshBound) {
      f.error(path, 'wildcard host * is not allowed for virtual services bound to the mesh gateway', 'Name the services, use a domain wildcard such as *.example.com, or bind the VirtualService to a gateway.');
      return;
    }
    const problem = isIp(host) ? null : wildcardDomainProblem(host);
    if (problem !== null) f.error(path, problem, 'Write a host name (short names resolve in the VirtualService\'s namespace), an FQDN, or a domain wildcard.');
    for (let j = 0; j < i; j += 1) {
      if (hostsOverlap(hosts[j]!, host)) {
        f.error(path, `duplicate hosts in virtual service: ${hosts[j]} & ${host}`, 'List each host once; a wildcard already covers the hosts under it.');
        break;
      }
    }
  });
}

/** host.Name.Matches: equal, or one is a wildcard covering the other. */
function hostsOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (wild: string, name: string) => wild.startsWith('*') && name.endsWith(wild.slice(1));
  return covers(a, b) || covers(b, a);
}

function checkGatewayNames(f: Findings, gateways: readonly string[]): void {
  gateways.forEach((name, i) => {
    const path = ['spec', 'gateways', i];
    if (name === 'mesh') return;
    const slash = name.indexOf('/');
    if (slash >= 0) {
      const ns = name.slice(0, slash);
      const gw = name.slice(slash + 1);
      if (ns === '' || gw === '') f.error(path, 'config namespace and gateway name cannot be empty', 'Write the gateway as <namespace>/<name>.');
      else if (!isDns1123Label(ns)) f.error(path, `invalid value for namespace: "${ns}"`, 'Write the gateway as <namespace>/<name>.');
      else if (!isDns1123Label(gw)) f.error(path, `invalid value for gateway name: "${gw}"`, 'Gateway names are DNS-1123 labels.');
      return;
    }
    if (name.includes('.')) {
      // validateGatewayNames: `name.namespace` still works but is the legacy form.
      const [gw, ns] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
      f.warning(path, `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${ns}/${gw}"`, `Write "${ns}/${gw}".`);
    }
  });
}

type L4Route = {
  match?: { port?: number; destinationSubnets?: string[]; sniHosts?: string[] }[];
  route?: { destination?: { host?: string; subset?: string; port?: { number?: number } }; weight?: number }[];
};

function checkL4Route(f: Findings, route: L4Route, path: (string | number)[], kind: 'TCP' | 'TLS'): void {
  if (kind === 'TLS' && (route.match ?? []).length === 0) {
    f.error([...path, 'match'], 'TLS route must have at least one match condition', 'Match on sniHosts.');
  }
  (route.match ?? []).forEach((m, j) => {
    const matchPath = [...path, 'match', j];
    if (kind === 'TLS' && (m.sniHosts ?? []).length === 0) f.error(matchPath, 'TLS match must have at least one SNI host', 'Add sniHosts.');
    (m.destinationSubnets ?? []).forEach((subnet, k) => {
      const problem = ipSubnetProblem(subnet);
      if (problem !== null) f.error([...matchPath, 'destinationSubnets', k], problem, 'Write an IP or a CIDR such as 10.1.0.0/16.');
    });
    if (m.port !== undefined) {
      const problem = portProblem(m.port);
      if (problem !== null) f.error([...matchPath, 'port'], problem, 'Use a port between 1 and 65535.');
    }
  });
  if ((route.route ?? []).length === 0) f.error([...path, 'route'], `${kind} route is required`, 'Add a route with a destination.');
  checkDestinations(f, route.route ?? [], [...path, 'route']);
}

/** validateRouteDestinations / validateHTTPRouteDestinations: weights and destinations. */
export function checkDestinations(f: Findings, routes: readonly { destination?: Destination; weight?: number }[], path: (string | number)[]): void {
  let total = 0;
  routes.forEach((rd, i) => {
    const weight = rd.weight ?? 0;
    if (weight < 0) f.error([...path, i, 'weight'], `weight ${weight} < 0`, 'Weights are non-negative integers.');
    total += weight;
    if (rd.destination !== undefined) checkDestination(f, rd.destination, [...path, i, 'destination']);
  });
  if (routes.length > 1 && total === 0) {
    f.error(path, 'total destination weight = 0', 'Give at least one destination a positive weight (weights are relative; they need not add up to 100).');
  }
}

type Destination = { host?: string; subset?: string; port?: { number?: number } };

export function checkDestination(f: Findings, d: Destination, path: (string | number)[]): void {
  const host = d.host ?? '';
  if (host === '*') f.error([...path, 'host'], 'invalid destination host *', 'Name one service (a short name, an FQDN or a ServiceEntry host).');
  else {
    const problem = wildcardDomainProblem(host);
    if (problem !== null) f.error([...path, 'host'], problem, 'Name one service (a short name, an FQDN or a ServiceEntry host).');
  }
  if (d.subset !== undefined) {
    if (d.subset === '') f.error([...path, 'subset'], 'subset name cannot be empty', 'Name a subset defined in a DestinationRule, or drop the field.');
    else if (!isDns1123Label(d.subset)) f.error([...path, 'subset'], `subset name is invalid: ${d.subset}`, 'Subset names are DNS-1123 labels (lower-case letters, digits, "-").');
  }
  if (d.port?.number !== undefined) {
    const problem = portProblem(d.port.number);
    if (problem !== null) f.error([...path, 'port', 'number'], problem, 'Use a port between 1 and 65535.');
  }
}

export function checkDuration(f: Findings, value: unknown, path: (string | number)[]): void {
  if (value === undefined) return;
  const problem = durationProblem(value);
  if (problem !== null) f.error(path, problem, DURATION_HINT);
}

/**
 * analyzeUnreachableHTTPRules (IST0130) and exact duplicate matches (IST0131): a rule after a rule
 * without matches never runs; a match identical to an earlier one never matches.
 */
function checkUnreachableRules(f: Findings, routes: readonly { name?: string; match?: unknown[] }[]): void {
  let catchAll: number | null = null;
  const seen = new Map<string, string>();
  routes.forEach((route, i) => {
    const label = route.name !== undefined ? `"${route.name}"` : `#${i}`;
    const matches = route.match ?? [];
    if (catchAll !== null) {
      const reason = matches.length === 0 ? 'only the last rule can have no matches' : 'route without matches defined before';
      f.analyzer('warning', CODES.virtualServiceUnreachableRule, ['spec', 'http', i], `VirtualService rule ${label} not used (${reason}).`, `Rule ${label} can never be reached: move it before the catch-all rule or remove it.`);
      return;
    }
    if (matches.length === 0) catchAll = i;
    let unused = 0;
    matches.forEach((m, j) => {
      const { name: _ignored, ...rest } = (m ?? {}) as Record<string, unknown>;
      const key = stableStringify(rest);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        unused += 1;
        f.analyzer('info', CODES.virtualServiceIneffectiveMatch, ['spec', 'http', i, 'match', j], `VirtualService rule ${label} match #${j} is not used (duplicate/overlapping match in rule ${earlier}).`, 'Remove the duplicate match or make it differ.');
      } else seen.set(key, label);
    });
    if (matches.length > 0 && unused === matches.length) {
      f.analyzer('warning', CODES.virtualServiceUnreachableRule, ['spec', 'http', i], `VirtualService rule ${label} not used (all matches used by prior rules).`, `Every match of rule ${label} is taken by an earlier rule; remove it or change its matches.`);
    }
  });
}
