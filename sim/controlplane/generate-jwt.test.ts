// Which RequestAuthentications reach a sidecar (authentication.go getConfigsForWorkload,
// policyattachment.go ShouldAttachPolicy) and how their jwtRules become jwt_authn providers
// (policy_applier.go newPolicyApplier, convertToEnvoyJwtConfig; Envoy's default token locations).
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import type { Resource } from '../config/resource.ts';
import { jwtProvidersFor } from './generate-jwt.ts';
import type { AuthzWorkload } from './generate-authz.ts';

const ROOT = 'istio-system';
const HTTPBIN: AuthzWorkload = { namespace: 'foo', labels: { app: 'httpbin', version: 'v1' } };

function policies(text: string): Resource<'RequestAuthentication'>[] {
  const loaded = loadManifests([{ path: 't.yaml', text }]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  return loaded.resources.filter((r): r is Resource<'RequestAuthentication'> => r.kind === 'RequestAuthentication');
}

function ra(namespace: string, name: string, spec: string): string {
  const indented = spec.trim().split('\n').map((line) => `  ${line}`).join('\n');
  return `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
${indented}
---
`;
}

const rule = (issuer: string) => `jwtRules: [{issuer: "${issuer}"}]`;
const sources = (text: string, workload = HTTPBIN): string[] => jwtProvidersFor(policies(text), workload, ROOT).map((p) => `${p.source} ${p.issuer}`);

test('getConfigsForWorkload: the workload namespace and the root namespace only', (t) => {
  const text = ra(ROOT, 'mesh', rule('a')) + ra('foo', 'ns', rule('b')) + ra('bar', 'other', rule('c'));
  t.deepEqual(sources(text), ['istio-system/mesh a', 'foo/ns b']);
  t.deepEqual(sources(text, { namespace: 'bar', labels: {} }), ['istio-system/mesh a', 'bar/other c']);
  t.deepEqual(sources(text, { namespace: ROOT, labels: {} }), ['istio-system/mesh a']);
});

test('ShouldAttachPolicy: a selector applies when its labels are a subset, in the root namespace mesh-wide', (t) => {
  const text = ra('foo', 'v1', `selector: {matchLabels: {app: httpbin, version: v1}}\n${rule('v1')}`)
    + ra('foo', 'v2', `selector: {matchLabels: {version: v2}}\n${rule('v2')}`)
    + ra(ROOT, 'httpbins', `selector: {matchLabels: {app: httpbin}}\n${rule('root')}`);
  t.deepEqual(sources(text), ['istio-system/httpbins root', 'foo/v1 v1']);
  t.deepEqual(sources(text, { namespace: 'bar', labels: { app: 'httpbin' } }), ['istio-system/httpbins root']);
  t.deepEqual(sources(text, { namespace: 'bar', labels: { app: 'sleep' } }), []);
});

test('ShouldAttachPolicy: sidecars ignore policies with targetRef or targetRefs', (t) => {
  const text = ra('foo', 'gw', `targetRef: {kind: Gateway, group: gateway.networking.k8s.io, name: gw}\n${rule('gw')}`)
    + ra('foo', 'gws', `targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n${rule('gws')}`)
    + ra('foo', 'plain', rule('plain'));
  t.deepEqual(sources(text), ['foo/plain plain']);
});

test('newPolicyApplier: every rule of every policy is a provider, sorted by issuer; equal issuers keep namespace-then-root order', (t) => {
  const text = ra(ROOT, 'mesh', 'jwtRules: [{issuer: "b"}, {issuer: "a"}]') + ra('foo', 'one', 'jwtRules: [{issuer: "c"}, {issuer: "b"}]');
  t.deepEqual(sources(text), ['istio-system/mesh a', 'foo/one b', 'istio-system/mesh b', 'foo/one c']);
});

test('Envoy default locations: Authorization with "Bearer " and ?access_token when a rule names none', (t) => {
  const [provider] = jwtProvidersFor(policies(ra('foo', 'd', rule('iss'))), HTTPBIN, ROOT);
  t.like(provider, {
    fromHeaders: [{ name: 'authorization', prefix: 'Bearer ' }], fromParams: ['access_token'], fromCookies: [],
    forwardOriginalToken: false, outputPayloadToHeader: null, outputClaimToHeaders: [], audiences: [], jwks: null, jwksUri: null,
    spaceDelimitedClaims: ['permission', 'scope'],
  });
});

test('a rule with its own locations gets exactly those (header names lower case), and its outputs', (t) => {
  const spec = `jwtRules:
- issuer: "test-issuer-1@istio.io"
  jwksUri: "https://example.com/jwks.json"
  audiences: [foo]
  fromHeaders: [{name: X-Jwt-Token, prefix: "Value "}, {name: auth-token}]
  fromCookies: [session]
  forwardOriginalToken: true
  outputPayloadToHeader: X-Test-Payload
  outputClaimToHeaders: [{header: X-Jwt-Iss, claim: iss}]
  spaceDelimitedClaims: [roles]`;
  const [provider] = jwtProvidersFor(policies(ra('foo', 'hp', spec)), HTTPBIN, ROOT);
  t.deepEqual(provider, {
    issuer: 'test-issuer-1@istio.io', audiences: ['foo'], jwks: null, jwksUri: 'https://example.com/jwks.json',
    fromHeaders: [{ name: 'x-jwt-token', prefix: 'Value ' }, { name: 'auth-token', prefix: '' }], fromParams: [], fromCookies: ['session'],
    forwardOriginalToken: true, outputPayloadToHeader: 'x-test-payload', outputClaimToHeaders: [{ header: 'x-jwt-iss', claim: 'iss' }],
    spaceDelimitedClaims: ['permission', 'roles', 'scope'], source: 'foo/hp',
  });
});

test('a params-only rule gets no default header', (t) => {
  const [provider] = jwtProvidersFor(policies(ra('foo', 'p', 'jwtRules: [{issuer: i, fromParams: [token, secondary_token]}]')), HTTPBIN, ROOT);
  t.deepEqual(provider?.fromHeaders, []);
  t.deepEqual(provider?.fromParams, ['token', 'secondary_token']);
});

test('a policy without jwtRules contributes no provider', (t) => {
  t.deepEqual(jwtProvidersFor(policies(ra('foo', 'empty', 'selector: {matchLabels: {app: httpbin}}')), HTTPBIN, ROOT), []);
});
