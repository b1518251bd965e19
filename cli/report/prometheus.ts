/**
 * metrics.prom: the run's totals at its end in the Prometheus text exposition format (0.0.4), under
 * Istio's metric names and labels, so dashboards and queries written for a real mesh read them.
 *
 * Where each name comes from:
 * - istio_requests_total, istio_request_duration_milliseconds: Istio's standard metrics
 *   (istio.io/latest/docs/reference/config/metrics: "Request Count" and "Request Duration", and the
 *   labels reporter, source_workload, source_workload_namespace, destination_workload,
 *   destination_workload_namespace, destination_service, response_code, response_flags).
 * - pilot_xds_pushes{type}, pilot_debounce_time, pilot_proxy_queue_time, pilot_proxy_convergence_time,
 *   pilot_push_triggers{type}: istiod's pilot/pkg/xds/monitoring.go (istio/istio).
 * - pilot_total_xds_rejects: istiod's pkg/xds/monitoring.go (istio/istio), incremented per NACK.
 *
 * Invariants: families in a fixed order, series sorted by their label text, histogram buckets
 * cumulative and ending in `le="+Inf"` equal to `_count`; label values and HELP text escaped as the
 * format says (`\\`, `\"`, `\n`); sums in the metric's unit as exact decimals of µs.
 *
 * Not modelled: timestamps (one scrape at the run's end); reporter="destination" series (the record
 * counts each request once, at its client); istio_request_duration_milliseconds carries only the
 * workload labels (the record's latency histograms are per source/destination workload, without
 * service, code or flags); pilot_total_xds_rejects has no `type` label (the record does not say which
 * type a proxy NACKed); pilot_xds_push_time (the record has one generation time per push, not one per
 * proxy and type; meshsim_push_generation_seconds, below, is that, under a name of our own).
 */
import { CONVERGENCE_BUCKETS_S, DEBOUNCE_BUCKETS_S, pushUpdates } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { compareText, msText, secondsText, splitWorkload } from './report-math.ts';

export type Labels = readonly (readonly [name: string, value: string])[];

/** A label value as the text format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function labelText(labels: Labels): string {
  if (labels.length === 0) return '';
  return `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function header(name: string, type: 'counter' | 'histogram', help: string): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}

/** A counter family: one sample per label set, summed, sorted by label text. */
export function counterFamily(name: string, help: string, samples: readonly { labels: Labels; value: number }[]): string[] {
  const byLabels = new Map<string, number>();
  for (const s of samples) {
    const key = labelText(s.labels);
    byLabels.set(key, (byLabels.get(key) ?? 0) + s.value);
  }
  const keys = [...byLabels.keys()].sort(compareText);
  return [...header(name, 'counter', help), ...keys.map((k) => `${name}${k} ${byLabels.get(k)}`)];
}

/** One histogram series: cumulative counts per bound, the count (the +Inf bucket) and the sum as text. */
export interface HistogramSeries {
  readonly labels: Labels;
  readonly bounds: readonly number[];
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sum: string;
}

export function histogramFamily(name: string, help: string, series: readonly HistogramSeries[]): string[] {
  const lines = header(name, 'histogram', help);
  const sorted = [...series].sort((a, b) => compareText(labelText(a.labels), labelText(b.labels)));
  for (const s of sorted) {
    s.bounds.forEach((bound, i) => {
      lines.push(`${name}_bucket${labelText([...s.labels, ['le', String(bound)]])} ${s.cumulative[i] ?? s.count}`);
    });
    lines.push(`${name}_bucket${labelText([...s.labels, ['le', '+Inf']])} ${s.count}`);
    lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`);
    lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
  }
  return lines;
}

/** Buckets µs values into bounds given in seconds; the sum in seconds. */
export function secondsHistogram(valuesUs: readonly number[], boundsS: readonly number[], labels: Labels = []): HistogramSeries {
  const boundsUs = boundsS.map((b) => Math.round(b * 1_000_000));
  const perBucket = new Array<number>(boundsUs.length).fill(0);
  for (const v of valuesUs) {
    const i = boundsUs.findIndex((b) => v <= b);
    if (i >= 0) perBucket[i] = (perBucket[i] ?? 0) + 1;
  }
  let running = 0;
  return {
    labels, bounds: boundsS, count: valuesUs.length,
    cumulative: perBucket.map((n) => (running += n)),
    sum: secondsText(valuesUs.reduce((n, v) => n + v, 0)),
  };
}

/** pilot_xds_push_time's buckets (pilot/pkg/xds/monitoring.go), for the generation-time histogram. */
export const PUSH_TIME_BUCKETS_S: readonly number[] = [0.01, 0.1, 1, 3, 5, 10, 20, 30];

function workloadLabels(source: string, destination: string): Labels {
  const [srcNs, srcWl] = splitWorkload(source);
  const [dstNs, dstWl] = splitWorkload(destination);
  return [
    ['reporter', 'source'], ['source_workload', srcWl], ['source_workload_namespace', srcNs],
    ['destination_workload', dstWl], ['destination_workload_namespace', dstNs],
  ];
}

function requestFamilies(record: RunRecord): string[] {
  const requests = counterFamily('istio_requests_total',
    'Requests handled by the mesh, counted at the client (reporter="source"), totals at the end of the run.',
    record.requests.map((r) => ({
      labels: [...workloadLabels(r.source, r.destination), ['destination_service', r.destinationService],
        ['response_code', String(r.code)], ['response_flags', r.flags]],
      value: r.count,
    })));
  const durations = histogramFamily('istio_request_duration_milliseconds',
    'Duration of requests in milliseconds, per source and destination workload.',
    record.latencies.map((h) => ({
      labels: workloadLabels(h.source, h.destination), bounds: h.boundsMs, cumulative: h.cumulative,
      count: h.count, sum: msText(h.sumUs),
    })));
  return [...requests, ...durations];
}

function pilotFamilies(record: RunRecord): string[] {
  const perType = new Map<string, number>();
  for (const c of record.convergence) for (const t of c.types) perType.set(t, (perType.get(t) ?? 0) + 1);
  const pushed = [...perType].map(([t, n]) => ({ labels: [['type', t.toLowerCase()]] as Labels, value: n }));
  const triggers = record.pushes.flatMap((p) => Object.keys(p.reasons).map((reason) => ({ labels: [['type', reason]] as Labels, value: p.reasons[reason] ?? 0 })));
  const rejects = record.proxies.reduce((n, p) => n + p.nacks, 0);
  return [
    ...counterFamily('pilot_xds_pushes', 'xDS responses sent to proxies, by type (cds, eds, lds, rds).', pushed),
    ...counterFamily('pilot_push_triggers', 'Changes merged into pushes, by reason (config, endpoint, proxyrequest, ...).', triggers),
    ...counterFamily('pilot_total_xds_rejects', 'xDS responses the proxies rejected (NACKs).', [{ labels: [], value: rejects }]),
    ...histogramFamily('pilot_debounce_time',
      'Seconds from the first change entering debounce to its merged push being let through.',
      [secondsHistogram(record.pushes.map((p) => p.startUs - p.firstEventUs), DEBOUNCE_BUCKETS_S)]),
    ...histogramFamily('pilot_proxy_queue_time', 'Seconds a proxy waited in the push queue.',
      [secondsHistogram(pushUpdates(record.convergence).map((c) => c.queueUs), CONVERGENCE_BUCKETS_S)]),
    ...histogramFamily('pilot_proxy_convergence_time',
      'Seconds from a push starting to a proxy having been sent all the configuration it needs.',
      [secondsHistogram(pushUpdates(record.convergence).map((c) => c.sentUs), CONVERGENCE_BUCKETS_S)]),
    ...histogramFamily('meshsim_push_generation_seconds',
      'meshsim only: virtual CPU seconds istiod spent generating each push (the xds-cost model).',
      [secondsHistogram(record.pushes.map((p) => p.generationUs), PUSH_TIME_BUCKETS_S)]),
  ];
}

/** The whole metrics.prom text, ending in a line feed. */
export function prometheusText(record: RunRecord): string {
  return `${[...requestFamilies(record), ...pilotFamilies(record)].join('\n')}\n`;
}
