import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { routeConfiguration, virtualHost } from '../fixtures.ts';
import { selectVirtualHost, selectVirtualHostReference } from './virtual-host.ts';

const hosts = [
  virtualHost('exact', ['reviews.default.svc.cluster.local', 'reviews'], []),
  virtualHost('suffix-short', ['*.com'], []),
  virtualHost('suffix-long', ['*.foo.com'], []),
  virtualHost('suffix-dash', ['*-bar.foo.com'], []),
  virtualHost('prefix-short', ['foo.*'], []),
  virtualHost('prefix-long', ['foo.bar.*'], []),
  virtualHost('catch-all', ['*'], []),
];

const cases: ReadonlyArray<[authority: string, expected: string | null, rule: string]> = [
  ['reviews', 'exact', 'an exact domain'],
  ['REVIEWS.default.svc.cluster.local', 'exact', 'Host and domains compare lower-cased'],
  ['reviews:9080', 'exact', 'ignorePortInHostMatching strips the port (Istio sidecars)'],
  ['reviews:12345', 'exact', 'any port is stripped (routing.go hostCases host:12345)'],
  ['a.foo.com', 'suffix-long', 'the longest suffix wildcard wins'],
  ['a.b.foo.com', 'suffix-long', 'a suffix wildcard covers several labels'],
  ['x-bar.foo.com', 'suffix-dash', 'a suffix wildcard need not start at a dot (*-bar.foo.com)'],
  ['-bar.foo.com', 'suffix-long', '* stands for at least one character'],
  ['foo.com', 'suffix-short', '*.foo.com does not match foo.com itself'],
  ['foo.bar.baz', 'prefix-long', 'the longest prefix wildcard wins'],
  ['foo.x', 'prefix-short', 'a prefix wildcard'],
  ['foo.', 'catch-all', 'a prefix wildcard needs at least one character after the prefix'],
  ['unknown', 'catch-all', '* catches everything else'],
];
for (const [authority, expected, rule] of cases) {
  test(`virtual host for ${authority}: ${rule}`, (t) => {
    t.is(selectVirtualHost(routeConfiguration('80', hosts), authority)?.name ?? null, expected);
  });
}

test('suffix wildcards beat prefix wildcards, whatever the lengths', (t) => {
  const config = routeConfiguration('80', [virtualHost('prefix', ['foo.bar.example.*'], []), virtualHost('suffix', ['*.com'], [])]);
  t.is(selectVirtualHost(config, 'foo.bar.example.com')?.name, 'suffix');
});

test('no virtual host matches: null (Envoy 404 NR)', (t) => {
  const config = routeConfiguration('80', [virtualHost('only', ['reviews'], [])]);
  t.is(selectVirtualHost(config, 'ratings'), null);
});

test('a domain with a port matches only the authority with that port, when ports are kept', (t) => {
  const config = routeConfiguration('9080', [virtualHost('with-port', ['reviews:9080'], []), virtualHost('bare', ['reviews'], [])], false);
  t.is(selectVirtualHost(config, 'reviews:9080')?.name, 'with-port');
  t.is(selectVirtualHost(config, 'reviews')?.name, 'bare');
  t.is(selectVirtualHost(config, 'reviews:80'), null, 'ports are not stripped: reviews:80 is its own host');
});

test('with ignorePortInHostMatching a domain carrying a port can no longer match (Envoy strips the Host port only)', (t) => {
  const config = routeConfiguration('9080', [virtualHost('with-port', ['reviews:9080'], [])], true);
  t.is(selectVirtualHost(config, 'reviews:9080'), null);
});

test('an IPv6 literal keeps its brackets; only a port after ] is stripped', (t) => {
  const config = routeConfiguration('80', [virtualHost('v6', ['[fd00::1]'], [])]);
  t.is(selectVirtualHost(config, '[fd00::1]:80')?.name, 'v6');
  t.is(selectVirtualHost(config, '[fd00::1]')?.name, 'v6');
});

test('on a tie the first virtual host in config order wins', (t) => {
  const config = routeConfiguration('80', [virtualHost('first', ['*.foo.com'], []), virtualHost('second', ['*.foo.com'], [])]);
  t.is(selectVirtualHost(config, 'a.foo.com')?.name, 'first');
});

testProp('an exact domain always wins over every wildcard, in any order',
  [fc.stringMatching(/^[a-z]{1,8}(\.[a-z]{1,8}){0,3}$/), fc.nat(4)], (t, host, position) => {
    const wildcards = [virtualHost('any', ['*'], []), virtualHost('sfx', [`*${host.slice(1)}`], []), virtualHost('pfx', [`${host.slice(0, -1)}*`], [])];
    const all = [...wildcards.slice(0, position), virtualHost('exact', [host], []), ...wildcards.slice(position)];
    t.is(selectVirtualHost(routeConfiguration('80', all), host)?.name, 'exact');
  });

// The index (Envoy's hash lookups) must choose exactly what the scan over every domain chooses.
const label = fc.constantFrom('a', 'b', 'ab', 'foo', 'Foo', 'bar', 'com', 'x-bar');
const hostName = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const domain = fc.oneof(
  hostName,
  hostName.map((h) => `*.${h}`),
  hostName.map((h) => `*${h}`),
  hostName.map((h) => `${h}.*`),
  hostName.map((h) => `${h}*`),
  hostName.map((h) => `${h}:9080`),
  fc.constant('*'),
);
testProp('the indexed lookup agrees with the scan over every domain',
  [fc.array(fc.array(domain, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.array(hostName.chain((h) => fc.constantFrom(h, `${h}:9080`, h.toUpperCase(), `x.${h}`, `${h}.y`)), { minLength: 1, maxLength: 6 }), fc.boolean()],
  (t, domainLists, authorities, ignorePort) => {
    const config = routeConfiguration('80', domainLists.map((domains, i) => virtualHost(`vh${i}`, domains, [])), ignorePort);
    for (const authority of authorities) {
      t.is(selectVirtualHost(config, authority)?.name ?? null, selectVirtualHostReference(config, authority)?.name ?? null, authority);
    }
  }, { numRuns: 500 });
