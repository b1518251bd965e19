/**
 * Name resolution as a pod sees it (Kubernetes cluster DNS with the pod's search path
 * `<ns>.svc.<suffix> svc.<suffix> <suffix>` and ndots 5), for the probe's URL host:
 * - an IP literal is itself;
 * - a Kubernetes Service resolves to its cluster IP; a headless one to its first endpoint's IP; an
 *   ExternalName one follows its CNAME;
 * - a ServiceEntry host resolves to its first IP address (CIDR addresses are not DNS answers); without one, to a stable address from
 *   240.240.0.0/16 standing for the answer of the real DNS (as Istio's DNS auto-allocation would give);
 * - another name with a dot, outside the cluster domain, resolves through the public DNS, which meshsim
 *   stands in with a stable address from 203.0.113.0/24 (TEST-NET-3);
 * - anything else does not resolve (the caller says so, with the nearest names that exist).
 *
 * Not modelled: Istio's DNS proxy capture settings; pod hostnames (`pod.svc.ns.svc...`); IPv6.
 */
import { editDistance } from '../core/edit-distance.ts';
import { parseIp } from '../proxy/match/cidr.ts';
import { hash32 } from '../core/hash.ts';
import { serviceByAddress, serviceByHost } from '../topology/lookup.ts';
import type { ServiceInfo, Topology } from '../topology/model.ts';
import type { ProbeError } from './probe-types.ts';

export interface Resolved {
  readonly address: string;
  /** The service the name belongs to, when it names one. */
  readonly service: ServiceInfo | null;
}

export function resolveName(topology: Topology, name: string, fromNamespace: string): Resolved | null {
  // An IP literal is its own address (an IPv6 one comes bracketed in a URL, bare here).
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (name.includes(':') && parseIp(name)?.length === 16)) {
    return { address: name, service: serviceByAddress(topology.services, name, false) };
  }
  const suffix = topology.settings.domainSuffix;
  const absolute = name.endsWith('.');
  const bare = absolute ? name.slice(0, -1) : name;
  const dots = bare.split('.').length - 1;
  const searched = [`${bare}.${fromNamespace}.svc.${suffix}`, `${bare}.svc.${suffix}`, `${bare}.${suffix}`];
  const candidates = absolute ? [bare] : dots >= 5 ? [bare, ...searched] : [...searched, bare];
  for (const candidate of candidates) {
    const service = findService(topology, candidate);
    if (service !== null) return addressOf(topology, service, fromNamespace, 0);
  }
  // A name outside the cluster's domain resolves through the real DNS: stand in a stable public address.
  if (dots >= 1 && !bare.endsWith(`.${suffix}`) && !bare.endsWith('.svc') && /^[a-z0-9.-]+$/i.test(bare)) {
    return { address: internetAddress(bare), service: null };
  }
  return null;
}

/** A stable stand-in for the answer of the public DNS: 203.0.113.x (TEST-NET-3, RFC 5737). */
export function internetAddress(host: string): string {
  return `203.0.113.${1 + (hash32(host) % 254)}`;
}

function findService(topology: Topology, host: string): ServiceInfo | null {
  return serviceByHost(topology.services, host);
}

function addressOf(topology: Topology, service: ServiceInfo, fromNamespace: string, depth: number): Resolved | null {
  if (service.kind === 'ExternalName' && service.externalName !== null && depth < 8) {
    const target = resolveName(topology, service.externalName, fromNamespace);
    return target === null ? { address: syntheticAddress(service.externalName), service } : { ...target, service: target.service ?? service };
  }
  // Istio's DNS name table leaves CIDR addresses out (pkg/dns/server/name_table.go): a /32 is its IP.
  const ip = (service.addresses ?? (service.address === null ? [] : [service.address])).map((a) => a.replace(/\/(32|128)$/, '')).find((a) => !a.includes('/'));
  if (ip !== undefined) return { address: ip, service };
  if (service.kind === 'Headless') {
    const endpoint = topology.endpoints.find((e) => e.service === service.hostname);
    return endpoint === undefined ? null : { address: endpoint.address, service };
  }
  return { address: syntheticAddress(service.hostname), service };
}

/** A stable stand-in for a real DNS answer: 240.240.x.y from the host name. */
export function syntheticAddress(host: string): string {
  const h = hash32(host);
  return `240.240.${(h >>> 8) & 255}.${Math.max(1, h & 255)}`;
}

/** A host that does not resolve from `namespace`, with the nearest names a user may have meant. */
export function unknownHostError(topology: Topology, host: string, namespace: string): ProbeError {
  const known = topology.services.flatMap((s) => (s.kind === 'ServiceEntry' ? [s.hostname] : [s.hostname, s.namespace === namespace ? s.name : `${s.name}.${s.namespace}`]));
  return { error: `the host "${host}" does not resolve from namespace ${namespace}`, hint: `Use a Service name (short names resolve in the client's namespace), a ServiceEntry host or an IP. Nearest: ${nearestNames(host, known).join(', ')}.` };
}

/** Up to `count` known names closest to `name` (edit distance), for "did you mean" messages. */
export function nearestNames(name: string, known: readonly string[], count = 3): string[] {
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(name, k) }))
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .slice(0, count)
    .map((x) => x.k);
}
