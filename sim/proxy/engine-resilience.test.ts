// Resilience through the engine, as a run drives it (state.nowUs set): circuit breaking answers 503 UO
// without an upstream attempt, a pending request gets the connection a finished one frees, outlier
// detection ejects a host from load balancing (with the panic threshold), and at rest none of it
// happens. Rules: upstream-resilience.ts (Envoy conn_pool_base.cc, tcp_proxy.cc,
// outlier_detection_impl.cc, load_balancer_impl.cc isHostSetInPanic).
import test from 'ava';
import { Rng } from '../core/prng.ts';
import type { Cluster } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { handleCall } from './engine.ts';
import { httpCall, httpRequest, tcpCall } from './fixtures.ts';
import { MYSQL_CLUSTER, MYSQL_VIP, REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';
import { releaseUpstream } from './upstream-resilience.ts';
import type { UpstreamHold } from './upstream-resilience.ts';

const S = 1_000_000;
const UNLIMITED = { maxConnections: 2 ** 32 - 1, maxPendingRequests: 2 ** 32 - 1, maxRequests: 2 ** 32 - 1, maxRetries: 2 ** 32 - 1 };

/** The fixture mesh with `patch` on one cluster (default: reviews, ROUND_ROBIN over 10.1.0.1–3). */
function withCluster(patch: Partial<Cluster>, name = reviewsCluster()): ProxyConfig {
  const config = meshConfig();
  const cluster = config.clusters.get(name)!;
  return { ...config, clusters: config.clusters.with([[name, { ...cluster, ...patch }]]) };
}

function call(config: ProxyConfig, state: ProxyState, nowUs: number | null, rng = Rng.fromSeed(1)): Outcome {
  state.nowUs = nowUs;
  return handleCall(config, httpCall(REVIEWS_VIP, 9080, httpRequest('reviews:9080', '/')), state, rng);
}

function hold(outcome: Outcome): UpstreamHold {
  if (outcome.hold === undefined) throw new Error(`no hold: ${outcome.reason}`);
  return outcome.hold;
}

test('circuit breaking: over max_requests the client proxy answers 503 UO itself; a finished request frees the slot', (t) => {
  const config = withCluster({ circuitBreakers: { ...UNLIMITED, maxRequests: 2 } });
  const state = createProxyState();
  const first = call(config, state, 0);
  const second = call(config, state, 0);
  t.is(first.kind, 'forwarded');
  t.is(hold(second).admission, 'sent');
  const third = call(config, state, 0);
  t.like(third, { kind: 'local-reply', status: 503, flags: ['UO'], endpoint: null, cluster: reviewsCluster() });
  t.is(third.hold, undefined, 'an overflow holds nothing');
  t.regex(third.reason, /max_requests \(http2MaxRequests\) is 2.*503 UO/);
  t.deepEqual(releaseUpstream(state, hold(first), false, { kind: 'http', status: 200 }, 10, Rng.fromSeed(1)), { promoted: null, events: [] });
  t.is(call(config, state, 10).kind, 'forwarded');
});

test('Istio’s circuit-breaking task (maxConnections 1, http1MaxPendingRequests 1): sent, pending, 503 UO; the pending one gets the freed connection', (t) => {
  const config = withCluster({ circuitBreakers: { ...UNLIMITED, maxConnections: 1, maxPendingRequests: 1 }, lbPolicy: 'ROUND_ROBIN' });
  const config1 = { ...config, endpoints: config.endpoints.with([[reviewsCluster(), { ...config.endpoints.get(reviewsCluster())!, endpoints: config.endpoints.get(reviewsCluster())!.endpoints.slice(0, 1) }]]) };
  const state = createProxyState();
  const sent = hold(call(config1, state, 0));
  const waiting = hold(call(config1, state, 0));
  t.is(sent.admission, 'sent');
  t.is(waiting.admission, 'pending');
  t.like(call(config1, state, 0), { status: 503, flags: ['UO'] });
  const release = releaseUpstream(state, sent, false, { kind: 'http', status: 200 }, 20_000, Rng.fromSeed(1));
  t.is(release.promoted, waiting.request);
  // The promoted request now holds the connection: released as sent.
  t.is(releaseUpstream(state, waiting, false, { kind: 'http', status: 200 }, 40_000, Rng.fromSeed(1)).promoted, null);
  t.true([...state.activeRequests.values()].every((hosts) => [...hosts.values()].every((n) => n === 0)), 'no request is left counted');
});

test('a waiting request that gives up is cancelled and tells its host nothing', (t) => {
  const config = withCluster({ circuitBreakers: { ...UNLIMITED, maxConnections: 1, maxPendingRequests: 5 }, outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 } });
  const state = createProxyState();
  const holds = [0, 1, 2, 3].map(() => hold(call(config, state, 0)));
  const pending = holds.find((h) => h.admission === 'pending');
  t.truthy(pending);
  t.deepEqual(releaseUpstream(state, pending!, true, null, 5, Rng.fromSeed(1)), { promoted: null, events: [] });
});

test('at rest (meshsim probe) nothing is held, nothing overflows, nothing is ejected', (t) => {
  const config = withCluster({ circuitBreakers: { ...UNLIMITED, maxRequests: 1 }, outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 } });
  const state = createProxyState();
  for (let i = 0; i < 5; i += 1) {
    const outcome = call(config, state, null);
    t.is(outcome.kind, 'forwarded');
    t.is(outcome.hold, undefined);
  }
  t.is(state.connectionPools.size, 0);
  t.is(state.outlierDetectors.size, 0);
});

test('outlier detection: two 5xx in a row eject the host; load balancing skips it until a sweep after the ejection time', (t) => {
  const config = withCluster({
    outlierDetection: { consecutive5xx: 2, enforcingConsecutive5xxPercent: 100, intervalUs: S, baseEjectionTimeUs: 10 * S, maxEjectionPercent: 100 },
    healthyPanicThresholdPercent: 0,
  });
  const state = createProxyState();
  const rng = Rng.fromSeed(3);
  let events = 0;
  // Every request to 10.1.0.1 fails with 500 until it is ejected.
  for (let i = 0; i < 12; i += 1) {
    const h = hold(call(config, state, 1_000 * i, rng));
    const status = h.host === '10.1.0.1:9080' ? 500 : 200;
    events += releaseUpstream(state, h, false, { kind: 'http', status }, 1_000 * i, rng).events.filter((e) => e.kind === 'ejected').length;
  }
  t.is(events, 1);
  const picked = new Set<string>();
  for (let i = 0; i < 30; i += 1) {
    const h = hold(call(config, state, 2 * S + i, rng));
    picked.add(h.host);
    releaseUpstream(state, h, false, { kind: 'http', status: 200 }, 2 * S + i, rng);
  }
  t.deepEqual([...picked].sort(), ['10.1.0.2:9080', '10.1.0.3:9080'], 'the ejected host gets nothing');
  // Ejected at ~2 ms for 10 s; sweeps every second from the detector's creation (t=0): back at the 11 s sweep.
  const back = new Set<string>();
  for (let i = 0; i < 30; i += 1) {
    const h = hold(call(config, state, 11 * S + i, rng));
    back.add(h.host);
    releaseUpstream(state, h, false, { kind: 'http', status: 200 }, 11 * S + i, rng);
  }
  t.true(back.has('10.1.0.1:9080'));
});

test('panic threshold: with fewer healthy hosts than healthy_panic_threshold, ejected hosts are used again', (t) => {
  const outlier = { consecutive5xx: 1, enforcingConsecutive5xxPercent: 100, maxEjectionPercent: 100 };
  for (const [threshold, expectEjectedUsed] of [[0, false], [100, true]] as const) {
    const config = withCluster({ outlierDetection: outlier, healthyPanicThresholdPercent: threshold });
    const state = createProxyState();
    const rng = Rng.fromSeed(5);
    // Eject 10.1.0.1: 2 of 3 hosts healthy (67%).
    for (let i = 0; i < 3; i += 1) {
      const h = hold(call(config, state, i, rng));
      releaseUpstream(state, h, false, { kind: 'http', status: h.host === '10.1.0.1:9080' ? 503 : 200 }, i, rng);
    }
    const hosts = new Set<string>();
    for (let i = 0; i < 30; i += 1) {
      const h = hold(call(config, state, 100 + i, rng));
      hosts.add(h.host);
      releaseUpstream(state, h, false, { kind: 'http', status: 200 }, 100 + i, rng);
    }
    t.is(hosts.has('10.1.0.1:9080'), expectEjectedUsed, `threshold ${threshold}%`);
  }
});

test('an overflow is no host’s fault, and a result for a replaced detector is dropped', (t) => {
  const outlier = { consecutive5xx: 1, enforcingConsecutive5xxPercent: 100, maxEjectionPercent: 100 };
  const config = withCluster({ outlierDetection: outlier, healthyPanicThresholdPercent: 0 });
  const state = createProxyState();
  const rng = Rng.fromSeed(1);
  const old = hold(call(config, state, 0, rng));
  // The cluster changes (a new push): a new cluster in Envoy, a new detector here.
  const changed = withCluster({ outlierDetection: { ...outlier, intervalUs: 2 * S }, healthyPanicThresholdPercent: 0 });
  hold(call(changed, state, 1, rng));
  t.deepEqual(releaseUpstream(state, old, false, { kind: 'http', status: 500 }, 2, rng).events, []);
  t.is(state.outlierDetectors.get(reviewsCluster())?.detector.ejectedCount, 0);
});

test('tcp_proxy: over max_connections the connection is closed with UO; closing one frees the slot', (t) => {
  const config = withCluster({ circuitBreakers: { ...UNLIMITED, maxConnections: 1 } }, MYSQL_CLUSTER);
  const state = createProxyState();
  state.nowUs = 0;
  const first = handleCall(config, tcpCall(MYSQL_VIP, 3306), state, Rng.fromSeed(1));
  t.is(first.kind, 'forwarded');
  const second = handleCall(config, tcpCall(MYSQL_VIP, 3306), state, Rng.fromSeed(1));
  t.like(second, { kind: 'reset', flags: ['UO'], connected: false });
  releaseUpstream(state, hold(first), false, { kind: 'connect-success' }, 1, Rng.fromSeed(1));
  t.is(handleCall(config, tcpCall(MYSQL_VIP, 3306), state, Rng.fromSeed(1)).kind, 'forwarded');
});

test('a cluster without circuit breakers gets Envoy’s defaults: the 1025th concurrent request overflows', (t) => {
  const config = meshConfig();
  const state = createProxyState();
  for (let i = 0; i < 1024; i += 1) t.is(call(config, state, 0).kind, 'forwarded');
  t.like(call(config, state, 0), { status: 503, flags: ['UO'] });
});
