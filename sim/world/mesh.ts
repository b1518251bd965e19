/**
 * The composition root for a mesh at rest: manifests → (validated) resources → ConfigStore → topology →
 * PushContext, and each proxy's compiled config on demand (cached: generation is pure).
 *
 * Invariants: a Mesh never changes after construction; two meshes built from the same input are equal;
 * resources with errors are left out, as the API server would refuse them.
 *
 * Not modelled: time (config changes arrive with the event loop); MeshConfig fields beyond those in
 * sim/config/mesh-config.ts.
 */
import { validateManifests } from '../analysis/validate-manifests.ts';
import type { ValidateOptions, ValidateResult } from '../analysis/validate-manifests.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { ManifestSource } from '../config/parse-manifests.ts';
import { ConfigStore } from '../config/store.ts';
import { pushContextFromStore } from '../controlplane/push-context.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import { MESH_CONFIG_DEFAULT, meshConfigOf } from '../config/mesh-config.ts';
import type { MeshConfig } from '../config/mesh-config.ts';
import { generateProxyConfig, proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import { MESH_SETTINGS_DEFAULT } from '../topology/model.ts';
import type { PodInfo, Topology } from '../topology/model.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { WORKLOAD_CERT_TTL_DEFAULT_US, caRoot } from '../controlplane/ca.ts';
import type { CaRoot, CaSettings } from '../controlplane/ca.ts';
import type { AnyResource } from '../config/resource.ts';

/** The `cacerts` Secret in istiod's namespace (bring your own root): its data, decoded, or null. */
function cacertsOf(resources: readonly AnyResource[], istiodNamespace: string): Record<string, string> | null {
  const secret = resources.find((r) => r.kind === 'Secret' && r.name === 'cacerts' && r.namespace === istiodNamespace);
  if (secret === undefined) return null;
  const out: Record<string, string> = {};
  const data = (secret.body['data'] ?? {}) as Record<string, unknown>;
  const stringData = (secret.body['stringData'] ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(data)) if (typeof value === 'string') out[key] = value;
  for (const [key, value] of Object.entries(stringData)) if (typeof value === 'string') out[key] = value;
  return out;
}

export interface MeshOptions extends ValidateOptions {
  readonly mesh?: Partial<MeshConfig>;
}

export interface Mesh {
  readonly store: ConfigStore;
  /** istiod's CA: the signing root (its own, or the plugged-in `cacerts` one) and certificate settings. */
  readonly ca: { readonly root: CaRoot; readonly settings: CaSettings };
  readonly topology: Topology;
  readonly push: PushContext;
  readonly diagnostics: readonly Diagnostic[];
  /** The compiled config of the proxy in `pod` (sidecar or gateway); null for a pod without a proxy. */
  proxyConfig(pod: PodInfo): ProxyConfig | null;
}

/** What istiod starts from: the validated manifests and the MeshConfig it resolves from them. */
export interface LoadedMesh {
  readonly validated: ValidateResult;
  readonly mesh: MeshConfig;
}

/**
 * Validates the manifests and resolves MeshConfig as istiod does: its defaults, the cluster's trust
 * domain and suffix, the `istio` ConfigMap in the root namespace, then `options.mesh`. A trustDomain
 * given in options is the mesh's, so identities are issued in it (as the ConfigMap's would be).
 */
export function loadMesh(sources: readonly ManifestSource[], options: MeshOptions = {}): LoadedMesh {
  const trustDomain = options.mesh?.trustDomain;
  const validated = validateManifests(sources, trustDomain === undefined ? options : { ...options, settings: { ...(options.settings ?? MESH_SETTINGS_DEFAULT), trustDomain } });
  const settings = validated.topology.settings;
  const fromConfigMap = meshConfigOf(validated.allResources, settings.rootNamespace);
  const mesh: MeshConfig = {
    ...MESH_CONFIG_DEFAULT,
    rootNamespace: settings.rootNamespace,
    trustDomain: settings.trustDomain,
    domainSuffix: settings.domainSuffix,
    ...(fromConfigMap?.config ?? {}),
    ...options.mesh,
  };
  return { validated, mesh };
}

export function buildMesh(sources: readonly ManifestSource[], options: MeshOptions = {}): Mesh {
  const { validated, mesh } = loadMesh(sources, options);
  const store = new ConfigStore();
  for (const resource of validated.allResources) store.apply(resource);
  const topology = validated.topology;
  const push = pushContextFromStore(store, topology, mesh);
  const cache = new Map<string, ProxyConfig>();
  const ca = {
    root: caRoot(cacertsOf(validated.allResources, topology.settings.rootNamespace)),
    settings: { trustDomain: mesh.trustDomain, trustDomainAliases: mesh.trustDomainAliases, workloadCertTtlUs: WORKLOAD_CERT_TTL_DEFAULT_US },
  };
  return {
    store,
    ca,
    topology,
    push,
    diagnostics: validated.diagnostics,
    proxyConfig(pod) {
      if (pod.proxy === 'none') return null;
      const key = `${pod.namespace}/${pod.name}`;
      let config = cache.get(key);
      if (config === undefined) {
        config = generateProxyConfig(push, proxyIdentityOf(pod));
        cache.set(key, config);
      }
      return config;
    },
  };
}
