/**
 * The effective HTTP rules of a VirtualService, as istiod sees them before translation: short names
 * resolved (pilot/pkg/model/virtualservice.go ResolveVirtualServiceShortnames, config.go
 * resolveGatewayName) and delegate VirtualServices merged in (virtualservice_controller.go
 * mergeVirtualServices; virtualservice.go MergeHTTPRoutes, mergeHTTPRoute, mergeHTTPMatchRequests,
 * mergeHTTPMatchRequest, hasConflict, stringMatchConflict).
 *
 * Invariants: pure, never mutates the specs it reads; each rule remembers the VirtualService it came
 * from (`ns/name`, the delegate's for merged rules); delegation is one level deep; the order is the
 * root's, with each delegate's rules in the delegate's order.
 *
 * Not modelled: mesh `defaultVirtualServiceExportTo` for a delegate without `exportTo` (taken as `*`,
 * Istio's default); Kubernetes ExternalName aliasing of destination hosts.
 */
import type { Resource } from '../config/resource.ts';
import type { HttpMatchSpec, StringMatchSpec, StringMatchMap } from './translate-match.ts';

export interface DestinationSpec {
  readonly host: string;
  readonly subset?: string;
  readonly port?: { readonly number?: number };
}

export interface HeaderOperationSpec {
  readonly set?: Readonly<Record<string, string>>;
  readonly add?: Readonly<Record<string, string>>;
  readonly remove?: readonly string[];
}

export interface HeadersSpec {
  readonly request?: HeaderOperationSpec;
  readonly response?: HeaderOperationSpec;
}

export interface PercentSpec {
  readonly value?: number;
}

/** The fields of an HTTPRoute that routing reads (a view of the generated spec type). */
export interface HttpRouteSpec {
  readonly name?: string;
  readonly match?: readonly HttpMatchSpec[];
  readonly route?: readonly { readonly destination: DestinationSpec; readonly weight?: number; readonly headers?: HeadersSpec }[];
  readonly redirect?: {
    readonly uri?: string; readonly authority?: string; readonly scheme?: string; readonly port?: number;
    readonly derivePort?: string; readonly redirectCode?: number;
  };
  readonly directResponse?: { readonly status: number; readonly body?: { readonly string?: string; readonly bytes?: string } };
  readonly delegate?: { readonly name?: string; readonly namespace?: string };
  readonly rewrite?: { readonly uri?: string; readonly uriRegexRewrite?: { readonly match?: string; readonly rewrite?: string }; readonly authority?: string };
  readonly timeout?: string;
  readonly retries?: { readonly attempts?: number; readonly perTryTimeout?: string; readonly retryOn?: string; readonly retryRemoteLocalities?: boolean };
  readonly fault?: {
    readonly delay?: { readonly fixedDelay?: string; readonly exponentialDelay?: string; readonly percentage?: PercentSpec; readonly percent?: number };
    readonly abort?: { readonly httpStatus?: number; readonly grpcStatus?: string; readonly http2Error?: string; readonly percentage?: PercentSpec };
  };
  readonly mirror?: DestinationSpec;
  readonly mirrorPercentage?: PercentSpec;
  /** Legacy integer percent; `mirror_percent` (the proto field name) is folded in here. */
  readonly mirrorPercent?: number;
  readonly mirror_percent?: number;
  readonly mirrors?: readonly { readonly destination: DestinationSpec; readonly percentage?: PercentSpec }[];
  readonly corsPolicy?: unknown;
  readonly headers?: HeadersSpec;
}

export interface EffectiveRule {
  readonly rule: HttpRouteSpec;
  /** `ns/name` of the VirtualService the rule's actions come from. */
  readonly source: string;
}

export type HostResolver = (host: string, namespace: string) => string;
export type DelegateLookup = (name: string, namespace: string) => Resource<'VirtualService'> | undefined;

/** config.go resolveGatewayName: `ns/name` stays, `./name` and short names take the VS namespace. */
export function resolveGatewayName(gateway: string, namespace: string): string {
  if (gateway === 'mesh') return gateway; // ResolveVirtualServiceShortnames skips the reserved `mesh`.
  const slash = gateway.indexOf('/');
  if (slash >= 0) return gateway.slice(0, slash) === '.' ? `${namespace}/${gateway.slice(slash + 1)}` : gateway;
  const dot = gateway.indexOf('.');
  if (dot < 0) return `${namespace}/${gateway}`; // A short name: a gateway in the VS namespace.
  // Legacy FQDN `name.ns[.svc.cluster.local]` → `ns/name`.
  const rest = gateway.slice(dot + 1);
  const next = rest.indexOf('.');
  return `${next < 0 ? rest : rest.slice(0, next)}/${gateway.slice(0, dot)}`;
}

/** ResolveVirtualServiceShortnames for the http section: gateways, destination and mirror hosts. */
export function resolveRules(vs: Resource<'VirtualService'>, resolveHost: HostResolver): HttpRouteSpec[] {
  const ns = vs.namespace;
  const destination = (d: DestinationSpec): DestinationSpec => ({ ...d, host: d.host === '' ? '' : resolveHost(d.host, ns) });
  const rules = (vs.spec.http ?? []) as readonly HttpRouteSpec[];
  return rules.map((rule) => {
    const { mirror_percent: legacyPercent, ...rest } = rule;
    const mirrorPercent = rule.mirrorPercent ?? legacyPercent;
    return {
      ...rest,
      ...(mirrorPercent === undefined ? {} : { mirrorPercent }),
      ...(rule.match === undefined ? {} : {
        match: rule.match.map((m) => (m.gateways === undefined ? m : { ...m, gateways: m.gateways.map((g) => resolveGatewayName(g, ns)) })),
      }),
      ...(rule.route === undefined ? {} : { route: rule.route.map((r) => ({ ...r, destination: destination(r.destination) })) }),
      ...(rule.mirror === undefined ? {} : { mirror: destination(rule.mirror) }),
      ...(rule.mirrors === undefined ? {} : { mirrors: rule.mirrors.map((m) => ({ ...m, destination: destination(m.destination) })) }),
    };
  });
}

/**
 * The rules to translate: the VirtualService's own rules, with each `delegate` rule replaced by the
 * delegate's rules merged onto it (mergeVirtualServices). A missing delegate, one with hosts (a root,
 * not a delegate), or one not exported to the root's namespace drops just that root rule.
 */
export function effectiveRules(vs: Resource<'VirtualService'>, resolveHost: HostResolver, delegates?: DelegateLookup): EffectiveRule[] {
  const source = `${vs.namespace}/${vs.name}`;
  const out: EffectiveRule[] = [];
  for (const rule of resolveRules(vs, resolveHost)) {
    if (rule.delegate === undefined) {
      out.push({ rule, source });
      continue;
    }
    const namespace = rule.delegate.namespace === undefined || rule.delegate.namespace === '' ? vs.namespace : rule.delegate.namespace;
    const delegate = delegates?.(rule.delegate.name ?? '', namespace);
    // mergeVirtualServices: delegate not found (delegates are the VirtualServices without hosts).
    if (delegate === undefined || (delegate.spec.hosts ?? []).length > 0) continue;
    // mergeVirtualServices: the delegate must be exported to the root's namespace.
    if (!exportedToNamespace(delegate, vs.namespace)) continue;
    const delegateSource = `${delegate.namespace}/${delegate.name}`;
    for (const sub of resolveRules(delegate, resolveHost)) {
      // One level of delegation: a delegate's own delegate rule has nothing to merge.
      if (sub.delegate !== undefined) continue;
      const merged = mergeHttpRoute(rule, sub);
      if (merged !== null) out.push({ rule: merged, source: delegateSource });
    }
  }
  return out;
}

function exportedToNamespace(vs: Resource<'VirtualService'>, namespace: string): boolean {
  const exportTo = vs.spec.exportTo ?? [];
  if (exportTo.length === 0) return true; // Mesh default exportTo is `*`.
  return exportTo.some((e) => e === '*' || e === namespace || (e === '.' && vs.namespace === namespace));
}

/** virtualservice.go mergeHTTPRoute: null when the delegate's matches conflict with the root's. */
export function mergeHttpRoute(root: HttpRouteSpec, delegate: HttpRouteSpec): HttpRouteSpec | null {
  const match = mergeHttpMatchRequests(root.match ?? [], delegate.match ?? []);
  if (match === null) return null;
  // mergeHTTPRoute: unset delegate fields inherit from the root; the name becomes `root-delegate`.
  return {
    ...delegate,
    match,
    ...joinedName(root.name, delegate.name),
    ...inherit('rewrite', root, delegate),
    ...inherit('directResponse', root, delegate),
    ...inherit('timeout', root, delegate),
    ...inherit('retries', root, delegate),
    ...inherit('fault', root, delegate),
    ...inherit('mirror', root, delegate),
    ...inherit('mirrorPercent', root, delegate),
    ...inherit('mirrorPercentage', root, delegate),
    ...inherit('corsPolicy', root, delegate),
    ...inherit('mirrors', root, delegate),
    ...inherit('headers', root, delegate),
  };
}

function inherit<K extends keyof HttpRouteSpec>(key: K, root: HttpRouteSpec, delegate: HttpRouteSpec): Partial<HttpRouteSpec> {
  const value = delegate[key] ?? root[key];
  return value === undefined ? {} : { [key]: value };
}

function joinedName(root: string | undefined, delegate: string | undefined): { name?: string } {
  const r = root ?? '';
  const d = delegate ?? '';
  if (d === '') return r === '' ? {} : { name: r };
  return { name: r === '' ? d : `${r}-${d}` };
}

/**
 * mergeHTTPMatchRequests: every delegate match must be compatible with some root match; the result is
 * the cross product of compatible pairs (delegate-major). null = conflict (the delegate rule is dropped).
 */
export function mergeHttpMatchRequests(root: readonly HttpMatchSpec[], delegate: readonly HttpMatchSpec[]): HttpMatchSpec[] | null {
  if (root.length === 0) return [...delegate];
  if (delegate.length === 0) return [...root];
  const out: HttpMatchSpec[] = [];
  for (const sub of delegate) {
    const compatible = root.filter((r) => !hasConflict(r, sub));
    if (compatible.length === 0) return null; // One incompatible delegate match drops the whole rule.
    for (const r of compatible) out.push(mergeHttpMatchRequest(r, sub));
  }
  return out;
}

/** mergeHTTPMatchRequest: the delegate's fields, unset ones from the root, maps merged (delegate wins). */
function mergeHttpMatchRequest(root: HttpMatchSpec, delegate: HttpMatchSpec): HttpMatchSpec {
  const pick = <K extends keyof HttpMatchSpec>(key: K, unset: (v: HttpMatchSpec[K]) => boolean): Partial<HttpMatchSpec> => {
    const value = unset(delegate[key]) ? root[key] : delegate[key];
    return value === undefined ? {} : { [key]: value };
  };
  const isUnset = (v: unknown): boolean => v === undefined || v === '' || v === 0 || (Array.isArray(v) && v.length === 0);
  return {
    ...delegate,
    ...joinedName(root.name, delegate.name),
    ...pick('uri', isUnset),
    ...pick('scheme', isUnset),
    ...pick('method', isUnset),
    ...pick('authority', isUnset),
    headers: { ...root.headers, ...delegate.headers },
    withoutHeaders: { ...root.withoutHeaders, ...delegate.withoutHeaders },
    queryParams: { ...root.queryParams, ...delegate.queryParams },
    sourceLabels: { ...root.sourceLabels, ...delegate.sourceLabels },
    ...pick('port', isUnset),
    ...pick('sourceNamespace', isUnset),
    ...pick('gateways', isUnset),
    ...pick('statPrefix', isUnset),
  };
}

/** virtualservice.go hasConflict: can the delegate match be a refinement of the root match? */
export function hasConflict(root: HttpMatchSpec, leaf: HttpMatchSpec): boolean {
  const fields = ['uri', 'scheme', 'method', 'authority'] as const;
  if (fields.some((f) => stringMatchConflict(root[f], leaf[f]))) return true;
  if (mapConflict(root.headers, leaf.headers)) return true;
  if (mapConflict(root.withoutHeaders, leaf.withoutHeaders)) return true;
  if (mapConflict(root.queryParams, leaf.queryParams)) return true;
  if ((root.ignoreUriCase ?? false) !== (leaf.ignoreUriCase ?? false)) return true;
  const rootPort = root.port ?? 0;
  const leafPort = leaf.port ?? 0;
  if (rootPort > 0 && leafPort > 0 && rootPort !== leafPort) return true;
  const rootNamespace = root.sourceNamespace ?? '';
  if (rootNamespace !== '' && (leaf.sourceNamespace ?? '') !== rootNamespace) return true;
  for (const [key, value] of Object.entries(leaf.sourceLabels ?? {})) {
    const rootValue = root.sourceLabels?.[key];
    if (rootValue !== undefined && rootValue !== value) return true;
  }
  // hasConflict: the root's gateways must be a superset of the delegate's.
  const rootGateways = root.gateways ?? [];
  const leafGateways = leaf.gateways ?? [];
  if (rootGateways.length > 0 && leafGateways.length > 0) {
    if (rootGateways.length < leafGateways.length) return true;
    if (leafGateways.some((g) => !rootGateways.includes(g))) return true;
  }
  return false;
}

function mapConflict(root: StringMatchMap | undefined, leaf: StringMatchMap | undefined): boolean {
  return Object.keys(leaf ?? {}).some((key) => stringMatchConflict(root?.[key], leaf?.[key]));
}

/**
 * virtualservice.go stringMatchConflict (empty strings count as unset, as Go's getters do): a regex on
 * either side conflicts with anything; root exact wants the same exact; root prefix wants a delegate
 * prefix or exact that starts with it; any other pairing conflicts.
 */
export function stringMatchConflict(root: StringMatchSpec | undefined, leaf: StringMatchSpec | undefined): boolean {
  if (root === undefined || leaf === undefined) return false;
  const r = { exact: root.exact ?? '', prefix: root.prefix ?? '', regex: root.regex ?? '' };
  const l = { exact: leaf.exact ?? '', prefix: leaf.prefix ?? '', regex: leaf.regex ?? '' };
  if (r.regex !== '' && (l.regex !== '' || l.prefix !== '' || l.exact !== '')) return true;
  if (l.regex !== '' && (r.regex !== '' || r.prefix !== '' || r.exact !== '')) return true;
  if (r.exact !== '') return l.prefix !== '' || l.exact !== r.exact;
  if (r.prefix !== '') {
    if (l.prefix !== '') return !l.prefix.startsWith(r.prefix);
    if (l.exact !== '') return !l.exact.startsWith(r.prefix);
  }
  return true;
}
