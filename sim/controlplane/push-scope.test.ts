// Push scope as Istio decides it: xds/proxy_dependencies.go (DefaultProxyNeedsPush, filterRelevantUpdates,
// proxyDependentOnConfig), model/sidecar.go (DependsOnConfig), xds/cds.go, eds.go, lds.go, rds.go
// (*NeedsPush), and the scope builder over the simulator's SidecarScope. Rows mirror Istio's
// proxy_dependencies_test.go TestProxyNeedsPush and xds/*_test.go "needs push" tables where they exist.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { buildPushContext } from './push-context.ts';
import type { PushContext } from './push-context.ts';
import { generateProxyConfig } from './generate-proxy-config.ts';
import { planPush, proxyNeedsPush, relevantUpdates, typesToPush } from './push-scope.ts';
import { proxyScopeFrom, pushProxyFrom } from './proxy-scope.ts';
import type { ConfigKey, ConfigKind, ProxyScope, PushProxy, PushRequest, TriggerReason, XdsType } from './push-scope.ts';

const ROOT = 'istio-system';
const A = 'a.shop.svc.cluster.local';
const B = 'b.other.svc.cluster.local';

const key = (kind: ConfigKind, namespace: string, name: string): ConfigKey => ({ kind, namespace, name });
const request = (keys: ConfigKey[], o: { full?: boolean; forced?: boolean; reasons?: TriggerReason[] } = {}): PushRequest => ({
  full: o.full ?? true, forced: o.forced ?? false, configsUpdated: keys, reasons: o.reasons ?? ['config'], rootNamespace: ROOT,
});

const sidecar: PushProxy = { type: 'sidecar', namespace: 'shop', configNamespace: 'shop', labels: { app: 'web' }, serviceTargets: [] };
const router: PushProxy = { type: 'router', namespace: ROOT, configNamespace: ROOT, labels: { istio: 'ingressgateway' }, serviceTargets: [] };

/** A scope that depends on everything and watches a.shop (DestinationRule shop/dr) and b.other. */
const everything: ProxyScope = {
  dependsOn: () => true,
  watched: [
    { hostname: A, namespace: 'shop', destinationRules: ['shop/dr'] },
    { hostname: B, namespace: 'other', destinationRules: [] },
  ],
};

// ---- which types each kind regenerates (cds.go, eds.go, lds.go, rds.go skipped*Configs) -----------------

const sidecarRows: ReadonlyArray<[string, ConfigKey, XdsType[], string[]]> = [
  ['VirtualService → CDS LDS RDS (skippedEdsConfigs)', key('VirtualService', 'shop', 'vs'), ['CDS', 'LDS', 'RDS'], []],
  ['DestinationRule → CDS EDS LDS RDS, EDS only for its clusters', key('DestinationRule', 'shop', 'dr'), ['CDS', 'EDS', 'LDS', 'RDS'], [A]],
  ['ServiceEntry (a Kubernetes Service) → all four, EDS for that service', key('ServiceEntry', 'shop', A), ['CDS', 'EDS', 'LDS', 'RDS'], [A]],
  ['Endpoints → EDS only, for that service', key('Endpoints', 'other', B), ['EDS'], [B]],
  ['Sidecar → CDS LDS RDS', key('Sidecar', 'shop', 'default'), ['CDS', 'LDS', 'RDS'], []],
  ['Gateway → nothing for sidecars (UnAffectedConfigKinds)', key('Gateway', 'shop', 'gw'), [], []],
  ['root PeerAuthentication → CDS EDS(all) LDS', key('PeerAuthentication', ROOT, 'default'), ['CDS', 'EDS', 'LDS'], [A, B]],
  ['PeerAuthentication of the proxy namespace → CDS EDS LDS', key('PeerAuthentication', 'shop', 'pa'), ['CDS', 'EDS', 'LDS'], [A]],
  ['PeerAuthentication of another namespace → CDS EDS, no LDS', key('PeerAuthentication', 'other', 'pa'), ['CDS', 'EDS'], [B]],
  ['AuthorizationPolicy of the proxy namespace → LDS only', key('AuthorizationPolicy', 'shop', 'allow'), ['LDS'], []],
  ['AuthorizationPolicy of the root namespace → LDS only', key('AuthorizationPolicy', ROOT, 'deny'), ['LDS'], []],
  ['AuthorizationPolicy of another namespace → nothing', key('AuthorizationPolicy', 'other', 'allow'), [], []],
  ['RequestAuthentication of the proxy namespace → LDS only', key('RequestAuthentication', 'shop', 'jwt'), ['LDS'], []],
  ['WorkloadEntry → EDS, all clusters (not delta-aware)', key('WorkloadEntry', 'shop', 'vm'), ['EDS'], [A, B]],
  ['Secret → none of CDS/EDS/LDS/RDS (SDS)', key('Secret', 'shop', 'cert'), [], []],
];

for (const [title, k, types, eds] of sidecarRows) {
  test(`sidecar: ${title}`, (t) => {
    const plan = planPush(request([k]), sidecar, everything);
    t.deepEqual([...plan.types], types);
    t.deepEqual(plan.edsServices.map((s) => s.hostname), eds);
  });
}

const routerRows: ReadonlyArray<[string, ConfigKey, XdsType[]]> = [
  ['Gateway → CDS LDS RDS', key('Gateway', 'shop', 'gw'), ['CDS', 'LDS', 'RDS']],
  ['Sidecar → nothing for gateways (UnAffectedConfigKinds)', key('Sidecar', 'shop', 'default'), []],
  ['VirtualService of any namespace → CDS LDS RDS', key('VirtualService', 'other', 'vs'), ['CDS', 'LDS', 'RDS']],
  ['AuthorizationPolicy of any namespace → LDS (gateways do not scope it)', key('AuthorizationPolicy', 'other', 'allow'), ['LDS']],
  ['RequestAuthentication → LDS (istiod fetches JWKS)', key('RequestAuthentication', 'other', 'jwt'), ['LDS']],
  ['PeerAuthentication of another namespace → CDS EDS', key('PeerAuthentication', 'other', 'pa'), ['CDS', 'EDS']],
  ['WorkloadEntry → EDS', key('WorkloadEntry', 'other', 'vm'), ['EDS']],
];

for (const [title, k, types] of routerRows) {
  test(`gateway: ${title}`, (t) => {
    t.deepEqual(typesToPush(request([k]), router, everything), types);
  });
}

test('gateway: RequestAuthentication also pushes CDS when Envoy fetches JWKS (pushCdsGatewayConfig)', (t) => {
  t.deepEqual(typesToPush(request([key('RequestAuthentication', 'other', 'jwt')]), router, everything, { jwksFetchedByEnvoy: true }), ['CDS', 'LDS']);
  t.deepEqual(typesToPush(request([key('RequestAuthentication', 'shop', 'jwt')]), sidecar, everything, { jwksFetchedByEnvoy: true }), ['LDS']);
});

test('several kinds at once union their types, always in Istio order CDS, EDS, LDS, RDS', (t) => {
  const keys = [key('AuthorizationPolicy', 'shop', 'allow'), key('Endpoints', 'shop', A), key('VirtualService', 'shop', 'vs')];
  t.deepEqual(typesToPush(request(keys), sidecar, everything), ['CDS', 'EDS', 'LDS', 'RDS']);
  // VirtualService is not delta-aware for EDS, so a mixed request rebuilds every watched cluster.
  t.true(planPush(request(keys), sidecar, everything).edsFull);
  t.false(planPush(request([key('Endpoints', 'shop', A)]), sidecar, everything).edsFull);
});

// ---- incremental, forced, headless and empty requests -----------------------------------------------------

test('an incremental (non-full) push sends EDS only, for the changed services the proxy watches', (t) => {
  const r = request([key('ServiceEntry', 'other', B)], { full: false, reasons: ['endpoint'] });
  const plan = planPush(r, sidecar, everything);
  t.deepEqual([...plan.types], ['EDS']);
  t.deepEqual(plan.edsServices.map((s) => s.hostname), [B]);
  // A full push of the same key is a service change: everything.
  t.deepEqual(typesToPush({ ...r, full: true }, sidecar, everything), ['CDS', 'EDS', 'LDS', 'RDS']);
});

test('an endpoint push for a service nobody watches sends nothing, even to gateways that it reaches', (t) => {
  const r = request([key('Endpoints', 'far', 'c.far.svc.cluster.local')], { reasons: ['endpoint'] });
  // Gateways do not filter Endpoints keys (proxyDependentOnConfig, Router), but EDS finds no watched cluster.
  t.true(proxyNeedsPush(r, router, everything));
  t.deepEqual(typesToPush(r, router, everything), []);
});

test('a forced push reaches every proxy and regenerates every type in full', (t) => {
  const nothing: ProxyScope = { dependsOn: () => false, watched: everything.watched };
  const r = request([], { forced: true, reasons: ['global'] });
  t.true(proxyNeedsPush(r, sidecar, nothing));
  const plan = planPush(r, sidecar, nothing);
  t.deepEqual([...plan.types], ['CDS', 'EDS', 'LDS', 'RDS']);
  t.true(plan.edsFull);
  t.deepEqual(typesToPush(r, router, nothing), ['CDS', 'EDS', 'LDS', 'RDS']);
});

test('a request with nothing updated and not forced reaches no proxy (DefaultProxyNeedsPush)', (t) => {
  t.false(proxyNeedsPush(request([]), sidecar, everything));
  t.deepEqual(typesToPush(request([]), router, everything), []);
});

test('headless endpoint pushes skip CDS and RDS, and LDS on gateways only (cds.go, lds.go, rds.go)', (t) => {
  const headless = request([key('ServiceEntry', 'shop', A)], { reasons: ['headlessendpoint'] });
  t.deepEqual(typesToPush(headless, sidecar, everything), ['EDS', 'LDS']);
  t.deepEqual(typesToPush(headless, router, everything), ['EDS']);
  const alsoService = request([key('ServiceEntry', 'shop', A)], { reasons: ['headlessendpoint', 'service'] });
  t.deepEqual(typesToPush(alsoService, router, everything), ['CDS', 'EDS', 'LDS', 'RDS']);
  // Another kind in the request ends the headless shortcut.
  const mixed = request([key('ServiceEntry', 'shop', A), key('VirtualService', 'shop', 'vs')], { reasons: ['headlessendpoint'] });
  t.deepEqual(typesToPush(mixed, router, everything), ['CDS', 'EDS', 'LDS', 'RDS']);
});

test('an update to a service that selects the proxy reaches it even when its scope does not import it', (t) => {
  const narrow: ProxyScope = { dependsOn: () => false, watched: [] };
  const own = key('ServiceEntry', 'shop', 'web.shop.svc.cluster.local');
  t.false(proxyNeedsPush(request([own]), sidecar, narrow));
  const serving = { ...sidecar, serviceTargets: [{ hostname: own.name, namespace: 'shop' }] };
  t.true(proxyNeedsPush(request([own]), serving, narrow));
  t.deepEqual(relevantUpdates(request([own, key('VirtualService', 'other', 'x')]), serving, narrow), [own]);
  t.deepEqual(typesToPush(request([own]), serving, narrow), ['CDS', 'LDS', 'RDS']);
});

// ---- scopes built from a PushContext (SidecarScope.configDependencies) ------------------------------------

const MESH = `apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec: {selector: {app: a}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: other}
spec: {selector: {app: b}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec: {ports: [{name: grpc, port: 15012}]}
---
apiVersion: v1
kind: Service
metadata: {name: private, namespace: other, annotations: {networking.istio.io/exportTo: "."}}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b-routes, namespace: other}
spec: {hosts: [b.other.svc.cluster.local], http: [{route: [{destination: {host: b.other.svc.cluster.local}}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b-dr, namespace: other}
spec: {host: b.other.svc.cluster.local, trafficPolicy: {loadBalancer: {simple: RANDOM}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a-dr, namespace: shop}
spec: {host: a.shop.svc.cluster.local}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: other-strict, namespace: other}
spec: {mtls: {mode: STRICT}}
`;

const SIDECAR = `---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec: {egress: [{hosts: ["./*", "istio-system/*"]}]}
`;

function pushOf(yaml: string): PushContext {
  const loaded = loadManifests([{ path: 't.yaml', text: yaml }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  return buildPushContext({
    mesh: MESH_CONFIG_DEFAULT, topology: buildTopology(loaded.resources),
    virtualServices: store.byAge('VirtualService'), destinationRules: store.byAge('DestinationRule'), gateways: store.byAge('Gateway'),
    sidecars: store.byAge('Sidecar'), peerAuthentications: store.byAge('PeerAuthentication'),
    authorizationPolicies: store.byAge('AuthorizationPolicy'), requestAuthentications: store.byAge('RequestAuthentication'),
  });
}

const web: ProxyIdentity = { id: 'web-1.shop', type: 'sidecar', namespace: 'shop', workload: 'web', pod: 'web-1', ip: '10.244.0.9', labels: { app: 'web' } };
const ingress: ProxyIdentity = { id: 'gw-1.istio-system', type: 'router', namespace: ROOT, workload: 'istio-ingressgateway', pod: 'gw-1', ip: '10.244.0.8', labels: { istio: 'ingressgateway' } };

const changes: ReadonlyArray<[string, ConfigKey, XdsType[], XdsType[]]> = [
  // [title, key, without a Sidecar, with Sidecar egress ./* + istio-system/*]
  ['VirtualService for b (other namespace)', key('VirtualService', 'other', 'b-routes'), ['CDS', 'LDS', 'RDS'], []],
  ['DestinationRule for b', key('DestinationRule', 'other', 'b-dr'), ['CDS', 'EDS', 'LDS', 'RDS'], []],
  ['DestinationRule for a (own namespace)', key('DestinationRule', 'shop', 'a-dr'), ['CDS', 'EDS', 'LDS', 'RDS'], ['CDS', 'EDS', 'LDS', 'RDS']],
  ['Endpoints of b', key('Endpoints', 'other', B), ['EDS'], []],
  ['Endpoints of a', key('Endpoints', 'shop', A), ['EDS'], ['EDS']],
  ['Endpoints of istiod (istio-system/* imported)', key('Endpoints', ROOT, 'istiod.istio-system.svc.cluster.local'), ['EDS'], ['EDS']],
  ['Service b changed', key('ServiceEntry', 'other', B), ['CDS', 'EDS', 'LDS', 'RDS'], []],
  ['PeerAuthentication in other (namespace of an imported service)', key('PeerAuthentication', 'other', 'other-strict'), ['CDS', 'EDS'], []],
  ['a Service exported only to its own namespace', key('ServiceEntry', 'other', 'private.other.svc.cluster.local'), [], []],
];

for (const [title, k, unscoped, scoped] of changes) {
  test(`scope from the PushContext: ${title}`, (t) => {
    const p = pushOf(MESH);
    t.deepEqual(typesToPush(request([k]), pushProxyFrom(p, web), proxyScopeFrom(p, web)), unscoped, 'no Sidecar: depends on everything visible');
    const s = pushOf(MESH + SIDECAR);
    t.deepEqual(typesToPush(request([k]), pushProxyFrom(s, web), proxyScopeFrom(s, web)), scoped, 'Sidecar ./* + istio-system/*');
  });
}

test('a Sidecar created or deleted reaches the proxies it applies to, through the new or the previous scope', (t) => {
  const before = pushOf(MESH);
  const after = pushOf(MESH + SIDECAR);
  const sidecarKey = key('Sidecar', 'shop', 'default');
  t.deepEqual(typesToPush(request([sidecarKey]), pushProxyFrom(after, web), proxyScopeFrom(after, web, { previous: before })), ['CDS', 'LDS', 'RDS']);
  t.deepEqual(typesToPush(request([sidecarKey]), pushProxyFrom(before, web), proxyScopeFrom(before, web, { previous: after })), ['CDS', 'LDS', 'RDS']);
  // A Sidecar in another namespace is none of this proxy's business.
  t.false(proxyNeedsPush(request([key('Sidecar', 'other', 'default')]), pushProxyFrom(after, web), proxyScopeFrom(after, web)));
  // Dropping b from the scope: its previous scope still depends on b, so b's removal reaches the proxy.
  t.deepEqual(typesToPush(request([key('ServiceEntry', 'other', B)]), pushProxyFrom(after, web), proxyScopeFrom(after, web, { previous: before })), ['CDS', 'EDS', 'LDS', 'RDS']);
});

test('gateways see every exported service and push on Gateway changes, never on Sidecar changes', (t) => {
  const p = pushOf(MESH + SIDECAR);
  const gw = pushProxyFrom(p, ingress);
  const scope = proxyScopeFrom(p, ingress);
  t.deepEqual(typesToPush(request([key('ServiceEntry', 'other', B)]), gw, scope), ['CDS', 'EDS', 'LDS', 'RDS']);
  t.deepEqual(typesToPush(request([key('ServiceEntry', 'other', 'private.other.svc.cluster.local')]), gw, scope), []);
  t.deepEqual(typesToPush(request([key('Gateway', 'shop', 'web-gw')]), gw, scope), ['CDS', 'LDS', 'RDS']);
  t.false(proxyNeedsPush(request([key('Sidecar', 'shop', 'default')]), gw, scope));
});

test('watched services come from the compiled config when given, with the DestinationRule of each', (t) => {
  const p = pushOf(MESH);
  const scope = proxyScopeFrom(p, web, { config: generateProxyConfig(p, web) });
  const b = scope.watched.find((w) => w.hostname === B);
  t.deepEqual(b?.destinationRules, ['other/b-dr']);
  t.true(scope.watched.some((w) => w.hostname === A));
  // A DestinationRule change rebuilds the endpoints of the clusters it shapes, and only those.
  t.deepEqual(planPush(request([key('DestinationRule', 'other', 'b-dr')]), pushProxyFrom(p, web), scope).edsServices.map((s) => s.hostname), [B]);
});

test('pushProxyFrom: the services that select the proxy are its service targets', (t) => {
  const p = pushOf(MESH);
  const a1: ProxyIdentity = { ...web, id: 'a-1.shop', labels: { app: 'a' } };
  t.deepEqual(pushProxyFrom(p, a1).serviceTargets, [{ hostname: A, namespace: 'shop' }]);
  t.deepEqual(pushProxyFrom(p, web).serviceTargets, []);
});

test('a request is narrowed to the configs the scope depends on (TestProxyNeedsPush "mixture matched and unmatched")', (t) => {
  const scope: ProxyScope = { dependsOn: (k) => k.name === 'dr1' || k.name === 'svc1.com', watched: [] };
  const dr = key('DestinationRule', 'ns1', 'dr1');
  t.deepEqual(relevantUpdates(request([dr, key('ServiceEntry', 'ns1', 'svc1.cominvalid')]), sidecar, scope), [dr]);
  t.false(proxyNeedsPush(request([key('DestinationRule', 'ns1', 'dr1invalid'), key('ServiceEntry', 'ns1', 'svc1.cominvalid')]), sidecar, scope));
  // Kinds the scope does not track (here a WorkloadEntry) always count.
  t.true(proxyNeedsPush(request([key('WorkloadEntry', 'ns1', 'vm')]), sidecar, scope));
});

testProp('EDS services of a push naming rules, hosts and PeerAuthentication namespaces: what a filter of the watched list keeps, in its order (eds.go buildEndpoints)', [
  fc.array(fc.record({ host: fc.integer({ min: 0, max: 9 }), ns: fc.constantFrom('shop', 'other', ROOT), rules: fc.uniqueArray(fc.constantFrom('shop/dr', 'other/dr', 'shop/x'), { maxLength: 2 }) }), { maxLength: 30 }),
  fc.array(fc.oneof(
    fc.integer({ min: 0, max: 9 }).map((h) => key('Endpoints', 'shop', `h${h}.svc`)),
    fc.constantFrom('shop/dr', 'other/dr', 'shop/y').map((d) => key('DestinationRule', d.split('/')[0]!, d.split('/')[1]!)),
    fc.constantFrom('shop', 'other', ROOT).map((n) => key('PeerAuthentication', n, 'pa')),
  ), { minLength: 1, maxLength: 4 }),
], (t, entries, keys) => {
  const watched = entries.map((e) => ({ hostname: `h${e.host}.svc`, namespace: e.ns, destinationRules: e.rules }));
  const scope: ProxyScope = { dependsOn: () => true, watched };
  const plan = planPush(request(keys), sidecar, scope);
  const hosts = new Set(keys.filter((k) => k.kind === 'Endpoints').map((k) => k.name));
  const drs = new Set(keys.filter((k) => k.kind === 'DestinationRule').map((k) => `${k.namespace}/${k.name}`));
  const pas = new Set(keys.filter((k) => k.kind === 'PeerAuthentication').map((k) => k.namespace));
  if (pas.has(ROOT)) return t.true(plan.edsFull, 'a root PeerAuthentication regenerates every watched service');
  const expected = watched.filter((w) => hosts.has(w.hostname) || w.destinationRules.some((d) => drs.has(d)) || pas.has(w.namespace) || pas.has(ROOT));
  t.deepEqual(plan.edsFull ? null : plan.edsServices, expected.map((w) => ({ hostname: w.hostname, namespace: w.namespace })));
});
