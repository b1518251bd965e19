/**
 * A JWT as Envoy's jwt_authn filter reads it before any key is used (google/jwt_verify_lib
 * `Jwt::parseFromString`, `verifyTimeConstraint`, `CheckAudience`): the three base64url sections,
 * the header's `alg` and `kid`, the payload's registered claims with their types, the time window
 * and the audiences. Failures are jwt_verify_lib's status texts, which Envoy sends as the 401 body.
 *
 * Rules followed:
 * - Exactly two dots and three non-empty sections; header and payload are base64url JSON objects.
 * - `alg` is a string Envoy implements; `kid`, `iss`, `sub`, `jti` are strings when present; `iat`,
 *   `nbf`, `exp` are numbers (read as whole seconds), non-negative; `aud` is a string or a list of
 *   strings.
 * - Time: not yet valid when `now + skew < nbf`; expired when `exp` is set and `now > exp + skew`;
 *   the skew is Envoy's default 60 s (Istio sets no clock_skew_seconds).
 * - Audiences: allowed when the provider lists none, else when one of the token's audiences equals
 *   one of them after both drop an `http://` or `https://` scheme and a trailing `/`.
 *
 * Invariants: pure; `parseJwt` never throws.
 *
 * Not modelled: the signature (the edge verifier checks it), Envoy's JWT cache, `max_lifetime`,
 * `require_expiration`.
 */
import { base64UrlBytes, base64UrlDecode } from '../core/base64url.ts';

export const CLOCK_SKEW_SECONDS = 60;

/** Envoy's (jwt_verify_lib `getStatusString`) texts for the statuses the filter can end with. */
export const JWT_STATUS = {
  missing: 'Jwt is missing',
  notYetValid: 'Jwt not yet valid',
  expired: 'Jwt is expired',
  badFormat: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
  headerBase64: 'Jwt header is an invalid Base64url encoded',
  headerJson: 'Jwt header is an invalid JSON',
  badAlg: 'Jwt header [alg] field is required and must be a string',
  algNotImplemented: 'Jwt header [alg] is not supported',
  badKid: 'Jwt header [kid] field is not a string',
  payloadBase64: 'Jwt payload is an invalid Base64url encoded',
  payloadJson: 'Jwt payload is an invalid JSON',
  signatureBase64: 'Jwt signature is an invalid Base64url encoded',
  unknownIssuer: 'Jwt issuer is not configured',
  audienceNotAllowed: 'Audiences in Jwt are not allowed',
  verificationFails: 'Jwt verification fails',
  noValidKeys: "Jwks doesn't have any valid public key",
} as const;

const IMPLEMENTED_ALGS: readonly string[] = [
  'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA',
];
const INT64_LIMIT = 2 ** 63;

export interface ParsedJwt {
  readonly alg: string;
  readonly kid: string | null;
  /** The payload JSON as sent (Envoy's metadata `payload`). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** The payload section as it appeared in the token (base64url, no padding added). */
  readonly payloadBase64Url: string;
  readonly iss: string;
  readonly sub: string;
  readonly audiences: readonly string[];
  /** Seconds since the epoch; 0 when absent. */
  readonly nbf: number;
  readonly exp: number;
}

export function parseJwt(token: string): ParsedJwt | { readonly error: string } {
  if ([...token].filter((c) => c === '.').length !== 2) return { error: JWT_STATUS.badFormat };
  const sections = token.split('.');
  if (sections.some((s) => s === '')) return { error: JWT_STATUS.badFormat };
  const [headerText, payloadText, signatureText] = sections as [string, string, string];
  const header = jsonObject(headerText);
  if (header === 'base64') return { error: JWT_STATUS.headerBase64 };
  if (header === 'json') return { error: JWT_STATUS.headerJson };
  const alg = header['alg'];
  if (typeof alg !== 'string') return { error: JWT_STATUS.badAlg };
  if (!IMPLEMENTED_ALGS.includes(alg)) return { error: JWT_STATUS.algNotImplemented };
  const kid = header['kid'];
  if (kid !== undefined && typeof kid !== 'string') return { error: JWT_STATUS.badKid };
  const payload = jsonObject(payloadText);
  if (payload === 'base64') return { error: JWT_STATUS.payloadBase64 };
  if (payload === 'json') return { error: JWT_STATUS.payloadJson };
  const claims = registeredClaims(payload);
  if ('error' in claims) return claims;
  if (base64UrlBytes(signatureText) === null) return { error: JWT_STATUS.signatureBase64 };
  return { alg, kid: kid ?? null, payload, payloadBase64Url: payloadText, ...claims };
}

type Registered = Pick<ParsedJwt, 'iss' | 'sub' | 'audiences' | 'nbf' | 'exp'>;

function registeredClaims(payload: Readonly<Record<string, unknown>>): Registered | { readonly error: string } {
  for (const name of ['iss', 'sub', 'jti']) {
    const value = payload[name];
    if (value !== undefined && typeof value !== 'string') return { error: `Jwt payload [${name}] field is not a string` };
  }
  const times: Record<string, number> = {};
  for (const name of ['iat', 'nbf', 'exp']) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value !== 'number') return { error: `Jwt payload [${name}] field is not an integer` };
    if (value < 0 || value >= INT64_LIMIT) return { error: `Jwt payload [${name}] field is not a positive 64 bit integer` };
    times[name] = Math.trunc(value);
  }
  const aud = payload['aud'];
  const audiences = aud === undefined ? [] : typeof aud === 'string' ? [aud] : aud;
  if (!Array.isArray(audiences) || audiences.some((a) => typeof a !== 'string')) {
    return { error: 'Jwt payload [aud] field is not a string or string list' };
  }
  return {
    iss: (payload['iss'] as string | undefined) ?? '',
    sub: (payload['sub'] as string | undefined) ?? '',
    audiences: audiences as string[],
    nbf: times['nbf'] ?? 0,
    exp: times['exp'] ?? 0,
  };
}

function jsonObject(section: string): Readonly<Record<string, unknown>> | 'base64' | 'json' {
  const text = base64UrlDecode(section);
  if (text === null) return 'base64';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'json';
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : 'json';
}

/** jwt_verify_lib verifyTimeConstraint: null when the token is inside its window at `nowSeconds`. */
export function timeProblem(jwt: ParsedJwt, nowSeconds: number): string | null {
  if (nowSeconds + CLOCK_SKEW_SECONDS < jwt.nbf) return JWT_STATUS.notYetValid;
  if (jwt.exp !== 0 && nowSeconds > jwt.exp + CLOCK_SKEW_SECONDS) return JWT_STATUS.expired;
  return null;
}

/** CheckAudience::areAudiencesAllowed. */
export function audiencesAllowed(configured: readonly string[], audiences: readonly string[]): boolean {
  if (configured.length === 0) return true;
  const allowed = new Set(configured.map(sanitizeAudience));
  return audiences.some((audience) => allowed.has(sanitizeAudience(audience)));
}

function sanitizeAudience(audience: string): string {
  const withoutScheme = audience.replace(/^https?:\/\//, '');
  return withoutScheme.endsWith('/') ? withoutScheme.slice(0, -1) : withoutScheme;
}
