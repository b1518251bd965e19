import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { BucketMap } from './bucket-map.ts';

const sorted = <V>(m: ReadonlyMap<string, V>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.string({ maxLength: 4 }), value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant('snapshot' as const) }),
);

testProp('a bucket map answers as a Map fed the same writes, and every snapshot keeps what the map held then', [fc.array(op, { maxLength: 200 })], (t, ops) => {
  const map = new BucketMap<number>();
  const plain = new Map<string, number>();
  const snapshots: { view: ReadonlyMap<string, number>; then: [string, number][] }[] = [];
  for (const o of ops) {
    if (o.kind === 'set') {
      map.set(o.key, o.value);
      plain.set(o.key, o.value);
    } else if (o.kind === 'delete') {
      t.is(map.delete(o.key), plain.delete(o.key));
    } else {
      snapshots.push({ view: map.snapshot(), then: sorted(plain) });
    }
    t.is(map.size, plain.size);
  }
  t.deepEqual(sorted(map), sorted(plain));
  for (const key of plain.keys()) t.is(map.get(key), plain.get(key));
  for (const { view, then } of snapshots) {
    t.deepEqual(sorted(view), then);
    t.is(view.size, then.length);
    for (const [key, value] of then) t.true(view.has(key) && view.get(key) === value);
  }
});

test('a write after a snapshot copies one bucket, not the map', (t) => {
  const map = new BucketMap<number>();
  for (let i = 0; i < 10_000; i += 1) map.set(`ns/pod-${i}`, i);
  const before = map.snapshot();
  map.set('ns/pod-1', -1);
  t.is(before.get('ns/pod-1'), 1);
  t.is(map.get('ns/pod-1'), -1);
  const after = map.snapshot();
  // Keys in other buckets are found in the very same bucket objects: only one bucket was copied.
  const buckets = (view: ReadonlyMap<string, number>) => (view as unknown as { buckets: Map<string, number>[] }).buckets;
  const copied = buckets(before).filter((bucket, i) => bucket !== buckets(after)[i]).length;
  t.is(copied, 1);
  t.is(map.get('absent'), undefined);
  t.false(map.has('absent'));
});
