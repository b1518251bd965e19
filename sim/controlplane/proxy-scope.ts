/**
 * A proxy's push view and scope from a PushContext (the inputs push-scope.ts decides on): `pushProxyFrom`
 * (its config namespace and the services selecting it or with an inline endpoint at its address, Istio's
 * ServiceTargets), `proxyScopeFrom` (what
 * its SidecarScope depends on and which services it watches, current and previous snapshot),
 * `edsHostsOf` (the hosts of the EDS clusters a config holds) and `planShareKey` (what a proxy's plan
 * depends on besides the request, the snapshots and its watched hosts).
 *
 * Rules: as Istio records configDependencies (model/sidecar.go convertToSidecarScope,
 * selectDestinationRules, selectAuthnPolicies, collectImportedServices) and what a gateway's default
 * scope holds (DefaultSidecarScopeForGateway); a service selects a pod of its namespace whose labels
 * carry its whole selector.
 *
 * Sharing: Istio computes a SidecarScope once per namespace and Sidecar, and every proxy it applies to
 * reads it. Here the scope's core is built once per snapshot, namespace and Sidecar (PushContext
 * memo); `planShareKey` lets callers plan once per group of equal proxies; the watched-host set of a
 * shared cluster map and a scope's watched list narrowed to such a set are memoised by identity; an
 * endpoint push's few hosts are looked up in the scopes host by host (the whole watched list, current
 * and previous scope merged, is built only when a push asks for it); the services selecting a proxy are
 * found through an index of selectors per namespace.
 *
 * Invariants: pure (memos are keyed by snapshots or by the identity of immutable inputs and never
 * change an answer).
 *
 * Not modelled: see push-scope.ts (VirtualService destinations imported into a Sidecar scope, resource
 * subscriptions).
 */
import { RecentLists } from './recent-lists.ts';
import { groupBy } from '../core/group.ts';
import type { NamedMap } from '../xds/named-map.ts';
import { serviceSelects } from '../config/selectors.ts';
import type { ServiceInfo } from '../topology/model.ts';
import type { Cluster } from '../xds/cluster.ts';
import { clusterList } from '../xds/proxy-config.ts';
import type { ClusterLayers, ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import { visibleServices } from './generate-sidecar.ts';
import { destinationRuleFor, memoizedByConfig } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { configKeyString } from './push-scope.ts';
import type { ConfigKey, ProxyScope, PushProxy, PushRequest, WatchedService } from './push-scope.ts';
import { sidecarVirtualServices } from './select-virtual-service.ts';
import { sidecarScopeFor } from './sidecar-scope.ts';
import { inlineEndpointsAt } from './generate-inbound.ts';

/** The push view of a proxy: its config namespace and the services that select it (Kubernetes: same namespace). */
export function pushProxyFrom(push: PushContext, proxy: ProxyIdentity): PushProxy {
  // Remembered per services list and proxy identity (both never change once built): pod churn keeps the
  // services list, so a proxy's push view is worked out once, not at every push.
  let byProxy = pushProxies.get(push.topology.services);
  if (byProxy === undefined) pushProxies.set(push.topology.services, byProxy = new WeakMap());
  let pushProxy = byProxy.get(proxy);
  if (pushProxy === undefined) byProxy.set(proxy, pushProxy = buildPushProxy(push, proxy));
  return pushProxy;
}

const pushProxies = new WeakMap<readonly ServiceInfo[], WeakMap<ProxyIdentity, PushProxy>>();

function buildPushProxy(push: PushContext, proxy: ProxyIdentity): PushProxy {
  // A service selects the pod only if the pod carries every pair of its selector, so only the services
  // filed under one of the pod's own pairs are candidates (each service is filed under its first pair).
  const index = memoizedByConfig(push, `selectors-in|${proxy.namespace}`, () => {
    const byNamespace = memoizedByConfig(push, 'services-by-namespace', () => groupBy(push.topology.services, (s) => s.namespace));
    return selectorIndex(byNamespace.get(proxy.namespace) ?? []);
  });
  const candidates: (readonly [number, ServiceInfo])[] = [];
  for (const [key, value] of Object.entries(proxy.labels)) for (const entry of index.get(`${key}\n${value}`) ?? []) candidates.push(entry);
  const serviceTargets = candidates
    .sort((a, b) => a[0] - b[0])
    .filter(([, s]) => serviceSelects(s.selector, proxy.labels))
    .map(([, s]) => ({ hostname: s.hostname, namespace: s.namespace }));
  // ServiceEntries of its namespace with an inline endpoint at its address make it an instance too
  // (serviceentry controller.go GetProxyServiceTargets, ServiceInstancesByIP).
  for (const e of inlineEndpointsAt(push, proxy.ip)) {
    if (e.serviceNamespace === proxy.namespace && !serviceTargets.some((t) => t.hostname === e.service && t.namespace === e.serviceNamespace)) serviceTargets.push({ hostname: e.service, namespace: e.serviceNamespace });
  }
  return { type: proxy.type, namespace: proxy.namespace, configNamespace: proxy.namespace, labels: proxy.labels, serviceTargets };
}

/** Services with a selector, with their position in `services`, by their selector's first `key\nvalue` pair. */
function selectorIndex(services: readonly ServiceInfo[]): ReadonlyMap<string, readonly (readonly [number, ServiceInfo])[]> {
  const index = new Map<string, (readonly [number, ServiceInfo])[]>();
  services.forEach((service, position) => {
    const first = Object.entries(service.selector ?? {})[0];
    if (first === undefined) return; // An empty selector selects nothing.
    const key = `${first[0]}\n${first[1]}`;
    const list = index.get(key) ?? [];
    list.push([position, service]);
    index.set(key, list);
  });
  return index;
}

/**
 * What a proxy's push plan for `request` depends on besides the request, the snapshots and its watched
 * hosts: its type, namespace, the Sidecar that scopes it in this and the previous snapshot (Istio's
 * SidecarScope and PrevSidecarScope) and those of the services selecting it that the request names
 * (a ServiceEntry key of a full request: the only way a service target enters relevantUpdates).
 * Proxies with equal keys get equal plans from `planPush`.
 */
export function planShareKey(request: PushRequest, push: PushContext, previous: PushContext | null, proxy: ProxyIdentity, pushProxy: PushProxy): string {
  const named = namedServiceEntries(request);
  const base = baseShareKey(push, previous, proxy);
  return named.size === 0 ? base : `${base}${pushProxy.serviceTargets.map((t) => `${t.namespace}/${t.hostname}`).filter((t) => named.has(t)).join(',')}`;
}

/**
 * The share key's part that depends on the proxy and the two snapshots' config alone (not on their
 * endpoints): the same string object from push to push while the configs stay, so a push over
 * 50,000 proxies neither rebuilds it nor hashes a new string for each.
 */
function baseShareKey(push: PushContext, previous: PushContext | null, proxy: ProxyIdentity): string {
  const previousConfig = previous?.configMemo ?? null;
  const known = baseShareKeys.get(proxy);
  if (known !== undefined && known.config === push.configMemo && known.previousConfig === previousConfig) return known.key;
  const sidecar = (p: PushContext) => (proxy.type === 'router' ? '' : sidecarScopeFor(p, proxy).sidecar ?? '');
  const key = `${proxy.type}|${proxy.namespace}|${sidecar(push)}|${previous === null ? '-' : sidecar(previous)}|`;
  baseShareKeys.set(proxy, { config: push.configMemo, previousConfig, key });
  return key;
}

const baseShareKeys = new WeakMap<ProxyIdentity, { readonly config: object; readonly previousConfig: object | null; readonly key: string }>();

// The `namespace/host` of a request's ServiceEntry keys, by the request's identity (requests are never changed once built).
const serviceEntriesNamed = new WeakMap<PushRequest, ReadonlySet<string>>();

function namedServiceEntries(request: PushRequest): ReadonlySet<string> {
  let named = serviceEntriesNamed.get(request);
  if (named === undefined) {
    // normalizedKeys: an incremental request's keys are Endpoints keys, which no service target matches.
    named = new Set(request.full ? request.configsUpdated.filter((k) => k.kind === 'ServiceEntry').map((k) => `${k.namespace}/${k.name}`) : []);
    serviceEntriesNamed.set(request, named);
  }
  return named;
}

export interface ProxyScopeSources {
  /** The push context the proxy's previous scope came from (Istio's PrevSidecarScope). */
  readonly previous?: PushContext;
  /** The proxy's compiled config: its EDS clusters are what it watches. Else: every imported service. */
  readonly config?: ProxyConfig;
  /** The service hosts of the proxy's EDS clusters, when the caller already knows them (instead of `config`). */
  readonly watchedHosts?: ReadonlySet<string>;
}

/**
 * A ProxyScope from the simulator's SidecarScope (sidecar-scope.ts), mirroring what Istio records as
 * configDependencies (model/sidecar.go convertToSidecarScope, selectDestinationRules, selectAuthnPolicies,
 * collectImportedServices) and what a gateway's default scope holds (DefaultSidecarScopeForGateway).
 * Like Istio's SidecarScope it is computed once per snapshot for each namespace and Sidecar (`ScopeCore`),
 * and shared by the proxies it applies to.
 */
export function proxyScopeFrom(push: PushContext, proxy: ProxyIdentity, sources: ProxyScopeSources = {}): ProxyScope {
  const cores = sources.previous === undefined ? [scopeCore(push, proxy)] : [scopeCore(push, proxy), scopeCore(sources.previous, proxy)];
  const config = sources.config;
  let hosts: ReadonlySet<string> | null | undefined = sources.watchedHosts;
  const held = () => {
    if (hosts === undefined) hosts = config === undefined ? null : edsHostsOf(config);
    return hosts;
  };
  let watched: readonly WatchedService[] | null = null;
  return {
    // Gateways: GetService(hostname) ignores the key's namespace (proxy_dependencies.go).
    dependsOn: (key) => (proxy.type === 'router'
      ? cores.some((c) => c.routerHosts.has(key.name))
      : cores.some((c) => dependsOnCore(c, key))),
    get watched() {
      if (watched === null) {
        const imported = importedOf(cores);
        const within = held();
        watched = within === null ? imported.list : watchedWithin(imported, within);
      }
      return watched;
    },
    watchedHost: (hostname) => {
      const within = held();
      if (within !== null && !within.has(hostname)) return [];
      // The watched entries of this host alone (an endpoint push names a few hosts: no need to merge
      // every imported service of the scopes, as `watched` does).
      return watchedOfHost(cores, hostname);
    },
  };
}

/** The imported services the proxy watches, for one set of watched hosts (shared by the proxies holding that set). */
function watchedWithin(imported: Imported, within: ReadonlySet<string>): readonly WatchedService[] {
  let list = imported.within.get(within);
  if (list === undefined) {
    list = imported.list.filter((s) => within.has(s.hostname));
    imported.within.set(within, list);
  }
  return list;
}

// The watched hosts of each shared cluster map, memoised by its identity (config is never changed once
// built): every proxy holding the map gets the same set, so plans keyed by it are shared too.
const sharedEdsHosts = new WeakMap<object, ReadonlySet<string>>();

const isWatched = (c: Cluster | undefined): c is Cluster => c !== undefined && c.discovery === 'EDS' && c.serviceHost !== '';

/** The service hosts of a config's EDS clusters: what the proxy watches. */
export function edsHostsOf(config: ClusterLayers): ReadonlySet<string> {
  const own = config.ownClusters;
  // A proxy's own clusters (a sidecar's inbound ones, ORIGINAL_DST) are normally no EDS clusters.
  const ownCounts = own !== undefined && Object.entries(own).some(([name, c]) => isWatched(c) || isWatched(config.clusters.get(name)));
  if (ownCounts) return new Set(clusterList(config).filter(isWatched).map((c) => c.serviceHost));
  return sharedHosts(config.clusters);
}

function sharedHosts(clusters: NamedMap<Cluster>): ReadonlySet<string> {
  let hosts = sharedEdsHosts.get(clusters);
  if (hosts === undefined) {
    hosts = internedHosts(new Set(clusters.values().filter(isWatched).map((c) => c.serviceHost)));
    sharedEdsHosts.set(clusters, hosts);
  }
  return hosts;
}

// Maps of other namespaces and later configs that watch the same hosts (every namespace of a mesh
// without Sidecar resources) get the same set object, so the proxies holding them share one set and
// the plans and lists memoised by it. The sets are compared as their sorted host lists.
const hostLists = new RecentLists<string>();
const setOfList = new WeakMap<readonly string[], ReadonlySet<string>>();

function internedHosts(hosts: ReadonlySet<string>): ReadonlySet<string> {
  const list = hostLists.intern([...hosts].sort());
  let set = setOfList.get(list);
  if (set === undefined) setOfList.set(list, set = hosts);
  return set;
}

/**
 * `next` watches what `previous` watches (the same cluster names and kinds, new endpoints): they share
 * one host set, so proxies holding either share their push plans (plans are memoised by that set).
 */
export function sameWatchedHosts(previous: NamedMap<Cluster>, next: NamedMap<Cluster>): void {
  if (!sharedEdsHosts.has(next)) sharedEdsHosts.set(next, sharedHosts(previous));
}

interface ImportedService {
  readonly hostname: string;
  readonly namespace: string;
  readonly destinationRule: string | null;
}

/** What one snapshot's scope for a proxy's namespace and Sidecar depends on and imports. */
interface ScopeCore {
  /** `namespace/hostname` of the imported services: the ServiceEntry and Endpoints keys it depends on. */
  readonly serviceKeys: ReadonlySet<string>;
  /** The other keys it depends on (DestinationRule, Sidecar, VirtualService, PeerAuthentication), as configKeyString. */
  readonly dependencies: ReadonlySet<string>;
  readonly routerHosts: ReadonlySet<string>;
  readonly imports: ImportList;
}

/**
 * Imported services in (hostname, namespace) order, with the DestinationRule that applies to each,
 * and what is derived from them. One object per snapshot for equal lists: namespaces that import the
 * same services under the same rules (every namespace of a mesh without Sidecar resources, mostly)
 * share it and its derived lists.
 */
interface ImportList {
  readonly entries: readonly ImportedService[];
  /** Each service's rule, in the order of the scope's services (what equal lists are found by). */
  readonly rules: readonly (string | null)[];
  /** The entries by host name (built on first use: only endpoint pushes naming hosts ask). */
  byHost: ReadonlyMap<string, readonly ImportedService[]> | null;
  /** Alone: the watched list (filled on first use). */
  alone: Imported | null;
  /** The merged watched list with an older snapshot's list, by that list. */
  readonly withPrevious: WeakMap<ImportList, Imported>;
}

/** What a scope's service list alone decides: its keys, its router hosts and its (hostname, namespace) order. */
interface ServiceSide {
  readonly serviceKeys: ReadonlySet<string>;
  readonly routerHosts: ReadonlySet<string>;
  /** Indexes of the services in (hostname, namespace) order, ties in list order. */
  readonly order: readonly number[];
}

const serviceSides = new WeakMap<readonly ServiceInfo[], ServiceSide>();

/**
 * The proxy's imports as one object per config: proxies of any namespace and Sidecar that import the
 * same services (the same scopeServices list) under the same DestinationRules get the same object.
 * Their outbound clusters are the same too (a cluster reads its service and its rule, nothing of the
 * client), so generate-proxy-config.ts keys cluster parts by it.
 */
export function importsOf(push: PushContext, proxy: ProxyIdentity): object {
  return scopeCore(push, proxy).imports;
}

function scopeCore(push: PushContext, proxy: ProxyIdentity): ScopeCore {
  const sidecar = proxy.type === 'router' ? '' : sidecarScopeFor(push, proxy).sidecar ?? '';
  return memoizedByConfig(push, `scope|${proxy.type}|${proxy.namespace}|${sidecar}`, () => {
    // One list object for equal scopes (scopeServices interns them).
    const services = scopeServices(push, proxy);
    const side = serviceSideOf(services);
    const dependencies = new Set<string>();
    const rules: (string | null)[] = [];
    for (const service of services) {
      const dr = destinationRuleFor(push, service.hostname, service.namespace, proxy.namespace);
      if (dr !== null) dependencies.add(configKeyString({ kind: 'DestinationRule', namespace: dr.namespace, name: dr.name }));
      rules.push(dr === null ? null : `${dr.namespace}/${dr.name}`);
    }
    if (proxy.type === 'sidecar') for (const key of sidecarOnlyDependencies(push, proxy)) dependencies.add(key);
    return { serviceKeys: side.serviceKeys, dependencies, routerHosts: side.routerHosts, imports: importList(push, services, side, rules) };
  });
}

function serviceSideOf(services: readonly ServiceInfo[]): ServiceSide {
  let side = serviceSides.get(services);
  if (side === undefined) {
    const serviceKeys = new Set<string>();
    const routerHosts = new Set<string>();
    for (const service of services) {
      routerHosts.add(service.hostname);
      serviceKeys.add(`${service.namespace}/${service.hostname}`);
    }
    const order = services.map((_, i) => i).sort((a, b) => compareImported(services[a]!, services[b]!));
    serviceSides.set(services, side = { serviceKeys, routerHosts, order });
  }
  return side;
}

/** The snapshot's import list for these services under these rules, shared with every scope that has the same. */
function importList(push: PushContext, services: readonly ServiceInfo[], side: ServiceSide, rules: readonly (string | null)[]): ImportList {
  const byServices = memoizedByConfig(push, 'import-lists', () => new WeakMap<readonly ServiceInfo[], ImportList[]>());
  let lists = byServices.get(services);
  if (lists === undefined) byServices.set(services, lists = []);
  const same = lists.find((list) => list.rules.every((rule, i) => rule === rules[i]));
  if (same !== undefined) return same;
  const entries = side.order.map((i): ImportedService => ({ hostname: services[i]!.hostname, namespace: services[i]!.namespace, destinationRule: rules[i]! }));
  const list: ImportList = { entries, rules, byHost: null, alone: null, withPrevious: new WeakMap() };
  lists.push(list);
  return list;
}

/** Does the scope depend on this (sidecar-scoped) key? */
function dependsOnCore(core: ScopeCore, key: ConfigKey): boolean {
  if (key.kind === 'ServiceEntry' || key.kind === 'Endpoints') return core.serviceKeys.has(`${key.namespace}/${key.name}`);
  return core.dependencies.has(configKeyString(key));
}

/** The entries of `importedOf(cores).list` with this host name, computed for that host alone. */
function watchedOfHost(cores: readonly ScopeCore[], hostname: string): WatchedService[] {
  const byNamespace = new Map<string, Set<string>>();
  for (const core of cores) {
    const imports = core.imports;
    imports.byHost ??= groupBy(imports.entries, (s) => s.hostname);
    for (const s of imports.byHost.get(hostname) ?? []) {
      const drs = byNamespace.get(s.namespace) ?? new Set<string>();
      if (s.destinationRule !== null) drs.add(s.destinationRule);
      byNamespace.set(s.namespace, drs);
    }
  }
  return [...byNamespace]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, drs]) => ({ hostname, namespace, destinationRules: [...drs].sort() }));
}

interface Imported {
  readonly list: readonly WatchedService[];
  /** `list` narrowed to a set of watched hosts, by that set (see watchedWithin). */
  readonly within: WeakMap<ReadonlySet<string>, readonly WatchedService[]>;
}

/** The services the scopes import, each with the DestinationRules that applied to it in either. */
function importedOf(cores: readonly ScopeCore[]): Imported {
  const current = cores[0]!.imports;
  const previous = cores[1]?.imports;
  return importedOfLists(current, previous);
}

function importedOfLists(current: ImportList, previous: ImportList | undefined): Imported {
  const cached = previous === undefined ? current.alone : current.withPrevious.get(previous);
  if (cached !== undefined && cached !== null) return cached;
  // A push that changed nothing this scope imports (a VirtualService edit, most pod changes): the merge
  // of two equal lists is the list alone, which every later pair with an equal older core reuses.
  if (previous !== undefined && sameImported(current.entries, previous.entries)) {
    const alone = importedOfLists(current, undefined);
    current.withPrevious.set(previous, alone);
    return alone;
  }
  const list = mergedImports(current.entries, previous?.entries ?? NO_IMPORTS);
  const imported = { list, within: new WeakMap<ReadonlySet<string>, readonly WatchedService[]>() };
  if (previous === undefined) current.alone = imported;
  else current.withPrevious.set(previous, imported);
  return imported;
}

const NO_IMPORTS: readonly ImportedService[] = [];
const NO_RULES: readonly string[] = Object.freeze([]);

/**
 * Both scopes' imported services as one list, an entry per (host name, namespace) with the
 * DestinationRules that applied in either, sorted; both lists are sorted that way (scopeCore), so this
 * is one walk over each.
 */
function mergedImports(a: readonly ImportedService[], b: readonly ImportedService[]): WatchedService[] {
  const out: WatchedService[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const first = j >= b.length || (i < a.length && compareImported(a[i]!, b[j]!) <= 0) ? a[i]! : b[j]!;
    const { hostname, namespace } = first;
    let rules: string[] | null = null;
    for (; i < a.length && a[i]!.hostname === hostname && a[i]!.namespace === namespace; i += 1) rules = withRule(rules, a[i]!.destinationRule);
    for (; j < b.length && b[j]!.hostname === hostname && b[j]!.namespace === namespace; j += 1) rules = withRule(rules, b[j]!.destinationRule);
    out.push({ hostname, namespace, destinationRules: rules === null ? NO_RULES : rules.sort() });
  }
  return out;
}

function withRule(rules: string[] | null, rule: string | null): string[] | null {
  if (rule === null || rules?.includes(rule) === true) return rules;
  if (rules === null) return [rule];
  rules.push(rule);
  return rules;
}

/** The order of imported services: by host name, then namespace. */
function compareImported(a: { readonly hostname: string; readonly namespace: string }, b: { readonly hostname: string; readonly namespace: string }): number {
  if (a.hostname !== b.hostname) return a.hostname < b.hostname ? -1 : 1;
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0;
}

function sameImported(a: readonly ImportedService[], b: readonly ImportedService[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.hostname !== y.hostname || x.namespace !== y.namespace || x.destinationRule !== y.destinationRule) return false;
  }
  return true;
}

/**
 * The services a proxy's outbound config is built from: what its namespace sees and its Sidecar
 * imports, built once per config and shared with generate-proxy-config.ts. Equal lists (the same
 * service objects in the same order: other namespaces, later configs) are one object, so what is
 * derived per list is derived once.
 */
export function scopeServices(push: PushContext, proxy: ProxyIdentity): readonly ServiceInfo[] {
  const services = visibleServices(push, proxy.namespace);
  if (proxy.type === 'router') return services;
  const scope = sidecarScopeFor(push, proxy);
  return memoizedByConfig(push, `outbound-services|${proxy.namespace}|${scope.sidecar ?? ''}`, () => scopeLists.intern(services.filter((s) => scope.importsService(s))));
}

const scopeLists = new RecentLists<ServiceInfo>();

function sidecarOnlyDependencies(push: PushContext, proxy: ProxyIdentity): string[] {
  const scope = sidecarScopeFor(push, proxy);
  const out: string[] = [];
  if (scope.sidecar !== null) {
    const [namespace = '', name = ''] = scope.sidecar.split('/');
    out.push(configKeyString({ kind: 'Sidecar', namespace, name }));
  }
  for (const vs of sidecarVirtualServices(push, proxy.namespace)) {
    if (scope.importsVirtualService(vs)) out.push(configKeyString({ kind: 'VirtualService', namespace: vs.namespace, name: vs.name }));
  }
  // sidecar.go selectAuthnPolicies: root, config namespace and the imported services' namespaces.
  const namespaces = new Set([proxy.namespace, push.mesh.rootNamespace, ...scopeServices(push, proxy).map((s) => s.namespace)]);
  for (const pa of push.peerAuthentications) {
    if (namespaces.has(pa.namespace)) out.push(configKeyString({ kind: 'PeerAuthentication', namespace: pa.namespace, name: pa.name }));
  }
  return out;
}
