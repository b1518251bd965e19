/**
 * The domains of a sidecar virtual host for a service (Istio: httproute.go generateVirtualHostDomains,
 * GenerateAltVirtualHosts; test TestGenerateVirtualHostDomains). Sidecar route configs ignore the port
 * in the Host header, so domains carry no port.
 *
 * - the host itself and its absolute form with a trailing dot;
 * - for a Kubernetes host `name.ns.svc.<suffix>`: `name.ns.svc`, `name.ns`, and the bare `name` only for
 *   a proxy in the same namespace;
 * - any other host (ServiceEntry, another DNS suffix): the host alone;
 * - headless (passthrough) Kubernetes services also get `*.<domain>` for each domain;
 * - the service's address (cluster IP or ServiceEntry address).
 *
 * Not modelled: Service aliases (ExternalName aliasing of VirtualService hosts); IPv6 brackets.
 */
import type { ServiceInfo } from '../topology/model.ts';

export function virtualHostDomains(service: ServiceInfo, proxyNamespace: string, domainSuffix: string): string[] {
  const host = service.hostname;
  const domains = [host, `${host}.`];
  const kubeSuffix = `.svc.${domainSuffix}`;
  if (host.endsWith(kubeSuffix) && service.kind !== 'ServiceEntry') {
    const [name, namespace] = host.slice(0, -kubeSuffix.length).split('.');
    if (name !== undefined && namespace !== undefined) {
      if (namespace === proxyNamespace) domains.push(name);
      domains.push(`${name}.${namespace}`, `${name}.${namespace}.svc`);
    }
  }
  if (service.kind === 'Headless') for (const d of [...domains]) domains.push(`*.${d}`);
  // Istio: httproute.go appendDomainPort with util.IPv6Compliant: an IPv6 address is a domain in brackets.
  if (service.address !== null) domains.push(service.address.includes(':') ? `[${service.address}]` : service.address);
  return domains;
}
