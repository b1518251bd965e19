/**
 * The inbound mTLS mode a workload's sidecar enforces, as analyzers need it: which PeerAuthentication
 * decided it and at which field, per target port. The rule itself is sim/config/peer-authentication.ts
 * (the one the control plane compiles too); this adds the age order and a cache for one analysis run.
 *
 * Invariants: pure; results are cached per (namespace, labels) inside one PeerModes.
 *
 * Not modelled: see sim/config/peer-authentication.ts.
 */
import { compareStrings } from '../core/compare.ts';
import { ConfigStore } from '../config/store.ts';
import { composePeerAuthentication } from '../config/peer-authentication.ts';
import type { ComposedPeerModes, PeerModeSource } from '../config/peer-authentication.ts';
import type { Resource } from '../config/resource.ts';
import type { Labels } from '../config/selectors.ts';
import type { AnalysisContext } from './context.ts';

export { hasSelector } from '../config/peer-authentication.ts';
export type { PeerMode } from '../config/peer-authentication.ts';
export type PortMode = PeerModeSource;
type PeerAuthentication = Resource<'PeerAuthentication'>;

export class PeerModes {
  /** Every PeerAuthentication in the mesh (the install's too), oldest first. */
  readonly policies: readonly PeerAuthentication[];
  private readonly root: string;
  private readonly cache = new Map<string, ComposedPeerModes>();

  constructor(context: AnalysisContext) {
    const store = new ConfigStore();
    for (const r of context.resources) store.apply(r);
    this.policies = store.byAge('PeerAuthentication');
    this.root = context.topology.settings.rootNamespace;
  }

  /** The mode a sidecar in `namespace` with `labels` enforces on `targetPort`. */
  modeAt(namespace: string, labels: Labels, targetPort: number): PortMode {
    const modes = this.forWorkload(namespace, labels);
    return modes.ports.get(targetPort) ?? modes.base;
  }

  /** The workload-level policy for a workload (the only one whose portLevelMtls counts), or null. */
  workloadPolicy(namespace: string, labels: Labels): PeerAuthentication | null {
    return this.forWorkload(namespace, labels).workloadPolicy;
  }

  private forWorkload(namespace: string, labels: Labels): ComposedPeerModes {
    const key = `${namespace}\n${JSON.stringify(Object.entries(labels).sort(([a], [b]) => compareStrings(a, b)))}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const modes = composePeerAuthentication(this.policies, namespace, labels, this.root);
    this.cache.set(key, modes);
    return modes;
  }
}

/** `a, b and c`; past `max` names, `a, b, … and N more`. */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= 1) return names.join('');
  if (names.length > max) return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}

export function keyOf(r: { namespace: string; name: string }): string {
  return `${r.namespace}/${r.name}`;
}
