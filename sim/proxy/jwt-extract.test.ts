// Where jwt_authn finds tokens and how it edits the request (Envoy jwt_authn extractor.cc), with the
// locations of tests/integration/security/testdata/requestauthn/headers-params.yaml.tmpl.
import test from 'ava';
import { extractTokens, parseCookies, removeToken, sanitizeOutputHeaders, tokenLocations } from './jwt-extract.ts';
import { jwtProvider } from './jwt-fixture.ts';
import type { HttpRequest } from './request.ts';

const request = (path: string, headers: Record<string, string> = {}): HttpRequest => ({ method: 'GET', scheme: 'http', authority: 'httpbin', path, headers });
const HEADERS_PARAMS = jwtProvider({
  fromHeaders: [{ name: 'x-jwt-token', prefix: 'Value ' }, { name: 'auth-token', prefix: 'Token ' }],
  fromParams: ['token', 'secondary_token'],
});
const tokens = (provider = jwtProvider(), r = request('/')) => extractTokens(provider, r).map((e) => `${e.location.kind}:${e.location.name}=${e.token}`);

test('Envoy order: headers by name+prefix, then params by name, then cookies; duplicates read once', (t) => {
  const provider = jwtProvider({ fromHeaders: [{ name: 'b', prefix: '' }, { name: 'a', prefix: 'X ' }, { name: 'b', prefix: '' }], fromParams: ['z', 'y'], fromCookies: ['c2', 'c1'] });
  t.deepEqual(tokenLocations(provider).map((l) => `${l.kind}:${l.name}`), ['header:a', 'header:b', 'param:y', 'param:z', 'cookie:c1', 'cookie:c2']);
});

test('default locations: Authorization "Bearer " and ?access_token', (t) => {
  t.deepEqual(tokens(jwtProvider(), request('/?access_token=p1', { authorization: 'Bearer h1' })), ['header:authorization=h1', 'param:access_token=p1']);
  t.deepEqual(tokens(jwtProvider(), request('/', { authorization: 'Basic dXNlcg==' })), []);
});

test('the prefix may stand anywhere; the token starts at the next JWT character and runs to the end', (t) => {
  t.deepEqual(tokens(jwtProvider(), request('/', { authorization: 'x Bearer   aa.bb.cc trailing' })), ['header:authorization=aa.bb.cc trailing']);
  t.deepEqual(tokens(jwtProvider(), request('/', { authorization: 'Bearer  ' })), ['header:authorization=Bearer  ']);
  t.deepEqual(tokens(jwtProvider({ fromHeaders: [{ name: 'x-jwt', prefix: '' }] }), request('/', { 'x-jwt': ' raw ' })), ['header:x-jwt= raw ']);
});

test('headers-params: each configured header and parameter; other names are not read', (t) => {
  t.deepEqual(tokens(HEADERS_PARAMS, request('/valid-token?token=t1')), ['param:token=t1']);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/valid-token?secondary_token=t2')), ['param:secondary_token=t2']);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/valid-token?token_value=t3')), []);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/', { 'x-jwt-token': 'Value t4' })), ['header:x-jwt-token=t4']);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/', { 'auth-token': 'Token t5' })), ['header:auth-token=t5']);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/', { 'auth-header-param': 'Bearer t6' })), []);
  t.deepEqual(tokens(HEADERS_PARAMS, request('/?token=a&secondary_token=b')), ['param:secondary_token=b', 'param:token=a']);
});

test('parameters are decoded, a repeated one gives its first value', (t) => {
  t.deepEqual(tokens(jwtProvider(), request('/?access_token=a%2Eb&access_token=second')), ['param:access_token=a.b']);
});

test('cookies: split on ;, quotes dropped, the first of a name wins', (t) => {
  t.deepEqual([...parseCookies('a=1; session="tok"; a=2;b')], [['a', '1'], ['session', 'tok']]);
  t.deepEqual(tokens(jwtProvider({ fromHeaders: [], fromParams: [], fromCookies: ['session'] }), request('/', { cookie: 'x=y; session=abc' })), ['cookie:session=abc']);
});

test('removal: a header goes entirely; a parameter leaves a sorted, decoded query; a cookie stays', (t) => {
  const r = request('/p?z=1&access_token=tok&a=%41', { authorization: 'Bearer tok', cookie: 'session=tok' });
  t.false('authorization' in removeToken(r, { kind: 'header', name: 'authorization', prefix: 'Bearer ' }).headers);
  t.is(removeToken(r, { kind: 'param', name: 'access_token' }).path, '/p?a=A&z=1');
  t.is(removeToken(request('/p?access_token=tok'), { kind: 'param', name: 'access_token' }).path, '/p');
  t.is(removeToken(r, { kind: 'cookie', name: 'session' }), r);
});

test('sanitizing drops forged payload and claim headers', (t) => {
  const provider = jwtProvider({ outputPayloadToHeader: 'x-test-payload', outputClaimToHeaders: [{ header: 'x-jwt-nested-claim', claim: 'a.b' }] });
  const r = request('/', { 'x-test-payload': 'forged', 'x-jwt-nested-claim': 'value_to_be_replaced', keep: '1' });
  t.deepEqual(sanitizeOutputHeaders(r, provider).headers, { keep: '1' });
});
