// DestinationRule consistentHash → cluster lb_policy and route hash_policy, one case per Istio rule or
// test: cluster_test.go TestApplyRingHashLoadBalancer; route_test.go TestBuildHTTPRoutes ("for virtual
// service with … ring hash", "for no virtualservice but has destinationrule with … consistentHash");
// route.go HashForHTTPDestination, hashForService, processWeightedDestination. The last tests compile a
// whole mesh (generate-proxy-config.ts) so the cluster and the route are checked together.
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { RouteAction } from '../xds/route.ts';
import { generateProxyConfig, proxyIdentityOf } from './generate-proxy-config.ts';
import { pushContextFromStore } from './push-context.ts';
import { clusterLoadBalancing, hashPolicyForDestination, hashPolicyForService, hashPolicyOf } from './translate-consistent-hash.ts';
import type { ConsistentHashSpec, HashRuleSpec, LoadBalancerSpec } from './translate-consistent-hash.ts';

const lbCases: [rule: string, lb: LoadBalancerSpec | undefined, expected: unknown][] = [
  ['no loadBalancer: Istio default LEAST_REQUEST', undefined, { lbPolicy: 'LEAST_REQUEST' }],
  ['simple ROUND_ROBIN', { simple: 'ROUND_ROBIN' }, { lbPolicy: 'ROUND_ROBIN' }],
  ['"default consistent hash settings": RING_HASH, minimum_ring_size 1024', { consistentHash: {} }, { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 1024 }],
  ['"with deprecated minring size"', { consistentHash: { httpHeaderName: 'x', minimumRingSize: 10 } }, { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 10 }],
  ['"with Maglev": no table size sent', { consistentHash: { maglev: {} } }, { lbPolicy: 'MAGLEV' }],
  ['"with Maglev and table size defined"', { consistentHash: { maglev: { tableSize: 10 } } }, { lbPolicy: 'MAGLEV', maglevTableSize: 10 }],
  ['"with Ringhash": no ring size sent', { consistentHash: { ringHash: {} } }, { lbPolicy: 'RING_HASH' }],
  ['"with RingHash and min ringsize size defined"', { consistentHash: { ringHash: { minimumRingSize: 10 } } }, { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 10 }],
  ['ringHash wins over the deprecated field', { consistentHash: { ringHash: { minimumRingSize: 10 }, minimumRingSize: 1000 } }, { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 10 }],
];

for (const [rule, lb, expected] of lbCases) {
  test(`applyLoadBalancer: ${rule}`, (t) => {
    t.deepEqual(clusterLoadBalancing(lb), expected);
  });
}

const policyCases: [rule: string, hash: ConsistentHashSpec, expected: unknown][] = [
  ['httpHeaderName → header', { httpHeaderName: 'x-user' }, { kind: 'header', headerName: 'x-user' }],
  ['httpCookie → cookie with path and ttl', { httpCookie: { name: 'session', path: '/', ttl: '10s' } }, { kind: 'cookie', name: 'session', path: '/', ttlUs: 10_000_000 }],
  ['httpCookie without ttl: no generation', { httpCookie: { name: 'session' } }, { kind: 'cookie', name: 'session' }],
  ['useSourceIp → connection_properties.source_ip', { useSourceIp: true }, { kind: 'connectionProperties', sourceIp: true }],
  ['useSourceIp: false is still a set oneof', { useSourceIp: false }, { kind: 'connectionProperties', sourceIp: false }],
  ['httpQueryParameterName → query_parameter', { httpQueryParameterName: 'user' }, { kind: 'queryParameter', name: 'user' }],
  ['no hash key → no policy', { ringHash: { minimumRingSize: 64 } }, null],
];

for (const [rule, hash, expected] of policyCases) {
  test(`ConsistentHashToHashPolicy: ${rule}`, (t) => {
    t.deepEqual(hashPolicyOf(hash), expected);
  });
}

const header = (name: string) => ({ loadBalancer: { consistentHash: { httpHeaderName: name } } });
const RULE: HashRuleSpec = {
  trafficPolicy: { ...header('top'), portLevelSettings: [{ port: { number: 9080 }, ...header('port') }, { port: { number: 9090 }, loadBalancer: { simple: 'RANDOM' } }] },
  subsets: [
    { name: 'v1', trafficPolicy: header('v1') },
    { name: 'v2', trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, ...header('v2-port') }] } },
    { name: 'v3' },
  ],
};

const destinationCases: [rule: string, subset: string, port: number | null, expected: string | null][] = [
  ['no subset, no port: the top-level hash', '', null, 'top'],
  ['a named port with a port-level hash', '', 9080, 'port'],
  ['a port-level loadBalancer without consistentHash keeps the top-level hash', '', 9090, 'top'],
  ['a subset hash beats the port-level one', 'v1', 9080, 'v1'],
  ['a subset port-level hash beats all', 'v2', 9080, 'v2-port'],
  ['a subset port-level entry is read only when the destination names the port', 'v2', null, 'top'],
  ['a subset without policy: the destination level', 'v3', 9080, 'port'],
];

for (const [rule, subset, port, expected] of destinationCases) {
  test(`HashForHTTPDestination: ${rule}`, (t) => {
    const policy = hashPolicyForDestination(RULE, subset, port);
    t.is(policy?.kind === 'header' ? policy.headerName : null, expected);
  });
}

test('hashForService: the port entry when it sets a hash, else the top level; no rule, no policy', (t) => {
  const name = (port: number) => {
    const policy = hashPolicyForService(RULE, port);
    return policy?.kind === 'header' ? policy.headerName : null;
  };
  t.is(name(9080), 'port');
  t.is(name(9090), 'top');
  t.is(name(8080), 'top');
  t.is(hashPolicyForService(null, 9080), null);
});

// ---- whole proxy configs: the cluster hashes, the route says what ----------------------------------------

const MESH = (destinationRule: string, virtualService = '') => `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}, {name: http-admin, port: 9081}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v1, namespace: default, labels: {app: reviews, version: v1}}
spec: {containers: [{name: r, image: reviews}]}
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-v2, namespace: default, labels: {app: reviews, version: v2}}
spec: {containers: [{name: r, image: reviews}]}
---
apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: default, labels: {app: sleep}}
spec: {containers: [{name: s, image: sleep}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
${destinationRule}
${virtualService}`;

function sleepConfig(yaml: string): ProxyConfig {
  const loaded = loadManifests([{ path: 't.yaml', text: yaml }]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.field ?? ''}: ${d.message}`).join('\n'));
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  const push = pushContextFromStore(store, buildTopology(loaded.resources), MESH_CONFIG_DEFAULT);
  const pod = push.topology.pods.find((p) => p.name === 'sleep');
  if (pod === undefined) throw new Error('no sleep pod');
  return generateProxyConfig(push, proxyIdentityOf(pod));
}

const HOST = 'reviews.default.svc.cluster.local';

function reviewsAction(config: ProxyConfig, port: number): Extract<RouteAction, { kind: 'route' }> | undefined {
  const host = config.routes[String(port)]?.virtualHosts.find((vh) => vh.name === `${HOST}:${port}`);
  const action = host?.routes[0]?.action;
  return action?.kind === 'route' ? action : undefined;
}

test('"no virtualservice but has destinationrule with consistentHash": a RING_HASH cluster and a header hash policy on the default route', (t) => {
  const config = sleepConfig(MESH('  trafficPolicy:\n    loadBalancer:\n      consistentHash: {httpHeaderName: x-user}'));
  t.like(config.clusters.get(`outbound|9080||${HOST}`), { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 1024 });
  t.deepEqual(reviewsAction(config, 9080)?.hashPolicies, [{ kind: 'header', headerName: 'x-user' }]);
  t.deepEqual(reviewsAction(config, 9081)?.hashPolicies, [{ kind: 'header', headerName: 'x-user' }]);
});

test('a port-level maglev replaces the loadBalancer of that port only: MAGLEV with its table, cookie policy on its route', (t) => {
  const config = sleepConfig(MESH(`  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 4096}}
    portLevelSettings:
    - port: {number: 9081}
      loadBalancer:
        consistentHash: {httpCookie: {name: session, ttl: 0s}, maglev: {tableSize: 131071}}`));
  t.like(config.clusters.get(`outbound|9080||${HOST}`), { lbPolicy: 'RING_HASH', ringHashMinimumRingSize: 4096 });
  t.like(config.clusters.get(`outbound|9081||${HOST}`), { lbPolicy: 'MAGLEV', maglevTableSize: 131071 });
  t.deepEqual(reviewsAction(config, 9080)?.hashPolicies, [{ kind: 'header', headerName: 'x-user' }]);
  t.deepEqual(reviewsAction(config, 9081)?.hashPolicies, [{ kind: 'cookie', name: 'session', ttlUs: 0 }]);
});

test('a port-level simple policy: that port’s cluster does not hash, yet its default route keeps the top-level hash policy (as Istio)', (t) => {
  const config = sleepConfig(MESH(`  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true}
    portLevelSettings:
    - port: {number: 9081}
      loadBalancer: {simple: ROUND_ROBIN}`));
  t.is(config.clusters.get(`outbound|9081||${HOST}`)?.lbPolicy, 'ROUND_ROBIN');
  t.deepEqual(reviewsAction(config, 9081)?.hashPolicies, [{ kind: 'connectionProperties', sourceIp: true }]);
});

test('weighted destinations: each destination’s policy is appended, in order, whichever cluster a request takes', (t) => {
  const config = sleepConfig(MESH(`  trafficPolicy:
    loadBalancer:
      consistentHash: {httpHeaderName: x-user}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer:
        consistentHash: {httpQueryParameterName: user}
  - name: v2
    labels: {version: v2}`, `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1, port: {number: 9080}}
      weight: 50
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
      weight: 50
    - destination: {host: reviews, subset: v2, port: {number: 9080}}
      weight: 0`));
  const action = reviewsAction(config, 9080);
  t.deepEqual(action?.clusters.map((c) => c.name), [`outbound|9080|v1|${HOST}`, `outbound|9080|v2|${HOST}`]);
  // The weight-0 destination is dropped, and so is its hash policy.
  t.deepEqual(action?.hashPolicies, [{ kind: 'queryParameter', name: 'user' }, { kind: 'header', headerName: 'x-user' }]);
  t.like(config.clusters.get(`outbound|9080|v1|${HOST}`), { lbPolicy: 'RING_HASH' });
});

test('without a consistentHash nothing hashes: no ring size, no hash policy', (t) => {
  const config = sleepConfig(MESH('  trafficPolicy:\n    loadBalancer: {simple: RANDOM}'));
  const cluster = config.clusters.get(`outbound|9080||${HOST}`);
  t.is(cluster?.lbPolicy, 'RANDOM');
  t.false(cluster !== undefined && 'ringHashMinimumRingSize' in cluster);
  t.false('hashPolicies' in (reviewsAction(config, 9080) ?? {}));
});
