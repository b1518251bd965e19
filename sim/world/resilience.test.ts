// The run's side of resilience over a real mesh: a probe in time holds pool slots (at rest it holds
// none, so `meshsim probe` output is unchanged), an attempt waiting for a connection goes on when one
// is freed, outcomes reach the outlier detector as Envoy's router reports them, and max_retries caps
// retries.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import { buildMesh } from './mesh.ts';
import { httpbinManifests } from './httpbin-fixture.ts';
import { ProbeSession } from './probe.ts';
import type { ProbeResult } from './probe-types.ts';
import { rejectedCluster } from './proxy-actor.ts';
import { AttemptResilience, outlierResultOf } from './resilience.ts';

const MANIFESTS = (trafficPolicy: string) => httpbinManifests(trafficPolicy);

const LIMITS = '    connectionPool: {tcp: {maxConnections: 1}, http: {http1MaxPendingRequests: 1, maxRetries: 1}}';
const REQUEST = { from: 'default/fortio', url: 'http://httpbin:8000/get' };

function session(trafficPolicy = LIMITS): ProbeSession {
  return new ProbeSession(buildMesh([{ path: 'm.yaml', text: MANIFESTS(trafficPolicy) }]), Rng.fromSeed(1));
}

function attempt(probe: ProbeSession, nowUs?: number): ProbeResult {
  const result = probe.probe(REQUEST, undefined, nowUs);
  if ('error' in result) throw new Error(result.error);
  return result;
}

test('at rest a probe holds nothing and never overflows (meshsim probe)', (t) => {
  const probe = session();
  for (let i = 0; i < 4; i += 1) {
    const result = attempt(probe);
    t.is(result.status, 200);
    t.false('holds' in result);
  }
});

test('in a run an attempt holds a slot per forwarding proxy; past the limits the client’s sidecar answers 503 UO', (t) => {
  const probe = session();
  const first = attempt(probe, 0);
  t.is(first.status, 200);
  // The client's outbound cluster and the server's inbound cluster.
  t.deepEqual(first.holds?.map((h) => [h.proxy.split('-')[0], h.cluster, h.admission]), [
    ['fortio', 'outbound|8000||httpbin.default.svc.cluster.local', 'sent'],
    ['httpbin', 'inbound|8080||', 'sent'],
  ]);
  const second = attempt(probe, 0);
  t.is(second.holds?.[0]?.admission, 'pending');
  const third = attempt(probe, 0);
  t.like(third, { status: 503, flags: ['UO'], destination: null });
  t.is(third.holds, undefined);
});

test('the attempt waiting for the connection goes on when the first one ends', (t) => {
  const probe = session();
  const resilience = new AttemptResilience<string>(probe);
  const first = attempt(probe, 0);
  const second = attempt(probe, 0);
  resilience.begin(1, first.holds ?? []);
  resilience.begin(2, second.holds ?? []);
  t.false(resilience.park(1, { delayUs: 5, event: 'first arrives' }));
  t.true(resilience.park(2, { delayUs: 7, event: 'second arrives' }));
  t.deepEqual(resilience.end(1, 200, [], false, 20_000), [{ delayUs: 7, event: 'second arrives' }]);
  t.deepEqual(resilience.end(1, 200, [], false, 20_000), [], 'ending twice releases nothing twice');
  // The slot is free again: a new attempt is sent at once.
  t.deepEqual(resilience.end(2, 200, [], false, 40_000), []);
  t.is(attempt(probe, 40_000).holds?.[0]?.admission, 'sent');
});

test('a waiting attempt that times out is cancelled; the next request does not inherit its place', (t) => {
  const probe = session();
  const resilience = new AttemptResilience<string>(probe);
  resilience.begin(1, attempt(probe, 0).holds ?? []);
  resilience.begin(2, attempt(probe, 0).holds ?? []);
  t.true(resilience.park(2, { delayUs: 7, event: 'second arrives' }));
  t.deepEqual(resilience.end(2, 504, ['UT'], true, 10_000), []);
  t.deepEqual(resilience.end(1, 200, [], false, 20_000), [], 'nothing waits any more');
});

test('max_retries: one retry in flight at a time (http.maxRetries 1); the slot comes back when its attempt ends', (t) => {
  const probe = session();
  const resilience = new AttemptResilience<string>(probe);
  const a = attempt(probe, 0);
  resilience.begin(1, a.holds ?? []);
  resilience.end(1, 503, [], false, 1);
  t.true(resilience.takeRetry(1, a.holds ?? []));
  const b = attempt(probe, 2);
  resilience.begin(2, b.holds ?? []);
  resilience.end(2, 503, [], false, 3);
  t.false(resilience.takeRetry(2, b.holds ?? []), 'the first retry still holds the only slot');
  resilience.begin(1, attempt(probe, 4).holds ?? []);
  resilience.end(1, 200, [], false, 5);
  t.true(resilience.takeRetry(2, b.holds ?? []));
});

test('outlier detection in a run: the client’s detector ejects the only host after consecutive 5xx; minHealthPercent 0 means no panic: 503 UH', (t) => {
  const probe = session('    outlierDetection: {consecutive5xxErrors: 2, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}');
  const resilience = new AttemptResilience<string>(probe);
  for (let i = 1; i <= 2; i += 1) {
    const result = attempt(probe, i);
    t.is(result.status, 200, 'the route reached the app');
    resilience.begin(i, result.holds ?? []);
    resilience.end(i, 500, [], false, i);
  }
  t.like(attempt(probe, 10), { status: 503, flags: ['UH'] });
  t.is(attempt(probe, 31_500_000).status, 200, 'back after baseEjectionTime, at the next 1s sweep');
});

test('what each host did: timeouts, resets, a failed connection at the last hop, else the status', (t) => {
  t.deepEqual(outlierResultOf(504, ['UT'], true, true), { kind: 'timeout' });
  t.deepEqual(outlierResultOf(0, [], false, false), { kind: 'connect-failed' });
  t.deepEqual(outlierResultOf(503, ['UF'], false, true), { kind: 'connect-failed' });
  t.deepEqual(outlierResultOf(503, ['UF'], false, false), { kind: 'http', status: 503 });
  t.deepEqual(outlierResultOf(500, [], false, true), { kind: 'http', status: 500 });
  t.deepEqual(outlierResultOf(403, [], false, true), { kind: 'http', status: 403 });
});

test('Envoy refuses a cluster whose baseEjectionTime exceeds max_ejection_time (300 s): the proxy NACKs that CDS', (t) => {
  const rejected = buildMesh([{ path: 'm.yaml', text: MANIFESTS('    outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 301s}') }]);
  const fine = buildMesh([{ path: 'm.yaml', text: MANIFESTS('    outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 300s}') }]);
  const client = (mesh: typeof fine) => mesh.proxyConfig(mesh.topology.pods.find((p) => p.workload === 'fortio')!)!;
  t.is(rejectedCluster(client(rejected)), 'outbound|8000||httpbin.default.svc.cluster.local');
  t.is(rejectedCluster(client(fine)), null);
});
