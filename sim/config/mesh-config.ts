/**
 * The mesh-wide settings istiod reads from MeshConfig, with Istio's defaults.
 *
 * `extensionProviders` are read as written (name, kind, and for the ext_authz kinds the fields that
 * decide a request: service, port, failOpen, statusOnError, plus what istiod checks: pathPrefix and the
 * header lists); istiod checks their values only when a CUSTOM policy uses them
 * (sim/controlplane/ext-authz-providers.ts), so here only a wrong type is a problem. Ports may be
 * numbers or numeric strings, as protobuf JSON reads a uint32.
 *
 * `localityLbSetting` is read as written (enabled, distribute, failover, failoverPriority), each part
 * type-checked; absent, it is Istio's default `{enabled: true}` (sim/controlplane/translate-locality.ts
 * applies that default, so MESH_CONFIG_DEFAULT lists only the fields a scenario's meshConfig reads).
 *
 * Invariants: plain data; every field has Istio's default when the user sets nothing.
 *
 * `pathNormalization.normalization` and `defaultConfig.gatewayTopology.numTrustedProxies` are read as
 * Istio writes them (a pod's `proxy.istio.io/config` annotation overrides the latter for its gateway).
 *
 * Not modelled: MeshConfig fields meshsim does not use (they are read past, not checked); proxy
 * defaultConfig beyond gatewayTopology.numTrustedProxies; zoneAwareLbSetting; Istio's value checks of
 * localityLbSetting (locality patterns, weights summing to 100); the settings of non-ext_authz
 * extension providers (tracing, access logs, metrics: only their kind is kept).
 */
import { parse } from 'yaml';
import type { AnyResource } from './resource.ts';

export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

/** The header lists of an envoyExtAuthzHttp provider that istiod checks for a lone `*`. */
export const EXT_AUTHZ_HEADER_LISTS = ['includeRequestHeadersInCheck', 'includeHeadersInCheck', 'headersToUpstreamOnAllow',
  'headersToDownstreamOnDeny', 'headersToDownstreamOnAllow'] as const;

/** A MeshConfig `extensionProviders` entry. */
export type ExtensionProvider =
  | ExtAuthzProviderConfig
  /** Tracing, metrics, access-log and other providers: the key that names the kind (`zipkin`, …), or '' when none. */
  | { readonly name: string; readonly kind: 'other'; readonly type: string };

/** An envoyExtAuthzHttp / envoyExtAuthzGrpc entry, as written. */
export interface ExtAuthzProviderConfig {
  readonly name: string;
  readonly kind: 'envoyExtAuthzHttp' | 'envoyExtAuthzGrpc';
  /** `host`, `ns/host` or an IP, as written ('' when absent). */
  readonly service: string;
  /** 0 when absent or unreadable. */
  readonly port: number;
  readonly failOpen: boolean;
  /** As written ('' when absent): istiod parses it when it builds the filter. */
  readonly statusOnError: string;
  readonly pathPrefix: string;
  readonly headerLists: Readonly<Partial<Record<(typeof EXT_AUTHZ_HEADER_LISTS)[number], readonly string[]>>>;
}

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
  /** MeshConfig extensionProviders, in the order written (CUSTOM AuthorizationPolicies name them). */
  readonly extensionProviders: readonly ExtensionProvider[];
  /** MeshConfig localityLbSetting (Istio's default `{enabled: true}`). */
  readonly localityLbSetting: LocalityLbSettingSpec;
  /** MeshConfig pathNormalization (Istio's DEFAULT is BASE): how every HTTP connection manager normalizes paths. */
  readonly pathNormalization: { readonly normalization: PathNormalizationMode };
  /** MeshConfig defaultConfig (ProxyConfig): only gatewayTopology.numTrustedProxies is read. */
  readonly defaultConfig: ProxyConfigSpec;
}

export type PathNormalizationMode = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

/** The part of a ProxyConfig meshsim reads (MeshConfig defaultConfig, the `proxy.istio.io/config` annotation). */
export interface ProxyConfigSpec {
  readonly gatewayTopology?: { readonly numTrustedProxies?: number };
}

/** Istio's LocalityLoadBalancerSetting as written (MeshConfig, or a DestinationRule's loadBalancer). */
export interface LocalityLbSettingSpec {
  readonly enabled?: boolean | null;
  readonly distribute?: readonly { readonly from?: string; readonly to?: Readonly<Record<string, number>> | null }[] | null;
  readonly failover?: readonly { readonly from?: string; readonly to?: string }[] | null;
  readonly failoverPriority?: readonly string[] | null;
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
  extensionProviders: [],
  localityLbSetting: { enabled: true },
  pathNormalization: { normalization: 'BASE' },
  defaultConfig: {},
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
  if (v['extensionProviders'] !== undefined) {
    const providers = readExtensionProviders(v['extensionProviders'], problems);
    if (providers !== null) config.extensionProviders = providers;
  }
  const normalizationBlock = v['pathNormalization'];
  const normalization = (normalizationBlock as { normalization?: unknown } | null | undefined)?.normalization;
  if (normalizationBlock !== undefined && normalizationBlock !== null && (typeof normalizationBlock !== 'object' || Array.isArray(normalizationBlock))) {
    problems.push({ field: 'pathNormalization', message: 'pathNormalization must be a mapping: {normalization: MODE}' });
  } else if (normalization !== undefined) {
    // MeshConfig.ProxyPathNormalization: DEFAULT is BASE.
    const mode = normalization === 'DEFAULT' ? 'BASE' : normalization;
    if (mode === 'NONE' || mode === 'BASE' || mode === 'MERGE_SLASHES' || mode === 'DECODE_AND_MERGE_SLASHES') config.pathNormalization = { normalization: mode };
    else problems.push({ field: 'pathNormalization.normalization', message: `pathNormalization.normalization must be DEFAULT, NONE, BASE, MERGE_SLASHES or DECODE_AND_MERGE_SLASHES, not ${JSON.stringify(normalization)}` });
  }
  if (v['defaultConfig'] !== undefined && v['defaultConfig'] !== null) {
    const proxy = readProxyConfig(v['defaultConfig'], 'defaultConfig', problems);
    if (proxy !== null) config.defaultConfig = proxy;
  }
  if (v['localityLbSetting'] !== undefined && v['localityLbSetting'] !== null) {
    const setting = readLocalityLbSetting(v['localityLbSetting'], problems);
    if (setting !== null) config.localityLbSetting = setting;
  }
  return { config, problems };
}

/**
 * A ProxyConfig (MeshConfig defaultConfig, or a pod's `proxy.istio.io/config` annotation): its
 * gatewayTopology.numTrustedProxies, a uint32 (a number or a numeric string, as protobuf JSON reads it).
 */
export function readProxyConfig(value: unknown, at: string, problems: MeshConfigProblem[]): ProxyConfigSpec | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field: at, message: `${at} must be a mapping (a ProxyConfig)` });
    return null;
  }
  const topology = (value as Record<string, unknown>)['gatewayTopology'];
  if (topology === undefined || topology === null) return {};
  const raw = typeof topology === 'object' && !Array.isArray(topology) ? (topology as Record<string, unknown>)['numTrustedProxies'] : topology;
  if (raw === undefined || raw === null) return { gatewayTopology: {} };
  const count = typeof raw === 'string' && /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > 4294967295) {
    problems.push({ field: `${at}.gatewayTopology.numTrustedProxies`, message: `${at}.gatewayTopology.numTrustedProxies must be a whole number of proxies` });
    return null;
  }
  return { gatewayTopology: { numTrustedProxies: count } };
}

/** A pod's `proxy.istio.io/config` annotation (ProxyConfig as YAML), or null when it is absent or unreadable. */
export function proxyConfigAnnotation(annotations: Readonly<Record<string, string>>): ProxyConfigSpec | null {
  const text = annotations['proxy.istio.io/config'];
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    return null;
  }
  return readProxyConfig(value ?? {}, 'proxy.istio.io/config', []);
}

/** `localityLbSetting`: a mapping whose parts have protobuf's types; any wrong part makes it unread. */
function readLocalityLbSetting(value: unknown, problems: MeshConfigProblem[]): LocalityLbSettingSpec | null {
  const at = 'localityLbSetting';
  const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isMap(value)) {
    problems.push({ field: at, message: `${at} must be a mapping (enabled, distribute, failover, failoverPriority)` });
    return null;
  }
  const before = problems.length;
  const fail = (field: string, message: string) => problems.push({ field: `${at}.${field}`, message: `${at}.${field} ${message}` });
  if (value['enabled'] !== undefined && value['enabled'] !== null && typeof value['enabled'] !== 'boolean') fail('enabled', 'must be true or false');
  const list = (field: string): unknown[] => {
    const x = value[field];
    if (x === undefined || x === null) return [];
    if (Array.isArray(x)) return x;
    fail(field, 'must be a list');
    return [];
  };
  const text = (x: unknown) => x === undefined || typeof x === 'string';
  list('distribute').forEach((d, i) => {
    const to = isMap(d) ? d['to'] : undefined;
    if (!isMap(d) || !text(d['from']) || !(to === undefined || to === null || (isMap(to) && Object.values(to).every((w) => Number.isSafeInteger(w) && (w as number) >= 0)))) {
      fail(`distribute[${i}]`, 'must be {from: locality, to: {locality: weight}} with whole-number weights');
    }
  });
  list('failover').forEach((f, i) => {
    if (!isMap(f) || !text(f['from']) || !text(f['to'])) fail(`failover[${i}]`, 'must be {from: region, to: region}');
  });
  if (!list('failoverPriority').every((l) => typeof l === 'string')) fail('failoverPriority', 'must be a list of label names');
  return problems.length > before ? null : value as LocalityLbSettingSpec;
}

/** `extensionProviders`: a list of mappings; wrongly typed fields are problems and read as absent. */
function readExtensionProviders(value: unknown, problems: MeshConfigProblem[]): ExtensionProvider[] | null {
  if (!Array.isArray(value)) {
    problems.push({ field: 'extensionProviders', message: 'extensionProviders must be a list of providers' });
    return null;
  }
  return value.map((entry: unknown, index) => {
    const at = `extensionProviders[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push({ field: at, message: `${at} must be a mapping with a name and one provider` });
      return { name: '', kind: 'other', type: '' };
    }
    const e = entry as Record<string, unknown>;
    const name = typeof e['name'] === 'string' ? e['name'] : '';
    if (e['name'] !== undefined && typeof e['name'] !== 'string') problems.push({ field: `${at}.name`, message: `${at}.name must be a string` });
    const kind = (['envoyExtAuthzHttp', 'envoyExtAuthzGrpc'] as const).find((k) => e[k] !== undefined && e[k] !== null);
    if (kind === undefined) return { name, kind: 'other', type: Object.keys(e).find((k) => k !== 'name') ?? '' };
    return readExtAuthz(name, kind, e[kind], `${at}.${kind}`, problems);
  });
}

function readExtAuthz(name: string, kind: 'envoyExtAuthzHttp' | 'envoyExtAuthzGrpc', value: unknown, at: string, problems: MeshConfigProblem[]): ExtensionProvider {
  const p = (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  if (p !== value) problems.push({ field: at, message: `${at} must be a mapping` });
  const text = (field: string): string => {
    const x = p[field];
    if (x === undefined || typeof x === 'string') return x ?? '';
    problems.push({ field: `${at}.${field}`, message: `${at}.${field} must be a string` });
    return '';
  };
  // protobuf JSON reads a uint32 from a number or a numeric string (Istio's ext-authz task writes "9000").
  const rawPort = p['port'];
  let port = 0;
  if (typeof rawPort === 'number' && Number.isInteger(rawPort) && rawPort >= 0) port = rawPort;
  else if (typeof rawPort === 'string' && /^[0-9]+$/.test(rawPort)) port = Number(rawPort);
  else if (rawPort !== undefined) problems.push({ field: `${at}.port`, message: `${at}.port must be a port number` });
  if (p['failOpen'] !== undefined && typeof p['failOpen'] !== 'boolean') problems.push({ field: `${at}.failOpen`, message: `${at}.failOpen must be true or false` });
  const headerLists: Partial<Record<(typeof EXT_AUTHZ_HEADER_LISTS)[number], readonly string[]>> = {};
  for (const field of kind === 'envoyExtAuthzHttp' ? EXT_AUTHZ_HEADER_LISTS : []) {
    const x = p[field];
    if (x === undefined) continue;
    if (Array.isArray(x) && x.every((h) => typeof h === 'string')) headerLists[field] = x as string[];
    else problems.push({ field: `${at}.${field}`, message: `${at}.${field} must be a list of header names` });
  }
  return {
    name, kind, service: text('service'), port, failOpen: p['failOpen'] === true,
    statusOnError: text('statusOnError'), pathPrefix: kind === 'envoyExtAuthzHttp' ? text('pathPrefix') : '', headerLists,
  };
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
