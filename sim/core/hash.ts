// Stable hashing and canonical JSON, for trace hashes, golden comparisons and PRNG fork seeds.
//
// Job: turn text, numbers and plain data into digests that are identical on every run, every
// machine and every Node version, so "same scenario + seed ⇒ same trace hash" can be checked.
//
// Invariants:
// - The 64-bit hash is FNV-1a 64 over UTF-8 bytes, computed exactly in two 32-bit lanes (no
//   BigInt, no float rounding); hash32 is FNV-1a 32 over UTF-8. Both match the published FNV
//   test vectors. Lone surrogates encode as U+FFFD, as TextEncoder does.
// - update() streams: update('ab').update('c') equals update('abc'). Separate fields yourself
//   (updateNumber of a length, or hash a stableStringify of a record). updateDecimal(n) equals
//   update(String(n)) for a safe integer.
// - updateNumber hashes the 8 bytes of the IEEE-754 float64, little-endian; -0 is folded into
//   0 and non-finite numbers are refused (NaN's bit pattern is implementation-defined).
// - stableStringify is canonical: object keys sorted by UTF-16 code unit, arrays in order,
//   undefined-valued properties dropped. Anything JSON would mangle silently (NaN, Infinity,
//   functions, BigInt, Map, Set, class instances, undefined in an array, cycles) asserts.
//
// Not modelled: cryptographic strength (FNV is trivially forgeable; this is for equality
// checks between our own runs), Symbol-keyed properties (ignored, as JSON.stringify does).

import { assert } from './assert.ts';
import { compareStrings } from './compare.ts';

const FNV64_OFFSET_HI = 0xcbf29ce4;
const FNV64_OFFSET_LO = 0x84222325;
// FNV 64-bit prime 0x100000001b3 = 2^40 + 0x1b3.
const FNV64_PRIME_LO = 0x1b3;
const FNV32_OFFSET = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;
const TWO_POW_32 = 0x1_0000_0000;

export class StableHasher {
  private hi = FNV64_OFFSET_HI;
  private lo = FNV64_OFFSET_LO;
  // Scratch for updateNumber; per instance so hashers never share state.
  private readonly numberView = new DataView(new ArrayBuffer(8));
  // Scratch for updateDecimal: a safe integer has at most 16 digits.
  private readonly digits = new Uint8Array(16);

  update(text: string): this {
    // ASCII, the common case, is its own UTF-8: mixed in place, without a callback per byte; the
    // first other character hands the rest of the text to the encoder (the same bytes either way).
    let hi = this.hi;
    let lo = this.lo;
    let index = 0;
    for (; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) break;
      const mixed = (lo ^ code) >>> 0;
      const product = mixed * FNV64_PRIME_LO;
      lo = product >>> 0;
      hi = (Math.imul(hi, FNV64_PRIME_LO) + Math.floor(product / TWO_POW_32) + (mixed << 8)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    if (index < text.length) forEachUtf8Byte(text.slice(index), (byte) => this.mixByte(byte));
    return this;
  }

  /** Mixes the decimal digits of a safe integer, as update(String(n)) would, without building the string. */
  updateDecimal(n: number): this {
    if (!Number.isSafeInteger(n)) assert(false, `updateDecimal takes a safe integer, not ${n}`);
    if (n < 0) this.mixByte(0x2d);
    // Digits from the low end (% and the division are exact on safe integers), mixed from the high end
    // in place, as update() mixes ASCII (one call per request field, not one per digit).
    const digits = this.digits;
    let rest = Math.abs(n);
    let count = 0;
    do {
      const digit = rest % 10;
      digits[count] = digit;
      rest = (rest - digit) / 10;
      count += 1;
    } while (rest > 0);
    let hi = this.hi;
    let lo = this.lo;
    while (count > 0) {
      count -= 1;
      const mixed = (lo ^ (0x30 + digits[count]!)) >>> 0;
      const product = mixed * FNV64_PRIME_LO;
      lo = product >>> 0;
      hi = (Math.imul(hi, FNV64_PRIME_LO) + Math.floor(product / TWO_POW_32) + (mixed << 8)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  updateNumber(n: number): this {
    assert(Number.isFinite(n), () => `cannot hash non-finite number ${n}`);
    this.numberView.setFloat64(0, n === 0 ? 0 : n, true);
    for (let index = 0; index < 8; index += 1) this.mixByte(this.numberView.getUint8(index));
    return this;
  }

  /** 16 lowercase hex digits. Does not reset: more updates may follow. */
  digestHex(): string {
    return hex32(this.hi) + hex32(this.lo);
  }

  /** The digest's top 21 + low 32 bits as a non-negative safe integer (53 bits), e.g. a seed. */
  digestSafeInteger(): number {
    return (this.hi >>> 11) * TWO_POW_32 + this.lo;
  }

  // h = (h ^ byte) * prime mod 2^64, with h = hi:lo. Multiplying by 2^40 + 0x1b3 is
  // h*0x1b3 + (h << 40); the shift only touches the high lane (lo << 8).
  private mixByte(byte: number): void {
    const lo = (this.lo ^ byte) >>> 0;
    const loProduct = lo * FNV64_PRIME_LO; // < 2^41: exact in a double.
    const carry = Math.floor(loProduct / TWO_POW_32);
    this.lo = loProduct >>> 0;
    this.hi = (Math.imul(this.hi, FNV64_PRIME_LO) + carry + (lo << 8)) >>> 0;
  }
}

/** FNV-1a 64 of the UTF-8 bytes of text, as 16 lowercase hex digits. */
export function hashString(text: string): string {
  return new StableHasher().update(text).digestHex();
}

/** FNV-1a 32 of the UTF-8 bytes of text, as an unsigned 32-bit integer. */
export function hash32(text: string): number {
  let hash = FNV32_OFFSET;
  forEachUtf8Byte(text, (byte) => {
    hash = Math.imul(hash ^ byte, FNV32_PRIME) >>> 0;
  });
  return hash;
}

function hex32(word: number): string {
  return (word >>> 0).toString(16).padStart(8, '0');
}

function forEachUtf8Byte(text: string, sink: (byte: number) => void): void {
  for (let index = 0; index < text.length; index += 1) {
    let codePoint = text.charCodeAt(index);
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      const next = text.charCodeAt(index + 1); // NaN past the end: fails the range test.
      if (codePoint <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (next - 0xdc00);
        index += 1;
      } else {
        codePoint = 0xfffd;
      }
    }
    if (codePoint < 0x80) {
      sink(codePoint);
    } else if (codePoint < 0x800) {
      sink(0xc0 | (codePoint >> 6));
      sink(0x80 | (codePoint & 0x3f));
    } else if (codePoint < 0x10000) {
      sink(0xe0 | (codePoint >> 12));
      sink(0x80 | ((codePoint >> 6) & 0x3f));
      sink(0x80 | (codePoint & 0x3f));
    } else {
      sink(0xf0 | (codePoint >> 18));
      sink(0x80 | ((codePoint >> 12) & 0x3f));
      sink(0x80 | ((codePoint >> 6) & 0x3f));
      sink(0x80 | (codePoint & 0x3f));
    }
  }
}

/** Canonical JSON: equal plain data gives equal text, whatever order its keys were added in. */
export function stableStringify(value: unknown): string {
  const parts: string[] = [];
  writeJson(value, '$', parts, new Set());
  return parts.join('');
}

function writeJson(value: unknown, path: string, parts: string[], ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      parts.push(JSON.stringify(value));
      return;
    case 'boolean':
      parts.push(value ? 'true' : 'false');
      return;
    case 'number':
      assert(Number.isFinite(value), () => `stableStringify: ${value} at ${path} has no JSON form`);
      parts.push(JSON.stringify(value)); // ECMA-262 Number::toString: shortest round-trip; -0 → 0.
      return;
    case 'object':
      if (value === null) {
        parts.push('null');
        return;
      }
      assert(!ancestors.has(value), () => `stableStringify: cycle at ${path}`);
      ancestors.add(value);
      if (Array.isArray(value)) writeArray(value, path, parts, ancestors);
      else writeObject(value, path, parts, ancestors);
      ancestors.delete(value);
      return;
    default:
      // undefined, function, symbol, bigint.
      assert(false, () => `stableStringify: ${typeof value} at ${path} has no JSON form`);
  }
}

function writeArray(items: readonly unknown[], path: string, parts: string[], ancestors: Set<object>): void {
  parts.push('[');
  // An indexed loop, not forEach: forEach skips holes, which would silently shorten the array.
  for (let index = 0; index < items.length; index += 1) {
    if (index > 0) parts.push(',');
    writeJson(items[index], `${path}[${index}]`, parts, ancestors);
  }
  parts.push(']');
}

function writeObject(value: object, path: string, parts: string[], ancestors: Set<object>): void {
  const prototype: unknown = Object.getPrototypeOf(value);
  assert(prototype === Object.prototype || prototype === null, () => {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `stableStringify: ${String(name)} at ${path} is not plain data`;
  });
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareStrings);
  parts.push('{');
  let first = true;
  for (const key of keys) {
    const property = record[key];
    if (property === undefined) continue;
    if (!first) parts.push(',');
    first = false;
    parts.push(JSON.stringify(key), ':');
    writeJson(property, `${path}.${key}`, parts, ancestors);
  }
  parts.push('}');
}
