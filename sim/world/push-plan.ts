/**
 * Which proxies a push reaches and what it sends them, in Istio's terms (sim/controlplane/push-scope.ts):
 * the world's change keys (`Kind/namespace/name` from the API server) become Istio's ConfigKeys — a
 * Kubernetes Service is a ServiceEntry keyed by its host name, endpoint changes are keyed by host,
 * a MeshConfig change (the `istio` ConfigMap) forces a push to everyone — and a proxy's initial request
 * (`proxyrequest`) gets every type.
 *
 * Scoped requests and plans are memoised by the identity of their inputs (requests and snapshots are
 * never changed once built): a plan per (request, snapshot, previous snapshot, watched-host set, share
 * key), as istiod derives a proxy's push from its SidecarScope, which every proxy of a namespace and
 * Sidecar shares. A push to many proxies computes one plan per group of equal proxies.
 *
 * Invariants: pure; keys of kinds istiod does not watch (ServiceAccount, Deployment, ...) are dropped;
 * memoised answers equal what push-scope.ts computes for each proxy on its own.
 *
 * Not modelled: xDS subscriptions (every proxy watches the four types).
 */
import { planPush } from '../controlplane/push-scope.ts';
import type { ConfigKey, ConfigKind, PushPlan, PushRequest as ScopeRequest, TriggerReason } from '../controlplane/push-scope.ts';
import { planShareKey, proxyScopeFrom, pushProxyFrom } from '../controlplane/proxy-scope.ts';
import type { ProxyScopeSources } from '../controlplane/proxy-scope.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import { serviceHostname } from '../topology/model.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';

const WATCHED: ReadonlySet<string> = new Set<ConfigKind>([
  'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'PeerAuthentication',
  'AuthorizationPolicy', 'RequestAuthentication', 'WorkloadEntry', 'WorkloadGroup', 'Secret', 'EnvoyFilter', 'Telemetry',
]);

// Memoised by object identity (see the header); NO_OBJECT stands for a null key.
const scopedRequests = new WeakMap<PushRequest, WeakMap<PushContext, ScopeRequest>>();
const plans = new WeakMap<ScopeRequest, WeakMap<PushContext, WeakMap<object, WeakMap<object, Map<string, PushPlan>>>>>();
const NO_OBJECT = {};

export function scopeRequest(request: PushRequest, push: PushContext): ScopeRequest {
  let byPush = scopedRequests.get(request);
  if (byPush === undefined) scopedRequests.set(request, byPush = new WeakMap());
  let scoped = byPush.get(push);
  if (scoped === undefined) byPush.set(push, scoped = buildScopeRequest(request, push));
  return scoped;
}

function buildScopeRequest(request: PushRequest, push: PushContext): ScopeRequest {
  const keys: ConfigKey[] = [];
  let forced = request.reasons.has('proxyrequest');
  for (const text of request.configs) {
    const [kind, namespace, ...rest] = text.split('/');
    const name = rest.join('/');
    if (kind === 'Service') keys.push({ kind: 'ServiceEntry', namespace: namespace!, name: serviceHostname(name, namespace!, push.mesh.domainSuffix) });
    else if (kind === 'ConfigMap' && name === 'istio') forced = true;
    else if (WATCHED.has(kind!)) keys.push({ kind: kind as ConfigKind, namespace: namespace!, name });
  }
  return {
    full: request.full,
    forced,
    configsUpdated: keys,
    reasons: [...request.reasons.keys()] as TriggerReason[],
    rootNamespace: push.mesh.rootNamespace,
  };
}

/** Does this push concern the proxy at all (before it is queued)? `watchedHosts`: its EDS clusters' hosts (null: none held yet). */
export function needsPush(request: ScopeRequest, push: PushContext, previous: PushContext | null, proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null): boolean {
  if (request.forced === true) return true;
  // DefaultProxyNeedsPush: some update is relevant, which is what the plan's narrowed keys are.
  return pushPlan(request, push, previous, proxy, watchedHosts).configsUpdated.length > 0;
}

/** The types (and EDS services) to generate for the proxy's merged request. */
export function pushPlan(request: ScopeRequest, push: PushContext, previous: PushContext | null, proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null): PushPlan {
  return pushPlanner(request, push, previous)(proxy, watchedHosts);
}

/** `pushPlan` for one (request, snapshot, previous snapshot), looked up once for the many proxies a push asks about. */
export function pushPlanner(request: ScopeRequest, push: PushContext, previous: PushContext | null): (proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null) => PushPlan {
  const byPush = nested(plans, request, () => new WeakMap());
  const byPrevious = nested(byPush, push, () => new WeakMap());
  const byHosts = nested(byPrevious, previous ?? NO_OBJECT, () => new WeakMap());
  return (proxy, watchedHosts) => planOf(request, push, previous, nested(byHosts, watchedHosts ?? NO_OBJECT, () => new Map<string, PushPlan>()), proxy, watchedHosts);
}

function planOf(
  request: ScopeRequest, push: PushContext, previous: PushContext | null, byKey: Map<string, PushPlan>,
  proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null,
): PushPlan {
  // The share key is remembered per proxy while the configs stay (proxy-scope.ts), so a proxy asked
  // twice (queued, then generated) or at every push costs two lookups, and no table per push grows by
  // a proxy.
  const pushProxy = pushProxyFrom(push, proxy);
  const key = planShareKey(request, push, previous, proxy, pushProxy);
  let plan = byKey.get(key);
  if (plan === undefined) {
    plan = planPush(request, pushProxy, proxyScopeFrom(push, proxy, sources(previous, watchedHosts)));
    byKey.set(key, plan);
  }
  return plan;
}

/** Without the memo: what push-scope.ts plans for this proxy alone (tests compare the two). */
export function pushPlanUncached(request: ScopeRequest, push: PushContext, previous: PushContext | null, proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null): PushPlan {
  return planPush(request, pushProxyFrom(push, proxy), proxyScopeFrom(push, proxy, sources(previous, watchedHosts)));
}

function nested<K extends object, V>(map: WeakMap<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}

function sources(previous: PushContext | null, watchedHosts: ReadonlySet<string> | null): ProxyScopeSources {
  return { ...(previous === null ? {} : { previous }), ...(watchedHosts === null ? {} : { watchedHosts }) };
}
