// An inbound sidecar with RequestAuthentication (and AuthorizationPolicy) through handleCall, with a
// fake verifier: tests/integration/security/jwt_test.go "authn-authz" (no token 403, expired 401, valid
// 200) and "authn-only", and the order Istio's HTTP filters run in: mTLS handshake, jwt_authn, RBAC.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import type { JwtProvider, RbacPolicy, WorkloadSecurity } from '../xds/security.ts';
import { handleCall } from './engine.ts';
import { assignment, cluster, endpoint, filterChain, forwardAction, httpRequest, listener, proxyConfig, route, routeConfiguration, virtualHost } from './fixtures.ts';
import { ISSUER_1, NOW, fakeVerifier, jwtProvider, testToken } from './jwt-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';
import type { Call, HttpRequest } from './request.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';

const POD_IP = '10.1.0.7';
const SLEEP = 'spiffe://cluster.local/ns/foo/sa/sleep';

function inboundConfig(jwtProviders: readonly JwtProvider[], authorization: readonly RbacPolicy[] = []): ProxyConfig {
  const security: WorkloadSecurity = { inboundMtls: { mode: 'PERMISSIVE', ports: {}, source: null }, authorization, jwtProviders, extAuthzProviders: [] };
  const inbound = listener('0.0.0.0', 15006, [
    filterChain('80_http', { kind: 'http', routeConfigName: 'inbound|80||', statPrefix: 'inbound|80||' }, { destinationPort: 80, applicationProtocol: 'http' }),
    filterChain('3306_tcp', { kind: 'tcp', cluster: 'inbound|3306||', statPrefix: 'inbound|3306||' }, { destinationPort: 3306, applicationProtocol: 'tcp' }),
  ], { name: 'virtualInbound', direction: 'inbound' });
  const base = proxyConfig({
    listeners: [inbound],
    routes: [routeConfiguration('inbound|80||', [virtualHost('inbound|http|80', ['*'], [route('default', forwardAction('inbound|80||'))])])],
    clusters: [cluster('inbound|80||', { discovery: 'STATIC' }), cluster('inbound|3306||', { discovery: 'STATIC', upstreamProtocol: 'tcp' })],
    endpoints: [assignment('inbound|80||', [endpoint(POD_IP, 80)]), assignment('inbound|3306||', [endpoint(POD_IP, 3306)])],
  });
  return { ...base, security };
}

const requireIssuer1: RbacPolicy = { name: 'foo/httpbin', action: 'ALLOW', dryRun: false, rules: [{ from: [{ requestPrincipals: [`${ISSUER_1}/sub-1`] }], to: [{ methods: ['GET'] }] }] };

function call(request: HttpRequest): Call {
  return { destinationIp: POD_IP, destinationPort: 80, protocol: 'http', request, transport: 'mtls', sourcePrincipal: SLEEP, sourceIp: '10.1.0.9' };
}

function inbound(config: ProxyConfig, headers: Record<string, string>, options: { path?: string; now?: number; verifier?: typeof fakeVerifier | null } = {}): Outcome {
  const request = httpRequest('httpbin.foo:8000', options.path ?? '/', { headers });
  return handleCall(config, call(request), createProxyState(), Rng.fromSeed(1), 'inbound',
    { jwtVerifier: options.verifier === undefined ? fakeVerifier : options.verifier, nowSeconds: options.now ?? NOW });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const AUTHN_AUTHZ = inboundConfig([jwtProvider()], [requireIssuer1]);

test('authn-authz valid-token: 200 to the app, authorized by the request principal, Authorization removed', (t) => {
  const outcome = inbound(AUTHN_AUTHZ, bearer(testToken()));
  t.is(outcome.kind, 'forwarded');
  t.like(outcome.security, { mtls: true, jwt: { outcome: 'authenticated', principal: `${ISSUER_1}/sub-1` }, authz: { decision: 'ALLOW', policy: 'foo/httpbin' } });
  t.deepEqual(outcome.upstream?.headers, {});
});

test('authn-authz no-token: the JWT filter lets it on, RBAC denies it 403 with no flag', (t) => {
  const outcome = inbound(AUTHN_AUTHZ, {});
  t.like(outcome, { kind: 'local-reply', status: 403, flags: [] });
  t.like(outcome.security, { jwt: { outcome: 'no-token' }, authz: { decision: 'DENY' } });
});

test('authn-authz expired-token: 401 from the JWT filter before RBAC, no flag, a Bearer challenge', (t) => {
  const outcome = inbound(AUTHN_AUTHZ, bearer(testToken({ exp: NOW - 3600 })), { path: '/expired-token' });
  t.like(outcome, { kind: 'local-reply', status: 401, flags: [], responseHeaders: { 'www-authenticate': 'Bearer realm="http://httpbin.foo:8000/expired-token", error="invalid_token"' } });
  t.like(outcome.security, { jwt: { outcome: 'rejected' }, authz: null });
  t.regex(outcome.reason, /^Jwt is expired: /);
});

test('authn-only: no AuthorizationPolicy, a token of another issuer is still 401', (t) => {
  const config = inboundConfig([jwtProvider()]);
  t.is(inbound(config, {}).kind, 'forwarded');
  t.is(inbound(config, bearer(testToken({ iss: 'other' }))).status, 401);
  t.is(inbound(config, bearer(testToken({}, { signature: 'bad' }))).status, 401);
});

test('without a verifier a present token cannot verify: 401; without a token nothing changes', (t) => {
  const config = inboundConfig([jwtProvider()]);
  t.is(inbound(config, bearer(testToken()), { verifier: null }).status, 401);
  t.is(inbound(config, {}, { verifier: null }).kind, 'forwarded');
});

test('the clock is the caller\'s: the same token is valid at NOW and expired an hour later', (t) => {
  const config = inboundConfig([jwtProvider()]);
  const token = testToken({ exp: NOW + 60 });
  t.is(inbound(config, bearer(token)).kind, 'forwarded');
  t.is(inbound(config, bearer(token), { now: NOW + 3600 }).status, 401);
});

test('claims reach authorization: a when condition on request.auth.claims[scope] with a space-delimited scope', (t) => {
  const policy: RbacPolicy = { name: 'foo/scoped', action: 'ALLOW', dryRun: false, rules: [{ when: [{ key: 'request.auth.claims[scope]', values: ['write'] }] }] };
  const config = inboundConfig([jwtProvider()], [policy]);
  t.is(inbound(config, bearer(testToken({ scope: 'read write' }))).kind, 'forwarded');
  t.is(inbound(config, bearer(testToken({ scope: 'read' }))).status, 403);
});

test('a TCP chain has no JWT filter: the bytes go through, authorization on the connection', (t) => {
  const config = inboundConfig([jwtProvider()]);
  const outcome = handleCall(config, { destinationIp: POD_IP, destinationPort: 3306, protocol: 'tcp', transport: 'mtls', sourcePrincipal: SLEEP, sourceIp: '10.1.0.9' },
    createProxyState(), Rng.fromSeed(1), 'inbound', { jwtVerifier: fakeVerifier, nowSeconds: NOW });
  t.is(outcome.kind, 'forwarded');
  t.is(outcome.security?.jwt, null);
});
