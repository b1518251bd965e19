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
  let wildcard: Resource<'VirtualService'> | null = null;
  let wildcardLength = -1;
  for (const vs of candidates) {
    for (const pattern of virtualServiceHosts(vs, domainSuffix)) {
      if (pattern === host) return vs; // Oldest exact match: candidates are oldest first.
      if (pattern.startsWith('*') && hostCovers(pattern, host) && pattern.length > wildcardLength) {
        wildcard = vs;
        wildcardLength = pattern.length;
      }
    }
  }
  return wildcard;
}
