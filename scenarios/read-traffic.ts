/**
 * `spec.traffic` (who sends what, how fast) and `spec.apps` (how each app answers and whom it calls).
 *
 * Job: read each traffic entry (open loop `rate`, closed loop `concurrency` with `thinkTime`, or long-lived `streams`, a
 * window `start`..`end` inside the run) and each app (service time as one duration or a weighted
 * table, error rate as a percentage, error status, calls) into TrafficSpec and AppSpec values.
 *
 * Invariants: rates and concurrency are positive integers; every time is integer µs; error rates are
 * ppm; traffic names and app workloads are unique; `line` is where the entry starts in the file.
 *
 * Not modelled: request bodies and sizes, per-request header templates, traffic shapes other than
 * constant (ramps: use several entries with consecutive windows), gRPC methods.
 */
import { CODES, formatDuration, formatFieldPath } from '../sim/index.ts';
import type { AppSpec, DurationTable, TrafficSpec } from '../sim/index.ts';
import { readWorkloadRef } from './check-references.ts';
import type { Reference } from './check-references.ts';
import type { FieldReader, Obj } from './field-reader.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export interface SectionContext {
  readonly reader: FieldReader;
  readonly refs: Reference[];
  /** The run's length, or null when `spec.duration` is missing or bad (checks against it are skipped). */
  readonly durationUs: number | null;
  /** The names of `spec.nodes`. */
  readonly nodes: readonly string[];
}

export const TRAFFIC_FIELDS = ['name', 'from', 'url', 'method', 'headers', 'rate', 'concurrency', 'streams', 'thinkTime', 'start', 'end'] as const;
export const APP_FIELDS = ['workload', 'serviceTime', 'errorRate', 'errorStatus', 'calls'] as const;
const CALL_FIELDS = ['url', 'method'] as const;
const TABLE_FIELDS = ['duration', 'weight'] as const;
/** An app nobody describes answers at once; a scenario sets `serviceTime` where it matters. */
export const APP_SERVICE_TIME_DEFAULT_US = 0;
const URL_SCHEMES = ['http:', 'https:', 'tcp:', 'tls:'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function readTraffic(ctx: SectionContext, at: FieldPath, value: unknown): TrafficSpec[] {
  const { reader } = ctx;
  const out: TrafficSpec[] = [];
  const names = new Map<string, number>();
  (reader.list(at, value) ?? []).forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, TRAFFIC_FIELDS, ['name', 'from', 'url']);
    if (obj === null) return;
    const name = uniqueName(reader, [...p, 'name'], obj['name'], names, index, at);
    const from = readWorkloadRef(reader, ctx.refs, [...p, 'from'], obj['from'], 'client', true);
    const url = readUrl(reader, [...p, 'url'], obj['url']);
    const method = readMethod(reader, [...p, 'method'], obj['method']);
    const headers = readHeaders(reader, [...p, 'headers'], obj['headers']);
    const loop = reader.exactlyOne(p, obj, ['rate', 'concurrency', 'streams'], 'a traffic entry');
    const rate = loop === 'rate' ? reader.integer([...p, 'rate'], obj['rate'], { min: 1, max: 1_000_000, unit: 'requests per second', rangeHint: 'Send from 1 to 1,000,000 requests per second per entry (the virtual clock counts microseconds); for no traffic, remove the entry or end it earlier; split a larger load over several entries.' }) : null;
    const concurrency = loop === 'concurrency' ? reader.integer([...p, 'concurrency'], obj['concurrency'], { min: 1, max: 100_000, unit: 'callers' }) : null;
    const streams = loop === 'streams' ? reader.integer([...p, 'streams'], obj['streams'], { min: 1, max: 100_000, unit: 'streams' }) : null;
    if (obj['thinkTime'] !== undefined && loop === 'streams') {
      reader.error(CODES.scenarioConstraint, [...p, 'thinkTime'], 'thinkTime applies to closed-loop traffic (concurrency) only.',
        'Remove thinkTime: a long-lived stream stays open until it is cut, then reopens at once.');
    }
    if (obj['thinkTime'] !== undefined && loop === 'rate') {
      reader.error(CODES.scenarioConstraint, [...p, 'thinkTime'], 'thinkTime applies to closed-loop traffic (concurrency) only.',
        'Remove thinkTime, or replace rate with concurrency.');
    }
    const thinkTimeUs = reader.duration([...p, 'thinkTime'], obj['thinkTime'], { zeroAllowed: true, fallback: 0 });
    const window = readWindow(ctx, p, obj, 'start', 'end');
    if (name === null || from === null || url === null || method === null || headers === null || thinkTimeUs === null || window === null) return;
    if ((loop === 'rate' && rate === null) || (loop === 'concurrency' && concurrency === null) || (loop === 'streams' && streams === null) || loop === null) return;
    out.push({
      name, from, url, method, headers, ratePerSecond: rate, concurrency, streams, thinkTimeUs,
      startUs: window.fromUs, endUs: window.toUs, line: reader.at(p).line,
    });
  });
  return out;
}

export function readApps(ctx: SectionContext, at: FieldPath, value: unknown): AppSpec[] {
  const { reader } = ctx;
  const out: AppSpec[] = [];
  const seen = new Map<string, number>();
  (reader.list(at, value) ?? []).forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, APP_FIELDS, ['workload']);
    if (obj === null) return;
    const workload = readWorkloadRef(reader, ctx.refs, [...p, 'workload'], obj['workload'], 'app');
    if (workload !== null) {
      const earlier = seen.get(workload);
      if (earlier !== undefined) {
        reader.error(CODES.scenarioDuplicateName, [...p, 'workload'], `${workload} is already described by ${formatFieldPath([...at, earlier])}.`,
          'Describe each workload once: merge the two entries.');
      }
      seen.set(workload, index);
    }
    const serviceTime = readServiceTime(reader, [...p, 'serviceTime'], obj['serviceTime']);
    const errorRatePpm = reader.percentPpm([...p, 'errorRate'], obj['errorRate'], { fallback: 0 });
    const errorStatus = reader.integer([...p, 'errorStatus'], obj['errorStatus'], { min: 400, max: 599, fallback: 500 });
    const calls = readCalls(reader, [...p, 'calls'], obj['calls']);
    if (workload === null || serviceTime === null || errorRatePpm === null || errorStatus === null || calls === null) return;
    out.push({ workload, serviceTime, errorRatePpm, errorStatus, calls, line: reader.at(p).line });
  });
  return out;
}

/** `from`/`to` (or `start`/`end`) inside the run: from < to ≤ duration; absent ends default to the run's. */
export function readWindow(ctx: SectionContext, at: FieldPath, obj: Obj, fromKey: string, toKey: string): { fromUs: number; toUs: number } | null {
  const { reader, durationUs } = ctx;
  const fromUs = reader.duration([...at, fromKey], obj[fromKey], { zeroAllowed: true, fallback: 0 });
  const toUs = reader.duration([...at, toKey], obj[toKey], { zeroAllowed: true, fallback: durationUs ?? 0 });
  if (fromUs === null || toUs === null || durationUs === null) return null;
  const run = `the run lasts ${formatDuration(durationUs)}`;
  if (fromUs >= durationUs) {
    reader.error(CODES.scenarioConstraint, [...at, fromKey], `${formatDuration(fromUs)} is not before the end of the run (${run}).`,
      `Make ${fromKey} less than spec.duration, or lengthen the run.`);
    return null;
  }
  if (toUs > durationUs) {
    reader.error(CODES.scenarioConstraint, [...at, toKey], `${formatDuration(toUs)} is after the end of the run (${run}).`,
      `Make ${toKey} at most spec.duration (${formatDuration(durationUs)}), or leave it out to mean the end of the run.`);
    return null;
  }
  if (toUs <= fromUs) {
    reader.error(CODES.scenarioConstraint, [...at, toKey], `${formatDuration(toUs)} is not after ${fromKey} (${formatDuration(fromUs)}).`,
      `Make ${toKey} later than ${fromKey}.`);
    return null;
  }
  return { fromUs, toUs };
}

export function readUrl(reader: FieldReader, at: FieldPath, value: unknown): string | null {
  const text = reader.string(at, value);
  if (text === null) return null;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (url === null || !URL_SCHEMES.includes(url.protocol) || url.hostname === '') {
    reader.error(CODES.scenarioInvalidValue, at, `"${text}" is not a URL meshsim can send to.`,
      'Write an absolute URL with scheme http, https, tcp or tls and a host, e.g. http://reviews.default:9080/reviews/0.');
    return null;
  }
  return text;
}

export function readMethod(reader: FieldReader, at: FieldPath, value: unknown): string | null {
  const method = reader.string(at, value, { fallback: 'GET' });
  if (method === null) return null;
  if (TOKEN.test(method)) return method;
  reader.error(CODES.scenarioInvalidValue, at, `"${method}" is not an HTTP method.`, 'Write a method such as GET, POST or PUT.');
  return null;
}

function readHeaders(reader: FieldReader, at: FieldPath, value: unknown): Record<string, string> | null {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    reader.wrongType(at, value, 'a mapping of header names to values', 'Write headers as {name: value}, e.g. {end-user: jason}.');
    return null;
  }
  const out: Record<string, string> = {};
  let ok = true;
  for (const [name, v] of Object.entries(value as Obj)) {
    if (!TOKEN.test(name)) {
      reader.error(CODES.scenarioInvalidValue, [...at, name], `"${name}" is not a header name.`, 'Use letters, digits and - in header names.');
      ok = false;
    } else if (typeof v !== 'string') {
      reader.wrongType([...at, name], v, 'a string', `Quote the value: ${name}: "${String(v)}".`);
      ok = false;
    } else {
      out[name] = v;
    }
  }
  return ok ? out : null;
}

function readServiceTime(reader: FieldReader, at: FieldPath, value: unknown): DurationTable | null {
  if (value === undefined) return { entries: [{ durationUs: APP_SERVICE_TIME_DEFAULT_US, weight: 1 }] };
  if (!Array.isArray(value)) {
    const durationUs = reader.duration(at, value, { zeroAllowed: true });
    return durationUs === null ? null : { entries: [{ durationUs, weight: 1 }] };
  }
  if (value.length === 0) {
    reader.error(CODES.scenarioConstraint, at, 'the table is empty.', 'Give at least one {duration, weight} entry, or a single duration.');
    return null;
  }
  const entries: { durationUs: number; weight: number }[] = [];
  value.forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, TABLE_FIELDS, ['duration', 'weight']);
    if (obj === null) return;
    const durationUs = reader.duration([...p, 'duration'], obj['duration'], { zeroAllowed: true });
    const weight = reader.integer([...p, 'weight'], obj['weight'], { min: 1, max: 1_000_000 });
    if (durationUs !== null && weight !== null) entries.push({ durationUs, weight });
  });
  return entries.length === value.length ? { entries } : null;
}

function readCalls(reader: FieldReader, at: FieldPath, value: unknown): { url: string; method: string }[] | null {
  if (value === undefined) return [];
  const list = reader.list(at, value);
  if (list === null) return null;
  const calls: { url: string; method: string }[] = [];
  list.forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, CALL_FIELDS, ['url']);
    if (obj === null) return;
    const url = readUrl(reader, [...p, 'url'], obj['url']);
    const method = readMethod(reader, [...p, 'method'], obj['method']);
    if (url !== null && method !== null) calls.push({ url, method });
  });
  return calls.length === list.length ? calls : null;
}

/** A required name, unique within its list; a repeat is reported at the later entry. */
export function uniqueName(reader: FieldReader, at: FieldPath, value: unknown, seen: Map<string, number>, index: number, list: FieldPath): string | null {
  const name = reader.string(at, value);
  if (name === null) return null;
  const earlier = seen.get(name);
  if (earlier !== undefined) {
    reader.error(CODES.scenarioDuplicateName, at, `the name "${name}" is already used by ${formatFieldPath([...list, earlier])}.`,
      'Give each entry its own name; reports and summaries tell them apart by it.');
    return null;
  }
  seen.set(name, index);
  return name;
}
