// A DestinationRule's connection pool and outlier detection as Envoy cluster fields, each row naming
// the Istio rule or test it mirrors: util_test.go TestMergeSubsetTrafficPolicy; cluster_test.go
// TestApplyOutlierDetection, TestConnectionPoolSettings; cluster_builder_test.go TestApplyConnectionPool;
// cluster_traffic_policy.go applyConnectionPool, applyOutlierDetection, getDefaultCircuitBreakerThresholds.
// The last tests build whole clusters from manifests (generate-clusters.ts).
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import { UINT32_MAX } from '../xds/cluster.ts';
import type { Cluster } from '../xds/cluster.ts';
import { buildOutboundClusters } from './generate-clusters.ts';
import { pushContextFromStore } from './push-context.ts';
import {
  ISTIO_DEFAULT_THRESHOLDS, clusterPolicyFields, trafficPolicyForPort, translateConnectionPool, translateOutlierDetection,
} from './translate-traffic-policy.ts';
import type { TrafficPolicySpec } from './translate-traffic-policy.ts';

const S = 1_000_000;
const retries10 = { http: { maxRetries: 10 } };

const mergeCases: [rule: string, destination: TrafficPolicySpec | undefined, subset: TrafficPolicySpec | undefined, port: number, expected: unknown][] = [
  ['TestMergeSubsetTrafficPolicy "all nil policies"', undefined, undefined, 80, {}],
  ['"no subset policy": the destination policy', { connectionPool: retries10 }, undefined, 80, { connectionPool: retries10 }],
  ['"no parent policy": the subset policy', undefined, { connectionPool: retries10 }, 80, { connectionPool: retries10 }],
  ['"merge non-conflicting fields"', { tls: { mode: 'ISTIO_MUTUAL' } }, { connectionPool: retries10 }, 80,
    { connectionPool: retries10, tls: { mode: 'ISTIO_MUTUAL' } }],
  ['"subset overwrite top-level fields"', { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: retries10 }, { tls: { mode: 'SIMPLE' } }, 80,
    { connectionPool: retries10, tls: { mode: 'SIMPLE' } }],
  ['"merge port level policy, and do not inherit top-level fields" (subset only)', undefined, {
    loadBalancer: { simple: 'ROUND_ROBIN' }, connectionPool: retries10,
    portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'LEAST_REQUEST' } }],
  }, 8080, { loadBalancer: { simple: 'LEAST_REQUEST' } }],
  ['GetPortLevelTrafficPolicy: a destination port entry replaces the four fields wholesale', {
    loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 20 },
    portLevelSettings: [{ port: { number: 8080 }, outlierDetection: { consecutive5xxErrors: 15 } }],
  }, undefined, 8080, { outlierDetection: { consecutive5xxErrors: 15 } }],
  ['…and another port keeps the destination-level policy', {
    loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 20 },
    portLevelSettings: [{ port: { number: 8080 }, outlierDetection: { consecutive5xxErrors: 15 } }],
  }, undefined, 9090, { loadBalancer: { simple: 'ROUND_ROBIN' }, outlierDetection: { consecutive5xxErrors: 20 } }],
  ['MergeTrafficPolicy(hasPortLevel): a subset port entry replaces all four, unset ones included', {
    connectionPool: retries10, outlierDetection: { consecutive5xxErrors: 20 },
  }, { portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'RANDOM' } }] }, 8080, { loadBalancer: { simple: 'RANDOM' } }],
  ['a subset without a port entry for this port overrides field by field', {
    connectionPool: retries10, outlierDetection: { consecutive5xxErrors: 20 },
  }, { outlierDetection: { consecutive5xxErrors: 1 }, portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'RANDOM' } }] }, 9090,
    { connectionPool: retries10, outlierDetection: { consecutive5xxErrors: 1 } }],
  ['the first port entry for a port wins', {
    portLevelSettings: [{ port: { number: 80 }, connectionPool: retries10 }, { port: { number: 80 }, outlierDetection: {} }],
  }, undefined, 80, { connectionPool: retries10 }],
];

for (const [rule, destination, subset, port, expected] of mergeCases) {
  test(`merge: ${rule}`, (t) => {
    const merged = trafficPolicyForPort(destination, subset, port);
    // Compare the fields that are set: an absent and an undefined field are the same nil pointer.
    t.deepEqual(JSON.parse(JSON.stringify(merged)), expected);
  });
}

const outlierCases: [rule: string, spec: Parameters<typeof translateOutlierDetection>[0], expected: ReturnType<typeof translateOutlierDetection>][] = [
  ['TestApplyOutlierDetection "Nil outlier detection"', undefined, {}],
  ['"No outlier detection is set": success rate off; panic threshold 0', {}, { outlierDetection: { enforcingSuccessRatePercent: 0 }, healthyPanicThresholdPercent: 0 }],
  ['"Consecutive gateway and 5xx errors are set"', { consecutive5xxErrors: 4, consecutiveGatewayErrors: 3 }, {
    outlierDetection: {
      enforcingSuccessRatePercent: 0, consecutive5xx: 4, enforcingConsecutive5xxPercent: 100, consecutiveGatewayFailure: 3,
      enforcingConsecutiveGatewayFailurePercent: 100,
    },
    healthyPanicThresholdPercent: 0,
  }],
  ['"Consecutive 5xx is set to 0": disabled (enforcing 0)', { consecutive5xxErrors: 0 },
    { outlierDetection: { enforcingSuccessRatePercent: 0, consecutive5xx: 0, enforcingConsecutive5xxPercent: 0 }, healthyPanicThresholdPercent: 0 }],
  ['"Local origin errors is enabled"', { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 10 }, {
    outlierDetection: {
      enforcingSuccessRatePercent: 0, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 10,
      enforcingConsecutiveLocalOriginFailurePercent: 100, enforcingLocalOriginSuccessRatePercent: 0,
    },
    healthyPanicThresholdPercent: 0,
  }],
  ['without the split consecutiveLocalOriginFailures is ignored', { consecutiveLocalOriginFailures: 10 },
    { outlierDetection: { enforcingSuccessRatePercent: 0 }, healthyPanicThresholdPercent: 0 }],
  ['interval, baseEjectionTime; maxEjectionPercent > 0; minHealthPercent is the panic threshold',
    { interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 50, minHealthPercent: 30 },
    { outlierDetection: { enforcingSuccessRatePercent: 0, intervalUs: S, baseEjectionTimeUs: 180 * S, maxEjectionPercent: 50 }, healthyPanicThresholdPercent: 30 }],
  ['maxEjectionPercent 0 is not sent (Envoy keeps 10%)', { maxEjectionPercent: 0 },
    { outlierDetection: { enforcingSuccessRatePercent: 0 }, healthyPanicThresholdPercent: 0 }],
  ['a negative minHealthPercent leaves Envoy’s panic threshold', { minHealthPercent: -1 }, { outlierDetection: { enforcingSuccessRatePercent: 0 } }],
];

for (const [rule, spec, expected] of outlierCases) {
  test(`outlier detection: ${rule}`, (t) => {
    t.deepEqual(translateOutlierDetection(spec), expected);
  });
}

test('connection pool: Istio always sends 2^32−1 thresholds; values > 0 replace them (getDefaultCircuitBreakerThresholds, applyConnectionPool)', (t) => {
  t.deepEqual(translateConnectionPool(undefined), { circuitBreakers: ISTIO_DEFAULT_THRESHOLDS });
  t.is(ISTIO_DEFAULT_THRESHOLDS.maxRetries, UINT32_MAX);
  // TestConnectionPoolSettings / Istio's circuit-breaking task.
  t.deepEqual(translateConnectionPool({ tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, http2MaxRequests: 7, maxRetries: 2, maxRequestsPerConnection: 1 } }), {
    circuitBreakers: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 7, maxRetries: 2 }, maxRequestsPerConnection: 1,
  });
  // "FIXME: zero is a valid value if explicitly set": 0 keeps the default.
  t.deepEqual(translateConnectionPool({ tcp: { maxConnections: 0 }, http: { maxRetries: 0, maxRequestsPerConnection: 0 } }), { circuitBreakers: ISTIO_DEFAULT_THRESHOLDS });
  // applyTrafficPolicy: no connectionPool still gets circuit breakers; no outlierDetection none.
  t.deepEqual(clusterPolicyFields({}), { circuitBreakers: ISTIO_DEFAULT_THRESHOLDS });
});

const MESH = `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}, {name: http-admin, port: 9081}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: reviews, version: v1}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: r, image: r, ports: [{containerPort: 9080}, {containerPort: 9081}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool: {tcp: {maxConnections: 3}, http: {http2MaxRequests: 20}}
    outlierDetection: {consecutive5xxErrors: 2, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 100}
    portLevelSettings:
    - port: {number: 9081}
      connectionPool: {http: {http1MaxPendingRequests: 4}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      outlierDetection: {consecutiveGatewayErrors: 1, minHealthPercent: 50}
`;

function clusters(yaml: string): Readonly<Record<string, Cluster>> {
  const loaded = loadManifests([{ path: 't.yaml', text: yaml }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  const push = pushContextFromStore(store, buildTopology(loaded.resources), MESH_CONFIG_DEFAULT);
  return buildOutboundClusters(push, push.topology.services, 'default').clusters.toJSON();
}

test('generated clusters carry the DestinationRule’s policy for their port and subset', (t) => {
  const all = clusters(MESH);
  const host = 'reviews.default.svc.cluster.local';
  t.like(all[`outbound|9080||${host}`], {
    lbPolicy: 'ROUND_ROBIN',
    circuitBreakers: { maxConnections: 3, maxPendingRequests: UINT32_MAX, maxRequests: 20, maxRetries: UINT32_MAX },
    outlierDetection: { consecutive5xx: 2, enforcingConsecutive5xxPercent: 100, intervalUs: 5 * S, baseEjectionTimeUs: 60 * S, maxEjectionPercent: 100 },
    healthyPanicThresholdPercent: 0,
  });
  // Port 9081's entry replaces the destination's policy: its own pool, no outlier detection, Istio's default LB.
  const admin = all[`outbound|9081||${host}`];
  t.like(admin, { lbPolicy: 'LEAST_REQUEST', circuitBreakers: { ...ISTIO_DEFAULT_THRESHOLDS, maxPendingRequests: 4 } });
  t.is(admin?.outlierDetection, undefined);
  t.is(admin?.healthyPanicThresholdPercent, undefined);
  // The subset's outlierDetection replaces the destination's (no field merging inside it); the pool is inherited.
  const v1 = all[`outbound|9080|v1|${host}`];
  t.deepEqual(v1?.outlierDetection, { enforcingSuccessRatePercent: 0, consecutiveGatewayFailure: 1, enforcingConsecutiveGatewayFailurePercent: 100 });
  t.is(v1?.healthyPanicThresholdPercent, 50);
  t.like(v1, { lbPolicy: 'ROUND_ROBIN', circuitBreakers: { maxConnections: 3, maxRequests: 20 } });
  // On 9081 the subset sits on top of the port entry.
  t.like(all[`outbound|9081|v1|${host}`], { lbPolicy: 'LEAST_REQUEST', circuitBreakers: { maxPendingRequests: 4 }, outlierDetection: { consecutiveGatewayFailure: 1 } });
});

test('without a DestinationRule: default circuit breakers, no outlier detection; PassthroughCluster has them, BlackHoleCluster none', (t) => {
  const all = clusters(MESH.slice(0, MESH.indexOf('---\napiVersion: networking.istio.io/v1')));
  const base = all['outbound|9080||reviews.default.svc.cluster.local'];
  t.deepEqual(base?.circuitBreakers, ISTIO_DEFAULT_THRESHOLDS);
  t.is(base?.outlierDetection, undefined);
  t.is(base?.healthyPanicThresholdPercent, undefined);
  t.deepEqual(all['PassthroughCluster']?.circuitBreakers, ISTIO_DEFAULT_THRESHOLDS);
  t.is(all['BlackHoleCluster']?.circuitBreakers, undefined);
});
