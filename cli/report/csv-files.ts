/**
 * The report's CSV files, written with csv-stringify: requests per sample bucket by source,
 * destination, code and flags; pushes; per-proxy convergence of each push; proxies at the end.
 *
 * Invariants: a header row, then one row per record entry in the record's own order; every cell is
 * text we formatted (times as exact decimals of µs, booleans as true/false, lists joined with `;`,
 * empty for "never"), so csv-stringify's casts never decide a format. `\n` line ends.
 *
 * Not modelled: spreadsheet formula escaping (a leading `-` is Envoy's "no flags" and must stay as is).
 */
import { stringify } from 'csv-stringify/sync';
import type { RunRecord, XdsType } from '../../sim/index.ts';
import { compareText, msText, secondsText } from './report-math.ts';

type Cell = string | number;

function csv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return stringify([header, ...rows.map((row) => row.map(String))], { record_delimiter: 'unix' });
}

/** requests.csv: one row per RequestCount; `requests` in that bucket (bucket width: the run's sampleUs). */
export function requestsCsv(record: RunRecord): string {
  return csv(
    ['time_s', 'source', 'destination', 'destination_service', 'response_code', 'response_flags', 'requests', 'duration_sum_ms'],
    record.requests.map((r) => [secondsText(r.atUs), r.source, r.destination, r.destinationService, r.code, r.flags, r.count, msText(r.durationSumUs)]),
  );
}

/** `config:2;endpoint:1`, keys in code-unit order. */
export function reasonsText(reasons: Readonly<Record<string, number>>): string {
  return Object.keys(reasons).sort(compareText).map((k) => `${k}:${reasons[k]}`).join(';');
}

/** pushes.csv: debounce_ms is pilot_debounce_time (first change → push start). */
export function pushesCsv(record: RunRecord): string {
  return csv(
    ['push', 'start_s', 'debounce_ms', 'full', 'reasons', 'configs', 'proxies', 'generation_ms'],
    record.pushes.map((p) => [
      p.index, secondsText(p.startUs), msText(p.startUs - p.firstEventUs), String(p.full),
      reasonsText(p.reasons), p.configs.join(';'), p.proxies, msText(p.generationUs),
    ]),
  );
}

/**
 * convergence.csv: times from the push's start (from the connection for a new proxy's initial request,
 * `initial` true); ack_ms empty when the proxy never answered.
 */
export function convergenceCsv(record: RunRecord): string {
  return csv(
    ['push', 'proxy', 'queue_ms', 'sent_ms', 'ack_ms', 'types', 'nacked', 'bytes', 'initial'],
    record.convergence.map((c) => [
      c.push, c.proxy, msText(c.queueUs), msText(c.sentUs), c.ackUs === null ? '' : msText(c.ackUs),
      c.types.join(';'), String(c.nacked), c.bytes, String(c.initial === true),
    ]),
  );
}

const XDS_TYPES: readonly XdsType[] = ['CDS', 'EDS', 'LDS', 'RDS'];

/** proxies.csv: config size and the push index last ACKed per type (-1: none). */
export function proxiesCsv(record: RunRecord): string {
  return csv(
    ['proxy', 'namespace', 'workload', 'type', 'listeners', 'routes', 'clusters', 'endpoints', 'bytes',
      ...XDS_TYPES.map((t) => `acked_${t.toLowerCase()}`), 'nacks'],
    record.proxies.map((p) => [
      p.proxy, p.namespace, p.workload, p.type, p.listeners, p.routes, p.clusters, p.endpoints, p.bytes,
      ...XDS_TYPES.map((t) => p.acked[t]), p.nacks,
    ]),
  );
}
