/**
 * `spec.assertions`: what a run is judged by: a metric over a window of the run, filtered by source,
 * destination, status code or Envoy response flag, compared with an expected value.
 *
 * Job: read each assertion into an AssertionSpec: the metric's name mapped to its AssertionMetric, the
 * filters that metric takes (and no others), the window (default: the whole run), and `expect` as an
 * operator and a value in the metric's unit (percent → ppm, duration → µs, count, true/false → 1/0).
 *
 * Invariants: values are integers (ppm, µs, counts) read without float arithmetic; `latency` and
 * `convergence`, `propagation` always carry a percentile, `flaggedRequests` always a flag; `converged` compares with ==.
 *
 * Not modelled: assertions over ratios of two metrics, rates per second, or Prometheus queries.
 */
import { CODES, parseDuration } from '../sim/index.ts';
import type { AssertionMetric, AssertionSpec } from '../sim/index.ts';
import { readWorkloadRef } from './check-references.ts';
import { DURATION_HINT, describe, parsePercentPpm } from './field-reader.ts';
import type { FieldReader, Obj } from './field-reader.ts';
import { readWindow, uniqueName } from './read-traffic.ts';
import type { SectionContext } from './read-traffic.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export const METRICS = {
  successRate: 'success-rate-ppm',
  requests: 'requests',
  flaggedRequests: 'flagged-requests',
  latency: 'latency-us',
  convergence: 'convergence-us',
  propagation: 'propagation-us',
  streamCuts: 'stream-cuts',
  pushes: 'pushes',
  proxyUpdates: 'proxy-updates',
  updateBytes: 'update-bytes',
  converged: 'converged',
} as const satisfies Record<string, AssertionMetric>;
type MetricName = keyof typeof METRICS;
const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export const ASSERTION_FIELDS = ['name', 'metric', 'source', 'destination', 'code', 'flag', 'percentile', 'window', 'expect'] as const;
const WINDOW_FIELDS = ['from', 'to'] as const;
const OPS = ['>=', '<=', '==', '>', '<'] as const;
type Op = (typeof OPS)[number];

/** Envoy's response flags (access log %RESPONSE_FLAGS%, short form). */
export const ENVOY_RESPONSE_FLAGS = [
  'DC', 'DF', 'DI', 'DO', 'DPE', 'DR', 'DT', 'FI', 'IH', 'LH', 'LR', 'NC', 'NFCF', 'NR', 'OM', 'RL', 'RLSE',
  'SI', 'UAEX', 'UC', 'UF', 'UH', 'UMSDR', 'UO', 'UPE', 'UR', 'URX', 'UT',
] as const;

/** Which filters each metric takes. */
const REQUEST_METRICS: readonly MetricName[] = ['successRate', 'requests', 'flaggedRequests', 'latency'];
/** Metrics that take source and destination filters. */
const FLOW_METRICS: readonly MetricName[] = [...REQUEST_METRICS, 'streamCuts'];
const CODE_METRICS: readonly MetricName[] = ['requests', 'flaggedRequests', 'latency'];
const PERCENTILE_METRICS: readonly MetricName[] = ['latency', 'convergence', 'propagation', 'updateBytes'];

export function readAssertions(ctx: SectionContext, at: FieldPath, value: unknown): AssertionSpec[] {
  const { reader } = ctx;
  const out: AssertionSpec[] = [];
  const names = new Map<string, number>();
  (reader.list(at, value) ?? []).forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, ASSERTION_FIELDS, ['name', 'metric', 'expect']);
    if (obj === null) return;
    const name = uniqueName(reader, [...p, 'name'], obj['name'], names, index, at);
    const metric = reader.choice([...p, 'metric'], obj['metric'], METRIC_NAMES);
    const filters = metric === null ? null : readFilters(ctx, p, obj, metric);
    const windowObj = obj['window'] === undefined ? {} : reader.object([...p, 'window'], obj['window'], WINDOW_FIELDS);
    const window = windowObj === null ? null : readWindow(ctx, [...p, 'window'], windowObj, 'from', 'to');
    const expect = metric === null ? null : readExpect(reader, [...p, 'expect'], obj['expect'], metric);
    if (name === null || metric === null || filters === null || window === null || expect === null) return;
    out.push({
      name, metric: METRICS[metric], ...filters, fromUs: window.fromUs, toUs: window.toUs,
      op: expect.op, value: expect.value, line: reader.at(p).line,
    });
  });
  return out;
}

interface Filters {
  readonly source: string | null;
  readonly destination: string | null;
  readonly code: number | null;
  readonly flag: string | null;
  readonly percentile: number | null;
}

function readFilters(ctx: SectionContext, at: FieldPath, obj: Obj, metric: MetricName): Filters | null {
  const { reader, refs } = ctx;
  const errors = reader.errorCount();
  const notFor = (field: string, takes: readonly MetricName[], hint: string): boolean => {
    if (obj[field] === undefined || takes.includes(metric)) return false;
    reader.error(CODES.scenarioConstraint, [...at, field], `metric ${metric} takes no ${field} (only ${takes.slice(0, -1).join(', ')} and ${takes[takes.length - 1]} do).`, hint);
    return true;
  };
  const optional = <T>(field: string, read: () => T | null): T | null => (obj[field] === undefined ? null : read());
  const source = notFor('source', FLOW_METRICS, 'Remove source, or assert on a request metric or streamCuts.') ? null
    : optional('source', () => readWorkloadRef(reader, refs, [...at, 'source'], obj['source'], 'filter', true));
  const destination = notFor('destination', FLOW_METRICS, 'Remove destination, or assert on a request metric or streamCuts.') ? null
    : optional('destination', () => readWorkloadRef(reader, refs, [...at, 'destination'], obj['destination'], 'filter'));
  const code = notFor('code', CODE_METRICS, 'Remove code; to count requests with a status, use metric requests with code.') ? null
    // 0 is what Envoy logs (and the run records) for a connection reset or refused before any status.
    : optional('code', () => reader.integer([...at, 'code'], obj['code'], { min: 0, max: 599 }));
  const flag = notFor('flag', ['flaggedRequests'], 'Use metric flaggedRequests to count requests with a response flag.') ? null
    : metric === 'flaggedRequests' ? reader.choice([...at, 'flag'], obj['flag'], ENVOY_RESPONSE_FLAGS) : null;
  let percentile: number | null = null;
  if (!notFor('percentile', PERCENTILE_METRICS, 'Remove percentile; it applies to latency, convergence, propagation and updateBytes.') && PERCENTILE_METRICS.includes(metric)) {
    percentile = readPercentile(reader, [...at, 'percentile'], obj['percentile']);
  }
  if (reader.errorCount() > errors) return null;
  return { source, destination, code, flag, percentile };
}

function readPercentile(reader: FieldReader, at: FieldPath, value: unknown): number | null {
  if (value === undefined) {
    reader.missing(at, 'Add percentile (0 to 100), e.g. percentile: 99.');
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    reader.wrongType(at, value, 'a number from 0 to 100', 'Write the percentile as a number, e.g. 99 or 99.9.');
    return null;
  }
  if (value < 0 || value > 100) {
    reader.error(CODES.scenarioConstraint, at, `${value} is out of range: it must be from 0 to 100.`, 'Write a percentile from 0 to 100, e.g. 99.');
    return null;
  }
  return value;
}

/** `">= 99.9%"`, `"<= 2s"`, `"== 0"`, `"== true"`; a bare number or boolean means ==. */
function readExpect(reader: FieldReader, at: FieldPath, value: unknown, metric: MetricName): { op: Op; value: number } | null {
  const unit = UNITS[metric];
  const text = typeof value === 'number' || typeof value === 'boolean' ? `== ${value}` : value;
  if (typeof text !== 'string') {
    reader.wrongType(at, value, 'a comparison such as ">= 99.9%"', `Write an operator (>=, <=, ==, >, <) and ${unit.example}, quoted.`);
    return null;
  }
  const m = /^\s*(>=|<=|==|>|<)\s*(\S.*?)\s*$/.exec(text);
  if (m === null) {
    reader.error(CODES.scenarioInvalidValue, at, `"${text}" is not a comparison.`, `Write an operator (>=, <=, ==, >, <) and ${unit.example}, e.g. "${unit.sample}".`);
    return null;
  }
  const op = m[1] as Op;
  const parsed = unit.parse(m[2]!);
  if (parsed === undefined) {
    reader.error(CODES.scenarioInvalidValue, at, `${describe(m[2])} is not ${unit.what}, which metric ${metric} is measured in.`, unit.hint);
    return null;
  }
  if (metric === 'converged' && op !== '==') {
    reader.error(CODES.scenarioConstraint, at, `metric converged is true or false and compares only with ==, not ${op}.`, 'Write "== true" or "== false".');
    return null;
  }
  return { op, value: parsed };
}

interface Unit {
  readonly what: string;
  readonly example: string;
  readonly sample: string;
  readonly hint: string;
  readonly parse: (text: string) => number | undefined;
}

const PERCENT: Unit = {
  what: 'a percentage', example: 'a percentage', sample: '>= 99.9%',
  hint: 'Write a percentage from 0% to 100% with at most 4 decimals, e.g. ">= 99.9%".',
  parse: (text) => {
    const ppm = parsePercentPpm(text);
    return ppm === undefined || ppm > 1_000_000 ? undefined : ppm;
  },
};
const DURATION: Unit = {
  what: 'a duration', example: 'a duration', sample: '<= 200ms', hint: DURATION_HINT,
  parse: (text) => parseDuration(text) ?? undefined,
};
const COUNT: Unit = {
  what: 'a whole number', example: 'a count', sample: '== 0', hint: 'Write a whole number, e.g. "== 0" or ">= 100".',
  parse: (text) => (/^\d{1,15}$/.test(text) ? Number(text) : undefined),
};
const BOOLEAN: Unit = {
  what: 'true or false', example: 'true or false', sample: '== true', hint: 'Write "== true" or "== false".',
  parse: (text) => (text === 'true' ? 1 : text === 'false' ? 0 : undefined),
};

const UNITS: Readonly<Record<MetricName, Unit>> = {
  successRate: PERCENT,
  requests: COUNT,
  flaggedRequests: COUNT,
  latency: DURATION,
  convergence: DURATION,
  propagation: DURATION,
  streamCuts: COUNT,
  pushes: COUNT,
  proxyUpdates: COUNT,
  updateBytes: COUNT,
  converged: BOOLEAN,
};
