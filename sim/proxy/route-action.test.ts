import test from 'ava';
import { Rng } from '../core/prng.ts';
import type { HeaderOperations, Route, RouteAction } from '../xds/route.ts';
import { handleCall } from './engine.ts';
import { forwardAction, httpCall, httpListener, httpRequest, route, routeConfiguration, routeMatch, virtualHost } from './fixtures.ts';
import { applyHeaderLevels, applyHeaderOperations } from './header-ops.ts';
import { REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';
import type { HttpRequest } from './request.ts';
import { regexRewrite } from './rewrite.ts';

function sendToReviews(routes: readonly Route[], request: HttpRequest, port = 9080): Outcome {
  return handleCall(meshConfig({ reviewsRoutes: routes }), httpCall(REVIEWS_VIP, port, request), createProxyState(), Rng.fromSeed(1));
}

const ops = (part: Partial<HeaderOperations>): HeaderOperations => ({ set: {}, add: {}, remove: [], ...part });

// ---------------------------------------------------------------------------------------------
// Redirects: Location as Envoy's newUri builds it from what Istio's ApplyRedirect compiles.

type Redirect = Extract<RouteAction, { kind: 'redirect' }>;
const redirects: ReadonlyArray<[rule: string, action: Partial<Redirect>, match: Partial<Route['match']>, request: HttpRequest, location: string]> = [
  ['uri replaces the path and keeps the query (integration "redirect")', { path: '/new' }, { path: '/old' },
    httpRequest('reviews', '/old?k=v'), 'http://reviews/new?k=v'],
  ['a redirect uri with its own query drops the request query', { path: '/new?a=1' }, {},
    httpRequest('reviews', '/old?k=v'), 'http://reviews/new?a=1'],
  ['authority replaces the host, port and all', { host: 'ratings.example.com' }, {},
    httpRequest('reviews:9080', '/x'), 'http://ratings.example.com/x'],
  ['prefixRewrite replaces the matched prefix (integration "redirect prefix_rewrite")', { prefixRewrite: '/v2/' }, { prefix: '/v1/' },
    httpRequest('reviews', '/v1/users?id=7'), 'http://reviews/v2/users?id=7'],
  ['a path without a leading slash gets one', { path: 'relative' }, {}, httpRequest('reviews', '/'), 'http://reviews/relative'],
  ['scheme change http→https drops the Host default port :80', { scheme: 'https' }, {},
    httpRequest('reviews:80', '/x'), 'https://reviews/x'],
  ['scheme change keeps a non-default Host port (FROM_PROTOCOL_DEFAULT sets no port_redirect)', { scheme: 'https', derivePort: 'FROM_PROTOCOL_DEFAULT' }, {},
    httpRequest('reviews:8080', '/x'), 'https://reviews:8080/x'],
  ['explicit port replaces the Host port', { port: 8443, scheme: 'https' }, {},
    httpRequest('reviews:9080', '/x'), 'https://reviews:8443/x'],
  ['explicit port 443 with https is dropped by Istio, so the Host keeps its own port (processRequestHost)',
    { port: 443, scheme: 'https' }, {}, httpRequest('reviews:9080', '/x'), 'https://reviews:9080/x'],
  ['explicit port 443 with https and a bare Host gives no port', { port: 443, scheme: 'https' }, {},
    httpRequest('reviews', '/x'), 'https://reviews/x'],
  ['FROM_REQUEST_PORT uses the listener port', { derivePort: 'FROM_REQUEST_PORT', host: 'b' }, {},
    httpRequest('reviews', '/foo'), 'http://b:9080/foo'],
  ['no scheme given: the request scheme is kept', {}, {}, httpRequest('reviews', '/foo', { scheme: 'https' }), 'https://reviews/foo'],
];
for (const [rule, action, match, request, location] of redirects) {
  test(`redirect: ${rule}`, (t) => {
    const outcome = sendToReviews([route('redirect', { kind: 'redirect', code: 301, ...action }, { match: routeMatch(match) })], request);
    t.like(outcome, { kind: 'redirect', status: 301, redirect: { location }, cluster: null });
  });
}

test('redirect: FROM_REQUEST_PORT on port 80 with http is dropped (integration "redirect request port")', (t) => {
  const redirectRoute = route('r', { kind: 'redirect', code: 301, derivePort: 'FROM_REQUEST_PORT' });
  const config = meshConfig({
    extraListeners: [httpListener(80)],
    extraRoutes: [routeConfiguration('80', [virtualHost('b:80', ['*'], [redirectRoute])])],
  });
  const at = (authority: string) => handleCall(config, httpCall(REVIEWS_VIP, 80, httpRequest(authority, '/foo')), createProxyState(), Rng.fromSeed(1));
  t.like(at('b'), { redirect: { location: 'http://b/foo' } });
  t.like(at('b:80'), { redirect: { location: 'http://b:80/foo' } });
  t.like(at('b:85'), { redirect: { location: 'http://b:85/foo' } });
});

test('redirect: the configured code (302, 307, 308) is the status', (t) => {
  for (const code of [302, 303, 307, 308]) {
    t.like(sendToReviews([route('r', { kind: 'redirect', code, path: '/x' })], httpRequest('reviews', '/')), { status: code });
  }
});

// ---------------------------------------------------------------------------------------------
// Rewrites of the upstream request.

test('prefix rewrite replaces the matched prefix and keeps the query (Istio rewrite.uri)', (t) => {
  const outcome = sendToReviews([route('rw', forwardAction(reviewsCluster(), { prefixRewrite: '/new/path' }), { match: routeMatch({ prefix: '/foo' }) })],
    httpRequest('reviews', '/foo?key=value'));
  t.is(outcome.upstream?.path, '/new/path?key=value');
});

test('prefix rewrite on an exact match replaces the whole path', (t) => {
  const outcome = sendToReviews([route('rw', forwardAction(reviewsCluster(), { prefixRewrite: '/' }), { match: routeMatch({ path: '/old' }) })],
    httpRequest('reviews', '/old?x=1'));
  t.is(outcome.upstream?.path, '/?x=1');
});

test('prefix rewrite keeps what follows a plain-string prefix', (t) => {
  const outcome = sendToReviews([route('rw', forwardAction(reviewsCluster(), { prefixRewrite: '/v2' }), { match: routeMatch({ prefix: '/v1' }) })],
    httpRequest('reviews', '/v1beta/items'));
  t.is(outcome.upstream?.path, '/v2beta/items');
});

test('regex rewrite substitutes groups on the path and keeps the query', (t) => {
  const outcome = sendToReviews([route('rx', forwardAction(reviewsCluster(), { regexRewrite: { pattern: '^/service/([^/]+)(/.*)$', substitution: '\\2/instance/\\1' } }))],
    httpRequest('reviews', '/service/foo/v1/api?x=1'));
  t.is(outcome.upstream?.path, '/v1/api/instance/foo?x=1');
});

test('regex rewrite replaces every match (RE2 GlobalReplace), \\0 is the whole match, \\\\ a backslash', (t) => {
  t.is(regexRewrite('/aaa/bab?a=a', 'a', 'x'), '/xxx/bxb?a=a');
  t.is(regexRewrite('/ab', '(b)|(c)', '[\\2\\0\\\\]'), '/a[b\\]');
});

test('host rewrite: the route-level authority beats the destination-level one (istio-semantics §9.7)', (t) => {
  const both = forwardAction([{ name: reviewsCluster(), weight: 100, hostRewrite: 'dest.example.com' }], { hostRewrite: 'route.example.com' });
  t.is(sendToReviews([route('h', both)], httpRequest('reviews', '/')).upstream?.authority, 'route.example.com');
  const destOnly = forwardAction([{ name: reviewsCluster(), weight: 100, hostRewrite: 'dest.example.com' }]);
  t.is(sendToReviews([route('h', destOnly)], httpRequest('reviews', '/')).upstream?.authority, 'dest.example.com');
});

// ---------------------------------------------------------------------------------------------
// Header operations.

test('header ops within a level: remove, then set, then add (appended with ", ")', (t) => {
  const result = applyHeaderOperations({ 'x-a': '1', 'x-b': '2', 'x-c': '3' },
    ops({ remove: ['X-C'], set: { 'x-a': 'one', 'X-New': 'n', 'x-empty': '' }, add: { 'x-b': 'two', 'x-a': 'uno', 'x-skip': '' } }));
  t.deepEqual(result, { 'x-a': 'one, uno', 'x-b': '2, two', 'x-new': 'n' });
});

test('header levels: weighted cluster first, route after, so a route-level set wins', (t) => {
  const result = applyHeaderLevels({}, [ops({ set: { 'x-level': 'destination' }, add: { 'x-trail': 'd' } }), ops({ set: { 'x-level': 'route' }, add: { 'x-trail': 'r' } })]);
  t.deepEqual(result, { 'x-level': 'route', 'x-trail': 'd, r' });
});

test('request and response header ops shape the upstream request and the response headers', (t) => {
  const destination = { name: reviewsCluster(), weight: 100,
    requestHeaders: ops({ set: { 'x-dest': 'd' }, remove: ['cookie'] }), responseHeaders: ops({ set: { 'x-served-by': 'dest' } }) };
  const outcome = sendToReviews([route('ops', forwardAction([destination]), {
    requestHeaders: ops({ add: { 'x-route': 'r', 'end-user': 'added' } }),
    responseHeaders: ops({ set: { 'x-served-by': 'route' }, add: { 'x-extra': 'e' } }),
  })], httpRequest('reviews', '/', { headers: { cookie: 'secret', 'end-user': 'jason' } }));
  t.deepEqual(outcome.upstream?.headers, { 'end-user': 'jason, added', 'x-dest': 'd', 'x-route': 'r' });
  t.deepEqual(outcome.responseHeaders, { 'x-served-by': 'route', 'x-extra': 'e' });
});

test('route response headers also apply to local replies after a route matched (UH)', (t) => {
  const outcome = sendToReviews([route('uh', forwardAction(reviewsCluster('v3')), { responseHeaders: ops({ set: { 'x-route': 'uh' } }) })],
    httpRequest('reviews', '/'));
  t.like(outcome, { status: 503, flags: ['UH'], responseHeaders: { 'x-route': 'uh' } });
});
