/**
 * Envoy route matching inside one virtual host: the first route whose match succeeds wins
 * (`VirtualHostImpl::getRouteFromEntries`); a match is the AND of its path, header and query-parameter
 * conditions (`RouteEntryImplBase::matchRoute`).
 *
 * Rules followed:
 * - Path conditions look at the path without query string and fragment.
 *   `path`: equal; `prefix`: a plain string prefix (`/foo` matches `/foobar`; Istio VirtualService
 *   semantics, not Gateway API's path-separated prefix); both ASCII case-insensitive when
 *   `caseSensitive` is false. `regex`: RE2 full match, where `case_sensitive` has no effect (Envoy docs).
 *   A match with none of the three matches any path (Envoy requires one; Istio always emits one).
 * - Header matchers (`HeaderUtility::matchHeaders`), names lower case, pseudo-headers readable:
 *   - value present: the StringMatcher (or, with no `match`, presence: `present ?? true`), then XOR
 *     `invert`;
 *   - value absent and `missingAsEmpty` (treat_missing_header_as_empty): matched as '';
 *   - value absent otherwise: every value matcher fails, inverted or not; a presence matcher matches
 *     only when it asks for absence (present:false) or is an inverted present:true.
 *   So Istio `withoutHeaders: {x: {exact: v}}` (invert + missingAsEmpty) matches a request without x,
 *   and `withoutHeaders: {x: {regex: ".*"}}` never matches (istio-semantics §3).
 * - Query parameter matchers (`ConfigUtility::QueryParameterMatcher::matches`): the first value of
 *   the parameter, undecoded; absent fails; present with no `match` succeeds (presence).
 *
 * Invariants: pure functions of (match, request); at most one of path/prefix/regex is set.
 *
 * Not modelled: runtime_fraction, grpc, TLS-context, dynamic-metadata (JWT claim) and filter-state
 * matchers; range/suffix/contains header matchers; path_separated_prefix and path templates.
 */
import { assert } from '../../core/assert.ts';
import type { HeaderMatcher, QueryParameterMatcher, Route, RouteMatch } from '../../xds/route.ts';
import { asciiLowerCase, firstQueryValue, headerValue, parseQueryParams, splitPathAndQuery } from '../request.ts';
import type { HttpRequest, QueryParam } from '../request.ts';
import { compileRe2Checked, matchString } from './string-matcher.ts';

/** The first route whose match succeeds, or null (Envoy: 404 with flag NR). */
export function selectRoute(routes: readonly Route[], request: HttpRequest): Route | null {
  for (const route of routes) if (matchesRoute(route.match, request)) return route;
  return null;
}

export function matchesRoute(match: RouteMatch, request: HttpRequest): boolean {
  if (!matchesPath(match, splitPathAndQuery(request.path).path)) return false;
  for (const header of match.headers) if (!matchesHeader(header, request)) return false;
  if (match.queryParameters.length === 0) return true;
  const params = parseQueryParams(request.path, { decode: false });
  for (const param of match.queryParameters) if (!matchesQueryParameter(param, params)) return false;
  return true;
}

/** Path condition on the path without query; see the header for each rule. */
export function matchesPath(match: RouteMatch, path: string): boolean {
  assertOnePathSpecifier(match);
  if (match.regex !== undefined) return compileRe2Checked(match.regex).test(path);
  const seen = match.caseSensitive ? path : asciiLowerCase(path);
  if (match.path !== undefined) return seen === (match.caseSensitive ? match.path : asciiLowerCase(match.path));
  if (match.prefix !== undefined) return seen.startsWith(match.caseSensitive ? match.prefix : asciiLowerCase(match.prefix));
  return true;
}

/**
 * How many leading characters of the path the route matched, for prefix_rewrite (Envoy
 * `currentUrlPathAfterRewriteWithMatchedPath`): the prefix for a prefix route, the whole path for an
 * exact or regex route, nothing when the match has no path condition.
 */
export function matchedPathLength(match: RouteMatch, path: string): number {
  assertOnePathSpecifier(match);
  if (match.prefix !== undefined) return match.prefix.length;
  if (match.path !== undefined || match.regex !== undefined) return splitPathAndQuery(path).path.length;
  return 0;
}

export function matchesHeader(matcher: HeaderMatcher, request: HttpRequest): boolean {
  const invert = matcher.invert === true;
  let value = headerValue(request, asciiLowerCase(matcher.name));
  if (value === undefined) {
    if (matcher.missingAsEmpty !== true) {
      // Envoy: a missing header fails every value matcher, inverted or not; only a presence matcher
      // can succeed, when it asks for absence (present:false) or is an inverted present:true.
      if (matcher.match !== undefined) return false;
      const present = matcher.present ?? true;
      return invert ? present : !present;
    }
    value = '';
  }
  const matched = matcher.match === undefined ? (matcher.present ?? true) : matchString(matcher.match, value);
  return matched !== invert;
}

export function matchesQueryParameter(matcher: QueryParameterMatcher, params: readonly QueryParam[]): boolean {
  const value = firstQueryValue(params, matcher.name);
  if (value === undefined) return false;
  if (matcher.match === undefined) return true;
  return matchString(matcher.match, value);
}

function assertOnePathSpecifier(match: RouteMatch): void {
  const count = [match.path, match.prefix, match.regex].filter((spec) => spec !== undefined).length;
  assert(count <= 1, () => `a RouteMatch sets at most one of path/prefix/regex: ${JSON.stringify(match)}`);
}
