/**
 * Which VirtualService a sidecar uses for a host (Istio: sidecars never merge VirtualServices,
 * route.BuildSidecarVirtualHostWrapper / TestSidecarRoutes):
 * - only VirtualServices bound to the mesh (no `gateways`, or `mesh` listed) and exported to the proxy's
 *   namespace count;
 * - an exact host beats any wildcard, whatever their ages;
 * - among wildcards the most specific (longest) wins;
 * - among equals the oldest wins (input is oldest first).
 *
 * Not modelled: Sidecar egress imports of VirtualServices (issue 37087's multi-host corner).
 */
import type { Resource } from '../config/resource.ts';
import { hostCovers, resolveHost, virtualServiceVisible } from './push-context.ts';
import type { PushContext } from './push-context.ts';

export function isMeshBound(vs: Resource<'VirtualService'>): boolean {
  const gateways = vs.spec.gateways ?? [];
  return gateways.length === 0 || gateways.includes('mesh');
}

/** VirtualServices a sidecar in `namespace` sees, oldest first. */
export function sidecarVirtualServices(push: PushContext, namespace: string): Resource<'VirtualService'>[] {
  return push.virtualServices.filter((vs) => isMeshBound(vs) && virtualServiceVisible(push, vs, namespace));
}

/** The hosts of a VirtualService, resolved against its namespace. */
export function virtualServiceHosts(vs: Resource<'VirtualService'>, domainSuffix: string): string[] {
  return (vs.spec.hosts ?? []).map((h) => resolveHost(h, vs.namespace, domainSuffix));
}

export function virtualServiceForHost(candidates: readonly Resource<'VirtualService'>[], host: string, domainSuffix: string): Resource<'VirtualService'> | null {
  const index = hostIndexOf(candidates, domainSuffix);
  const exact = index.exact.get(host);
  if (exact !== undefined) return exact; // An exact host beats any wildcard.
  let wildcard: Resource<'VirtualService'> | null = null;
  let wildcardLength = -1;
  for (const { pattern, vs } of index.wildcards) {
    // The longest wildcard; among equals the first seen (the oldest).
    if (pattern.length > wildcardLength && hostCovers(pattern, host)) {
      wildcard = vs;
      wildcardLength = pattern.length;
    }
  }
  return wildcard;
}

/** A candidate list's hosts, resolved once: exact hosts to their oldest VirtualService, wildcards in order. */
interface HostIndex {
  readonly domainSuffix: string;
  readonly exact: ReadonlyMap<string, Resource<'VirtualService'>>;
  readonly wildcards: readonly { readonly pattern: string; readonly vs: Resource<'VirtualService'> }[];
}

// By the candidate list's identity (lists are never changed once built): a route table asks once per
// service, so its hosts are resolved once, not once per service.
const hostIndexes = new WeakMap<readonly Resource<'VirtualService'>[], HostIndex>();

function hostIndexOf(candidates: readonly Resource<'VirtualService'>[], domainSuffix: string): HostIndex {
  const known = hostIndexes.get(candidates);
  if (known !== undefined && known.domainSuffix === domainSuffix) return known;
  const exact = new Map<string, Resource<'VirtualService'>>();
  const wildcards: { pattern: string; vs: Resource<'VirtualService'> }[] = [];
  for (const vs of candidates) {
    for (const pattern of virtualServiceHosts(vs, domainSuffix)) {
      // Every pattern is also an exact host (a wildcard ServiceEntry host matches its own pattern first).
      if (!exact.has(pattern)) exact.set(pattern, vs); // candidates are oldest first
      if (pattern.startsWith('*')) wildcards.push({ pattern, vs });
    }
  }
  const index = { domainSuffix, exact, wildcards };
  hostIndexes.set(candidates, index);
  return index;
}
