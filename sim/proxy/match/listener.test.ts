import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import type { FilterChain, NetworkFilter } from '../../xds/listener.ts';
import { filterChain, httpListener, listener, tcpCall, tcpListener, virtualOutbound, httpCall, httpRequest } from '../fixtures.ts';
import { cidrContains, parseCidr, parseIp } from './cidr.ts';
import { selectFilterChain, selectFilterChainUncached, selectListener } from './listener.ts';

const tcp = (cluster: string): NetworkFilter => ({ kind: 'tcp', cluster, statPrefix: cluster });
const http = (routeConfigName: string): NetworkFilter => ({ kind: 'http', routeConfigName, statPrefix: routeConfigName });

test('listener: an exact IP:port listener wins over 0.0.0.0:port (Istio matchListener)', (t) => {
  const listeners = [httpListener(3306), tcpListener('10.96.0.20', 3306, 'mysql'), virtualOutbound()];
  t.is(selectListener(listeners, tcpCall('10.96.0.20', 3306))?.name, '10.96.0.20_3306');
  t.is(selectListener(listeners, tcpCall('10.96.0.21', 3306))?.name, '0.0.0.0_3306', 'other IPs fall to the wildcard');
});

test('listener: no IP:port nor 0.0.0.0:port listener falls back to virtualOutbound', (t) => {
  const listeners = [httpListener(9080), virtualOutbound()];
  t.is(selectListener(listeners, tcpCall('93.184.216.34', 443))?.name, 'virtualOutbound');
});

test('listener: without virtualOutbound nothing takes the connection (ErrNoListener, refused)', (t) => {
  t.is(selectListener([httpListener(9080)], tcpCall('10.0.0.9', 443)), null);
});

test('listener: inbound listeners are never chosen by address (iptables sends inbound to virtualInbound)', (t) => {
  const inbound = listener('10.0.0.1', 9080, [filterChain('inbound', tcp('inbound|9080||'))], { direction: 'inbound', name: 'inbound' });
  t.is(selectListener([inbound], tcpCall('10.0.0.1', 9080)), null);
});

test('listener: gateway listeners are chosen like outbound ones', (t) => {
  const gateway = listener('0.0.0.0', 8080, [filterChain('http.80', http('http.80'))], { direction: 'gateway' });
  t.is(selectListener([gateway], httpCall('10.0.0.7', 8080, httpRequest('bookinfo.example.com')))?.name, '0.0.0.0_8080');
});

function chains(...list: FilterChain[]): ReturnType<typeof listener> {
  return listener('0.0.0.0', 443, list);
}

test('filter chain: longest destination prefix wins; chains without ranges only when none match', (t) => {
  const l = chains(
    filterChain('any', tcp('any')),
    filterChain('net16', tcp('net16'), { prefixRanges: ['10.96.0.0/16'] }),
    filterChain('net24', tcp('net24'), { prefixRanges: ['10.96.0.0/24', '192.168.0.0/16'] }),
  );
  t.is(selectFilterChain(l, tcpCall('10.96.0.20', 443))?.name, 'net24');
  t.is(selectFilterChain(l, tcpCall('10.96.7.1', 443))?.name, 'net16');
  t.is(selectFilterChain(l, tcpCall('172.16.0.1', 443))?.name, 'any');
});

test('filter chain: exact SNI beats a wildcard, a longer wildcard beats a shorter one', (t) => {
  const l = chains(
    filterChain('short', tcp('short'), { serverNames: ['*.example.com'] }),
    filterChain('long', tcp('long'), { serverNames: ['*.api.example.com'] }),
    filterChain('exact', tcp('exact'), { serverNames: ['www.example.com'] }),
    filterChain('none', tcp('none')),
  );
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'www.example.com'))?.name, 'exact');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'v1.api.example.com'))?.name, 'long');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'a.b.example.com'))?.name, 'short', 'a wildcard covers several labels');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'example.com'))?.name, 'none', '*.example.com does not match example.com');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'WWW.Example.com'))?.name, 'exact', 'server names compare case-insensitively');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tcp'))?.name, 'none', 'no SNI: only chains without server names');
});

test('filter chain: sniffed ports send HTTP to the http chain and everything else to the tcp chain', (t) => {
  const l = chains(
    filterChain('tcp', tcp('passthrough'), { applicationProtocol: 'tcp' }),
    filterChain('http', http('8000'), { applicationProtocol: 'http' }),
  );
  t.is(selectFilterChain(l, httpCall('1.1.1.1', 443, httpRequest('a')))?.name, 'http');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443))?.name, 'tcp');
  t.is(selectFilterChain(l, tcpCall('1.1.1.1', 443, 'tls', 'a.com'))?.name, 'tcp', 'TLS on a sniffed port is not HTTP');
});

test('filter chain: levels narrow in order (IP before SNI before protocol)', (t) => {
  const l = chains(
    filterChain('sni-only', tcp('a'), { serverNames: ['a.com'] }),
    filterChain('ip', tcp('b'), { prefixRanges: ['10.0.0.0/8'] }),
  );
  t.is(selectFilterChain(l, tcpCall('10.1.1.1', 443, 'tls', 'a.com'))?.name, 'ip', 'the IP level removes sni-only first');
});

test('filter chain: nothing left means the default chain, or null (Envoy closes the connection)', (t) => {
  const only = filterChain('sni', tcp('a'), { serverNames: ['a.com'] });
  t.is(selectFilterChain(chains(only), tcpCall('1.1.1.1', 443)), null);
  const withDefault = listener('0.0.0.0', 443, [only], { defaultChain: filterChain('default', tcp('passthrough')) });
  t.is(selectFilterChain(withDefault, tcpCall('1.1.1.1', 443))?.name, 'default');
  t.is(selectFilterChain(withDefault, tcpCall('1.1.1.1', 443, 'tls', 'a.com'))?.name, 'sni', 'a matching chain beats the default');
});

test('filter chain: an ambiguous listener (Envoy would NACK) takes the first chain in order', (t) => {
  t.is(selectFilterChain(chains(filterChain('one', tcp('a')), filterChain('two', tcp('b'))), tcpCall('1.1.1.1', 443))?.name, 'one');
});

const cidrs: ReadonlyArray<[range: string, address: string, expected: boolean]> = [
  ['10.0.0.0/8', '10.255.1.2', true],
  ['10.0.0.0/8', '11.0.0.1', false],
  ['10.96.0.12', '10.96.0.12', true],
  ['10.96.0.12', '10.96.0.13', false],
  ['0.0.0.0/0', '203.0.113.9', true],
  ['10.1.2.3/12', '10.15.0.1', true],
  ['192.168.1.128/25', '192.168.1.127', false],
  ['fd00::/8', 'fd12:3456::1', true],
  ['fd00::/8', '10.0.0.1', false],
  ['::/0', '2001:db8::1', true],
  ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', true],
  ['::ffff:10.0.0.0/104', '::ffff:10.1.2.3', true],
];
for (const [range, address, expected] of cidrs) {
  test(`cidr ${range} contains ${address}: ${String(expected)}`, (t) => {
    const parsedRange = parseCidr(range);
    const parsedAddress = parseIp(address);
    t.not(parsedRange, null);
    t.not(parsedAddress, null);
    t.is(cidrContains(parsedRange!, parsedAddress!), expected);
  });
}

test('cidr: malformed text does not parse', (t) => {
  for (const text of ['10.0.0', '10.0.0.256', '10.0.0.0/33', '1::2::3', 'fd00::/129', 'a.b.c.d', '10.0.0.0/x', '1:2:3:4:5:6:7:8:9']) {
    t.is(parseCidr(text), null, text);
  }
});

// The remembered answers must be the answers: every call, in any order and repeated, gets what the
// uncached sieve gives (the memo key must cover every call field the sieve reads).
testProp('filter chain: remembered choices equal the sieve, call after call',
  [fc.array(fc.record({
    ip: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.1.0.1', '192.168.1.1'),
    port: fc.constantFrom(443, 8443),
    sni: fc.option(fc.constantFrom('a.example.com', 'b.example.com', 'x.other.org'), { nil: undefined }),
    http: fc.boolean(),
  }), { minLength: 1, maxLength: 30 })],
  (t, calls) => {
    const l = chains(
      filterChain('by-prefix', tcp('p'), { prefixRanges: ['10.0.0.0/24'] }),
      filterChain('by-sni', tcp('s'), { serverNames: ['*.example.com'] }),
      filterChain('exact-sni', tcp('e'), { serverNames: ['a.example.com'] }),
      filterChain('http-only', http('h'), { applicationProtocol: 'http' }),
      filterChain('port', tcp('port'), { destinationPort: 8443 }),
    );
    for (const c of calls) {
      const call = c.http ? httpCall(c.ip, c.port, httpRequest('a.example.com')) : tcpCall(c.ip, c.port);
      const withSni = c.sni === undefined ? call : { ...call, sni: c.sni };
      t.is(selectFilterChain(l, withSni)?.name ?? null, selectFilterChainUncached(l, withSni)?.name ?? null);
    }
  });
