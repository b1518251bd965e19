// JWT parsing, time window and audiences as google/jwt_verify_lib does them (Jwt::parseFromString,
// verifyTimeConstraint, CheckAudience), with its status texts.
import test from 'ava';
import { base64UrlEncode } from '../core/base64url.ts';
import { JWT_STATUS, audiencesAllowed, parseJwt, timeProblem } from './jwt-token.ts';
import type { ParsedJwt } from './jwt-token.ts';
import { NOW, testToken } from './jwt-fixture.ts';

const b64 = (value: unknown) => base64UrlEncode(typeof value === 'string' ? value : JSON.stringify(value));
const raw = (header: unknown, payload: unknown, signature = 'sig') => `${b64(header)}.${b64(payload)}.${b64(signature)}`;
const errorOf = (token: string) => {
  const parsed = parseJwt(token);
  return 'error' in parsed ? parsed.error : null;
};

test('a well-formed token: alg, kid, registered claims, audiences as a list, the payload section as sent', (t) => {
  const token = raw({ alg: 'ES256', kid: 'k1' }, { iss: 'i', sub: 's', aud: 'a', nbf: 5, exp: 10.9, extra: { x: 1 } });
  const parsed = parseJwt(token) as ParsedJwt;
  t.like(parsed, { alg: 'ES256', kid: 'k1', iss: 'i', sub: 's', audiences: ['a'], nbf: 5, exp: 10 });
  t.is(parsed.payloadBase64Url, token.split('.')[1]!);
  t.deepEqual(parsed.payload['extra'], { x: 1 });
});

const BAD: [string, string, string][] = [
  ['one dot', 'a.b', JWT_STATUS.badFormat],
  ['three dots', 'a.b.c.d', JWT_STATUS.badFormat],
  ['an empty section', `${b64({ alg: 'RS256' })}..${b64('s')}`, JWT_STATUS.badFormat],
  ['header not base64url', `@@.${b64({})}.${b64('s')}`, JWT_STATUS.headerBase64],
  ['header not JSON', `${b64('nope')}.${b64({})}.${b64('s')}`, JWT_STATUS.headerJson],
  ['header a JSON array', `${b64([1])}.${b64({})}.${b64('s')}`, JWT_STATUS.headerJson],
  ['no alg', raw({ typ: 'JWT' }, {}), JWT_STATUS.badAlg],
  ['alg none', raw({ alg: 'none' }, {}), JWT_STATUS.algNotImplemented],
  ['kid a number', raw({ alg: 'RS256', kid: 7 }, {}), JWT_STATUS.badKid],
  ['payload not JSON', `${b64({ alg: 'RS256' })}.${b64('x')}.${b64('s')}`, JWT_STATUS.payloadJson],
  ['iss a number', raw({ alg: 'RS256' }, { iss: 1 }), 'Jwt payload [iss] field is not a string'],
  ['exp a string', raw({ alg: 'RS256' }, { exp: '1' }), 'Jwt payload [exp] field is not an integer'],
  ['nbf negative', raw({ alg: 'RS256' }, { nbf: -1 }), 'Jwt payload [nbf] field is not a positive 64 bit integer'],
  ['aud a list with a number', raw({ alg: 'RS256' }, { aud: ['a', 1] }), 'Jwt payload [aud] field is not a string or string list'],
  ['signature not base64url', `${b64({ alg: 'RS256' })}.${b64({})}.a+b`, JWT_STATUS.signatureBase64],
];
for (const [name, token, status] of BAD) {
  test(`parse: ${name} → "${status}"`, (t) => {
    t.is(errorOf(token), status);
  });
}

test('verifyTimeConstraint: 60 s of skew on both ends; exp 0 never expires', (t) => {
  const at = (claims: Record<string, unknown>, now: number) => timeProblem(parseJwt(testToken(claims)) as ParsedJwt, now);
  t.is(at({ exp: NOW }, NOW + 60), null);
  t.is(at({ exp: NOW }, NOW + 61), JWT_STATUS.expired);
  t.is(at({ nbf: NOW }, NOW - 60), null);
  t.is(at({ nbf: NOW }, NOW - 61), JWT_STATUS.notYetValid);
  t.is(at({ exp: 0 }, NOW), null);
});

test('CheckAudience: any configured audience, scheme and trailing slash ignored; none configured allows all', (t) => {
  t.true(audiencesAllowed([], []));
  t.false(audiencesAllowed(['foo'], []));
  t.true(audiencesAllowed(['foo', 'bar'], ['baz', 'bar']));
  t.true(audiencesAllowed(['https://api.example.com/'], ['http://api.example.com']));
  t.true(audiencesAllowed(['api.example.com'], ['https://api.example.com/']));
  t.false(audiencesAllowed(['Foo'], ['foo']));
});
