// RING_HASH and MAGLEV in chooseEndpoint and through the router: the request's key picks the host,
// no key means a random point, tables live in the ProxyState, ejected hosts leave the table.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import type { LbEndpoint, LbPolicy } from '../xds/cluster.ts';
import { handleCall } from './engine.ts';
import { assignment, cluster, endpoint, forwardAction, httpCall, httpListener, httpRequest, proxyConfig, route, routeConfiguration, tcpCall, virtualHost } from './fixtures.ts';
import { hashKeyOf } from './hash-policy.ts';
import { chooseEndpoint, hashSettingsRejection } from './lb.ts';
import { createProxyState } from './proxy-state.ts';

const call = tcpCall('10.96.0.5', 9080);
const hosts = (weights: readonly number[], healthy: readonly boolean[] = []): LbEndpoint[] =>
  weights.map((weight, i) => endpoint(`10.1.0.${i + 1}`, 9080, { weight, healthy: healthy[i] ?? true }));
const POLICIES: readonly LbPolicy[] = ['RING_HASH', 'MAGLEV'];

for (const lbPolicy of POLICIES) {
  testProp(`${lbPolicy}: the same key always reaches the same host, across calls and proxies`,
    [fc.nat({ max: 0xffff_ffff }), fc.integer({ min: 2, max: 6 }), fc.nat()],
    (t, key, count, seed) => {
      const c = cluster('c', { lbPolicy, maglevTableSize: lbPolicy === 'MAGLEV' ? 4099 : undefined });
      const cla = assignment('c', hosts(Array.from({ length: count }, () => 1)));
      const state = createProxyState();
      const rng = Rng.fromSeed(seed);
      const first = chooseEndpoint(c, cla, call, state, rng, key)?.address;
      for (let i = 0; i < 5; i += 1) t.is(chooseEndpoint(c, cla, call, state, rng, key)?.address, first);
      t.is(chooseEndpoint(c, cla, call, createProxyState(), Rng.fromSeed(seed + 1), key)?.address, first);
    });

  test(`${lbPolicy}: different keys spread over every host; a key draws nothing from the stream`, (t) => {
    const c = cluster('c', { lbPolicy });
    const cla = assignment('c', hosts([1, 1, 1, 1]));
    const state = createProxyState();
    const rng = Rng.fromSeed(5);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) seen.add(chooseEndpoint(c, cla, call, state, rng, hashKeyOf(`user-${i}`))?.address ?? '');
    t.is(seen.size, 4);
    t.is(rng.below(1_000_000), Rng.fromSeed(5).below(1_000_000));
    t.is(state.hashTables.size, 1, 'one table, built once for the cluster');
  });

  test(`${lbPolicy}: without a key Envoy hashes a random value: a random host, one draw, reproducible`, (t) => {
    const c = cluster('c', { lbPolicy });
    const cla = assignment('c', hosts([1, 1, 1, 1]));
    const picks = (seed: number) => {
      const state = createProxyState();
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 200 }, () => chooseEndpoint(c, cla, call, state, rng)?.address ?? '');
    };
    t.is(new Set(picks(1)).size, 4);
    t.deepEqual(picks(1), picks(1));
    t.notDeepEqual(picks(1), picks(2));
  });

  test(`${lbPolicy}: an unhealthy host leaves the table (rebuilt); its keys go elsewhere`, (t) => {
    const c = cluster('c', { lbPolicy });
    const state = createProxyState();
    const rng = Rng.fromSeed(1);
    const keys = Array.from({ length: 300 }, (_, i) => hashKeyOf(`k${i}`));
    const before = keys.map((key) => chooseEndpoint(c, assignment('c', hosts([1, 1, 1])), call, state, rng, key)?.address);
    const builtFor = state.hashTables.get('c')?.key;
    const after = keys.map((key) => chooseEndpoint(c, assignment('c', hosts([1, 1, 1], [true, false, true])), call, state, rng, key)?.address);
    t.not(state.hashTables.get('c')?.key, builtFor);
    t.true(before.includes('10.1.0.2'));
    t.false(after.includes('10.1.0.2'));
  });
}

test('RING_HASH respects weights: a weight-3 host serves about three times the keys of a weight-1 host', (t) => {
  const c = cluster('c', { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 16_384 });
  const cla = assignment('c', hosts([1, 3]));
  const state = createProxyState();
  let heavy = 0;
  for (let i = 0; i < 8000; i += 1) if (chooseEndpoint(c, cla, call, state, Rng.fromSeed(1), hashKeyOf(`s${i}`))?.address === '10.1.0.2') heavy += 1;
  t.true(Math.abs(heavy / 8000 - 0.75) < 0.03, `heavy share ${heavy / 8000}`);
});

test('settings Envoy rejects are named, and reaching the balancer with them is a bug', (t) => {
  t.is(hashSettingsRejection(cluster('c', { lbPolicy: 'MAGLEV', maglevTableSize: 65_537 })), null);
  t.regex(hashSettingsRejection(cluster('c', { lbPolicy: 'MAGLEV', maglevTableSize: 10 })) ?? '', /must be prime/);
  t.regex(hashSettingsRejection(cluster('c', { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 9_000_000 })) ?? '', /minimum_ring_size/);
  t.is(hashSettingsRejection(cluster('c', { lbPolicy: 'ROUND_ROBIN', maglevTableSize: 10 })), null);
  t.throws(() => chooseEndpoint(cluster('c', { lbPolicy: 'MAGLEV', maglevTableSize: 10 }), assignment('c', hosts([1, 1])), call, createProxyState(), Rng.fromSeed(1), 7),
    { instanceOf: AssertionError });
});

test('through the router: the route’s header hash policy pins each user to one endpoint', (t) => {
  const reviews = 'outbound|9080||reviews';
  const config = proxyConfig({
    listeners: [httpListener(9080)],
    routes: [routeConfiguration('9080', [virtualHost('reviews', ['reviews'], [
      route('r', forwardAction(reviews, { hashPolicies: [{ kind: 'header', headerName: 'x-user' }] })),
    ])])],
    clusters: [cluster(reviews, { lbPolicy: 'RING_HASH' })],
    endpoints: [assignment(reviews, hosts([1, 1, 1, 1, 1]))],
  });
  const state = createProxyState();
  const rng = Rng.fromSeed(9);
  const send = (user: string) => {
    const outcome = handleCall(config, httpCall('10.96.0.5', 9080, httpRequest('reviews', '/', { headers: { 'x-user': user } })), state, rng);
    return outcome.endpoint?.address ?? `not forwarded: ${outcome.kind}`;
  };
  for (const user of ['alice', 'bob', 'carol']) {
    const first = send(user);
    t.regex(first, /^10\.1\.0\./);
    for (let i = 0; i < 10; i += 1) t.is(send(user), first);
  }
  t.true(new Set(Array.from({ length: 60 }, (_, i) => send(`user-${i}`))).size >= 4);
});
