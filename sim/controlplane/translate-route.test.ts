// VirtualService HTTP rules → xds Routes, one case per Istio rule (file and function named in each case),
// built from real manifests through loadManifests so every VirtualService also passes validation.
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { isKind } from '../config/resource.ts';
import type { Resource } from '../config/resource.ts';
import type { Route, RouteAction } from '../xds/route.ts';
import { DEFAULT_RETRY_POLICY, defaultRoute, isCatchAllRoute, translateVirtualServiceRoutes } from './translate-route.ts';
import type { RouteContext } from './translate-route.ts';

const SUFFIX = 'cluster.local';
const PORTS: Readonly<Record<string, number | null>> = {
  'reviews.default.svc.cluster.local': 9080,
  'ratings.default.svc.cluster.local': 9080,
  'details.default.svc.cluster.local': null, // several ports: no default
  'reviews.bookinfo.svc.cluster.local': 9080,
};

const CONTEXT: RouteContext = {
  proxyNamespace: 'default',
  proxyLabels: { app: 'productpage', version: 'v1' },
  gateways: ['mesh'],
  listenerPort: 9080,
  resolveHost: (host, ns) => (host.includes('.') ? host : `${host}.${ns}.svc.${SUFFIX}`),
  defaultPort: (fqdn) => PORTS[fqdn] ?? null,
  domainSuffix: SUFFIX,
};

function loadVirtualServices(text: string): Resource<'VirtualService'>[] {
  const { resources, diagnostics } = loadManifests([{ path: 't.yaml', text }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.field ?? ''}: ${d.message}`).join('\n'));
  return resources.filter((r): r is Resource<'VirtualService'> => isKind(r, 'VirtualService'));
}

const vsYaml = (http: string, extra = '', meta = '{name: reviews, namespace: default}') =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: ${meta}\nspec:\n  hosts: [reviews]\n${extra}  http:\n${http}\n`;

function routesOf(http: string, context: Partial<RouteContext> = {}, extra = '', meta?: string): Route[] {
  const [vs] = loadVirtualServices(vsYaml(http, extra, meta));
  if (vs === undefined) throw new Error('no VirtualService loaded');
  return translateVirtualServiceRoutes(vs, { ...CONTEXT, ...context });
}

const DEST = 'route: [{destination: {host: reviews}}]';
const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const names = (rs: Route[]) => rs.map((r) => r.name);
const firstMatch = (rs: Route[]) => rs[0]?.match;
const firstAction = (rs: Route[]) => rs[0]?.action;
const forward = (rs: Route[]): Extract<RouteAction, { kind: 'route' }> | undefined => {
  const action = rs[0]?.action;
  return action?.kind === 'route' ? action : undefined;
};

interface Case {
  readonly rule: string;
  readonly http: string;
  readonly extra?: string;
  readonly meta?: string;
  readonly context?: Partial<RouteContext>;
  readonly view: (routes: Route[]) => unknown;
  readonly expected: unknown;
}

const cases: Case[] = [
  // --- Order, OR of matches, catch-all (route.go BuildHTTPRoutesForVirtualService, IsCatchAllRoute) ---
  { rule: 'route.go BuildHTTPRoutesForVirtualService: one Route per match entry, in order, then the next rule',
    http: `  - {name: r1, match: [{name: a, uri: {prefix: /a}}, {name: b, uri: {prefix: /b}}], ${DEST}}\n  - {name: r2, match: [{uri: {exact: /c}}], ${DEST}}`,
    view: names, expected: ['r1.a', 'r1.b', 'r2'] },
  { rule: 'route.go BuildHTTPRoutesForVirtualService: a rule without match is a catch-all; later rules are not emitted',
    http: `  - {name: first, ${DEST}}\n  - {name: never, match: [{uri: {prefix: /x}}], ${DEST}}`,
    view: (rs) => rs.map((r) => [r.name, r.match]), expected: [['first', { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] }]] },
  { rule: 'route.go IsCatchAllRoute: uri prefix "/" stops emission, also for the later matches of the same rule',
    http: `  - {name: r, match: [{name: all, uri: {prefix: /}}, {name: never, uri: {prefix: /x}}], ${DEST}}\n  - {name: never2, ${DEST}}`,
    view: names, expected: ['r.all'] },
  { rule: 'route_test.go "catch all route：port match": a match with only port = listener port is a catch-all',
    http: `  - {name: route 1, match: [{name: catch-all for 8080, port: 8080}], ${DEST}}\n  - {name: route 2, ${DEST}}`,
    context: { listenerPort: 8080 }, view: names, expected: ['route 1.catch-all for 8080'] },
  { rule: 'route.go TranslateRoute: a match for another port is dropped on this listener; later routes stay',
    http: `  - {name: r1, match: [{port: 8080}], ${DEST}}\n  - {name: r2, ${DEST}}`,
    view: names, expected: ['r2'] },
  { rule: 'RouteContext.listenerPort 0 (any port): a port match filters nothing',
    http: `  - {name: r1, match: [{port: 8080, uri: {prefix: /a}}], ${DEST}}\n  - {name: r2, ${DEST}}`,
    context: { listenerPort: 0 }, view: names, expected: ['r1', 'r2'] },
  { rule: 'route.go IsCatchAllRoute: uri regex ".*" is a catch-all',
    http: `  - {name: r1, match: [{uri: {regex: ".*"}}], ${DEST}}\n  - {name: r2, ${DEST}}`,
    view: names, expected: ['r1'] },
  { rule: 'route.go IsCatchAllRoute: prefix "/" with a header matcher is not a catch-all',
    http: `  - {name: r1, match: [{uri: {prefix: /}, headers: {end-user: {exact: jason}}}], ${DEST}}\n  - {name: r2, ${DEST}}`,
    view: names, expected: ['r1', 'r2'] },
  { rule: 'route.go sourceMatchHTTP + IsCatchAllRoute: a match with only (matching) sourceLabels is a catch-all for this proxy',
    http: `  - {name: r1, match: [{sourceLabels: {app: productpage}}], ${DEST}}\n  - {name: r2, ${DEST}}`,
    view: names, expected: ['r1'] },
  // --- Static match fields (route.go sourceMatchHTTP) ---
  { rule: 'route.go sourceMatchHTTP: sourceLabels must be a subset of the proxy labels',
    http: `  - {name: v1, match: [{sourceLabels: {app: productpage, version: v1}, uri: {prefix: /a}}], ${DEST}}\n  - {name: v2, match: [{sourceLabels: {version: v2}}], ${DEST}}\n  - {name: rest, ${DEST}}`,
    view: names, expected: ['v1', 'rest'] },
  { rule: 'route_test.go "source namespace matching": sourceNamespace must equal the proxy namespace (foo)',
    http: `  - {name: foo, match: [{sourceNamespace: foo}], ${DEST}}\n  - {name: bar, match: [{sourceNamespace: bar}], ${DEST}}`,
    context: { proxyNamespace: 'foo' }, view: names, expected: ['foo'] },
  { rule: 'route_test.go "source namespace matching": the same VirtualService for a proxy in bar',
    http: `  - {name: foo, match: [{sourceNamespace: foo}], ${DEST}}\n  - {name: bar, match: [{sourceNamespace: bar}], ${DEST}}`,
    context: { proxyNamespace: 'bar' }, view: names, expected: ['bar'] },
  { rule: 'route.go sourceMatchHTTP: match gateways [mesh] apply to a sidecar, [my-gw] do not',
    http: `  - {name: gw, match: [{gateways: [my-gw], uri: {prefix: /gw}}], ${DEST}}\n  - {name: mesh, match: [{gateways: [mesh], uri: {prefix: /m}}], ${DEST}}`,
    extra: '  gateways: [mesh, my-gw]\n', view: names, expected: ['mesh'] },
  { rule: 'config.go resolveGatewayName + sourceMatchHTTP: a short match gateway name is the VS namespace\'s gateway',
    http: `  - {name: gw, match: [{gateways: [my-gw], uri: {prefix: /gw}}], ${DEST}}\n  - {name: mesh, match: [{gateways: [mesh], uri: {prefix: /m}}], ${DEST}}`,
    extra: '  gateways: [mesh, my-gw]\n', context: { gateways: ['default/my-gw'] }, view: names, expected: ['gw'] },
  { rule: 'route.go sourceMatchHTTP: with match gateways set, sourceLabels and sourceNamespace are ignored',
    http: `  - {name: gw, match: [{gateways: [mesh], sourceLabels: {app: other}, sourceNamespace: elsewhere}], ${DEST}}`,
    view: names, expected: ['gw'] },
  { rule: 'VirtualService gateways: a VS bound only to a gateway gives a sidecar nothing',
    http: `  - {name: r, ${DEST}}`, extra: '  gateways: [istio-system/ingress]\n', view: names, expected: [] },
  { rule: 'config.go resolveGatewayName: the legacy FQDN gateway name.ns.svc.cluster.local is ns/name',
    http: `  - {name: r, ${DEST}}`, extra: '  gateways: [ingress.istio-system.svc.cluster.local]\n',
    context: { gateways: ['istio-system/ingress'] }, view: names, expected: ['r'] },
  // --- URI and request matchers (route.go TranslateRouteMatch) ---
  { rule: 'route.go TranslateRouteMatch: uri exact → path',
    http: `  - {match: [{uri: {exact: /a}}], ${DEST}}`, view: firstMatch,
    expected: { path: '/a', caseSensitive: true, headers: [], queryParameters: [] } },
  { rule: 'route.go TranslateRouteMatch: uri prefix → plain string prefix',
    http: `  - {match: [{uri: {prefix: /api}}], ${DEST}}`, view: firstMatch,
    expected: { prefix: '/api', caseSensitive: true, headers: [], queryParameters: [] } },
  { rule: 'route.go TranslateRouteMatch: uri regex → safe_regex',
    http: `  - {match: [{uri: {regex: "/v[0-9]+/.*"}}], ${DEST}}`, view: firstMatch,
    expected: { regex: '/v[0-9]+/.*', caseSensitive: true, headers: [], queryParameters: [] } },
  { rule: 'route.go TranslateRouteMatch: ignoreUriCase → case_sensitive false',
    http: `  - {match: [{uri: {exact: /Login}, ignoreUriCase: true}], ${DEST}}`, view: firstMatch,
    expected: { path: '/Login', caseSensitive: false, headers: [], queryParameters: [] } },
  { rule: 'route.go TranslateRouteMatch: method, authority, scheme → :method, :authority, :scheme after the sorted headers',
    http: `  - {match: [{scheme: {exact: https}, authority: {prefix: reviews}, method: {regex: "GET|HEAD"}, headers: {x-b: {exact: "1"}, x-a: {prefix: p}}}], ${DEST}}`,
    view: (rs) => rs[0]?.match.headers,
    expected: [
      { name: 'x-a', match: { prefix: 'p' } },
      { name: 'x-b', match: { exact: '1' } },
      { name: ':method', match: { regex: 'GET|HEAD' } },
      { name: ':authority', match: { prefix: 'reviews' } },
      { name: ':scheme', match: { exact: 'https' } },
    ] },
  { rule: 'route.go canBeConvertedToPresentMatch: a header StringMatch with no match type is a presence match',
    http: `  - {match: [{headers: {x-any: {}, x-re: {regex: ".*"}}}], ${DEST}}`,
    view: (rs) => rs[0]?.match.headers,
    expected: [{ name: 'x-any', present: true }, { name: 'x-re', match: { regex: '.*' } }] },
  { rule: 'route.go TranslateRouteMatch: withoutHeaders is inverted with treat_missing_header_as_empty, except presence',
    http: `  - {match: [{withoutHeaders: {end-user: {exact: jason}, x-flag: {regex: "*"}}}], ${DEST}}`,
    view: (rs) => rs[0]?.match.headers,
    expected: [
      { name: 'end-user', match: { exact: 'jason' }, invert: true, missingAsEmpty: true },
      { name: 'x-flag', present: true, invert: true },
    ] },
  { rule: 'route.go translateQueryParamMatch: exact, prefix, regex; {} is a presence match; sorted by name',
    http: `  - {match: [{queryParams: {d: {regex: "[0-9]+"}, c: {prefix: ab}, b: {}, a: {exact: "1"}}}], ${DEST}}`,
    view: (rs) => rs[0]?.match.queryParameters,
    expected: [{ name: 'a', match: { exact: '1' } }, { name: 'b' }, { name: 'c', match: { prefix: 'ab' } }, { name: 'd', match: { regex: '[0-9]+' } }] },
  { rule: 'route.go translateMetadataMatch: a JWT claim match is kept under its @request.auth.claims name (never a real header)',
    http: `  - {match: [{headers: {"@request.auth.claims.group": {exact: admin}}}], ${DEST}}\n  - {name: rest, ${DEST}}`,
    view: (rs) => rs.map((r) => r.match.headers), expected: [[{ name: '@request.auth.claims.group', match: { exact: 'admin' } }], []] },
  // --- Destinations (route.go applyHTTPRouteDestination, GetDestinationCluster) ---
  { rule: 'route.go GetDestinationCluster: no port → the service\'s only port; one destination gets all traffic',
    http: `  - ${DEST}`, view: (rs) => forward(rs)?.clusters, expected: [{ name: REVIEWS, weight: 100 }] },
  { rule: 'route.go processDestination: a single destination\'s weight is ignored (it is `cluster`, not weighted)',
    http: '  - route: [{destination: {host: reviews}, weight: 30}]', view: (rs) => forward(rs)?.clusters, expected: [{ name: REVIEWS, weight: 100 }] },
  { rule: 'route.go GetDestinationCluster: destination.port wins; subset goes in the cluster name',
    http: '  - route: [{destination: {host: reviews, subset: v2, port: {number: 9091}}}]',
    view: (rs) => forward(rs)?.clusters, expected: [{ name: 'outbound|9091|v2|reviews.default.svc.cluster.local', weight: 100 }] },
  { rule: 'route.go GetDestinationCluster: unknown host or several ports → the listener port',
    http: '  - route: [{destination: {host: details}, weight: 50}, {destination: {host: unknown.example.com}, weight: 50}]',
    view: (rs) => forward(rs)?.clusters,
    expected: [{ name: 'outbound|9080||details.default.svc.cluster.local', weight: 50 }, { name: 'outbound|9080||unknown.example.com', weight: 50 }] },
  { rule: 'route.go applyHTTPRouteDestination: several destinations keep integer weights; weight 0 is dropped',
    http: '  - route: [{destination: {host: reviews, subset: v1}, weight: 75}, {destination: {host: reviews, subset: v2}, weight: 25}, {destination: {host: reviews, subset: v3}, weight: 0}]',
    view: (rs) => forward(rs)?.clusters,
    expected: [{ name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 75 }, { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 25 }] },
  { rule: 'virtualservice.go ResolveVirtualServiceShortnames: short destination hosts resolve against the VS namespace',
    http: '  - route: [{destination: {host: reviews}}]', meta: '{name: reviews, namespace: bookinfo}',
    view: (rs) => [forward(rs)?.clusters, rs[0]?.source], expected: [[{ name: 'outbound|9080||reviews.bookinfo.svc.cluster.local', weight: 100 }], 'bookinfo/reviews'] },
  // --- Header operations (route.go TranslateHeadersOperations, processDestination) ---
  { rule: 'route.go TranslateHeadersOperations: request/response set, add and remove at route level',
    http: `  - headers: {request: {set: {x-b: "2", x-a: "1"}, add: {x-c: "3"}, remove: [x-d]}, response: {set: {x-r: r}, remove: [server]}}\n    ${DEST}`,
    view: (rs) => [rs[0]?.requestHeaders, rs[0]?.responseHeaders],
    expected: [{ set: { 'x-a': '1', 'x-b': '2' }, add: { 'x-c': '3' }, remove: ['x-d'] }, { set: { 'x-r': 'r' }, add: {}, remove: ['server'] }] },
  { rule: 'route.go translateAppendHeaders: setting :authority is a host rewrite, not a header',
    http: `  - headers: {request: {set: {":authority": a.example.com, x-a: "1"}}}\n    ${DEST}`,
    view: (rs) => [forward(rs)?.hostRewrite, rs[0]?.requestHeaders], expected: ['a.example.com', { set: { 'x-a': '1' }, add: {}, remove: [] }] },
  { rule: 'route.go TranslateHeadersOperations: an authority in set beats one in add',
    http: `  - headers: {request: {add: {host: added.example.com}, set: {host: set.example.com}}}\n    ${DEST}`,
    view: (rs) => [forward(rs)?.hostRewrite, rs[0]?.requestHeaders], expected: ['set.example.com', undefined] },
  { rule: 'route.go applyHTTPRouteDestination: rewrite.authority beats an authority from route headers',
    http: `  - headers: {request: {set: {host: header.example.com}}}\n    rewrite: {authority: rewrite.example.com}\n    ${DEST}`,
    view: (rs) => forward(rs)?.hostRewrite, expected: 'rewrite.example.com' },
  { rule: 'route.go processDestination: a single destination\'s headers join the route\'s (its set wins); its Host applies when the route sets none',
    http: '  - headers: {request: {set: {x-a: route}, add: {x-b: route}}}\n    route: [{destination: {host: reviews}, headers: {request: {set: {x-a: dest, host: dest.example.com}, add: {x-c: dest}}, response: {add: {x-r: d}}}}]',
    view: (rs) => [rs[0]?.requestHeaders, rs[0]?.responseHeaders, forward(rs)?.hostRewrite],
    expected: [{ set: { 'x-a': 'dest' }, add: { 'x-b': 'route', 'x-c': 'dest' }, remove: [] }, { set: {}, add: { 'x-r': 'd' }, remove: [] }, 'dest.example.com'] },
  { rule: 'routing.go "set host header in route and destination": the route-level authority wins over the destination\'s',
    http: '  - headers: {request: {set: {host: route.example.com}}}\n    route: [{destination: {host: reviews}, headers: {request: {set: {host: dest.example.com}}}}]',
    view: (rs) => forward(rs)?.hostRewrite, expected: 'route.example.com' },
  { rule: 'route.go processWeightedDestination: weighted destinations keep their own headers and Host on the cluster',
    http: '  - route: [{destination: {host: reviews, subset: v1}, weight: 50, headers: {request: {set: {host: v1.example.com, x-v: "1"}}, response: {remove: [x-secret]}}}, {destination: {host: reviews, subset: v2}, weight: 50}]',
    view: (rs) => [forward(rs)?.clusters, forward(rs)?.hostRewrite, rs[0]?.requestHeaders],
    expected: [[
      { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 50, requestHeaders: { set: { 'x-v': '1' }, add: {}, remove: [] }, responseHeaders: { set: {}, add: {}, remove: ['x-secret'] }, hostRewrite: 'v1.example.com' },
      { name: 'outbound|9080|v2|reviews.default.svc.cluster.local', weight: 50 },
    ], undefined, undefined] },
  // --- Rewrite (route.go applyHTTPRouteDestination) ---
  { rule: 'route.go applyHTTPRouteDestination: rewrite.uri → prefix_rewrite',
    http: `  - {match: [{uri: {prefix: /old}}], rewrite: {uri: /new}, ${DEST}}`,
    view: (rs) => [rs[0]?.match.prefix, forward(rs)?.prefixRewrite, forward(rs)?.regexRewrite], expected: ['/old', '/new', undefined] },
  { rule: 'route.go applyHTTPRouteDestination: with an exact uri match prefix_rewrite rewrites the whole path',
    http: `  - {match: [{uri: {exact: /foo}}], rewrite: {uri: /new/path}, ${DEST}}`,
    view: (rs) => [rs[0]?.match.path, forward(rs)?.prefixRewrite], expected: ['/foo', '/new/path'] },
  { rule: 'route_test.go "path regex match with regex rewrite": uriRegexRewrite → regex_rewrite and wins over uri',
    http: `  - {match: [{uri: {regex: "/(.*)"}}], rewrite: {uriRegexRewrite: {match: "/service/(.*)", rewrite: "/\\\\1"}}, ${DEST}}`,
    view: (rs) => [forward(rs)?.regexRewrite, forward(rs)?.prefixRewrite], expected: [{ pattern: '/service/(.*)', substitution: '/\\1' }, undefined] },
  // --- Redirect (route.go ApplyRedirect) ---
  { rule: 'route.go ApplyRedirect: uri → path_redirect, authority → host_redirect, code defaults to 301',
    http: '  - redirect: {uri: /v2/reviews, authority: new.example.com}', view: firstAction,
    expected: { kind: 'redirect', host: 'new.example.com', path: '/v2/reviews', code: 301 } },
  { rule: 'route.go ApplyRedirect: redirectCode 308, scheme and an explicit port',
    http: '  - redirect: {uri: /new, scheme: https, port: 8443, redirectCode: 308}', view: firstAction,
    expected: { kind: 'redirect', scheme: 'https', port: 8443, path: '/new', code: 308 } },
  { rule: 'route.go ApplyRedirect: derivePort FROM_REQUEST_PORT is the listener port',
    http: '  - redirect: {authority: b, derivePort: FROM_REQUEST_PORT}', context: { listenerPort: 8080 }, view: firstAction,
    expected: { kind: 'redirect', host: 'b', port: 8080, code: 301 } },
  { rule: 'route.go ApplyRedirect: no explicit :80 for http (derived) nor :443 for https',
    http: '  - {match: [{uri: {prefix: /a}}], redirect: {authority: b, derivePort: FROM_REQUEST_PORT}}\n  - redirect: {scheme: https, port: 443, redirectCode: 302}',
    context: { listenerPort: 80 }, view: (rs) => rs.map((r) => r.action),
    expected: [{ kind: 'redirect', host: 'b', code: 301 }, { kind: 'redirect', scheme: 'https', code: 302 }] },
  { rule: 'route.go ApplyRedirect: an unsupported 3xx code leaves no action (Envoy would reject it); the route is left out',
    http: `  - {name: bad, match: [{uri: {prefix: /a}}], redirect: {uri: /b, redirectCode: 300}}\n  - {name: ok, ${DEST}}`,
    view: names, expected: ['ok'] },
  // --- Direct response (route.go ApplyDirectResponse) ---
  { rule: 'route.go ApplyDirectResponse: status and inline string body; route headers still apply',
    http: '  - directResponse: {status: 503, body: {string: "unavailable"}}\n    headers: {response: {set: {x-why: maintenance}}}',
    view: (rs) => [rs[0]?.action, rs[0]?.responseHeaders],
    expected: [{ kind: 'direct', status: 503, body: 'unavailable' }, { set: { 'x-why': 'maintenance' }, add: {}, remove: [] }] },
  { rule: 'route.go ApplyDirectResponse: bytes are base64 in YAML; no body gives an empty one',
    http: `  - {match: [{uri: {exact: /b}}], directResponse: {status: 200, body: {bytes: "aMOpbGxv"}}}\n  - directResponse: {status: 204}`,
    view: (rs) => rs.map((r) => r.action), expected: [{ kind: 'direct', status: 200, body: 'héllo' }, { kind: 'direct', status: 204, body: '' }] },
  // --- Faults (route.go TranslateFault) ---
  { rule: 'route.go TranslateFault: fixedDelay with percentage → µs and ppm (translatePercentToFractionalPercent)',
    http: `  - fault: {delay: {fixedDelay: 1.5s, percentage: {value: 50}}}\n    ${DEST}`,
    view: (rs) => [rs[0]?.faultDelay, rs[0]?.faultAbort], expected: [{ delayUs: 1_500_000, ppm: 500_000 }, undefined] },
  { rule: 'route.go TranslateFault: legacy integer percent is per hundred; no percentage at all is 0%',
    http: `  - {match: [{uri: {prefix: /a}}], fault: {delay: {fixedDelay: 5s, percent: 5}}, ${DEST}}\n  - fault: {delay: {fixedDelay: 7s}}\n    ${DEST}`,
    view: (rs) => rs.map((r) => r.faultDelay), expected: [{ delayUs: 5_000_000, ppm: 50_000 }, { delayUs: 7_000_000, ppm: 0 }] },
  { rule: 'route.go TranslateFault: abort httpStatus with percentage; without percentage it never fires (istio#36303)',
    http: `  - {match: [{uri: {prefix: /a}}], fault: {abort: {httpStatus: 418, percentage: {value: 100}}}, ${DEST}}\n  - fault: {abort: {httpStatus: 500}}\n    ${DEST}`,
    view: (rs) => rs.map((r) => r.faultAbort), expected: [{ httpStatus: 418, ppm: 1_000_000 }, { httpStatus: 500, ppm: 0 }] },
  { rule: 'route.go TranslateFault: abort grpcStatus, and percentages truncate like istiod (0.57% → 5699 ppm)',
    http: `  - fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 0.57}}}\n    ${DEST}`,
    view: (rs) => rs[0]?.faultAbort, expected: { grpcStatus: 'UNAVAILABLE', ppm: 5699 } },
  // --- Timeouts and retries (route.go setTimeout, retry.go ConvertPolicy) ---
  { rule: 'route.go setTimeout: no timeout → none (0 in Envoy); 10s → 10s; 250ms → 250ms',
    http: `  - {match: [{uri: {prefix: /a}}], ${DEST}}\n  - {match: [{uri: {prefix: /b}}], timeout: 10s, ${DEST}}\n  - {timeout: 250ms, ${DEST}}`,
    view: (rs) => rs.map((r) => (r.action.kind === 'route' ? r.action.timeoutUs : 'x')), expected: [null, 10_000_000, 250_000] },
  { rule: 'retry.go ConvertPolicy: no retries block → the mesh default (2 attempts, DefaultPolicy conditions)',
    http: `  - ${DEST}`, view: (rs) => forward(rs)?.retry,
    expected: { attempts: 2, perTryTimeoutUs: null, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'] } },
  { rule: 'retry.go ConvertPolicy: attempts 0 disables retries',
    http: `  - retries: {attempts: 0}\n    ${DEST}`, view: (rs) => forward(rs)?.retry, expected: null },
  { rule: 'retry.go parseRetryOn: tokens trimmed, empty dropped, status codes last, retriable-status-codes appended; perTryTimeout; retryRemoteLocalities',
    http: `  - retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx, gateway-error,,503", retryRemoteLocalities: true}\n    ${DEST}`,
    view: (rs) => forward(rs)?.retry,
    expected: { attempts: 3, perTryTimeoutUs: 2_000_000, retryOn: ['5xx', 'gateway-error', 'retriable-status-codes', '503'], retryRemoteLocalities: true } },
  { rule: 'retry.go ConvertPolicy: an empty retryOn keeps the default conditions',
    http: `  - retries: {attempts: 5}\n    ${DEST}`, view: (rs) => forward(rs)?.retry,
    expected: { attempts: 5, perTryTimeoutUs: null, retryOn: [...DEFAULT_RETRY_POLICY.retryOn] } },
  // --- Mirrors (route.go MirrorPercent, MirrorPercentByPolicy) ---
  { rule: 'route.go MirrorPercent: a mirror without percentage mirrors 100%; its port follows GetDestinationCluster',
    http: `  - mirror: {host: ratings}\n    ${DEST}`, view: (rs) => forward(rs)?.mirrors,
    expected: [{ cluster: 'outbound|9080||ratings.default.svc.cluster.local', ppm: 1_000_000 }] },
  { rule: 'route.go MirrorPercent: mirrorPercentage 0 means no mirror; 12.5 → 125000 ppm',
    http: `  - {match: [{uri: {prefix: /a}}], mirror: {host: ratings}, mirrorPercentage: {value: 0}, ${DEST}}\n  - {mirror: {host: ratings, subset: v2}, mirrorPercentage: {value: 12.5}, ${DEST}}`,
    view: (rs) => rs.map((r) => (r.action.kind === 'route' ? r.action.mirrors : 'x')),
    expected: [[], [{ cluster: 'outbound|9080|v2|ratings.default.svc.cluster.local', ppm: 125_000 }]] },
  { rule: 'route.go MirrorPercent: legacy mirror_percent is an integer percent',
    http: `  - {mirror: {host: ratings}, mirror_percent: 5, ${DEST}}`, view: (rs) => forward(rs)?.mirrors,
    expected: [{ cluster: 'outbound|9080||ratings.default.svc.cluster.local', ppm: 50_000 }] },
  { rule: 'route.go applyHTTPRouteDestination + MirrorPercentByPolicy: each `mirrors` entry in order; no percentage is 100%, 0 is none',
    http: `  - mirrors: [{destination: {host: details, port: {number: 9090}}}, {destination: {host: reviews, subset: v3}, percentage: {value: 25}}, {destination: {host: ratings}, percentage: {value: 0}}]\n    ${DEST}`,
    view: (rs) => forward(rs)?.mirrors,
    expected: [
      { cluster: 'outbound|9090||details.default.svc.cluster.local', ppm: 1_000_000 },
      { cluster: 'outbound|9080|v3|reviews.default.svc.cluster.local', ppm: 250_000 },
    ] },
  // --- Names and sources (route.go TranslateRoute) ---
  { rule: 'route.go TranslateRoute: name is http[].name (+ "." + match name); unnamed gives ""',
    http: `  - {match: [{name: m, uri: {prefix: /m}}], ${DEST}}\n  - {name: named, match: [{uri: {prefix: /n}}], ${DEST}}\n  - ${DEST}`,
    view: names, expected: ['.m', 'named', ''] },
];

for (const c of cases) {
  test(c.rule, (t) => {
    t.deepEqual(c.view(routesOf(c.http, c.context, c.extra, c.meta)), c.expected);
  });
}

test('route.go TranslateRoute + applyHTTPRouteDestination: the whole Route for a plain destination', (t) => {
  t.deepEqual(routesOf(`  - ${DEST}`), [{
    name: '',
    match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] },
    action: { kind: 'route', clusters: [{ name: REVIEWS, weight: 100 }], timeoutUs: null, retry: DEFAULT_RETRY_POLICY, mirrors: [], clusterNotFoundStatus: 503 },
    source: 'default/reviews',
  }]);
});

test('route.go BuildDefaultHTTPOutboundRoute: "default", prefix /, outbound|port||fqdn, default retries, no timeout', (t) => {
  t.deepEqual(defaultRoute('reviews.default.svc.cluster.local', 9080), {
    name: 'default',
    match: { prefix: '/', caseSensitive: true, headers: [], queryParameters: [] },
    action: { kind: 'route', clusters: [{ name: REVIEWS, weight: 100 }], timeoutUs: null, retry: DEFAULT_RETRY_POLICY, mirrors: [], clusterNotFoundStatus: 503 },
    source: null,
  });
});

test('route.go IsCatchAllRoute: prefix / or regex .* without header, query matchers; an exact path is never one', (t) => {
  const base = defaultRoute('reviews.default.svc.cluster.local', 9080);
  const withMatch = (match: Partial<Route['match']>): Route => ({ ...base, match: { caseSensitive: true, headers: [], queryParameters: [], ...match } });
  t.deepEqual([
    isCatchAllRoute(base),
    isCatchAllRoute(withMatch({ regex: '.*' })),
    isCatchAllRoute(withMatch({ prefix: '/', caseSensitive: false })),
    isCatchAllRoute(withMatch({ path: '/' })),
    isCatchAllRoute(withMatch({ prefix: '/', queryParameters: [{ name: 'q' }] })),
    isCatchAllRoute(withMatch({ prefix: '/', headers: [{ name: 'x', present: true }] })),
    isCatchAllRoute(withMatch({ prefix: '/a' })),
  ], [true, true, true, false, false, false, false]);
});

test('determinism: the same VirtualService gives deep-equal routes, and the spec is not mutated', (t) => {
  const [vs] = loadVirtualServices(vsYaml(`  - {name: r, match: [{headers: {b: {exact: "1"}, a: {}}, queryParams: {z: {}, y: {exact: "2"}}}], ${DEST}}`));
  if (vs === undefined) return t.fail();
  const before = JSON.stringify(vs.spec);
  t.deepEqual(translateVirtualServiceRoutes(vs, CONTEXT), translateVirtualServiceRoutes(vs, CONTEXT));
  t.is(JSON.stringify(vs.spec), before);
});
