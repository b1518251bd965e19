/**
 * `validate` as a library call: load the user's manifests next to what the chosen Istio install
 * profile puts in the cluster, build the topology, run the analyzers over the whole set, and return
 * every diagnostic about the user's files in a stable order.
 *
 * Invariants: pure. A result is remembered per sources list (by identity) and options (by value, the
 * `mesh` of a run's options aside): a scenario's t=0 mesh is checked when the scenario loads and again
 * when its run starts, and the second check is the first one's answer. Results are never changed by
 * their readers.
 *
 * Not modelled: istioctl's namespace filter (it prints only the selected namespace's messages by
 * default; meshsim prints every namespace's).
 */
import { loadManifests } from '../config/load-resources.ts';
import type { LoadOptions } from '../config/load-resources.ts';
import { sortDiagnostics } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { installManifests } from '../config/install-profile.ts';
import type { InstallProfile } from '../config/install-profile.ts';
import type { ManifestSource } from '../config/parse-manifests.ts';
import type { AnyResource } from '../config/resource.ts';
import { resourceKey } from '../config/resource.ts';
import { meshConfigOf } from '../config/mesh-config.ts';
import { stableStringify } from '../core/hash.ts';
import { buildTopology } from '../topology/build-topology.ts';
import { MESH_SETTINGS_DEFAULT } from '../topology/model.ts';
import type { MeshSettings, Topology } from '../topology/model.ts';
import { HostIndex } from './context.ts';
import { fitPodAddresses } from './pod-addresses.ts';
import type { AnalysisContext, Analyzer } from './context.ts';
import { analyzeDestinationRules } from './destination-rule.ts';
import { analyzeConflicts } from './conflicts.ts';
import { analyzeGateways } from './gateway.ts';
import { analyzeMeshConfig } from './mesh-config.ts';
import { analyzeNamespaces, analyzePortNames } from './namespaces.ts';
import { analyzeSecurity } from './security.ts';
import { analyzeSelectors } from './selectors.ts';
import { analyzeVirtualServices } from './virtual-service.ts';

export interface ValidateOptions extends LoadOptions {
  /** What Istio install the manifests are applied to (default: `default`). */
  readonly profile?: InstallProfile;
  readonly settings?: MeshSettings;
  /** Labels to add to namespaces, as `kubectl label namespace NS key=value` before applying. */
  readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ValidateResult {
  /** The user's resources that loaded (the install profile's are not included). */
  readonly resources: AnyResource[];
  /** Everything the mesh holds: the install profile's resources, then the user's, in input order. */
  readonly allResources: AnyResource[];
  readonly topology: Topology;
  readonly diagnostics: Diagnostic[];
}

const ANALYZERS: readonly Analyzer[] = [
  analyzeVirtualServices,
  analyzeDestinationRules,
  analyzeSelectors,
  analyzeNamespaces,
  analyzePortNames,
  analyzeGateways,
  analyzeConflicts,
  analyzeMeshConfig,
  analyzeSecurity,
];

const remembered = new WeakMap<readonly ManifestSource[], Map<string, ValidateResult>>();

export function validateManifests(sources: readonly ManifestSource[], options: ValidateOptions = {}): ValidateResult {
  // `settings` absent and `settings` equal to the defaults differ (the first reads the istio ConfigMap's trust domain).
  const key = stableStringify([options.profile ?? null, options.settings ?? null, options.namespaceLabels ?? null, options.defaultNamespace ?? null]);
  let bySettings = remembered.get(sources);
  if (bySettings === undefined) remembered.set(sources, bySettings = new Map());
  let result = bySettings.get(key);
  if (result === undefined) bySettings.set(key, result = validate(sources, options));
  return result;
}

function validate(sources: readonly ManifestSource[], options: ValidateOptions): ValidateResult {
  const base = options.settings ?? MESH_SETTINGS_DEFAULT;
  const install = installManifests(options.profile ?? 'default', base.rootNamespace);
  const user = loadManifests(sources, options);
  // The user's own resources replace the install's (e.g. their own istio-ingressgateway Deployment).
  const userKeys = new Set(user.resources.map(resourceKey));
  const builtInResources = install === null ? [] : loadManifests([install]).resources.filter((r) => !userKeys.has(resourceKey(r)));
  const builtInSet = new Set<AnyResource>(builtInResources);
  const builtIn = (r: AnyResource) => builtInSet.has(r);
  const fitted = fitPodAddresses([...builtInResources, ...user.resources], base);
  const loaded = { resources: [...fitted.resources], diagnostics: [...user.diagnostics, ...fitted.diagnostics] };
  // istiod's CA signs identities in MeshConfig's trustDomain: the `istio` ConfigMap's, unless settings are given.
  const configured = options.settings === undefined ? meshConfigOf(loaded.resources, base.rootNamespace)?.config.trustDomain : undefined;
  const settings: MeshSettings = configured === undefined ? base : { ...base, trustDomain: configured };
  const topology = buildTopology(loaded.resources, settings, options.namespaceLabels);
  const context: AnalysisContext = { resources: loaded.resources, topology, hosts: new HostIndex(topology.services), builtIn };
  const diagnostics = [...loaded.diagnostics, ...ANALYZERS.flatMap((analyze) => analyze(context))]
    .filter((d) => d.file !== install?.path);
  return {
    resources: loaded.resources.filter((r) => !builtIn(r)),
    allResources: loaded.resources,
    topology,
    diagnostics: sortDiagnostics(diagnostics),
  };
}
