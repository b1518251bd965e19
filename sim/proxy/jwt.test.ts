// The jwt_authn filter with a fake verifier, case by case from tests/integration/security/jwt_test.go
// TestRequestAuthentication (testdata/requestauthn/*.yaml.tmpl) and Envoy's requirement semantics.
import test from 'ava';
import { authenticateJwt } from './jwt.ts';
import type { JwtAuthnResult } from './jwt.ts';
import { ISSUER_1, ISSUER_2, NOW, fakeVerifier, jwtProvider, testToken } from './jwt-fixture.ts';
import type { HttpRequest } from './request.ts';
import type { JwtProvider } from '../xds/security.ts';

const request = (headers: Record<string, string> = {}, path = '/', method = 'GET'): HttpRequest => ({ method, scheme: 'http', authority: 'httpbin:8000', path, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const run = (providers: readonly JwtProvider[], r: HttpRequest, now = NOW): JwtAuthnResult => authenticateJwt(providers, r, fakeVerifier, { nowSeconds: now });
const passed = (result: JwtAuthnResult) => {
  if (!result.ok) throw new Error(`rejected: ${result.body}`);
  return result;
};
const rejected = (result: JwtAuthnResult) => {
  if (result.ok) throw new Error('passed');
  return result;
};

// authn-only.yaml.tmpl: two issuers, payload and claim outputs on the first.
const AUTHN_ONLY = [
  jwtProvider({ outputPayloadToHeader: 'x-test-payload', outputClaimToHeaders: [
    { header: 'x-jwt-iss', claim: 'iss' }, { header: 'x-jwt-iat', claim: 'iat' }, { header: 'x-jwt-nested-claim', claim: 'nested.nested-2.key2' }] }),
  jwtProvider({ issuer: ISSUER_2, outputPayloadToHeader: 'x-test-payload' }),
];

test('no provider: the filter is not there', (t) => {
  const r = request(bearer('garbage'));
  t.deepEqual(run([], r), { ok: true, request: r, identity: null, summary: null });
});

test('valid-token-noauthz: principal iss/sub, Authorization removed, payload and claim headers added', (t) => {
  const token = testToken({ iat: 1562182722 });
  const result = passed(run(AUTHN_ONLY, request(bearer(token))));
  t.is(result.identity?.principal, `${ISSUER_1}/sub-1`);
  t.is(result.identity?.provider, 'foo/jwt');
  t.is(result.summary?.outcome, 'authenticated');
  t.deepEqual(result.request.headers, { 'x-test-payload': token.split('.')[1]!, 'x-jwt-iss': ISSUER_1, 'x-jwt-iat': '1562182722' });
});

test('valid-token-2-noauthz: the second issuer\'s provider verifies it', (t) => {
  const token = testToken({ iss: ISSUER_2 });
  const result = passed(run(AUTHN_ONLY, request(bearer(token))));
  t.is(result.identity?.principal, `${ISSUER_2}/sub-1`);
  t.deepEqual(result.request.headers, { 'x-test-payload': token.split('.')[1]! });
});

test('valid-nested-claim-token: a nested claim reaches its header, replacing a forged one', (t) => {
  const token = testToken({ nested: { 'nested-2': { key2: 'valueC' } } });
  const result = passed(run(AUTHN_ONLY, request({ ...bearer(token), 'x-jwt-nested-claim': 'value_to_be_replaced' })));
  t.is(result.request.headers['x-jwt-nested-claim'], 'valueC');
});

test('expired-token-noauthz: 401 "Jwt is expired" with a Bearer challenge', (t) => {
  const result = rejected(run(AUTHN_ONLY, request(bearer(testToken({ exp: NOW - 61 })), '/expired?x=1')));
  t.is(result.status, 401);
  t.is(result.body, 'Jwt is expired');
  t.deepEqual(result.responseHeaders, { 'www-authenticate': 'Bearer realm="http://httpbin:8000/expired?x=1", error="invalid_token"' });
  t.is(result.summary.outcome, 'rejected');
});

test('expired-token-cors-preflight-request-allowed; without Origin it is no preflight: 401', (t) => {
  const expired = bearer(testToken({ exp: NOW - 3600 }));
  const preflight = passed(run(AUTHN_ONLY, request({ ...expired, 'access-control-request-method': 'POST', origin: 'https://istio.io' }, '/', 'OPTIONS')));
  t.is(preflight.summary?.outcome, 'bypassed');
  t.is(preflight.request.headers['authorization'], expired.authorization);
  t.is(rejected(run(AUTHN_ONLY, request({ ...expired, 'access-control-request-method': 'POST' }, '/', 'OPTIONS'))).status, 401);
});

test('no-token-noauthz: passes with no principal (output headers still sanitized)', (t) => {
  const result = passed(run(AUTHN_ONLY, request({ 'x-test-payload': 'forged' })));
  t.is(result.identity, null);
  t.is(result.summary?.outcome, 'no-token');
  t.deepEqual(result.request.headers, {});
});

test('forward: forwardOriginalToken keeps the Authorization header', (t) => {
  const token = testToken();
  const result = passed(run([jwtProvider({ forwardOriginalToken: true, outputPayloadToHeader: 'x-test-payload' })], request(bearer(token))));
  t.is(result.request.headers['authorization'], `Bearer ${token}`);
  t.is(result.request.headers['x-test-payload'], token.split('.')[1]);
});

// aud.yaml.tmpl: part1 has issuer 1 with aud foo and issuer 2 with aud bar; part2 has issuer 2 with no audiences.
const AUD = [jwtProvider({ audiences: ['foo'], source: 'foo/part1' }), jwtProvider({ issuer: ISSUER_2, audiences: ['bar'], source: 'foo/part1' }), jwtProvider({ issuer: ISSUER_2, source: 'foo/part2' })];

test('aud: invalid-aud is 403 (JwtAudienceNotAllowed), valid-aud passes, policies are combined', (t) => {
  const invalid = rejected(run(AUD, request(bearer(testToken()))));
  t.is(invalid.status, 403);
  t.is(invalid.body, 'Audiences in Jwt are not allowed');
  t.is(passed(run(AUD, request(bearer(testToken({ aud: ['foo'] }))))).identity?.audiences[0], 'foo');
  t.is(passed(run(AUD, request(bearer(testToken({ iss: ISSUER_2 }))))).identity?.provider, 'foo/part2');
});

test('an issuer no provider has: 401 "Jwt issuer is not configured"', (t) => {
  t.is(rejected(run(AUTHN_ONLY, request(bearer(testToken({ iss: 'someone-else' }))))).body, 'Jwt issuer is not configured');
});

test('a bad signature, and no verifier at all: 401 "Jwt verification fails"', (t) => {
  t.is(rejected(run(AUTHN_ONLY, request(bearer(testToken({}, { signature: 'bad' }))))).body, 'Jwt verification fails');
  const noVerifier = authenticateJwt(AUTHN_ONLY, request(bearer(testToken())), null, { nowSeconds: NOW });
  t.like(noVerifier, { ok: false, status: 401, body: 'Jwt verification fails' });
});

test('a malformed token gets jwt_verify_lib\'s format text', (t) => {
  t.is(rejected(run(AUTHN_ONLY, request(bearer('not-a-jwt')))).body, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
});

// headers-params.yaml.tmpl
const HEADERS_PARAMS = [jwtProvider({ fromHeaders: [{ name: 'x-jwt-token', prefix: 'Value ' }, { name: 'auth-token', prefix: 'Token ' }], fromParams: ['token', 'secondary_token'] })];

test('headers-params: valid-params (token removed from the query), valid-token-set, invalid-token-set', (t) => {
  const valid = testToken();
  const one = passed(run(HEADERS_PARAMS, request({}, `/valid-token?token=${valid}&x=1`)));
  t.is(one.request.path, '/valid-token?x=1');
  t.is(one.identity?.principal, `${ISSUER_1}/sub-1`);
  passed(run(HEADERS_PARAMS, request({}, `/valid-token?token=${valid}&secondary_token=${valid}`)));
  const expired = testToken({ exp: NOW - 3600 });
  t.is(rejected(run(HEADERS_PARAMS, request({}, `/valid-token?token=${valid}&secondary_token=${expired}`))).body, 'Jwt is expired');
});

test('allow_missing ends with the last token checked: an expired token checked before a valid first-extracted one passes', (t) => {
  // Extraction order: secondary_token, then token; checks run last-extracted first.
  const result = passed(run(HEADERS_PARAMS, request({}, `/p?token=${testToken({ exp: NOW - 3600 })}&secondary_token=${testToken({ sub: 'second' })}`)));
  t.is(result.identity?.principal, `${ISSUER_1}/second`);
});

test('headers-params: valid-header, invalid-header (an unread header carries no token)', (t) => {
  t.is(passed(run(HEADERS_PARAMS, request({ 'x-jwt-token': `Value ${testToken()}` }))).summary?.outcome, 'authenticated');
  t.is(passed(run(HEADERS_PARAMS, request({ 'auth-header-param': `Bearer ${testToken()}` }))).summary?.outcome, 'no-token');
});

test('claims for authorization: space-delimited claims become lists; presenter and audiences', (t) => {
  const provider = jwtProvider({ spaceDelimitedClaims: ['permission', 'roles', 'scope'] });
  const result = passed(run([provider], request(bearer(testToken({ scope: 'read  write', roles: 'admin', permission: ['x'], azp: 'client-1', aud: 'api' })))));
  t.like(result.identity, { presenter: 'client-1', audiences: ['api'] });
  t.deepEqual(result.identity?.claims['scope'], ['read', 'write']);
  t.deepEqual(result.identity?.claims['roles'], ['admin']);
  t.deepEqual(result.identity?.claims['permission'], ['x']);
});

test('claim headers: integers, other numbers as %f, booleans; objects skipped', (t) => {
  const provider = jwtProvider({ outputClaimToHeaders: [{ header: 'x-n', claim: 'n' }, { header: 'x-f', claim: 'f' }, { header: 'x-b', claim: 'b' }, { header: 'x-o', claim: 'o' }] });
  const result = passed(run([provider], request(bearer(testToken({ n: 42, f: 1.5, b: false, o: { a: 1 } })))));
  t.deepEqual(result.request.headers, { 'x-n': '42', 'x-f': '1.500000', 'x-b': 'false' });
});
