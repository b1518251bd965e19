/**
 * The edge's JWT signature check (the simulator's `JwtVerifier`): the provider's JSON Web Key Set
 * read from its inline `jwks`, or from `jwksUri` when that is a `file://` path, and the token's
 * signature checked with node:crypto as Envoy's jwt_verify_lib does (verifyJwtWithoutTimeChecking):
 * - keys: a key whose `kid` differs from the token's (both set) is skipped, and so is a key whose
 *   `alg` differs from the token's; no key left → "Jwks doesn't have key to match kid or alg from Jwt";
 * - RSA keys take RS256/384/512 (PKCS#1 v1.5) and PS256/384/512 (PSS, salt as long as the digest);
 *   EC keys ES256/384/512 (r‖s signatures); `oct` keys HS256/384/512; OKP Ed25519 keys EdDSA;
 * - every matching key is tried; none verifies → "Jwt verification fails".
 * Issuer, expiry and audiences are the simulator's business (sim/proxy/jwt.ts), not this file's.
 *
 * No network: an http(s) `jwksUri` is not fetched; its tokens fail ("Jwks remote fetch is failed")
 * and the reason says how to give the keys instead.
 */
import { constants, createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JwtProvider, JwtVerifier } from '../sim/index.ts';

interface Jwk { readonly kty: string; readonly kid: string | null; readonly alg: string | null; readonly crv: string | null; readonly key: KeyObject }
type KeySet = { readonly keys: readonly Jwk[] } | { readonly error: string; readonly detail: string };
type Verdict = ReturnType<JwtVerifier>;

const DIGESTS: Readonly<Record<string, string>> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

export interface VerifierOptions {
  /** Reads a key file (tests inject one); default: the file system. */
  readonly readFile?: (path: string) => string;
}

export function createJwtVerifier(options: VerifierOptions = {}): JwtVerifier {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const cache = new Map<string, KeySet>();
  return (token, provider) => {
    const cacheKey = provider.jwks ?? `uri:${provider.jwksUri ?? ''}`;
    let keySet = cache.get(cacheKey);
    if (keySet === undefined) {
      keySet = loadKeySet(provider, readFile);
      cache.set(cacheKey, keySet);
    }
    if ('error' in keySet) return { valid: false, reason: keySet.error, detail: keySet.detail };
    return verifyToken(token, keySet.keys);
  };
}

function loadKeySet(provider: JwtProvider, readFile: (path: string) => string): KeySet {
  if (provider.jwks !== null) return parseKeySet(provider.jwks, 'the inline jwks');
  const uri = provider.jwksUri;
  if (uri === null) return { error: "Jwks doesn't have any valid public key", detail: 'the rule gives neither jwks nor jwksUri' };
  if (!uri.startsWith('file://')) {
    return { error: 'Jwks remote fetch is failed', detail: `meshsim reads no network, so jwksUri ${uri} was not fetched; put the keys inline in the rule's jwks` };
  }
  let text: string;
  try {
    text = readFile(fileURLToPath(uri));
  } catch (error) {
    return { error: 'Jwks remote fetch is failed', detail: `cannot read ${uri}: ${error instanceof Error ? error.message : String(error)}` };
  }
  return parseKeySet(text, uri);
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
    ? { valid: false, reason: 'Jwt verification fails', detail: `no key of the provider verifies the ${alg} signature` }
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
