import test from 'ava';
import { compileRe2, regexProblem, translateRe2 } from './re2.ts';

test('RE2 has no lookaround or backreferences: both are invalid', (t) => {
  t.false(translateRe2('a(?!b)').ok);
  t.false(translateRe2('(?<=a)b').ok);
  t.false(translateRe2('(a)\\1').ok);
  t.true(translateRe2('a\\\\1').ok, 'an escaped backslash followed by 1 is a literal, not a backreference');
});

test('RE2 named groups (?P<name>) and a leading (?i) flag group translate', (t) => {
  const re = compileRe2('(?i)(?P<v>v[0-9]+)');
  t.truthy(re);
  t.true(re!.test('V12'));
});

test('POSIX classes are RE2 syntax and match what they name', (t) => {
  const re = compileRe2('[[:digit:]]+');
  t.true(re!.test('123'));
  t.false(re!.test('12a'));
});

test('a compiled RE2 matches the whole value, as Envoy safe_regex does', (t) => {
  const re = compileRe2('/api/v[0-9]');
  t.true(re!.test('/api/v1'));
  t.false(re!.test('/api/v1/users'), 'a partial match is no match');
  t.false(re!.test('x/api/v1'));
});

test('regexProblem uses Istio\'s message and length limit', (t) => {
  t.is(regexProblem('uri', ''), '"uri": regex string match should not be empty');
  t.is(regexProblem('uri', 'a'.repeat(1025)), '"uri": regex is too large, max length allowed is 1024');
  t.regex(regexProblem('uri', '([a-z]')!, /^"uri": error parsing regexp: .*Istio uses RE2 style regex-based match/);
  t.is(regexProblem('uri', '^/reviews/[0-9]+$'), null);
});
