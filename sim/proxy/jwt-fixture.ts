/**
 * JWT test material for the proxy's tests and examples: providers in the shape generate-jwt.ts
 * compiles (Envoy's default locations unless overridden), unsigned tokens with chosen claims, and a
 * fake verifier that accepts exactly the tokens whose signature section says `good` — so tests
 * exercise the filter without keys or crypto.
 *
 * Invariants: pure; every call returns fresh objects; a token's payload is its claims as JSON.
 *
 * Not modelled: real signatures (the edge verifier and its tests in cli/ own those).
 */
import { base64UrlEncode } from '../core/base64url.ts';
import type { JwtProvider } from '../xds/security.ts';
import type { JwtVerifier } from './jwt.ts';
import { parseJwt } from './jwt-token.ts';

export const ISSUER_1 = 'test-issuer-1@istio.io';
export const ISSUER_2 = 'test-issuer-2@istio.io';
/** 2020-09-13T12:26:40Z: a fixed clock for the tests. */
export const NOW = 1_600_000_000;

export function jwtProvider(overrides: Partial<JwtProvider> = {}): JwtProvider {
  return {
    issuer: ISSUER_1, audiences: [], jwks: null, jwksUri: 'https://example.com/jwks.json',
    fromHeaders: [{ name: 'authorization', prefix: 'Bearer ' }], fromParams: ['access_token'], fromCookies: [],
    forwardOriginalToken: false, outputPayloadToHeader: null, outputClaimToHeaders: [], spaceDelimitedClaims: ['permission', 'scope'],
    source: 'foo/jwt', ...overrides,
  };
}

/** A token with these claims (default: issuer 1, subject sub-1, valid around NOW); `signature: 'bad'` fails the fake verifier. */
export function testToken(claims: Readonly<Record<string, unknown>> = {}, options: { signature?: string; header?: Readonly<Record<string, unknown>> } = {}): string {
  const payload = { iss: ISSUER_1, sub: 'sub-1', iat: NOW - 100, exp: NOW + 3600, ...claims };
  const header = options.header ?? { alg: 'RS256', typ: 'JWT' };
  return `${base64UrlEncode(JSON.stringify(header))}.${base64UrlEncode(JSON.stringify(payload))}.${base64UrlEncode(options.signature ?? 'good')}`;
}

/** Accepts tokens signed `good`; anything else fails as Envoy's signature check does. */
export const fakeVerifier: JwtVerifier = (token) => {
  const parsed = parseJwt(token);
  if ('error' in parsed) return { valid: false, reason: parsed.error };
  return token.endsWith(`.${base64UrlEncode('good')}`) ? { valid: true, claims: parsed.payload } : { valid: false, reason: 'Jwt verification fails' };
};
