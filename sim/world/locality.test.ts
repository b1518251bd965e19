// Locality load balancing through a whole mesh: the fortio client runs in r1/z1/s1, two httpbin pods
// beside it and two in another region. With outlier detection (Istio's mesh default localityLbSetting is
// enabled) every request stays local until the local pods are ejected, then fails over; without it
// there is no preference. Localities are attached to the built topology (pods and endpoints).
import test from 'ava';
import { Rng } from '../core/prng.ts';
import { generateProxyConfig, proxyIdentityOf } from '../controlplane/generate-proxy-config.ts';
import { pushContextFromStore } from '../controlplane/push-context.ts';
import type { PodInfo } from '../topology/model.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { httpbinManifests } from './httpbin-fixture.ts';
import { buildMesh } from './mesh.ts';
import { ProbeSession } from './probe.ts';
import type { MeshView } from './probe.ts';
import type { ProbeResult } from './probe-types.ts';
import { AttemptResilience } from './resilience.ts';

const OUTLIER = '    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}';
const POOL_ONLY = '    connectionPool: {tcp: {maxConnections: 100}}';
const REQUEST = { from: 'default/fortio', url: 'http://httpbin:8000/get' };

/** The mesh with localities: fortio and the first two httpbin pods (by name) in r1/z1/s1, the others in r2/z1/s1. */
function localizedMesh(trafficPolicy: string): { view: MeshView; local: ReadonlySet<string> } {
  const mesh = buildMesh([{ path: 'm.yaml', text: httpbinManifests(trafficPolicy, { httpbin: 4 }) }]);
  const httpbin = mesh.topology.pods.filter((p) => p.workload === 'httpbin').map((p) => p.name).sort();
  const local = new Set(httpbin.slice(0, 2));
  const localityOf = (pod: string) => (pod.startsWith('fortio') || local.has(pod) ? 'r1/z1/s1' : 'r2/z1/s1');
  const topology = {
    ...mesh.topology,
    pods: mesh.topology.pods.map((p) => ({ ...p, locality: localityOf(p.name) })),
    endpoints: mesh.topology.endpoints.map((e) => (e.pod === '' ? e : { ...e, locality: localityOf(e.pod) })),
  };
  const push = pushContextFromStore(mesh.store, topology, mesh.push.mesh);
  const cache = new Map<string, ProxyConfig>();
  const view: MeshView = {
    topology,
    proxyConfig(pod: PodInfo) {
      if (pod.proxy === 'none') return null;
      const cached = cache.get(pod.name) ?? generateProxyConfig(push, proxyIdentityOf(pod));
      cache.set(pod.name, cached);
      return cached;
    },
  };
  return { view, local };
}

function probe(session: ProbeSession, nowUs?: number): ProbeResult {
  const result = session.probe(REQUEST, undefined, nowUs);
  if ('error' in result) throw new Error(result.error);
  return result;
}

test('with outlier detection every request stays in the client\'s locality; without it both localities get traffic', (t) => {
  const located = localizedMesh(OUTLIER);
  const session = new ProbeSession(located.view, Rng.fromSeed(1));
  const pods = Array.from({ length: 200 }, () => probe(session).destination?.pod ?? '');
  t.true(pods.every((pod) => located.local.has(pod)), 'all local');
  t.is(new Set(pods).size, 2, 'both local pods share the load');

  const plain = localizedMesh(POOL_ONLY);
  const plainSession = new ProbeSession(plain.view, Rng.fromSeed(2));
  const spread = Array.from({ length: 200 }, () => probe(plainSession).destination?.pod ?? '');
  const remote = spread.filter((pod) => !plain.local.has(pod)).length;
  t.true(remote > 60 && remote < 140, `${remote} of 200 went to the other region`);
});

test('in a run: local pods ejected after a 5xx each, traffic fails over to the other region, and comes back after baseEjectionTime', (t) => {
  const located = localizedMesh(OUTLIER);
  const session = new ProbeSession(located.view, Rng.fromSeed(3));
  const resilience = new AttemptResilience<string>(session);
  const ejected = new Set<string>();
  let nowUs = 1;
  // Every local pod answers 500 once: consecutive5xxErrors 1 ejects it (maxEjectionPercent 100).
  while (ejected.size < 2 && nowUs < 1_000) {
    const result = probe(session, nowUs);
    const pod = result.destination?.pod ?? '';
    t.true(located.local.has(pod), 'local pods keep the traffic until ejected');
    resilience.begin(nowUs, result.holds ?? []);
    resilience.end(nowUs, 500, [], false, nowUs);
    ejected.add(pod);
    nowUs += 1;
  }
  t.is(ejected.size, 2);
  const after = Array.from({ length: 50 }, (_, i) => {
    const result = probe(session, 2_000 + 2 * i);
    resilience.begin(2_000 + 2 * i, result.holds ?? []);
    resilience.end(2_000 + 2 * i, 200, [], false, 2_001 + 2 * i);
    return result.destination?.pod ?? '';
  });
  t.true(after.every((pod) => pod !== '' && !located.local.has(pod)), 'failed over to r2');
  // Ejections last baseEjectionTime (30 s) and end at the next 1 s sweep.
  t.true(located.local.has(probe(session, 32_000_000).destination?.pod ?? ''), 'back home');
});
