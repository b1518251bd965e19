// Request mirroring in the engine, each test naming the Envoy rule it holds: the router's choice of
// request_mirror_policies (router.cc Filter::decodeHeaders, FilterUtility::shouldShadow), the shadow copy's
// Host (shadow_writer_impl.cc newHost), and the copy's way from the proxy straight to the mirror cluster
// (ShadowWriterImpl::shadow → the cluster's async client).
import test from 'ava';
import { Rng } from '../core/prng.ts';
import type { MirrorPolicy, Route } from '../xds/route.ts';
import { handleCall, handleShadow } from './engine.ts';
import { forwardAction, httpCall, httpRequest, route } from './fixtures.ts';
import { REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';
import type { HttpRequest } from './request.ts';
import { shadowAuthority } from './route-action.ts';

const V1 = reviewsCluster('v1');
const V2 = reviewsCluster('v2');
const V3 = reviewsCluster('v3');

function mirrored(mirrors: readonly MirrorPolicy[], overrides: Partial<Route> = {}, primary = V1): Route {
  return route('mirrored', forwardAction(primary, { mirrors }), overrides);
}

/** `n` requests through one proxy with one seeded stream: the outcomes in order. */
function send(routes: readonly Route[], n: number, request: HttpRequest = httpRequest('reviews:9080', '/reviews/1'), seed = 7): Outcome[] {
  const config = meshConfig({ reviewsRoutes: routes });
  const state = createProxyState();
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: n }, () => handleCall(config, httpCall(REVIEWS_VIP, 9080, request), state, rng));
}

test('a mirror at 100% shadows every request the router sends on; the original still goes to its own cluster', (t) => {
  const outcomes = send([mirrored([{ cluster: V2, ppm: 1_000_000 }])], 200);
  for (const outcome of outcomes) {
    t.like(outcome, { kind: 'forwarded', cluster: V1 });
    t.deepEqual(outcome.mirrors?.map((m) => m.cluster), [V2]);
  }
});

test('a mirror at 0% never shadows (the field is absent, as on a route without mirrors)', (t) => {
  for (const outcome of send([mirrored([{ cluster: V2, ppm: 0 }])], 200)) t.is(outcome.mirrors, undefined);
  for (const outcome of send([mirrored([])], 20)) t.false('mirrors' in outcome);
});

test('a mirror at 50% shadows about half the requests over many draws (fixed seed)', (t) => {
  const outcomes = send([mirrored([{ cluster: V2, ppm: 500_000 }])], 4000);
  const shadowed = outcomes.filter((o) => o.mirrors !== undefined).length;
  t.true(shadowed > 1800 && shadowed < 2200, `${shadowed} of 4000 shadowed`);
});

test('shouldShadow gets one value per request (the stream id), so a request a 25% policy shadows is also shadowed by a 50% one', (t) => {
  const outcomes = send([mirrored([{ cluster: V3, ppm: 250_000 }, { cluster: V2, ppm: 500_000 }])], 2000);
  const sets = outcomes.map((o) => (o.mirrors ?? []).map((m) => m.cluster).join(','));
  t.true(sets.every((s) => s === '' || s === V2 || s === `${V3},${V2}`), [...new Set(sets)].join(' | '));
  const both = sets.filter((s) => s === `${V3},${V2}`).length;
  const onlyV2 = sets.filter((s) => s === V2).length;
  t.true(both > 400 && both < 600 && onlyV2 > 400 && onlyV2 < 600, `both ${both}, only v2 ${onlyV2}`);
});

test('the copy is the request as it leaves (route header ops, authority and path rewrites) with -shadow after the host', (t) => {
  const ops = { set: { 'x-route': 'yes' }, add: {}, remove: [] };
  const [outcome] = send([mirrored([{ cluster: V2, ppm: 1_000_000 }], { requestHeaders: ops })], 1);
  t.deepEqual(outcome?.mirrors?.[0]?.request, { ...outcome?.upstream, authority: 'reviews-shadow:9080' });
  t.is(outcome?.mirrors?.[0]?.request.headers['x-route'], 'yes');
  const rewritten = route('rw', forwardAction(V1, { mirrors: [{ cluster: V2, ppm: 1_000_000 }], hostRewrite: 'ratings.example', prefixRewrite: '/v2/' }));
  const [after] = send([rewritten], 1, httpRequest('reviews', '/reviews/1'));
  t.like(after?.mirrors?.[0]?.request, { authority: 'ratings.example-shadow', path: '/v2/reviews/1' });
});

test('newHost: -shadow goes before a port, else at the end', (t) => {
  t.is(shadowAuthority('reviews:9080'), 'reviews-shadow:9080');
  t.is(shadowAuthority('reviews.default.svc.cluster.local'), 'reviews.default.svc.cluster.local-shadow');
});

test('no copy when the mirror cluster is not in the proxy\'s CDS (ShadowWriterImpl::shadow sends nothing), for CONNECT, or when the router answers itself', (t) => {
  t.is(send([mirrored([{ cluster: 'outbound|9080|v9|reviews.default.svc.cluster.local', ppm: 1_000_000 }])], 1)[0]?.mirrors, undefined);
  t.is(send([mirrored([{ cluster: V2, ppm: 1_000_000 }])], 1, httpRequest('reviews:9080', '/', { method: 'CONNECT' }))[0]?.mirrors, undefined);
  const noEndpoint = send([mirrored([{ cluster: V2, ppm: 1_000_000 }], {}, V3)], 1)[0];
  t.like(noEndpoint, { kind: 'local-reply', status: 503, flags: ['UH'] });
  t.is(noEndpoint?.mirrors, undefined);
});

function shadow(cluster: string, state: ProxyState = createProxyState(), rng = Rng.fromSeed(3)): Outcome {
  return handleShadow(meshConfig(), cluster, httpRequest('reviews-shadow:9080', '/reviews/1'), '10.0.0.1', state, rng);
}

test('handleShadow: straight to the mirror cluster (no listener, no route), only to its endpoints, with the copy unchanged', (t) => {
  const state = createProxyState();
  const rng = Rng.fromSeed(3);
  const outcomes = Array.from({ length: 20 }, () => shadow(V1, state, rng));
  for (const outcome of outcomes) {
    t.like(outcome, { kind: 'forwarded', listener: null, route: null, cluster: V1, upstream: { authority: 'reviews-shadow:9080' } });
    t.true(['10.1.0.1', '10.1.0.2'].includes(outcome.endpoint?.address ?? ''));
  }
  t.is(new Set(outcomes.map((o) => o.endpoint?.address)).size, 2, 'round robin over both v1 endpoints');
  t.like(shadow(V2), { kind: 'forwarded', endpoint: { address: '10.1.0.3' } });
});

test('handleShadow: a mirror cluster without endpoints answers 503 UH (which nobody reads); a missing one sends nothing (NC)', (t) => {
  t.like(shadow(V3), { kind: 'local-reply', status: 503, flags: ['UH'], cluster: V3 });
  t.like(shadow('outbound|9080|v9|reviews.default.svc.cluster.local'), { kind: 'local-reply', flags: ['NC'] });
});
