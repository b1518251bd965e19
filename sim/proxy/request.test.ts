import test from 'ava';
import { AssertionError } from '../core/assert.ts';
import { httpRequest } from './fixtures.ts';
import {
  asciiLowerCase, assertCall, decodePercent, firstQueryValue, headerValue, parseQueryParams, splitAuthority, splitPathAndQuery,
} from './request.ts';

const splits: ReadonlyArray<[target: string, path: string, query: string | null, rule: string]> = [
  ['/a/b', '/a/b', null, 'no query'],
  ['/a?x=1', '/a', 'x=1', 'path matching ignores the query (Envoy removeQueryAndFragment)'],
  ['/a?', '/a', '', 'an empty query is still a query'],
  ['/a#frag', '/a', null, 'the fragment is not part of the path'],
  ['/a?x=1?y=2', '/a', 'x=1?y=2', 'the first ? starts the query'],
  ['/a?x=#1', '/a', 'x=#1', "Envoy's query parser sees the fragment as part of the query"],
];
for (const [target, path, query, rule] of splits) {
  test(`splitPathAndQuery ${target}: ${rule}`, (t) => {
    t.deepEqual(splitPathAndQuery(target), { path, query });
  });
}

const queries: ReadonlyArray<[target: string, decode: boolean, expected: [string, string][], rule: string]> = [
  ['/p', false, [], 'no query, no parameters'],
  ['/p?', false, [], 'an empty query has no parameters (parseParameters loops while start < size)'],
  ['/p?a=1&b=2', false, [['a', '1'], ['b', '2']], 'split on & then the first ='],
  ['/p?a=1=2', false, [['a', '1=2']], 'only the first = splits'],
  ['/p?flag', false, [['flag', '']], 'a parameter without = has the value ""'],
  ['/p?a=1&', false, [['a', '1']], 'a trailing & adds nothing'],
  ['/p?a=1&&b', false, [['a', '1'], ['', ''], ['b', '']], 'an empty piece in the middle is a parameter named ""'],
  ['/p?a=1&a=2', false, [['a', '1'], ['a', '2']], 'repeats are kept in order'],
  ['/p?n%61me=a%20b+c', false, [['n%61me', 'a%20b+c']], 'route matching reads parameters undecoded (parseQueryString)'],
  ['/p?n%61me=a%20b+c', true, [['name', 'a b+c']], 'decoding turns %XX into bytes and leaves + alone (PercentEncoding::decode)'],
];
for (const [target, decode, expected, rule] of queries) {
  test(`parseQueryParams ${target} decode=${String(decode)}: ${rule}`, (t) => {
    t.deepEqual(parseQueryParams(target, { decode }), expected);
  });
}

test('firstQueryValue returns the first of repeated parameters (QueryParamsMulti::getFirstValue)', (t) => {
  const params = parseQueryParams('/p?a=1&a=2&b=', { decode: false });
  t.is(firstQueryValue(params, 'a'), '1');
  t.is(firstQueryValue(params, 'b'), '');
  t.is(firstQueryValue(params, 'c'), undefined);
});

test('decodePercent decodes UTF-8 runs, keeps malformed escapes and invalid UTF-8 bytes', (t) => {
  t.is(decodePercent('%E2%82%AC'), '€');
  t.is(decodePercent('100%'), '100%');
  t.is(decodePercent('%zz%4'), '%zz%4');
  t.is(decodePercent('%41%42'), 'AB');
  t.is(decodePercent('%FF'), '\u00ff', 'a byte that is not UTF-8 stays a byte');
});

const authorities: ReadonlyArray<[authority: string, host: string, port: string | null]> = [
  ['reviews', 'reviews', null],
  ['reviews:9080', 'reviews', '9080'],
  ['10.0.0.1:80', '10.0.0.1', '80'],
  ['[::1]:8080', '[::1]', '8080'],
  ['[::1]', '[::1]', null],
  ['host:', 'host', ''],
];
for (const [authority, host, port] of authorities) {
  test(`splitAuthority ${authority} (Envoy getPortStart)`, (t) => {
    t.deepEqual(splitAuthority(authority), { host, port });
  });
}

test('headerValue reads pseudo-headers and never the object prototype', (t) => {
  const request = httpRequest('reviews:9080', '/x?y=1', { method: 'POST', scheme: 'https', headers: { 'end-user': 'jason' } });
  t.is(headerValue(request, ':authority'), 'reviews:9080');
  t.is(headerValue(request, ':method'), 'POST');
  t.is(headerValue(request, ':path'), '/x?y=1', ':path carries the query');
  t.is(headerValue(request, ':scheme'), 'https');
  t.is(headerValue(request, 'end-user'), 'jason');
  t.is(headerValue(request, 'constructor'), undefined);
  t.is(headerValue(request, 'host'), undefined, 'host is not aliased to :authority');
});

test('asciiLowerCase folds ASCII only, as absl::AsciiStrToLower', (t) => {
  t.is(asciiLowerCase('Reviews.DEFAULT'), 'reviews.default');
  t.is(asciiLowerCase('ÄB'), 'Äb');
});

test('assertCall: a request iff http, lower-case header names, a port in range', (t) => {
  t.notThrows(() => assertCall({ destinationIp: '1.1.1.1', destinationPort: 80, protocol: 'http', request: httpRequest('a') }));
  t.throws(() => assertCall({ destinationIp: '1.1.1.1', destinationPort: 80, protocol: 'http' }), { instanceOf: AssertionError });
  t.throws(() => assertCall({ destinationIp: '1.1.1.1', destinationPort: 80, protocol: 'tcp', request: httpRequest('a') }),
    { instanceOf: AssertionError });
  t.throws(() => assertCall({ destinationIp: '1.1.1.1', destinationPort: 80, protocol: 'http', request: httpRequest('a', '/', { headers: { X: '1' } }) }),
    { instanceOf: AssertionError });
  t.throws(() => assertCall({ destinationIp: '1.1.1.1', destinationPort: 70000, protocol: 'tcp' }), { instanceOf: AssertionError });
});
