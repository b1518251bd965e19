/**
 * SidecarScope: what one sidecar can see (Istio: pilot/pkg/model/sidecar.go). The Sidecar resource that
 * applies to a proxy is, in order: the oldest Sidecar in the proxy's namespace whose workloadSelector
 * matches the proxy; else the namespace-wide one (no selector) in its namespace; else the namespace-wide
 * one in the root namespace; else none (everything visible).
 *
 * Egress `hosts` are `namespace/dnsName`: the namespace part is `*` (any), `.` (the proxy's namespace:
 * model/sidecar.go resolves it against the config namespace, so a root-namespace default means each
 * workload's own namespace),
 * `~` (none) or a name; the dnsName may be `*` or a `*.suffix` wildcard. A service is imported when some
 * entry matches its namespace and host; a VirtualService when some entry matches its namespace and one of
 * its hosts. The Sidecar's outboundTrafficPolicy overrides the mesh's.
 *
 * Invariants: pure; a proxy without a Sidecar sees what the mesh exports to its namespace. Per
 * snapshot, the Sidecars are filed by namespace once and each (Sidecar, proxy namespace) scope is built
 * once (PushContext memo): a push that asks for 50,000 proxies' scopes reads their namespace's
 * Sidecars, not every Sidecar of the mesh, and proxies of one scope share its object.
 *
 * Not modelled: egress listeners per port and bind/captureMode, ingress listeners, the multi-host
 * VirtualService import corner of issue 37087.
 */
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { Resource } from '../config/resource.ts';
import type { OutboundTrafficPolicyMode } from '../config/mesh-config.ts';
import type { ServiceInfo } from '../topology/model.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { groupBy } from '../core/group.ts';
import { hostCovers, memoizedByConfig, resolveHost } from './push-context.ts';
import type { PushContext } from './push-context.ts';

export interface SidecarScope {
  /** `ns/name` of the Sidecar that applies, or null. */
  readonly sidecar: string | null;
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  importsService(service: ServiceInfo): boolean;
  importsVirtualService(vs: Resource<'VirtualService'>): boolean;
}

type Egress = { hosts?: string[] };

export function sidecarScopeFor(push: PushContext, proxy: ProxyIdentity): SidecarScope {
  // Per config and proxy identity (identities are never changed once built): a push asks for every proxy's scope.
  const byProxy = memoizedByConfig(push, 'sidecar-scope-by-proxy', () => new WeakMap<ProxyIdentity, SidecarScope>());
  let scope = byProxy.get(proxy);
  if (scope === undefined) byProxy.set(proxy, scope = scopeOf(push, proxy));
  return scope;
}

function scopeOf(push: PushContext, proxy: ProxyIdentity): SidecarScope {
  const sidecar = selectSidecar(push, proxy);
  const scopes = memoizedByConfig(push, 'sidecar-scopes', () => new Map<Resource<'Sidecar'> | null, Map<string, SidecarScope>>());
  let byNamespace = scopes.get(sidecar);
  if (byNamespace === undefined) scopes.set(sidecar, byNamespace = new Map());
  // Without a Sidecar the scope is the same for every namespace; with one, `.` resolves per proxy namespace.
  const namespace = sidecar === null ? '' : proxy.namespace;
  let scope = byNamespace.get(namespace);
  if (scope === undefined) byNamespace.set(namespace, scope = buildScope(push, sidecar, namespace));
  return scope;
}

function buildScope(push: PushContext, sidecar: Resource<'Sidecar'> | null, proxyNamespace: string): SidecarScope {
  const mode = (sidecar?.spec.outboundTrafficPolicy?.mode as OutboundTrafficPolicyMode | undefined) ?? push.mesh.outboundTrafficPolicy;
  if (sidecar === null) {
    return { sidecar: null, outboundTrafficPolicy: mode, importsService: () => true, importsVirtualService: () => true };
  }
  const entries = ((sidecar.spec.egress ?? []) as Egress[]).flatMap((e) => e.hosts ?? []).map((h) => parseEntry(h, proxyNamespace));
  const imports = (namespace: string, host: string) => entries.some((e) => e.namespace !== '~' && (e.namespace === '*' || e.namespace === namespace) && hostCovers(e.host, host));
  return {
    sidecar: `${sidecar.namespace}/${sidecar.name}`,
    outboundTrafficPolicy: mode,
    importsService: (s) => imports(s.namespace, s.hostname),
    importsVirtualService: (vs) => (vs.spec.hosts ?? []).some((h) => imports(vs.namespace, resolveHost(h, vs.namespace, push.mesh.domainSuffix))),
  };
}

function parseEntry(entry: string, proxyNamespace: string): { namespace: string; host: string } {
  const slash = entry.indexOf('/');
  const namespace = slash < 0 ? '*' : entry.slice(0, slash);
  return { namespace: namespace === '.' ? proxyNamespace : namespace, host: slash < 0 ? entry : entry.slice(slash + 1) };
}

function selectSidecar(push: PushContext, proxy: ProxyIdentity): Resource<'Sidecar'> | null {
  const byNamespace = memoizedByConfig(push, 'sidecars-by-namespace', () => groupBy(push.sidecars, (s) => s.namespace));
  const here = byNamespace.get(proxy.namespace) ?? [];
  const selected = here.find((s) => {
    const labels = s.spec.workloadSelector?.labels as Labels | undefined;
    return labels !== undefined && Object.keys(labels).length > 0 && matchesLabels(labels, proxy.labels);
  });
  if (selected !== undefined) return selected;
  const namespaceWide = (s: Resource<'Sidecar'>) => Object.keys((s.spec.workloadSelector?.labels ?? {}) as Labels).length === 0;
  return here.find(namespaceWide) ?? (byNamespace.get(push.mesh.rootNamespace) ?? []).find(namespaceWide) ?? null;
}
