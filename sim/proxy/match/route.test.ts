import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../../core/assert.ts';
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch, StringMatcher } from '../../xds/route.ts';
import { forwardAction, httpRequest, route, routeMatch } from '../fixtures.ts';
import type { HttpRequest } from '../request.ts';
import { parseQueryParams } from '../request.ts';
import { matchedPathLength, matchesHeader, matchesPath, matchesQueryParameter, matchesRoute, selectRoute } from './route.ts';
import { matchString } from './string-matcher.ts';

const paths: ReadonlyArray<[rule: string, match: Partial<RouteMatch>, path: string, expected: boolean]> = [
  ['prefix is a plain string prefix (Istio VS, not Gateway API)', { prefix: '/foo' }, '/foobar', true],
  ['prefix matches itself', { prefix: '/foo' }, '/foo', true],
  ['prefix / matches everything', { prefix: '/' }, '/anything/at/all', true],
  ['prefix is case-sensitive by default', { prefix: '/Foo' }, '/foo', false],
  ['ignoreUriCase makes prefix case-insensitive', { prefix: '/Foo', caseSensitive: false }, '/fOO/bar', true],
  ['exact path must be equal', { path: '/foo' }, '/foo/', false],
  ['exact path equal', { path: '/foo' }, '/foo', true],
  ['exact path ignores the query string (Envoy)', { path: '/foo' }, '/foo?x=1', true],
  ['prefix ignores the query string', { prefix: '/foo/' }, '/foo?x=/', false],
  ['ignoreUriCase makes exact case-insensitive', { path: '/FOO', caseSensitive: false }, '/foo', true],
  ['regex is a whole-path RE2 match', { regex: '/api/v[0-9]+' }, '/api/v12', true],
  ['regex must match the whole path, not a part', { regex: '/api/v[0-9]+' }, '/api/v12/users', false],
  ['regex ignores the query string', { regex: '/api/v[0-9]+' }, '/api/v1?x=2', true],
  ['caseSensitive has no effect on regex (Envoy)', { regex: '/api', caseSensitive: false }, '/API', false],
  ['ASCII-only case folding', { prefix: '/ä', caseSensitive: false }, '/Ä', false],
];
for (const [rule, match, target, expected] of paths) {
  test(`path: ${rule}`, (t) => {
    t.is(matchesRoute(routeMatch(match), httpRequest('h', target)), expected);
  });
}

test('a match without path, prefix or regex matches any path', (t) => {
  t.true(matchesPath({ caseSensitive: true, headers: [], queryParameters: [] }, '/whatever'));
});

test('two path specifiers in one match are a bug', (t) => {
  t.throws(() => matchesPath(routeMatch({ path: '/a', prefix: '/a' }), '/a'), { instanceOf: AssertionError });
});

const strings: ReadonlyArray<[rule: string, matcher: StringMatcher, value: string, expected: boolean]> = [
  ['exact equal', { exact: 'jason' }, 'jason', true],
  ['exact is case-sensitive', { exact: 'jason' }, 'Jason', false],
  ['exact with ignoreCase', { exact: 'jason', ignoreCase: true }, 'JASON', true],
  ['an empty exact matches only the empty string (string_match)', { exact: '' }, 'x', false],
  ['an empty exact matches the empty string', { exact: '' }, '', true],
  ['prefix', { prefix: 'Mozilla' }, 'Mozilla/5.0', true],
  ['prefix with ignoreCase', { prefix: 'mozilla', ignoreCase: true }, 'Mozilla/5.0', true],
  ['regex full match', { regex: 'v[12]' }, 'v1', true],
  ['regex partial is no match', { regex: 'v[12]' }, 'v12', false],
  ['ignoreCase has no effect on a regex (Envoy)', { regex: 'v1', ignoreCase: true }, 'V1', false],
];
for (const [rule, matcher, value, expected] of strings) {
  test(`string matcher: ${rule}`, (t) => {
    t.is(matchString(matcher, value), expected);
  });
}

test('a StringMatcher with no pattern, or two, is a bug (Envoy rejects it)', (t) => {
  t.throws(() => matchString({}, 'x'), { instanceOf: AssertionError });
  t.throws(() => matchString({ exact: 'a', prefix: 'a' }, 'a'), { instanceOf: AssertionError });
});

const withUser = httpRequest('reviews', '/', { headers: { 'end-user': 'jason', empty: '' } });
const anonymous = httpRequest('reviews', '/');
const headerCases: ReadonlyArray<[rule: string, matcher: HeaderMatcher, request: HttpRequest, expected: boolean]> = [
  ['exact on a present header', { name: 'end-user', match: { exact: 'jason' } }, withUser, true],
  ['exact on a missing header fails', { name: 'end-user', match: { exact: 'jason' } }, anonymous, false],
  ['header names match lower-cased', { name: 'End-User', match: { exact: 'jason' } }, withUser, true],
  ['no match block: presence', { name: 'end-user' }, withUser, true],
  ['no match block: presence fails when absent', { name: 'end-user' }, anonymous, false],
  ['an empty value counts as present', { name: 'empty' }, withUser, true],
  ['present:false matches an absent header', { name: 'end-user', present: false }, anonymous, true],
  ['present:false fails on a present header', { name: 'end-user', present: false }, withUser, false],
  ['invert on a present, differing value matches', { name: 'end-user', match: { exact: 'mike' }, invert: true }, withUser, true],
  ['invert on a missing header fails without missingAsEmpty (Envoy)', { name: 'end-user', match: { exact: 'mike' }, invert: true }, anonymous, false],
  ['withoutHeaders exact: a request without the header matches (missing is "", "" ≠ jason)',
    { name: 'end-user', match: { exact: 'jason' }, invert: true, missingAsEmpty: true }, anonymous, true],
  ['withoutHeaders exact: the header with that value does not match',
    { name: 'end-user', match: { exact: 'jason' }, invert: true, missingAsEmpty: true }, withUser, false],
  ['withoutHeaders regex "*" (inverted presence) matches only when absent', { name: 'end-user', invert: true }, anonymous, true],
  ['withoutHeaders regex "*" fails when present', { name: 'end-user', invert: true }, withUser, false],
  ['withoutHeaders regex "*" fails for an empty value (present)', { name: 'empty', invert: true }, withUser, false],
  ['withoutHeaders regex ".*" never matches: missing is "", which .* matches, inverted',
    { name: 'end-user', match: { regex: '.*' }, invert: true, missingAsEmpty: true }, anonymous, false],
  ['withoutHeaders regex ".*" never matches a present header either',
    { name: 'end-user', match: { regex: '.*' }, invert: true, missingAsEmpty: true }, withUser, false],
  [':method pseudo-header', { name: ':method', match: { exact: 'GET' } }, anonymous, true],
  [':authority pseudo-header', { name: ':authority', match: { prefix: 'rev' } }, anonymous, true],
  [':path pseudo-header includes the query', { name: ':path', match: { exact: '/x?y=1' } }, httpRequest('h', '/x?y=1'), true],
  [':scheme pseudo-header', { name: ':scheme', match: { exact: 'http' } }, anonymous, true],
];
for (const [rule, matcher, request, expected] of headerCases) {
  test(`header: ${rule}`, (t) => {
    t.is(matchesHeader(matcher, request), expected);
  });
}

const queryCases: ReadonlyArray<[rule: string, matcher: QueryParameterMatcher, target: string, expected: boolean]> = [
  ['exact', { name: 'v', match: { exact: '2' } }, '/p?v=2', true],
  ['exact differs', { name: 'v', match: { exact: '2' } }, '/p?v=3', false],
  ['absent fails', { name: 'v', match: { exact: '2' } }, '/p?w=2', false],
  ['no match block means presence', { name: 'debug' }, '/p?debug', true],
  ['presence fails when absent', { name: 'debug' }, '/p', false],
  ['the first of repeated values is matched', { name: 'v', match: { exact: '1' } }, '/p?v=1&v=2', true],
  ['a later repeated value is not seen', { name: 'v', match: { exact: '2' } }, '/p?v=1&v=2', false],
  ['values are undecoded (Envoy parseQueryString)', { name: 'q', match: { exact: 'a b' } }, '/p?q=a%20b', false],
  ['the raw encoded value matches', { name: 'q', match: { exact: 'a%20b' } }, '/p?q=a%20b', true],
  ['prefix', { name: 'v', match: { prefix: 'beta' } }, '/p?v=beta-3', true],
  ['regex is whole-value', { name: 'v', match: { regex: '[0-9]+' } }, '/p?v=12a', false],
  ['names are case-sensitive', { name: 'V', match: { exact: '1' } }, '/p?v=1', false],
];
for (const [rule, matcher, target, expected] of queryCases) {
  test(`query parameter: ${rule}`, (t) => {
    t.is(matchesQueryParameter(matcher, parseQueryParams(target, { decode: false })), expected);
  });
}

test('all conditions of one match are ANDed: path, headers and query', (t) => {
  const match = routeMatch({
    prefix: '/api', headers: [{ name: 'end-user', match: { exact: 'jason' } }], queryParameters: [{ name: 'v', match: { exact: '2' } }],
  });
  t.true(matchesRoute(match, httpRequest('h', '/api/x?v=2', { headers: { 'end-user': 'jason' } })));
  t.false(matchesRoute(match, httpRequest('h', '/api/x?v=2')));
  t.false(matchesRoute(match, httpRequest('h', '/api/x?v=1', { headers: { 'end-user': 'jason' } })));
  t.false(matchesRoute(match, httpRequest('h', '/web?v=2', { headers: { 'end-user': 'jason' } })));
});

test('first match wins: an earlier broad route hides a later specific one', (t) => {
  const routes = [
    route('catch-all', forwardAction('a')),
    route('specific', forwardAction('b'), { match: routeMatch({ path: '/x' }) }),
  ];
  t.is(selectRoute(routes, httpRequest('h', '/x'))?.name, 'catch-all');
  t.is(selectRoute(routes.slice(1), httpRequest('h', '/y')), null, 'no route matches: null (404 NR)');
});

test('matchedPathLength: the prefix for prefix routes, the whole path for exact and regex, nothing otherwise', (t) => {
  t.is(matchedPathLength(routeMatch({ prefix: '/foo' }), '/foobar?x=1'), 4);
  t.is(matchedPathLength(routeMatch({ path: '/foo' }), '/foo?x=1'), 4);
  t.is(matchedPathLength(routeMatch({ regex: '/f.*' }), '/foo/bar?x=1'), 8);
  t.is(matchedPathLength({ caseSensitive: true, headers: [], queryParameters: [] }, '/foo'), 0);
});

// A route that needs a header no generated request carries can never match; putting it first must not
// change which route is selected.
const requestArb = fc.record({
  path: fc.constantFrom('/', '/api', '/api/v1', '/web/x', '/API'),
  query: fc.constantFrom('', '?v=1', '?v=2&x'),
  user: fc.option(fc.constantFrom('jason', 'mike'), { nil: undefined }),
});
const baseRoutes = [
  route('api-jason', forwardAction('a'), { match: routeMatch({ prefix: '/api', headers: [{ name: 'end-user', match: { exact: 'jason' } }] }) }),
  route('v2', forwardAction('b'), { match: routeMatch({ prefix: '/', queryParameters: [{ name: 'v', match: { exact: '2' } }] }) }),
  route('web', forwardAction('c'), { match: routeMatch({ prefix: '/web' }) }),
];
const never = route('never', forwardAction('z'), { match: routeMatch({ prefix: '/', headers: [{ name: 'x-never-sent', match: { exact: 'y' } }] }) });

testProp('a route that can never match, placed first, never changes the selection', [requestArb, fc.nat(3)], (t, input, position) => {
  const request = httpRequest('h', input.path + input.query, { headers: input.user === undefined ? {} : { 'end-user': input.user } });
  const withNever = [...baseRoutes.slice(0, position), never, ...baseRoutes.slice(position)];
  t.is(selectRoute(withNever, request)?.name ?? null, selectRoute(baseRoutes, request)?.name ?? null);
});
