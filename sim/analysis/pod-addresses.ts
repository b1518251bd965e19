/**
 * meshsim's own limit on pods: every pod gets an address from the pod CIDR (10.244.0.0/16 by default:
 * 65,533 addresses), so manifests that ask for more pods cannot be laid out. The workloads past the
 * limit, in the order the topology allocates (kind, namespace, name), are left out with an error at
 * their `replicas`, instead of the run failing inside.
 *
 * Invariants: pure; counts pods as the topology makes them (Deployment and StatefulSet replicas,
 * default 1; a DaemonSet's pod per node; a Pod without a fixed podIP one address).
 *
 * Not modelled: Kubernetes' own per-node pod CIDRs; a cluster that large would need a wider range.
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { AnyResource } from '../config/resource.ts';
import { compareBy } from '../core/compare.ts';
import { parseCidr } from '../topology/addresses.ts';
import type { MeshSettings } from '../topology/model.ts';
import { report } from './context.ts';

/** The resources whose pods fit the pod CIDR, and an error for each workload left out. */
export function fitPodAddresses(resources: readonly AnyResource[], settings: MeshSettings): { readonly resources: readonly AnyResource[]; readonly diagnostics: readonly Diagnostic[] } {
  const range = parseCidr(settings.podCidr);
  if (range === null) return { resources, diagnostics: [] };
  // AddressAllocator hands out base+2 up to the address before the last.
  const capacity = 2 ** (32 - range.prefixLength) - 3;
  const podsOf = (r: AnyResource): number => {
    if (r.kind === 'Deployment' || r.kind === 'StatefulSet') return (r.spec as { replicas?: number }).replicas ?? 1;
    if (r.kind === 'DaemonSet') return settings.nodeCount;
    if (r.kind === 'Pod') return (r.body['status'] as { podIP?: unknown } | undefined)?.podIP === undefined ? 1 : 0;
    return 0;
  };
  const total = resources.reduce((n, r) => n + podsOf(r), 0);
  if (total <= capacity) return { resources, diagnostics: [] };
  const ordered = [...resources].sort(compareBy<AnyResource>((r) => r.kind, (r) => r.namespace, (r) => r.name));
  const dropped = new Set<AnyResource>();
  const diagnostics: Diagnostic[] = [];
  let used = 0;
  for (const r of ordered) {
    const pods = podsOf(r);
    if (pods === 0) continue;
    if (used + pods <= capacity) {
      used += pods;
      continue;
    }
    dropped.add(r);
    diagnostics.push(report(r, ['spec', 'replicas'], 'error', CODES.constraint,
      `its ${pods} pods do not fit: the pod address range ${settings.podCidr} holds ${capacity} pods, and the manifests ask for ${total}`,
      'Lower replicas; meshsim lays every pod out in one pod CIDR, so a mesh of this many pods cannot be simulated. This workload is left out.'));
  }
  return { resources: resources.filter((r) => !dropped.has(r)), diagnostics };
}
