/**
 * Paths as every HTTP connection manager (engine.ts handleHttp, before routing) and the RBAC filter see
 * them: Istio's path normalization modes (meshConfig.pathNormalization) and the URI templates
 * that `{*}` / `{**}` in an AuthorizationPolicy path become.
 *
 * Rules followed (istio-semantics §8.7; tests/integration/security/normalization_test.go):
 * - NONE: untouched, but for the fragment, which Envoy always drops.
 * - BASE (`normalize_path`, RFC 3986 via Chromium's canonicalizer): `%XX` of an unreserved character
 *   (`A-Z a-z 0-9 - . _ ~`) is decoded, other escapes are kept as written (case too); `\` becomes `/`;
 *   `.` and `..` segments are removed (`..` never climbs above `/`); slashes are not merged; `%00`
 *   makes the request invalid (400).
 * - MERGE_SLASHES: BASE, then runs of `/` become one.
 * - DECODE_AND_MERGE_SLASHES: first `%2F`/`%2f` → `/` and `%5C`/`%5c` → `\` (Envoy's
 *   `UNESCAPE_AND_FORWARD`), then MERGE_SLASHES.
 * - Only the path is normalized; the query string is kept as it came.
 * - URI templates (Envoy uri_template, after Istio turns `{*}` into `*` and `{**}` into `**`): `{*}`
 *   is one or more path characters without `/`, `{**}` zero or more with `/`; the rest is literal;
 *   matched against the path without query.
 *
 * Invariants: pure; normalizePath returns null exactly when Envoy answers 400.
 *
 * Not modelled: Chromium's escaping of characters invalid in a path (spaces, non-ASCII, `"`, `<`),
 * absolute-form targets, `UNESCAPE_AND_REDIRECT` and `REJECT_REQUEST` escaped-slash actions.
 */

export type PathNormalization = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

/** Istio's MatchOneTemplate / MatchAnyTemplate. */
const MATCH_ONE = '{*}';
const MATCH_ANY = '{**}';
/** Envoy's uri_template literal characters (RFC 3986 pchar without `*`). */
const PCHAR = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";

/** The path Envoy hands to routing and RBAC, or null when the request is rejected with 400. */
export function normalizePath(path: string, mode: PathNormalization): string | null {
  const hash = path.indexOf('#');
  const withoutFragment = hash < 0 ? path : path.slice(0, hash);
  if (mode === 'NONE') return withoutFragment;
  const question = withoutFragment.indexOf('?');
  let pathPart = question < 0 ? withoutFragment : withoutFragment.slice(0, question);
  const query = question < 0 ? '' : withoutFragment.slice(question);
  // DECODE_AND_MERGE_SLASHES: escaped slashes are unescaped before canonicalization.
  if (mode === 'DECODE_AND_MERGE_SLASHES') pathPart = pathPart.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
  // Canonicalization refuses an encoded NUL.
  if (/%00/.test(pathPart)) return null;
  let canonical = removeDotSegments(decodeUnreserved(pathPart).replace(/\\/g, '/'));
  // MERGE_SLASHES and DECODE_AND_MERGE_SLASHES: runs of slashes become one.
  if (mode !== 'BASE') canonical = canonical.replace(/\/{2,}/g, '/');
  return canonical + query;
}

/** `%41` → `A` for unreserved characters only; other escapes stay as written. */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(character) ? character : escape;
  });
}

/** RFC 3986 remove_dot_segments on an absolute path; a path not starting with `/` is left alone. */
function removeDotSegments(path: string): string {
  if (!path.startsWith('/')) return path;
  const segments = path.slice(1).split('/');
  const out: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      // A trailing dot segment leaves the directory's slash.
      if (last) out.push('');
      return;
    }
    out.push(segment);
  });
  return `/${out.join('/')}`;
}

/** security.ContainsPathTemplate. */
export function containsPathTemplate(value: string): boolean {
  return value.includes(MATCH_ONE) || value.includes(MATCH_ANY);
}

/** Envoy's UriTemplateMatcher for an Istio path template, on a path without query. */
export function matchPathTemplate(template: string, path: string): boolean {
  const pieces = template.split(/(\{\*\*\}|\{\*\})/);
  const source = pieces.map((piece) => {
    if (piece === MATCH_ANY) return `[${PCHAR}/]*`;
    if (piece === MATCH_ONE) return `[${PCHAR}]+`;
    return piece.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }).join('');
  return new RegExp(`^${source}$`).test(path);
}
