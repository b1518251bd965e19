/**
 * The mesh-wide settings istiod reads from MeshConfig, with Istio's defaults.
 *
 * Invariants: plain data; every field has Istio's default when the user sets nothing.
 *
 * Not modelled: MeshConfig fields meshsim does not use (they are read past, not checked); proxy
 * defaultConfig beyond what routing uses; locality load-balancer defaults.
 */
import { parse } from 'yaml';
import type { AnyResource } from './resource.ts';

export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface MeshConfig {
  readonly rootNamespace: string;
  readonly trustDomain: string;
  /** Other trust domains whose identities count as this mesh's (MeshConfig trustDomainAliases). */
  readonly trustDomainAliases: readonly string[];
  readonly domainSuffix: string;
  /** What sidecars do with traffic to hosts outside the registry (Istio default ALLOW_ANY). */
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  readonly enableAutoMtls: boolean;
  /** Default exportTo of VirtualServices, DestinationRules and Services (Istio default "*"). */
  readonly defaultVirtualServiceExportTo: readonly string[];
  readonly defaultDestinationRuleExportTo: readonly string[];
  readonly defaultServiceExportTo: readonly string[];
}

export const MESH_CONFIG_DEFAULT: MeshConfig = {
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  trustDomainAliases: [],
  domainSuffix: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  enableAutoMtls: true,
  defaultVirtualServiceExportTo: ['*'],
  defaultDestinationRuleExportTo: ['*'],
  defaultServiceExportTo: ['*'],
};

export interface MeshConfigProblem {
  /** Dotted path inside the mesh config text (`outboundTrafficPolicy.mode`). */
  readonly field: string;
  readonly message: string;
}

export interface MeshConfigReading {
  readonly config: Partial<MeshConfig>;
  readonly problems: readonly MeshConfigProblem[];
}

/** The ConfigMap istiod reads its MeshConfig from (`data.mesh`), in istiod's namespace. */
export const MESH_CONFIG_MAP = 'istio';

/**
 * Reads the MeshConfig YAML of the `istio` ConfigMap's `mesh` key, as istiod does: fields it does not
 * know are left alone (MeshConfig has many); fields meshsim uses are type-checked.
 */
export function readMeshConfig(text: string): MeshConfigReading {
  const problems: MeshConfigProblem[] = [];
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    return { config: {}, problems: [{ field: '', message: `the mesh config is not valid YAML: ${(error as Error).message.split('\n')[0]}` }] };
  }
  if (value === null || value === undefined) return { config: {}, problems };
  if (typeof value !== 'object' || Array.isArray(value)) return { config: {}, problems: [{ field: '', message: 'the mesh config must be a YAML mapping' }] };
  const v = value as Record<string, unknown>;
  const config: { -readonly [K in keyof MeshConfig]?: MeshConfig[K] } = {};
  const text_ = (field: string): string | undefined => {
    const x = v[field];
    if (x === undefined) return undefined;
    if (typeof x === 'string' && x !== '') return x;
    problems.push({ field, message: `${field} must be a non-empty string` });
    return undefined;
  };
  const root = text_('rootNamespace');
  if (root !== undefined) config.rootNamespace = root;
  const trust = text_('trustDomain');
  if (trust !== undefined) config.trustDomain = trust;
  if (v['enableAutoMtls'] !== undefined) {
    if (typeof v['enableAutoMtls'] === 'boolean') config.enableAutoMtls = v['enableAutoMtls'];
    else problems.push({ field: 'enableAutoMtls', message: 'enableAutoMtls must be true or false' });
  }
  const policy = v['outboundTrafficPolicy'] as { mode?: unknown } | undefined;
  if (policy !== undefined) {
    if (policy.mode === 'ALLOW_ANY' || policy.mode === 'REGISTRY_ONLY') config.outboundTrafficPolicy = policy.mode;
    else if (policy.mode !== undefined) problems.push({ field: 'outboundTrafficPolicy.mode', message: `outboundTrafficPolicy.mode must be ALLOW_ANY or REGISTRY_ONLY, not ${JSON.stringify(policy.mode)}` });
  }
  for (const field of ['trustDomainAliases', 'defaultServiceExportTo', 'defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo'] as const) {
    const x = v[field];
    if (x === undefined) continue;
    if (Array.isArray(x) && x.every((e) => typeof e === 'string')) config[field] = x as string[];
    else problems.push({ field, message: field === 'trustDomainAliases' ? 'trustDomainAliases must be a list of trust domains' : `${field} must be a list of namespaces ("*", "." or names)` });
  }
  return { config, problems };
}

/** The `istio` ConfigMap in istiod's namespace, if the manifests carry one, and what it says. */
export function meshConfigOf(resources: readonly AnyResource[], istiodNamespace: string): (MeshConfigReading & { readonly resource: AnyResource }) | null {
  const map = resources.find((r) => r.kind === 'ConfigMap' && r.name === MESH_CONFIG_MAP && r.namespace === istiodNamespace);
  if (map === undefined) return null;
  const data = map.body['data'] as Record<string, unknown> | undefined;
  const mesh = data?.['mesh'];
  if (mesh === undefined) return { config: {}, problems: [], resource: map };
  if (typeof mesh !== 'string') return { config: {}, problems: [{ field: '', message: 'data.mesh must be the MeshConfig as a YAML string' }], resource: map };
  return { ...readMeshConfig(mesh), resource: map };
}
