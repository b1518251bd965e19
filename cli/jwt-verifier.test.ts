// The edge verifier against tokens signed here with keys generated here (node:crypto): every algorithm
// family Envoy's jwt_verify_lib takes, kid/alg key selection, and where the keys come from.
import test from 'ava';
import { constants, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createJwtVerifier } from './jwt-verifier.ts';
import type { JwtProvider } from '../sim/index.ts';

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const CLAIMS = { iss: 'issuer', sub: 'alice' };

function token(alg: string, key: KeyObject | Buffer, kid = 'k1', claims: Record<string, unknown> = CLAIMS): string {
  const data = `${b64(JSON.stringify({ alg, typ: 'JWT', kid }))}.${b64(JSON.stringify(claims))}`;
  const digest = `sha${alg.slice(2)}`;
  let signature: Buffer;
  if (alg.startsWith('HS')) signature = createHmac(digest, key as Buffer).update(data).digest();
  else if (alg === 'EdDSA') signature = sign(null, Buffer.from(data), key as KeyObject);
  else if (alg.startsWith('ES')) signature = sign(digest, Buffer.from(data), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else if (alg.startsWith('PS')) signature = sign(digest, Buffer.from(data), { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  else signature = sign(digest, Buffer.from(data), key as KeyObject);
  return `${data}.${b64(signature)}`;
}

function provider(overrides: Partial<JwtProvider>): JwtProvider {
  return {
    issuer: 'issuer', audiences: [], jwks: null, jwksUri: null, fromHeaders: [], fromParams: [], fromCookies: [], forwardOriginalToken: false,
    outputPayloadToHeader: null, outputClaimToHeaders: [], spaceDelimitedClaims: [], source: 'foo/jwt', ...overrides,
  };
}

const jwksOf = (...keys: Record<string, unknown>[]) => JSON.stringify({ keys });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1' };

const FAMILIES: [string, () => { privateKey: KeyObject | Buffer; jwk: Record<string, unknown> }][] = [
  ['RS256', () => ({ privateKey: rsa.privateKey, jwk: { ...rsaJwk, alg: 'RS256' } })],
  ['RS384', () => ({ privateKey: rsa.privateKey, jwk: rsaJwk })],
  ['RS512', () => ({ privateKey: rsa.privateKey, jwk: rsaJwk })],
  ['PS256', () => ({ privateKey: rsa.privateKey, jwk: rsaJwk })],
  ['PS384', () => ({ privateKey: rsa.privateKey, jwk: rsaJwk })],
  ['ES256', () => { const k = generateKeyPairSync('ec', { namedCurve: 'P-256' }); return { privateKey: k.privateKey, jwk: { ...k.publicKey.export({ format: 'jwk' }), kid: 'k1' } }; }],
  ['ES384', () => { const k = generateKeyPairSync('ec', { namedCurve: 'P-384' }); return { privateKey: k.privateKey, jwk: { ...k.publicKey.export({ format: 'jwk' }), kid: 'k1' } }; }],
  ['EdDSA', () => { const k = generateKeyPairSync('ed25519'); return { privateKey: k.privateKey, jwk: { ...k.publicKey.export({ format: 'jwk' }), kid: 'k1' } }; }],
  ['HS256', () => { const secret = randomBytes(32); return { privateKey: secret, jwk: { kty: 'oct', k: secret.toString('base64url'), kid: 'k1' } }; }],
];

for (const [alg, make] of FAMILIES) {
  test(`${alg}: a token signed with the key verifies and gives its claims; a tampered one fails`, (t) => {
    const { privateKey, jwk } = make();
    const verify = createJwtVerifier();
    const p = provider({ jwks: jwksOf(jwk) });
    const good = token(alg, privateKey);
    t.deepEqual(verify(good, p), { valid: true, claims: CLAIMS });
    const [h, , s] = good.split('.');
    t.like(verify(`${h}.${b64(JSON.stringify({ ...CLAIMS, sub: 'mallory' }))}.${s}`, p), { valid: false, reason: 'Jwt verification fails' });
  });
}

test('another key\'s signature fails; a kid no key has, or an alg the key refuses, is a kid/alg mismatch', (t) => {
  const verify = createJwtVerifier();
  const p = provider({ jwks: jwksOf({ ...rsaJwk, alg: 'RS256' }) });
  t.like(verify(token('RS256', other.privateKey), p), { valid: false, reason: 'Jwt verification fails' });
  t.like(verify(token('RS256', rsa.privateKey, 'k2'), p), { valid: false, reason: "Jwks doesn't have key to match kid or alg from Jwt" });
  t.like(verify(token('RS384', rsa.privateKey), p), { valid: false, reason: "Jwks doesn't have key to match kid or alg from Jwt" });
  // A token without kid tries every key.
  t.true(verify(token('RS256', rsa.privateKey, ''), provider({ jwks: jwksOf({ ...other.publicKey.export({ format: 'jwk' }), kid: 'x' }, rsaJwk) })).valid);
});

test('a served jwksUri gives its keys; one nothing serves, or that serves no JWKS, fails every token as PublicOnlyJwks does', (t) => {
  const uri = 'https://example.com/jwks.json';
  const verify = createJwtVerifier({ served: { [uri]: { text: jwksOf(rsaJwk), where: 'jwks.json' }, 'https://bad.example/jwks': { text: '<html>', where: 'bad.html' } } });
  t.true(verify(token('RS256', rsa.privateKey), provider({ jwksUri: uri })).valid);
  t.like(verify(token('RS256', other.privateKey), provider({ jwksUri: uri })), { valid: false, reason: 'Jwt verification fails' });
  const unserved = verify(token('RS256', rsa.privateKey), provider({ jwksUri: 'https://other.example/jwks.json' }));
  t.like(unserved, { valid: false, reason: 'Jwt verification fails' });
  t.regex((unserved as { detail: string }).detail, /could not fetch jwksUri https:\/\/other\.example\/jwks\.json.*--jwks.*PublicOnlyJwks/);
  const notJwks = verify(token('RS256', rsa.privateKey), provider({ jwksUri: 'https://bad.example/jwks' }));
  t.like(notJwks, { valid: false, reason: 'Jwt verification fails' });
  t.regex((notJwks as { detail: string }).detail, /not a JWKS \(not valid JSON\)/);
  const discovery = verify(token('RS256', rsa.privateKey), provider({ issuer: 'https://issuer.example' }));
  t.regex((discovery as { detail: string }).detail, /OpenID discovery at https:\/\/issuer\.example\/\.well-known\/openid-configuration/);
});

test('a broken key set says what is wrong with it', (t) => {
  const verify = createJwtVerifier();
  const rs = token('RS256', rsa.privateKey);
  t.like(verify(rs, provider({ jwks: 'nope' })), { valid: false, reason: 'Jwks is an invalid JSON' });
  t.like(verify(rs, provider({ jwks: '{}' })), { valid: false, reason: 'Jwks does not have [keys] field' });
  t.like(verify(rs, provider({ jwks: jwksOf({ kty: 'RSA', n: 'x' }) })), { valid: false, reason: "Jwks doesn't have any valid public key" });
});
