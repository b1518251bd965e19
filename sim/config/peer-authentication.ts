/**
 * PeerAuthentication composition: the inbound mTLS mode a workload's sidecar enforces, per target port,
 * with the policy and field that decided it (Istio: pilot/pkg/security/authn/policy_applier.go
 * ComposePeerAuthentication; pilot/pkg/model/authentication.go getConfigsForWorkload). One place for the
 * rule, read by the control plane (what sidecars get) and the analyzers (what to warn about).
 *
 * Rules:
 * - levels: mesh (no selector, root namespace), namespace (no selector, the workload's namespace),
 *   workload (matchLabels ⊆ the pod's labels, the workload's namespace); a selector-bearing policy in the
 *   root namespace is IGNORED ("ignore non-empty selector in root namespace"), unlike AuthorizationPolicy;
 *   a selector with no matchLabels is no selector; other namespaces never apply;
 * - within a level the oldest policy wins (input is oldest first, ConfigStore.byAge);
 * - precedence workload > namespace > mesh > PERMISSIVE; an UNSET mode (or no `mtls`) inherits its parent;
 * - `portLevelMtls` counts only on the workload-level policy, keyed by target port; an UNSET entry takes
 *   the workload's effective mode.
 *
 * Invariants: pure; never mutates its input; the answer depends on input order only through age order.
 *
 * Not modelled: PeerAuthentications from the namespaces of a workload's Services when those differ from
 * its own; `targetRefs`; ambient.
 */
import type { FieldPath, Resource } from './resource.ts';
import type { Labels } from './selectors.ts';

export type PeerMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
type PeerAuthentication = Resource<'PeerAuthentication'>;

/** A mode and what set it; `policy` null: no PeerAuthentication (Istio's default, PERMISSIVE). */
export interface PeerModeSource {
  readonly mode: PeerMode;
  readonly policy: PeerAuthentication | null;
  /** The field that set it (`spec.mtls.mode`, `spec.portLevelMtls.<port>.mode`); [] for the default. */
  readonly path: FieldPath;
}

export interface ComposedPeerModes {
  /** The mode for ports without a port-level setting. */
  readonly base: PeerModeSource;
  /** Target port → mode, from the workload-level policy's portLevelMtls. */
  readonly ports: ReadonlyMap<number, PeerModeSource>;
  /** The workload-level policy (the only one whose portLevelMtls counts), or null. */
  readonly workloadPolicy: PeerAuthentication | null;
}

const DEFAULT_MODE: PeerModeSource = { mode: 'PERMISSIVE', policy: null, path: [] };

/** Mode as written; no `mtls` block or mode is UNSET: null (policy_applier.go isMtlsModeUnset). */
function modeOf(mtls: { mode?: string } | null | undefined): PeerMode | null {
  const mode = mtls?.mode;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : null;
}

export function hasSelector(pa: PeerAuthentication): boolean {
  return Object.keys(pa.spec.selector?.matchLabels ?? {}).length > 0;
}

export function selectsLabels(pa: PeerAuthentication, labels: Labels): boolean {
  return Object.entries(pa.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * The composed modes for a workload in `namespace` with `labels` (pass no labels to get the namespace
 * and mesh levels alone, as Istio's service-level mTLS hint reads them).
 */
export function composePeerAuthentication(peerAuthentications: readonly PeerAuthentication[], namespace: string, labels: Labels | null, rootNamespace: string): ComposedPeerModes {
  const unselected = (ns: string) => peerAuthentications.find((pa) => pa.namespace === ns && !hasSelector(pa)) ?? null;
  const mesh = unselected(rootNamespace);
  const own = namespace === rootNamespace ? null : unselected(namespace);
  let base = DEFAULT_MODE;
  for (const pa of [mesh, own]) {
    const mode = pa === null ? null : modeOf(pa.spec.mtls);
    // Rule: UNSET inherits the parent ("inheritance: default mesh").
    if (pa !== null && mode !== null) base = { mode, policy: pa, path: ['spec', 'mtls', 'mode'] };
  }
  const workloadPolicy = labels === null || namespace === rootNamespace
    ? null
    : peerAuthentications.find((pa) => pa.namespace === namespace && hasSelector(pa) && selectsLabels(pa, labels)) ?? null;
  const ports = new Map<number, PeerModeSource>();
  if (workloadPolicy === null) return { base, ports, workloadPolicy };
  const wlMode = modeOf(workloadPolicy.spec.mtls);
  // Rule: the workload-level mode overrides its parents unless UNSET ("inheritance: namespace to workload").
  if (wlMode !== null) base = { mode: wlMode, policy: workloadPolicy, path: ['spec', 'mtls', 'mode'] };
  for (const [port, setting] of Object.entries(workloadPolicy.spec.portLevelMtls ?? {})) {
    const portMode = modeOf(setting);
    // Rule: a port's UNSET inherits the workload's effective mode (TestComposePeerAuthentication "port level").
    ports.set(Number(port), portMode === null ? base : { mode: portMode, policy: workloadPolicy, path: ['spec', 'portLevelMtls', port, 'mode'] });
  }
  return { base, ports, workloadPolicy };
}
