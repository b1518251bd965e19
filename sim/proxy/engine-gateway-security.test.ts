// A gateway proxy's security filters through handleCall (listener_builder.go: ext_authz, jwt_authn,
// RBAC on every gateway HTTP chain; networkfilter.go buildCompleteNetworkFilters on TCP chains), as
// the "Authentication Policy" task's end-user authentication on the ingress gateway uses them.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import type { ExtAuthzProvider, JwtProvider, RbacPolicy } from '../xds/security.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { handleCall } from './engine.ts';
import type { InboundOptions } from './inbound-security.ts';
import { assignment, cluster, endpoint, filterChain, forwardAction, httpRequest, listener, proxyConfig, route, routeConfiguration, virtualHost } from './fixtures.ts';
import { ISSUER_1, NOW, fakeVerifier, jwtProvider, testToken } from './jwt-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';
import type { Call } from './request.ts';

const GATEWAY_IP = '10.244.0.3';
const CLIENT_IP = '198.51.100.10';
const UPSTREAM = 'outbound|8000||httpbin.foo.svc.cluster.local';
const TCP_UPSTREAM = 'outbound|9000||echo.foo.svc.cluster.local';

function gateway(security: { jwtProviders?: readonly JwtProvider[]; authorization?: readonly RbacPolicy[]; extAuthzProviders?: readonly ExtAuthzProvider[] }): ProxyConfig {
  const http = filterChain('http_8080', { kind: 'http', routeConfigName: 'http.8080', statPrefix: 'outbound_0.0.0.0_8080' });
  const https = { ...filterChain('https.8443', { kind: 'http', routeConfigName: 'https.8443', statPrefix: 'https.8443' }, { serverNames: ['secure.example.com'] }), terminatesTls: true };
  const base = proxyConfig({
    listeners: [
      listener('0.0.0.0', 8080, [http], { direction: 'gateway' }),
      listener('0.0.0.0', 8443, [https], { direction: 'gateway' }),
      listener('0.0.0.0', 9000, [filterChain('tcp_9000', { kind: 'tcp', cluster: TCP_UPSTREAM, statPrefix: TCP_UPSTREAM })], { direction: 'gateway' }),
    ],
    routes: ['http.8080', 'https.8443'].map((name) => routeConfiguration(name, [virtualHost('*:80', ['*'], [route('', forwardAction(UPSTREAM))])])),
    clusters: [cluster(UPSTREAM), cluster(TCP_UPSTREAM, { upstreamProtocol: 'tcp' })],
    endpoints: [assignment(UPSTREAM, [endpoint('10.244.0.2', 8080)]), assignment(TCP_UPSTREAM, [endpoint('10.244.0.4', 9000)])],
  });
  return {
    ...base,
    proxy: { ...base.proxy, id: 'istio-ingressgateway-1.istio-system', type: 'router', namespace: 'istio-system', ip: GATEWAY_IP, labels: { istio: 'ingressgateway' } },
    security: { inboundMtls: null, jwtProviders: security.jwtProviders ?? [], authorization: security.authorization ?? [], extAuthzProviders: security.extAuthzProviders ?? [] },
  };
}

const requireToken: RbacPolicy = { name: 'istio-system/frontend-ingress', action: 'DENY', dryRun: false, rules: [{ from: [{ notRequestPrincipals: ['*'] }] }] };
const perPath: RbacPolicy = { ...requireToken, rules: [{ from: [{ notRequestPrincipals: ['*'] }], to: [{ paths: ['/headers'] }] }] };

function send(config: ProxyConfig, options: { path?: string; token?: string; port?: number; tls?: boolean; sourceIp?: string } & InboundOptions = {}): Outcome {
  const headers: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
  const request = httpRequest('httpbin.example.com', options.path ?? '/headers', { headers, ...(options.tls === true ? { scheme: 'https' as const } : {}) });
  const call: Call = options.tls === true
    ? { destinationIp: GATEWAY_IP, destinationPort: options.port ?? 8443, protocol: 'tls', sni: 'secure.example.com', request, sourceIp: options.sourceIp ?? CLIENT_IP }
    : { destinationIp: GATEWAY_IP, destinationPort: options.port ?? 8080, protocol: 'http', request, sourceIp: options.sourceIp ?? CLIENT_IP };
  return handleCall(config, call, createProxyState(), Rng.fromSeed(1), 'outbound', { jwtVerifier: fakeVerifier, nowSeconds: NOW, ...options });
}

test('authn-policy task: a RequestAuthentication on the gateway lets a request without a token through', (t) => {
  const outcome = send(gateway({ jwtProviders: [jwtProvider()] }));
  t.is(outcome.kind, 'forwarded');
  t.like(outcome.security, { mtls: false, principal: null, jwt: { outcome: 'no-token' }, authz: null });
});

test('authn-policy task: an invalid token at the gateway is a 401 from the gateway', (t) => {
  const outcome = send(gateway({ jwtProviders: [jwtProvider()] }), { token: 'deadbeef' });
  t.is(outcome.status, 401);
  t.is(outcome.endpoint, null);
  t.like(outcome.security, { jwt: { outcome: 'rejected' } });
});

test('authn-policy task: a valid token is verified at the gateway and removed before the upstream', (t) => {
  const outcome = send(gateway({ jwtProviders: [jwtProvider()] }), { token: testToken() });
  t.is(outcome.kind, 'forwarded');
  t.like(outcome.security, { jwt: { outcome: 'authenticated', principal: `${ISSUER_1}/sub-1` } });
  t.false(Object.hasOwn(outcome.upstream?.headers ?? {}, 'authorization'));
});

test('authn-policy task "require a valid token": DENY notRequestPrincipals ["*"] on the gateway answers 403 without a token', (t) => {
  const config = gateway({ jwtProviders: [jwtProvider()], authorization: [requireToken] });
  const denied = send(config);
  t.is(denied.status, 403);
  t.deepEqual(denied.flags, []);
  t.like(denied.security, { jwt: { outcome: 'no-token' }, authz: { decision: 'DENY', policy: 'istio-system/frontend-ingress' } });
  t.is(send(config, { token: testToken() }).kind, 'forwarded');
});

test('authn-policy task "per path": only the listed path needs the token', (t) => {
  const config = gateway({ jwtProviders: [jwtProvider()], authorization: [perPath] });
  t.is(send(config, { path: '/headers' }).status, 403);
  t.is(send(config, { path: '/ip' }).kind, 'forwarded');
});

test('source.ip and ipBlocks at a gateway are the downstream client\'s address', (t) => {
  const denyExternal: RbacPolicy = { name: 'istio-system/deny-net', action: 'DENY', dryRun: false, rules: [{ from: [{ ipBlocks: ['198.51.100.0/24'] }] }] };
  const config = gateway({ authorization: [denyExternal] });
  t.is(send(config).status, 403);
  t.is(send(config, { sourceIp: '203.0.113.5' }).kind, 'forwarded');
});

test('a TLS-terminating HTTPS chain runs the JWT filter on the request inside', (t) => {
  const outcome = send(gateway({ jwtProviders: [jwtProvider()] }), { tls: true, token: 'deadbeef' });
  t.is(outcome.status, 401);
  t.is(outcome.filterChain, 'https.8443');
});

test('TLS on a plain HTTP chain fails in the codec (DPE) before any security filter', (t) => {
  const config = gateway({ authorization: [{ ...requireToken, rules: [{}] }] });
  const outcome = send(config, { tls: true, port: 8080 });
  t.deepEqual(outcome.flags, ['DPE']);
  t.is(outcome.security, undefined);
});

test('testdata tcp/deny-both-http-tcp on a gateway TCP chain: the HTTP-only DENY conditions drop and the connection is closed', (t) => {
  const config = gateway({ jwtProviders: [jwtProvider()], authorization: [perPath] });
  const outcome = handleCall(config, { destinationIp: GATEWAY_IP, destinationPort: 9000, protocol: 'tcp', sourceIp: CLIENT_IP }, createProxyState(), Rng.fromSeed(1));
  t.is(outcome.kind, 'reset');
  t.like(outcome.security, { jwt: null, authz: { decision: 'DENY', policy: 'istio-system/frontend-ingress' } });
});

test('ext_authz runs before jwt_authn: a CUSTOM denial of a request with a bad token is the provider\'s 403, not a 401', (t) => {
  const provider: ExtAuthzProvider = { name: 'ext', resolved: true, protocol: 'http', service: 'ext.foo.svc.cluster.local', cluster: 'outbound|8000||ext.foo.svc.cluster.local', failOpen: false, statusOnError: null };
  const custom: RbacPolicy = { name: 'istio-system/ext', action: 'CUSTOM', provider: 'ext', dryRun: false, rules: [{}] };
  const config = gateway({ jwtProviders: [jwtProvider()], authorization: [custom], extAuthzProviders: [provider] });
  const denied = send(config, { token: 'deadbeef', extAuthz: () => 'deny' });
  t.is(denied.status, 403);
  t.deepEqual(denied.flags, ['UAEX']);
  t.like(denied.security, { jwt: null, authz: { decision: 'CUSTOM', policy: 'istio-system/ext', provider: 'ext' } });
  t.is(send(config, { token: 'deadbeef', extAuthz: () => 'allow' }).status, 401);
});

test('a sidecar\'s outbound listener runs no security filters (ListenerClassSidecarOutbound)', (t) => {
  const router = gateway({ authorization: [{ ...requireToken, rules: [{}] }] });
  const sidecar: ProxyConfig = { ...router, proxy: { ...router.proxy, type: 'sidecar' } };
  t.is(send(router).status, 403);
  t.is(send(sidecar).kind, 'forwarded');
});
