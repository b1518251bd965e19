/**
 * Tokens for the probe: `jwt` is sent as `Authorization: Bearer <token>`; `jwtClaims` stands in for
 * a validly signed token from the claims' issuer. The stand-in is a JWT whose payload is the claims
 * (so format, issuer, expiry and audience checks, payload and claim headers all behave as for a real
 * token); only its signature is not checked: the session's verifier accepts exactly this token.
 *
 * Invariants: pure; the stand-in for the same claims is the same string; a stand-in verifier
 * accepts the stand-in token and hands every other token to the edge's verifier (or rejects it when
 * there is none, as the engine would).
 *
 * Not modelled: signing (the stand-in carries no real signature, and says so in its `kid`).
 */
import { base64UrlEncode } from '../core/base64url.ts';
import type { JwtVerifier } from '../proxy/jwt.ts';

const STAND_IN_HEADER = { alg: 'RS256', typ: 'JWT', kid: 'meshsim-stand-in' };
const STAND_IN_SIGNATURE = base64UrlEncode('meshsim stand-in, not signed');

export function standInToken(claims: Readonly<Record<string, unknown>>): string {
  return `${base64UrlEncode(JSON.stringify(STAND_IN_HEADER))}.${base64UrlEncode(JSON.stringify(claims))}.${STAND_IN_SIGNATURE}`;
}

/** A verifier that takes `token` as signed by whichever provider checks it, and defers the rest. */
export function standInVerifier(token: string, claims: Readonly<Record<string, unknown>>, edge: JwtVerifier | null): JwtVerifier {
  return (candidate, provider) => {
    if (candidate === token) return { valid: true, claims };
    if (edge !== null) return edge(candidate, provider);
    return { valid: false, reason: 'Jwt verification fails', detail: 'no JWT verifier (keys) was handed to the simulator' };
  };
}
