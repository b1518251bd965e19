/**
 * The request as Envoy's RBAC filter sees it (peer identity, addresses, JWT result, HTTP headers), and
 * the readers the authorization matchers use: header lookup with Envoy's pseudo-headers, JWT claims
 * as the jwt_authn filter leaves them in dynamic metadata, and the issuer/subject pair.
 *
 * Rules followed:
 * - Header names are case-insensitive (Envoy lower-cases them); `:method`, `:authority` (also `host`)
 *   and `:path` (with the query) are the request line.
 * - Claims: a nested key walks objects; `scope` and `permission` (top-level, string) are split on
 *   spaces into a list, as Istio configures jwt_authn's space-delimited claims by default.
 * - The JWT issuer and subject come from the claims when both are strings, otherwise from
 *   `requestPrincipal` split at its last `/` (issuers are often URLs).
 *
 * Invariants: pure readers; a request without a validated JWT (`requestPrincipal: null`) has no
 * claims, audiences or presenter, whatever else the caller passed.
 *
 * Not modelled: repeated headers (one value per name), `jwtRules[].spaceDelimitedClaims` beyond the
 * default `scope` and `permission`.
 */
import { asciiLowerCase } from './request.ts';

export interface AuthzHttp {
  readonly method: string;
  /** The `:authority` as sent, port included when the client wrote one. */
  readonly host: string;
  /** Already normalized (see normalizePath), query string included. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface AuthzRequest {
  /** `spiffe://td/ns/x/sa/y` from the peer certificate, or null for a plaintext connection. */
  readonly sourcePrincipal: string | null;
  /** The downstream connection's source address (`source.ip`, `ipBlocks`). */
  readonly sourceIp: string;
  /** The original client (X-Forwarded-For / PROXY protocol) for `remote.ip`; defaults to sourceIp. */
  readonly remoteIp?: string;
  /** `iss/sub` of a validated JWT, or null when the request carried none. */
  readonly requestPrincipal: string | null;
  readonly requestClaims?: Readonly<Record<string, unknown>>;
  readonly audiences?: readonly string[];
  readonly presenter?: string;
  readonly destinationIp: string;
  /** The workload (target) port the connection reached. */
  readonly destinationPort: number;
  readonly sni?: string;
  /** Absent on TCP filter chains. */
  readonly http?: AuthzHttp;
}

const SPACE_DELIMITED_CLAIMS: readonly string[] = ['scope', 'permission'];

/** A request header (or pseudo-header) value, or undefined when absent. */
export function headerValue(request: AuthzRequest, name: string): string | undefined {
  const http = request.http;
  if (http === undefined) return undefined;
  const lower = asciiLowerCase(name);
  if (lower === ':method') return http.method;
  if (lower === ':authority' || lower === 'host') return http.host;
  if (lower === ':path') return http.path;
  const direct = http.headers[lower];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(http.headers)) if (asciiLowerCase(key) === lower) return value;
  return undefined;
}

/** The path without query string and fragment (Envoy's `url_path` and URI template input). */
export function pathWithoutQuery(path: string): string {
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** A JWT claim by path, as jwt_authn's payload metadata holds it; undefined without a token. */
export function jwtClaim(request: AuthzRequest, path: readonly string[]): unknown {
  if (request.requestPrincipal === null) return undefined;
  let value: unknown = request.requestClaims;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (path.length === 1 && SPACE_DELIMITED_CLAIMS.includes(path[0] ?? '') && typeof value === 'string') {
    return value.split(' ').filter((part) => part !== '');
  }
  return value;
}

/** `aud`: the caller's audiences list wins over the claims. */
export function jwtAudiences(request: AuthzRequest): unknown {
  if (request.requestPrincipal === null) return undefined;
  return request.audiences ?? jwtClaim(request, ['aud']);
}

/** `azp`: the caller's presenter wins over the claims. */
export function jwtPresenter(request: AuthzRequest): unknown {
  if (request.requestPrincipal === null) return undefined;
  return request.presenter ?? jwtClaim(request, ['azp']);
}

export function jwtIssuerSubject(request: AuthzRequest): { readonly iss: string; readonly sub: string } | null {
  const principal = request.requestPrincipal;
  if (principal === null) return null;
  const iss = request.requestClaims?.['iss'];
  const sub = request.requestClaims?.['sub'];
  if (typeof iss === 'string' && typeof sub === 'string') return { iss, sub };
  const slash = principal.lastIndexOf('/');
  return slash < 0 ? { iss: principal, sub: '' } : { iss: principal.slice(0, slash), sub: principal.slice(slash + 1) };
}
