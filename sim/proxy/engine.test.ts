import test from 'ava';
import { Rng } from '../core/prng.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { Route } from '../xds/route.ts';
import { handleCall } from './engine.ts';
import { forwardAction, httpCall, httpListener, httpRequest, route, routeConfiguration, routeMatch, virtualHost } from './fixtures.ts';
import type { HttpRequest } from './request.ts';
import { REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import type { MeshOptions } from './mesh-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';

function send(config: ProxyConfig, request: HttpRequest, seed = 1, ip = REVIEWS_VIP, port = 9080): Outcome {
  return handleCall(config, httpCall(ip, port, request), createProxyState(), Rng.fromSeed(seed));
}

function sendToReviews(routes: readonly Route[], request: HttpRequest = httpRequest('reviews:9080', '/'), options: MeshOptions = {}): Outcome {
  return send(meshConfig({ ...options, reviewsRoutes: routes }), request);
}

test('a request that matches a route is forwarded to an endpoint of its cluster', (t) => {
  const outcome = send(meshConfig(), httpRequest('reviews:9080', '/reviews/1'));
  t.is(outcome.kind, 'forwarded');
  t.is(outcome.status, null, 'the upstream answers; the proxy has no status of its own');
  t.true(outcome.connected);
  t.deepEqual(outcome.flags, []);
  t.is(outcome.listener, '0.0.0.0_9080');
  t.is(outcome.filterChain, '0.0.0.0_9080');
  t.is(outcome.virtualHost, 'reviews.default.svc.cluster.local:9080');
  t.is(outcome.route, 'default');
  t.is(outcome.cluster, reviewsCluster());
  t.regex(outcome.endpoint?.address ?? '', /^10\.1\.0\.[123]$/);
  t.deepEqual(outcome.upstream, httpRequest('reviews:9080', '/reviews/1'));
  t.regex(outcome.reason, /goes to cluster "outbound\|9080\|\|reviews/);
});

test('404 NR: the listener names a route configuration this proxy has not received', (t) => {
  const config = meshConfig({ extraListeners: [httpListener(8080, 'missing-8080')] });
  const outcome = send(config, httpRequest('reviews:8080'), 1, REVIEWS_VIP, 8080);
  t.like(outcome, { kind: 'local-reply', status: 404, connected: true, flags: ['NR'], virtualHost: null, route: null });
  t.regex(outcome.reason, /no route configuration "missing-8080"/);
});

test('404 NR: no virtual host matches the Host', (t) => {
  const config = meshConfig({
    extraListeners: [httpListener(8080)],
    extraRoutes: [routeConfiguration('8080', [virtualHost('ratings:8080', ['ratings'], [route('r', forwardAction('x'))])])],
  });
  t.like(send(config, httpRequest('reviews:8080'), 1, REVIEWS_VIP, 8080), { status: 404, flags: ['NR'], virtualHost: null });
});

test('404 NR: a virtual host matches but no route does', (t) => {
  const outcome = sendToReviews([route('only-v1', forwardAction(reviewsCluster('v1')), { match: routeMatch({ prefix: '/v1' }) })],
    httpRequest('reviews', '/v2'));
  t.like(outcome, { status: 404, flags: ['NR'], virtualHost: 'reviews.default.svc.cluster.local:9080', route: null, cluster: null });
});

test('503 NC: the route names a cluster the proxy does not have (rollout race, undefined subset)', (t) => {
  const outcome = sendToReviews([route('to-v9', forwardAction(reviewsCluster('v9')))]);
  t.like(outcome, { kind: 'local-reply', status: 503, flags: ['NC'], cluster: reviewsCluster('v9'), endpoint: null });
});

test('500 NC: Gateway API routes set cluster_not_found_response_code 500', (t) => {
  const outcome = sendToReviews([route('gw-api', forwardAction(reviewsCluster('v9'), { clusterNotFoundStatus: 500 }))]);
  t.like(outcome, { status: 500, flags: ['NC'] });
});

test('503 UH: the cluster exists but has no healthy endpoint', (t) => {
  t.like(sendToReviews([route('to-v3', forwardAction(reviewsCluster('v3')))]), { status: 503, flags: ['UH'], cluster: reviewsCluster('v3') });
});

test('503 UH: an HTTP route to BlackHoleCluster (static, no endpoints)', (t) => {
  t.like(sendToReviews([route('blackhole', forwardAction(BLACKHOLE_CLUSTER))]), { status: 503, flags: ['UH'], cluster: BLACKHOLE_CLUSTER });
});

test('FI: a 100% abort answers with its status before any cluster is chosen', (t) => {
  const outcome = sendToReviews([route('abort', forwardAction(reviewsCluster()), { faultAbort: { httpStatus: 418, ppm: 1_000_000 } })]);
  t.like(outcome, { kind: 'local-reply', status: 418, flags: ['FI'], route: 'abort', cluster: null, endpoint: null, upstream: null });
});

test('FI: a gRPC abort is HTTP 200 with grpc-status (trailers-only local reply)', (t) => {
  const outcome = sendToReviews([route('abort', forwardAction(reviewsCluster()), { faultAbort: { grpcStatus: 'UNAVAILABLE', ppm: 1_000_000 } })]);
  t.like(outcome, { status: 200, flags: ['FI'], responseHeaders: { 'grpc-status': '14', 'content-type': 'application/grpc' } });
});

test('DI: a delay adds delayUs and flag DI and the request continues', (t) => {
  const outcome = sendToReviews([route('slow', forwardAction(reviewsCluster('v2')), { faultDelay: { delayUs: 5_000_000, ppm: 1_000_000 } })]);
  t.like(outcome, { kind: 'forwarded', delayUs: 5_000_000, flags: ['DI'], cluster: reviewsCluster('v2') });
});

test('DI then FI: a delayed request can still be aborted, flags in Envoy order', (t) => {
  const outcome = sendToReviews([route('both', forwardAction(reviewsCluster()), {
    faultDelay: { delayUs: 1000, ppm: 1_000_000 }, faultAbort: { httpStatus: 503, ppm: 1_000_000 },
  })]);
  t.like(outcome, { status: 503, delayUs: 1000, flags: ['DI', 'FI'] });
});

test('faults at 0 ppm never fire', (t) => {
  const outcome = sendToReviews([route('off', forwardAction(reviewsCluster()), {
    faultDelay: { delayUs: 1000, ppm: 0 }, faultAbort: { httpStatus: 503, ppm: 0 },
  })]);
  t.like(outcome, { kind: 'forwarded', delayUs: 0, flags: [] });
});

test('direct response: status and body, with the route response headers', (t) => {
  const outcome = sendToReviews([route('direct', { kind: 'direct', status: 503, body: 'down for maintenance' }, {
    responseHeaders: { set: { 'x-why': 'maintenance' }, add: {}, remove: [] },
  })]);
  t.like(outcome, { kind: 'direct', status: 503, directBody: 'down for maintenance', responseHeaders: { 'x-why': 'maintenance' }, cluster: null });
});

test('block_all: Istio REGISTRY_ONLY catch-all answers 502 directly', (t) => {
  const config = meshConfig({
    extraListeners: [httpListener(8080)],
    extraRoutes: [routeConfiguration('8080', [virtualHost('block_all', ['*'], [route('block_all', { kind: 'direct', status: 502, body: '' })])])],
  });
  t.like(send(config, httpRequest('example.com:8080'), 1, '93.184.216.34', 8080), { kind: 'direct', status: 502, virtualHost: 'block_all' });
});

test('require_tls: plaintext gets a 301 to https with the Host and path as sent, before route matching', (t) => {
  const config = meshConfig({
    extraListeners: [httpListener(8080)],
    extraRoutes: [routeConfiguration('8080', [virtualHost('secure', ['*'], [], { requireTls: true })])],
  });
  const outcome = send(config, httpRequest('shop.example.com:8080', '/cart?id=1'), 1, '10.0.0.7', 8080);
  t.like(outcome, { kind: 'redirect', status: 301, redirect: { location: 'https://shop.example.com:8080/cart?id=1' }, route: null });
  t.is(outcome.responseHeaders['location'], 'https://shop.example.com:8080/cart?id=1');
  t.like(send(config, httpRequest('shop.example.com', '/', { scheme: 'https' }), 1, '10.0.0.7', 8080), { status: 404, flags: ['NR'] });
});

test('HTTP to an unknown host takes allow_any to PassthroughCluster: the original destination', (t) => {
  const outcome = send(meshConfig(), httpRequest('example.com:9080', '/x'), 1, '93.184.216.34', 9080);
  t.like(outcome, {
    kind: 'forwarded', virtualHost: 'allow_any', cluster: PASSTHROUGH_CLUSTER,
    endpoint: { address: '93.184.216.34', port: 9080, pod: '' },
  });
});

test('retry policy and timeout of the route are recorded on the outcome', (t) => {
  const retry = { attempts: 2, perTryTimeoutUs: null, retryOn: ['connect-failure', 'refused-stream', 'unavailable'] };
  const outcome = sendToReviews([route('r', forwardAction(reviewsCluster(), { retry, timeoutUs: 10_000_000 }))]);
  t.deepEqual(outcome.retry, retry);
  t.is(outcome.timeoutUs, 10_000_000);
});

test('outcomes survive a JSON round trip unchanged', (t) => {
  for (const request of [httpRequest('reviews', '/'), httpRequest('nowhere', '/x')]) {
    const outcome = send(meshConfig(), request);
    t.deepEqual(JSON.parse(JSON.stringify(outcome)), outcome);
  }
});
