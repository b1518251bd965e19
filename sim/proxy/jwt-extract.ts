/**
 * Where a jwt_authn provider finds tokens in a request, and how the filter edits the request around
 * them (Envoy source/extensions/filters/http/jwt_authn/extractor.cc).
 *
 * Rules followed:
 * - Order: header locations (by name then prefix, as a std::map keyed `name + prefix`), then query
 *   parameters (by name), then cookies (by name); a location listed twice is read once.
 * - A header with a prefix: the prefix may stand anywhere in the value; the token starts at the first
 *   base64url or `.` character after it and runs to the end of the value. Without the prefix there
 *   the header is skipped; with no prefix configured the whole value is the token.
 * - Parameters are parsed and decoded (parseAndDecodeQueryString); a repeated one gives its first value.
 * - Cookies: every `cookie` header split on `;`, name and value at the first `=`, a value in double
 *   quotes unquoted, the first cookie of a name wins.
 * - Removal (a verified token, without forwardOriginalToken): a header location removes the whole
 *   header; a parameter location removes the parameter and rewrites the query from the decoded
 *   parameters, sorted by name; a cookie location removes nothing (Envoy's TODO).
 * - Sanitizing: a provider's output headers (payload, claims) are removed from the request before it
 *   looks for tokens, so a client cannot forge them.
 *
 * Invariants: pure; requests are never mutated, edits return new ones; header names are lower case.
 *
 * Not modelled: repeated header lines (one value per name here), cookies split across several
 * `cookie` headers beyond the one value the request holds.
 */
import type { JwtProvider } from '../xds/security.ts';
import { asciiLowerCase, parseQueryParams, splitPathAndQuery } from './request.ts';
import type { HttpRequest } from './request.ts';

export type TokenLocation =
  | { readonly kind: 'header'; readonly name: string; readonly prefix: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string };

export interface ExtractedToken {
  readonly token: string;
  readonly location: TokenLocation;
}

const JWT_CHAR = /[A-Za-z0-9\-_.]/;

/** The provider's locations in Envoy's extraction order, duplicates dropped. */
export function tokenLocations(provider: JwtProvider): TokenLocation[] {
  const headers = new Map<string, TokenLocation>();
  for (const h of provider.fromHeaders) headers.set(`${asciiLowerCase(h.name)}${h.prefix}`, { kind: 'header', name: asciiLowerCase(h.name), prefix: h.prefix });
  const byKey = <T>(entries: Iterable<[string, T]>): T[] => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return [
    ...byKey(headers.entries()),
    ...[...new Set(provider.fromParams)].sort().map((name): TokenLocation => ({ kind: 'param', name })),
    ...[...new Set(provider.fromCookies)].sort().map((name): TokenLocation => ({ kind: 'cookie', name })),
  ];
}

/** Every token the provider's locations hold, in extraction order. */
export function extractTokens(provider: JwtProvider, request: HttpRequest): ExtractedToken[] {
  const tokens: ExtractedToken[] = [];
  const params = parseQueryParams(request.path, { decode: true });
  const cookies = parseCookies(request.headers['cookie']);
  for (const location of tokenLocations(provider)) {
    const token = tokenAt(location, request, params, cookies);
    if (token !== null) tokens.push({ token, location });
  }
  return tokens;
}

function tokenAt(location: TokenLocation, request: HttpRequest, params: readonly (readonly [string, string])[], cookies: ReadonlyMap<string, string>): string | null {
  switch (location.kind) {
    case 'header': {
      const value = Object.hasOwn(request.headers, location.name) ? request.headers[location.name]! : null;
      if (value === null || location.prefix === '') return value;
      const at = value.indexOf(location.prefix);
      if (at < 0) return null;
      let start = at + location.prefix.length;
      while (start < value.length && !JWT_CHAR.test(value[start]!)) start += 1;
      // extractJWT: no JWT character after the prefix gives the whole value back.
      return start >= value.length ? value : value.slice(start);
    }
    case 'param':
      return params.find(([name]) => name === location.name)?.[1] ?? null;
    case 'cookie':
      return cookies.get(location.name) ?? null;
  }
}

/** Http::Utility::parseCookies over one `cookie` header value. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const piece of (header ?? '').split(';')) {
    const pair = piece.replace(/^ +/, '');
    const equal = pair.indexOf('=');
    if (equal < 0) continue;
    const name = pair.slice(0, equal);
    let value = pair.slice(equal + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

/** The request without the token at `location` (a verified token that is not forwarded). */
export function removeToken(request: HttpRequest, location: TokenLocation): HttpRequest {
  switch (location.kind) {
    case 'header':
      return { ...request, headers: withoutHeaders(request.headers, [location.name]) };
    case 'param': {
      const { path } = splitPathAndQuery(request.path);
      const rest = parseQueryParams(request.path, { decode: true }).filter(([name]) => name !== location.name);
      // QueryParamsMulti keeps a std::map of name → values: the query comes back sorted by name.
      const sorted = rest.map((p, i) => [p, i] as const).sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j)).map(([p]) => p);
      return { ...request, path: sorted.length === 0 ? path : `${path}?${sorted.map(([n, v]) => `${n}=${v}`).join('&')}` };
    }
    case 'cookie':
      return request;
  }
}

/** ExtractorImpl::sanitizeHeaders: the provider's output headers, removed before verification. */
export function sanitizeOutputHeaders(request: HttpRequest, provider: JwtProvider): HttpRequest {
  const names = [...(provider.outputPayloadToHeader === null ? [] : [provider.outputPayloadToHeader]), ...provider.outputClaimToHeaders.map((o) => o.header)];
  return names.some((n) => Object.hasOwn(request.headers, asciiLowerCase(n))) ? { ...request, headers: withoutHeaders(request.headers, names) } : request;
}

function withoutHeaders(headers: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const drop = new Set(names.map(asciiLowerCase));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !drop.has(name)));
}

/** A readable name for a location: `header authorization (Bearer )`, `?access_token`, `cookie session`. */
export function describeLocation(location: TokenLocation): string {
  switch (location.kind) {
    case 'header':
      return `header ${location.name}${location.prefix === '' ? '' : ` ("${location.prefix}" prefix)`}`;
    case 'param':
      return `query parameter ${location.name}`;
    case 'cookie':
      return `cookie ${location.name}`;
  }
}
