// Envoy's priority load and locality weighting over the groups a proxy computes (lb.ts, priority-load.ts):
// spill-over with the 1.4 overprovisioning factor, panic per priority, locality weights, region failover,
// and unknown localities leaving the load balancer exactly as it was.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { Rng } from '../core/prng.ts';
import type { Cluster, LbEndpoint, LbPolicy, LocalityLb } from '../xds/cluster.ts';
import { assignment, cluster, endpoint, tcpCall } from './fixtures.ts';
import { chooseEndpoint } from './lb.ts';
import type { LocalityClient } from './locality.ts';
import { outlierHostKey, recordResult } from './outlier-detection.ts';
import { priorityLoads } from './priority-load.ts';
import type { PriorityLevel } from './priority-load.ts';
import { createProxyState } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';

const call = tcpCall('10.96.0.5', 8080);
const FAILOVER: LocalityLb = { mode: 'failover', localityWeighted: false, failover: [], failoverPriority: [] };
const ME: LocalityClient = { labels: { app: 'client' }, locality: 'r1/z1/s1' };
const EJECT_ON_FIRST_5XX = { consecutive5xx: 1, enforcingConsecutive5xxPercent: 100, maxEjectionPercent: 100, enforcingSuccessRatePercent: 0 };

function host(address: string, locality: string | undefined, overrides: Partial<LbEndpoint> = {}): LbEndpoint {
  return endpoint(address, 8080, { ...(locality === undefined ? {} : { locality }), ...overrides });
}

function tally(c: Cluster, hosts: readonly LbEndpoint[], picks: number, seed: number, client: LocalityClient = ME, state: ProxyState = createProxyState()): Map<string, number> {
  const rng = Rng.fromSeed(seed);
  const cla = assignment(c.name, hosts);
  const out = new Map<string, number>();
  for (let i = 0; i < picks; i += 1) {
    const chosen = chooseEndpoint(c, cla, call, state, rng, null, client);
    const key = chosen === null ? 'none' : chosen.address;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function share(counts: Map<string, number>, prefix: string, picks: number): number {
  return [...counts].filter(([address]) => address.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0) / picks;
}

function level(hosts: number, healthy: number): PriorityLevel {
  const all = Array.from({ length: hosts }, (_, i) => host(`10.9.0.${i}`, undefined));
  return { localities: [], hosts: all, healthy: all.slice(0, healthy) };
}

test('priority load: health ×1.4 capped at 100%, the rest spills to the next priority (Envoy recalculatePerPriorityState)', (t) => {
  t.deepEqual(priorityLoads([level(4, 2), level(4, 4)], 0), { loads: [70, 30], panic: [false, false] });
  t.deepEqual(priorityLoads([level(4, 3), level(4, 4)], 0).loads, [100, 0], '75% healthy ×1.4 is over 100%');
  t.deepEqual(priorityLoads([level(4, 1), level(4, 1), level(4, 4)], 0).loads, [35, 35, 30]);
  // Not enough anywhere: loads are normalized to the total health (35 + 35 = 70 → 50/50).
  t.deepEqual(priorityLoads([level(4, 1), level(4, 1)], 0).loads, [50, 50]);
  // Panic per priority: 1 of 4 healthy is under the 50% threshold.
  t.deepEqual(priorityLoads([level(4, 1), level(4, 4)], 50), { loads: [35, 65], panic: [true, false] });
  // Nothing healthy: every priority panics and load follows host counts; with threshold 0, priority 0 takes it all (and has no healthy host).
  t.deepEqual(priorityLoads([level(1, 0), level(3, 0)], 50), { loads: [25, 75], panic: [true, true] });
  t.deepEqual(priorityLoads([level(1, 0), level(3, 0)], 0), { loads: [100, 0], panic: [false, false] });
});

test('spill-over: 2 of 4 local hosts ejected by outlier detection ⇒ 70% stays local, none to the ejected ones', (t) => {
  const local = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'].map((a) => host(a, 'r1/z1/s1'));
  const remote = ['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4'].map((a) => host(a, 'r1/z2/s1'));
  const c = cluster('c', { lbPolicy: 'LEAST_REQUEST', localityLb: FAILOVER, outlierDetection: EJECT_ON_FIRST_5XX, healthyPanicThresholdPercent: 0 });
  const state = createProxyState();
  state.nowUs = 0;
  t.is(share(tally(c, [...local, ...remote], 100, 1, ME, state), '10.1.', 100), 1, 'all healthy: everything stays local');
  const detector = state.outlierDetectors.get('c')?.detector;
  if (detector === undefined) throw new Error('no detector');
  for (const ejected of local.slice(0, 2)) recordResult(detector, outlierHostKey(ejected), { kind: 'http', status: 503 }, 0, Rng.fromSeed(1));
  t.is(detector.ejectedCount, 2);
  const picks = 20_000;
  const counts = tally(c, [...local, ...remote], picks, 2, ME, state);
  t.true(Math.abs(share(counts, '10.1.', picks) - 0.7) < 0.015, `local share ${share(counts, '10.1.', picks)}`);
  t.is(counts.get('10.1.0.1'), undefined);
  t.is(counts.get('10.1.0.2'), undefined);
});

test('failover from region to region: with every local host down, a `failover` rule sends all traffic to its `to` region', (t) => {
  const hosts = [
    host('10.1.0.1', 'r1/z1/s1', { healthy: false }), host('10.1.0.2', 'r1/z2/s1', { healthy: false }),
    host('10.2.0.1', 'r2/z1/s1'), host('10.2.0.2', 'r2/z2/s1'), host('10.3.0.1', 'r3/z1/s1'), host('10.3.0.2', 'r3/z1/s1'),
  ];
  const ruled = cluster('c', { lbPolicy: 'ROUND_ROBIN', localityLb: { ...FAILOVER, localityWeighted: true, failover: [{ from: 'r1', to: 'r3' }] }, healthyPanicThresholdPercent: 0 });
  const counts = tally(ruled, hosts, 1_000, 3);
  t.is(share(counts, '10.3.', 1_000), 1);
  // Without the rule r2 and r3 are one priority: both get traffic.
  const plain = tally({ ...ruled, localityLb: FAILOVER }, hosts, 1_000, 3);
  t.is(share(plain, '10.2.', 1_000) + share(plain, '10.3.', 1_000), 1);
  t.true(share(plain, '10.2.', 1_000) > 0.4 && share(plain, '10.3.', 1_000) > 0.4);
});

test('distribute: locality weights over many picks (80/20), whatever the hosts per locality', (t) => {
  const hosts = [host('10.1.0.1', 'r1/z1/s1'), host('10.2.0.1', 'r1/z2/s1'), host('10.2.0.2', 'r1/z2/s1'), host('10.2.0.3', 'r1/z2/s1'), host('10.3.0.1', 'r2/z1/s1')];
  const lb: LocalityLb = { mode: 'distribute', localityWeighted: true, distribute: [{ from: 'r1/z1/*', to: [{ locality: 'r1/z1/*', weight: 80 }, { locality: 'r1/z2/*', weight: 20 }] }] };
  for (const policy of ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const) {
    const picks = 20_000;
    const counts = tally(cluster('c', { lbPolicy: policy, localityLb: lb }), hosts, picks, 11);
    t.true(Math.abs(share(counts, '10.1.', picks) - 0.8) < 0.015, `${policy}: r1/z1 share ${share(counts, '10.1.', picks)}`);
    t.is(counts.get('10.3.0.1'), undefined, `${policy}: r2 is not in the rule's \`to\`: dropped`);
  }
  // A locality with half its hosts down weighs 0.5 × 1.4 = 70% of its weight: 80·0.7 / (80·0.7 + 20).
  const halfDown = [host('10.1.0.1', 'r1/z1/s1'), host('10.1.0.2', 'r1/z1/s1', { healthy: false }), ...hosts.slice(1, 4)];
  const counts = tally(cluster('c', { lbPolicy: 'RANDOM', localityLb: lb }), halfDown, 20_000, 5);
  t.true(Math.abs(share(counts, '10.1.', 20_000) - 56 / 76) < 0.015, `r1/z1 share ${share(counts, '10.1.', 20_000)}`);
});

test('RING_HASH picks the priority with the request\'s hash: one key always lands on one host', (t) => {
  const hosts = [host('10.1.0.1', 'r1/z1/s1', { healthy: false }), host('10.1.0.2', 'r1/z1/s1'), host('10.2.0.1', 'r1/z2/s1'), host('10.2.0.2', 'r1/z2/s1')];
  const c = cluster('c', { lbPolicy: 'RING_HASH', localityLb: FAILOVER, healthyPanicThresholdPercent: 0 });
  const state = createProxyState();
  const rng = Rng.fromSeed(1);
  for (const key of [7, 1234, 99_999, 0xdead_beef]) {
    const first = chooseEndpoint(c, assignment('c', hosts), call, state, rng, key, ME);
    for (let i = 0; i < 5; i += 1) t.is(chooseEndpoint(c, assignment('c', hosts), call, state, rng, key, ME), first);
    t.not(first?.address, '10.1.0.1');
  }
});

testProp('unknown localities (client and endpoints) leave every policy exactly as without localityLb: same picks, same draws',
  [fc.constantFrom<LbPolicy>('ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'), fc.array(fc.boolean(), { minLength: 0, maxLength: 6 }),
    fc.integer({ min: 0, max: 100 }), fc.nat(), fc.boolean()],
  (t, policy, healthy, threshold, seed, weighted) => {
    const hosts = healthy.map((up, i) => host(`10.0.0.${i + 1}`, undefined, { healthy: up }));
    const plain = cluster('c', { lbPolicy: policy, outlierDetection: EJECT_ON_FIRST_5XX, healthyPanicThresholdPercent: threshold });
    // A distribute rule that matches no proxy takes the full priority/locality path over one group.
    const localityLb: LocalityLb = weighted
      ? { mode: 'distribute', localityWeighted: true, distribute: [{ from: 'r9', to: [{ locality: 'r9', weight: 100 }] }] }
      : { ...FAILOVER, failover: [{ from: 'r1', to: 'r2' }] };
    const withLocality = { ...plain, localityLb };
    const sequence = (c: Cluster) => {
      const state = createProxyState();
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 12 }, () => chooseEndpoint(c, assignment('c', hosts), call, state, rng, null, { labels: {} })?.address ?? 'none');
    };
    t.deepEqual(sequence(withLocality), sequence(plain));
  });
