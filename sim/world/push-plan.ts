/**
 * Which proxies a push reaches and what it sends them, in Istio's terms (sim/controlplane/push-scope.ts):
 * the world's change keys (`Kind/namespace/name` from the API server) become Istio's ConfigKeys — a
 * Kubernetes Service is a ServiceEntry keyed by its host name, endpoint changes are keyed by host,
 * a MeshConfig change (the `istio` ConfigMap) forces a push to everyone — and a proxy's initial request
 * (`proxyrequest`) gets every type.
 *
 * Invariants: pure; keys of kinds istiod does not watch (ServiceAccount, Deployment, ...) are dropped.
 *
 * Not modelled: xDS subscriptions (every proxy watches the four types).
 */
import { planPush, proxyNeedsPush, proxyScopeFrom, pushProxyFrom } from '../controlplane/push-scope.ts';
import type { ConfigKey, ConfigKind, ProxyScopeSources, PushPlan, PushRequest as ScopeRequest, TriggerReason } from '../controlplane/push-scope.ts';
import type { PushRequest } from '../controlplane/debounce.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import { serviceHostname } from '../topology/model.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';

const WATCHED: ReadonlySet<string> = new Set<ConfigKind>([
  'VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'PeerAuthentication',
  'AuthorizationPolicy', 'RequestAuthentication', 'WorkloadEntry', 'WorkloadGroup', 'Secret', 'EnvoyFilter', 'Telemetry',
]);

export function scopeRequest(request: PushRequest, push: PushContext): ScopeRequest {
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
  return proxyNeedsPush(request, pushProxyFrom(push, proxy), proxyScopeFrom(push, proxy, sources(previous, watchedHosts)));
}

/** The types (and EDS services) to generate for the proxy's merged request. */
export function pushPlan(request: ScopeRequest, push: PushContext, previous: PushContext | null, proxy: ProxyIdentity, watchedHosts: ReadonlySet<string> | null): PushPlan {
  return planPush(request, pushProxyFrom(push, proxy), proxyScopeFrom(push, proxy, sources(previous, watchedHosts)));
}

function sources(previous: PushContext | null, watchedHosts: ReadonlySet<string> | null): ProxyScopeSources {
  return { ...(previous === null ? {} : { previous }), ...(watchedHosts === null ? {} : { watchedHosts }) };
}
