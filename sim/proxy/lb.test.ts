import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import type { LbPolicy } from '../xds/cluster.ts';
import { assignment, cluster, endpoint, passthroughCluster, tcpCall } from './fixtures.ts';
import { chooseEndpoint } from './lb.ts';
import { activeRequestsOf, createProxyState, requestFinished, requestStarted } from './proxy-state.ts';

const call = tcpCall('10.96.0.5', 9080);

function hosts(count: number, weights?: readonly number[]) {
  return Array.from({ length: count }, (_, index) => endpoint(`10.1.0.${index + 1}`, 9080, { weight: weights?.[index] ?? 1 }));
}

function draw(policy: LbPolicy, count: number, picks: number, seed: number, weights?: readonly number[]): Map<string, number> {
  const c = cluster('c', { lbPolicy: policy });
  const cla = assignment('c', hosts(count, weights));
  const state = createProxyState();
  const rng = Rng.fromSeed(seed);
  const tally = new Map<string, number>();
  for (let pick = 0; pick < picks; pick += 1) {
    const chosen = chooseEndpoint(c, cla, call, state, rng);
    if (chosen === null) throw new Error('no endpoint');
    tally.set(chosen.address, (tally.get(chosen.address) ?? 0) + 1);
  }
  return tally;
}

testProp('ROUND_ROBIN visits every endpoint equally over whole rounds', [fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 20 }), fc.nat()],
  (t, count, rounds, seed) => {
    const tally = draw('ROUND_ROBIN', count, count * rounds, seed);
    t.is(tally.size, count);
    for (const visits of tally.values()) t.is(visits, rounds);
  });

test('ROUND_ROBIN rotates in order from a random start (Envoy offsets each new schedule)', (t) => {
  const c = cluster('c', { lbPolicy: 'ROUND_ROBIN' });
  const cla = assignment('c', hosts(4));
  const starts = new Set<string>();
  for (let seed = 0; seed < 40; seed += 1) {
    const state = createProxyState();
    const rng = Rng.fromSeed(seed);
    const seq = Array.from({ length: 8 }, () => chooseEndpoint(c, cla, call, state, rng)?.address ?? '');
    const first = Number(seq[0]?.split('.')[3]) - 1;
    t.deepEqual(seq, Array.from({ length: 8 }, (_, i) => `10.1.0.${((first + i) % 4) + 1}`));
    starts.add(seq[0] ?? '');
  }
  t.true(starts.size > 1, 'not every proxy starts on the first host');
});

test('ROUND_ROBIN with weights gives each endpoint its weight per cycle, interleaved (smooth WRR)', (t) => {
  const tally = draw('ROUND_ROBIN', 3, 6 * 50, 7, [3, 2, 1]);
  t.deepEqual([tally.get('10.1.0.1'), tally.get('10.1.0.2'), tally.get('10.1.0.3')], [150, 100, 50]);
});

test('ROUND_ROBIN rebuilds its schedule when the healthy endpoint set changes', (t) => {
  const c = cluster('c', { lbPolicy: 'ROUND_ROBIN' });
  const state = createProxyState();
  const rng = Rng.fromSeed(1);
  chooseEndpoint(c, assignment('c', hosts(3)), call, state, rng);
  const grown = hosts(4);
  const seen = new Set(Array.from({ length: 4 }, () => chooseEndpoint(c, assignment('c', grown), call, state, rng)?.address));
  t.is(seen.size, 4);
});

test('RANDOM is uniform and ignores endpoint weights (Envoy RandomLoadBalancer)', (t) => {
  const tally = draw('RANDOM', 4, 20_000, 3, [10, 1, 1, 1]);
  for (const visits of tally.values()) t.true(Math.abs(visits / 20_000 - 0.25) < 0.02, String(visits));
});

test('LEAST_REQUEST with all counts equal behaves like a random pick', (t) => {
  const tally = draw('LEAST_REQUEST', 4, 20_000, 11);
  for (const visits of tally.values()) t.true(Math.abs(visits / 20_000 - 0.25) < 0.02, String(visits));
});

test('LEAST_REQUEST prefers the endpoint with fewer active requests (power of two choices)', (t) => {
  const c = cluster('c', { lbPolicy: 'LEAST_REQUEST' });
  const list = hosts(2);
  const cla = assignment('c', list);
  const state = createProxyState();
  for (let i = 0; i < 5; i += 1) requestStarted(state, 'c', list[0]!);
  const rng = Rng.fromSeed(5);
  let busy = 0;
  for (let i = 0; i < 4000; i += 1) if (chooseEndpoint(c, cla, call, state, rng)?.address === '10.1.0.1') busy += 1;
  // The busy host wins only when both samples land on it: 1/4 of the time.
  t.true(Math.abs(busy / 4000 - 0.25) < 0.03, String(busy));
});

test('LEAST_REQUEST with unequal weights samples by weight', (t) => {
  const tally = draw('LEAST_REQUEST', 2, 20_000, 9, [3, 1]);
  // With equal active counts the first sample wins the tie, so the pick follows the weights: 1/4.
  t.true(Math.abs((tally.get('10.1.0.2') ?? 0) / 20_000 - 1 / 4) < 0.02);
});

test('only healthy endpoints are candidates; none healthy gives null (503 UH upstream) unless in panic', (t) => {
  const c = cluster('c', { lbPolicy: 'ROUND_ROBIN' });
  const list = [endpoint('10.1.0.1', 80, { healthy: false }), endpoint('10.1.0.2', 80)];
  const state = createProxyState();
  const rng = Rng.fromSeed(1);
  // 50% healthy is not below Envoy's default 50% panic threshold: the healthy host only.
  for (let i = 0; i < 5; i += 1) t.is(chooseEndpoint(c, assignment('c', list), call, state, rng)?.address, '10.1.0.2');
  const noneHealthy = assignment('c', [endpoint('10.1.0.1', 80, { healthy: false })]);
  // Istio with outlier detection sets the threshold to minHealthPercent (0): never panic.
  t.is(chooseEndpoint(cluster('c', { healthyPanicThresholdPercent: 0 }), noneHealthy, call, state, rng), null);
  // Envoy's default 50%: 0% healthy is panic, and the load balancer uses every host.
  t.is(chooseEndpoint(c, noneHealthy, call, state, rng)?.address, '10.1.0.1');
  t.is(chooseEndpoint(c, undefined, call, state, rng), null, 'no ClusterLoadAssignment at all');
});

test('ORIGINAL_DST connects to the original destination, outside the mesh', (t) => {
  const chosen = chooseEndpoint(passthroughCluster(), undefined, call, createProxyState(), Rng.fromSeed(1));
  t.deepEqual(chosen, { address: '10.96.0.5', port: 9080, weight: 1, pod: '', workload: '', namespace: '', labels: {}, healthy: true });
});

test('a single healthy endpoint is returned without a draw', (t) => {
  const rng = Rng.fromSeed(3);
  const reference = Rng.fromSeed(3);
  chooseEndpoint(cluster('c', { lbPolicy: 'RANDOM' }), assignment('c', hosts(1)), call, createProxyState(), rng);
  t.is(rng.below(1000), reference.below(1000));
});

test('endpoint weights below 1 are a control-plane bug', (t) => {
  t.throws(() => chooseEndpoint(cluster('c'), assignment('c', hosts(2, [0, 1])), call, createProxyState(), Rng.fromSeed(1)),
    { instanceOf: AssertionError });
});

test('requestFinished without a request in flight is a bug; counts return to zero', (t) => {
  const state = createProxyState();
  const host = endpoint('10.1.0.1', 80);
  requestStarted(state, 'c', host);
  requestFinished(state, 'c', host);
  t.is(activeRequestsOf(state, 'c', host), 0);
  t.throws(() => requestFinished(state, 'c', host), { instanceOf: AssertionError });
});
