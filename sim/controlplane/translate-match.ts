/**
 * One VirtualService `HTTPMatchRequest` → an xds RouteMatch, plus the config-time checks that decide
 * whether the match exists at all for a given proxy and listener (Istio:
 * pilot/pkg/networking/core/route/route.go TranslateRouteMatch, translateHeaderMatch,
 * translateQueryParamMatch, canBeConvertedToPresentMatch, sourceMatchHTTP, TranslateRoute's port check,
 * IsCatchAllRoute).
 *
 * Invariants: pure; the output is deterministic whatever the key order of the input maps (header and
 * query matchers are sorted by name, where Istio sorts headers and leaves query parameters in Go's
 * random map order); a StringMatch with no match type, or `regex: "*"`, is a presence match.
 *
 * Not modelled:
 * - JWT claim matches (`@request.auth.claims.x` / `[x]`): Envoy gets dynamic-metadata matchers; here they
 *   stay header matchers under that name, which no request carries (a claim match never matches, as
 *   with no token; an inverted one always does).
 * - Ingress and Gateway API semantics (path-separated prefixes): classic VirtualServices only.
 * - `statPrefix` (stats only).
 */
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch, StringMatcher } from '../xds/route.ts';
import { compareStrings } from '../core/compare.ts';

/** Istio's StringMatch oneof: at most one key is set; none set (`{}`) means presence. */
export interface StringMatchSpec {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

export type StringMatchMap = Readonly<Record<string, StringMatchSpec>>;

/** The fields of an HTTPMatchRequest that routing reads (a view of the generated spec type). */
export interface HttpMatchSpec {
  readonly name?: string;
  readonly uri?: StringMatchSpec;
  readonly scheme?: StringMatchSpec;
  readonly method?: StringMatchSpec;
  readonly authority?: StringMatchSpec;
  readonly headers?: StringMatchMap;
  readonly withoutHeaders?: StringMatchMap;
  readonly queryParams?: StringMatchMap;
  readonly ignoreUriCase?: boolean;
  readonly port?: number;
  readonly sourceLabels?: Readonly<Record<string, string>>;
  readonly sourceNamespace?: string;
  readonly gateways?: readonly string[];
  readonly statPrefix?: string;
}

/** Who the routes are for: the parts of RouteContext the static match checks read. */
export interface MatchScope {
  readonly proxyNamespace: string;
  readonly proxyLabels: Readonly<Record<string, string>>;
  readonly gateways: readonly string[];
  readonly listenerPort: number;
}

/** Envoy's match for "no match block": prefix `/`, case-sensitive (the proto default). */
export const CATCH_ALL_MATCH: RouteMatch = Object.freeze({ prefix: '/', caseSensitive: true, headers: Object.freeze([]), queryParameters: Object.freeze([]) });

/**
 * Does this match exist on this proxy and listener? TranslateRoute drops a match for another port, then
 * sourceMatchHTTP: match-level gateways decide alone when set (labels and namespace are then ignored);
 * otherwise sourceLabels must be a subset of the proxy's labels and sourceNamespace must be its namespace.
 */
export function matchAppliesTo(match: HttpMatchSpec | undefined, scope: MatchScope): boolean {
  if (match === undefined) return true; // route.go sourceMatchHTTP: no match block applies everywhere.
  const port = match.port ?? 0;
  // route.go TranslateRoute: a match for another listener port is not emitted (listenerPort 0 = any).
  if (port !== 0 && scope.listenerPort !== 0 && port !== scope.listenerPort) return false;
  const gateways = match.gateways ?? [];
  // sourceMatchHTTP: match-level gateways override everything else.
  if (gateways.length > 0) return gateways.some((g) => scope.gateways.includes(g));
  // sourceMatchHTTP: sourceLabels ⊆ proxy labels, then sourceNamespace equal (or unset).
  for (const [key, value] of Object.entries(match.sourceLabels ?? {})) {
    if (scope.proxyLabels[key] !== value) return false;
  }
  const namespace = match.sourceNamespace ?? '';
  return namespace === '' || namespace === scope.proxyNamespace;
}

/** route.go TranslateRouteMatch. */
export function translateRouteMatch(match: HttpMatchSpec | undefined): RouteMatch {
  if (match === undefined) return CATCH_ALL_MATCH; // TranslateRouteMatch: nil match → prefix "/".
  const headers: HeaderMatcher[] = [];
  for (const name of sortedKeys(match.headers)) headers.push(translateHeaderMatch(name, match.headers?.[name]));
  for (const name of sortedKeys(match.withoutHeaders)) {
    const spec = match.withoutHeaders?.[name];
    // TranslateRouteMatch: withoutHeaders is inverted; treat_missing_header_as_empty unless it is a
    // presence match (the two conflict in Envoy).
    const base = translateHeaderMatch(name, spec);
    headers.push(isPresenceMatch(spec) ? { ...base, invert: true } : { ...base, invert: true, missingAsEmpty: true });
  }
  // TranslateRouteMatch: headers (and withoutHeaders) are sorted by name; stable keeps headers first.
  headers.sort((a, b) => compareStrings(a.name, b.name));
  // TranslateRouteMatch: method, authority and scheme become pseudo-header matchers, in this order.
  if (match.method !== undefined) headers.push(translateHeaderMatch(':method', match.method));
  if (match.authority !== undefined) headers.push(translateHeaderMatch(':authority', match.authority));
  if (match.scheme !== undefined) headers.push(translateHeaderMatch(':scheme', match.scheme));
  const queryParameters = sortedKeys(match.queryParams).map((name) => translateQueryParamMatch(name, match.queryParams?.[name]));
  // TranslateRouteMatch: case_sensitive = !ignoreUriCase whenever a match block exists.
  return { ...translatePath(match.uri), caseSensitive: match.ignoreUriCase !== true, headers, queryParameters };
}

function translatePath(uri: StringMatchSpec | undefined): Pick<RouteMatch, 'path' | 'prefix' | 'regex'> {
  // TranslateRouteMatch: exact → path, prefix → prefix (plain string prefix), regex → safe_regex;
  // no uri (or an empty one) keeps the default prefix "/".
  if (uri?.exact !== undefined) return { path: uri.exact };
  if (uri?.prefix !== undefined) return { prefix: uri.prefix };
  if (uri?.regex !== undefined) return { regex: uri.regex };
  return { prefix: '/' };
}

/** canBeConvertedToPresentMatch: no match type at all, or the non-RE2 `regex: "*"`. */
export function isPresenceMatch(spec: StringMatchSpec | undefined): boolean {
  if (spec === undefined) return true;
  if (spec.exact === undefined && spec.prefix === undefined && spec.regex === undefined) return true;
  return spec.exact === undefined && spec.prefix === undefined && spec.regex === '*';
}

/** util.ConvertToEnvoyMatch: the oneof as an Envoy StringMatcher. */
function toStringMatcher(spec: StringMatchSpec): StringMatcher {
  if (spec.exact !== undefined) return { exact: spec.exact };
  if (spec.prefix !== undefined) return { prefix: spec.prefix };
  return { regex: spec.regex ?? '' };
}

/** translateHeaderMatch: presence → present_match; otherwise the string match. */
function translateHeaderMatch(name: string, spec: StringMatchSpec | undefined): HeaderMatcher {
  if (spec === undefined || isPresenceMatch(spec)) return { name, present: true };
  return { name, match: toStringMatcher(spec) };
}

/** translateQueryParamMatch: presence → present_match (no `match` here); otherwise the string match. */
function translateQueryParamMatch(name: string, spec: StringMatchSpec | undefined): QueryParameterMatcher {
  if (spec === undefined || isPresenceMatch(spec)) return { name };
  return { name, match: toStringMatcher(spec) };
}

function sortedKeys(map: StringMatchMap | undefined): string[] {
  return Object.keys(map ?? {}).sort(compareStrings);
}

/** route.go IsCatchAllRoute: prefix `/` or regex `.*`, and no header or query matcher. */
export function isCatchAllMatch(match: RouteMatch): boolean {
  const catchAllPath = match.prefix === '/' || match.regex === '.*';
  return catchAllPath && match.path === undefined && match.headers.length === 0 && match.queryParameters.length === 0;
}
