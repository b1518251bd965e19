/**
 * The inbound mTLS mode a workload's sidecar enforces, as analyzers need it: which PeerAuthentication
 * decided it and at which field, per target port. Re-derived from the resources (sim/analysis may not
 * import sim/controlplane); the rules are those of sim/controlplane/generate-mtls.ts inboundMtlsFor and
 * inboundModeForPort, i.e. Istio's ComposePeerAuthentication (reference/istio-semantics.md §7.1):
 * - levels: mesh (no selector, root namespace), namespace (no selector, the workload's namespace),
 *   workload (matchLabels ⊆ the pod's labels, the workload's namespace; a selector in the root namespace
 *   is ignored); within a level the oldest policy wins (ConfigStore.byAge, as the world applies them);
 * - precedence workload > namespace > mesh > PERMISSIVE; an UNSET mode inherits its parent;
 * - `portLevelMtls` only on the workload-level policy, keyed by target port; an UNSET entry inherits the
 *   workload's effective mode.
 *
 * Invariants: pure; the answer never depends on input order beyond the age order; results are cached per
 * (namespace, labels) inside one PeerModes, which lives for one analysis run.
 *
 * Not modelled: (as in generate-mtls.ts) PeerAuthentications in the namespaces of a workload's Services,
 * `targetRefs`, ambient.
 */
import { compareStrings } from '../core/compare.ts';
import { ConfigStore } from '../config/store.ts';
import type { FieldPath, Resource } from '../config/resource.ts';
import type { Labels } from '../config/selectors.ts';
import type { AnalysisContext } from './context.ts';

export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
type PeerAuthentication = Resource<'PeerAuthentication'>;

/** The mode on one port and what set it; `policy` null: no PeerAuthentication (the default PERMISSIVE). */
export interface PortMode {
  readonly mode: PeerMode;
  readonly policy: PeerAuthentication | null;
  /** The field that set the mode (`spec.mtls.mode` or `spec.portLevelMtls.<port>.mode`); [] for the default. */
  readonly path: FieldPath;
}

interface WorkloadModes {
  readonly base: PortMode;
  readonly ports: ReadonlyMap<number, PortMode>;
}

const DEFAULT_MODE: PortMode = { mode: 'PERMISSIVE', policy: null, path: [] };

function modeOf(mtls: { mode?: string } | null | undefined): PeerMode | null {
  const mode = mtls?.mode;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : null;
}

export function hasSelector(pa: PeerAuthentication): boolean {
  return Object.keys(pa.spec.selector?.matchLabels ?? {}).length > 0;
}

export function paSelects(pa: PeerAuthentication, labels: Labels): boolean {
  return Object.entries(pa.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

export class PeerModes {
  /** Every PeerAuthentication in the mesh (the install's too), oldest first. */
  readonly policies: readonly PeerAuthentication[];
  private readonly root: string;
  private readonly cache = new Map<string, WorkloadModes>();

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
    if (namespace === this.root) return null;
    return this.policies.find((pa) => pa.namespace === namespace && hasSelector(pa) && paSelects(pa, labels)) ?? null;
  }

  private forWorkload(namespace: string, labels: Labels): WorkloadModes {
    const key = `${namespace}\n${JSON.stringify(Object.entries(labels).sort(([a], [b]) => compareStrings(a, b)))}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const modes = this.compose(namespace, labels);
    this.cache.set(key, modes);
    return modes;
  }

  private compose(namespace: string, labels: Labels): WorkloadModes {
    const unselected = (ns: string) => this.policies.find((pa) => pa.namespace === ns && !hasSelector(pa)) ?? null;
    const mesh = unselected(this.root);
    const own = namespace === this.root ? null : unselected(namespace);
    let base = DEFAULT_MODE;
    for (const pa of [mesh, own]) {
      const mode = pa === null ? null : modeOf(pa.spec.mtls);
      // Rule: UNSET (or no mtls block) inherits the parent ("inheritance: default mesh").
      if (pa !== null && mode !== null) base = { mode, policy: pa, path: ['spec', 'mtls', 'mode'] };
    }
    const wl = this.workloadPolicy(namespace, labels);
    const ports = new Map<number, PortMode>();
    if (wl === null) return { base, ports };
    const wlMode = modeOf(wl.spec.mtls);
    if (wlMode !== null) base = { mode: wlMode, policy: wl, path: ['spec', 'mtls', 'mode'] };
    for (const [port, setting] of Object.entries(wl.spec.portLevelMtls ?? {})) {
      const portMode = modeOf(setting);
      // Rule: a port's UNSET inherits the workload's effective mode.
      ports.set(Number(port), portMode === null ? base : { mode: portMode, policy: wl, path: ['spec', 'portLevelMtls', port, 'mode'] });
    }
    return { base, ports };
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
