// The request's consistent-hash key (Envoy hash_policy.cc): what each policy reads, when it yields
// nothing, and how several combine.
import test from 'ava';
import type { HashPolicy } from '../xds/route.ts';
import { httpCall, httpRequest } from './fixtures.ts';
import { cookieValue, hashKeyOf, requestHashKey } from './hash-policy.ts';
import type { Call } from './request.ts';

const call = (path = '/', headers: Record<string, string> = {}, sourceIp?: string): Call => {
  const base = httpCall('10.96.0.5', 9080, httpRequest('reviews:9080', path, { headers }));
  return sourceIp === undefined ? base : { ...base, sourceIp };
};
const keyOf = (policies: readonly HashPolicy[], c: Call) => requestHashKey(policies, c, c.request!);

const HEADER: HashPolicy = { kind: 'header', headerName: 'X-User' };
const COOKIE: HashPolicy = { kind: 'cookie', name: 'session' };
const SOURCE: HashPolicy = { kind: 'connectionProperties', sourceIp: true };
const QUERY: HashPolicy = { kind: 'queryParameter', name: 'user' };

test('header: the value hashes (name matched lower-cased); absent gives no key; empty still hashes', (t) => {
  t.is(keyOf([HEADER], call('/', { 'x-user': 'alice' })), hashKeyOf('alice'));
  t.is(keyOf([HEADER], call('/')), null);
  t.is(keyOf([HEADER], call('/', { 'x-user': '' })), hashKeyOf(''));
  t.not(keyOf([HEADER], call('/', { 'x-user': 'alice' })), keyOf([HEADER], call('/', { 'x-user': 'bob' })));
  t.is(keyOf([{ kind: 'header', headerName: ':path' }], call('/a?b')), hashKeyOf('/a?b'), 'pseudo-headers are readable');
});

test('cookie: the named pair of the Cookie header, unquoted; absent or empty gives no key', (t) => {
  t.is(keyOf([COOKIE], call('/', { cookie: 'theme=dark; session=abc123; x=1' })), hashKeyOf('abc123'));
  t.is(keyOf([COOKIE], call('/', { cookie: 'session="quoted"' })), hashKeyOf('quoted'));
  t.is(keyOf([COOKIE], call('/', { cookie: 'sessionid=1; flag' })), null);
  t.is(keyOf([COOKIE], call('/', { cookie: 'session=' })), null);
  t.is(keyOf([{ ...COOKIE, ttlUs: 0 }], call('/')), null, 'cookie generation (ttl) is not modelled');
  t.is(cookieValue(httpRequest('h', '/', { headers: { cookie: 'a=1;session=2;session=3' } }), 'session'), '2', 'the first pair wins');
});

test('connection properties: the source address when source_ip is true, nothing when false or unknown', (t) => {
  t.is(keyOf([SOURCE], call('/', {}, '10.1.2.3')), hashKeyOf('10.1.2.3'));
  t.is(keyOf([{ kind: 'connectionProperties', sourceIp: false }], call('/', {}, '10.1.2.3')), null);
  t.is(keyOf([SOURCE], call('/')), null);
});

test('query parameter: its first value, undecoded; `?user` without = is the empty value', (t) => {
  t.is(keyOf([QUERY], call('/list?page=2&user=al%20ice&user=bob')), hashKeyOf('al%20ice'));
  t.is(keyOf([QUERY], call('/list?user')), hashKeyOf(''));
  t.is(keyOf([QUERY], call('/list?users=x')), null);
});

test('several policies combine in order (rotate left, xor); one that yields nothing is skipped', (t) => {
  const c = call('/?user=u1', { 'x-user': 'alice' });
  const a = hashKeyOf('alice');
  const u = hashKeyOf('u1');
  t.is(keyOf([HEADER, QUERY], c), (((a << 1) | (a >>> 31)) ^ u) >>> 0);
  t.not(keyOf([HEADER, QUERY], c), keyOf([QUERY, HEADER], c));
  t.is(keyOf([COOKIE, HEADER], c), a);
  t.is(keyOf([], c), null);
  t.is(requestHashKey(undefined, c, c.request!), null);
});

test('hashKeyOf spreads nearby texts over the whole 32-bit range, and seeds give independent keys', (t) => {
  const keys = Array.from({ length: 1000 }, (_, i) => hashKeyOf(`10.1.0.1:80_${i}`));
  t.true(keys.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffff_ffff));
  const quarters = [0, 0, 0, 0];
  for (const k of keys) quarters[Math.floor(k / 2 ** 30)] = (quarters[Math.floor(k / 2 ** 30)] ?? 0) + 1;
  t.true(quarters.every((q) => q > 200 && q < 300), `quarters ${quarters.join(',')}`);
  t.not(hashKeyOf('a', 1), hashKeyOf('a'));
});
