/**
 * A VirtualService's HTTP rules → the xds Routes one proxy gets on one listener port (Istio:
 * pilot/pkg/networking/core/route/route.go BuildHTTPRoutesForVirtualService, TranslateRoute,
 * applyHTTPRouteDestination, processDestination, processWeightedDestination, GetDestinationCluster,
 * TranslateHeadersOperations, ApplyRedirect, ApplyDirectResponse, BuildDefaultHTTPOutboundRoute,
 * IsCatchAllRoute).
 *
 * Rules: rules in order, one Route per `match` entry in order (the entries are ORed); a rule without
 * `match` is one catch-all Route; nothing is emitted after a catch-all (including a match left with
 * only static fields, such as `port` equal to this listener's). Static match fields (port,
 * sourceLabels, sourceNamespace, gateways) decide per proxy whether a match exists at all. Route names
 * are Istio's: `http[].name`, plus `.` and the match's `name` when it has one (Istio generates no other
 * name, so an unnamed rule gives ''); `source` is the VirtualService's `ns/name` (the delegate's for a
 * delegated rule).
 *
 * Hash policies (processDestination, processWeightedDestination): each destination's DestinationRule
 * consistentHash (translate-consistent-hash.ts HashForHTTPDestination) adds its hash policy to the route
 * action, in destination order — so a route with several weighted destinations carries all of theirs,
 * whichever cluster a request is sent to. Istio's default route carries the service's (hashForService).
 *
 * Invariants: pure; the VirtualService is never mutated; the same inputs give deep-equal output.
 *
 * Not modelled: CORS, stateful sessions, inference pools, HTTP/3
 * alt-svc headers, decorators and stat prefixes, x-forwarded-host, Gateway API and Ingress semantics
 * (500 for a missing cluster, path-separated prefixes, prefix-removing rewrites), redirects on TLS
 * listeners (the default redirect scheme is taken as http), Kubernetes ExternalName aliasing. A
 * redirectCode Istio does not support (e.g. 300, 304) makes Istio emit a route without an action, which
 * Envoy rejects with the whole route configuration; here only that route is left out.
 */
import type { Resource } from '../config/resource.ts';
import { outboundClusterName } from '../xds/cluster.ts';
import type { HashPolicy, HeaderOperations, MirrorPolicy, Route, RouteAction, RouteMatch, WeightedCluster } from '../xds/route.ts';
import { effectiveRules, resolveGatewayName } from './delegate.ts';
import type { DelegateLookup, DestinationSpec, HttpRouteSpec } from './delegate.ts';
import { EMPTY_OPERATIONS, isEmpty, mergeOperations, translateHeadersOperations } from './translate-headers.ts';
import { isCatchAllMatch, matchAppliesTo, translateRouteMatch, CATCH_ALL_MATCH } from './translate-match.ts';
import type { HttpMatchSpec } from './translate-match.ts';
import { DEFAULT_RETRY_POLICY, convertRetryPolicy, mirrorPolicyPpm, mirrorPpm, translateFault, translateTimeout } from './translate-policy.ts';

export { DEFAULT_RETRY_POLICY } from './translate-policy.ts';

export interface RouteContext {
  /** The proxy the routes are for: its namespace and labels (for sourceLabels / sourceNamespace). */
  readonly proxyNamespace: string;
  readonly proxyLabels: Readonly<Record<string, string>>;
  /** Gateway names (`ns/name`) this proxy serves, or ['mesh'] for a sidecar. */
  readonly gateways: readonly string[];
  /** The listener port the route config is for (for `port` matches; 0 = any). */
  readonly listenerPort: number;
  /** Resolves a destination host as written in the VirtualService (short names against the VS namespace) to a service FQDN. */
  readonly resolveHost: (host: string, vsNamespace: string) => string;
  /** The port number to use for a destination without `port` (the service's only port), or null when unknown/ambiguous. */
  readonly defaultPort: (fqdn: string) => number | null;
  readonly domainSuffix: string;
  /**
   * The hash policy the DestinationRule of a destination (FQDN, subset or '', port if the destination
   * names one) gives its routes (HashForHTTPDestination); absent: none.
   */
  readonly hashPolicyFor?: (host: string, subset: string, port: number | null) => HashPolicy | null;
}

/** Envoy's response for a missing cluster on sidecars and classic gateways (Gateway API: 500). */
const CLUSTER_NOT_FOUND_STATUS = 503;

/**
 * route.go BuildDefaultHTTPOutboundRoute: `default`, prefix `/`, the mesh default retries, no timeout;
 * buildSidecarVirtualHostForService adds the service's hash policy, if any.
 */
export function defaultRoute(fqdn: string, port: number, hashPolicy: HashPolicy | null = null): Route {
  return {
    name: 'default',
    match: CATCH_ALL_MATCH,
    action: {
      kind: 'route',
      clusters: [{ name: outboundClusterName(port, '', fqdn), weight: 100 }],
      timeoutUs: null,
      retry: DEFAULT_RETRY_POLICY,
      mirrors: [],
      ...(hashPolicy === null ? {} : { hashPolicies: [hashPolicy] }),
      clusterNotFoundStatus: CLUSTER_NOT_FOUND_STATUS,
    },
    source: null,
  };
}

/** route.go IsCatchAllRoute: prefix `/` or regex `.*`, with no header or query parameter matcher. */
export function isCatchAllRoute(route: Route): boolean {
  return isCatchAllMatch(route.match);
}

/** route.go BuildHTTPRoutesForVirtualService, after delegates are merged (delegate.ts). */
export function translateVirtualServiceRoutes(vs: Resource<'VirtualService'>, context: RouteContext, delegates?: DelegateLookup): Route[] {
  // mergeVirtualServices: a VirtualService without hosts is a delegate and has no routes of its own.
  if ((vs.spec.hosts ?? []).length === 0) return [];
  // VirtualService `gateways`: absent means `mesh`; a VS bound to none of this proxy's gateways is not used.
  const bound = (vs.spec.gateways ?? []).length === 0 ? ['mesh'] : (vs.spec.gateways ?? []).map((g) => resolveGatewayName(g, vs.namespace));
  if (!bound.some((g) => context.gateways.includes(g))) return [];
  const out: Route[] = [];
  for (const { rule, source } of effectiveRules(vs, context.resolveHost, delegates)) {
    const matches: readonly (HttpMatchSpec | undefined)[] = (rule.match ?? []).length === 0 ? [undefined] : rule.match ?? [];
    let catchAll = false;
    for (const match of matches) {
      // TranslateRoute: port, sourceLabels, sourceNamespace and gateways are config-time filters.
      if (!matchAppliesTo(match, context)) continue;
      const routeMatch = translateRouteMatch(match);
      const route = translateRoute(rule, match, routeMatch, context, source);
      if (route !== null) out.push(route);
      // BuildHTTPRoutesForVirtualService: routes after a catch-all are unreachable and not emitted.
      if (isCatchAllMatch(routeMatch)) {
        catchAll = true;
        break;
      }
    }
    // BuildHTTPRoutesForVirtualService: a rule without match is a catch-all whatever it translates to.
    if (catchAll || (rule.match ?? []).length === 0) break;
  }
  return out;
}

/** route.go TranslateRoute for one (rule, match) pair that applies to this proxy. */
function translateRoute(rule: HttpRouteSpec, match: HttpMatchSpec | undefined, routeMatch: RouteMatch, context: RouteContext, source: string): Route | null {
  // TranslateRoute: the route name is http[].name, plus "." and the match name when it has one.
  const matchName = match?.name ?? '';
  const name = matchName === '' ? rule.name ?? '' : `${rule.name ?? ''}.${matchName}`;
  const headers = translateHeadersOperations(rule.headers);
  let requestHeaders = headers.request;
  let responseHeaders = headers.response;
  let action: RouteAction | null;
  // TranslateRoute: redirect first, then directResponse, else forward to the destinations.
  if (rule.redirect !== undefined) action = translateRedirect(rule.redirect, context.listenerPort);
  else if (rule.directResponse !== undefined) action = translateDirectResponse(rule.directResponse);
  else {
    const forward = translateForward(rule, headers.authority, context);
    action = forward.action;
    requestHeaders = mergeOperations(requestHeaders, forward.requestHeaders);
    responseHeaders = mergeOperations(responseHeaders, forward.responseHeaders);
  }
  if (action === null) return null;
  return {
    name,
    match: routeMatch,
    action,
    ...(isEmpty(requestHeaders) ? {} : { requestHeaders }),
    ...(isEmpty(responseHeaders) ? {} : { responseHeaders }),
    // TranslateRoute: the fault filter config applies whatever the action.
    ...translateFault(rule.fault),
    source,
  };
}

interface Forward {
  readonly action: RouteAction;
  /** A single destination's header operations, which Istio appends to the route's. */
  readonly requestHeaders: HeaderOperations;
  readonly responseHeaders: HeaderOperations;
}

/** route.go applyHTTPRouteDestination. */
function translateForward(rule: HttpRouteSpec, routeAuthority: string, context: RouteContext): Forward {
  // applyHTTPRouteDestination: rewrite.authority beats an authority set through route-level headers.
  let hostRewrite = rule.rewrite?.authority !== undefined && rule.rewrite.authority !== '' ? rule.rewrite.authority : routeAuthority;
  const destinations = rule.route ?? [];
  let clusters: WeightedCluster[];
  let requestHeaders = EMPTY_OPERATIONS;
  let responseHeaders = EMPTY_OPERATIONS;
  const only = destinations.length === 1 ? destinations[0] : undefined;
  if (only !== undefined) {
    // processDestination: one destination gets the whole traffic, whatever its weight; its header
    // operations join the route's, and its authority applies only when the route level sets none.
    const ops = translateHeadersOperations(only.headers);
    clusters = [{ name: destinationCluster(only.destination, context), weight: 100 }];
    requestHeaders = ops.request;
    responseHeaders = ops.response;
    if (hostRewrite === '') hostRewrite = ops.authority;
  } else {
    // applyHTTPRouteDestination: weight-0 destinations are dropped; processWeightedDestination keeps
    // each destination's header operations and authority on its own cluster.
    clusters = destinations.filter((d) => (d.weight ?? 0) !== 0).map((d) => weightedCluster(d, context));
  }
  // processDestination / processWeightedDestination: each destination taken appends its hash policy.
  const taken = only !== undefined ? [only] : destinations.filter((d) => (d.weight ?? 0) !== 0);
  const hashPolicies = taken.flatMap(({ destination: d }) => {
    // HashForHTTPDestination reads port-level settings only when the destination names a port.
    const port = d.port === undefined ? null : d.port.number ?? 0;
    const policy = context.hashPolicyFor?.(d.host, d.subset ?? '', port) ?? null;
    return policy === null ? [] : [policy];
  });
  const rewrite = rule.rewrite;
  const regexRewrite = rewrite?.uriRegexRewrite;
  const action: RouteAction = {
    kind: 'route',
    clusters,
    timeoutUs: translateTimeout(rule.timeout),
    retry: convertRetryPolicy(rule.retries),
    // applyHTTPRouteDestination: uriRegexRewrite wins over uri; uri is Envoy's prefix_rewrite, which for
    // an exact (path) match replaces the whole path.
    ...(regexRewrite !== undefined
      ? { regexRewrite: { pattern: regexRewrite.match ?? '', substitution: regexRewrite.rewrite ?? '' } }
      : rewrite?.uri !== undefined && rewrite.uri !== '' ? { prefixRewrite: rewrite.uri } : {}),
    ...(hostRewrite === '' ? {} : { hostRewrite }),
    mirrors: translateMirrors(rule, context),
    ...(hashPolicies.length === 0 ? {} : { hashPolicies }),
    clusterNotFoundStatus: CLUSTER_NOT_FOUND_STATUS,
  };
  return { action, requestHeaders, responseHeaders };
}

function weightedCluster(d: NonNullable<HttpRouteSpec['route']>[number], context: RouteContext): WeightedCluster {
  const ops = translateHeadersOperations(d.headers);
  return {
    name: destinationCluster(d.destination, context),
    weight: d.weight ?? 0,
    ...(isEmpty(ops.request) ? {} : { requestHeaders: ops.request }),
    ...(isEmpty(ops.response) ? {} : { responseHeaders: ops.response }),
    ...(ops.authority === '' ? {} : { hostRewrite: ops.authority }),
  };
}

/**
 * route.go GetDestinationCluster: `outbound|port|subset|host`; the port is destination.port, else the
 * service's only port, else the listener port. The cluster need not exist (Envoy answers 503 NC).
 */
function destinationCluster(d: DestinationSpec, context: RouteContext): string {
  const port = d.port !== undefined ? d.port.number ?? 0 : context.defaultPort(d.host) ?? context.listenerPort;
  return outboundClusterName(port, d.subset ?? '', d.host);
}

/** applyHTTPRouteDestination: `mirror` (MirrorPercent) first, then each `mirrors` entry (MirrorPercentByPolicy). */
function translateMirrors(rule: HttpRouteSpec, context: RouteContext): MirrorPolicy[] {
  const out: MirrorPolicy[] = [];
  const legacyPpm = mirrorPpm(rule);
  if (rule.mirror !== undefined && legacyPpm !== null) out.push({ cluster: destinationCluster(rule.mirror, context), ppm: legacyPpm });
  for (const mirror of rule.mirrors ?? []) {
    const ppm = mirrorPolicyPpm(mirror.percentage);
    if (ppm !== null) out.push({ cluster: destinationCluster(mirror.destination, context), ppm });
  }
  return out;
}

/** route.go ApplyRedirect; null for a redirect code Istio does not support. */
function translateRedirect(redirect: NonNullable<HttpRouteSpec['redirect']>, listenerPort: number): RouteAction | null {
  const code = redirect.redirectCode ?? 0;
  // ApplyRedirect: 0 means 301; 302, 303, 307 and 308 map to Envoy's codes; others leave no action.
  const supported = code === 0 ? 301 : [301, 302, 303, 307, 308].includes(code) ? code : null;
  if (supported === null) return null;
  let port = 0;
  if (redirect.derivePort !== undefined || redirect.port !== undefined) {
    // ApplyRedirect: FROM_REQUEST_PORT is the listener port (routes are built per port);
    // FROM_PROTOCOL_DEFAULT sets no port.
    if (redirect.derivePort !== undefined) port = redirect.derivePort === 'FROM_REQUEST_PORT' ? listenerPort : 0;
    else port = redirect.port ?? 0;
    // ApplyRedirect: no explicit :80 for http or :443 for https (the scheme defaults to http here).
    const scheme = redirect.scheme === undefined || redirect.scheme === '' ? 'http' : redirect.scheme;
    if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) port = 0;
  }
  return {
    kind: 'redirect',
    ...nonEmpty('scheme', redirect.scheme),
    ...nonEmpty('host', redirect.authority),
    ...(port === 0 ? {} : { port }),
    // ApplyRedirect: uri becomes path_redirect (the query is kept by Envoy); prefixRewrite replaces the
    // matched prefix (prefix_rewrite), for newer Istio APIs that carry it.
    ...nonEmpty('path', redirect.uri),
    ...nonEmpty('prefixRewrite', (redirect as { prefixRewrite?: string }).prefixRewrite),
    code: supported,
  };
}

function nonEmpty<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined || value === '' ? {} : ({ [key]: value } as { [P in K]?: string });
}

/** route.go ApplyDirectResponse: the status and an inline string, or inline bytes (base64 in YAML). */
function translateDirectResponse(direct: NonNullable<HttpRouteSpec['directResponse']>): RouteAction {
  const body = direct.body;
  const text = body?.string !== undefined ? body.string : body?.bytes !== undefined ? decodeBase64(body.bytes) : '';
  return { kind: 'direct', status: direct.status, body: text };
}

/** Base64 (standard alphabet, padding optional) → UTF-8 text; invalid bytes become U+FFFD. */
function decodeBase64(encoded: string): string {
  const binary = atob(encoded.replace(/\s+/g, ''));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8').decode(bytes);
}
