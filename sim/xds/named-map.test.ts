import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { CHUNK, changedNames, NamedMap } from './named-map.ts';

// Names from a small pool (so sets hit existing names), some of them integer-like, which a plain
// object would have moved to the front: a NamedMap keeps insertion order for every name, as the
// control plane's cluster names (never integer-like) need.
const name = fc.integer({ min: 0, max: 300 }).map((i) => `n${i}`);
const entries = fc.array(fc.tuple(name, fc.integer()), { maxLength: 400 });

function reference(list: readonly (readonly [string, number])[], start: Map<string, number> = new Map()): Map<string, number> {
  const out = new Map(start);
  for (const [k, v] of list) out.set(k, v);
  return out;
}

testProp('a NamedMap answers as a Map given the same sets, through every `with`, and its older versions keep their entries', [entries, fc.array(entries, { maxLength: 6 })], (t, first, changes) => {
  let map = NamedMap.of(first);
  let plain = reference(first);
  const versions: { map: NamedMap<number>; then: [string, number][] }[] = [];
  for (const change of changes) {
    versions.push({ map, then: [...plain] });
    map = map.with(change);
    plain = reference(change, plain);
  }
  t.deepEqual(map.entries(), [...plain]);
  t.deepEqual(map.keys(), [...plain.keys()]);
  t.deepEqual(map.values(), [...plain.values()]);
  t.is(map.size, plain.size);
  t.deepEqual(JSON.parse(JSON.stringify(map)), Object.fromEntries(plain));
  for (let i = 0; i <= 300; i += 1) {
    t.is(map.get(`n${i}`), plain.get(`n${i}`));
    t.is(map.has(`n${i}`), plain.has(`n${i}`));
  }
  for (const version of versions) t.deepEqual(version.map.entries(), version.then);
});

testProp('changedNames lists the names whose entry moved, in order, with or without a shared name index', [entries, entries], (t, first, change) => {
  const before = NamedMap.of(first.map(([k, v]) => [k, { v }] as const));
  const after = before.with(change.map(([k, v]) => [k, { v }] as const));
  const expected = after.entries().filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
  t.deepEqual(changedNames(before, after), expected);
  t.deepEqual(changedNames(NamedMap.of(before.entries()), after), expected, 'the same answer entry by entry');
});

test('a change copies only the chunks it touches; a new name builds a new index', (t) => {
  const names = Array.from({ length: 5 * CHUNK }, (_, i) => `outbound|80||s${i}.ns.svc.cluster.local`);
  const map = NamedMap.of(names.map((n, i) => [n, i] as const));
  t.is(map.chunkCount, 5);
  const next = map.with([[names[2 * CHUNK + 3]!, -1]]);
  t.true(next.sameNames(map));
  for (let c = 0; c < 5; c += 1) t.is(next.chunkAt(c) === map.chunkAt(c), c !== 2, `chunk ${c}`);
  t.is(next.get(names[2 * CHUNK + 3]!), -1);
  t.is(map.get(names[2 * CHUNK + 3]!), 2 * CHUNK + 3);
  const grown = map.with([['outbound|80||new.ns.svc.cluster.local', 7]]);
  t.false(grown.sameNames(map));
  t.is(grown.size, map.size + 1);
  t.is(grown.keys().at(-1), 'outbound|80||new.ns.svc.cluster.local');
});

test('alongside: the same name index, empty slots skipped and not counted', (t) => {
  const clusters = NamedMap.of([['PassthroughCluster', 'p'], ['a', 'A'], ['b', 'B']]);
  const endpoints = NamedMap.alongside(clusters, (n) => (n === 'PassthroughCluster' ? undefined : n.toUpperCase()));
  t.true(endpoints.sameNames(clusters));
  t.is(endpoints.size, 2);
  t.deepEqual(endpoints.entries(), [['a', 'A'], ['b', 'B']]);
  t.false(endpoints.has('PassthroughCluster'));
  t.is(NamedMap.empty<string>().size, 0);
});

testProp('a map built over another map\'s names shares its index only when the names and their order match, and holds the same entries either way', [entries, entries], (t, first, second) => {
  const known = NamedMap.of(first);
  const built = NamedMap.of(second, [known]);
  t.deepEqual(built.entries(), NamedMap.of(second).entries());
  t.is(built.size, NamedMap.of(second).size);
  t.is(built.sameNames(known), NamedMap.of(second).keys().join('\n') === known.keys().join('\n'));
  const again = NamedMap.of(first.map(([k]) => [k, 0] as const), [known]);
  t.true(again.sameNames(known), 'the same names in the same order share the index');
});

test('a map built over a known map\'s names keeps the known chunks whose entries are the same objects, also alongside', (t) => {
  const names = Array.from({ length: 4 * CHUNK + 5 }, (_, i) => `outbound|80||s${i}.ns.svc.cluster.local`);
  const values = names.map((n) => ({ n }));
  const known = NamedMap.of(names.map((n, i) => [n, values[i]!] as const));
  const changed = 3 * CHUNK + 1;
  const built = NamedMap.of(names.map((n, i) => [n, i === changed ? { n } : values[i]!] as const), [known]);
  t.true(built.sameNames(known));
  for (let c = 0; c < built.chunkCount; c += 1) t.is(built.chunkAt(c) === known.chunkAt(c), c !== 3, `chunk ${c}`);
  t.not(built.get(names[changed]!), known.get(names[changed]!));
  t.deepEqual(built.entries(), names.map((n, i) => [n, i === changed ? { n } : values[i]!]));
  // Equal content but other objects: nothing is shared (identity, not equality, decides).
  const copies = NamedMap.of(names.map((n) => [n, { n }] as const), [known]);
  t.true([...Array(copies.chunkCount).keys()].every((c) => copies.chunkAt(c) !== known.chunkAt(c)));
  const endpoints = NamedMap.alongside(known, (n) => (n.endsWith('s0.ns.svc.cluster.local') ? undefined : n.length));
  const again = NamedMap.alongside(built, (n) => (n.endsWith('s0.ns.svc.cluster.local') ? undefined : n.length), endpoints);
  for (let c = 0; c < again.chunkCount; c += 1) t.is(again.chunkAt(c), endpoints.chunkAt(c), `endpoint chunk ${c}`);
  t.deepEqual(again.entries(), endpoints.entries());
});
