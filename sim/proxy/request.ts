/**
 * What a client hands its proxy: a connection (destination IP:port, protocol, SNI) and, for HTTP, the
 * request on it; plus the small helpers Envoy uses to look at a request (path without query, query
 * parameters, Host without port, header lookup with pseudo-headers).
 *
 * Rules followed:
 * - Path matching sees the path without query string and fragment (Envoy
 *   `Http::PathUtil::removeQueryAndFragment`).
 * - The query is everything after the first `?`; it splits on `&`, each piece at its first `=`, and a
 *   piece without `=` is a parameter with the value '' (Envoy `QueryParamsMulti::parseParameters`).
 *   Route matching reads parameters **undecoded** (`RouteEntryImplBase::matchRoute` calls
 *   `parseQueryString`, decode=false); `parseQueryParams(…, { decode: true })` is Envoy's
 *   `parseAndDecodeQueryString`, which decodes `%XX` only and leaves `+` as `+`.
 * - A repeated parameter: matchers see its first value (`getFirstValue`).
 * - Host port: the text after the last `:` that is not inside `[…]` (Envoy `HeaderUtility::getPortStart`).
 * - Pseudo-headers `:authority`, `:method`, `:path` (with query) and `:scheme` are readable as headers,
 *   as Envoy's header matchers read them.
 *
 * Invariants: `request` is present iff `protocol` is 'http' (assertCall); header names are lower case.
 *
 * Not modelled: HTTP/1.1 vs HTTP/2 framing, bodies, trailers, repeated header lines (a header holds one
 * value, already comma-joined), path normalisation (merge slashes, `..`), absolute-form request targets,
 * aliasing `host` to `:authority`.
 */
import { assert } from '../core/assert.ts';

export interface HttpRequest {
  readonly method: string;
  readonly scheme: 'http' | 'https';
  /** The Host / `:authority`, possibly with a port (`reviews:9080`). */
  readonly authority: string;
  /** The request target: path with query (`/api/v1?x=1`). */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
}

export type CallProtocol = 'http' | 'tcp' | 'tls';

export interface Call {
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly protocol: CallProtocol;
  /** TLS server name the client sends (protocol 'tls'). */
  readonly sni?: string;
  /** What the client puts on the wire towards an inbound listener: plain text, its own TLS, or Istio mTLS. */
  readonly transport?: 'plaintext' | 'tls' | 'mtls';
  /** The client's SPIFFE identity (sent with mTLS only); the source address. */
  readonly sourcePrincipal?: string | null;
  readonly sourceIp?: string;
  /** Present for 'http'; for 'tls', the HTTP request inside the TLS stream (HTTPS), if any. */
  readonly request?: HttpRequest;
}

/** The call's shape invariants; a broken one is a bug in the caller, not a user error. */
export function assertCall(call: Call): void {
  assert(Number.isSafeInteger(call.destinationPort) && call.destinationPort >= 0 && call.destinationPort <= 65535,
    () => `destination port ${call.destinationPort} outside 0..65535`);
  // An http call always carries its request; a tls call may carry one inside (HTTPS), which a chain
  // that terminates TLS can read; a tcp call never does.
  if (!(call.protocol !== 'http' || call.request !== undefined)) assert(false, () => 'an http call carries its request');
  if (!(call.protocol !== 'tcp' || call.request === undefined)) assert(false, () => 'a tcp call carries no HTTP request');
  if (call.request === undefined) return;
  assert(call.request.path.startsWith('/') || call.request.path === '*',
    () => `request path must start with '/': ${JSON.stringify(call.request?.path)}`);
  for (const name of Object.keys(call.request.headers)) {
    if (!(name === asciiLowerCase(name))) assert(false, () => `header names are lower case: ${name}`);
  }
}

export interface PathParts {
  /** Path without query and fragment. */
  readonly path: string;
  /** Text after the first `?` (fragment included, as Envoy's query parser sees it), or null. */
  readonly query: string | null;
}

export function splitPathAndQuery(target: string): PathParts {
  const queryStart = target.indexOf('?');
  const query = queryStart < 0 ? null : target.slice(queryStart + 1);
  const beforeQuery = queryStart < 0 ? target : target.slice(0, queryStart);
  const fragmentStart = beforeQuery.indexOf('#');
  return { path: fragmentStart < 0 ? beforeQuery : beforeQuery.slice(0, fragmentStart), query };
}

export type QueryParam = readonly [name: string, value: string];

/** Parameters of a request target (path with query), in order, repeats kept. */
export function parseQueryParams(target: string, options: { readonly decode: boolean }): QueryParam[] {
  const { query } = splitPathAndQuery(target);
  if (query === null) return [];
  const params: QueryParam[] = [];
  // Envoy parseParameters: `while (start < data.size())`, so a trailing '&' adds nothing.
  for (const piece of query === '' ? [] : splitTrailingAware(query)) {
    const equal = piece.indexOf('=');
    const name = equal < 0 ? piece : piece.slice(0, equal);
    const value = equal < 0 ? '' : piece.slice(equal + 1);
    params.push(options.decode ? [decodePercent(name), decodePercent(value)] : [name, value]);
  }
  return params;
}

function splitTrailingAware(query: string): string[] {
  const pieces = query.split('&');
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop();
  return pieces;
}

/** The first value of a parameter (Envoy QueryParamsMulti::getFirstValue), or undefined. */
export function firstQueryValue(params: readonly QueryParam[], name: string): string | undefined {
  for (const [paramName, value] of params) if (paramName === name) return value;
  return undefined;
}

/**
 * Envoy PercentEncoding::decode: every `%XX` with two hex digits becomes that byte; anything else
 * (including `+`) is kept. Bytes are read as UTF-8; a run that is not valid UTF-8 keeps its bytes as
 * Latin-1 characters.
 */
export function decodePercent(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
}

export interface AuthorityParts {
  readonly host: string;
  /** The port text without `:`, or null when the authority has none. */
  readonly port: string | null;
}

/** Envoy HeaderUtility::getPortStart: the last `:` after any `]` starts the port. */
export function splitAuthority(authority: string): AuthorityParts {
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return { host: authority, port: null };
  const bracket = authority.lastIndexOf(']');
  if (bracket >= 0 && bracket > colon) return { host: authority, port: null };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

/** A request header by lower-case name, pseudo-headers included; undefined when absent. */
export function headerValue(request: HttpRequest, name: string): string | undefined {
  switch (name) {
    case ':authority':
      return request.authority;
    case ':method':
      return request.method;
    case ':path':
      return request.path;
    case ':scheme':
      return request.scheme;
    default:
      // Object.hasOwn: a header named `constructor` must not find Object.prototype's.
      return Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
  }
}

/** ASCII-only lower case, as Envoy's absl::AsciiStrToLower (no Unicode case folding). */
export function asciiLowerCase(text: string): string {
  // A scan of char codes first: most text on the hot path is already lower case, and returning it
  // as is costs no allocation (a regular expression test per call was a fifth of a run's CPU).
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code >= 65 && code <= 90) return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  }
  return text;
}
