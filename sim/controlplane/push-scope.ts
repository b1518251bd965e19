/**
 * Push scope: which proxies a push reaches and which xDS types it regenerates for each, as istiod decides
 * (Istio @86c9f01, 2026-08). Pure: the caller hands in the request, the proxy and what the proxy's scope
 * depends on (`ProxyScope`; proxy-scope.ts `proxyScopeFrom` builds one from a PushContext + SidecarScope).
 *
 * Rules (Istio source in pilot/pkg):
 * - Forced requests (global pushes: mesh config, networks, a proxy connecting) reach every proxy and
 *   regenerate every type in full (xds/xdsgen.go xdsNeedsPush; xds/proxy_dependencies.go).
 * - Otherwise the request is narrowed per proxy to the configs it depends on (filterRelevantUpdates) and
 *   the proxy is pushed iff something is left (DefaultProxyNeedsPush). A config is relevant when
 *   (proxyDependentOnConfig): not of a kind the proxy type ignores (UnAffectedConfigKinds: Sidecar for
 *   gateways, Gateway for sidecars); for sidecars, per SidecarScope.DependsOnConfig (model/sidecar.go) on
 *   the current or previous scope: EnvoyFilter, AuthorizationPolicy, RequestAuthentication, WasmPlugin,
 *   Telemetry only in the root or the proxy's config namespace; ServiceEntry, Endpoints, VirtualService,
 *   DestinationRule, Sidecar, PeerAuthentication only when the scope lists them (imported services and
 *   their endpoints, the mesh VirtualServices the egress hosts select, the DestinationRules of imported
 *   services, PeerAuthentications of the root, config and imported-service namespaces, the Sidecar
 *   itself); any other kind (WorkloadEntry, Secret, …) always; for gateways every kind except a
 *   ServiceEntry the gateway cannot see. An update to a service that selects the proxy (ServiceTargets)
 *   is always relevant.
 * - Per type, on the narrowed request, in Istio's order CDS, EDS, LDS, RDS (xds/ads.go PushOrder):
 *   CDS unless every kind is in skippedCdsConfigs (gateways also push on Gateway) (xds/cds.go);
 *   EDS if some kind is outside skippedEdsConfigs, regenerating only the affected clusters when every kind
 *   is delta-aware (Endpoints, ServiceEntry, DestinationRule, non-root PeerAuthentication), else all
 *   watched clusters; nothing is sent when no watched cluster is affected (xds/eds.go buildEndpoints);
 *   LDS unless every kind is in skippedLdsConfigs[type], PeerAuthentication only from the root or config
 *   namespace (xds/lds.go); RDS unless every kind is in skippedRdsConfigs, Gateway only for gateways
 *   (xds/rds.go). Headless endpoint pushes (reason `headlessendpoint` without `service`, ServiceEntry
 *   keys only) skip CDS and RDS, and LDS on gateways.
 * So: VirtualService → CDS LDS RDS; DestinationRule → CDS EDS(partial) LDS RDS; ServiceEntry → all four;
 * Endpoints → EDS (partial); Sidecar → CDS LDS RDS (sidecars only); Gateway → CDS LDS RDS (gateways
 * only); PeerAuthentication → CDS EDS LDS (EDS full and LDS everywhere when in the root namespace; LDS
 * only for proxies of its namespace otherwise); AuthorizationPolicy → LDS; RequestAuthentication → LDS;
 * WorkloadEntry → EDS (full); Secret → none of the four (SDS).
 *
 * `full: false` is the incremental EDS push of Istio ≤1.30 (PushRequest.Full, removed by #59808): its keys
 * name services and are read as Endpoints keys, which is how Istio at HEAD spells the same push.
 *
 * Invariants: pure; types come out in CDS, EDS, LDS, RDS order; a forced request pushes every type.
 *
 * Not modelled: ambient (waypoints, ztunnel, Address), delta xDS subscriptions, SDS/NDS/ECDS, the
 * self-discovery cluster, PILOT_FILTER_GATEWAY_CLUSTER_CONFIG, cdsNeedsPush's merged-gateway check (moot:
 * a Gateway key already makes CDS relevant for gateways), VirtualService destinations imported into a
 * Sidecar scope (collectImportedServices), DestinationRule merging (one per host), resource subscriptions
 * (a forced push sends CDS, LDS and RDS to every proxy, EDS when it watches a cluster).
 */
import type { ProxyType } from '../xds/proxy-config.ts';
import { addTo } from '../core/group.ts';

/** Istio's config kinds (pkg/config/schema/kind) that reach the push logic. Kubernetes Services are `ServiceEntry`. */
export type ConfigKind =
  | 'VirtualService' | 'DestinationRule' | 'Gateway' | 'ServiceEntry' | 'Sidecar' | 'PeerAuthentication'
  | 'AuthorizationPolicy' | 'RequestAuthentication' | 'WorkloadEntry' | 'WorkloadGroup' | 'Secret' | 'Endpoints'
  | 'EnvoyFilter' | 'Telemetry' | 'WasmPlugin' | 'ProxyConfig';

/** Istio's ConfigKey; for ServiceEntry and Endpoints the name is the service host name. */
export interface ConfigKey {
  readonly kind: ConfigKind;
  readonly namespace: string;
  readonly name: string;
}

/** Istio's TriggerReason values (model/push_context.go). */
export type TriggerReason = 'endpoint' | 'headlessendpoint' | 'config' | 'service' | 'proxy' | 'global' | 'secret' | 'namespace' | 'networks' | 'unknown' | 'proxyrequest';

export interface PushRequest {
  /** false: an incremental endpoint push (Istio ≤1.30 `Full: false`); its keys name the changed services. */
  readonly full: boolean;
  /** Istio's `Forced`: every proxy, every type, regenerated in full. */
  readonly forced?: boolean;
  readonly configsUpdated: readonly ConfigKey[];
  readonly reasons: readonly TriggerReason[];
  /** MeshConfig rootNamespace of the push context the request carries. */
  readonly rootNamespace: string;
}

export interface ServiceRef {
  readonly hostname: string;
  readonly namespace: string;
}

export interface PushProxy {
  readonly type: ProxyType;
  readonly namespace: string;
  /** Istio's ConfigNamespace: whose Sidecar and namespace-scoped policies apply (the pod's namespace). */
  readonly configNamespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Services that select this proxy (Istio's ServiceTargets): an update to one always reaches it. */
  readonly serviceTargets: readonly ServiceRef[];
}

/** A service whose EDS clusters the proxy watches, with the DestinationRules (`ns/name`) applied to it. */
export interface WatchedService extends ServiceRef {
  readonly destinationRules: readonly string[];
}

/**
 * What the proxy's scope depends on, current and previous push together (Istio checks SidecarScope and
 * PrevSidecarScope). `dependsOn` is asked, for sidecars, about ServiceEntry, Endpoints, VirtualService,
 * DestinationRule, Sidecar and PeerAuthentication keys (SidecarScope.configDependencies); for gateways,
 * about ServiceEntry keys only (is the host among the services the gateway's default scope holds).
 */
export interface ProxyScope {
  dependsOn(key: ConfigKey): boolean;
  readonly watched: readonly WatchedService[];
  /** The watched services with this host name (what `watched` holds for it); by default a scan of `watched`. */
  watchedHost?(hostname: string): readonly WatchedService[];
}

export type XdsType = 'CDS' | 'EDS' | 'LDS' | 'RDS';
/** Istio's PushOrder for the types modelled here (xds/ads.go). */
export const XDS_PUSH_ORDER: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

export interface PushPlan {
  /** The request narrowed to this proxy (filterRelevantUpdates). */
  readonly configsUpdated: readonly ConfigKey[];
  readonly types: readonly XdsType[];
  /** The watched services whose ClusterLoadAssignments EDS regenerates ([] when EDS is not pushed). */
  readonly edsServices: readonly ServiceRef[];
  /** EDS regenerates every watched cluster (not a partial push). */
  readonly edsFull: boolean;
}

// Options Istio reads from its environment; defaults are Istio's.
export interface PushScopeOptions {
  /** PILOT_JWT_ENABLE_REMOTE_JWKS is envoy/hybrid/true (default false = istiod fetches). */
  readonly jwksFetchedByEnvoy?: boolean;
}

type KindSet = ReadonlySet<ConfigKind>;

// model/sidecar.go sidecarScopedKnownConfigTypes / clusterScopedKnownConfigTypes.
const SIDECAR_SCOPED: KindSet = new Set<ConfigKind>(['Endpoints', 'ServiceEntry', 'VirtualService', 'DestinationRule', 'Sidecar', 'PeerAuthentication']);
const CLUSTER_SCOPED: KindSet = new Set<ConfigKind>(['EnvoyFilter', 'AuthorizationPolicy', 'RequestAuthentication', 'WasmPlugin', 'Telemetry']);
// xds/proxy_dependencies.go UnAffectedConfigKinds.
const UNAFFECTED: Readonly<Record<ProxyType, KindSet>> = { router: new Set<ConfigKind>(['Sidecar']), sidecar: new Set<ConfigKind>(['Gateway']) };
// xds/cds.go skippedCdsConfigs.
const SKIPPED_CDS: KindSet = new Set<ConfigKind>(['Gateway', 'WorkloadEntry', 'WorkloadGroup', 'AuthorizationPolicy', 'RequestAuthentication', 'Secret', 'Telemetry', 'WasmPlugin', 'ProxyConfig', 'Endpoints']);
// xds/eds.go skippedEdsConfigs and deltaAwareEdsConfigs.
const SKIPPED_EDS: KindSet = new Set<ConfigKind>(['Gateway', 'VirtualService', 'WorkloadGroup', 'AuthorizationPolicy', 'RequestAuthentication', 'Secret', 'Telemetry', 'WasmPlugin', 'ProxyConfig', 'Sidecar']);
const DELTA_AWARE_EDS: KindSet = new Set<ConfigKind>(['Endpoints', 'ServiceEntry', 'DestinationRule', 'PeerAuthentication']);
// xds/lds.go skippedLdsConfigs (per proxy type).
const SKIPPED_LDS_ROUTER: KindSet = new Set<ConfigKind>(['WorkloadGroup', 'WorkloadEntry', 'Secret', 'ProxyConfig', 'Endpoints']);
const SKIPPED_LDS: Readonly<Record<ProxyType, KindSet>> = { router: SKIPPED_LDS_ROUTER, sidecar: new Set<ConfigKind>([...SKIPPED_LDS_ROUTER, 'Gateway']) };
// xds/rds.go skippedRdsConfigs.
const SKIPPED_RDS: KindSet = new Set<ConfigKind>(['WorkloadEntry', 'WorkloadGroup', 'AuthorizationPolicy', 'RequestAuthentication', 'PeerAuthentication', 'Secret', 'WasmPlugin', 'Telemetry', 'ProxyConfig', 'Endpoints']);

export function configKeyString(key: ConfigKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}

/** The request's keys as Istio at HEAD sees them: an incremental (non-full) push carries Endpoints keys. */
export function normalizedKeys(request: PushRequest): ConfigKey[] {
  // Istio #59808: the `Full: false` ServiceEntry key became an Endpoints key (xds/eds.go EDSUpdate).
  return request.configsUpdated.map((k) => (request.full ? k : { ...k, kind: 'Endpoints' }));
}

/** The request narrowed to what this proxy depends on (xds/proxy_dependencies.go filterRelevantUpdates). */
export function relevantUpdates(request: PushRequest, proxy: PushProxy, scope: ProxyScope): ConfigKey[] {
  const keys = normalizedKeys(request);
  const relevant = keys.filter((k) => proxyDependentOnConfig(proxy, k, scope, request.rootNamespace));
  // filterRelevantUpdates: "If the proxy's service updated, need push for it" (ServiceTargets).
  for (const target of proxy.serviceTargets) {
    const own = keys.find((k) => k.kind === 'ServiceEntry' && k.name === target.hostname && k.namespace === target.namespace);
    if (own !== undefined && !relevant.includes(own)) relevant.push(own);
  }
  return relevant;
}

function proxyDependentOnConfig(proxy: PushProxy, key: ConfigKey, scope: ProxyScope, rootNamespace: string): boolean {
  // proxy_dependencies.go UnAffectedConfigKinds: gateways ignore Sidecar, sidecars ignore Gateway.
  if (UNAFFECTED[proxy.type].has(key.kind)) return false;
  if (proxy.type === 'router') {
    // proxyDependentOnConfig, Router: only a ServiceEntry the gateway's default scope cannot see is skipped.
    return key.kind !== 'ServiceEntry' || scope.dependsOn(key);
  }
  // sidecar.go DependsOnConfig: cluster-scoped kinds count in the root or the scope's namespace.
  if (CLUSTER_SCOPED.has(key.kind)) return key.namespace === rootNamespace || key.namespace === proxy.configNamespace;
  // DependsOnConfig: kinds the scope does not track always count.
  if (!SIDECAR_SCOPED.has(key.kind)) return true;
  return scope.dependsOn(key);
}

/** Istio's DefaultProxyNeedsPush: does this request reach this proxy at all? */
export function proxyNeedsPush(request: PushRequest, proxy: PushProxy, scope: ProxyScope): boolean {
  // proxy_dependencies.go DefaultProxyNeedsPush: a forced request reaches everyone.
  if (request.forced === true) return true;
  return relevantUpdates(request, proxy, scope).length > 0;
}

/** The xDS types this request regenerates for this proxy, in push order ([] when it does not reach it). */
export function typesToPush(request: PushRequest, proxy: PushProxy, scope: ProxyScope, options: PushScopeOptions = {}): XdsType[] {
  return [...planPush(request, proxy, scope, options).types];
}

/** Everything the push does for one proxy: the narrowed keys, the types and the EDS clusters rebuilt. */
export function planPush(request: PushRequest, proxy: PushProxy, scope: ProxyScope, options: PushScopeOptions = {}): PushPlan {
  if (request.forced === true) {
    const watched = scope.watched.map((w) => ({ hostname: w.hostname, namespace: w.namespace }));
    // xdsgen.go xdsNeedsPush: forced ⇒ every generator pushes; eds.go canSendPartialFullPushes: not partial.
    return { configsUpdated: normalizedKeys(request), types: watched.length > 0 ? XDS_PUSH_ORDER : ['CDS', 'LDS', 'RDS'], edsServices: watched, edsFull: true };
  }
  const keys = relevantUpdates(request, proxy, scope);
  if (keys.length === 0) return { configsUpdated: [], types: [], edsServices: [], edsFull: false };
  const reasons = new Set(request.reasons);
  // cds.go/lds.go/rds.go: a headless endpoint push without a service change.
  const headless = reasons.has('headlessendpoint') && !reasons.has('service');
  const eds = edsRegenerated(keys, scope, request.rootNamespace);
  const types: XdsType[] = [];
  if (cdsNeedsPush(keys, proxy, headless, options)) types.push('CDS');
  if (eds.services.length > 0) types.push('EDS');
  if (ldsNeedsPush(keys, proxy, headless && proxy.type === 'router', request.rootNamespace)) types.push('LDS');
  if (rdsNeedsPush(keys, proxy, headless)) types.push('RDS');
  return { configsUpdated: keys, types, edsServices: eds.services, edsFull: eds.full };
}

function cdsNeedsPush(keys: readonly ConfigKey[], proxy: PushProxy, headless: boolean, options: PushScopeOptions): boolean {
  // cds.go cdsNeedsPush: headlessOnly holds while every key is a ServiceEntry.
  let headlessOnly = headless;
  let relevant = false;
  for (const k of keys) {
    if (k.kind !== 'ServiceEntry') headlessOnly = false;
    // cds.go pushCdsGatewayConfig: Gateway (and RequestAuthentication when Envoy fetches JWKS) for routers.
    if (proxy.type === 'router' && (k.kind === 'Gateway' || (k.kind === 'RequestAuthentication' && options.jwksFetchedByEnvoy === true))) relevant = true;
    else if (!SKIPPED_CDS.has(k.kind)) relevant = true;
  }
  return !headlessOnly && relevant;
}

function edsRegenerated(keys: readonly ConfigKey[], scope: ProxyScope, rootNamespace: string): { services: ServiceRef[]; full: boolean } {
  // eds.go edsNeedsPush: some key outside skippedEdsConfigs.
  if (!keys.some((k) => !SKIPPED_EDS.has(k.kind))) return { services: [], full: false };
  // eds.go canSendPartialFullPushes: only delta-aware kinds, and no root-namespace PeerAuthentication.
  const partial = keys.every((k) => DELTA_AWARE_EDS.has(k.kind) && !(k.kind === 'PeerAuthentication' && k.namespace === rootNamespace));
  if (!partial) return { services: scope.watched.map((w) => ({ hostname: w.hostname, namespace: w.namespace })), full: true };
  const hosts = new Set(keys.filter((k) => k.kind === 'ServiceEntry' || k.kind === 'Endpoints').map((k) => k.name));
  const drs = new Set(keys.filter((k) => k.kind === 'DestinationRule').map((k) => `${k.namespace}/${k.name}`));
  const authnNamespaces = new Set(keys.filter((k) => k.kind === 'PeerAuthentication').map((k) => k.namespace));
  // eds.go buildEndpoints: affectedService (by host name), clusterAffectedByChangedDrs, clusterAffectedByChangedAuthn.
  const affected = drs.size === 0 && authnNamespaces.size === 0 && scope.watchedHost !== undefined
    ? [...hosts].sort().flatMap((h) => scope.watchedHost!(h))
    : authnNamespaces.has(rootNamespace) ? scope.watched : affectedWatched(scope.watched, hosts, drs, authnNamespaces);
  return { services: affected.map((w) => ({ hostname: w.hostname, namespace: w.namespace })), full: false };
}

/**
 * The watched services with one of these hosts, rules or namespaces, in the list's order: what a filter
 * of the whole list keeps, found through the list's positions by host, rule and namespace (built once
 * per list; a list of 10,000 services is asked at every push that changes a rule, for each group of
 * proxies).
 */
function affectedWatched(watched: readonly WatchedService[], hosts: ReadonlySet<string>, drs: ReadonlySet<string>, namespaces: ReadonlySet<string>): WatchedService[] {
  let index = watchedIndexes.get(watched);
  if (index === undefined) {
    index = { byHost: new Map(), byRule: new Map(), byNamespace: new Map() };
    watched.forEach((w, i) => {
      addTo(index!.byHost, w.hostname, i);
      for (const d of w.destinationRules) addTo(index!.byRule, d, i);
      addTo(index!.byNamespace, w.namespace, i);
    });
    watchedIndexes.set(watched, index);
  }
  const positions = new Set<number>();
  for (const h of hosts) for (const i of index.byHost.get(h) ?? []) positions.add(i);
  for (const d of drs) for (const i of index.byRule.get(d) ?? []) positions.add(i);
  for (const n of namespaces) for (const i of index.byNamespace.get(n) ?? []) positions.add(i);
  return [...positions].sort((a, b) => a - b).map((i) => watched[i]!);
}

const watchedIndexes = new WeakMap<readonly WatchedService[], { byHost: Map<string, number[]>; byRule: Map<string, number[]>; byNamespace: Map<string, number[]> }>();

function ldsNeedsPush(keys: readonly ConfigKey[], proxy: PushProxy, headless: boolean, rootNamespace: string): boolean {
  // lds.go ldsNeedsPush: routers skip headless endpoint pushes; PeerAuthentication of the config or
  // root namespace only can change listeners.
  return needsPushUnlessHeadless(keys, headless, (k) => !SKIPPED_LDS[proxy.type].has(k.kind)
    && !(k.kind === 'PeerAuthentication' && k.namespace !== proxy.configNamespace && k.namespace !== rootNamespace));
}

function rdsNeedsPush(keys: readonly ConfigKey[], proxy: PushProxy, headless: boolean): boolean {
  // rds.go rdsNeedsPush: same headless rule as LDS, for every proxy type; a Gateway change rebuilds
  // routes of gateways only.
  return needsPushUnlessHeadless(keys, headless, (k) => !SKIPPED_RDS.has(k.kind) && !(k.kind === 'Gateway' && proxy.type !== 'router'));
}

/**
 * The shape lds.go and rds.go share: while the request is a headless endpoint push, leading
 * ServiceEntry keys are held back; the first other key ends that, and any key `relevant` accepts
 * pushes; held-back ServiceEntry keys push only if the request turned out not to be headless-only.
 */
function needsPushUnlessHeadless(keys: readonly ConfigKey[], headless: boolean, relevant: (key: ConfigKey) => boolean): boolean {
  let headlessOnly = headless;
  let sawServiceEntry = false;
  for (const k of keys) {
    if (headlessOnly) {
      if (k.kind === 'ServiceEntry') {
        sawServiceEntry = true;
        continue;
      }
      headlessOnly = false;
    }
    if (relevant(k)) return true;
  }
  return sawServiceEntry && !headlessOnly;
}
