// Tests for sim/world/proxy-actor.ts: xDS types applied per push, NACKs (fault window, refused outlier
// detection), stale pushes, and Envoy's cluster warming of new and changed EDS clusters.
import test from 'ava';
import { proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import { assignment, blackholeCluster, cluster, endpoint, httpListener, passthroughCluster, proxyConfig } from '../proxy/fixtures.ts';
import type { PodInfo } from '../topology/model.ts';
import type { XdsType } from '../trace/run-record.ts';
import type { Cluster } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { LivePod } from './cluster-state.ts';
import { ProxyActor, XDS_ORDER, rejectedCluster } from './proxy-actor.ts';

const INFO: PodInfo = {
  name: 'web-abc-12345', namespace: 'shop', workload: 'web', workloadKind: 'Deployment', ip: '10.244.0.9',
  labels: { app: 'web' }, serviceAccount: 'web', identity: 'spiffe://cluster.local/ns/shop/sa/web', proxy: 'sidecar', ready: false,
};

function actor(): ProxyActor {
  const pod: LivePod = { info: INFO, workloadKey: 'shop/web', generation: 0, index: 0, phase: 'starting', createdUs: 0 };
  return new ProxyActor(pod, proxyIdentityOf(INFO), 0);
}

const REVIEWS = 'outbound|9080||reviews.shop.svc.cluster.local';
const RATINGS = 'outbound|9080||ratings.shop.svc.cluster.local';

function eds(name: string, host: string, overrides: Partial<Cluster> = {}): Cluster {
  return cluster(name, { serviceHost: host, servicePort: 9080, ...overrides });
}

/** A config with these clusters, one endpoint each, and one listener named after `tag`. */
function config(clusters: readonly Cluster[], tag = 'v'): ProxyConfig {
  return proxyConfig({
    clusters,
    endpoints: clusters.filter((c) => c.discovery === 'EDS').map((c) => assignment(c.name, [endpoint(`10.0.${clusters.length}.1`, 9080)])),
    listeners: [httpListener(9080, tag)],
  });
}

function applyTypes(proxy: ProxyActor, types: readonly XdsType[], push: number, cfg: ProxyConfig, nowUs = 0): void {
  for (const type of types) if (!proxy.apply(type, push, cfg, nowUs)) throw new Error(`${type} of push ${push} NACKed`);
}

const names = (view: ProxyConfig | null) => (view?.clusters.keys() ?? []).sort();

const reviews = eds(REVIEWS, 'reviews.shop.svc.cluster.local');
const ratings = eds(RATINGS, 'ratings.shop.svc.cluster.local');
const passthrough = passthroughCluster();

test('before its first listener (LDS) the proxy has no view', (t) => {
  const proxy = actor();
  t.is(proxy.view(), null);
  applyTypes(proxy, ['CDS', 'EDS', 'RDS'], 1, config([reviews]));
  t.is(proxy.view(), null);
  t.false(proxy.hasFullConfig());
  applyTypes(proxy, ['LDS'], 1, config([reviews]));
  const view = proxy.view();
  t.not(view, null);
  t.deepEqual(names(view), [REVIEWS]);
  t.is(view?.version, '1.1.1.1');
  t.true(proxy.hasFullConfig());
  t.true(proxy.upToDate());
  t.is(proxy.view(), view, 'not rebuilt while nothing changes');
});

test('on the first CDS, EDS clusters warm until the first EDS; others are there at once', (t) => {
  const proxy = actor();
  const cfg = config([reviews, passthrough]);
  applyTypes(proxy, ['CDS', 'LDS'], 1, cfg);
  t.deepEqual(names(proxy.view()), ['PassthroughCluster']);
  applyTypes(proxy, ['EDS'], 1, cfg);
  t.deepEqual(names(proxy.view()), ['PassthroughCluster', REVIEWS].sort());
});

test('a new EDS cluster is not there until the EDS of its push; the clusters from before stay', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews, passthrough]));
  const second = config([reviews, ratings, passthrough]);
  applyTypes(proxy, ['CDS'], 2, second);
  const warming = proxy.view();
  t.deepEqual(names(warming), ['PassthroughCluster', REVIEWS].sort());
  t.is(warming?.clusters.get(REVIEWS), reviews);
  t.is(warming?.version, '2.1.1.1');
  applyTypes(proxy, ['EDS'], 2, second);
  t.deepEqual(names(proxy.view()), ['PassthroughCluster', RATINGS, REVIEWS].sort());
  t.is(proxy.view()?.endpoints.get(RATINGS)?.clusterName, RATINGS);
});

test('a changed EDS cluster keeps serving its previous version until the EDS of its push', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews, ratings]));
  const changed = eds(REVIEWS, 'reviews.shop.svc.cluster.local', { lbPolicy: 'LEAST_REQUEST', maxRequestsPerConnection: 1 });
  const second = config([changed, ratings]);
  applyTypes(proxy, ['CDS', 'LDS', 'RDS'], 2, second);
  t.is(proxy.view()?.clusters.get(REVIEWS), reviews, 'the old version while the new one warms');
  t.is(proxy.view()?.clusters.get(RATINGS), ratings, 'the unchanged one as it is');
  t.is(proxy.view()?.listeners, second.listeners, 'other types are not held back');
  applyTypes(proxy, ['EDS'], 2, second);
  t.is(proxy.view()?.clusters.get(REVIEWS), changed);
});

test('a changed EDS cluster that keeps warming across two CDS still serves the version from before both', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews]));
  const v2 = eds(REVIEWS, 'reviews.shop.svc.cluster.local', { lbPolicy: 'RANDOM' });
  const v3 = eds(REVIEWS, 'reviews.shop.svc.cluster.local', { lbPolicy: 'LEAST_REQUEST' });
  applyTypes(proxy, ['CDS'], 2, config([v2]));
  applyTypes(proxy, ['CDS'], 3, config([v3]));
  t.is(proxy.view()?.clusters.get(REVIEWS), reviews);
  applyTypes(proxy, ['EDS'], 3, config([v3]));
  t.is(proxy.view()?.clusters.get(REVIEWS), v3);
});

test('new and changed STATIC and ORIGINAL_DST clusters are there at once', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews, passthrough]));
  const passthroughV2 = { ...passthroughCluster(), upstreamProtocol: 'http1' as const };
  const blackhole = blackholeCluster();
  applyTypes(proxy, ['CDS'], 2, config([reviews, passthroughV2, blackhole]));
  const view = proxy.view();
  t.is(view?.clusters.get('BlackHoleCluster'), blackhole);
  t.is(view?.clusters.get('PassthroughCluster'), passthroughV2);
  t.is(view?.clusters.get(REVIEWS), reviews);
});

test('a cluster CDS removes is gone at once, even before EDS', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews, ratings]));
  applyTypes(proxy, ['CDS'], 2, config([reviews]));
  t.deepEqual(names(proxy.view()), [REVIEWS]);
});

test('during a NACK window every response is refused and the last accepted config stays', (t) => {
  const proxy = actor();
  const first = config([reviews]);
  applyTypes(proxy, XDS_ORDER, 1, first, 100);
  const before = proxy.view();
  proxy.nackUntilUs = 5_000;
  const second = config([reviews, ratings, passthrough], 'second');
  for (const type of XDS_ORDER) t.false(proxy.apply(type, 2, second, 4_999), `${type} NACKed`);
  t.is(proxy.nacks, 4);
  t.is(proxy.view(), before);
  t.deepEqual(names(proxy.view()), [REVIEWS]);
  for (const type of XDS_ORDER) t.is(proxy.ackedPush(type), 1);
  t.false(proxy.upToDate());
  t.true(proxy.hasFullConfig());
  t.true(proxy.apply('CDS', 2, second, 5_000), 'the window is over at nackUntilUs');
  t.false(proxy.upToDate(), 'EDS, LDS, RDS still NACKed');
  applyTypes(proxy, ['EDS', 'LDS', 'RDS'], 2, second, 5_000);
  t.true(proxy.upToDate());
  t.deepEqual(names(proxy.view()), ['PassthroughCluster', RATINGS, REVIEWS].sort());
  t.is(proxy.nacks, 4);
});

test('a NACK fault until the run ends refuses at any instant', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews]));
  proxy.nackUntilUs = Number.MAX_SAFE_INTEGER;
  t.false(proxy.apply('LDS', 2, config([reviews], 'x'), Number.MAX_SAFE_INTEGER));
  t.is(proxy.ackedPush('LDS'), 1);
});

test('a CDS with outlier detection Envoy refuses is NACKed whole', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews]));
  const bad = eds(RATINGS, 'ratings.shop.svc.cluster.local', { outlierDetection: { baseEjectionTimeUs: 60_000_000, maxEjectionTimeUs: 10_000_000 } });
  const second = config([reviews, bad]);
  t.is(rejectedCluster(second), RATINGS);
  t.is(rejectedCluster(config([reviews])), null);
  t.false(proxy.apply('CDS', 2, second, 0));
  t.true(proxy.apply('EDS', 2, second, 0), 'EDS alone is not checked');
  t.is(proxy.ackedPush('CDS'), 1);
  t.deepEqual(names(proxy.view()), [REVIEWS]);
  t.false(proxy.upToDate());
});

test('an older push never replaces a newer one (it is ACKed but ignored)', (t) => {
  const proxy = actor();
  const newer = config([reviews, ratings], 'newer');
  const older = config([reviews], 'older');
  applyTypes(proxy, XDS_ORDER, 3, newer);
  const view = proxy.view();
  for (const type of XDS_ORDER) t.true(proxy.apply(type, 2, older, 0), `${type} of an older push`);
  for (const type of XDS_ORDER) t.is(proxy.ackedPush(type), 3);
  t.is(proxy.view(), view);
  t.deepEqual(names(proxy.view()), [RATINGS, REVIEWS].sort());
  t.is(proxy.view()?.listeners, newer.listeners);
  t.is(proxy.latest('CDS'), newer);
});

test('edsHosts: the service hosts of the EDS clusters of the last CDS, warming or not', (t) => {
  const proxy = actor();
  t.is(proxy.edsHosts(), null);
  const external = cluster('outbound|443||api.example.com', { discovery: 'STRICT_DNS', serviceHost: 'api.example.com', servicePort: 443 });
  const subset = eds('outbound|9080|v2|reviews.shop.svc.cluster.local', 'reviews.shop.svc.cluster.local', { subset: 'v2' });
  applyTypes(proxy, ['CDS'], 1, config([reviews, subset, ratings, passthrough, external]));
  t.deepEqual([...proxy.edsHosts()!].sort(), ['ratings.shop.svc.cluster.local', 'reviews.shop.svc.cluster.local']);
  applyTypes(proxy, ['CDS'], 2, config([reviews, passthrough]));
  t.deepEqual([...proxy.edsHosts()!], ['reviews.shop.svc.cluster.local']);
  proxy.nackUntilUs = 10;
  t.false(proxy.apply('CDS', 3, config([ratings]), 0));
  t.deepEqual([...proxy.edsHosts()!], ['reviews.shop.svc.cluster.local'], 'a NACKed CDS changes nothing');
});

// Header rule: a cluster "is warming until an EDS response at least as new [as the CDS that added or
// changed it] arrives". Here `ratings` is added by CDS 2 and CDS 3 keeps it unchanged; EDS 2 is as new
// as the CDS that added it, so Envoy (which warms per cluster on its ClusterLoadAssignment) serves it.
test('a cluster added by one CDS is warm after that push\'s EDS, even when a later CDS arrived first', (t) => {
  const proxy = actor();
  applyTypes(proxy, XDS_ORDER, 1, config([reviews]));
  applyTypes(proxy, ['CDS'], 2, config([reviews, ratings]));
  const details = eds('outbound|9080||details.shop.svc.cluster.local', 'details.shop.svc.cluster.local');
  const third = config([reviews, ratings, details]);
  applyTypes(proxy, ['CDS'], 3, third);
  applyTypes(proxy, ['EDS'], 2, config([reviews, ratings]));
  const view = proxy.view();
  t.false(details.name in (view?.clusters ?? {}), 'details (CDS 3) still warms');
  t.is(view?.clusters.get(RATINGS), ratings, 'ratings (CDS 2) is warm after EDS 2');
});
