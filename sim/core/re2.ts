/**
 * RE2 regular expressions (what Istio and Envoy use) checked and compiled with the host's RegExp.
 *
 * RE2 has no lookaround and no backreferences: Istio's Go validation (regexp.Compile) rejects them,
 * so they are errors here too. RE2 spellings that JavaScript writes differently are translated:
 * `(?P<name>` named groups, a leading `(?i)`/`(?s)`/`(?m)` flag group, `\z`, `\A`, and POSIX classes
 * such as `[[:alpha:]]`. Envoy matches a route regex against the whole value (full match), which
 * `compileRe2` wraps as `^(?:…)$`.
 *
 * Not modelled: `\C`, `\Q…\E`, Unicode class names beyond what JavaScript's `\p{…}` accepts, RE2's
 * program-size limit (Istio separately caps regexes at 1024 characters).
 */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

export const REGEX_LENGTH_MAX = 1024;

export type Re2Result = { readonly ok: true; readonly source: string; readonly flags: string } | { readonly ok: false; readonly problem: string };

/** Translates an RE2 pattern to a JavaScript source + flags, or says why it is not valid RE2. */
export function translateRe2(pattern: string): Re2Result {
  if (/\(\?[=!]|\(\?<[=!]/.test(pattern)) return { ok: false, problem: 'invalid or unsupported Perl syntax: lookahead/lookbehind `(?=`, `(?!`, `(?<=`, `(?<!`' };
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(pattern)) return { ok: false, problem: 'invalid escape sequence: backreferences (`\\1`) are not supported' };
  let flags = 'u';
  let source = pattern;
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading !== null) {
    for (const flag of leading[1]!) if (!flags.includes(flag)) flags += flag;
    source = source.slice(leading[0].length);
  }
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\\A/g, '^')
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => {
      const range = POSIX_CLASSES[name];
      if (range === undefined) return whole;
      return negated === '' ? range : `__NEG__${range}`;
    });
  if (source.includes('__NEG__')) return { ok: false, problem: 'negated POSIX classes are not supported by meshsim' };
  try {
    new RegExp(source, flags);
  } catch (error) {
    const text = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '') : String(error);
    return { ok: false, problem: text.toLowerCase() };
  }
  return { ok: true, source, flags };
}

/** A whole-value matcher for an RE2 pattern (as Envoy's safe_regex matches), or null if invalid. */
export function compileRe2(pattern: string): RegExp | null {
  const translated = translateRe2(pattern);
  if (!translated.ok) return null;
  return new RegExp(`^(?:${translated.source})$`, translated.flags);
}

/** Istio's validation message for a bad regex field, or null. */
export function regexProblem(field: string, pattern: string): string | null {
  if (pattern === '') return `"${field}": regex string match should not be empty`;
  if (pattern.length > REGEX_LENGTH_MAX) return `"${field}": regex is too large, max length allowed is ${REGEX_LENGTH_MAX}`;
  const translated = translateRe2(pattern);
  if (translated.ok) return null;
  return `"${field}": error parsing regexp: ${translated.problem}: \`${pattern}\`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
}
