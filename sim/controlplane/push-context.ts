/**
 * PushContext: an immutable, indexed snapshot of the mesh that per-proxy generation reads (Istio's
 * pilot/pkg/model/push_context.go). Built once per config change; generation is a pure function of
 * (snapshot, proxy).
 *
 * Rules:
 * - Visibility (`exportTo`): `*` everywhere, `.` the resource's own namespace, names those namespaces;
 *   Services use the `networking.istio.io/exportTo` annotation; defaults come from MeshConfig.
 * - VirtualServices and DestinationRules are kept oldest first (sortConfigByCreationTime), which is the
 *   precedence Istio applies when several claim one host.
 * - DestinationRule lookup for a client (Istio's destination rule index): the client's namespace first,
 *   then the service's namespace, then the root namespace; the first visible rule whose host matches
 *   most specifically wins, with no merging across namespaces.
 *
 * - An incremental (EDS-only) push keeps the config of the snapshot before it: Istio builds a new
 *   PushContext only for a full push (push_context.go initPushContext runs on full pushes; an
 *   incremental one reuses the last), and endpoints move through its EndpointIndex. `withEndpoints`
 *   makes that snapshot: the previous one's resources and services, the pods and endpoints of now.
 *
 * Invariants: no field is mutated after construction; every list is in a deterministic order. The
 * exceptions are `memo`, which holds values derived purely from the snapshot (what Istio's SidecarScope
 * per namespace and its XDS cache hold), and `configMemo`, which holds values derived from the
 * resources and services alone and is shared by the snapshots of incremental pushes that keep the
 * same config: filling either never changes an answer, only how often it is computed.
 *
 * - Several DestinationRules for one host in one namespace merge (mergeInto: subsets added, the oldest
 *   rule's traffic policy).
 *
 * Not modelled: incremental rebuilds by changed kind; DestinationRule workloadSelector (a rule with one
 * is filed on its own, never merged, and applies to every client).
 */
import type { Resource } from '../config/resource.ts';
import type { EndpointInfo, Topology, ServiceInfo } from '../topology/model.ts';
import type { MeshConfig } from '../config/mesh-config.ts';
import type { ConfigStore } from '../config/store.ts';

/** What a snapshot is built from: mesh settings, the topology, and each kind's resources oldest first. */
export interface PushInputs {
  readonly mesh: MeshConfig;
  readonly topology: Topology;
  /** Oldest first (ConfigStore.byAge): Istio breaks every tie by age. */
  readonly virtualServices: readonly Resource<'VirtualService'>[];
  readonly destinationRules: readonly Resource<'DestinationRule'>[];
  readonly gateways: readonly Resource<'Gateway'>[];
  readonly sidecars: readonly Resource<'Sidecar'>[];
  readonly peerAuthentications: readonly Resource<'PeerAuthentication'>[];
  readonly authorizationPolicies: readonly Resource<'AuthorizationPolicy'>[];
  readonly requestAuthentications: readonly Resource<'RequestAuthentication'>[];
  /** Names this snapshot in generated versions (Istio's PushVersion); default `0`. */
  readonly version?: string;
  /**
   * The endpoints of each service port (by `endpointPortKey`), the same lists as `topology.endpoints`
   * grouped, when the caller keeps them: a port whose endpoints did not change keeps its list object
   * from one snapshot to the next, so what is built from it can be kept too.
   */
  readonly endpointsByPort?: ReadonlyMap<string, readonly EndpointInfo[]>;
  /** The endpoints of each pod (`namespace/pod`), the same lists as `topology.endpoints` grouped, when the caller keeps them. */
  readonly endpointsByPod?: ReadonlyMap<string, readonly EndpointInfo[]>;
}

export interface PushContext extends PushInputs {
  readonly version: string;
  /** Services by host name (several only for ServiceEntries in different namespaces). */
  readonly servicesByHost: ReadonlyMap<string, readonly ServiceInfo[]>;
  /** Derived values shared by the proxies of one snapshot, by key (see `memoized`). */
  readonly memo: Map<string, unknown>;
  /** Derived values of the resources and services alone, shared with incremental snapshots (see `memoizedByConfig`). */
  readonly configMemo: Map<string, unknown>;
}

/**
 * `build()` once per snapshot and key: generation for many proxies that share a namespace and a
 * Sidecar shares their outbound config, as istiod's SidecarScope and XDS cache do. Keys name their
 * owner (`outbound|…`, `scope|…`); `build` must depend on the snapshot and the key alone.
 */
export function memoized<T>(push: PushContext, key: string, build: () => T): T {
  if (push.memo.has(key)) return push.memo.get(key) as T;
  const value = build();
  push.memo.set(key, value);
  return value;
}

/**
 * As `memoized`, for values that depend on the snapshot's resources and services alone (never on pods
 * or endpoints): the snapshots of incremental pushes share them with the full push they follow.
 */
export function memoizedByConfig<T>(push: PushContext, key: string, build: () => T): T {
  if (push.configMemo.has(key)) return push.configMemo.get(key) as T;
  const value = build();
  push.configMemo.set(key, value);
  return value;
}

/** The snapshot of an incremental push: `previous`'s config and services, the pods and endpoints of `now`. */
export function withEndpoints(previous: PushContext, now: Topology, version: string, lists: EndpointLists = {}): PushContext {
  const { endpointsByPort: _ports, endpointsByPod: _pods, ...kept } = previous;
  return { ...kept, ...lists, version, topology: { ...previous.topology, pods: now.pods, endpoints: now.endpoints }, memo: new Map() };
}

/** The grouped endpoint lists a caller may keep (PushInputs.endpointsByPort, endpointsByPod). */
export type EndpointLists = Pick<PushInputs, 'endpointsByPort' | 'endpointsByPod'>;

export function buildPushContext(inputs: PushInputs): PushContext {
  const servicesByHost = new Map<string, ServiceInfo[]>();
  for (const service of inputs.topology.services) {
    const list = servicesByHost.get(service.hostname) ?? [];
    list.push(service);
    servicesByHost.set(service.hostname, list);
  }
  return { ...inputs, version: inputs.version ?? '0', servicesByHost, memo: new Map(), configMemo: new Map() };
}

/** Is a resource owned by `owner` with this exportTo visible from `namespace`? */
/** A PushContext over everything a ConfigStore holds (istiod's informers' view), oldest first per kind. */
export function pushContextFromStore(store: ConfigStore, topology: Topology, mesh: MeshConfig, version = '0', lists: EndpointLists = {}): PushContext {
  return buildPushContext({
    version,
    ...lists,
    mesh,
    topology,
    virtualServices: store.byAge('VirtualService'),
    destinationRules: store.byAge('DestinationRule'),
    gateways: store.byAge('Gateway'),
    sidecars: store.byAge('Sidecar'),
    peerAuthentications: store.byAge('PeerAuthentication'),
    authorizationPolicies: store.byAge('AuthorizationPolicy'),
    requestAuthentications: store.byAge('RequestAuthentication'),
  });
}

export function exportedTo(exportTo: readonly string[], owner: string, namespace: string): boolean {
  return exportTo.some((e) => e === '*' || (e === '.' ? owner === namespace : e === namespace));
}

export function serviceVisible(push: PushContext, service: ServiceInfo, namespace: string): boolean {
  const exportTo = service.exportTo.length === 0 ? push.mesh.defaultServiceExportTo : service.exportTo;
  return exportedTo(exportTo, service.namespace, namespace);
}

export function virtualServiceVisible(push: PushContext, vs: Resource<'VirtualService'>, namespace: string): boolean {
  const exportTo = vs.spec.exportTo ?? push.mesh.defaultVirtualServiceExportTo;
  return exportedTo(exportTo, vs.namespace, namespace);
}

/** Host name as Istio resolves it for a resource in `namespace` (ResolveShortnameToFQDN). */
export function resolveHost(host: string, namespace: string, domainSuffix: string): string {
  if (host.startsWith('*') || host.includes('.') || host.includes(':')) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

/** host.Name.Matches for a pattern host (wildcard allowed) against a concrete host. */
export function hostCovers(pattern: string, name: string): boolean {
  if (pattern === name || pattern === '*') return true;
  return pattern.startsWith('*') && name.endsWith(pattern.slice(1));
}

/**
 * The DestinationRule that applies to `host` for a client in `clientNamespace`: client namespace, then
 * the service's namespace, then the root namespace; within a namespace the exact host beats wildcards,
 * and among equals the oldest wins.
 */
export function destinationRuleFor(push: PushContext, host: string, serviceNamespace: string, clientNamespace: string): Resource<'DestinationRule'> | null {
  // Rules filed by namespace once per config (oldest first within each, as push.destinationRules is),
  // each with its host resolved and its exportTo: a lookup per imported service reads them as they are.
  const byNamespace = memoizedByConfig(push, 'destination-rules-by-namespace', () => {
    const out = new Map<string, FiledRule[]>();
    for (const dr of push.destinationRules) {
      const filed = { dr, host: resolveHost(dr.spec.host ?? '', dr.namespace, push.mesh.domainSuffix), exportTo: dr.spec.exportTo ?? push.mesh.defaultDestinationRuleExportTo };
      const list = out.get(dr.namespace);
      if (list === undefined) out.set(dr.namespace, [filed]);
      else if (mergeInto(list, filed)) list.push(filed);
    }
    return out;
  });
  // The client's namespace first, then the service's, then the root namespace.
  return bestRuleIn(byNamespace.get(clientNamespace), host, clientNamespace)
    ?? bestRuleIn(byNamespace.get(serviceNamespace), host, clientNamespace)
    ?? bestRuleIn(byNamespace.get(push.mesh.rootNamespace), host, clientNamespace);
}

interface FiledRule {
  dr: Resource<'DestinationRule'>;
  readonly host: string;
  readonly exportTo: readonly string[];
}

/**
 * Istio's mergeDestinationRule (pilot/pkg/model/destination_rule.go), for a rule `next` filed after the
 * older rules of its namespace: with an older rule for the same host (as written, resolved) and neither
 * selecting workloads, the older one takes `next`'s subsets whose names it lacks, and `next`'s traffic
 * policy when it has none (first wins); with ENABLE_ENHANCED_DESTINATIONRULE_MERGE (on by default) only
 * when their exportTo sets are equal, or `next`'s is a superset (then `next` also stands alone). Returns
 * whether `next` stands alone in the list.
 */
function mergeInto(list: FiledRule[], next: FiledRule): boolean {
  let alone = true;
  const nextSet = new Set(next.exportTo);
  for (const older of list) {
    if (older.host !== next.host || older.dr.spec.workloadSelector !== undefined || next.dr.spec.workloadSelector !== undefined) continue;
    const equal = older.exportTo.length === nextSet.size && older.exportTo.every((e) => nextSet.has(e));
    const superset = older.exportTo.length > 0 && older.exportTo.every((e) => nextSet.has(e));
    if (!equal && !superset) continue;
    if (equal) alone = false;
    const names = new Set((older.dr.spec.subsets ?? []).map((subset) => subset?.name));
    const added = (next.dr.spec.subsets ?? []).filter((subset) => !names.has(subset?.name));
    const trafficPolicy = older.dr.spec.trafficPolicy ?? next.dr.spec.trafficPolicy;
    older.dr = { ...older.dr, spec: { ...older.dr.spec, subsets: [...(older.dr.spec.subsets ?? []), ...added], ...(trafficPolicy === undefined ? {} : { trafficPolicy }) } };
  }
  return alone;
}

function bestRuleIn(rules: readonly FiledRule[] | undefined, host: string, clientNamespace: string): Resource<'DestinationRule'> | null {
  if (rules === undefined) return null;
  let best: Resource<'DestinationRule'> | null = null;
  let bestScore = -1;
  for (const { dr, host: drHost, exportTo } of rules) {
    if (!exportedTo(exportTo, dr.namespace, clientNamespace)) continue;
    if (!hostCovers(drHost, host)) continue;
    const score = drHost === host ? Number.MAX_SAFE_INTEGER : drHost.length;
    if (score > bestScore) {
      best = dr;
      bestScore = score;
    }
  }
  return best;
}
