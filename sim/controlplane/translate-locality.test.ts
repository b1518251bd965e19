// Which locality load-balancing setting a cluster carries (loadbalancer.go GetEffectiveLbSetting and its
// TestGetEffectiveLbSetting rows, ApplyToCluster, ApplyLocalityLoadBalancer; endpoint_builder.go: failover
// only with outlier detection), and clusters built from manifests with endpoints carrying their locality.
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT, readMeshConfig } from '../config/mesh-config.ts';
import type { MeshConfig } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import { buildOutboundClusters } from './generate-clusters.ts';
import { pushContextFromStore } from './push-context.ts';
import { MESH_LOCALITY_LB_DEFAULT, clusterLocalityLb, effectiveLocalityLbSetting } from './translate-locality.ts';

const FAILOVER = { failover: [{ from: 'r1', to: 'r2' }] };
const DISTRIBUTE = { distribute: [{ from: 'r1/*', to: { 'r1/*': 70, 'r2/*': 30 } }] };

test('GetEffectiveLbSetting: the DestinationRule\'s setting wins over the mesh\'s; enabled: false at the deciding level turns it off', (t) => {
  t.is(effectiveLocalityLbSetting(undefined, undefined), null, 'all disabled');
  t.deepEqual(effectiveLocalityLbSetting(MESH_LOCALITY_LB_DEFAULT, undefined), { enabled: true }, 'mesh locality only');
  t.deepEqual(effectiveLocalityLbSetting(MESH_LOCALITY_LB_DEFAULT, FAILOVER), FAILOVER, 'dr locality wins over mesh locality');
  t.is(effectiveLocalityLbSetting({ enabled: false }, undefined), null, 'mesh locality disabled');
  t.is(effectiveLocalityLbSetting(MESH_LOCALITY_LB_DEFAULT, { enabled: false, ...FAILOVER }), null, 'dr locality disabled overrides mesh locality enabled');
  t.deepEqual(effectiveLocalityLbSetting({ enabled: false }, { enabled: true }), { enabled: true }, 'dr locality enabled overrides mesh locality disabled');
});

test('failover needs outlier detection; distribute does not; locality_weighted_lb_config only with rules', (t) => {
  const mesh = MESH_LOCALITY_LB_DEFAULT;
  t.is(clusterLocalityLb(mesh, undefined, false), undefined, 'no outlier detection: no locality preference');
  t.deepEqual(clusterLocalityLb(mesh, undefined, true), { mode: 'failover', localityWeighted: false, failover: [], failoverPriority: [] });
  t.is(clusterLocalityLb(mesh, FAILOVER, false), undefined, 'failover rules without outlier detection do nothing');
  t.deepEqual(clusterLocalityLb(mesh, FAILOVER, true), { mode: 'failover', localityWeighted: true, failover: [{ from: 'r1', to: 'r2' }], failoverPriority: [] });
  t.deepEqual(clusterLocalityLb(mesh, { failoverPriority: ['version'] }, true), { mode: 'failover', localityWeighted: true, failover: [], failoverPriority: ['version'] });
  const distribute = { mode: 'distribute', localityWeighted: true, distribute: [{ from: 'r1/*', to: [{ locality: 'r1/*', weight: 70 }, { locality: 'r2/*', weight: 30 }] }] };
  t.deepEqual(clusterLocalityLb(mesh, DISTRIBUTE, false), distribute);
  t.deepEqual(clusterLocalityLb(mesh, { ...DISTRIBUTE, ...FAILOVER }, true), distribute, 'distribute wins over failover');
  t.is(clusterLocalityLb({ enabled: false }, undefined, true), undefined, 'mesh-wide off');
});

const MANIFESTS = (trafficPolicy: string) => `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: r, image: r, ports: [{containerPort: 9080}]}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
${trafficPolicy}
  subsets:
  - name: v1
    labels: {app: reviews}
    trafficPolicy:
      loadBalancer: {localityLbSetting: {enabled: false}}
`;
const HOST = 'reviews.default.svc.cluster.local';

function build(trafficPolicy: string, mesh: MeshConfig = MESH_CONFIG_DEFAULT): { clusters: Readonly<Record<string, Cluster>>; endpoints: Readonly<Record<string, ClusterLoadAssignment>> } {
  const loaded = loadManifests([{ path: 't.yaml', text: MANIFESTS(trafficPolicy) }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  const topology = buildTopology(loaded.resources);
  // Localities come from elsewhere (nodes); here they are attached to the built endpoints.
  const located = { ...topology, endpoints: topology.endpoints.map((e, i) => ({ ...e, locality: i === 0 ? 'r1/z1/s1' : 'r2/z1/' })) };
  const built = buildOutboundClusters(pushContextFromStore(store, located, mesh), located.services, 'default');
  return { clusters: built.clusters.toJSON(), endpoints: built.endpoints.toJSON() };
}

test('generated clusters: endpoints keep their locality; outlier detection brings the mesh default failover; a subset can turn it off', (t) => {
  const withOutlier = build('    outlierDetection: {consecutive5xxErrors: 2}');
  t.deepEqual(withOutlier.endpoints[`outbound|9080||${HOST}`]?.endpoints.map((e) => e.locality).sort(), ['r1/z1/s1', 'r2/z1/']);
  t.deepEqual(withOutlier.clusters[`outbound|9080||${HOST}`]?.localityLb, { mode: 'failover', localityWeighted: false, failover: [], failoverPriority: [] });
  t.is(withOutlier.clusters[`outbound|9080|v1|${HOST}`]?.localityLb, undefined, 'the subset\'s enabled: false');
  t.is(build('    connectionPool: {tcp: {maxConnections: 3}}').clusters[`outbound|9080||${HOST}`]?.localityLb, undefined);
  const distributed = build('    loadBalancer: {simple: ROUND_ROBIN, localityLbSetting: {distribute: [{from: "r1/*", to: {"r1/*": 90, "r2/*": 10}}]}}');
  t.like(distributed.clusters[`outbound|9080||${HOST}`], { lbPolicy: 'ROUND_ROBIN', localityLb: { mode: 'distribute', localityWeighted: true } });
  const off = build('    outlierDetection: {consecutive5xxErrors: 2}', { ...MESH_CONFIG_DEFAULT, localityLbSetting: { enabled: false } });
  t.is(off.clusters[`outbound|9080||${HOST}`]?.localityLb, undefined, 'MeshConfig localityLbSetting.enabled: false');
});

test('MeshConfig localityLbSetting is read with its parts type-checked', (t) => {
  t.deepEqual(readMeshConfig('localityLbSetting: {enabled: false}\n'), { config: { localityLbSetting: { enabled: false } }, problems: [] });
  const good = readMeshConfig('localityLbSetting:\n  failover: [{from: r1, to: r2}]\n  failoverPriority: [topology.kubernetes.io/zone]\n');
  t.deepEqual(good.config.localityLbSetting, { failover: [{ from: 'r1', to: 'r2' }], failoverPriority: ['topology.kubernetes.io/zone'] });
  const bad = readMeshConfig('localityLbSetting:\n  enabled: "yes"\n  distribute: [{from: r1, to: {r1: 1.5}}]\n  failover: r1\n');
  t.deepEqual(bad.problems.map((p) => p.field), ['localityLbSetting.enabled', 'localityLbSetting.distribute[0]', 'localityLbSetting.failover']);
  t.deepEqual(bad.config, {});
});
