// The xDS cost and size model against its calibration anchors (anchors-sim-perf.md §B4–B5): Istio's
// benchmark meshes (pilot/pkg/xds/testdata/benchmarks/*.yaml) are compiled by the simulator's own
// generator and measured; EDS and InitPushContext anchors use counted shapes. Then the laws: integer
// outputs, never shrinking when resources are added, the CPU scale.
import { NamedMap } from '../xds/named-map.ts';
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { Cluster, ClusterLoadAssignment, LbEndpoint } from '../xds/cluster.ts';
import type { Listener } from '../xds/listener.ts';
import { clusterList } from '../xds/proxy-config.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { Route, RouteConfiguration } from '../xds/route.ts';
import { buildPushContext } from './push-context.ts';
import { generateProxyConfig, proxyIdentityOf } from './generate-proxy-config.ts';
import { configBytes, configShape, generationCostUs, pushContextInitCostUs, referenceConfigBytes, referenceTypeCostUs, typeCostUs } from './xds-cost.ts';
import type { XdsType } from './push-scope.ts';

const TYPES: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

function within(t: { true: (ok: boolean, message?: string) => void }, actual: number, anchor: number, tolerancePct: number, what: string): void {
  const error = Math.abs(actual - anchor) / anchor;
  t.true(error <= tolerancePct / 100, `${what}: ${actual} vs anchor ${anchor} (${(error * 100).toFixed(1)}% off, tolerance ${tolerancePct}%)`);
}

/** Compiles the first proxy (`router` or sidecar) of a mesh with the simulator's generator. */
function compile(yaml: string, proxy: 'sidecar' | 'gateway'): ProxyConfig {
  const loaded = loadManifests([{ path: 'bench.yaml', text: yaml }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  const topology = buildTopology(loaded.resources);
  const push = buildPushContext({
    mesh: MESH_CONFIG_DEFAULT, topology,
    virtualServices: store.byAge('VirtualService'), destinationRules: store.byAge('DestinationRule'), gateways: store.byAge('Gateway'),
    sidecars: store.byAge('Sidecar'), peerAuthentications: store.byAge('PeerAuthentication'),
    authorizationPolicies: store.byAge('AuthorizationPolicy'), requestAuthentications: store.byAge('RequestAuthentication'),
  });
  const pod = topology.pods.find((p) => p.proxy === proxy);
  if (pod === undefined) throw new Error(`no ${proxy} pod`);
  return generateProxyConfig(push, proxyIdentityOf(pod));
}

const BENCH_PROXY = `apiVersion: v1
kind: Namespace
metadata: {name: bench, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: bench}
spec: {selector: {app: app}, ports: [{name: http, port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: bench}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec: {containers: [{name: app, image: app, ports: [{containerPort: 80}]}]}
`;

type BenchKind = 'http' | 'tcp' | 'auto' | 'strict' | 'virtualservice';
const benches = new Map<BenchKind, ProxyConfig>();

/** Istio's http/tcp/auto/strict/virtualservice benchmark: a sidecar and 100 ServiceEntries with 1 endpoint each. */
function sidecarBench(kind: BenchKind): ProxyConfig {
  const cached = benches.get(kind);
  if (cached !== undefined) return cached;
  const config = compileSidecarBench(kind);
  benches.set(kind, config);
  return config;
}

function compileSidecarBench(kind: BenchKind): ProxyConfig {
  const port = kind === 'tcp' ? '{number: 7070, name: tcp, protocol: TCP}' : kind === 'auto' ? '{number: 7070, name: auto}' : '{number: 80, name: http, protocol: HTTP}';
  const docs = [BENCH_PROXY];
  for (let i = 0; i < 100; i++) {
    const ip = `${Math.floor(i / 255)}.${i % 255}`;
    docs.push(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: service-${i}, namespace: bench}
spec:
  addresses: [240.240.${ip}]
  hosts: [random-${i}.host.example]
  ports: [${port}]
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints: [{address: 240.241.${ip}, labels: {security.istio.io/tlsMode: istio}}]
`);
    if (kind === 'virtualservice') {
      docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-${i}, namespace: bench}
spec:
  hosts: [random-${i}.host.example]
  http:
  - name: match-route
    match: [{uri: {prefix: /foo}}, {uri: {regex: /bar}}]
    rewrite: {uri: /new-url}
    route: [{destination: {host: random-${i}.host.example}}]
`);
    }
  }
  if (kind === 'strict') docs.push('apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n');
  return compile(docs.join('---\n'), 'sidecar');
}

/** Istio's `gateways` benchmark: 1,000 × (VirtualService with 3 hosts, Gateway with HTTP + ISTIO_MUTUAL HTTPS, ServiceEntry). */
function gatewaysBench(): ProxyConfig {
  const docs = [`apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec: {containers: [{name: istio-proxy, image: proxyv2}]}
`];
  for (let i = 0; i < 1000; i++) {
    const hosts = `[random-a-${i}.host.example, random-b-${i}.host.example, random-c-${i}.host.example]`;
    docs.push(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs-${i}, namespace: gateway}
spec:
  hosts: ${hosts}
  gateways: [gateway/gateway-${i}]
  http: [{match: [{uri: {prefix: /route-${i}}}], route: [{destination: {host: random-${i}.host.example}}]}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gateway-${i}, namespace: gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - {port: {number: 80, name: http, protocol: HTTP}, hosts: ${hosts}}
  - {port: {number: 443, name: https, protocol: HTTPS}, hosts: ${hosts}, tls: {mode: ISTIO_MUTUAL}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: service-${i}, namespace: gateway}
spec: {hosts: [random-${i}.host.example], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 1.2.3.4}]}
`);
  }
  return compile(docs.join('---\n'), 'gateway');
}

// ---- calibration: sizes (kb/msg) -------------------------------------------------------------------------

test('LDS bytes reproduce ListenerGeneration kb/msg (istio#54425): http 14.7, tcp 34.9, auto 253, strict 17.5', (t) => {
  within(t, configBytes(sidecarBench('http'), 'LDS'), 14_700, 5, 'LDS http');
  within(t, configBytes(sidecarBench('tcp'), 'LDS'), 34_900, 10, 'LDS tcp');
  within(t, configBytes(sidecarBench('auto'), 'LDS'), 253_000, 10, 'LDS auto');
  within(t, configBytes(sidecarBench('strict'), 'LDS'), 17_500, 5, 'LDS strict');
});

test('CDS ≈ 1.0–1.1 kB per cluster and EDS 0.25–0.5 kB per one-endpoint ClusterLoadAssignment (istio#39652, #34203)', (t) => {
  const config = sidecarBench('http');
  const clusters = clusterList(config).filter((c) => c.discovery === 'EDS').length;
  const perCluster = configBytes(config, 'CDS') / clusterList(config).length;
  t.true(perCluster >= 1_000 && perCluster <= 1_100, `CDS ${perCluster} B per cluster`);
  const perCla = configBytes(config, 'EDS') / clusters;
  t.true(perCla >= 250 && perCla <= 500, `EDS ${perCla} B per ClusterLoadAssignment`);
});

// ---- calibration: generation time -----------------------------------------------------------------------

test('RDS time reproduces RouteGeneration (istio#54425): http 330 µs, virtualservice 1.03 ms', (t) => {
  within(t, typeCostUs(sidecarBench('http'), 'RDS'), 330, 10, 'RDS http');
  within(t, typeCostUs(sidecarBench('virtualservice'), 'RDS'), 1_030, 10, 'RDS virtualservice');
});

test('LDS time of a sidecar reproduces ListenerGeneration/virtualservice, 2020 scaled to 2024 (≈473 µs)', (t) => {
  within(t, typeCostUs(sidecarBench('virtualservice'), 'LDS'), 473, 10, 'LDS virtualservice');
});

test('the gateways benchmark: RDS 22.5 ms and 961 kB in 1,001 resources, CDS 7.61 ms, LDS ≈2,300 kB and ≈9.05 ms', (t) => {
  const config = gatewaysBench();
  t.is(Object.keys(config.routes).length, 1_001, 'one route configuration for port 80 and one per HTTPS server');
  within(t, typeCostUs(config, 'RDS'), 22_500, 10, 'RDS gateways time');
  within(t, configBytes(config, 'RDS'), 961_000, 10, 'RDS gateways bytes');
  within(t, typeCostUs(config, 'CDS'), 7_610, 5, 'CDS gateways time');
  within(t, configBytes(config, 'LDS'), 2_300_000, 10, 'LDS gateways bytes');
  within(t, typeCostUs(config, 'LDS'), 9_050, 10, 'LDS gateways time');
});

// ---- counted shapes --------------------------------------------------------------------------------------

function endpoint(i: number): LbEndpoint {
  return { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 8080, weight: 1, pod: `p-${i}`, workload: `w-${i % 7}`, namespace: 'ns', labels: {}, healthy: true };
}

function cluster(host: string): Cluster {
  return { name: `outbound|80||${host}`, discovery: 'EDS', lbPolicy: 'LEAST_REQUEST', serviceHost: host, servicePort: 80, subset: '', upstreamProtocol: 'http1' };
}

function route(i: number, regex = false): Route {
  return {
    name: '', source: null,
    match: { ...(regex ? { regex: `/r${i}/.*` } : { prefix: `/p${i}` }), caseSensitive: true, headers: [], queryParameters: [] },
    action: { kind: 'route', clusters: [{ name: `outbound|80||s${i}.ns.svc.cluster.local`, weight: 100 }], timeoutUs: null, retry: null, mirrors: [], clusterNotFoundStatus: 503 },
  };
}

interface Shape { services: number; endpointsPerService: number; listeners: number; chainsPerListener: number; vhosts: number; routesPerVhost: number; regex: boolean }

/** A synthetic sidecar config with exactly these counts. */
/** The two maps as the control plane builds them: the endpoints over the clusters' name index. */
function namedMaps(clusters: Record<string, Cluster>, endpoints: Record<string, ClusterLoadAssignment>): Pick<ProxyConfig, 'clusters' | 'endpoints'> {
  const byName = NamedMap.fromRecord(clusters);
  return { clusters: byName, endpoints: NamedMap.alongside(byName, (name) => endpoints[name]) };
}

function shaped(s: Shape): ProxyConfig {
  const clusters: Record<string, Cluster> = {};
  const endpoints: Record<string, ClusterLoadAssignment> = {};
  for (let i = 0; i < s.services; i++) {
    const c = cluster(`s${i}.ns.svc.cluster.local`);
    clusters[c.name] = c;
    endpoints[c.name] = { clusterName: c.name, endpoints: Array.from({ length: s.endpointsPerService }, (_, j) => endpoint(i * 1000 + j)) };
  }
  const listeners: Listener[] = Array.from({ length: s.listeners }, (_, i) => ({
    name: `0.0.0.0_${8000 + i}`, address: '0.0.0.0', port: 8000 + i, direction: 'outbound', defaultChain: null,
    filterChains: Array.from({ length: s.chainsPerListener }, (_, j) => ({ name: `c${j}`, match: { prefixRanges: [], serverNames: [] }, filter: { kind: 'tcp', cluster: `outbound|80||s${j}.ns.svc.cluster.local`, statPrefix: 's' } })),
  }));
  const rc: RouteConfiguration = {
    name: '80', ignorePortInHostMatching: true,
    virtualHosts: Array.from({ length: s.vhosts }, (_, i) => ({ name: `s${i}:80`, domains: [`s${i}`, `s${i}.ns`], requireTls: false, routes: Array.from({ length: s.routesPerVhost }, (_, j) => route(i * 10 + j, s.regex)) })),
  };
  return {
    proxy: { id: 'p.ns', type: 'sidecar', namespace: 'ns', workload: 'w', pod: 'p', ip: '10.0.0.1', labels: {} },
    version: 'v', listeners, routes: s.vhosts === 0 ? {} : { '80': rc }, ...namedMaps(clusters, endpoints), security: null,
  };
}

const small: Shape = { services: 0, endpointsPerService: 0, listeners: 0, chainsPerListener: 0, vhosts: 0, routesPerVhost: 0, regex: false };

test('EDS time reproduces EndpointGeneration (istio#25598, #25518): 100 services × 1 endpoint, 1 service × 1,000 endpoints', (t) => {
  const hundred = typeCostUs(shaped({ ...small, services: 100, endpointsPerService: 1 }), 'EDS');
  t.true(hundred >= 119 && hundred <= 157, `EDS 1/100: ${hundred} µs, anchor 119–157`);
  const thousand = typeCostUs(shaped({ ...small, services: 1, endpointsPerService: 1_000 }), 'EDS');
  t.true(thousand >= 680 && thousand <= 940, `EDS 1000/1: ${thousand} µs, anchor 680–940`);
});

test('InitPushContext reproduces istio#48443: http 164 µs, strict 10.9 µs, gateways 12.2 ms, gateways-shared 9.5–10 ms', (t) => {
  within(t, pushContextInitCostUs({ services: 101, virtualServices: 0, gateways: 0 }), 164, 5, 'http');
  within(t, pushContextInitCostUs({ services: 1, virtualServices: 0, gateways: 0, peerAuthentications: 1 }), 10.9, 10, 'strict');
  within(t, pushContextInitCostUs({ services: 1_001, virtualServices: 1_000, gateways: 1_000 }), 12_200, 5, 'gateways');
  within(t, pushContextInitCostUs({ services: 1_001, virtualServices: 1_000, gateways: 1 }), 9_750, 5, 'gateways-shared');
});

test('a partial EDS push costs and weighs only the services it rebuilds', (t) => {
  const config = shaped({ ...small, services: 10, endpointsPerService: 3 });
  const hosts = Array.from({ length: 10 }, (_, i) => `s${i}.ns.svc.cluster.local`);
  const each = hosts.map((h) => configBytes(config, 'EDS', { edsServices: [h] }));
  t.true(each.every((b) => b > 0));
  t.is(each.reduce((a, b) => a + b, 0), configBytes(config, 'EDS'));
  t.true(typeCostUs(config, 'EDS', { edsServices: [hosts[3]!] }) < typeCostUs(config, 'EDS'));
  t.is(configBytes(config, 'EDS', { edsServices: [] }), 0);
  t.is(configBytes(config, 'EDS', { edsServices: ['not-watched.example'] }), 0);
});

test('generationCostUs sums the types asked for, and the CPU scale stretches it', (t) => {
  const config = sidecarBench('http');
  const each = TYPES.map((type) => typeCostUs(config, type));
  const all = generationCostUs(config, TYPES);
  t.true(Math.abs(all - each.reduce((a, b) => a + b, 0)) <= TYPES.length, 'the sum, up to rounding');
  t.is(generationCostUs(config, []), 0);
  const doubled = generationCostUs(config, TYPES, { cpuScalePermille: 2_000 });
  t.true(Math.abs(doubled - 2 * all) <= 1, `${doubled} ≈ 2 × ${all}`);
  const init = { services: 1_001, virtualServices: 1_000, gateways: 1_000 };
  t.true(Math.abs(pushContextInitCostUs(init, 500) * 2 - pushContextInitCostUs(init)) <= 2, 'half the CPU time on a core twice as fast');
});

// ---- laws ------------------------------------------------------------------------------------------------

const shapeArb = fc.record({
  services: fc.integer({ min: 0, max: 40 }), endpointsPerService: fc.integer({ min: 0, max: 6 }),
  listeners: fc.integer({ min: 0, max: 8 }), chainsPerListener: fc.integer({ min: 0, max: 5 }),
  vhosts: fc.integer({ min: 0, max: 20 }), routesPerVhost: fc.integer({ min: 0, max: 4 }), regex: fc.boolean(),
});
const fieldArb = fc.constantFrom<keyof Omit<Shape, 'regex'>>('services', 'endpointsPerService', 'listeners', 'chainsPerListener', 'vhosts', 'routesPerVhost');

testProp('bytes and costs are integers, and never shrink when a resource is added', [shapeArb, fieldArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5_000 })], (t, shape, field, more, scale) => {
  const base = shaped(shape);
  const bigger = shaped({ ...shape, [field]: shape[field] + more });
  for (const type of TYPES) {
    for (const value of [configBytes(base, type), typeCostUs(base, type), typeCostUs(base, type, { cpuScalePermille: scale })]) {
      t.true(Number.isInteger(value) && value >= 0, `${type}: ${value}`);
    }
    t.true(configBytes(bigger, type) >= configBytes(base, type), `${type} bytes after adding ${more} ${field}`);
    t.true(typeCostUs(bigger, type) >= typeCostUs(base, type), `${type} cost after adding ${more} ${field}`);
  }
});

test('more clusters, endpoints, chains and routes mean strictly more bytes', (t) => {
  const base = shaped({ ...small, services: 5, endpointsPerService: 2, listeners: 2, chainsPerListener: 2, vhosts: 3, routesPerVhost: 2 });
  t.true(configBytes(shaped({ ...small, services: 6, endpointsPerService: 2, listeners: 2, chainsPerListener: 2, vhosts: 3, routesPerVhost: 2 }), 'CDS') > configBytes(base, 'CDS'));
  t.true(configBytes(shaped({ ...small, services: 5, endpointsPerService: 3, listeners: 2, chainsPerListener: 2, vhosts: 3, routesPerVhost: 2 }), 'EDS') > configBytes(base, 'EDS'));
  t.true(configBytes(shaped({ ...small, services: 5, endpointsPerService: 2, listeners: 2, chainsPerListener: 3, vhosts: 3, routesPerVhost: 2 }), 'LDS') > configBytes(base, 'LDS'));
  t.true(configBytes(shaped({ ...small, services: 5, endpointsPerService: 2, listeners: 2, chainsPerListener: 2, vhosts: 3, routesPerVhost: 3 }), 'RDS') > configBytes(base, 'RDS'));
});

testProp('pushContextInitCostUs is an integer that never shrinks as the mesh grows', [fc.nat(5_000), fc.nat(2_000), fc.nat(2_000), fc.nat(500), fc.constantFrom('services', 'virtualServices', 'gateways', 'destinationRules', 'sidecars', 'authorizationPolicies')], (t, services, virtualServices, gateways, more, field) => {
  const counts = { services, virtualServices, gateways, destinationRules: 3, sidecars: 2, authorizationPolicies: 4 };
  const base = pushContextInitCostUs(counts);
  t.true(Number.isInteger(base) && base > 0);
  t.true(pushContextInitCostUs({ ...counts, [field]: counts[field] + more }) >= base);
});

test('nonsense counts (negative, NaN) count as zero', (t) => {
  t.is(pushContextInitCostUs({ services: -5, virtualServices: Number.NaN, gateways: 0 }), pushContextInitCostUs({ services: 0, virtualServices: 0, gateways: 0 }));
});

testProp('after incremental changes (NamedMap.with), the sums over shared chunks equal a walk of the config', [
  fc.integer({ min: 0, max: 300 }),
  fc.array(fc.record({ service: fc.nat(), endpoints: fc.integer({ min: 0, max: 4 }), discovery: fc.constantFrom('EDS' as const, 'STATIC' as const) }), { maxLength: 12 }),
], (t, services, changes) => {
  let config = shaped({ ...small, services, endpointsPerService: 2 });
  const before = [configBytes(config, 'CDS'), configBytes(config, 'EDS')];
  // Each step replaces a few services' clusters and assignments, as an incremental push does.
  for (let step = 0; step < changes.length; step += 3) {
    const batch = changes.slice(step, step + 3).filter(() => services > 0);
    const clusters = batch.map((c) => cluster(`s${c.service % services}.ns.svc.cluster.local`)).map((c, i) => ({ ...c, discovery: batch[i]!.discovery }));
    const assignments = clusters.map((c, i) => ({ clusterName: c.name, endpoints: Array.from({ length: batch[i]!.endpoints }, (_, j) => endpoint(9_000 + j)) }));
    config = { ...config, clusters: config.clusters.with(clusters.map((c) => [c.name, c])), endpoints: config.endpoints.with(assignments.map((a) => [a.clusterName, a])) };
    t.true(config.clusters.sameNames(config.endpoints), 'the two maps keep one name index');
    for (const type of ['CDS', 'EDS'] as const) {
      t.is(configBytes(config, type), referenceConfigBytes(config, type), `${type} bytes after step ${step}`);
      t.is(typeCostUs(config, type), referenceTypeCostUs(config, type), `${type} µs after step ${step}`);
    }
    const held = config.endpoints.values().reduce((n, a) => n + (config.clusters.has(a.clusterName) ? a.endpoints.length : 0), 0);
    t.deepEqual(configShape(config), { clusters: config.clusters.size, endpoints: held });
  }
  t.deepEqual([configBytes(shaped({ ...small, services, endpointsPerService: 2 }), 'CDS'), configBytes(shaped({ ...small, services, endpointsPerService: 2 }), 'EDS')], before, 'a fresh config is summed afresh');
});
