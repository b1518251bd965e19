// `meshsim probe --jwt / --jwt-claims` end to end: a RequestAuthentication with an inline JWKS whose
// key pair is generated here, an AuthorizationPolicy that requires a request principal, and tokens
// signed here with node:crypto (tests/integration/security/jwt_test.go "authn-authz").
import test from 'ava';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import type { Io } from './main.ts';

const ISSUER = 'issuer-1@example.com';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const intruder = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = () => Math.floor(Date.now() / 1000);
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function signed(claims: Record<string, unknown>, key: KeyObject = keys.privateKey): string {
  const data = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'key-1' }))}.${b64(JSON.stringify(claims))}`;
  return `${data}.${b64(sign('sha256', Buffer.from(data), key))}`;
}

const jwks = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256', use: 'sig' }] });
const MESH = `apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin}}
    spec:
      containers: [{name: httpbin, image: kennethreitz/httpbin, ports: [{containerPort: 80}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep, namespace: foo}
spec:
  selector: {matchLabels: {app: sleep}}
  template:
    metadata: {labels: {app: sleep}}
    spec:
      containers: [{name: sleep, image: curlimages/curl}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  jwtRules:
  - issuer: "${ISSUER}"
    jwks: '${jwks}'
    outputClaimToHeaders: [{header: x-jwt-sub, claim: sub}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: require-jwt, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
  - from: [{source: {requestPrincipals: ["${ISSUER}/*"]}}]
`;

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

function probe(...extra: string[]): { code: number; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-jwt-'));
  try {
    writeFileSync(join(dir, 'mesh.yaml'), MESH);
    const io = capture();
    const code = main(['probe', dir, '--from', 'foo/sleep', '--url', 'http://httpbin.foo:8000/headers', ...extra], io);
    return { code, out: io.stdout(), err: io.stderr() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const json = (...extra: string[]) => {
  const run = probe(...extra, '--json');
  if (run.code !== 0) throw new Error(run.err);
  return JSON.parse(run.out);
};

test('no token: the JWT filter lets it on without a principal, the ALLOW policy denies it: 403', (t) => {
  const result = json();
  t.like(result, { status: 403, jwt: { outcome: 'no-token', principal: null, standIn: false }, authz: { decision: 'DENY' } });
});

test('a valid RS256 token: 200, authorized by its principal, the token removed and its sub in a header', (t) => {
  const result = json('--jwt', signed({ iss: ISSUER, sub: 'alice', exp: now() + 3600 }));
  t.like(result, { status: 200, jwt: { outcome: 'authenticated', principal: `${ISSUER}/alice`, provider: 'foo/httpbin' }, authz: { decision: 'ALLOW', policy: 'foo/require-jwt' } });
  t.deepEqual(result.upstream.headers, { 'x-jwt-sub': 'alice' });
});

test('a token signed by another key: 401 "Jwt verification fails", no authorization decision', (t) => {
  const result = json('--jwt', signed({ iss: ISSUER, sub: 'alice', exp: now() + 3600 }, intruder.privateKey));
  t.like(result, { status: 401, flags: [], jwt: { outcome: 'rejected' }, authz: null, destination: null });
  t.regex(result.jwt.reason, /^Jwt verification fails/);
  t.regex(result.response.headers['www-authenticate'], /^Bearer realm="http:\/\/httpbin\.foo:8000\/headers", error="invalid_token"$/);
});

test('an expired token: 401 "Jwt is expired"', (t) => {
  const result = json('--jwt', signed({ iss: ISSUER, sub: 'alice', exp: now() - 3600 }));
  t.like(result, { status: 401, jwt: { outcome: 'rejected' } });
  t.regex(result.jwt.reason, /^Jwt is expired/);
});

test('--jwt-claims stands in for a signed token: 200, and the output says it was not verified', (t) => {
  const claims = JSON.stringify({ iss: ISSUER, sub: 'bob' });
  const result = json('--jwt-claims', claims);
  t.like(result, { status: 200, jwt: { outcome: 'authenticated', principal: `${ISSUER}/bob`, standIn: true }, authz: { decision: 'ALLOW' } });
  const human = probe('--jwt-claims', claims);
  t.is(human.code, 0);
  t.regex(human.out, /^= 200/m);
  t.regex(human.out, /token: stand-in claims, not verified/);
  t.regex(human.out, /JWT: authenticated as issuer-1@example\.com\/bob by foo\/httpbin/);
});

test('--jwt-claims from an issuer no rule names: 401, the issuer is still checked', (t) => {
  t.like(json('--jwt-claims', '{"iss":"someone-else","sub":"bob"}'), { status: 401, jwt: { outcome: 'rejected', standIn: true } });
});

test('bad --jwt-claims and --jwt with --jwt-claims are bad input (exit 2)', (t) => {
  const notObject = probe('--jwt-claims', '"alice"');
  t.is(notObject.code, 2);
  t.regex(notObject.err, /--jwt-claims takes a JSON object/);
  const both = probe('--jwt', 'a.b.c', '--jwt-claims', '{}');
  t.is(both.code, 2);
  t.regex(both.err, /--jwt and --jwt-claims/);
});
