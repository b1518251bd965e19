import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from './assert.ts';
import { StableHasher, hash32, hashString, stableStringify } from './hash.ts';

// Independent references: BigInt arithmetic over TextEncoder's UTF-8 bytes.
function referenceFnv64(bytes: Uint8Array): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffff_ffff_ffff_ffffn;
  return hash.toString(16).padStart(16, '0');
}

function referenceFnv32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5n;
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 0x01000193n) & 0xffff_ffffn;
  return Number(hash);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

test('FNV-1a matches the published test vectors', (t) => {
  t.is(hashString(''), 'cbf29ce484222325');
  t.is(hashString('a'), 'af63dc4c8601ec8c');
  t.is(hashString('foobar'), '85944171f73967e8');
  t.is(hash32(''), 0x811c9dc5);
  t.is(hash32('a'), 0xe40c292c);
  t.is(hash32('foobar'), 0xbf9cf968);
});

testProp('hashString is FNV-1a 64 over UTF-8, lone surrogates included', [fc.string({ unit: 'binary' })], (t, text) => {
  t.is(hashString(text), referenceFnv64(utf8(text)));
});

testProp('hash32 is FNV-1a 32 over UTF-8', [fc.string({ unit: 'binary' })], (t, text) => {
  const hash = hash32(text);
  t.is(hash, referenceFnv32(utf8(text)));
  t.true(Number.isInteger(hash) && hash >= 0 && hash <= 0xffff_ffff);
});

test('lone and paired surrogates encode as TextEncoder does', (t) => {
  for (const text of ['\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00', '\udc00\ud800']) {
    t.is(hashString(text), referenceFnv64(utf8(text)), JSON.stringify(text));
  }
});

testProp('update streams: split points do not matter', [fc.string(), fc.string()], (t, a, b) => {
  t.is(new StableHasher().update(a).update(b).digestHex(), hashString(a + b));
});

test('updateNumber hashes the float64 bytes, little-endian, with -0 folded into 0', (t) => {
  const bytesOf = (n: number): Uint8Array => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, n, true);
    return new Uint8Array(view.buffer);
  };
  for (const n of [0, 1, -1, 0.5, 1e300, Number.MAX_SAFE_INTEGER]) {
    t.is(new StableHasher().updateNumber(n).digestHex(), referenceFnv64(bytesOf(n)), String(n));
  }
  t.is(new StableHasher().updateNumber(-0).digestHex(), new StableHasher().updateNumber(0).digestHex());
  t.not(new StableHasher().updateNumber(1).digestHex(), new StableHasher().updateNumber(2).digestHex());
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    t.throws(() => new StableHasher().updateNumber(bad), { instanceOf: AssertionError });
  }
});

testProp('updateDecimal mixes what update(String(n)) does, for every safe integer', [fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -0, 9, 10, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 999_999_999_999_999))], (t, n) => {
  t.is(new StableHasher().update('R').updateDecimal(n).update('|').digestHex(), hashString(`R${String(n)}|`));
});

test('updateDecimal refuses what is not a safe integer', (t) => {
  t.throws(() => new StableHasher().updateDecimal(1.5), { instanceOf: AssertionError });
  t.throws(() => new StableHasher().updateDecimal(2 ** 53), { instanceOf: AssertionError });
});

test('digests do not reset the hasher, and hashers share nothing', (t) => {
  const hasher = new StableHasher().update('ab');
  const first = hasher.digestHex();
  t.is(hasher.digestHex(), first);
  const other = new StableHasher().update('zz');
  hasher.update('c');
  t.is(hasher.digestHex(), hashString('abc'));
  t.is(other.digestHex(), hashString('zz'));
});

testProp('digestSafeInteger is the digest folded to 53 bits', [fc.string()], (t, text) => {
  const hasher = new StableHasher().update(text);
  const folded = hasher.digestSafeInteger();
  const digest = BigInt(`0x${hasher.digestHex()}`);
  t.true(Number.isSafeInteger(folded) && folded >= 0);
  t.is(BigInt(folded), ((digest >> 43n) << 32n) | (digest & 0xffff_ffffn));
});

test('stableStringify sorts keys by code unit at every depth', (t) => {
  t.is(stableStringify({ b: 1, a: [3, { d: 1, c: 2 }] }), '{"a":[3,{"c":2,"d":1}],"b":1}');
  // Integer-like keys: JS iterates them numerically ("9" before "10"); code-unit order does not.
  t.is(stableStringify({ 9: 'nine', 10: 'ten', a: 0 }), '{"10":"ten","9":"nine","a":0}');
  t.is(stableStringify({ '\uf900': 1, '\u{1f600}': 2, Z: 3, a: 4 }), '{"Z":3,"a":4,"\u{1f600}":2,"\uf900":1}');
});

test('stableStringify writes JSON scalars and drops undefined properties', (t) => {
  t.is(stableStringify(null), 'null');
  t.is(stableStringify(true), 'true');
  t.is(stableStringify(-0), '0');
  t.is(stableStringify(1e21), '1e+21');
  t.is(stableStringify('quote " and \n'), '"quote \\" and \\n"');
  t.is(stableStringify({ a: undefined, b: null }), '{"b":null}');
  t.is(stableStringify(Object.assign(Object.create(null), { y: 1, x: 2 })), '{"x":2,"y":1}');
  const shared = { n: 1 };
  t.is(stableStringify([shared, shared]), '[{"n":1},{"n":1}]', 'shared references are not cycles');
});

test('stableStringify refuses what JSON would mangle silently', (t) => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const bad: unknown[] = [
    Number.NaN,
    Infinity,
    undefined,
    () => 1,
    { f: () => 1 },
    Symbol('s'),
    10n,
    [1, undefined],
    [1, , 3], // A hole, which forEach would skip.
    new Map([['a', 1]]),
    new Set([1]),
    { nested: { value: Number.NaN } },
    cyclic,
    [[cyclic]],
  ];
  for (const value of bad) t.throws(() => stableStringify(value), { instanceOf: AssertionError });
  t.throws(() => stableStringify({ nested: { value: Infinity } }), { message: /\$\.nested\.value/ });
});

// Rebuilds a JSON value with every object's keys inserted in reverse order.
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reverseKeys(item)]));
}

// An independent canonical writer: default sort() is code-unit order too.
function referenceCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${referenceCanonical(item)}`).join(',')}}`;
}

const jsonArb = fc.jsonValue({ maxDepth: 4 });

testProp('stableStringify ignores key insertion order', [jsonArb], (t, value) => {
  t.is(stableStringify(reverseKeys(value)), stableStringify(value));
});

testProp('stableStringify is canonical JSON that parses back to the same text', [jsonArb], (t, value) => {
  const text = stableStringify(value);
  t.is(text, referenceCanonical(value));
  t.is(stableStringify(JSON.parse(text)), text);
});

testProp(
  'objects that differ in one value stringify differently',
  [fc.dictionary(fc.string(), fc.integer(), { minKeys: 1 }), fc.integer()],
  (t, record, delta) => {
    fc.pre(delta !== 0);
    const [key, value] = Object.entries(record)[0]!;
    t.not(stableStringify({ ...record, [key]: value + delta }), stableStringify(record));
  },
);

testProp('hashString equals FNV-1a 64 of the UTF-8 bytes, for ASCII, other characters and mixes of both, in pieces too',
  [fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })], (t, other, ascii) => {
    t.is(hashString(ascii + other + ascii), referenceFnv64(utf8(ascii + other + ascii)));
    t.is(new StableHasher().update(ascii).update(other).digestHex(), referenceFnv64(utf8(ascii + other)));
  });
