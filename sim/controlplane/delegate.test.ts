// Delegate VirtualServices (pilot/pkg/model/virtualservice.go MergeHTTPRoutes, mergeHTTPMatchRequests,
// hasConflict; virtualservice_controller.go mergeVirtualServices) and short-name resolution
// (config.go resolveGatewayName), as unit tables after Istio's own tests and end to end through
// translateVirtualServiceRoutes.
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { isKind } from '../config/resource.ts';
import type { Resource } from '../config/resource.ts';
import type { Route } from '../xds/route.ts';
import { hasConflict, mergeHttpMatchRequests, resolveGatewayName } from './delegate.ts';
import type { HttpMatchSpec } from './translate-match.ts';
import { translateVirtualServiceRoutes } from './translate-route.ts';
import type { RouteContext } from './translate-route.ts';

const CONTEXT: RouteContext = {
  proxyNamespace: 'default',
  proxyLabels: { app: 'productpage' },
  gateways: ['mesh'],
  listenerPort: 9080,
  resolveHost: (host, ns) => (host.includes('.') ? host : `${host}.${ns}.svc.cluster.local`),
  defaultPort: () => 9080,
  domainSuffix: 'cluster.local',
};

function load(text: string): Resource<'VirtualService'>[] {
  const { resources, diagnostics } = loadManifests([{ path: 't.yaml', text }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.field ?? ''}: ${d.message}`).join('\n'));
  return resources.filter((r): r is Resource<'VirtualService'> => isKind(r, 'VirtualService'));
}

const doc = (meta: string, spec: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: ${meta}\nspec:\n${spec}`;
const root = (http: string, meta = '{name: root, namespace: default}') => doc(meta, `  hosts: [productpage]\n  http:\n${http}`);
const delegate = (http: string, meta = '{name: pp, namespace: default}', extra = '') => doc(meta, `${extra}  http:\n${http}`);

/** Translates the first document (the root) with the others as the delegates it may name. */
function translate(...docs: string[]): Route[] {
  const [first, ...rest] = load(docs.join('\n---\n'));
  if (first === undefined) throw new Error('no root');
  const byKey = new Map(rest.map((vs) => [`${vs.namespace}/${vs.name}`, vs]));
  return translateVirtualServiceRoutes(first, CONTEXT, (name, namespace) => byKey.get(`${namespace}/${name}`));
}

const summary = (rs: Route[]) => rs.map((r) => ({
  name: r.name,
  source: r.source,
  path: r.match.path ?? r.match.prefix ?? r.match.regex,
  headers: r.match.headers.map((h) => `${h.name}=${h.match?.exact ?? h.match?.prefix ?? '*'}`),
  query: r.match.queryParameters.map((q) => q.name),
  cluster: r.action.kind === 'route' ? r.action.clusters.map((c) => c.name).join(',') : r.action.kind,
}));

const v = (subset: string) => `route: [{destination: {host: productpage, subset: ${subset}}}]`;
const cluster = (subset: string) => `outbound|9080|${subset}|productpage.default.svc.cluster.local`;

// --- Unit tables after Istio's tests ---

const conflicts: [string, HttpMatchSpec, HttpMatchSpec, boolean][] = [
  ['regex uri', { uri: { regex: '^/productpage' } }, { uri: { prefix: '/productpage/v2' } }, true],
  ['regex uri in root and delegate does not have uri', { uri: { regex: '^/productpage' } }, {}, false],
  ['regex uri in delegate and root does not have uri', {}, { uri: { regex: '^/productpage' } }, false],
  ['regex uri in delegate and root has conflicting uri match', { uri: { prefix: '/productpage' } }, { uri: { regex: '^/productpage' } }, true],
  ['match uri (prefix under prefix)', { uri: { prefix: '/productpage' } }, { uri: { prefix: '/productpage/v2' } }, false],
  ['mismatch uri (shorter prefix)', { uri: { prefix: '/productpage/v2' } }, { uri: { prefix: '/productpage' } }, true],
  ['match uri (exact under prefix)', { uri: { prefix: '/productpage/v2' } }, { uri: { exact: '/productpage/v2' } }, false],
  ['root exact vs delegate prefix', { uri: { exact: '/a' } }, { uri: { prefix: '/a' } }, true],
  ['headers not equal', { headers: { header: { exact: 'h1' } } }, { headers: { header: { exact: 'h2' } } }, true],
  ['headers equal', { headers: { header: { exact: 'h1' } } }, { headers: { header: { exact: 'h1' } } }, false],
  ['headers match', { headers: { header: { prefix: 'h1' } } }, { headers: { header: { exact: 'h1-v1' } } }, false],
  ['headers prefix mismatch', { headers: { header: { prefix: 'h1' } } }, { headers: { header: { prefix: 'h2' } } }, true],
  ['diff headers', { headers: { header: { exact: 'h1' } } }, { headers: { 'header-2': { exact: 'h2' } } }, false],
  ['withoutHeaders mismatch', { withoutHeaders: { header: { prefix: 'h1' } } }, { withoutHeaders: { header: { exact: 'h2' } } }, true],
  ['port 0 vs 8080', { port: 0 }, { port: 8080 }, false],
  ['port 8080 vs 8090', { port: 8080 }, { port: 8090 }, true],
  ['ignoreUriCase differs', { ignoreUriCase: true }, {}, true],
  ['sourceLabels mismatch', { sourceLabels: { a: 'b' } }, { sourceLabels: { a: 'c' } }, true],
  ['sourceNamespace mismatch', { sourceNamespace: 'test1' }, { sourceNamespace: 'test2' }, true],
  ['root has less gateways than delegate', { gateways: ['ingress-gateway'] }, { gateways: ['ingress-gateway', 'mesh'] }, true],
  ['delegate gateways a subset of the root\'s', { gateways: ['ingress-gateway', 'mesh'] }, { gateways: ['mesh'] }, false],
];

for (const [name, r, leaf, expected] of conflicts) {
  test(`virtualservice_test.go TestHasConflict "${name}"`, (t) => {
    t.is(hasConflict(r, leaf), expected);
  });
}

const merges: [string, HttpMatchSpec[], HttpMatchSpec[], HttpMatchSpec[] | null][] = [
  ['url match', [{ uri: { prefix: '/productpage' } }], [{ uri: { exact: '/productpage/v1' } }],
    [{ uri: { exact: '/productpage/v1' }, headers: {}, withoutHeaders: {}, queryParams: {}, sourceLabels: {} }]],
  ['url regex noconflict', [{ uri: { regex: '^/productpage' } }], [{}],
    [{ uri: { regex: '^/productpage' }, headers: {}, withoutHeaders: {}, queryParams: {}, sourceLabels: {} }]],
  ['url regex conflict', [{ uri: { regex: '^/productpage' } }], [{ uri: { prefix: '/productpage' } }], null],
  ['url mismatch', [{ uri: { prefix: '/productpage' } }], [{ uri: { exact: '/reviews' } }], null],
  ['url match with one conflicting delegate match: the whole rule conflicts', [{ uri: { prefix: '/productpage' } }],
    [{ uri: { exact: '/productpage/v1' } }, { uri: { exact: '/reviews' } }], null],
  ['headers merge (delegate wins on a shared key), port and names inherit', [{ name: 'r', uri: { prefix: '/p' }, headers: { a: { prefix: 'x' }, b: { exact: 'root' } }, port: 8080 }],
    [{ name: 'd', headers: { a: { exact: 'xy' } } }],
    [{ name: 'r-d', uri: { prefix: '/p' }, headers: { a: { exact: 'xy' }, b: { exact: 'root' } }, withoutHeaders: {}, queryParams: {}, sourceLabels: {}, port: 8080 }]],
  ['root without match → the delegate\'s', [], [{ uri: { prefix: '/d' } }], [{ uri: { prefix: '/d' } }]],
];

for (const [name, r, d, expected] of merges) {
  test(`virtualservice_test.go TestMergeHTTPMatchRequests "${name}"`, (t) => {
    t.deepEqual(mergeHttpMatchRequests(r, d), expected);
  });
}

test('virtualservice_test.go TestResolveGatewayName: ./name, short, ns/name and legacy FQDN forms', (t) => {
  t.deepEqual(
    [['./gateway', 'default'], ['gateway', 'default'], ['default/gateway', 'foo'], ['gateway.default', 'foo'],
      ['gateway.default.svc.cluster.local', 'foo'], ['mesh', 'foo']].map(([g, ns]) => resolveGatewayName(g ?? '', ns ?? '')),
    ['default/gateway', 'default/gateway', 'default/gateway', 'default/gateway', 'default/gateway', 'mesh'],
  );
});

// --- End to end: root + delegates → Routes ---

test('virtualservice_test.go TestMergeHttpRoutes "root catch all": delegate routes inherit timeout and headers; source is the delegate', (t) => {
  const routes = translate(
    root('  - {timeout: 10s, headers: {request: {add: {istio: test}, remove: [trace-id]}}, delegate: {name: pp, namespace: default}}'),
    delegate(`  - {match: [{uri: {prefix: /productpage/v1}, headers: {version: {exact: v1}}}], ${v('v1')}}\n  - {match: [{uri: {prefix: /productpage/v2}, headers: {version: {exact: v2}}}, {headers: {version: {exact: v2}}, queryParams: {version: {exact: v2}}}], ${v('v2')}}`),
  );
  t.deepEqual(summary(routes), [
    { name: '', source: 'default/pp', path: '/productpage/v1', headers: ['version=v1'], query: [], cluster: cluster('v1') },
    { name: '', source: 'default/pp', path: '/productpage/v2', headers: ['version=v2'], query: [], cluster: cluster('v2') },
    { name: '', source: 'default/pp', path: '/', headers: ['version=v2'], query: ['version'], cluster: cluster('v2') },
  ]);
  t.deepEqual(routes.map((r) => [r.action.kind === 'route' ? r.action.timeoutUs : null, r.requestHeaders]),
    Array(3).fill([10_000_000, { set: {}, add: { istio: 'test' }, remove: ['trace-id'] }]));
});

test('virtualservice_test.go TestMergeHttpRoutes "delegate with empty match": a delegate route without match takes the root\'s', (t) => {
  const routes = translate(
    root('  - {match: [{uri: {prefix: /productpage}, port: 9080}], delegate: {name: pp}}'),
    delegate(`  - {match: [{uri: {prefix: /productpage/v1}}], ${v('v1')}}\n  - ${v('v3')}`),
  );
  t.deepEqual(summary(routes).map((r) => [r.path, r.cluster]), [['/productpage/v1', cluster('v1')], ['/productpage', cluster('v3')]]);
});

test('virtualservice.go mergeHTTPRoute: a delegate route whose match conflicts with every root match is dropped; the rest stay', (t) => {
  const routes = translate(
    root('  - {name: root, match: [{uri: {prefix: /productpage}}], delegate: {name: pp}}'),
    delegate(`  - {name: v1, match: [{uri: {prefix: /productpage/v1}}], ${v('v1')}}\n  - {name: bad, match: [{uri: {prefix: /reviews}}], ${v('v2')}}\n  - {name: v3, ${v('v3')}}`),
  );
  t.deepEqual(routes.map((r) => r.name), ['root-v1', 'root-v3']);
});

test('virtualservice.go mergeHTTPMatchRequests: matches are the cross product of root × delegate, delegate-major', (t) => {
  const routes = translate(
    root('  - {match: [{name: a, headers: {x-a: {exact: "1"}}}, {name: b, headers: {x-b: {exact: "2"}}}], delegate: {name: pp}}'),
    delegate(`  - {name: d, match: [{name: p, uri: {prefix: /p}}, {name: q, uri: {prefix: /q}}], ${v('v1')}}`),
  );
  t.deepEqual(summary(routes).map((r) => [r.name, r.path, r.headers]), [
    ['d.a-p', '/p', ['x-a=1']], ['d.b-p', '/p', ['x-b=2']], ['d.a-q', '/q', ['x-a=1']], ['d.b-q', '/q', ['x-b=2']],
  ]);
});

test('virtualservice.go mergeHTTPRoute: the delegate\'s own fields win; unset ones (retries, fault) come from the root', (t) => {
  const routes = translate(
    root('  - {timeout: 10s, retries: {attempts: 0}, fault: {abort: {httpStatus: 418, percentage: {value: 100}}}, delegate: {name: pp}}'),
    delegate(`  - {timeout: 5s, ${v('v1')}}`),
  );
  const action = routes[0]?.action;
  t.deepEqual([action?.kind === 'route' ? [action.timeoutUs, action.retry] : null, routes[0]?.faultAbort],
    [[5_000_000, null], { httpStatus: 418, ppm: 1_000_000 }]);
});

test('virtualservice_controller.go mergeVirtualServices: a missing delegate makes only that root route disappear', (t) => {
  const routes = translate(
    root(`  - {name: gone, match: [{uri: {prefix: /a}}], delegate: {name: missing}}\n  - {name: kept, route: [{destination: {host: productpage}}]}`),
  );
  t.deepEqual(routes.map((r) => r.name), ['kept']);
});

test('virtualservice_controller.go mergeVirtualServices: the delegate must be exported to the root\'s namespace', (t) => {
  const rootDoc = root('  - {match: [{uri: {prefix: /a}}], delegate: {name: hidden, namespace: team}}\n  - {match: [{uri: {prefix: /b}}], delegate: {name: shared, namespace: team}}\n  - {delegate: {name: local}}');
  const routes = translate(
    rootDoc,
    delegate(`  - ${v('hidden')}`, '{name: hidden, namespace: team}', '  exportTo: ["."]\n'),
    delegate(`  - ${v('shared')}`, '{name: shared, namespace: team}', '  exportTo: [default]\n'),
    delegate(`  - ${v('local')}`, '{name: local, namespace: default}', '  exportTo: ["."]\n'),
  );
  t.deepEqual(summary(routes).map((r) => [r.source, r.cluster]), [
    ['team/shared', 'outbound|9080|shared|productpage.team.svc.cluster.local'],
    ['default/local', cluster('local')],
  ]);
});

test('virtualservice.go ResolveVirtualServiceShortnames: delegate hosts resolve against the delegate\'s namespace, root mirrors against the root\'s', (t) => {
  const routes = translate(
    root('  - {mirror: {host: shadow}, delegate: {name: pp, namespace: team}}'),
    delegate('  - route: [{destination: {host: reviews}}]', '{name: pp, namespace: team}'),
  );
  const action = routes[0]?.action;
  t.deepEqual(action?.kind === 'route' ? [action.clusters, action.mirrors] : null, [
    [{ name: 'outbound|9080||reviews.team.svc.cluster.local', weight: 100 }],
    [{ cluster: 'outbound|9080||shadow.default.svc.cluster.local', ppm: 1_000_000 }],
  ]);
});

test('route.go BuildHTTPRoutesForVirtualService: a merged catch-all ends the list, also for later root rules', (t) => {
  const routes = translate(
    root('  - {name: r, delegate: {name: pp}}\n  - {name: after, route: [{destination: {host: productpage}}]}'),
    delegate(`  - {name: all, ${v('v1')}}\n  - {name: never, match: [{uri: {prefix: /x}}], ${v('v2')}}`),
  );
  t.deepEqual(routes.map((r) => r.name), ['r-all']);
});

test('virtualservice_controller.go delegateVirtualServices: a VirtualService without hosts has no routes of its own', (t) => {
  const [vs] = load(delegate(`  - ${v('v1')}`));
  if (vs === undefined) return t.fail();
  t.deepEqual(translateVirtualServiceRoutes(vs, CONTEXT), []);
});

test('without a delegate lookup every delegating rule disappears', (t) => {
  const [vs] = load(root(`  - {match: [{uri: {prefix: /a}}], delegate: {name: pp}}\n  - {name: kept, ${v('v1')}}`));
  if (vs === undefined) return t.fail();
  t.deepEqual(translateVirtualServiceRoutes(vs, CONTEXT).map((r) => r.name), ['kept']);
});
