/**
 * Envoy's StringMatcher (`envoy.type.matcher.v3.StringMatcher`) over the xds contract's subset: exact,
 * prefix, or an RE2 regex matched against the whole value.
 *
 * Rules followed (Envoy `Matchers::StringMatcherImpl`):
 * - `exact`: equal strings; `prefix`: starts with; both compare ASCII case-insensitively when
 *   `ignoreCase` is set (absl EqualsIgnoreCase / StartsWithIgnoreCase).
 * - `regex`: RE2 full match (`safe_regex`); `ignoreCase` has no effect on a regex, as in Envoy.
 * - An empty `exact` matches only the empty string (string_match semantics, which Istio emits), not
 *   "anything" as the deprecated `exact_match` field did.
 *
 * Invariants: pure; exactly one of exact/prefix/regex is set (Envoy rejects a StringMatcher without a
 * pattern), and a regex compiles as RE2 (the control plane validated it) — either failing is a bug.
 *
 * Not modelled: `suffix`, `contains` and `custom` patterns (not in the contract).
 */
import { assert } from '../../core/assert.ts';
import { compileRe2 } from '../../core/re2.ts';
import type { StringMatcher } from '../../xds/route.ts';
import { asciiLowerCase } from '../request.ts';

export function matchString(matcher: StringMatcher, value: string): boolean {
  const patterns = [matcher.exact, matcher.prefix, matcher.regex].filter((pattern) => pattern !== undefined);
  assert(patterns.length === 1, () => `a StringMatcher sets exactly one pattern: ${JSON.stringify(matcher)}`);
  if (matcher.regex !== undefined) return compileRe2Checked(matcher.regex).test(value);
  const ignoreCase = matcher.ignoreCase === true;
  const seen = ignoreCase ? asciiLowerCase(value) : value;
  if (matcher.exact !== undefined) return seen === (ignoreCase ? asciiLowerCase(matcher.exact) : matcher.exact);
  const prefix = matcher.prefix ?? '';
  return seen.startsWith(ignoreCase ? asciiLowerCase(prefix) : prefix);
}

/** compileRe2 for config that already passed validation: an invalid pattern is a control-plane bug. */
export function compileRe2Checked(pattern: string): RegExp {
  const compiled = compileRe2(pattern);
  assert(compiled !== null, () => `regex in compiled config is not valid RE2: ${JSON.stringify(pattern)}`);
  return compiled;
}
