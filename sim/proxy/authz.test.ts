// Unit tests for the authorization evaluator's parts (path normalization, URI templates, value
// matchers, reasons) and its properties: DENY beats ALLOW, ALLOW policies only widen by what they
// match, and a plaintext peer never matches a principal.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import type { RbacAction, RbacPolicy, RbacRule } from '../xds/security.ts';
import type { AuthzRequest } from './authz.ts';
import { envoyPolicyId, evaluateAuthorization, normalizePath } from './authz.ts';
import type { PathNormalization } from './authz-path.ts';
import { matchPathTemplate } from './authz-path.ts';
import { claimPath, matchPattern } from './authz-values.ts';

// tests/integration/security/normalization_test.go TestNormalization, per mode.
const NORMALIZATION: readonly [PathNormalization, readonly (readonly [string, string | null])[]][] = [
  ['NONE', [['/', '/'], ['/app#foo', '/app'], ['/app/../admin', '/app/../admin'], ['/app//', '/app//'], ['/xyz%30..//abc', '/xyz%30..//abc'],
    ['/app/%2E./admin', '/app/%2E./admin'], ['/app\\admin', '/app\\admin']]],
  ['BASE', [['/', '/'], ['/app#foo', '/app'], ['/app/', '/app/'], ['/app/../admin', '/admin'], ['/app//', '/app//'], ['/app/%2f', '/app/%2f'],
    ['/app%2f/', '/app%2f/'], ['/xyz%30..//abc', '/xyz0..//abc'], ['/app/%2E./admin', '/admin'], ['/app\\admin', '/app/admin'],
    ['/app/\\/\\/\\admin', '/app//////admin'], ['/%2Fapp%5cadmin%5Cabc', '/%2Fapp%5cadmin%5Cabc'],
    ['/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc', '/%5Capp%2f%5c%2F..%2fadmin%5c/abc'], ['/app//../admin', '/app/admin'], ['/app//../../admin', '/admin'],
    ['/public/%2E%2E/private', '/private'], ['/a/..?x=/../y', '/?x=/../y'], ['/admin%00', null]]],
  ['MERGE_SLASHES', [['/app//', '/app/'], ['/xyz%30..//abc', '/xyz0../abc'], ['/app/\\/\\/\\admin', '/app/admin'], ['/app//../admin', '/app/admin'],
    ['/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc', '/%5Capp%2f%5c%2F..%2fadmin%5c/abc']]],
  ['DECODE_AND_MERGE_SLASHES', [['/app/%2f', '/app/'], ['/app%2f/', '/app/'], ['/%2Fapp%5cadmin%5Cabc', '/app/admin/abc'],
    ['/%5Capp%2f%5c%2F%2e%2e%2fadmin%5c\\abc', '/app/admin/abc'], ['/%c0%2e%c0%2e/admin', '/%c0.%c0./admin'], ['/%c0%2fadmin', '/%c0/admin'],
    ['/.../admin', '/.../admin'], ['/..;/admin', '/..;/admin'], ['/%252e%252e/admin', '/%252e%252e/admin'], ['/admin%7e', '/admin~'],
    ['/admin%41', '/adminA'], ['/admin%20', '/admin%20'], ['/Admin', '/Admin'], ['/admin%00', null]]],
];

for (const [mode, cases] of NORMALIZATION) {
  test(`normalization_test.go TestNormalization ${mode}`, (t) => {
    for (const [input, expected] of cases) t.is(normalizePath(input, mode), expected, `${mode} ${input}`);
  });
}

test('matcher/template.go + Envoy uri_template: {*} is one segment, {**} zero or more', (t) => {
  t.true(matchPathTemplate('/allow/admin/{**}', '/allow/admin/a/b'));
  t.true(matchPathTemplate('/store/{**}/cart', '/store/a/b/cart'));
  t.true(matchPathTemplate('/{**}/path/template', '/x/y/path/template'));
  t.true(matchPathTemplate('/path/template/{*}', '/path/template/a'));
  t.false(matchPathTemplate('/path/template/{*}', '/path/template/a/b'));
  t.false(matchPathTemplate('/a.b/{*}', '/aXb/c'), 'literals are literal');
});

test('matcher/string.go StringMatcher forms', (t) => {
  t.true(matchPattern('*', 'x'));
  t.false(matchPattern('*', ''), '`*` is regex .+: the empty value does not match');
  t.true(matchPattern('abc*', 'abc'));
  t.true(matchPattern('*abc', 'abc'));
  t.false(matchPattern('abc', 'abcd'));
});

test('util.go extractNameInNestedBrackets', (t) => {
  t.deepEqual(claimPath('[a][b]'), ['a', 'b']);
  t.deepEqual(claimPath('[a.b]'), ['a.b']);
  t.deepEqual(claimPath('[a[b]'), ['a[b']);
  t.is(claimPath('[a]x'), null);
});

test('builder.go policyName: Envoy policy ids', (t) => {
  t.is(envoyPolicyId('foo/deny-get', 2), 'ns[foo]-policy[deny-get]-rule[2]');
});

const REQUEST: AuthzRequest = {
  sourcePrincipal: 'spiffe://cluster.local/ns/foo/sa/sleep', sourceIp: '10.0.0.1', requestPrincipal: null,
  destinationIp: '10.0.1.9', destinationPort: 8080, http: { method: 'GET', host: 'h', path: '/a?q=1', headers: { 'x-a': '1' } },
};

test('reasons name the policy, the rule and the field', (t) => {
  const deny: RbacPolicy = { name: 'foo/no-get', action: 'DENY', dryRun: false, rules: [{ to: [{ methods: ['GET'] }] }] };
  t.is(evaluateAuthorization([deny], REQUEST, { tcp: false }).reason, 'denied by DENY policy foo/no-get rule 0: to[0].methods matched "GET" (:method "GET")');
  const allow: RbacPolicy = { name: 'foo/only-b', action: 'ALLOW', dryRun: false, rules: [{ to: [{ paths: ['/b'] }] }] };
  t.is(evaluateAuthorization([allow], REQUEST, { tcp: false }).reason, 'denied: no ALLOW policy matched (foo/only-b rule 0: to[0].paths: path "/a" matches none of ["/b"])');
  const env: RbacPolicy = { name: 'foo/env', action: 'ALLOW', dryRun: false, rules: [{ when: [{ key: 'experimental.envoy.filters.a[b]', values: ['x'] }] }] };
  t.regex(evaluateAuthorization([env], REQUEST, { tcp: false }).reason, /cannot evaluate: treated as not matching/);
  const tcpDeny: RbacPolicy = { name: 'foo/wide', action: 'DENY', dryRun: false, rules: [{ to: [{ ports: ['8080'], methods: ['GET'] }] }] };
  const { http: _http, ...tcpRequest } = REQUEST;
  t.regex(evaluateAuthorization([tcpDeny], tcpRequest, { tcp: true }).reason, /to\[0\]\.methods ignored: methods is HTTP only/);
});

test('the request shape is checked: an HTTP check needs the request, a principal is a SPIFFE URI', (t) => {
  const { http: _http, ...tcpRequest } = REQUEST;
  t.throws(() => evaluateAuthorization([], tcpRequest, { tcp: false }));
  t.throws(() => evaluateAuthorization([], { ...REQUEST, sourcePrincipal: 'cluster.local/ns/foo/sa/sleep' }, { tcp: false }));
});

// A small vocabulary, so that random rules often match random requests.
const PRINCIPALS = ['cluster.local/ns/foo/sa/a', 'cluster.local/ns/bar/sa/b', '*', 'cluster.local/ns/foo/*', '*/sa/a'];
const pick = <T>(values: readonly T[]): fc.Arbitrary<T[]> => fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 });
const maybe = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined, freq: 2 });

const sourceArb = fc.record({
  principals: maybe(pick(PRINCIPALS)), notPrincipals: maybe(pick(PRINCIPALS)), namespaces: maybe(pick(['foo', 'bar', '*', 'f*'])),
  ipBlocks: maybe(pick(['10.0.0.0/8', '192.168.0.1'])), requestPrincipals: maybe(pick(['*', 'iss/alice'])),
}, { requiredKeys: [] });
const operationArb = fc.record({
  paths: maybe(pick(['/a', '/b', '/a*', '*', '/a/{*}'])), notPaths: maybe(pick(['/b'])), methods: maybe(pick(['GET', 'POST', '*'])),
  ports: maybe(pick(['80', '8080'])), hosts: maybe(pick(['h', '*.example.com'])),
}, { requiredKeys: [] });
const conditionArb = fc.record({
  key: fc.constantFrom('request.headers[x-a]', 'source.namespace', 'destination.port', 'source.principal'),
  values: pick(['1', 'foo', '8080', '*', 'cluster.local/ns/foo/sa/a']),
});
const ruleArb: fc.Arbitrary<RbacRule> = fc.record({
  from: maybe(fc.array(sourceArb, { minLength: 1, maxLength: 2 })),
  to: maybe(fc.array(operationArb, { minLength: 1, maxLength: 2 })),
  when: maybe(fc.array(conditionArb, { minLength: 1, maxLength: 2 })),
}, { requiredKeys: [] }).map((rule) => JSON.parse(JSON.stringify(rule)) as RbacRule);
const policyArb = (action: RbacAction): fc.Arbitrary<RbacPolicy> => fc.record({
  name: fc.constantFrom('foo/p1', 'foo/p2', 'istio-system/p3', 'foo/p4'),
  rules: fc.array(ruleArb, { maxLength: 3 }),
}).map(({ name, rules }) => ({ name: `${name}-${action.toLowerCase()}`, action, rules, dryRun: false }));
const requestArb: fc.Arbitrary<AuthzRequest> = fc.record({
  sourcePrincipal: fc.constantFrom(null, 'spiffe://cluster.local/ns/foo/sa/a', 'spiffe://cluster.local/ns/bar/sa/b'),
  sourceIp: fc.constantFrom('10.0.0.1', '192.168.0.1'),
  requestPrincipal: fc.constantFrom(null, 'iss/alice'),
  destinationIp: fc.constant('10.0.1.9'),
  destinationPort: fc.constantFrom(80, 8080),
  http: fc.record({ method: fc.constantFrom('GET', 'POST'), host: fc.constantFrom('h', 'api.example.com'), path: fc.constantFrom('/a', '/b', '/a/x?y=1'),
    headers: fc.constantFrom<Record<string, string>>({}, { 'x-a': '1' }) }),
});
const tcpArb = fc.boolean();
const forChain = (request: AuthzRequest, tcp: boolean): AuthzRequest => {
  if (!tcp) return request;
  const { http: _http, ...rest } = request;
  return rest;
};

testProp('DENY never loses to ALLOW: a request a DENY policy denies stays denied whatever ALLOW policies exist',
  [policyArb('DENY'), fc.array(policyArb('ALLOW'), { maxLength: 3 }), requestArb, tcpArb], (t, deny, allows, request, tcp) => {
    const subject = forChain(request, tcp);
    const alone = evaluateAuthorization([deny], subject, { tcp });
    fc.pre(!alone.allowed);
    const withAllows = evaluateAuthorization([...allows, deny], subject, { tcp });
    t.false(withAllows.allowed);
    t.is(withAllows.decision, 'DENY');
    t.is(withAllows.policy, deny.name);
  });

testProp('adding an ALLOW policy only lets through what that policy matches',
  [fc.array(policyArb('ALLOW'), { minLength: 1, maxLength: 3 }), policyArb('ALLOW'), requestArb, tcpArb], (t, allows, added, request, tcp) => {
    const subject = forChain(request, tcp);
    const before = evaluateAuthorization(allows, subject, { tcp });
    const after = evaluateAuthorization([...allows, added], subject, { tcp });
    if (!before.allowed && after.allowed) {
      t.is(after.policy, added.name);
      t.true(evaluateAuthorization([added], subject, { tcp }).allowed);
    } else {
      t.is(after.allowed, before.allowed);
    }
  });

testProp('a plaintext request never matches a principals value',
  [fc.array(fc.oneof(fc.constantFrom(...PRINCIPALS), fc.string({ maxLength: 12 })), { minLength: 1, maxLength: 4 }), requestArb, tcpArb], (t, values, request, tcp) => {
    const subject = forChain({ ...request, sourcePrincipal: null }, tcp);
    const allow: RbacPolicy = { name: 'foo/allow', action: 'ALLOW', dryRun: false, rules: [{ from: [{ principals: values }] }, { when: [{ key: 'source.principal', values }] }] };
    const deny: RbacPolicy = { name: 'foo/deny', action: 'DENY', dryRun: false, rules: [{ from: [{ principals: values }] }] };
    t.false(evaluateAuthorization([allow], subject, { tcp }).allowed);
    t.true(evaluateAuthorization([deny], subject, { tcp }).allowed);
  });

testProp('dry-run policies never change the decision', [fc.array(fc.oneof(policyArb('ALLOW'), policyArb('DENY')), { maxLength: 4 }), fc.array(fc.oneof(policyArb('ALLOW'), policyArb('DENY')), { maxLength: 2 }), requestArb],
  (t, enforced, shadows, request) => {
    const dry = shadows.map((policy) => ({ ...policy, name: `${policy.name}-dry`, dryRun: true }));
    t.is(evaluateAuthorization([...enforced, ...dry], request, { tcp: false }).allowed, evaluateAuthorization(enforced, request, { tcp: false }).allowed);
  });
