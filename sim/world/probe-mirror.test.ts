// Request mirroring through probes: a VirtualService `mirror` / `mirrors` compiled by the control plane
// (route.go MirrorPercent, MirrorPercentByPolicy) and run by the client's sidecar. A probe says where
// the shadow copy goes; ProbeSession.shadow walks it from the client's proxy straight to the mirror
// cluster, then through the destination pod's sidecar inbound, as a run sends it.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import { buildMesh } from './mesh.ts';
import { ProbeSession } from './probe.ts';
import type { ProbeMirror, ProbeResult } from './probe-types.ts';

const V2_CLUSTER = 'outbound|9080|v2|reviews.default.svc.cluster.local';

function deployment(name: string, app: string, version: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: default}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${app}, version: ${version}}}
  template:
    metadata: {labels: {app: ${app}, version: ${version}}}
    spec: {containers: [{name: c, image: ${app}}]}`;
}

/** reviews v1 (2 pods) and v2 (2 pods) behind one Service, a sleep client, subsets, and `http` as the VirtualService's route. */
function session(http: string, seed = 1): ProbeSession {
  const text = [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: {istio-injection: enabled}}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: default}\nspec:\n  selector: {app: reviews}\n  ports: [{name: http, port: 9080}]',
    deployment('reviews-v1', 'reviews', 'v1', 2), deployment('reviews-v2', 'reviews', 'v2', 2), deployment('sleep', 'sleep', 'v1', 1),
    'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews, namespace: default}\nspec:\n  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]',
    `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - ${http}`,
  ].join('\n---\n');
  const mesh = buildMesh([{ path: 'm.yaml', text }]);
  const errors = mesh.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  return new ProbeSession(mesh, Rng.fromSeed(seed));
}

function probe(s: ProbeSession): ProbeResult {
  const result = s.probe({ from: 'default/sleep', url: 'http://reviews:9080/reviews/1' });
  if ('error' in result) throw new Error(result.error);
  return result;
}

const MIRROR_ALL = '{route: [{destination: {host: reviews, subset: v1}}], mirror: {host: reviews, subset: v2}}';

test('a probe says where the shadow copy goes (mirror without percentage: 100%); the request itself is unchanged', (t) => {
  const s = session(MIRROR_ALL);
  const result = probe(s);
  t.like(result, { status: 200, destination: { subset: 'v1', workload: 'reviews-v1' } });
  const sleep = s.mesh.topology.pods.find((p) => p.workload === 'sleep')!;
  t.deepEqual(result.mirrors?.map((m) => [m.proxy, m.cluster, m.upstream.authority, m.upstream.path]),
    [[`${sleep.name}.default`, V2_CLUSTER, 'reviews-shadow:9080', '/reviews/1']]);
  // The same request without a mirror: the same hops and answer, no mirrors field.
  const plain = probe(session('{route: [{destination: {host: reviews, subset: v1}}]}'));
  t.false('mirrors' in plain);
  t.deepEqual({ ...result, mirrors: undefined, trace: result.trace.map((h) => h.route) }, { ...plain, mirrors: undefined, trace: plain.trace.map((h) => h.route) });
});

test('mirrorPercentage 0 (route.go MirrorPercent: no mirror) never shadows; 50% about half of 400 probes', (t) => {
  const none = session(`${MIRROR_ALL.slice(0, -1)}, mirrorPercentage: {value: 0}}`);
  for (let i = 0; i < 50; i += 1) t.is(probe(none).mirrors, undefined);
  const half = session(`${MIRROR_ALL.slice(0, -1)}, mirrorPercentage: {value: 50}}`);
  const shadowed = Array.from({ length: 400 }, () => probe(half)).filter((r) => r.mirrors !== undefined).length;
  t.true(shadowed > 160 && shadowed < 240, `${shadowed} of 400`);
});

test('`mirrors` entries each draw against the same value, in order (route.go MirrorPercentByPolicy: no percentage is 100%)', (t) => {
  const s = session('{route: [{destination: {host: reviews, subset: v1}}], mirrors: [{destination: {host: reviews, subset: v2}}, {destination: {host: reviews}, percentage: {value: 100}}]}');
  t.deepEqual(probe(s).mirrors?.map((m) => m.cluster), [V2_CLUSTER, 'outbound|9080||reviews.default.svc.cluster.local']);
});

test('the shadow walk goes from the client\'s proxy straight to the mirror cluster, reaches only the v2 pods, through their sidecar inbound', (t) => {
  const s = session(MIRROR_ALL);
  const mirror: ProbeMirror = probe(s).mirrors![0]!;
  const pods = new Set<string>();
  for (let i = 0; i < 20; i += 1) {
    const walked = s.shadow(mirror);
    if ('error' in walked) throw new Error(walked.error);
    t.like(walked, { status: 200, mtls: true, destination: { subset: 'v2', workload: 'reviews-v2' }, upstream: { authority: 'reviews-shadow:9080' }, retry: null, timeoutMs: null });
    t.is(walked.mirrors, undefined);
    t.deepEqual(walked.trace.map((h) => [h.direction, h.listener === null, h.route === null, h.cluster]),
      [['outbound', true, true, V2_CLUSTER], ['inbound', false, false, walked.trace[1]!.cluster]]);
    pods.add(walked.destination!.pod);
  }
  t.deepEqual([...pods].sort(), s.mesh.topology.pods.filter((p) => p.workload === 'reviews-v2').map((p) => p.name).sort());
});

test('a shadow from a pod that is not in the mesh is a ProbeError, not an exception', (t) => {
  const s = session(MIRROR_ALL);
  const mirror = probe(s).mirrors![0]!;
  t.like(s.shadow({ ...mirror, proxy: 'gone-1.default' }), { error: 'no pod gone-1.default to send the shadow copy from' });
});
