// Shared config against the straightforward recomputation: on a generated mesh (several namespaces,
// Sidecars, DestinationRules with subsets, VirtualServices, a gateway), every proxy's layered clusters
// equal the one flat map the generator used to build, and every figure derived through the memos
// (cluster lookups, xDS bytes and CPU, snapshot counts, watched hosts, push plans, cluster warming)
// equals the same figure computed for that proxy alone by a plain walk.
import { NamedMap } from '../xds/named-map.ts';
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { serviceSelects } from '../config/selectors.ts';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { endpointsForHosts, endpointsForServices, generateProxyConfig, proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import { buildPushContext, withEndpoints } from '../controlplane/push-context.ts';
import type { PushContext } from '../controlplane/push-context.ts';
import { proxyNeedsPush } from '../controlplane/push-scope.ts';
import { edsHostsOf, proxyScopeFrom, pushProxyFrom } from '../controlplane/proxy-scope.ts';
import type { ConfigKey, PushRequest as ScopeRequest, XdsType } from '../controlplane/push-scope.ts';
import { configBytes, configShape, referenceConfigBytes, referenceTypeCostUs, typeCostUs } from '../controlplane/xds-cost.ts';
import { assignment, cluster, endpoint, httpListener, proxyConfig } from '../proxy/fixtures.ts';
import { buildTopology } from '../topology/build-topology.ts';
import { endpointPortKey } from '../topology/lookup.ts';
import type { EndpointInfo, PodInfo } from '../topology/model.ts';
import type { Cluster } from '../xds/cluster.ts';
import { clusterList, clusterNamed } from '../xds/proxy-config.ts';
import type { ProxyConfig, ProxyIdentity } from '../xds/proxy-config.ts';
import type { LivePod } from './cluster-state.ts';
import { ProxyActor, rejectedCluster } from './proxy-actor.ts';
import { needsPush, pushPlan, pushPlanUncached } from './push-plan.ts';

const TYPES: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];
const NAMESPACES = ['n0', 'n1', 'n2'];
const SERVICES = ['s0', 's1', 's2', 's3'];
const host = (service: string, namespace: string) => `${service}.${namespace}.svc.cluster.local`;

/** The mesh; `variant` 1 changes the DestinationRules, 2 drops the subsets and the VirtualService and rescopes n2. */
function manifests(variant: 0 | 1 | 2): string {
  const docs: string[] = [`apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec: {containers: [{name: istio-proxy, image: proxyv2, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec: {selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [public]
  http: [{route: [{destination: {host: ${host('s0', 'n0')}, port: {number: 8080}}}]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: n1}
spec: {egress: [{hosts: ["./*", "istio-system/*"]}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: n0}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: TLS}]
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints: [{address: 240.0.0.1}, {address: 240.0.0.2}]
`];
  for (const ns of NAMESPACES) {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {istio-injection: enabled}}\n`);
    for (const s of SERVICES) {
      const port = s === 's3' ? '{name: tcp, port: 9000, protocol: TCP}' : '{name: http, port: 8080}';
      docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: ${s}, namespace: ${ns}}\nspec: {selector: {app: ${s}}, ports: [${port}]}\n`);
      for (const version of ['v1', 'v2']) {
        docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: {name: ${s}-${version}, namespace: ${ns}}
spec:
  replicas: ${version === 'v1' ? 2 : 1}
  selector: {matchLabels: {app: ${s}, version: ${version}}}
  template:
    metadata: {labels: {app: ${s}, version: ${version}}}
    spec: {containers: [{name: app, image: app, ports: [{containerPort: ${s === 's3' ? 9000 : 8080}}]}]}
`);
      }
    }
  }
  // The v2 workloads of n2 see n0 only; in variant 2 all of n2 sees n2 only (so the previous scope counts).
  docs.push(variant === 2
    ? 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: n2}\nspec: {egress: [{hosts: ["./*"]}]}\n'
    : 'apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: v2-only, namespace: n2}\nspec: {workloadSelector: {labels: {version: v2}}, egress: [{hosts: ["n0/*"]}]}\n');
  if (variant !== 2) {
    docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: s0, namespace: n0}
spec:
  host: s0
  trafficPolicy:
    connectionPool: {http: {http1MaxPendingRequests: ${variant === 0 ? 10 : 20}}}
    outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: s0, namespace: n0}
spec:
  hosts: [s0]
  http:
  - match: [{headers: {x-canary: {exact: "yes"}}}]
    route: [{destination: {host: s0, subset: v2}}]
  - route: [{destination: {host: s0, subset: v1}, weight: 80}, {destination: {host: s0, subset: v2}, weight: 20}]
    mirror: {host: s0, subset: v2}
`);
  }
  if (variant === 1) {
    docs.push(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: s1, namespace: n1}
spec:
  host: s1.n1.svc.cluster.local
  exportTo: ["*"]
  subsets: [{name: v1, labels: {version: v1}}]
`);
  }
  return docs.join('---\n');
}

function pushOf(yaml: string, version: string): PushContext {
  const loaded = loadManifests([{ path: 'mesh.yaml', text: yaml }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  return buildPushContext({
    version, mesh: MESH_CONFIG_DEFAULT, topology: buildTopology(loaded.resources),
    virtualServices: store.byAge('VirtualService'), destinationRules: store.byAge('DestinationRule'), gateways: store.byAge('Gateway'),
    sidecars: store.byAge('Sidecar'), peerAuthentications: store.byAge('PeerAuthentication'),
    authorizationPolicies: store.byAge('AuthorizationPolicy'), requestAuthentications: store.byAge('RequestAuthentication'),
  });
}

const pushes = [pushOf(manifests(0), '1'), pushOf(manifests(1), '2'), pushOf(manifests(2), '3')] as const;
const proxies = (push: PushContext): PodInfo[] => push.topology.pods.filter((p) => p.proxy !== 'none');

/** What the generator built before the layers: one map, the inbound clusters spread over the outbound ones. */
function flat(config: ProxyConfig): ProxyConfig {
  const { ownClusters, ...rest } = config;
  return { ...rest, clusters: ownClusters === undefined ? config.clusters : config.clusters.with(Object.entries(ownClusters)) };
}

test('the mesh has what the checks need: gateways, sidecars, subsets, inbound clusters', (t) => {
  const pods = proxies(pushes[0]);
  t.true(pods.some((p) => p.proxy === 'gateway'));
  t.true(pods.filter((p) => p.proxy === 'sidecar').length >= 30);
  const config = generateProxyConfig(pushes[0], proxyIdentityOf(pods.find((p) => p.namespace === 'n0' && p.proxy === 'sidecar')!));
  t.not(clusterNamed(config, `outbound|8080|v2|${host('s0', 'n0')}`), undefined);
  t.true(Object.keys(config.ownClusters ?? {}).some((name) => name.startsWith('inbound|')));
});

test('layered clusters are the flat map: the same lookups, the same order; proxies of a namespace and Sidecar share the outbound map', (t) => {
  for (const push of pushes) {
    const byScope = new Map<string, ProxyConfig['clusters']>();
    for (const pod of proxies(push)) {
      const config = generateProxyConfig(push, proxyIdentityOf(pod));
      const reference = flat(config);
      t.deepEqual(clusterList(config).map((c) => c.name), reference.clusters.keys(), pod.name);
      t.true(clusterList(config).every((c) => reference.clusters.get(c.name) === c));
      for (const name of [...reference.clusters.keys(), 'outbound|1|x|nowhere', 'inbound|1||', 'constructor']) {
        t.is(clusterNamed(config, name), reference.clusters.get(name));
      }
      if (pod.proxy !== 'sidecar' || pod.namespace === 'n2') continue;
      const key = pod.namespace;
      const shared = byScope.get(key);
      if (shared === undefined) byScope.set(key, config.clusters);
      else t.is(config.clusters, shared, `${pod.name} shares the outbound clusters of ${key}`);
    }
  }
});

test('bytes, CPU, snapshot counts, watched hosts and refusals through the memos equal a walk of the flat config', (t) => {
  for (const push of pushes) {
    const hosts = [...new Set(push.topology.services.map((s) => s.hostname))].sort();
    const selections = [undefined, [], hosts.slice(0, 3), [hosts[1]!, hosts[1]!, 'nowhere.example']];
    for (const pod of proxies(push)) {
      const config = generateProxyConfig(push, proxyIdentityOf(pod));
      const reference = flat(config);
      for (const type of TYPES) {
        for (const edsServices of selections) {
          const options = edsServices === undefined ? {} : { edsServices };
          t.is(configBytes(config, type, options), referenceConfigBytes(reference, type, options), `${pod.name} ${type} bytes`);
          t.is(typeCostUs(config, type, options), referenceTypeCostUs(reference, type, options), `${pod.name} ${type} µs`);
        }
      }
      const held = reference.endpoints.values().reduce((n, cla) => n + (reference.clusters.get(cla.clusterName) === undefined ? 0 : cla.endpoints.length), 0);
      t.deepEqual(configShape(config), { clusters: reference.clusters.keys().length, endpoints: held });
      const watched = reference.clusters.values().filter((c) => c.discovery === 'EDS' && c.serviceHost !== '').map((c) => c.serviceHost);
      t.deepEqual([...edsHostsOf(config)], [...new Set(watched)]);
      t.is(rejectedCluster(config), rejectedCluster(reference));
    }
  }
});

test('own clusters over shared ones: a name in both, an own EDS cluster with endpoints', (t) => {
  const shared = { a: cluster('a', { serviceHost: 'a.example' }), b: cluster('b', { serviceHost: 'b.example' }), s: cluster('s', { discovery: 'STATIC' }) };
  const own = { b: cluster('b', { discovery: 'ORIGINAL_DST', serviceHost: 'b.example' }), c: cluster('c', { serviceHost: 'c.example' }), s: cluster('s', { serviceHost: 's.example' }) };
  const base = proxyConfig({ endpoints: ['a', 'b', 'c', 's', 'z'].map((n) => assignment(n, [endpoint(`10.0.0.${n.charCodeAt(0) % 200}`, 80)])), listeners: [httpListener(80, 'x')] });
  const config: ProxyConfig = { ...base, clusters: NamedMap.fromRecord(shared), ownClusters: own };
  const reference = flat(config);
  t.deepEqual(clusterList(config).map((c) => c.name), ['a', 'b', 's', 'c']);
  t.is(clusterNamed(config, 'b'), own.b);
  for (const type of TYPES) {
    for (const options of [{}, { edsServices: ['b.example', 'c.example'] }, { edsServices: ['s.example'] }]) {
      t.is(configBytes(config, type, options), referenceConfigBytes(reference, type, options), `${type} bytes`);
      t.is(typeCostUs(config, type, options), referenceTypeCostUs(reference, type, options), `${type} µs`);
    }
  }
  t.deepEqual(configShape(config), { clusters: 4, endpoints: 4 });
  t.deepEqual([...edsHostsOf(config)], ['a.example', 's.example', 'c.example']);
});

function servicesSelecting(push: PushContext, pod: ProxyIdentity): string[] {
  return push.topology.services.filter((s) => s.namespace === pod.namespace && serviceSelects(s.selector, pod.labels)).map((s) => s.hostname);
}

test('a scope answers for one host what its whole watched list says, and depends on exactly the services it imports', (t) => {
  for (const [push, previous] of [[pushes[1], pushes[0]], [pushes[2], pushes[1]], [pushes[0], null]] as const) {
    const hosts = [...new Set(push.topology.services.map((s) => s.hostname)), 'nowhere.example'];
    for (const pod of proxies(push)) {
      const proxy = proxyIdentityOf(pod);
      for (const watchedHosts of [undefined, edsHostsOf(generateProxyConfig(push, proxy))]) {
        const scope = proxyScopeFrom(push, proxy, { ...(previous === null ? {} : { previous }), ...(watchedHosts === undefined ? {} : { watchedHosts }) });
        for (const h of hosts) t.deepEqual(scope.watchedHost!(h), scope.watched.filter((w) => w.hostname === h), `${pod.name} ${h}`);
        if (proxy.type !== 'sidecar' || watchedHosts !== undefined) continue;
        for (const service of push.topology.services) {
          const imported = scope.watched.some((w) => w.hostname === service.hostname && w.namespace === service.namespace);
          for (const kind of ['ServiceEntry', 'Endpoints'] as const) t.is(scope.dependsOn({ kind, namespace: service.namespace, name: service.hostname }), imported);
        }
      }
    }
  }
});

test('push plans through the memo equal each proxy\'s own plan (and needsPush DefaultProxyNeedsPush)', (t) => {
  const keys: ConfigKey[][] = [
    [{ kind: 'VirtualService', namespace: 'n0', name: 's0' }],
    [{ kind: 'DestinationRule', namespace: 'n0', name: 's0' }],
    [{ kind: 'DestinationRule', namespace: 'n1', name: 's1' }, { kind: 'ServiceEntry', namespace: 'n1', name: host('s2', 'n1') }],
    [{ kind: 'ServiceEntry', namespace: 'n2', name: host('s1', 'n2') }],
    [{ kind: 'Sidecar', namespace: 'n1', name: 'default' }],
    [{ kind: 'PeerAuthentication', namespace: 'istio-system', name: 'default' }],
    [{ kind: 'AuthorizationPolicy', namespace: 'n2', name: 'allow' }],
    [{ kind: 'Gateway', namespace: 'istio-system', name: 'public' }],
  ];
  const requests: ScopeRequest[] = [
    ...keys.map((configsUpdated) => ({ full: true, configsUpdated, reasons: ['config' as const], rootNamespace: 'istio-system' })),
    { full: false, configsUpdated: [{ kind: 'ServiceEntry', namespace: 'n0', name: host('s0', 'n0') }, { kind: 'ServiceEntry', namespace: 'n1', name: host('s3', 'n1') }], reasons: ['endpoint'], rootNamespace: 'istio-system' },
    { full: true, forced: true, configsUpdated: [], reasons: ['proxyrequest'], rootNamespace: 'istio-system' },
  ];
  for (const [push, previous] of [[pushes[1], pushes[0]], [pushes[2], pushes[1]], [pushes[0], null]] as const) {
    for (const pod of proxies(push)) {
      const proxy = proxyIdentityOf(pod);
      t.deepEqual(pushProxyFrom(push, proxy).serviceTargets.map((s) => s.hostname), servicesSelecting(push, proxy));
      const watched = [null, edsHostsOf(generateProxyConfig(previous ?? push, proxy))];
      for (const request of requests) {
        for (const hosts of watched) {
          const plan = pushPlan(request, push, previous, proxy, hosts);
          t.deepEqual(plan, pushPlanUncached(request, push, previous, proxy, hosts), `${pod.name} ${JSON.stringify(request.configsUpdated)}`);
          // A partial EDS push's assignments, shared per plan, are the proxy's own EDS assignments of those hosts.
          const names = new Set(plan.edsServices.map((s) => s.hostname));
          const config = generateProxyConfig(push, proxy);
          const own = config.endpoints.values().filter((a) => clusterNamed(config, a.clusterName)?.discovery === 'EDS' && names.has(clusterNamed(config, a.clusterName)!.serviceHost));
          t.deepEqual(endpointsForServices(push, proxy, plan.edsServices).map((a) => a.clusterName), own.map((a) => a.clusterName).sort(), pod.name);
          t.is(endpointsForServices(push, proxy, plan.edsServices), endpointsForServices(push, proxy, plan.edsServices), 'built once per plan');
          const sources = { ...(previous === null ? {} : { previous }), ...(hosts === null ? {} : { watchedHosts: hosts }) };
          t.is(needsPush(request, push, previous, proxy, hosts), proxyNeedsPush(request, pushProxyFrom(push, proxy), proxyScopeFrom(push, proxy, sources)));
        }
      }
    }
  }
});

// ---- cluster warming: the chain against the map the proxy used to keep ---------------------------------

/** Envoy's warming as a map updated on every response (the proxy actor's former bookkeeping). */
class ReferenceWarming {
  private cds: { push: number; clusters: NamedMap<Cluster> } | null = null;
  private eds = -1;
  private warming = new Map<string, { since: number; previous: Cluster | undefined; version: Cluster }>();

  apply(type: 'CDS' | 'EDS', push: number, config: ProxyConfig): void {
    if (type === 'CDS') {
      if (this.cds !== null && this.cds.push > push) return;
      this.end(this.eds);
      const before = this.cds?.clusters ?? NamedMap.empty<Cluster>();
      const clusters = flat(config).clusters;
      const next = new Map<string, { since: number; previous: Cluster | undefined; version: Cluster }>();
      for (const [name, c] of clusters.entries()) {
        if (c.discovery !== 'EDS') continue;
        const w = this.warming.get(name);
        if (w !== undefined) next.set(name, w.version === c ? w : { since: push, previous: w.previous, version: c });
        else if (before.get(name) !== c) next.set(name, { since: push, previous: before.get(name), version: c });
      }
      this.warming = next;
      this.cds = { push, clusters };
    } else {
      if (this.eds > push) return;
      this.end(push);
      this.eds = push;
    }
  }

  active(): [string, Cluster][] {
    const out: [string, Cluster][] = [];
    for (const [name, c] of (this.cds?.clusters ?? NamedMap.empty<Cluster>()).entries()) {
      const w = this.warming.get(name);
      if (w === undefined) out.push([name, c]);
      else if (w.previous !== undefined) out.push([name, w.previous]);
    }
    return out;
  }

  private end(push: number): void {
    for (const [name, w] of [...this.warming]) if (w.since <= push) this.warming.delete(name);
  }
}

const warmingPod = proxies(pushes[0]).find((p) => p.namespace === 'n0' && p.proxy === 'sidecar')!;
const warmingIdentity = proxyIdentityOf(warmingPod);
const S0 = `outbound|8080||${host('s0', 'n0')}`;
/** Generated configs of three pushes (twice for the first: same shared map, new inbound clusters) and flat fixtures reusing their names. */
const warmingConfigs: ProxyConfig[] = (() => {
  const generated = [0, 0, 1, 2].map((i) => generateProxyConfig(pushes[i]!, warmingIdentity));
  const shared = generated[0]!;
  const reused = clusterNamed(shared, S0)!;
  return [
    ...generated,
    proxyConfig({ clusters: [reused, cluster(`outbound|8080|v1|${host('s0', 'n0')}`, { serviceHost: host('s0', 'n0') })], listeners: [httpListener(8080, 'f')] }),
    proxyConfig({ clusters: [{ ...reused, discovery: 'STATIC' }], listeners: [httpListener(8080, 'g')] }),
  ];
})();

function actorFor(): ProxyActor {
  const pod: LivePod = { info: warmingPod, workloadKey: 'n0/s0-v1', generation: 0, index: 0, phase: 'starting', createdUs: 0 };
  return new ProxyActor(pod, warmingIdentity, 0);
}

testProp(
  'warming read off the chain equals the per-cluster map, response by response',
  [fc.array(fc.record({ eds: fc.boolean(), config: fc.nat(warmingConfigs.length - 1), step: fc.integer({ min: -1, max: 2 }) }), { maxLength: 25 })],
  (t, ops) => {
    const actor = actorFor();
    const reference = new ReferenceWarming();
    actor.apply('LDS', 0, warmingConfigs[0]!, 0);
    t.deepEqual(clusterList(actor.view()!), [], 'no CDS yet: no cluster');
    let push = 0;
    for (const op of ops) {
      push = Math.max(0, push + op.step);
      const config = warmingConfigs[op.config]!;
      const type = op.eds ? 'EDS' : 'CDS';
      t.true(actor.apply(type, push, config, 0));
      reference.apply(type, push, config);
      const view = actor.view()!;
      const seen = clusterList(view).map((c) => [c.name, c] as [string, Cluster]);
      const expected = reference.active();
      t.deepEqual(seen.map(([name]) => name), expected.map(([name]) => name));
      t.true(seen.every(([, c], i) => c === expected[i]![1]), 'the same cluster objects (old versions while warming)');
    }
  },
  {
    seed: 20_260_807,
    numRuns: 1000,
    // A cluster kept warming across a CDS response ends with an older EDS push that came after it.
    examples: [[[{ eds: false, config: 0, step: 0 }, { eds: false, config: 0, step: 1 }, { eds: true, config: 0, step: -1 }, { eds: false, config: 0, step: 1 }]]],
  },
);

test('an incremental snapshot (the config kept, endpoints of now) generates what a fresh snapshot of the same gives; unchanged services keep their clusters', (t) => {
  const full = pushes[0];
  const byPort = (endpoints: readonly EndpointInfo[]) => {
    const out = new Map<string, EndpointInfo[]>();
    for (const e of endpoints) {
      const key = endpointPortKey(e.service, e.serviceNamespace, e.servicePort);
      out.set(key, [...(out.get(key) ?? []), e]);
    }
    return out;
  };
  const before = byPort(full.topology.endpoints);
  const first = withEndpoints(full, full.topology, 'a', { endpointsByPort: before });
  // One service port loses an endpoint; every other port keeps its list object.
  const [changedKey, changedList] = [...before].find(([, list]) => list.length > 1)!;
  const after = new Map(before);
  after.set(changedKey, changedList.slice(1));
  const endpoints = [...after.values()].flat();
  const now = { ...full.topology, endpoints };
  const second = withEndpoints(first, now, 'b', { endpointsByPort: after });
  const fresh = buildPushContext({ ...full, version: 'b', topology: now, endpointsByPort: after });
  const changedHost = changedList[0]!.service;
  // Every proxy's config of the first snapshot, then of the second: the second's parts are updates of the first's.
  const olds = new Map(proxies(full).map((pod) => [pod, generateProxyConfig(first, proxyIdentityOf(pod))]));
  for (const pod of proxies(full)) {
    const proxy = proxyIdentityOf(pod);
    const incremental = generateProxyConfig(second, proxy);
    const rebuilt = generateProxyConfig(fresh, proxy);
    t.deepEqual(flat(incremental).clusters.entries(), flat(rebuilt).clusters.entries(), pod.name);
    t.deepEqual(incremental.endpoints.keys(), rebuilt.endpoints.keys(), `${pod.name}: the same order`);
    t.deepEqual(incremental.endpoints.entries(), rebuilt.endpoints.entries(), pod.name);
    // The sums over the maps' chunks (most shared with the first snapshot's) equal a walk of the flat config.
    for (const type of TYPES) {
      t.is(configBytes(incremental, type), referenceConfigBytes(flat(incremental), type), `${pod.name} ${type} bytes`);
      t.is(typeCostUs(incremental, type, { edsServices: [changedHost] }), referenceTypeCostUs(flat(incremental), type, { edsServices: [changedHost] }), `${pod.name} ${type} µs`);
    }
    t.deepEqual(configShape(incremental), configShape(rebuilt), pod.name);
    t.is(rejectedCluster(incremental), rejectedCluster(rebuilt), pod.name);
    t.deepEqual(incremental.listeners, rebuilt.listeners, pod.name);
    t.deepEqual(endpointsForHosts(second, proxy, [changedHost]), endpointsForHosts(fresh, proxy, [changedHost]), pod.name);
    const old = olds.get(pod)!;
    for (const c of incremental.clusters.values()) {
      if (c.discovery !== 'EDS') continue;
      if (c.serviceHost === changedHost) t.not(incremental.endpoints.get(c.name), old.endpoints.get(c.name), `${c.name} rebuilt`);
      else t.is(incremental.endpoints.get(c.name), old.endpoints.get(c.name), `${c.name} kept`);
    }
  }
});

test("a service's plain virtual host is one object in every other namespace's route table, with its own namespace's short name only there", (t) => {
  const [push] = pushes;
  // n1 is scoped to itself, and n2's v2 pods see n0 only: a v1 pod of n2 sees the mesh, as n0's pods do.
  const sidecarIn = (p: PushContext, ns: string) => proxies(p).find((pod) => pod.namespace === ns && pod.proxy === 'sidecar' && pod.labels['version'] !== 'v2')!;
  const hostsOf = (p: PushContext, ns: string) => generateProxyConfig(p, proxyIdentityOf(sidecarIn(p, ns))).routes['8080']!.virtualHosts;
  const [a, b] = [hostsOf(push, 'n0'), hostsOf(push, 'n2')];
  const shared = a.filter((v) => b.includes(v));
  t.true(shared.some((v) => v.name === `${host('s1', 'n1')}:8080`), "n1's s1 is one object in n0's and n2's tables");
  for (const v of shared) t.false(v.domains.some((d) => /^s\d$/.test(d)), `${v.name}: no short name in a shared host`);
  // s1 of n0: its short name is a domain in n0's table only, and the two hosts are different objects.
  const own = a.find((v) => v.name === `${host('s1', 'n0')}:8080`)!;
  const other = b.find((v) => v.name === `${host('s1', 'n0')}:8080`)!;
  t.true(own.domains.includes('s1'));
  t.false(other.domains.includes('s1'));
  t.not(own, other);
  // A fresh build (new service objects, so nothing remembered) gives the same tables, in new objects.
  const fresh = pushOf(manifests(0), '1b');
  t.deepEqual(hostsOf(fresh, 'n0'), a);
  t.deepEqual(hostsOf(fresh, 'n2'), b);
  t.false(hostsOf(fresh, 'n0').some((v) => shared.includes(v)));
});

test('a config change keeps the clusters of services whose rule stayed the same object and rebuilds the rest: what a build without history gives', (t) => {
  const loaded = loadManifests([{ path: 'mesh.yaml', text: manifests(0) }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  const topology = buildTopology(loaded.resources);
  const endpointsByPort = new Map<string, EndpointInfo[]>();
  for (const e of topology.endpoints) {
    const key = endpointPortKey(e.service, e.serviceNamespace, e.servicePort);
    endpointsByPort.set(key, [...(endpointsByPort.get(key) ?? []), e]);
  }
  const mesh = { ...MESH_CONFIG_DEFAULT };
  const build = (version: string, meshConfig: typeof mesh) => buildPushContext({
    version, mesh: meshConfig, topology, endpointsByPort,
    virtualServices: store.byAge('VirtualService'), destinationRules: store.byAge('DestinationRule'), gateways: store.byAge('Gateway'),
    sidecars: store.byAge('Sidecar'), peerAuthentications: store.byAge('PeerAuthentication'),
    authorizationPolicies: store.byAge('AuthorizationPolicy'), requestAuthentications: store.byAge('RequestAuthentication'),
  });
  const first = build('1', mesh);
  const olds = new Map(proxies(first).map((pod) => [pod.name, generateProxyConfig(first, proxyIdentityOf(pod))]));
  // The s0 DestinationRule of variant 1 (another connection pool) replaces variant 0's.
  const changed = loadManifests([{ path: 'mesh.yaml', text: manifests(1) }]).resources.find((r) => r.kind === 'DestinationRule' && r.name === 's0')!;
  store.apply(changed);
  const second = build('2', mesh);
  // Another MeshConfig object: a cache of its own, so this is a build without history.
  const reference = build('2', { ...mesh });
  const s0 = host('s0', 'n0');
  let kept = 0;
  for (const pod of proxies(first)) {
    const proxy = proxyIdentityOf(pod);
    const config = generateProxyConfig(second, proxy);
    const fresh = generateProxyConfig(reference, proxy);
    t.deepEqual(flat(config).clusters.entries(), flat(fresh).clusters.entries(), pod.name);
    t.deepEqual(config.endpoints.entries(), fresh.endpoints.entries(), pod.name);
    const old = olds.get(pod.name)!;
    for (const c of config.clusters.values()) {
      if (c.serviceHost === '') continue;
      if (c.serviceHost === s0) t.not(c, old.clusters.get(c.name), `${c.name} rebuilt`);
      else if (old.clusters.get(c.name) === c) kept += 1;
      else t.fail(`${pod.name}: ${c.name} rebuilt though its rule is the same`);
    }
  }
  t.true(kept > 0);
});
