/**
 * Rules for one VirtualService HTTP route (validateHTTPRoute and helpers in Istio's
 * pkg/config/validation/virtualservice.go), with Istio's texts.
 *
 * Not modelled: header value escape checks; corsPolicy; `authority header cannot be set multiple times`.
 */
import { Findings, headerNameProblem, isDns1123Label, portProblem, retryOnProblem } from './rules-common.ts';
import { regexProblem } from '../core/re2.ts';
import { checkDestination, checkDestinations, checkDuration } from './rules-virtual-service.ts';

type StringMatch = { exact?: string; prefix?: string; regex?: string };
type HttpMatch = {
  uri?: StringMatch; scheme?: StringMatch; method?: StringMatch; authority?: StringMatch;
  headers?: Record<string, StringMatch>; withoutHeaders?: Record<string, StringMatch>; queryParams?: Record<string, StringMatch>;
  port?: number; sourceNamespace?: string;
};
type HttpRoute = {
  name?: string; match?: HttpMatch[]; route?: { destination?: { host?: string }; weight?: number; headers?: HeaderOps }[];
  redirect?: { uri?: string; prefixRewrite?: string; authority?: string; scheme?: string; port?: number; redirectCode?: number; derivePort?: string };
  directResponse?: { status?: number }; delegate?: unknown; rewrite?: { uri?: string; uriRegexRewrite?: { match?: string; rewrite?: string }; authority?: string };
  fault?: unknown; timeout?: string; retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string; backoff?: string };
  mirror?: { host?: string }; mirrors?: { destination?: { host?: string }; percentage?: { value?: number } }[];
  mirrorPercentage?: { value?: number }; mirror_percent?: number; headers?: HeaderOps;
};
type HeaderOps = { request?: HeaderOp; response?: HeaderOp };
type HeaderOp = { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] };

export function checkHttpRoute(f: Findings, route: HttpRoute, path: (string | number)[], inDelegate: boolean): void {
  checkActions(f, route, path, inDelegate);
  (route.match ?? []).forEach((m, j) => checkMatch(f, m, [...path, 'match', j]));
  checkDestinations(f, route.route ?? [], [...path, 'route']);
  (route.route ?? []).forEach((rd, j) => checkHeaderOps(f, rd.headers, [...path, 'route', j, 'headers']));
  checkHeaderOps(f, route.headers, [...path, 'headers']);
  checkRedirect(f, route, path);
  checkRewrite(f, route, path);
  checkRetries(f, route.retries, [...path, 'retries']);
  checkDuration(f, route.timeout, [...path, 'timeout']);
  if (route.mirror !== undefined) checkDestination(f, route.mirror, [...path, 'mirror']);
  (route.mirrors ?? []).forEach((m, j) => {
    if (m.destination !== undefined) checkDestination(f, m.destination, [...path, 'mirrors', j, 'destination']);
    checkPercent(f, m.percentage?.value, [...path, 'mirrors', j, 'percentage', 'value'], 'mirror percentage');
  });
  checkPercent(f, route.mirrorPercentage?.value, [...path, 'mirrorPercentage', 'value'], 'mirror percentage');
  const status = route.directResponse?.status;
  if (status !== undefined && (status < 200 || status > 599)) {
    f.error([...path, 'directResponse', 'status'], `HTTP status ${status} is not in range 200-599`, 'Use an HTTP status between 200 and 599.');
  }
}

/** validateHTTPRouteConflict: which actions a route may combine. */
function checkActions(f: Findings, r: HttpRoute, path: (string | number)[], inDelegate: boolean): void {
  const has = (x: unknown) => x !== undefined && x !== null;
  const route = (r.route ?? []).length > 0;
  const pairs: [boolean, string][] = [
    [route && has(r.redirect), 'HTTP route cannot contain both route and redirect'],
    [has(r.fault) && has(r.redirect), 'HTTP route cannot contain both fault and redirect'],
    [has(r.rewrite) && has(r.redirect), 'HTTP route rule cannot contain both rewrite and redirect'],
    [has(r.directResponse) && has(r.redirect), 'HTTP route cannot contain both direct_response and redirect'],
    [route && has(r.directResponse), 'HTTP route cannot contain both route and direct_response'],
    [has(r.fault) && has(r.directResponse), 'HTTP route cannot contain both fault and direct_response'],
    [has(r.rewrite) && has(r.directResponse), 'HTTP route rule cannot contain both rewrite and direct_response'],
    [has(r.mirror) && (r.mirrors ?? []).length > 0, 'HTTP route cannot contain both mirror and mirrors'],
  ];
  for (const [conflict, message] of pairs) if (conflict) f.error(path, message, 'Keep one of the two: a route either forwards, redirects or answers directly.');
  if (!route && !has(r.redirect) && !has(r.directResponse) && !has(r.delegate)) {
    f.error(path, 'HTTP route, redirect or direct_response is required', 'Add a route with a destination, a redirect, a directResponse or a delegate.');
  }
  if (has(r.delegate) && inDelegate) f.error([...path, 'delegate'], 'delegate HTTP route cannot contain delegate', 'Istio supports one level of delegation.');
  // validateHTTPRoute for delegate roots: the delegate supplies the actions.
  if (has(r.delegate) && route) f.error([...path, 'route'], `root HTTP route ${r.name ?? ''} must not specify route`, 'A route that delegates takes its actions from the delegate.');
  if (has(r.delegate) && has(r.redirect)) f.error([...path, 'redirect'], `root HTTP route ${r.name ?? ''} must not specify redirect`, 'A route that delegates takes its actions from the delegate.');
}

function checkMatch(f: Findings, m: HttpMatch, path: (string | number)[]): void {
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) {
    checkStringMatch(f, m[field], [...path, field], field, field !== 'uri');
  }
  for (const field of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    for (const [name, sm] of Object.entries(m[field] ?? {})) {
      if (field !== 'queryParams') {
        const problem = headerNameProblem(name);
        if (problem !== null) f.error([...path, field, name], problem, 'Header names are tokens (letters, digits, "-", "_" …), lower case by convention.');
      }
      // A withoutHeaders regex of "*" means "present" and is not compiled.
      if (field === 'withoutHeaders' && sm?.regex === '*') continue;
      checkStringMatch(f, sm, [...path, field, name], name, true);
    }
  }
  if (m.port !== undefined) {
    const problem = portProblem(m.port);
    if (problem !== null) f.error([...path, 'port'], problem, 'Use a port between 1 and 65535.');
  }
  if (m.sourceNamespace !== undefined && !isDns1123Label(m.sourceNamespace)) {
    f.error([...path, 'sourceNamespace'], `sourceNamespace match ${m.sourceNamespace} is invalid`, 'Use a namespace name.');
  }
}

function checkStringMatch(f: Findings, sm: StringMatch | undefined, path: (string | number)[], name: string, prefixMustBeSet: boolean): void {
  if (sm === undefined || sm === null) return;
  if (prefixMustBeSet && sm.prefix === '') f.error([...path, 'prefix'], `"${name}": prefix string match should not be empty`, 'Give the prefix, or drop the match.');
  if (sm.regex !== undefined) {
    const problem = regexProblem(name, sm.regex);
    if (problem !== null) f.error([...path, 'regex'], problem, 'Fix the regular expression (RE2: no lookaround or backreferences).');
  }
}

function checkHeaderOps(f: Findings, ops: HeaderOps | undefined, path: (string | number)[]): void {
  for (const side of ['request', 'response'] as const) {
    const op = ops?.[side];
    if (op === undefined) continue;
    for (const kind of ['set', 'add'] as const) {
      for (const name of Object.keys(op[kind] ?? {})) {
        const lower = name.toLowerCase();
        if (side === 'response' && (lower === 'host' || lower === ':authority')) f.error([...path, side, kind, name], `invalid header "${name}": cannot set Host header`, 'The Host header can only be rewritten on requests.');
        else if (name.startsWith(':') && !(side === 'request' && lower === ':authority')) f.error([...path, side, kind, name], `invalid header "${name}": header cannot have ":" prefix`, 'Pseudo-headers cannot be set; use rewrite for the path or authority.');
      }
    }
    (op.remove ?? []).forEach((name, k) => {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === ':authority') f.error([...path, side, 'remove', k], `invalid header "${name}": cannot set Host header`, 'The Host header cannot be removed.');
      else if (name.startsWith(':')) f.error([...path, side, 'remove', k], `invalid header "${name}": header cannot have ":" prefix`, 'Pseudo-headers cannot be removed.');
    });
  }
}

function checkRedirect(f: Findings, r: HttpRoute, path: (string | number)[]): void {
  const redirect = r.redirect;
  if (redirect === undefined) return;
  const at = [...path, 'redirect'];
  if (redirect.uri === undefined && redirect.prefixRewrite === undefined && redirect.authority === undefined && redirect.scheme === undefined && redirect.port === undefined && redirect.derivePort === undefined) {
    f.error(at, 'redirect must specify URI, authority, scheme, or port', 'Say where to redirect to.');
  }
  // validateHTTPRedirect: uri and prefixRewrite exclude each other; prefixRewrite needs prefix matches.
  if (redirect.uri !== undefined && redirect.prefixRewrite !== undefined) {
    f.error(at, 'redirect may only specify one of uri or prefix_rewrite', 'Keep uri (a new path) or prefixRewrite (replace the matched prefix).');
  }
  if (redirect.prefixRewrite !== undefined && (r.match ?? []).some((m) => m.uri !== undefined && m.uri.prefix === undefined)) {
    f.error([...at, 'prefixRewrite'], 'redirect prefix_rewrite requires all URI matches to use prefix match type', 'Match the URIs with prefix, or redirect with uri.');
  }
  const code = redirect.redirectCode;
  if (code !== undefined && code !== 0 && (code < 300 || code > 399)) f.error([...at, 'redirectCode'], `${code} is not a valid redirect code, must be 3xx`, 'Use 301, 302, 303, 307 or 308.');
  if (redirect.scheme !== undefined && redirect.scheme !== 'http' && redirect.scheme !== 'https') {
    f.error([...at, 'scheme'], 'invalid redirect scheme, must be "http" or "https"', 'Use http or https.');
  }
  if (redirect.port !== undefined) {
    const problem = portProblem(redirect.port);
    if (problem !== null) f.error([...at, 'port'], problem, 'Use a port between 1 and 65535.');
  }
}

function checkRewrite(f: Findings, r: HttpRoute, path: (string | number)[]): void {
  const rewrite = r.rewrite;
  if (rewrite === undefined) return;
  const at = [...path, 'rewrite'];
  if (rewrite.uri !== undefined && rewrite.uriRegexRewrite !== undefined) f.error(at, 'rewrite may only contain one of URI or UriRegexRewrite', 'Keep uri or uriRegexRewrite.');
  if (rewrite.uri === undefined && rewrite.uriRegexRewrite === undefined && rewrite.authority === undefined) {
    f.error(at, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified', 'Say what to rewrite.');
  }
  const regex = rewrite.uriRegexRewrite;
  if (regex !== undefined) {
    if (regex.match === undefined || regex.rewrite === undefined) f.error([...at, 'uriRegexRewrite'], 'UriRegexRewrite requires both Rewrite and Match fields to be specified', 'Set both match and rewrite.');
    else {
      const problem = regexProblem('uriRegexRewrite', regex.match);
      if (problem !== null) f.error([...at, 'uriRegexRewrite', 'match'], `UriRegexRewrite has errors: ${problem}`, 'Fix the regular expression (RE2 syntax).');
    }
  }
}

function checkRetries(f: Findings, retries: HttpRoute['retries'], path: (string | number)[]): void {
  if (retries === undefined) return;
  const attempts = retries.attempts ?? 0;
  if (attempts < 0) f.error([...path, 'attempts'], 'attempts cannot be negative', 'Use 0 to disable retries.');
  if (attempts === 0 && (retries.perTryTimeout !== undefined || retries.retryOn !== undefined)) {
    f.error(path, 'http retry policy configured when attempts are set to 0 (disabled)', 'Set attempts above 0, or drop perTryTimeout and retryOn.');
  }
  checkDuration(f, retries.perTryTimeout, [...path, 'perTryTimeout']);
  checkDuration(f, retries.backoff, [...path, 'backoff']);
  for (const policy of (retries.retryOn ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const problem = retryOnProblem(policy);
    if (problem !== null) f.error([...path, 'retryOn'], problem, 'Use Envoy retry conditions (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, …) or status codes.');
  }
}

function checkPercent(f: Findings, value: number | undefined, path: (string | number)[], what: string): void {
  if (value === undefined) return;
  if (value > 100) f.error(path, `${what} must have a max value of 100 (it has ${value})`, 'Percentages go from 0 to 100.');
  if (value < 0) f.error(path, `${what} must have a min value of 0 (it has ${value})`, 'Percentages go from 0 to 100.');
}
