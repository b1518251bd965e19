import { fc, testProp } from '@fast-check/ava';
import { Rng } from '../core/prng.ts';
import type { Route } from '../xds/route.ts';
import { handleCall } from './engine.ts';
import { assignment, cluster, endpoint, forwardAction, httpCall, httpRequest, route, routeMatch } from './fixtures.ts';
import { REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import { createProxyState } from './proxy-state.ts';

const DRAWS = 10_000;

// Up to four destinations with integer weights 0..100 (at least one positive), one endpoint each.
const weightsArb = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 4 }).filter((ws) => ws.some((w) => w > 0));

testProp('weighted routes converge to their weights (±3 points over 10,000 draws); zero weights never win',
  [weightsArb, fc.nat()], (t, weights, seed) => {
    const names = weights.map((_, index) => `outbound|9080|w${index}|reviews.default.svc.cluster.local`);
    const base = meshConfig({ reviewsRoutes: [route('split', forwardAction(names.map((name, index) => ({ name, weight: weights[index] ?? 0 }))))] });
    const config = {
      ...base,
      clusters: base.clusters.with(names.map((name) => [name, cluster(name)])),
      endpoints: base.endpoints.with(names.map((name, index) => [name, assignment(name, [endpoint(`10.3.0.${index + 1}`, 9080)])])),
    };
    const state = createProxyState();
    const rng = Rng.fromSeed(seed);
    const counts = new Map<string, number>();
    for (let draw = 0; draw < DRAWS; draw += 1) {
      const outcome = handleCall(config, httpCall(REVIEWS_VIP, 9080, httpRequest('reviews', '/')), state, rng);
      counts.set(outcome.cluster ?? '', (counts.get(outcome.cluster ?? '') ?? 0) + 1);
    }
    const total = weights.reduce((sum, w) => sum + w, 0);
    names.forEach((name, index) => {
      const weight = weights[index] ?? 0;
      const share = (counts.get(name) ?? 0) / DRAWS;
      if (weight === 0) t.is(counts.get(name), undefined, `${name} has weight 0`);
      else t.true(Math.abs(share - weight / total) <= 0.03, `${name}: share ${share} vs weight ${weight}/${total}`);
    });
  }, { numRuns: 20 });

function faultyRoutes(): Route[] {
  return [
    route('abort-some', forwardAction(reviewsCluster('v1')), {
      match: routeMatch({ prefix: '/a' }), faultAbort: { httpStatus: 503, ppm: 300_000 }, faultDelay: { delayUs: 2000, ppm: 500_000 },
    }),
    route('split', forwardAction([{ name: reviewsCluster('v1'), weight: 70 }, { name: reviewsCluster('v2'), weight: 20 }, { name: reviewsCluster('v3'), weight: 10 }])),
  ];
}

const pathsArb = fc.array(fc.constantFrom('/', '/a', '/a/b', '/x'), { minLength: 1, maxLength: 40 });

function outcomes(routes: readonly Route[], paths: readonly string[], seed: number, lbPolicy: 'ROUND_ROBIN' | 'RANDOM' | 'LEAST_REQUEST'): string[] {
  const config = meshConfig({ reviewsRoutes: routes, lbPolicy });
  const state = createProxyState();
  const rng = Rng.fromSeed(seed);
  return paths.map((path) => {
    const outcome = handleCall(config, httpCall(REVIEWS_VIP, 9080, httpRequest('reviews', path)), state, rng);
    return JSON.stringify(outcome);
  });
}

const policyArb = fc.constantFrom('ROUND_ROBIN' as const, 'RANDOM' as const, 'LEAST_REQUEST' as const);

testProp('the same seed gives the same outcome sequence', [pathsArb, fc.nat(), policyArb], (t, paths, seed, policy) => {
  t.deepEqual(outcomes(faultyRoutes(), paths, seed, policy), outcomes(faultyRoutes(), paths, seed, policy));
});

testProp('a route that can never match, placed before the others, never changes the outcomes',
  [pathsArb, fc.nat(), policyArb, fc.nat(2)], (t, paths, seed, policy, position) => {
    const never = route('never', forwardAction(reviewsCluster('v2')), {
      match: routeMatch({ prefix: '/', headers: [{ name: 'x-header-nobody-sends', match: { exact: 'yes' } }] }),
      faultAbort: { httpStatus: 500, ppm: 1_000_000 },
    });
    const routes = faultyRoutes();
    const withNever = [...routes.slice(0, position), never, ...routes.slice(position)];
    t.deepEqual(outcomes(withNever, paths, seed, policy), outcomes(routes, paths, seed, policy));
  });

testProp('round robin through the engine visits every endpoint of a cluster equally', [fc.integer({ min: 1, max: 30 }), fc.nat()], (t, rounds, seed) => {
  const config = meshConfig({ reviewsRoutes: [route('default', forwardAction(reviewsCluster()))], lbPolicy: 'ROUND_ROBIN' });
  const state = createProxyState();
  const rng = Rng.fromSeed(seed);
  const counts = new Map<string, number>();
  for (let i = 0; i < rounds * 3; i += 1) {
    const address = handleCall(config, httpCall(REVIEWS_VIP, 9080, httpRequest('reviews', '/')), state, rng).endpoint?.address ?? '';
    counts.set(address, (counts.get(address) ?? 0) + 1);
  }
  t.deepEqual([...counts.values()], [rounds, rounds, rounds]);
});
