/**
 * Typed reads of a scenario's fields, each failure a diagnostic at the field as written.
 *
 * Job: the small vocabulary every section of the loader uses: mappings with known fields (an unknown
 * one is an error naming the nearest known one), lists, strings, integers, booleans, Go durations (µs),
 * percentages (ppm), choices, and "exactly one of". A read returns null after reporting what is wrong,
 * so a caller goes on and the user sees every problem at once.
 *
 * Invariants: every diagnostic has the scenario file, a line and column > 0, the field path in
 * `spec.timeline[2].scale.replicas` form, a message that starts with that path, and a one-sentence hint;
 * numbers come out as integers (µs, ppm) without float arithmetic.
 *
 * Not modelled: YAML tags (`!!str`); numbers written as strings are not coerced ("3" is not 3).
 */
import { CODES, editDistance, formatFieldPath, parseDuration } from '../sim/index.ts';
import type { Diagnostic, Severity, SourceLocation } from '../sim/index.ts';
import type { FieldPath, ScenarioText } from './parse-scenario-text.ts';

export type Obj = Readonly<Record<string, unknown>>;

/** `fallback`: the value when the field is absent; without one, an absent field is reported missing. */
export interface ReadOptions<T> {
  readonly fallback?: T;
}

export interface IntegerOptions extends ReadOptions<number> {
  readonly min?: number;
  readonly max?: number;
  /** The unit, for messages ("requests per second"). */
  readonly unit?: string;
  /** What to do when the value is out of range, if more can be said than the range. */
  readonly rangeHint?: string;
}

export interface DurationOptions extends ReadOptions<number> {
  /** Zero is refused unless this is true. */
  readonly zeroAllowed?: boolean;
}

export const DURATION_HINT = 'Write a Go duration: a number with a unit (us, ms, s, m, h), e.g. 250ms, 1.5s or 1m30s.';
const UINT32_MAX = 4_294_967_295;

export class FieldReader {
  readonly source: ScenarioText;
  readonly diagnostics: Diagnostic[];

  constructor(source: ScenarioText) {
    this.source = source;
    this.diagnostics = [];
  }

  /** Where `path` is written, or its nearest written parent. */
  at(path: FieldPath): SourceLocation {
    for (let n = path.length; n >= 0; n -= 1) {
      const found = this.source.keys.get(formatFieldPath(path.slice(0, n)));
      if (found !== undefined) return found;
    }
    return { file: this.source.file, line: 1, column: 1 };
  }

  report(severity: Severity, code: string, path: FieldPath, what: string, hint: string): void {
    const field = formatFieldPath(path);
    // One finding per field and code: a required field is reported missing once, by whoever sees it first.
    if (this.diagnostics.some((d) => d.field === field && d.code === code)) return;
    const where = this.at(path);
    this.diagnostics.push({
      file: this.source.file, line: where.line, column: where.column, severity, code,
      message: field === '' ? what : `${field}: ${what}`, hint, resource: null, field,
    });
  }

  error(code: string, path: FieldPath, what: string, hint: string): void {
    this.report('error', code, path, what, hint);
  }

  errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }

  missing(path: FieldPath, hint: string): void {
    this.error(CODES.scenarioMissingField, path, 'this field is required but missing.', hint);
  }

  wrongType(path: FieldPath, value: unknown, expected: string, hint: string): void {
    this.error(CODES.scenarioWrongType, path, `must be ${expected}, not ${describe(value)}.`, hint);
  }

  /** A mapping whose fields are all in `known`; every field in `required` must be present. */
  object(path: FieldPath, value: unknown, known: readonly string[], required: readonly string[] = []): Obj | null {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.wrongType(path, value, 'a mapping', `Write the fields of ${formatFieldPath(path) || 'the file'} as a YAML mapping: ${known.join(', ')}.`);
      return null;
    }
    const obj = value as Obj;
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      const near = nearest(key, known, 1)[0];
      this.error(CODES.scenarioUnknownField, [...path, key],
        near === undefined ? 'unknown field.' : `unknown field; did you mean ${near}?`,
        `The fields here are ${known.join(', ')}; check the spelling and the indentation.`);
    }
    for (const key of required) {
      if (obj[key] === undefined) {
        this.error(CODES.scenarioMissingField, [...path, key], 'this field is required but missing.',
          `Add ${key} to ${formatFieldPath(path) || 'the file'}.`);
      }
    }
    return obj;
  }

  list(path: FieldPath, value: unknown): readonly unknown[] | null {
    if (Array.isArray(value)) return value;
    this.wrongType(path, value, 'a list', 'Write one `- ` item per entry.');
    return null;
  }

  string(path: FieldPath, value: unknown, options: ReadOptions<string> = {}): string | null {
    if (value === undefined) return this.absent(path, options);
    if (typeof value === 'string' && value !== '') return value;
    this.wrongType(path, value, 'a non-empty string', 'Write the value as text; quote it if YAML would read it as something else.');
    return null;
  }

  boolean(path: FieldPath, value: unknown, options: ReadOptions<boolean> = {}): boolean | null {
    if (value === undefined) return this.absent(path, options);
    if (typeof value === 'boolean') return value;
    this.wrongType(path, value, 'true or false', 'Write true or false, unquoted.');
    return null;
  }

  integer(path: FieldPath, value: unknown, options: IntegerOptions = {}): number | null {
    if (value === undefined) return this.absent(path, options);
    const unit = options.unit === undefined ? '' : ` ${options.unit}`;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.wrongType(path, value, `a whole number${options.unit === undefined ? '' : ` of ${options.unit}`}`, 'Write a whole number, unquoted.');
      return null;
    }
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      this.error(CODES.scenarioConstraint, path, `${value} is out of range: it must be ${range}${unit}.`,
        options.rangeHint ?? `Write a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : range}.`);
      return null;
    }
    return value;
  }

  uint32(path: FieldPath, value: unknown, options: ReadOptions<number> = {}): number | null {
    return this.integer(path, value, { ...options, min: 0, max: UINT32_MAX });
  }

  /** A Go duration (`250ms`, `1m30s`) in µs; zero only when allowed. */
  duration(path: FieldPath, value: unknown, options: DurationOptions = {}): number | null {
    if (value === undefined) return this.absent(path, options);
    if (typeof value !== 'string') {
      this.wrongType(path, value, 'a duration such as 250ms or 1m30s', typeof value === 'number'
        ? `Add a unit: ${value}s for seconds, ${value}ms for milliseconds.` : DURATION_HINT);
      return null;
    }
    const us = parseDuration(value.trim());
    if (us === null) {
      this.error(CODES.scenarioInvalidValue, path, `"${value}" is not a duration.`, DURATION_HINT);
      return null;
    }
    if (us === 0 && options.zeroAllowed !== true) {
      this.error(CODES.scenarioConstraint, path, `the duration must be more than 0, not "${value}".`, 'Write a positive duration, e.g. 1s.');
      return null;
    }
    return us;
  }

  /** A percentage string (`"0.1%"`, `"99.95%"`) in parts per million, 0% to 100%. */
  percentPpm(path: FieldPath, value: unknown, options: ReadOptions<number> = {}): number | null {
    if (value === undefined) return this.absent(path, options);
    const ppm = typeof value === 'string' ? parsePercentPpm(value) : undefined;
    if (typeof value !== 'string') {
      this.wrongType(path, value, 'a percentage such as "0.1%"', `Write the value with a % sign${typeof value === 'number' ? `, e.g. "${value}%"` : ''}.`);
    } else if (ppm === undefined) {
      this.error(CODES.scenarioInvalidValue, path, `"${value}" is not a percentage.`, 'Write a number from 0 to 100 with at most 4 decimals and a % sign, e.g. "99.9%" or "0.05%".');
    } else if (ppm > 1_000_000) {
      this.error(CODES.scenarioConstraint, path, `"${value}" is more than 100%.`, 'Write a percentage from 0% to 100%.');
    } else {
      return ppm;
    }
    return null;
  }

  /** One of `allowed`, spelled exactly. */
  choice<T extends string>(path: FieldPath, value: unknown, allowed: readonly T[], options: ReadOptions<T> = {}): T | null {
    if (value === undefined) return this.absent(path, options);
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    const near = typeof value === 'string' ? nearest(value, allowed, 1)[0] : undefined;
    this.error(CODES.scenarioInvalidValue, path,
      `${describe(value)} is not one of the allowed values${near === undefined ? '.' : `; did you mean ${near}?`}`,
      `Use one of ${allowed.join(', ')} (case-sensitive).`);
    return null;
  }

  /** The one key of `keys` that `obj` sets; none or several is an error at `path`. */
  exactlyOne<K extends string>(path: FieldPath, obj: Obj, keys: readonly K[], what: string): K | null {
    const present = keys.filter((k) => obj[k] !== undefined);
    if (present.length === 1) return present[0]!;
    if (present.length === 0) {
      this.error(CODES.scenarioMissingField, path, `${what} needs one of ${keys.join(', ')}.`, `Add exactly one of ${keys.join(', ')}.`);
    } else {
      this.error(CODES.scenarioConstraint, [...path, present[1]!], `${what} sets both ${present[0]} and ${present[1]}, but takes exactly one of ${keys.join(', ')}.`,
        `Keep one of them; split the rest into ${what === 'a timeline step' ? 'more steps at the same time' : 'separate entries'}.`);
    }
    return null;
  }

  private absent<T>(path: FieldPath, options: ReadOptions<T>): T | null {
    if (options.fallback !== undefined) return options.fallback;
    this.missing(path, `Add ${String(path[path.length - 1])} to ${formatFieldPath(path.slice(0, -1)) || 'the file'}.`);
    return null;
  }
}

/** `the integer 10`, `the string "x"`, `a list`: a value as messages name it. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof value}`;
  }
}

/** "99.9%" → 999000 ppm, exactly (decimal digits, no floats); undefined when not a percentage. */
export function parsePercentPpm(text: string): number | undefined {
  const m = /^\s*(\d{1,7})(?:\.(\d{1,4}))?\s*%\s*$/.exec(text);
  if (m === null) return undefined;
  return Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
}

/** Up to `count` names of `known` close enough to `name` to be a likely typo, closest first. */
export function nearest(name: string, known: readonly string[], count: number): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return [...new Set(known)]
    .map((k) => ({ k, d: editDistance(name.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .slice(0, count)
    .map((x) => x.k);
}
