// Tests for sim/world/cluster-state.ts: pod lifecycle (delete, gone, ready, fail), replacements by
// controller kind, and the incremental endpoint bookkeeping against the live pods.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { ClusterState } from './cluster-state.ts';
import type { ClusterChange, LivePod } from './cluster-state.ts';
import { loadMesh } from './mesh.ts';
import { endpointPortKey, endpointsOfPort, podByIp } from '../topology/lookup.ts';
import type { EndpointInfo, Topology } from '../topology/model.ts';

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{name: tcp-pg, port: 5432}]
`;

const WEB = 'shop/web';
const DB = 'shop/db';
const WEB_KEY = 'ServiceEntry/shop/web.shop.svc.cluster.local';
const DB_KEY = 'ServiceEntry/shop/db.shop.svc.cluster.local';

function cluster(): ClusterState {
  const { validated } = loadMesh([{ path: 'shop.yaml', text: MANIFESTS }]);
  return new ClusterState(validated.allResources, validated.topology.settings);
}

function endpointIps(state: ClusterState, hostname: string): string[] {
  return [...new Set(state.topology.endpoints.filter((e) => e.service === hostname).map((e) => e.address))].sort();
}

const webIps = (state: ClusterState) => endpointIps(state, 'web.shop.svc.cluster.local');
const dbIps = (state: ClusterState) => endpointIps(state, 'db.shop.svc.cluster.local');

function shown(state: ClusterState, pod: LivePod) {
  return state.topology.pods.find((p) => p.namespace === pod.info.namespace && p.name === pod.info.name);
}

test('at t=0 every pod is ready and in its Service\'s endpoints', (t) => {
  const state = cluster();
  const web = state.podsOf(WEB);
  t.is(web.length, 2);
  t.is(state.podsOf(DB).length, 1);
  t.true(state.livePods().every((p) => p.phase === 'ready'));
  t.deepEqual(webIps(state), web.map((p) => p.info.ip).sort());
  t.deepEqual(dbIps(state), [state.podsOf(DB)[0]!.info.ip]);
  t.is(state.podsOf('shop/nothing').length, 0);
});

test('a deleted Deployment pod terminates: out of the endpoints at once, still listed, replaced by a new pod', (t) => {
  const state = cluster();
  const before = state.livePods().map((p) => ({ name: p.info.name, ip: p.info.ip }));
  const [victim, survivor] = state.podsOf(WEB) as [LivePod, LivePod];
  const change = state.deletePod(victim, 1_000);
  t.is(victim.phase, 'terminating');
  t.deepEqual(webIps(state), [survivor.info.ip]);
  t.is(shown(state, victim)?.ready, false, 'still in topology.pods, not ready');
  t.false(state.isGone(victim.info.ip), 'still serving while it drains');
  t.is(state.pod('shop', victim.info.name), victim);
  t.deepEqual(change.endpoints, [WEB_KEY]);
  t.deepEqual(change.terminated, []);
  t.false(change.full);
  t.is(change.created.length, 1);
  const replacement = change.created[0]!;
  t.is(replacement.workloadKey, WEB);
  t.is(replacement.phase, 'starting', 'a sidecar pod waits for its first config');
  t.is(replacement.createdUs, 1_000);
  t.false(before.some((p) => p.name === replacement.info.name), `new name ${replacement.info.name}`);
  t.false(before.some((p) => p.ip === replacement.info.ip), `new IP ${replacement.info.ip}`);
  t.is(shown(state, replacement)?.ready, false);
  t.deepEqual(state.podsOf(WEB).map((p) => p.info.name).sort(), [victim, survivor, replacement].map((p) => p.info.name).sort());
});

test('a terminating pod that is gone leaves the topology and its IP is unreachable', (t) => {
  const state = cluster();
  const [victim] = state.podsOf(WEB) as [LivePod];
  state.deletePod(victim, 1_000);
  const change = state.podGone(victim, 6_000);
  t.is(victim.phase, 'terminated');
  t.true(state.isGone(victim.info.ip));
  t.deepEqual(change.terminated, [victim]);
  t.deepEqual(change.created, [], 'the replacement came with the deletion');
  t.is(shown(state, victim), undefined);
  t.is(state.pod('shop', victim.info.name), undefined);
  t.false(state.livePods().includes(victim));
  t.is(state.podsOf(WEB).length, 2);
  t.deepEqual(state.podGone(victim, 7_000).terminated, [], 'gone only once');
});

test('deleting a pod twice changes nothing the second time', (t) => {
  const state = cluster();
  const [victim] = state.podsOf(WEB) as [LivePod];
  state.deletePod(victim, 1_000);
  const again = state.deletePod(victim, 2_000);
  t.deepEqual(again.created, []);
  t.deepEqual(again.endpoints, []);
  t.is(state.podsOf(WEB).length, 3);
});

test('the replacement joins the endpoints when it is ready', (t) => {
  const state = cluster();
  const [victim, survivor] = state.podsOf(WEB) as [LivePod, LivePod];
  const replacement = state.deletePod(victim, 1_000).created[0]!;
  const change = state.markReady(replacement, 1_500);
  t.is(replacement.phase, 'ready');
  t.deepEqual(change.endpoints, [WEB_KEY]);
  t.deepEqual(change.created, []);
  t.deepEqual(webIps(state), [survivor.info.ip, replacement.info.ip].sort());
  t.is(shown(state, replacement)?.ready, true);
  t.deepEqual(state.markReady(replacement, 1_600).endpoints, [], 'ready only once');
});

test('a StatefulSet pod is replaced only after it is gone, under the same name and a new IP', (t) => {
  const state = cluster();
  const [old] = state.podsOf(DB) as [LivePod];
  t.is(old.info.name, 'db-0');
  const deleted = state.deletePod(old, 1_000);
  t.deepEqual(deleted.created, [], 'db-0 still exists: no second db-0');
  t.deepEqual(deleted.endpoints, [DB_KEY]);
  t.deepEqual(dbIps(state), []);
  t.deepEqual(state.podsOf(DB), [old]);
  const gone = state.podGone(old, 4_000);
  t.deepEqual(gone.terminated, [old]);
  t.is(gone.created.length, 1);
  const next = gone.created[0]!;
  t.is(next.info.name, 'db-0');
  t.not(next.info.ip, old.info.ip);
  t.is(next.phase, 'starting');
  t.true(state.isGone(old.info.ip));
  t.false(state.isGone(next.info.ip));
  t.is(state.pod('shop', 'db-0'), next);
  t.deepEqual(dbIps(state), []);
  t.deepEqual(state.markReady(next, 5_000).endpoints, [DB_KEY]);
  t.deepEqual(dbIps(state), [next.info.ip]);
});

test('failed pods are gone at once and replaced under new names and IPs', (t) => {
  const state = cluster();
  const [first, second] = state.livePods().filter((p) => p.workloadKey === WEB) as [LivePod, LivePod];
  const one = state.fail(WEB, 1, 2_000);
  t.deepEqual(one.terminated, [first], 'the first by name');
  t.true(state.isGone(first.info.ip));
  t.deepEqual(one.endpoints, [WEB_KEY]);
  t.deepEqual(webIps(state), [second.info.ip]);
  t.is(one.created.length, 1);
  const names = new Set([first.info.name, second.info.name]);
  const ips = new Set([first.info.ip, second.info.ip]);
  for (const pod of one.created) {
    t.false(names.has(pod.info.name));
    t.false(ips.has(pod.info.ip));
    names.add(pod.info.name);
    ips.add(pod.info.ip);
  }
  const two = state.fail(WEB, 2, 3_000);
  t.is(two.terminated.length, 2);
  t.is(two.created.length, 2);
  for (const pod of two.created) {
    t.false(names.has(pod.info.name), `new name ${pod.info.name}`);
    t.false(ips.has(pod.info.ip), `new IP ${pod.info.ip}`);
  }
  t.is(state.podsOf(WEB).length, 2);
  t.deepEqual(webIps(state), []);
});

type Op = { readonly op: 'delete' | 'gone' | 'ready' | 'fail'; readonly pick: number };

/** Applies one operation to a pod (or workload) picked among those it applies to; null when there was none. */
function applyOp(state: ClusterState, { op, pick }: Op, nowUs: number): ClusterChange | null {
  const live = state.livePods();
  const choose = (pods: readonly LivePod[]) => pods[pick % pods.length];
  if (op === 'delete') {
    const pod = choose(live);
    return pod === undefined ? null : state.deletePod(pod, nowUs);
  }
  if (op === 'gone') {
    const pod = choose(live.filter((p) => p.phase === 'terminating'));
    return pod === undefined ? null : state.podGone(pod, nowUs);
  }
  if (op === 'ready') {
    const pod = choose(live.filter((p) => p.phase === 'starting'));
    return pod === undefined ? null : state.markReady(pod, nowUs);
  }
  const workloads = [...new Set(live.map((p) => p.workloadKey))];
  const workload = workloads[pick % workloads.length];
  return workload === undefined ? null : state.fail(workload, 1 + (pick % 2), nowUs);
}

/** Each service's endpoints as text, keyed as istiod keys services. */
function endpointsByService(state: ClusterState): Map<string, string> {
  const lists = new Map<string, string[]>();
  for (const e of state.topology.endpoints) {
    const key = `ServiceEntry/${e.serviceNamespace}/${e.service}`;
    lists.set(key, [...(lists.get(key) ?? []), `${e.address}:${e.port}:${e.servicePort}`]);
  }
  return new Map([...lists].map(([key, list]) => [key, list.sort().join(',')]));
}

/** Every pod IP and service port looked up through sim/topology/lookup.ts. */
function lookupsByIndex(topology: Topology): string[] {
  const ips = [...new Set(topology.pods.map((p) => p.ip)), '10.255.255.254'];
  const ports = topology.services.flatMap((s) => s.ports.map((p) => [s.hostname, s.namespace, p.port] as const));
  return [
    ...ips.map((ip) => `${ip} → ${podByIp(topology.pods, ip)?.name ?? '-'}:${podByIp(topology.pods, ip)?.ready ?? '-'}`),
    ...ports.map(([h, ns, port]) => `${h}:${port} → ${endpointsOfPort(topology.endpoints, h, ns, port).map((e) => e.address).join(',')}`),
  ];
}

/** The same questions answered by scanning the lists in order. */
function lookupsByScan(topology: Topology): string[] {
  const ips = [...new Set(topology.pods.map((p) => p.ip)), '10.255.255.254'];
  const ports = topology.services.flatMap((s) => s.ports.map((p) => [s.hostname, s.namespace, p.port] as const));
  const pod = (ip: string) => topology.pods.find((p) => p.ip === ip);
  return [
    ...ips.map((ip) => `${ip} → ${pod(ip)?.name ?? '-'}:${pod(ip)?.ready ?? '-'}`),
    ...ports.map(([h, ns, port]) => `${h}:${port} → ${topology.endpoints.filter((e) => e.service === h && e.serviceNamespace === ns && e.servicePort === port).map((e) => e.address).join(',')}`),
  ];
}

const ops = fc.array(
  fc.record({ op: fc.constantFrom<Op['op']>('delete', 'gone', 'ready', 'fail'), pick: fc.nat({ max: 1_000 }) }),
  { maxLength: 30 },
);

testProp('after any pod lifecycle: podsOf, livePods order, topology pods and endpoints agree with the live pods', [ops], (t, sequence) => {
  const state = cluster();
  const terminatedIps: string[] = [];
  sequence.forEach((op, step) => {
    const before = new Set(state.livePods());
    const endpointsBefore = endpointsByService(state);
    const topologyBefore = state.topology;
    const scansBefore = lookupsByScan(topologyBefore);
    const change = applyOp(state, op, (step + 1) * 1_000);
    for (const pod of before) if (pod.phase === 'terminated') terminatedIps.push(pod.info.ip);
    // Indexed lookups answer as scans do, on the topology now and on the one from before the change.
    t.deepEqual(lookupsByIndex(state.topology), lookupsByScan(state.topology), `step ${step}: lookups now`);
    t.deepEqual(lookupsByIndex(topologyBefore), scansBefore, `step ${step}: lookups on the topology before`);
    // The grouped lists handed to a push are the topology's endpoints grouped, in order.
    const lists = state.endpointLists();
    const group = (key: (e: EndpointInfo) => string) => {
      const out = new Map<string, EndpointInfo[]>();
      for (const e of state.topology.endpoints) out.set(key(e), [...(out.get(key(e)) ?? []), e]);
      return out;
    };
    t.deepEqual(new Map([...lists.endpointsByPod].sort()), new Map([...group((e) => `${e.namespace}/${e.pod}`)].sort()), `step ${step}: by pod`);
    t.deepEqual(new Map([...lists.endpointsByPort].sort()), new Map([...group((e) => endpointPortKey(e.service, e.serviceNamespace, e.servicePort))].sort()), `step ${step}: by port`);
    if (change === null) return;
    const endpointsAfter = endpointsByService(state);
    const changed = [...new Set([...endpointsBefore.keys(), ...endpointsAfter.keys()])].filter((key) => endpointsBefore.get(key) !== endpointsAfter.get(key)).sort();
    t.deepEqual(change.endpoints, changed, `step ${step}: ${op.op}`);
    t.deepEqual(change.configs, []);
  });
  const live = state.livePods();
  const name = (p: LivePod) => `${p.info.namespace}/${p.info.name}`;
  // Sorted by namespace, then name, without duplicates.
  for (let i = 1; i < live.length; i += 1) {
    const [a, b] = [live[i - 1]!.info, live[i]!.info];
    t.true(a.namespace < b.namespace || (a.namespace === b.namespace && a.name < b.name), `${a.namespace}/${a.name} before ${b.namespace}/${b.name}`);
  }
  t.true(live.every((p) => p.phase !== 'terminated'));
  for (const w of state.topology.workloads) {
    const key = `${w.namespace}/${w.name}`;
    t.deepEqual(state.podsOf(key).map(name), live.filter((p) => p.workloadKey === key).map(name), key);
    // One serving pod per replica slot, except a StatefulSet slot whose pod is still terminating.
    for (let index = 0; index < w.replicas; index += 1) {
      const slot = live.filter((p) => p.workloadKey === key && p.index === index);
      const serving = slot.filter((p) => p.phase !== 'terminating').length;
      const draining = slot.some((p) => p.phase === 'terminating');
      t.is(serving, w.kind === 'StatefulSet' && draining ? 0 : 1, `${key} slot ${index}`);
    }
  }
  t.deepEqual(state.topology.pods.map((p) => `${p.namespace}/${p.name}:${p.ready}`), live.map((p) => `${name(p)}:${p.phase === 'ready'}`));
  const replaceable = state.replaceableReady();
  const expectedReplaceable = live.filter((p) => p.phase === 'ready' && (p.info.workloadKind === 'Deployment' || p.info.workloadKind === 'StatefulSet'));
  t.deepEqual(replaceable.pods.map(name), expectedReplaceable.map(name));
  const [start, end] = replaceable.rangeOf('shop');
  t.deepEqual(replaceable.pods.slice(start, end).map(name), expectedReplaceable.filter((p) => p.info.namespace === 'shop').map(name));
  for (const s of state.topology.services) {
    if (s.selector === undefined || s.kind === 'ServiceEntry') continue;
    const selector = s.selector;
    const expected = live
      .filter((p) => p.phase === 'ready' && p.info.namespace === s.namespace && Object.entries(selector).every(([k, v]) => p.info.labels[k] === v))
      .map((p) => p.info.ip)
      .sort();
    t.deepEqual(endpointIps(state, s.hostname), expected, s.hostname);
  }
  for (const ip of terminatedIps) t.true(state.isGone(ip), `${ip} is gone`);
  for (const pod of live) t.false(state.isGone(pod.info.ip), `${name(pod)} is reachable`);
  t.is(new Set(live.map((p) => p.info.ip)).size, live.length, 'no IP used twice');
});

test('nodes: pods spread over zones and carry their node\'s locality; a failed node goes down, NotReady (out of the endpoints), then its pods are evicted and replaced on a node that is up', (t) => {
  const { validated } = loadMesh([{ path: 'shop.yaml', text: MANIFESTS }]);
  const nodes = [{ name: 'node-a', region: 'r1', zone: 'z1', subzone: '' }, { name: 'node-b', region: 'r1', zone: 'z2', subzone: 's' }];
  const state = new ClusterState(validated.allResources, validated.topology.settings, nodes);
  const web = state.podsOf(WEB);
  t.is(web.length, 2);
  t.deepEqual(web.map((p) => p.info.node).sort(), ['node-a', 'node-b'], 'two replicas, two zones');
  for (const pod of web) t.is(pod.info.locality, pod.info.node === 'node-a' ? 'r1/z1/' : 'r1/z2/s');
  const victim = web.find((p) => p.info.node === 'node-a')!;
  let change = state.node('node-a', 'down', 1);
  t.true(state.onDownNode(victim.info));
  t.deepEqual(change.endpoints, [], 'the API server does not know yet');
  t.true(webIps(state).includes(victim.info.ip));
  change = state.node('node-a', 'not-ready', 2);
  t.false(webIps(state).includes(victim.info.ip));
  t.true(change.endpoints.includes(WEB_KEY));
  change = state.node('node-a', 'evicted', 3);
  t.true(state.isGone(victim.info.ip));
  t.true(change.terminated.includes(victim));
  const replacement = change.created.find((p) => p.workloadKey === WEB)!;
  t.is(replacement.info.node, 'node-b', 'placed on the node that is up');
  t.not(replacement.info.name, victim.info.name);
});

test('a routing change leaves the topology as it was; a new Service and a new namespace rebuild it', (t) => {
  const state = cluster();
  const services = state.topology.services;
  const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\nspec: {hosts: [web], http: [{route: [{destination: {host: web}}]}]}\n';
  let change = state.apply([{ path: 'vs.yaml', text: vs }], 1);
  t.deepEqual(change.configs, ['VirtualService/shop/web']);
  t.deepEqual(change.endpoints, []);
  t.is(state.topology.services, services, 'the services list is kept (its indexes too)');
  const api = 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 81, targetPort: 8080}]}\n';
  change = state.apply([{ path: 'api.yaml', text: api }], 2);
  t.true(change.full);
  t.true(change.endpoints.includes('ServiceEntry/shop/api.shop.svc.cluster.local'), change.endpoints.join(' '));
  t.deepEqual(endpointIps(state, 'api.shop.svc.cluster.local'), webIps(state).slice().sort());
  const elsewhere = vs.replace('namespace: shop', 'namespace: other');
  state.apply([{ path: 'vs2.yaml', text: elsewhere }], 3);
  t.true(state.topology.namespaces.some((n) => n.name === 'other' && !n.declared), 'a namespace only a VirtualService names');
  state.delete([{ kind: 'VirtualService', namespace: 'other', name: 'web' }], 4);
  t.false(state.topology.namespaces.some((n) => n.name === 'other'), 'gone with its last resource');
});
