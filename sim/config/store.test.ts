import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import type { KindName } from './kinds.ts';
import type { AnyResource } from './resource.ts';
import { ConfigStore } from './store.ts';
import type { ConfigEvent } from './store.ts';

function resource(kind: KindName, namespace: string, name: string, options: { stamp?: string; spec?: Record<string, unknown> } = {}): AnyResource {
  return {
    kind,
    apiVersion: 'networking.istio.io/v1',
    namespace,
    name,
    labels: {},
    annotations: {},
    creationTimestamp: options.stamp ?? null,
    spec: (options.spec ?? {}) as never,
    body: {},
    origin: { file: 'test.yaml', line: 1, column: 1 },
  } as AnyResource;
}

const vs = (namespace: string, name: string, stamp?: string, spec?: Record<string, unknown>) =>
  resource('VirtualService', namespace, name, { ...(stamp === undefined ? {} : { stamp }), ...(spec === undefined ? {} : { spec }) });

const names = (resources: readonly AnyResource[]) => resources.map((r) => `${r.namespace}/${r.name}`);

test('apply adds, apply again updates, delete deletes: one event each, revision +1 each', (t) => {
  const store = new ConfigStore();
  const events: ConfigEvent[] = [];
  store.subscribe((event) => events.push(event));
  t.is(store.revision, 0);
  t.deepEqual(store.apply(vs('default', 'a')), { type: 'added', kind: 'VirtualService', namespace: 'default', name: 'a', revision: 1 });
  t.is(store.apply(vs('default', 'a', undefined, { hosts: ['x'] }))?.type, 'updated');
  t.is(store.delete('VirtualService', 'default', 'a')?.type, 'deleted');
  t.deepEqual(events.map((e) => [e.type, e.revision]), [['added', 1], ['updated', 2], ['deleted', 3]]);
  t.is(store.revision, 3);
  t.is(store.size, 0);
});

test('re-applying exactly what is stored is "unchanged": no event, no revision, no version (kubectl apply)', (t) => {
  const store = new ConfigStore();
  let calls = 0;
  store.subscribe(() => (calls += 1));
  store.apply(vs('default', 'a', undefined, { hosts: ['x'] }));
  t.is(store.apply(vs('default', 'a', undefined, { hosts: ['x'] })), null);
  t.is(store.revision, 1);
  t.is(store.versionOf('VirtualService', 'default', 'a'), 1);
  t.is(calls, 1);
});

test('deleting what is not there changes nothing: no event, no revision', (t) => {
  const store = new ConfigStore();
  let calls = 0;
  store.subscribe(() => (calls += 1));
  store.apply(vs('default', 'a'));
  t.is(store.delete('VirtualService', 'default', 'b'), null);
  t.is(store.delete('DestinationRule', 'default', 'a'), null, 'kind is part of the key');
  t.is(store.delete('VirtualService', 'other', 'a'), null, 'namespace is part of the key');
  t.is(store.revision, 1);
  t.is(calls, 1);
});

test('get returns the latest applied object; the key is (kind, namespace, name)', (t) => {
  const store = new ConfigStore();
  const first = vs('default', 'a', undefined, { hosts: ['one'] });
  const second = vs('default', 'a', undefined, { hosts: ['two'] });
  store.apply(first);
  store.apply(resource('DestinationRule', 'default', 'a'));
  store.apply(vs('prod', 'a'));
  store.apply(second);
  t.is<unknown, unknown>(store.get('VirtualService', 'default', 'a'), second);
  t.is(store.get('VirtualService', 'default', 'missing'), undefined);
  t.is(store.size, 3);
});

test('versions are per resource: 1 on creation, +1 per update, 0 when absent, 1 again after delete and re-create', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'a'));
  store.apply(vs('default', 'b'));
  store.apply(vs('default', 'a', undefined, { hosts: ['x'] }));
  store.apply(vs('default', 'a', undefined, { hosts: ['y'] }));
  t.is(store.versionOf('VirtualService', 'default', 'a'), 3);
  t.is(store.versionOf('VirtualService', 'default', 'b'), 1);
  t.is(store.versionOf('VirtualService', 'default', 'c'), 0);
  store.delete('VirtualService', 'default', 'a');
  t.is(store.versionOf('VirtualService', 'default', 'a'), 0);
  store.apply(vs('default', 'a'));
  t.is(store.versionOf('VirtualService', 'default', 'a'), 1);
  t.is(store.revision, 6);
});

test('list is ordered by (namespace, name) and filters by kind and namespace', (t) => {
  const store = new ConfigStore();
  for (const r of [vs('prod', 'b'), vs('default', 'z'), resource('DestinationRule', 'default', 'a'), vs('prod', 'a'), vs('default', 'b')]) store.apply(r);
  t.deepEqual(names(store.list('VirtualService')), ['default/b', 'default/z', 'prod/a', 'prod/b']);
  t.deepEqual(names(store.list('VirtualService', 'prod')), ['prod/a', 'prod/b']);
  t.deepEqual(names(store.list('DestinationRule')), ['default/a']);
  t.deepEqual(store.list('Gateway'), []);
});

test('all is ordered by (kind, namespace, name)', (t) => {
  const store = new ConfigStore();
  for (const r of [vs('b', 'x'), resource('Namespace', '', 'b'), resource('DestinationRule', 'a', 'x'), vs('a', 'x')]) store.apply(r);
  t.deepEqual(store.all().map((r) => `${r.kind}/${r.namespace}/${r.name}`), [
    'DestinationRule/a/x',
    'Namespace//b',
    'VirtualService/a/x',
    'VirtualService/b/x',
  ]);
});

const keyArb = fc.uniqueArray(fc.tuple(fc.constantFrom('default', 'prod', 'a', 'Z'), fc.constantFrom('r', 'reviews', 'b', 'B', 'r-1')), {
  minLength: 1,
  maxLength: 12,
  selector: ([ns, name]) => `${ns}/${name}`,
});

testProp('list and all do not depend on apply order', [keyArb.chain((keys) => fc.tuple(fc.constant(keys), fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length })))], (t, [keys, shuffled]) => {
  const a = new ConfigStore();
  const b = new ConfigStore();
  for (const [ns, name] of keys) a.apply(vs(ns, name));
  for (const [ns, name] of shuffled) b.apply(vs(ns, name));
  t.deepEqual(names(a.list('VirtualService')), names(b.list('VirtualService')));
  t.deepEqual(names(a.all()), names(b.all()));
});

test('byAge: older creationTimestamp first, whatever the apply order (Istio sortConfigByCreationTime)', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'new', '2024-03-01T00:00:00Z'));
  store.apply(vs('default', 'old', '2023-01-01T00:00:00Z'));
  store.apply(vs('default', 'mid', '2024-01-01T00:00:00Z'));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/old', 'default/mid', 'default/new']);
});

test('byAge compares instants, not text: an offset is applied before comparing', (t) => {
  const store = new ConfigStore();
  // 10:00+02:00 is 08:00Z, which is older than 09:00Z although its text sorts later.
  store.apply(vs('default', 'a', '2024-01-01T09:00:00Z'));
  store.apply(vs('default', 'b', '2024-01-01T10:00:00+02:00'));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/b', 'default/a']);
});

test('byAge: timestamped resources come before untimestamped ones, which keep apply order (kubectl apply stamps "now")', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'z-first-applied'));
  store.apply(vs('default', 'stamped-late', '2030-01-01T00:00:00Z'));
  store.apply(vs('default', 'a-second-applied'));
  store.apply(vs('default', 'stamped-early', '2020-01-01T00:00:00Z'));
  t.deepEqual(names(store.byAge('VirtualService')), [
    'default/stamped-early',
    'default/stamped-late',
    'default/z-first-applied',
    'default/a-second-applied',
  ]);
});

test('byAge: equal timestamps tie on name, then on namespace (Istio sortConfigByCreationTime)', (t) => {
  const stamp = '2024-01-01T00:00:00Z';
  const store = new ConfigStore();
  for (const r of [vs('b', 'y', stamp), vs('a', 'y', stamp), vs('z', 'x', stamp), vs('a', 'x', stamp)]) store.apply(r);
  t.deepEqual(names(store.byAge('VirtualService')), ['a/x', 'z/x', 'a/y', 'b/y']);
});

// Kubernetes keeps creationTimestamp in whole seconds (metav1.Time is RFC 3339 without a fraction in
// JSON and carries no nanos in protobuf), and Istio's sortConfigByCreationTime says so:
// "CreationTimestamp is stored in seconds, so this is not uncommon" (pilot/pkg/model/push_context.go).
// Two resources stamped within the same second are therefore equally old and tie on name.
test('byAge: timestamps within the same second tie, as Kubernetes stores whole seconds', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'a', '2024-01-01T00:00:00.900Z'));
  store.apply(vs('default', 'b', '2024-01-01T00:00:00.100Z'));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/a', 'default/b']);
});

test('byAge: an unparseable creationTimestamp counts as none (the resource is as new as its apply)', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'bad', 'yesterday'));
  store.apply(vs('default', 'good', '2024-01-01T00:00:00Z'));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/good', 'default/bad']);
});

test('byAge: an update keeps the age (Kubernetes keeps creationTimestamp on update), even if the update changes the stamp', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'a'));
  store.apply(vs('default', 'b'));
  store.apply(vs('default', 'a', undefined, { hosts: ['changed'] }));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/a', 'default/b']);
  const stamped = new ConfigStore();
  stamped.apply(vs('default', 'a', '2024-01-01T00:00:00Z'));
  stamped.apply(vs('default', 'b', '2024-06-01T00:00:00Z'));
  stamped.apply(vs('default', 'a', '2025-01-01T00:00:00Z'));
  t.deepEqual(names(stamped.byAge('VirtualService')), ['default/a', 'default/b']);
});

test('byAge: delete and re-apply makes the resource the newest (a new object, a new creationTimestamp)', (t) => {
  const store = new ConfigStore();
  store.apply(vs('default', 'a'));
  store.apply(vs('default', 'b'));
  store.delete('VirtualService', 'default', 'a');
  store.apply(vs('default', 'a'));
  t.deepEqual(names(store.byAge('VirtualService')), ['default/b', 'default/a']);
});

test('byAge only lists the asked kind', (t) => {
  const store = new ConfigStore();
  store.apply(resource('DestinationRule', 'default', 'dr'));
  store.apply(vs('default', 'vs'));
  t.deepEqual(names(store.byAge('DestinationRule')), ['default/dr']);
});

test('subscribe: every listener sees every event, synchronously, in subscription order', (t) => {
  const store = new ConfigStore();
  const seen: string[] = [];
  store.subscribe((e) => seen.push(`one:${e.type}:${e.revision}`));
  store.subscribe((e) => seen.push(`two:${e.type}:${e.revision}`));
  store.apply(vs('default', 'a'));
  t.deepEqual(seen, ['one:added:1', 'two:added:1']);
});

test('unsubscribe stops events; unsubscribing twice is a bug (assertion)', (t) => {
  const store = new ConfigStore();
  const seen: number[] = [];
  const stop = store.subscribe((e) => seen.push(e.revision));
  store.apply(vs('default', 'a'));
  stop();
  store.apply(vs('default', 'b'));
  t.deepEqual(seen, [1]);
  t.throws(stop, { instanceOf: AssertionError });
});

test('a listener that unsubscribes during an event does not disturb the others for that event', (t) => {
  const store = new ConfigStore();
  const seen: string[] = [];
  const stopFirst = store.subscribe(() => {
    seen.push('first');
    stopFirst();
  });
  store.subscribe(() => seen.push('second'));
  store.apply(vs('default', 'a'));
  store.apply(vs('default', 'b'));
  t.deepEqual(seen, ['first', 'second', 'second']);
});

test('an event reports the revision after its change, and the store is already changed when listeners run', (t) => {
  const store = new ConfigStore();
  const observed: [number, boolean][] = [];
  store.subscribe((e) => observed.push([store.revision === e.revision ? e.revision : -1, store.get('VirtualService', e.namespace, e.name) !== undefined]));
  store.apply(vs('default', 'a'));
  store.delete('VirtualService', 'default', 'a');
  t.deepEqual(observed, [[1, true], [2, false]]);
});
