// `meshsim probe --from external` through an ingress gateway with a RequestAuthentication whose keys
// sit behind a jwksUri (served with --jwks URI=FILE), an AuthorizationPolicy on the gateway, and a
// CUSTOM provider answered with --ext-authz: the "Authentication Policy" task's end-user section and
// the "External Authorization" task, end to end, with tokens signed here (node:crypto).
import test from 'ava';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';

const ISSUER = 'issuer-1@example.com';
const JWKS_URI = 'https://keys.example.com/jwks.json';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');

function signed(claims: Record<string, unknown>): string {
  const data = `${b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'key-1' }))}.${b64(JSON.stringify(claims))}`;
  return `${data}.${b64(sign('sha256', Buffer.from(data), keys.privateKey))}`;
}

const TOKEN = signed({ iss: ISSUER, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 });
const JWKS = JSON.stringify({ keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'RS256' }] });

const MESH = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    extensionProviders:
    - name: ext
      envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: "8000"}
---
apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: foo}
spec: {selector: {app: httpbin}, ports: [{name: http, port: 8000, targetPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin}}
    spec: {containers: [{name: httpbin, image: kennethreitz/httpbin, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ext-authz, namespace: foo}
spec: {selector: {app: ext-authz}, ports: [{name: http, port: 8000}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: foo}
spec:
  hosts: ["*"]
  gateways: [httpbin-gateway]
  http: [{route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 8000}}}]}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt-example, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: "${ISSUER}", jwksUri: "${JWKS_URI}"}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: frontend-ingress, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules: [{from: [{source: {notRequestPrincipals: ["*"]}}], to: [{operation: {paths: ["/headers"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: CUSTOM
  provider: {name: ext}
  rules: [{to: [{operation: {paths: ["/admin"]}}]}]
`;

function probe(path: string, ...extra: string[]): { code: number; out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-gw-'));
  try {
    writeFileSync(join(dir, 'mesh.yaml'), MESH);
    writeFileSync(join(dir, 'keys.json'), JWKS);
    let out = '';
    let err = '';
    const args = extra.map((a) => a.replace('$DIR', dir));
    const code = main(['probe', join(dir, 'mesh.yaml'), '--from', 'external', '--url', `http://istio-ingressgateway.istio-system${path}`, ...args],
      { out: (t) => { out += t; }, err: (t) => { err += t; } });
    return { code, out, err };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const json = (path: string, ...extra: string[]) => {
  const run = probe(path, ...extra, '--json');
  if (run.code !== 0) throw new Error(run.err);
  return JSON.parse(run.out);
};
const SERVED = ['--jwks', `${JWKS_URI}=$DIR/keys.json`];

test('a signed token whose jwksUri is served from a file is verified at the gateway: 200', (t) => {
  const result = json('/headers', '--jwt', TOKEN, ...SERVED);
  t.like(result, { status: 200, mtls: true, jwt: { outcome: 'authenticated', principal: `${ISSUER}/alice`, provider: 'istio-system/jwt-example' }, authz: { decision: 'ALLOW' } });
  t.deepEqual(result.trace.map((h: { direction: string }) => h.direction), ['kube-proxy', 'gateway', 'inbound']);
  t.regex(result.trace[1].reason, /Before routing, the gateway's filters passed it: JWT authenticated \(issuer-1@example\.com\/alice\); authorization ALLOW/);
});

test('without --jwks the jwksUri cannot be fetched: istiod\'s PublicOnlyJwks fails every token with 401, and the reason says so', (t) => {
  const result = json('/headers', '--jwt', TOKEN);
  t.like(result, { status: 401, mtls: null, destination: null, jwt: { outcome: 'rejected' } });
  t.regex(result.jwt.reason, /^Jwt verification fails: .*istiod could not fetch jwksUri https:\/\/keys\.example\.com\/jwks\.json .*--jwks .*PublicOnlyJwks/);
});

test('no token on the denied path: 403 from the gateway, naming the policy', (t) => {
  const result = json('/headers');
  t.like(result, { status: 403, destination: null, mtls: null, jwt: { outcome: 'no-token' }, authz: { decision: 'DENY', policy: 'istio-system/frontend-ingress', provider: null } });
  const human = probe('/headers');
  t.regex(human.out, /^= 403/m);
  t.regex(human.out, /authorization: DENY by istio-system\/frontend-ingress — denied by DENY policy istio-system\/frontend-ingress rule 0/);
});

test('--ext-authz answers the CUSTOM provider; the outcome names it', (t) => {
  t.like(json('/admin', '--ext-authz', 'ext=allow'), { status: 200, authz: { decision: 'ALLOW', policy: 'istio-system/ext', provider: 'ext' } });
  const denied = json('/admin', '--ext-authz', 'ext=deny');
  t.like(denied, { status: 403, flags: ['UAEX'], authz: { decision: 'CUSTOM', provider: 'ext' } });
  t.like(json('/admin', '--ext-authz', 'ext=error'), { status: 403, flags: ['UAEX'] });
  t.regex(json('/admin').authz.reason, /no answer was given for "ext", so it is taken as deny/);
  t.regex(probe('/admin', '--ext-authz', 'ext=deny').out, /authorization: CUSTOM by istio-system\/ext \(ext_authz provider ext\)/);
});

test('bad --jwks and --ext-authz values are bad input (exit 2); a --jwks URI no rule uses is a warning', (t) => {
  const noEquals = probe('/headers', '--jwks', 'file.json');
  t.is(noEquals.code, 2);
  t.regex(noEquals.err, /--jwks takes URI=FILE with an http:\/\/ or https:\/\/ URI/);
  const missing = probe('/headers', '--jwks', `${JWKS_URI}=/nonexistent/keys.json`);
  t.is(missing.code, 2);
  t.regex(missing.err, /cannot read \/nonexistent\/keys\.json/);
  const answer = probe('/admin', '--ext-authz', 'ext=maybe');
  t.is(answer.code, 2);
  t.regex(answer.err, /--ext-authz takes NAME=allow, NAME=deny or NAME=error/);
  const unused = probe('/ip', '--jwks', 'https://other.example/jwks.json=$DIR/keys.json');
  t.is(unused.code, 0);
  t.regex(unused.err, /--jwks https:\/\/other\.example\/jwks\.json: no RequestAuthentication uses this jwksUri \(they use https:\/\/keys\.example\.com\/jwks\.json\)/);
});

test('--batch lines take extAuthz; --ext-authz is their default', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-gw-batch-'));
  try {
    writeFileSync(join(dir, 'mesh.yaml'), MESH);
    const line = (answers?: Record<string, string>) => JSON.stringify({ from: 'external', url: 'http://istio-ingressgateway.istio-system/admin', ...(answers === undefined ? {} : { extAuthz: answers }) });
    writeFileSync(join(dir, 'batch.jsonl'), `${line()}\n${line({ ext: 'deny' })}\n`);
    let out = '';
    const code = main(['probe', join(dir, 'mesh.yaml'), '--batch', join(dir, 'batch.jsonl'), '--ext-authz', 'ext=allow'], { out: (text) => { out += text; }, err: () => {} });
    t.is(code, 0);
    t.deepEqual(out.trim().split('\n').map((l) => (JSON.parse(l) as { status: number }).status), [200, 403]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
