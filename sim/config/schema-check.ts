/**
 * Schema checks for one document: wrong types, invalid enum values, missing required fields and other
 * OpenAPI constraints (from the upstream schemas via @kubernetes-models), plus unknown fields, which those
 * validators let through but `kubectl apply` (strict field validation) rejects.
 *
 * Unknown fields are found by probing the validator: replace every value of one object with a value no
 * schema type accepts; the keys the validator then complains about are the keys the schema knows.
 * Objects are probed top-down and unknown keys are not descended into, so one typo gives one diagnostic.
 *
 * Invariants: pure; the document is never mutated; unknown fields come first (top-down), then the
 * validator's findings (callers sort diagnostics by position).
 *
 * Not modelled: CEL rules (`x-kubernetes-validations`) in Istio's CRDs; Istio's own semantic rules
 * live in istio-rules.ts.
 */
import type { SchemaError, SchemaValidator } from './kinds.ts';
import type { FieldPath } from './resource.ts';

export type SchemaFindingKind = 'wrongType' | 'invalidEnum' | 'missingField' | 'constraint' | 'unknownField';

export interface SchemaFinding {
  readonly kind: SchemaFindingKind;
  /** The field at fault (for missingField: the object missing it). */
  readonly path: FieldPath;
  readonly message: string;
}

/** A value that fails every JSON-schema type check (it is not JSON). */
const PROBE = (): void => {};

export function checkSchema(validate: SchemaValidator, document: Readonly<Record<string, unknown>>, newerFields: readonly RegExp[] = []): SchemaFinding[] {
  const errors = validate(document);
  // A value of the wrong type (a mapping where a list belongs) is one mistake: do not also probe inside it.
  const mistyped = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const unknown = findUnknownFields(validate, document, mistyped).filter((f) => !newerFields.some((re) => re.test(toPointer(f.path))));
  return [...unknown, ...describeSchemaErrors(errors, document)];
}

// Which fields are unknown depends on the document's shape (its keys in order, each value's type and
// each list's length), never on its values: the probes replace every value at the level they ask
// about. Documents of one shape (a generated mesh's thousands of Deployments) are probed once per
// validator.
const probedShapes = new WeakMap<SchemaValidator, Map<string, readonly SchemaFinding[]>>();

function findUnknownFields(validate: SchemaValidator, document: Readonly<Record<string, unknown>>, mistyped: ReadonlySet<string>): SchemaFinding[] {
  let byShape = probedShapes.get(validate);
  if (byShape === undefined) probedShapes.set(validate, byShape = new Map());
  const key = `${[...mistyped].join('\n')}\u0000${shapeOf(document)}`;
  let findings = byShape.get(key);
  if (findings === undefined) byShape.set(key, findings = probeUnknownFields(validate, document, mistyped));
  return findings.map((f) => ({ ...f, path: [...f.path] }));
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(',')}]`;
  if (isPlainObject(value)) return `{${Object.keys(value).map((k) => `${JSON.stringify(k)}:${shapeOf(value[k])}`).join(',')}}`;
  return value === null ? 'null' : typeof value;
}

function probeUnknownFields(validate: SchemaValidator, document: Readonly<Record<string, unknown>>, mistyped: ReadonlySet<string>): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  const queue: { path: (string | number)[]; value: Readonly<Record<string, unknown>> }[] = [{ path: [], value: document }];
  while (queue.length > 0) {
    const { path, value } = queue.shift()!;
    if (mistyped.has(toPointer(path))) continue;
    const keys = Object.keys(value);
    if (keys.length === 0) continue;
    const probe: Record<string, unknown> = {};
    for (const key of keys) probe[key] = PROBE;
    const known = new Set(validate(replaceAt(document, path, probe)).map((e) => e.instancePath));
    for (const key of keys) {
      const childPath = [...path, key];
      const alwaysKnown = path.length === 0 && ALWAYS_KNOWN_TOP_LEVEL.has(key);
      if (!alwaysKnown && !known.has(toPointer(childPath))) {
        findings.push({ kind: 'unknownField', path: childPath, message: 'is not a field of this kind' });
        continue;
      }
      if (path.length === 0 && key === 'status') continue; // Status is the cluster's, not the user's.
      enqueueObjects(value[key], childPath, queue);
    }
  }
  return findings;
}

const ALWAYS_KNOWN_TOP_LEVEL: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'status']);

function enqueueObjects(
  value: unknown,
  path: (string | number)[],
  queue: { path: (string | number)[]; value: Readonly<Record<string, unknown>> }[],
): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => enqueueObjects(item, [...path, index], queue));
  } else if (isPlainObject(value)) {
    queue.push({ path, value });
  }
}

function replaceAt(root: unknown, path: FieldPath, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = replaceAt(root[head as number], rest, replacement);
    return copy;
  }
  const object = root as Record<string, unknown>;
  return { ...object, [head as string]: replaceAt(object[head as string], rest, replacement) };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toPointer(path: FieldPath): string {
  return path.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function fromPointer(pointer: string, document: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    path.push(segment);
    node = node === null || typeof node !== 'object' ? undefined : (node as Record<string, unknown>)[key];
  }
  return path;
}

function valueAt(document: unknown, path: FieldPath): unknown {
  let node: unknown = document;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/**
 * Turns raw validator errors into one finding per problem. A failed oneOf/anyOf also reports every
 * branch's `required`/`not` misses at the same place; those are noise and are folded into it.
 */
function describeSchemaErrors(errors: readonly SchemaError[], document: unknown): SchemaFinding[] {
  const byPath = new Map<string, SchemaError[]>();
  for (const error of errors) {
    const group = byPath.get(error.instancePath) ?? [];
    group.push(error);
    byPath.set(error.instancePath, group);
  }
  const findings: SchemaFinding[] = [];
  for (const [pointer, group] of byPath) {
    const path = fromPointer(pointer, document);
    const value = valueAt(document, path);
    const alternatives = group.find((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    if (alternatives !== undefined) {
      findings.push(describeAlternatives(alternatives, group, path, value));
      continue;
    }
    for (const error of group) findings.push(describeError(error, path, value));
  }
  return findings;
}

function describeAlternatives(error: SchemaError, group: readonly SchemaError[], path: FieldPath, value: unknown): SchemaFinding {
  const types = group.filter((e) => e.keyword === 'type').map((e) => String(e.params['type']));
  if (types.length > 0) {
    return { kind: 'wrongType', path, message: `must be ${types.map(article).join(' or ')}, not ${describeValue(value)}` };
  }
  const passing = error.params['passingSchemas'];
  if (Array.isArray(passing) && passing.length > 1 && isPlainObject(value)) {
    const keys = Object.keys(value).join(', ');
    return { kind: 'constraint', path, message: `sets fields that exclude each other (${keys}); set only one of them` };
  }
  return { kind: 'constraint', path, message: 'does not match any of the forms this field allows' };
}

function describeError(error: SchemaError, path: FieldPath, value: unknown): SchemaFinding {
  switch (error.keyword) {
    case 'type':
      return { kind: 'wrongType', path, message: `must be ${article(String(error.params['type']))}, not ${describeValue(value)}` };
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[] | undefined) ?? [];
      return { kind: 'invalidEnum', path, message: `is ${describeValue(value)}; allowed values are ${allowed.map(String).join(', ')}` };
    }
    case 'required':
      return { kind: 'missingField', path, message: `is missing the required field "${String(error.params['missingProperty'])}"` };
    default:
      return { kind: 'constraint', path, message: `${error.message ?? `fails the schema rule "${error.keyword}"`} (it is ${describeValue(value)})` };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (value === null || value === undefined) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}
