/**
 * The edge's JWT signature check (the simulator's `JwtVerifier`): the provider's JSON Web Key Set from
 * its inline `jwks`, or what its `jwksUri` serves, and the token's signature checked with node:crypto
 * as Envoy's jwt_verify_lib does (verifyJwtWithoutTimeChecking):
 * - keys: a key whose `kid` differs from the token's (both set) is skipped, and so is a key whose
 *   `alg` differs from the token's; no key left → "Jwks doesn't have key to match kid or alg from Jwt";
 * - RSA keys take RS256/384/512 (PKCS#1 v1.5) and PS256/384/512 (PSS, salt as long as the digest);
 *   EC keys ES256/384/512 (r‖s signatures); `oct` keys HS256/384/512; OKP Ed25519 keys EdDSA;
 * - every matching key is tried; none verifies → "Jwt verification fails".
 * Issuer, expiry and audiences are the simulator's business (sim/proxy/jwt.ts), not this file's.
 *
 * No network. Istio's default (PILOT_JWT_ENABLE_REMOTE_JWKS=false) has istiod fetch `jwksUri` and hand
 * Envoy the keys inline (pilot/pkg/model/jwks_resolver.go BuildLocalJwks); `served` stands in for the
 * network: URI → the JWKS text that URI serves (`meshsim probe --jwks URI=FILE`). Like istiod:
 * - a URI nothing serves (a failed fetch), a served body that is not a JWKS (not JSON, no `keys`
 *   array: validateJWKSFormat), and a rule with neither `jwks` nor `jwksUri` (OpenID discovery at the
 *   issuer, which needs the network) all give Envoy `PublicOnlyJwks`, a key whose private half nobody
 *   has: every token fails with "Jwt verification fails" (401), and the detail says why;
 * - a served JWKS is used as inline keys are.
 *
 * Not modelled: OpenID discovery, istiod's JWKS cache and refresh, Envoy-fetched remote JWKS
 * (PILOT_JWT_ENABLE_REMOTE_JWKS=envoy/hybrid, "Jwks remote fetch is failed").
 */
import { constants, createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JwtProvider, JwtVerifier } from '../sim/index.ts';

interface Jwk { readonly kty: string; readonly kid: string | null; readonly alg: string | null; readonly crv: string | null; readonly key: KeyObject }
type KeySet = { readonly keys: readonly Jwk[] } | { readonly error: string; readonly detail: string };
type Verdict = ReturnType<JwtVerifier>;

const DIGESTS: Readonly<Record<string, string>> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

export interface VerifierOptions {
  /** What each jwksUri serves (the JWKS text), in place of the network; `where` says where it came from. */
  readonly served?: Readonly<Record<string, { readonly text: string; readonly where: string }>>;
}

const VERIFICATION_FAILS = 'Jwt verification fails';

export function createJwtVerifier(options: VerifierOptions = {}): JwtVerifier {
  const served = options.served ?? {};
  const cache = new Map<string, KeySet>();
  return (token, provider) => {
    const cacheKey = provider.jwks ?? `uri:${provider.jwksUri ?? ''}|iss:${provider.issuer}`;
    let keySet = cache.get(cacheKey);
    if (keySet === undefined) {
      keySet = loadKeySet(provider, served);
      cache.set(cacheKey, keySet);
    }
    if ('error' in keySet) return { valid: false, reason: keySet.error, detail: keySet.detail };
    return verifyToken(token, keySet.keys);
  };
}

function loadKeySet(provider: JwtProvider, served: NonNullable<VerifierOptions['served']>): KeySet {
  if (provider.jwks !== null) return parseKeySet(provider.jwks, 'the inline jwks');
  const uri = provider.jwksUri;
  // jwks_resolver.go: without jwksUri istiod asks the issuer's OpenID discovery document, which needs the network.
  if (uri === null) {
    return publicOnly(`the rule has no jwks or jwksUri, so istiod looks the keys up by OpenID discovery at ${provider.issuer}/.well-known/openid-configuration, which meshsim cannot reach; `
      + 'give the keys inline (jwks) or a jwksUri served with --jwks URI=FILE');
  }
  const body = Object.hasOwn(served, uri) ? served[uri] : undefined;
  // jwks_resolver.go BuildLocalJwks: a failed fetch gives Envoy PublicOnlyJwks (fail closed).
  if (body === undefined) return publicOnly(`istiod could not fetch jwksUri ${uri} (meshsim has no network; serve it from a file with --jwks ${uri}=FILE)`);
  // validateJWKSFormat: a body that is not a JWKS counts as a failed fetch.
  const format = jwksFormatProblem(body.text);
  if (format !== null) return publicOnly(`what ${body.where} serves for jwksUri ${uri} is not a JWKS (${format}), so istiod treats the fetch as failed`);
  return parseKeySet(body.text, `${body.where} (served for ${uri})`);
}

/** PublicOnlyJwks: a public key whose private key nobody has; every token fails. */
function publicOnly(why: string): KeySet {
  return { error: VERIFICATION_FAILS, detail: `${why}; istiod then gives Envoy a public-only JWKS (PublicOnlyJwks) that no token verifies against` };
}

/** jwks_resolver.go validateJWKSFormat: JSON with a `keys` array. */
function jwksFormatProblem(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  const keys = parsed !== null && typeof parsed === 'object' ? (parsed as { keys?: unknown }).keys : undefined;
  if (keys === undefined || keys === null) return 'missing "keys" field';
  return Array.isArray(keys) ? null : '"keys" is not an array';
}

function parseKeySet(text: string, where: string): KeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'Jwks is an invalid JSON', detail: `${where} is not JSON` };
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (keys === undefined) return { error: 'Jwks does not have [keys] field', detail: `${where} has no keys` };
  if (!Array.isArray(keys)) return { error: '[keys] in Jwks is not an array', detail: `${where}: keys is not a list` };
  const usable = keys.map(toJwk).filter((k): k is Jwk => k !== null);
  if (usable.length === 0) return { error: "Jwks doesn't have any valid public key", detail: `no key in ${where} could be loaded` };
  return { keys: usable };
}

function toJwk(raw: unknown): Jwk | null {
  if (raw === null || typeof raw !== 'object') return null;
  const jwk = raw as Record<string, unknown>;
  const text = (name: string): string | null => (typeof jwk[name] === 'string' ? jwk[name] as string : null);
  const kty = text('kty');
  try {
    if (kty === 'oct') {
      const k = text('k');
      return k === null ? null : { kty, kid: text('kid'), alg: text('alg'), crv: null, key: createSecretKey(Buffer.from(k, 'base64url')) };
    }
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return null;
    return { kty, kid: text('kid'), alg: text('alg'), crv: text('crv'), key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) };
  } catch {
    return null;
  }
}

function verifyToken(token: string, keys: readonly Jwk[]): Verdict {
  const [headerText = '', payloadText = '', signatureText = ''] = token.split('.');
  let header: { alg?: unknown; kid?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerText, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    claims = JSON.parse(Buffer.from(payloadText, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return { valid: false, reason: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections' };
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const kid = typeof header.kid === 'string' ? header.kid : '';
  const signed = Buffer.from(`${headerText}.${payloadText}`);
  const signature = Buffer.from(signatureText, 'base64url');
  let matched = false;
  for (const jwk of keys) {
    if (kid !== '' && jwk.kid !== null && jwk.kid !== '' && jwk.kid !== kid) continue;
    if (jwk.alg !== null && jwk.alg !== '' && jwk.alg !== alg) continue;
    matched = true;
    if (signatureHolds(jwk, alg, signed, signature)) return { valid: true, claims };
  }
  return matched
    ? { valid: false, reason: VERIFICATION_FAILS, detail: `no key of the provider verifies the ${alg} signature` }
    : { valid: false, reason: "Jwks doesn't have key to match kid or alg from Jwt", detail: `no key has kid ${JSON.stringify(kid)} and alg ${alg}` };
}

function signatureHolds(jwk: Jwk, alg: string, signed: Buffer, signature: Buffer): boolean {
  const digest = DIGESTS[alg.slice(2)] ?? 'sha256';
  try {
    switch (jwk.kty) {
      case 'RSA':
        if (alg.startsWith('RS')) return verify(digest, signed, jwk.key, signature);
        if (alg.startsWith('PS')) return verify(digest, signed, { key: jwk.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
        return false;
      case 'EC':
        return alg.startsWith('ES') && verify(digest, signed, { key: jwk.key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'oct': {
        if (!alg.startsWith('HS')) return false;
        const mac = createHmac(digest, jwk.key).update(signed).digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      }
      case 'OKP':
        return jwk.crv === 'Ed25519' && verify(null, signed, jwk.key, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}
