/**
 * Path rewrites on the way upstream and the Location of redirects, built as Envoy builds them.
 *
 * Rules followed:
 * - prefix_rewrite replaces the part of the path the route matched (the prefix; the whole path for an
 *   exact or regex route) and keeps the rest, query included (Envoy
 *   `currentUrlPathAfterRewriteWithMatchedPath`; Istio `rewrite.uri`: `/foo?k=v` → `/new?k=v`).
 * - regex_rewrite is RE2 GlobalReplace over the path without query; the query is kept. In the
 *   substitution `\0`–`\9` are capture groups (a group that did not take part is '') and `\\` is a
 *   backslash.
 * - Redirect Location (`Http::Utility::newUri`): scheme = the redirect's, else the request's; port =
 *   the redirect's port_redirect as `:port`; host = the redirect's host, else the request's Host,
 *   whose own port is dropped when a port_redirect is set, or when the scheme changes and the Host
 *   carries the old scheme's default port (`processRequestHost`, with x-forwarded-proto = the request
 *   scheme); path = path_redirect (the request's query appended unless the new path has one), else the
 *   prefix rewrite of the request path, else the request path; a missing leading `/` is added.
 * - Redirect ports as Istio compiles them (`ApplyRedirect`): an explicit port is used; derivePort
 *   FROM_REQUEST_PORT uses the listener port; FROM_PROTOCOL_DEFAULT sets no port_redirect, leaving
 *   Envoy's default above; then a port of 80 with scheme http or 443 with https is dropped.
 * - require_tls (`SslRedirector`): `https://` + the Host as sent + the path, code 301.
 *
 * Invariants: pure; regexes in the config are valid RE2 (checked by the control plane; a bad one
 * is a bug here).
 *
 * Not modelled: strip_query, https_redirect, regex_rewrite in redirects, path templates,
 * x-envoy-original-path.
 */
import { assert } from '../core/assert.ts';
import { translateRe2 } from '../core/re2.ts';
import type { RouteAction } from '../xds/route.ts';
import { splitAuthority, splitPathAndQuery } from './request.ts';
import type { HttpRequest } from './request.ts';

type RedirectAction = Extract<RouteAction, { kind: 'redirect' }>;

/** The request target after prefix_rewrite: `rewrite` + what follows the matched part. */
export function prefixRewrite(target: string, matchedLength: number, rewrite: string): string {
  return rewrite + target.slice(matchedLength);
}

/** The request target after regex_rewrite: GlobalReplace on the path, query kept. */
export function regexRewrite(target: string, pattern: string, substitution: string): string {
  const { path } = splitPathAndQuery(target);
  const translated = translateRe2(pattern);
  assert(translated.ok, () => `regex_rewrite pattern in compiled config is not valid RE2: ${JSON.stringify(pattern)}`);
  const global = new RegExp(translated.source, `${translated.flags}g`);
  const rewritten = path.replace(global, (...args: unknown[]) => substitute(substitution, args));
  return rewritten + target.slice(path.length);
}

// args from String.prototype.replace: match, group1..groupN, offset, input[, named groups].
function substitute(substitution: string, args: readonly unknown[]): string {
  const offsetIndex = args.findIndex((arg, index) => index > 0 && typeof arg === 'number');
  const groups = args.slice(0, offsetIndex < 0 ? 1 : offsetIndex);
  return substitution.replace(/\\([0-9\\])/g, (_, token: string) => {
    if (token === '\\') return '\\';
    const group = groups[Number(token)];
    return typeof group === 'string' ? group : '';
  });
}

/** Envoy's Location for a redirect route; `listenerPort` is the port Istio built the route for. */
export function redirectLocation(
  action: RedirectAction, request: HttpRequest, matchedLength: number, listenerPort: number,
): string {
  const scheme = action.scheme ?? request.scheme;
  const portRedirect = istioPortRedirect(action, scheme, listenerPort);
  const finalPort = portRedirect === 0 ? '' : `:${portRedirect}`;
  const host = action.host ?? requestHostForRedirect(request, scheme, finalPort);
  let path: string;
  if (action.path !== undefined) {
    const { query } = splitPathAndQuery(request.path);
    path = action.path.includes('?') || query === null ? action.path : `${action.path}?${query}`;
  } else if (action.prefixRewrite !== undefined) {
    path = prefixRewrite(request.path, matchedLength, action.prefixRewrite);
  } else {
    path = request.path;
  }
  if (!path.startsWith('/')) path = `/${path}`;
  return `${scheme}://${host}${finalPort}${path}`;
}

function istioPortRedirect(action: RedirectAction, scheme: string, listenerPort: number): number {
  const port = action.port ?? (action.derivePort === 'FROM_REQUEST_PORT' ? listenerPort : 0);
  if ((port === 80 && scheme === 'http') || (port === 443 && scheme === 'https')) return 0;
  return port;
}

// Envoy processRequestHost: keep the Host as sent unless a port_redirect replaces its port, or the
// scheme changes and the Host names the old scheme's default port.
function requestHostForRedirect(request: HttpRequest, newScheme: string, finalPort: string): string {
  const { host, port } = splitAuthority(request.authority);
  if (port === null) return request.authority;
  let removePort = finalPort !== '';
  if (newScheme !== request.scheme) {
    removePort ||= request.scheme === 'https' && port === '443';
    removePort ||= request.scheme === 'http' && port === '80';
  }
  return removePort ? host : request.authority;
}

/** require_tls: Envoy's SslRedirector keeps the Host and path as sent. */
export function tlsRedirectLocation(request: HttpRequest): string {
  return `https://${request.authority}${request.path}`;
}
