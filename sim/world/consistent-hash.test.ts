// Consistent hashing end to end: a DestinationRule's consistentHash compiled by the control plane
// (RING_HASH/MAGLEV cluster + route hash policy) and run by the client's sidecar, seen through probes.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import { buildMesh } from './mesh.ts';
import { httpbinManifests } from './httpbin-fixture.ts';
import { ProbeSession } from './probe.ts';
import type { ProbeRequest } from './probe-types.ts';

const MANIFESTS = (loadBalancer: string) => httpbinManifests(`    loadBalancer:\n${loadBalancer}`, { httpbin: 5, fortio: 4 });

function session(loadBalancer: string, seed = 1): ProbeSession {
  const mesh = buildMesh([{ path: 'm.yaml', text: MANIFESTS(loadBalancer) }]);
  const errors = mesh.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  return new ProbeSession(mesh, Rng.fromSeed(seed));
}

function podFor(probe: ProbeSession, request: Partial<ProbeRequest>, source?: Parameters<ProbeSession['probe']>[1]): string {
  const result = probe.probe({ from: 'default/fortio', url: 'http://httpbin:8000/get', ...request }, source);
  if ('error' in result) throw new Error(result.error);
  if (result.status !== 200 || result.destination === null) throw new Error(`status ${result.status}: ${result.trace.at(-1)?.reason}`);
  return result.destination.pod;
}

const HEADER = '      consistentHash: {httpHeaderName: x-user}';

test('the same x-user always lands on the same pod; different users spread over the pods', (t) => {
  const probe = session(HEADER);
  const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
  const first = new Map(users.map((user) => [user, podFor(probe, { headers: { 'x-user': user } })]));
  for (let round = 0; round < 3; round += 1) {
    for (const user of users) t.is(podFor(probe, { headers: { 'x-user': user } }), first.get(user) ?? '', user);
  }
  t.true(new Set(first.values()).size >= 4, `users landed on ${[...new Set(first.values())].join(', ')}`);
});

test('the pinning is the same from another client pod and another session (the key, not the proxy, decides)', (t) => {
  const a = session(HEADER, 1);
  const b = session(HEADER, 2);
  const pods = a.mesh.topology.pods.filter((p) => p.labels['app'] === 'fortio');
  t.is(pods.length, 4);
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    const expected = podFor(a, { headers: { 'x-user': user } });
    for (const pod of pods) t.is(podFor(b, { headers: { 'x-user': user } }, pod), expected);
  }
});

test('without the header the ring hashes a random value: requests spread', (t) => {
  const probe = session(HEADER);
  t.true(new Set(Array.from({ length: 40 }, () => podFor(probe, {}))).size >= 4);
});

test('useSourceIp with MAGLEV: each client pod sticks to one server pod', (t) => {
  const probe = session('      consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}');
  const clients = probe.mesh.topology.pods.filter((p) => p.labels['app'] === 'fortio');
  for (const client of clients) {
    const first = podFor(probe, {}, client);
    for (let i = 0; i < 5; i += 1) t.is(podFor(probe, {}, client), first, client.name);
  }
});

test('a cookie policy: the session cookie pins the pod, whatever else the Cookie header carries', (t) => {
  const probe = session('      consistentHash: {httpCookie: {name: session, ttl: 60s}}');
  for (const id of ['s1', 's2', 's3']) {
    const first = podFor(probe, { headers: { cookie: `session=${id}` } });
    t.is(podFor(probe, { headers: { cookie: `theme=dark; session=${id}` } }), first);
    t.is(podFor(probe, { headers: { cookie: `session=${id}; lang=en` } }), first);
  }
});
