// What the fuzz campaign's mutations put into a document, and where: a value at a path chosen by a
// list of numbers (each picks a key or an index where it stands). Shared by the mesh cases
// (fuzz-case.ts) and the scenario cases (scenario-case.ts).
import fc from 'fast-check';

/** Values any field may get: a null, the field removed, numbers at and past the usual bounds, odd
 * strings, other types, structures nested deeper than a field expects, a `__proto__` key, and
 * references to resources that exist, are cyclic (a delegate naming itself) or are missing. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined), // the field removed
  fc.constantFrom(0, -1, 65536, 2 ** 53 + 2, 1e308, 4294967296, 0.5),
  fc.constantFrom('', ' ', 'ñ', '\u0000', '😀', '*', '../..', 'a'.repeat(300), '1e9', '-', 'shop/web', 'web.shop.svc.cluster.local'),
  fc.constantFrom(true, false),
  fc.constantFrom([], {}, [null], [{}], { __proto__: null, x: 1 }, JSON.parse('{"__proto__": {"a": 1}}') as unknown),
  fc.integer({ min: 1, max: 12 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: [inner] }), 'x')),
  fc.constantFrom({ name: 'web', namespace: 'shop' }, { name: 'web-delegate', namespace: 'shop' }, { name: 'missing' }),
);

/** A path into a document, as numbers: 1 to 7 steps. */
export const anyPath: fc.Arbitrary<number[]> = fc.array(fc.nat(50), { minLength: 1, maxLength: 7 });

/**
 * `doc` with `value` at the path the `choices` pick (undefined removes the field there). Copies what
 * it changes, so the input is left alone; keys are set as own properties, so a `__proto__` key stays
 * a key.
 */
export function mutate(doc: unknown, choices: readonly number[], value: unknown): unknown {
  if (choices.length === 0 || doc === null || typeof doc !== 'object') return value instanceof InKind ? value.pick(doc) : value;
  const [choice, ...rest] = choices;
  if (Array.isArray(doc)) {
    if (doc.length === 0) return mutate(doc, [], value);
    const i = choice! % doc.length;
    const copy = [...doc];
    copy[i] = mutate(doc[i], rest, value);
    return copy;
  }
  const keys = Object.keys(doc);
  if (keys.length === 0) return mutate(doc, [], value);
  const key = keys[choice! % keys.length]!;
  const out: Record<string, unknown> = {};
  for (const k of keys) setOwn(out, k, (doc as Record<string, unknown>)[k]);
  const next = mutate((doc as Record<string, unknown>)[key], rest, value);
  if (next === undefined) delete out[key];
  else setOwn(out, key, next);
  return out;
}

/**
 * A value of the same family as the one it replaces (a duration for a duration, a number for a
 * number, …), chosen by `choice`: such values pass the type checks and probe the ranges and what the
 * engine does with them. Put it where `mutate` takes a value.
 */
export class InKind {
  readonly choice: number;
  constructor(choice: number) {
    this.choice = choice;
  }

  pick(old: unknown): unknown {
    const from = (values: readonly unknown[]) => values[this.choice % values.length];
    if (typeof old === 'number') return from([0, 1, 2, 3, 7, 100, 1000, 65535, 65536, -1, 0.5, 4294967295]);
    if (typeof old === 'boolean') return !old;
    if (typeof old !== 'string') return from([null, [], {}, 'x', 1]);
    if (/^[\d.]+(h|m|s|ms|us|µs|ns)/.test(old)) return from(['0s', '1us', '1ms', '100ms', '1s', '2s', '10s', '1m', '2562047h', '1.0000001s']);
    if (old.endsWith('%')) return from(['0%', '0.0001%', '50%', '99.9999%', '100%']);
    if (/^[a-z]+:\/\//.test(old)) return from(['http://web/', 'http://web:80/x?y=1', 'http://db:5432/', 'tcp://web:80', 'tls://web:443', 'http://svc-0000.ns-00:8080/', 'http://nowhere/']);
    if (/^[a-z0-9-]+\/[a-z0-9-]+$/.test(old)) return from(['shop/web-v1', 'shop/web-v2', 'shop/db', 'shop/client', 'ns-00/svc-0000', 'istio-system/istio-ingressgateway', 'shop/missing', 'external']);
    return from([old.toUpperCase(), `${old}-x`, '', old.slice(1)]);
  }
}

/** A value of the same family as the one replaced (see InKind). */
export const inKind: fc.Arbitrary<InKind> = fc.nat(1000).map((n) => new InKind(n));

/** Sets `key` as an own property, so a `__proto__` key stays a key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every path into `doc` (as `mutate` takes them), the document's own root excluded, parents first. */
export function allPaths(doc: unknown, prefix: readonly number[] = []): number[][] {
  if (doc === null || typeof doc !== 'object') return [];
  const children: unknown[] = Array.isArray(doc) ? doc : Object.values(doc);
  return children.flatMap((child, i) => [[...prefix, i], ...allPaths(child, [...prefix, i])]);
}

/** The values an exhaustive sweep puts at each path: one per family of mistake. */
export const SWEEP_VALUES: readonly unknown[] = [null, undefined, [null], {}, [], '', 'x', 0, -1, 65536, 0.5, true, new InKind(0), new InKind(3), new InKind(8)];
