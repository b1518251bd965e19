/**
 * The run's recorder: every finished request, push and proxy answer goes in as it happens; the
 * RunRecord's tables come out at the end. Requests are counted per sample bucket and label set
 * (istio_requests_total's labels), and every request is kept as columns (end, duration, label set:
 * request-columns.ts), so percentiles and histograms are exact; every event also feeds a running trace
 * hash.
 *
 * Invariants: observes, never drives (no scheduling); output order is total (time, then labels), so the
 * same sequence of observations gives the same record; integers only.
 *
 * Not modelled: reporter="destination" series (the client side reports every request, including those
 * that reached no server), request and response sizes.
 */
import { assert } from '../core/assert.ts';
import { compareNumbers, compareStrings } from '../core/compare.ts';
import { StableHasher } from '../core/hash.ts';
import { RequestColumns } from './request-columns.ts';
import { REQUEST_DURATION_BUCKETS_MS } from './run-record.ts';
import type { LatencyHistogram, ProxyConvergence, PushRecord, RequestCount, StreamCut, TimelineMark } from './run-record.ts';

export interface FinishedRequest {
  readonly endUs: number;
  readonly durationUs: number;
  readonly source: string;
  readonly destination: string;
  readonly destinationService: string;
  readonly code: number;
  readonly flags: readonly string[];
}

/** What a request was, as the assertions see it: one label set of the recorder, shared by its requests. */
export interface RequestLabels {
  readonly source: string;
  readonly destination: string;
  readonly destinationService: string;
  readonly code: number;
  /** The flags, sorted; `flagsText` joins them with commas ('-': none). */
  readonly flags: readonly string[];
  readonly flagsText: string;
}

/** Requests a selection picked (Recorder.requestsWhere), in the order they ended, read by position. */
export interface RequestSelection {
  readonly length: number;
  labelsAt(index: number): RequestLabels;
  durationUsAt(index: number): number;
}

interface CountEntry { readonly count: RequestCount; sumUs: number; n: number }

/** One label set: its labels, its index in `seriesList` (what the trace hash mixes per request), and its counters per bucket. */
interface Series extends RequestLabels {
  readonly index: number;
  /** The bucket a request of this series last went to (null: none yet). */
  last: CountEntry | null;
  readonly byBucket: Map<number, CountEntry>;
}

/** Per bucket bound, how many durations are at most the bound (a binary search in the sorted durations). */
function cumulativeCounts(durations: readonly number[]): number[] {
  const sorted = Float64Array.from(durations).sort();
  return REQUEST_DURATION_BUCKETS_MS.map((boundMs) => {
    const boundUs = boundMs * 1000;
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! <= boundUs) low = middle + 1;
      else high = middle;
    }
    return low;
  });
}

function childMap<P, K, V>(parent: Map<P, Map<K, V>>, key: P): Map<K, V> {
  let child = parent.get(key);
  if (child === undefined) {
    child = new Map();
    parent.set(key, child);
  }
  return child;
}

export class Recorder {
  private readonly sampleUs: number;
  /** Counters per (bucket, label set), in the order they were first seen; `series` finds them by labels. */
  private readonly counts: CountEntry[] = [];
  private readonly series = new Map<string, Map<string, Map<string, Map<number, Map<string, Series>>>>>();
  /** The label set last found for an `alike` object (see request). */
  private readonly seriesByAlike = new WeakMap<object, Series>();
  /** The label sets in the order they were first seen. */
  private readonly seriesList: Series[] = [];
  /** Every finished request, in the order they ended (request-columns.ts). */
  private readonly columns = new RequestColumns();

  private readonly pushes: PushRecord[] = [];
  private readonly convergence: ProxyConvergence[] = [];
  private readonly marks: TimelineMark[] = [];
  private readonly cuts: StreamCut[] = [];
  private opened = 0;
  private readonly hasher = new StableHasher();

  constructor(sampleUs: number) {
    assert(Number.isSafeInteger(sampleUs) && sampleUs > 0, () => `bad sampleUs ${sampleUs}`);
    this.sampleUs = sampleUs;
    // The sample interval decides every request's bucket: hashed once, the buckets then follow from the ends.
    this.hasher.update('B').updateDecimal(sampleUs).update('\n');
  }

  /**
   * A finished request. `alike`: an object whose requests mostly carry the same labels (a run passes
   * the attempt's result, which a flow plan shares between attempts): the label set found for it is
   * remembered, and used again when every label is the same string (no lookup by labels).
   */
  request(request: FinishedRequest, alike?: object): void {
    const flagsText = request.flags.length === 0 ? '-' : [...request.flags].sort(compareStrings).join(',');
    const atUs = request.endUs - (request.endUs % this.sampleUs);
    const known = alike === undefined ? undefined : this.seriesByAlike.get(alike);
    const series = known !== undefined && known.source === request.source && known.destination === request.destination
      && known.destinationService === request.destinationService && known.code === request.code && known.flagsText === flagsText
      ? known
      : this.seriesOf(request.source, request.destination, request.destinationService, request.code, flagsText);
    if (alike !== undefined && series !== known) this.seriesByAlike.set(alike, series);
    // Requests end in time order: a series' newest bucket is mostly this one.
    let entry = series.last !== null && series.last.count.atUs === atUs ? series.last : series.byBucket.get(atUs);
    if (entry === undefined) {
      entry = {
        count: { atUs, source: request.source, destination: request.destination, destinationService: request.destinationService, code: request.code, flags: flagsText, count: 0, durationSumUs: 0 },
        sumUs: 0,
        n: 0,
      };
      series.byBucket.set(atUs, entry);
      this.counts.push(entry);
    }
    series.last = entry;
    entry.sumUs += request.durationUs;
    entry.n += 1;
    this.columns.push(request.endUs, request.durationUs, series.index);
    // `R{end}|{duration}|{label set}\n`, streamed: a label set is hashed with its labels once, when it
    // is first seen (seriesOf), and by its index after that (the bucket follows from the end).
    this.hasher.update('R').updateDecimal(request.endUs).update('|').updateDecimal(request.durationUs).update('|').updateDecimal(series.index).update('\n');
  }

  /**
   * One label set's counters, found through the labels (no key string per request). Written out
   * rather than through core/group.ts entryOf: this runs for every request, and a shared helper's
   * callback call site is megamorphic.
   */
  private seriesOf(source: string, destination: string, service: string, code: number, flags: string): Series {
    const byCode = childMap(childMap(childMap(childMap(this.series, source), destination), service), code);
    let series = byCode.get(flags);
    if (series === undefined) {
      series = {
        index: this.seriesList.length, source, destination, destinationService: service, code, flags: flags === '-' ? [] : flags.split(','), flagsText: flags,
        byBucket: new Map(), last: null,
      };
      byCode.set(flags, series);
      this.seriesList.push(series);
      // `S{index}|{source}|{destination}|{service}|{code}|{flags}\n`: the labels of the index requests carry.
      this.hasher.update('S').updateDecimal(series.index).update(`|${source}|${destination}|${service}|${code}|${flags}\n`);
    }
    return series;
  }

  streamOpened(): void {
    this.opened += 1;
  }

  streamCut(cut: StreamCut): void {
    this.cuts.push(cut);
    this.hasher.update(`S${cut.atUs}|${cut.source}|${cut.destination}|${cut.openUs}\n`);
  }

  streams(): { readonly opened: number; readonly cut: readonly StreamCut[] } {
    return { opened: this.opened, cut: this.cuts };
  }

  push(record: PushRecord): void {
    this.pushes.push(record);
    this.hasher.update(`P${record.index}|${record.startUs}|${record.full}|${record.proxies}|${record.configs.join(',')}\n`);
  }

  proxyConverged(record: ProxyConvergence): void {
    this.convergence.push(record);
    this.hasher.update(`C${record.push}|${record.proxy}|${record.sentUs}|${record.ackUs}|${record.nacked}${record.initial === true ? '|initial' : ''}\n`);
  }

  mark(atUs: number, label: string): void {
    this.marks.push({ atUs, label });
    this.hasher.update(`M${atUs}|${label}\n`);
  }

  /**
   * The requests whose labels `labels` accepts (asked once per label set) and that ended in
   * [fromUs, toUs), in the order they ended: positions into the columns, no object per request.
   */
  requestsWhere(labels: (request: RequestLabels) => boolean, fromUs: number, toUs: number): RequestSelection {
    const accepted = this.seriesList.map((s) => labels(s));
    const rows = new Int32Array(this.columns.length);
    let count = 0;
    for (let i = 0; i < this.columns.length; i += 1) {
      const endUs = this.columns.endUs(i);
      if (endUs >= fromUs && endUs < toUs && accepted[this.columns.seriesOf(i)] === true) rows[count++] = i;
    }
    const columns = this.columns;
    const seriesList = this.seriesList;
    return {
      length: count,
      labelsAt: (index) => seriesList[columns.seriesOf(rows[index]!)]!,
      durationUsAt: (index) => columns.durationUs(rows[index]!),
    };
  }

  convergenceRecords(): readonly ProxyConvergence[] {
    return this.convergence;
  }

  pushRecords(): readonly PushRecord[] {
    return this.pushes;
  }

  requestCounts(): RequestCount[] {
    return this.counts
      .map((e) => ({ ...e.count, count: e.n, durationSumUs: e.sumUs }))
      .sort((a, b) => compareNumbers(a.atUs, b.atUs) || compareStrings(a.source, b.source) || compareStrings(a.destination, b.destination)
        || compareStrings(a.destinationService, b.destinationService) || compareNumbers(a.code, b.code) || compareStrings(a.flags, b.flags));
  }

  latencyHistograms(): LatencyHistogram[] {
    const groups = new Map<string, { source: string; destination: string; durations: number[] }>();
    // Each label set's group (source → destination), found once per label set, not per request.
    const groupOf = this.seriesList.map((s) => {
      const key = `${s.source}|${s.destination}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = { source: s.source, destination: s.destination, durations: [] };
        groups.set(key, group);
      }
      return group;
    });
    for (let i = 0; i < this.columns.length; i += 1) groupOf[this.columns.seriesOf(i)]!.durations.push(this.columns.durationUs(i));
    return [...groups.values()]
      .sort((a, b) => compareStrings(a.source, b.source) || compareStrings(a.destination, b.destination))
      .map((g) => ({
        source: g.source,
        destination: g.destination,
        boundsMs: REQUEST_DURATION_BUCKETS_MS,
        // A duration d lands in every bucket whose bound (ms) is ≥ d; compare in µs to stay in integers.
        cumulative: cumulativeCounts(g.durations),
        count: g.durations.length,
        sumUs: g.durations.reduce((a, b) => a + b, 0),
      }));
  }

  timelineMarks(): TimelineMark[] {
    return [...this.marks].sort((a, b) => compareNumbers(a.atUs, b.atUs) || compareStrings(a.label, b.label));
  }

  traceHash(): string {
    return this.hasher.digestHex();
  }
}

/** The p-th percentile (0..100, nearest rank) of integer values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort(compareNumbers);
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
