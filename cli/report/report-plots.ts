/**
 * The report's five plots, from the RunRecord: success rate over time per source → destination service
 * (timeline marks as labelled vertical lines), requests per second by outcome, the convergence CDF
 * (sent and ACK), config size per proxy, and pushes over time.
 *
 * Invariants: pure; the same record gives the same SVG text; series are chosen and ordered by fixed
 * rules (worst pairs first, biggest outcomes first, biggest proxies first) and capped so a 1,000-service
 * run still gives a readable plot, with what was left out said in the caption.
 *
 * Not modelled: per-pair latency plots (metrics.prom has the histograms); pushes are counted per bucket
 * whatever their size.
 */
import { pushUpdates } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { outcomesOf, pairSuccesses } from './summary.ts';
import { compareText, durationText, isSuccess, maxOf, outcomeOf, pairOf } from './report-math.ts';
import {
  axesSvg, clip, colourAt, escapeXml, frame, legendSvg, linePath, marksSvg, niceAxis, noteSvg, plotWidth,
  rectSvg, stepPath, svgElement, sx, sy, type Frame, type LegendItem, type Point,
} from './svg-plot.ts';

export interface Plot {
  /** Stable id (`success-rate`, ...), used as the figure's data-plot attribute. */
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
}

/** At most this many series per line plot, and bars in the config-size plot. */
export const SERIES_MAX = 8;
export const BARS_MAX = 20;

const S = 1_000_000;

function timeAxis(record: RunRecord) {
  return niceAxis(0, record.durationUs / S, 'virtual time (s)', { fixed: true, target: 10 });
}

function compose(f: Frame, id: string, title: string, body: string, legend: readonly LegendItem[]): string {
  const l = legendSvg(f, legend);
  return svgElement(f.width, f.height + l.height, `${title} (${id})`, `${axesSvg(f)}${body}${l.svg}`);
}

const marksOf = (record: RunRecord) => record.marks.map((m) => ({ at: m.atUs / S, label: m.label }));

/** Success-rate plots start at the highest of these below the lowest point, so a dip of 0.1% shows. */
const Y_FLOORS: readonly number[] = [99.9, 99, 95, 90, 80, 50, 0];

/** (a) Success rate per bucket for each source → destination service pair, worst pairs first. */
export function successRatePlot(record: RunRecord): Plot {
  const allPairs = pairSuccesses(record);
  const pairs = allPairs.slice(0, SERIES_MAX).map((p) => p.pair);
  const byPair = new Map<string, Map<number, { ok: number; total: number }>>(pairs.map((p) => [p, new Map()]));
  for (const r of record.requests) {
    const buckets = byPair.get(pairOf(r));
    if (buckets === undefined) continue;
    const b = buckets.get(r.atUs) ?? { ok: 0, total: 0 };
    b.total += r.count;
    if (isSuccess(r.code)) b.ok += r.count;
    buckets.set(r.atUs, b);
  }
  const series = pairs.map((pair) => {
    const segments: Point[][] = [];
    let lastAt = Number.NaN;
    for (const [at, b] of [...(byPair.get(pair) ?? new Map<number, { ok: number; total: number }>())].sort((x, y) => x[0] - y[0])) {
      if (b.total === 0) continue;
      if (!(at - lastAt === record.sampleUs)) segments.push([]);
      segments.at(-1)?.push([(at + record.sampleUs / 2) / S, (b.ok * 100) / b.total]);
      lastAt = at;
    }
    return { pair, segments };
  });
  const lowest = series.flatMap((s) => s.segments.flat().map((p) => p[1])).reduce((m, v) => Math.min(m, v), 100);
  const yMin = lowest >= 100 ? 0 : Y_FLOORS.find((c) => c < lowest) ?? 0;
  const f = frame(timeAxis(record), niceAxis(yMin, 100, 'success rate', { fixed: true, suffix: '%' }));
  const hidden = allPairs.length - pairs.length;
  // Drawn last-first, so the worst pair lies on top where lines overlap (at 100%).
  const body = series.map((s, i) => linePath(f, s.segments, { colour: colourAt(i), title: s.pair })).reverse().join('') +
    (series.length === 0 ? noteSvg(f, 'no requests in this run') : '') + marksSvg(f, marksOf(record));
  const title = 'Success rate over time, per source → destination service';
  return {
    id: 'success-rate', title,
    caption: `Share of requests answered with a non-5xx status and no reset, per ${durationText(record.sampleUs)} bucket` +
      ` (points at bucket middles; gaps where a pair sent nothing). Vertical lines are the timeline's events.` +
      (hidden > 0 ? ` ${hidden} more pairs (all doing better than these) are in requests.csv.` : ''),
    svg: compose(f, 'success-rate', title, body, series.map((s, i) => ({ label: s.pair, colour: colourAt(i) }))),
  };
}

function outcomeLabel(outcome: string): string {
  const [code = '', flags = ''] = outcome.split(' ');
  if (code === '0') return flags === '-' ? 'reset/refused' : `reset/refused ${flags}`;
  return flags === '-' ? code : `${code} ${flags}`;
}

/** (b) Requests per second per outcome (`code flags`), biggest first, the rest as "other". */
export function requestsPlot(record: RunRecord): Plot {
  const outcomes = outcomesOf(record).map(outcomeOf);
  const shown = outcomes.length > SERIES_MAX ? outcomes.slice(0, SERIES_MAX - 1) : outcomes;
  const keys = outcomes.length > shown.length ? [...shown, 'other'] : shown;
  const buckets = Math.max(1, Math.ceil(record.durationUs / record.sampleUs));
  const counts = new Map<string, number[]>(keys.map((k) => [k, new Array<number>(buckets).fill(0)]));
  for (const r of record.requests) {
    const key = shown.includes(outcomeOf(r)) ? outcomeOf(r) : 'other';
    const row = counts.get(key);
    const i = Math.floor(r.atUs / record.sampleUs);
    if (row !== undefined && i >= 0 && i < buckets) row[i] = (row[i] ?? 0) + r.count;
  }
  const perSecond = (n: number) => (n * S) / record.sampleUs;
  const peak = maxOf([...counts.values()].flat().map(perSecond));
  const f = frame(timeAxis(record), niceAxis(0, peak, 'requests per second'));
  const body = keys.map((k, i) => {
    const row = counts.get(k) ?? [];
    const points: Point[] = row.map((n, b) => [((b + 0.5) * record.sampleUs) / S, perSecond(n)]);
    return linePath(f, [points], { colour: colourAt(i), title: k === 'other' ? 'other outcomes' : outcomeLabel(k) });
  }).join('') + (keys.length === 0 ? noteSvg(f, 'no requests in this run') : '') + marksSvg(f, marksOf(record));
  const title = 'Requests per second by response code and flags';
  return {
    id: 'requests', title,
    caption: `Per ${durationText(record.sampleUs)} bucket, as counted at the client (Envoy response flags as in access logs; reset/refused is code 0).`,
    svg: compose(f, 'requests', title, body, keys.map((k, i) => ({ label: k === 'other' ? 'other outcomes' : outcomeLabel(k), colour: colourAt(i) }))),
  };
}

export const CDF_POINTS_MAX = 400;

/** CDF points (value in ms, share in %), at most CDF_POINTS_MAX of them, at exact ranks. */
export function cdfPoints(valuesUs: readonly number[]): Point[] {
  const sorted = [...valuesUs].sort((a, b) => a - b);
  const n = sorted.length;
  const m = Math.min(n, CDF_POINTS_MAX);
  const points: Point[] = [];
  for (let k = 1; k <= m; k++) {
    const i = Math.ceil((k * n) / m) - 1;
    points.push([(sorted[i] ?? 0) / 1000, ((i + 1) * 100) / n]);
  }
  return points;
}

/** (c) Convergence CDF: push start → all types sent, and → the proxy's ACK/NACK. */
export function convergencePlot(record: RunRecord): Plot {
  const updates = pushUpdates(record.convergence);
  const sent = updates.map((c) => c.sentUs);
  const acks = updates.flatMap((c) => (c.ackUs === null ? [] : [c.ackUs]));
  const never = sent.length - acks.length;
  const maxMs = Math.max(maxOf(sent), maxOf(acks)) / 1000;
  const f = frame(niceAxis(0, maxMs, 'time since the push started (ms)'), niceAxis(0, 100, 'proxy updates done', { fixed: true, suffix: '%' }));
  const series = [
    { label: `sent all types (pilot_proxy_convergence_time), n=${sent.length}`, points: cdfPoints(sent), dashed: true },
    { label: `ACKed or NACKed, n=${acks.length}${never > 0 ? ` (${never} never answered)` : ''}`, points: cdfPoints(acks), dashed: false },
  ];
  const body = series.map((s, i) => stepPath(f, s.points, { colour: colourAt(i), dashed: s.dashed, title: s.label })).join('') +
    (sent.length === 0 ? noteSvg(f, 'no pushes reached a proxy in this run') : '');
  const title = 'Convergence: share of proxy updates done within a time';
  return {
    id: 'convergence', title,
    caption: 'One point per proxy per push. Unanswered updates never reach the ACK curve, so it ends below 100% when some proxy stayed silent.',
    svg: compose(f, 'convergence', title, body, series.map((s, i) => ({ label: s.label, colour: colourAt(i), dashed: s.dashed }))),
  };
}

const KB = 1000;
const SIDECAR = '#0072B2';
const ROUTER = '#E69F00';
const REST = '#999999';

/** (d) Config size per proxy at the end, biggest first; past BARS_MAX, the rest as one mean bar. */
export function configSizePlot(record: RunRecord): Plot {
  const sorted = [...record.proxies].sort((a, b) => b.bytes - a.bytes || compareText(a.proxy, b.proxy));
  const top = sorted.length > BARS_MAX ? sorted.slice(0, BARS_MAX - 1) : sorted;
  const rest = sorted.slice(top.length);
  const restMean = rest.length === 0 ? 0 : rest.reduce((n, p) => n + p.bytes, 0) / rest.length;
  const bars = [
    ...top.map((p) => ({ label: p.proxy, bytes: p.bytes, colour: p.type === 'router' ? ROUTER : SIDECAR, title: `${p.proxy}: ${p.bytes} bytes, ${p.listeners} listeners, ${p.routes} routes, ${p.clusters} clusters, ${p.endpoints} endpoints` })),
    ...(rest.length === 0 ? [] : [{ label: `${rest.length} more proxies (mean)`, bytes: restMean, colour: REST, title: `${rest.length} more proxies: mean ${Math.round(restMean)} bytes, total ${rest.reduce((n, p) => n + p.bytes, 0)} bytes` }]),
  ];
  const rowPx = 18;
  const peak = maxOf(bars.map((b) => b.bytes)) / KB;
  const f = frame(niceAxis(0, peak, 'estimated config size (kB)'), { min: 0, max: Math.max(1, bars.length), ticks: [], title: '' },
    { left: 330, height: 16 + 46 + Math.max(1, bars.length) * rowPx });
  const body = bars.map((b, i) => {
    const y = f.top + i * rowPx + 2;
    const label = `<text class="tick" x="${f.left - 6}" y="${y + (rowPx - 4) / 2}" text-anchor="end" dominant-baseline="middle">${escapeXml(clip(b.label, 48))}<title>${escapeXml(b.label)}</title></text>`;
    return label + rectSvg(f.left, y, sx(f, b.bytes / KB) - f.left, rowPx - 4, b.colour, b.title);
  }).join('') + (bars.length === 0 ? noteSvg(f, 'no proxies in this run') : '');
  const legend: LegendItem[] = [{ label: 'sidecar', colour: SIDECAR, box: true }, { label: 'gateway (router)', colour: ROUTER, box: true }];
  if (rest.length > 0) legend.push({ label: 'the rest, mean', colour: REST, box: true });
  const title = 'Config size per proxy at the end of the run';
  return {
    id: 'config-size', title,
    caption: `xDS config size estimated by the cost model, ${record.proxies.length} proxies` +
      (rest.length > 0 ? `; the ${top.length} biggest drawn, the other ${rest.length} as their mean (all in proxies.csv).` : '.'),
    svg: compose(f, 'config-size', title, body, legend),
  };
}

/** How many buckets the pushes plot may have before it widens them. */
export const PUSH_BUCKETS_MAX = 300;

/** (e) Pushes started per bucket, full and incremental stacked. */
export function pushesPlot(record: RunRecord): Plot {
  const n0 = Math.max(1, Math.ceil(record.durationUs / record.sampleUs));
  const widen = Math.ceil(n0 / PUSH_BUCKETS_MAX);
  const bucketUs = record.sampleUs * widen;
  const n = Math.max(1, Math.ceil(record.durationUs / bucketUs));
  const full = new Array<number>(n).fill(0);
  const incremental = new Array<number>(n).fill(0);
  for (const p of record.pushes) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(p.startUs / bucketUs)));
    (p.full ? full : incremental)[i] = ((p.full ? full : incremental)[i] ?? 0) + 1;
  }
  const peak = maxOf(full.map((v, i) => v + (incremental[i] ?? 0)));
  const f = frame(timeAxis(record), niceAxis(0, Math.max(peak, 1), 'pushes started', { target: Math.min(5, Math.max(peak, 1)) }));
  const barPx = Math.max(1, (plotWidth(f) * bucketUs) / record.durationUs - 1);
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = sx(f, (i * bucketUs) / S) + 0.5;
    const fv = full[i] ?? 0;
    const iv = incremental[i] ?? 0;
    const when = `${durationText(i * bucketUs)}–${durationText((i + 1) * bucketUs)}`;
    bars.push(rectSvg(x, sy(f, fv), barPx, sy(f, 0) - sy(f, fv), colourAt(0), `${when}: ${fv} full`));
    bars.push(rectSvg(x, sy(f, fv + iv), barPx, sy(f, fv) - sy(f, fv + iv), colourAt(2), `${when}: ${iv} incremental (EDS)`));
  }
  const body = bars.join('') + (record.pushes.length === 0 ? noteSvg(f, 'no pushes in this run') : '') + marksSvg(f, marksOf(record));
  const title = 'Pushes over time';
  return {
    id: 'pushes', title,
    caption: `Pushes let through the debounce per ${durationText(bucketUs)} bucket: full (new PushContext) and incremental (endpoints only). Details in pushes.csv and convergence.csv.`,
    svg: compose(f, 'pushes', title, body, [
      { label: 'full push', colour: colourAt(0), box: true }, { label: 'incremental (EDS)', colour: colourAt(2), box: true },
    ]),
  };
}

/** All five, in the order the report shows them. */
export function reportPlots(record: RunRecord): Plot[] {
  return [successRatePlot(record), requestsPlot(record), convergencePlot(record), configSizePlot(record), pushesPlot(record)];
}
