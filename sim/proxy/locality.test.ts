// The priorities and weights istiod's EDS would give one proxy (loadbalancer.go ApplyLocalityLoadBalancer),
// computed by the proxy from the cluster's localityLb.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import type { LbEndpoint, LocalityLb } from '../xds/cluster.ts';
import { endpoint } from './fixtures.ts';
import { lbPriority, localityGroups, localityMatches, splitLocality } from './locality.ts';
import type { LocalityGroup } from './locality.ts';

const FAILOVER: LocalityLb = { mode: 'failover', localityWeighted: false, failover: [], failoverPriority: [] };

function host(index: number, locality: string | undefined, labels: Record<string, string> = {}): LbEndpoint {
  return endpoint(`10.0.0.${index}`, 8080, { labels, ...(locality === undefined ? {} : { locality }) });
}

/** address → priority */
function priorities(groups: readonly LocalityGroup[]): Record<string, number> {
  return Object.fromEntries(groups.flatMap((g) => g.hosts.map((h) => [h.address, g.priority])));
}

const LOCALITIES = ['r1/z1/s1', 'r1/z1/s2', 'r1/z2/s1', 'r1/z2/', 'r2/z1/s1', 'r2/z3/s1', 'r3/z1/s1'];
const localityArb = fc.option(fc.constantFrom(...LOCALITIES), { nil: undefined });

testProp('failover by proximity: priorities follow LbPriority exactly; same-zone hosts never come after other hosts; no gaps',
  [fc.array(localityArb, { minLength: 1, maxLength: 12 }), localityArb],
  (t, localities, client) => {
    const hosts = localities.map((l, i) => host(i + 1, l));
    const groups = localityGroups(FAILOVER, hosts, { labels: {}, ...(client === undefined ? {} : { locality: client }) });
    const p = priorities(groups);
    t.is(Object.keys(p).length, hosts.length, 'every endpoint is placed once');
    const me = splitLocality(client);
    const proximity = (h: LbEndpoint) => lbPriority(me, splitLocality(h.locality));
    for (const a of hosts) {
      for (const b of hosts) {
        const sameZone = (h: LbEndpoint) => proximity(h) <= 1;
        if (sameZone(a) && !sameZone(b)) t.true((p[a.address] ?? -1) <= (p[b.address] ?? -1));
        if (proximity(a) < proximity(b)) t.true((p[a.address] ?? 0) < (p[b.address] ?? 0));
        if (proximity(a) === proximity(b)) t.is(p[a.address], p[b.address]);
      }
    }
    const used = [...new Set(Object.values(p))].sort((x, y) => x - y);
    t.deepEqual(used, used.map((_, i) => i));
  });

test('failover by proximity: subzone, zone, region, others (util.LbPriority), compacted', (t) => {
  const hosts = [host(1, 'r1/z1/s1'), host(2, 'r1/z1/s2'), host(3, 'r1/z2/s1'), host(4, 'r2/z1/s1'), host(5, undefined)];
  t.deepEqual(priorities(localityGroups(FAILOVER, hosts, { labels: {}, locality: 'r1/z1/s1' })), {
    '10.0.0.1': 0, '10.0.0.2': 1, '10.0.0.3': 2, '10.0.0.4': 3, '10.0.0.5': 3,
  });
  // Gaps close: without a same-subzone host, the same zone is priority 0.
  t.deepEqual(priorities(localityGroups(FAILOVER, hosts.slice(1), { labels: {}, locality: 'r1/z1/s1' })), {
    '10.0.0.2': 0, '10.0.0.3': 1, '10.0.0.4': 2, '10.0.0.5': 2,
  });
});

test('failover rules: the first rule from the proxy\'s region keeps its `to` region next; other regions fall behind it', (t) => {
  const hosts = [host(1, 'r1/z1/s1'), host(2, 'r2/z1/s1'), host(3, 'r3/z1/s1'), host(4, 'r4/z1/s1')];
  const lb: LocalityLb = { ...FAILOVER, failover: [{ from: 'r1', to: 'r3' }, { from: 'r1', to: 'r2' }, { from: 'r2', to: 'r4' }] };
  t.deepEqual(priorities(localityGroups(lb, hosts, { labels: {}, locality: 'r1/z1/s1' })), { '10.0.0.1': 0, '10.0.0.3': 1, '10.0.0.2': 2, '10.0.0.4': 2 });
  // A proxy in a region no rule starts from: plain proximity.
  t.deepEqual(priorities(localityGroups(lb, hosts, { labels: {}, locality: 'r3/z1/s1' })), { '10.0.0.3': 0, '10.0.0.1': 1, '10.0.0.2': 1, '10.0.0.4': 1 });
});

test('failoverPriority: the first label that differs from the proxy\'s decides; `label=value` overrides the proxy\'s value', (t) => {
  const hosts = [
    host(1, 'r1/z1/s1', { version: 'v1', track: 'a' }), host(2, 'r1/z1/s1', { version: 'v1', track: 'b' }),
    host(3, 'r2/z1/s1', { version: 'v2', track: 'a' }), host(4, 'r2/z1/s1', { version: 'v1', track: 'a' }),
  ];
  const lb: LocalityLb = { ...FAILOVER, localityWeighted: true, failoverPriority: ['version', 'track'] };
  const client = { labels: { version: 'v1', track: 'a' }, locality: 'r1/z1/s1' };
  // Locality plays no part without `failover` rules: host 4 (another region) shares priority 0 with host 1.
  t.deepEqual(priorities(localityGroups(lb, hosts, client)), { '10.0.0.1': 0, '10.0.0.4': 0, '10.0.0.2': 1, '10.0.0.3': 2 });
  const override: LocalityLb = { ...lb, failoverPriority: ['version=v2'] };
  t.deepEqual(priorities(localityGroups(override, hosts, client)), { '10.0.0.3': 0, '10.0.0.1': 1, '10.0.0.2': 1, '10.0.0.4': 1 });
  // Topology labels come from the locality: region first, then proximity within it once rules are set.
  const region: LocalityLb = { ...FAILOVER, failoverPriority: ['topology.kubernetes.io/region'], failover: [{ from: 'r1', to: 'r2' }] };
  t.deepEqual(priorities(localityGroups(region, [host(1, 'r1/z2/s1'), host(2, 'r2/z1/s1'), host(3, 'r1/z1/s1')], client)),
    { '10.0.0.3': 0, '10.0.0.1': 1, '10.0.0.2': 2 });
  // A proxy without labels (and locality) skips the label step.
  t.deepEqual(priorities(localityGroups(lb, hosts, { labels: {} })), { '10.0.0.1': 0, '10.0.0.2': 0, '10.0.0.3': 0, '10.0.0.4': 0 });
});

test('distribute: the first matching rule weighs each locality by its share of its pattern; localities it does not name are dropped', (t) => {
  const hosts = [host(1, 'r1/z1/s1'), host(2, 'r1/z1/s2'), host(3, 'r1/z2/s1'), host(4, 'r1/z2/s1'), host(5, 'r2/z1/s1')];
  const lb: LocalityLb = {
    mode: 'distribute', localityWeighted: true,
    distribute: [{ from: 'r9/*', to: [{ locality: 'r2', weight: 100 }] }, { from: 'r1/z1/*', to: [{ locality: 'r1/z1/*', weight: 80 }, { locality: 'r1/z2', weight: 20 }] }],
  };
  const groups = localityGroups(lb, hosts, { labels: {}, locality: 'r1/z1/s1' });
  t.deepEqual(groups.map((g) => [g.priority, g.locality, g.weight, g.hosts.length]), [
    [0, 'r1/z1/s1', 40, 1], [0, 'r1/z1/s2', 40, 1], [0, 'r1/z2/s1', 20, 2],
  ]);
  // No rule from the proxy's locality: every locality, weighted by its endpoints.
  t.deepEqual(localityGroups(lb, hosts, { labels: {}, locality: 'r3/z1/s1' }).map((g) => [g.locality, g.weight]),
    [['r1/z1/s1', 1], ['r1/z1/s2', 1], ['r1/z2/s1', 2], ['r2/z1/s1', 1]]);
});

test('LocalityMatch: `*` and empty zone/subzone match anything below', (t) => {
  const l = splitLocality('r1/z1/s1');
  t.true(localityMatches(l, 'r1'));
  t.true(localityMatches(l, 'r1/*'));
  t.true(localityMatches(l, '*/z1/s1'));
  t.false(localityMatches(l, 'r1/z2'));
  t.false(localityMatches(l, ''));
  t.true(localityMatches(splitLocality(undefined), '*'));
});
