/**
 * A synthetic RunRecord for the report tests: a 30 s canary of `catalog` behind `frontend`, with a
 * window of 503 NC while the new subset propagates, a 404 NR burst at the gateway, a reset, six pushes
 * (one NACKed by a proxy, one never ACKed), 30 proxies (more than the config-size plot draws) and two
 * verdicts, one failing. Names carry `<`, `&` and quotes so every writer's escaping is exercised.
 *
 * Invariants: built by arithmetic only (no randomness); every array is sorted as RunRecord promises
 * (time first, then the string keys), and counts agree across requests, latencies and proxies.
 *
 * Not modelled: anything a real run would add beyond what the writers read.
 */
import { REQUEST_DURATION_BUCKETS_MS } from '../../sim/index.ts';
import type {
  LatencyHistogram, ProxyConvergence, ProxySnapshot, PushRecord, RequestCount, RunRecord, XdsType,
} from '../../sim/index.ts';
import { compareText } from './report-math.ts';

const S = 1_000_000;
const CATALOG = 'catalog.shop.svc.cluster.local';
const FRONTEND = 'frontend.shop.svc.cluster.local';
const REVIEWS = 'reviews.shop.svc.cluster.local';

type Row = Omit<RequestCount, 'atUs' | 'durationSumUs'> & { readonly meanUs: number };

function rowsAt(second: number): Row[] {
  const rows: Row[] = [];
  const add = (source: string, destination: string, service: string, code: number, flags: string, count: number, meanUs: number) => {
    if (count > 0) rows.push({ source, destination, destinationService: service, code, flags, count, meanUs });
  };
  // frontend → catalog: all v1, then a 3 s window of 503 NC while v2's cluster propagates, then 50/50.
  const canary = second >= 10;
  const nc = second >= 10 && second < 13 ? 8 : 0;
  const v2 = !canary ? 0 : second < 13 ? 12 : 50;
  add('shop/frontend', 'shop/catalog-v1', CATALOG, 200, '-', 100 - v2 - nc, 8000);
  add('shop/frontend', 'shop/catalog-v2', CATALOG, 200, '-', v2, 9500);
  add('shop/frontend', 'unknown', CATALOG, 503, 'NC', nc, 400);
  // external → frontend through the gateway; a 404 NR burst at 20 s (no route matched: no service).
  add('external', 'shop/frontend', FRONTEND, 200, '-', second === 20 ? 15 : 20, 12000);
  add('external', 'unknown', 'unknown', 404, 'NR', second === 20 ? 5 : 0, 300);
  // frontend → reviews, with three resets at 21 s.
  add('shop/frontend', 'shop/reviews-v1', REVIEWS, 200, '-', second === 21 ? 27 : 30, 15000);
  add('shop/frontend', 'unknown', REVIEWS, 0, 'UF,URX', second === 21 ? 3 : 0, 2000);
  return rows;
}

function fixtureRequests(durationS: number): RequestCount[] {
  const out: RequestCount[] = [];
  for (let s = 0; s < durationS; s++) {
    for (const { meanUs, ...r } of rowsAt(s)) out.push({ ...r, atUs: s * S, durationSumUs: r.count * meanUs });
  }
  return out.sort((a, b) => a.atUs - b.atUs || compareText(a.source, b.source) ||
    compareText(a.destination, b.destination) || compareText(a.destinationService, b.destinationService) ||
    a.code - b.code || compareText(a.flags, b.flags));
}

/** Cumulative shares (per mille) of requests at or under each of Istio's bounds. */
const SHARE_PER_MILLE = [0, 0, 50, 400, 900, 990, 1000];

function fixtureLatencies(requests: readonly RequestCount[]): LatencyHistogram[] {
  const byPair = new Map<string, { source: string; destination: string; count: number; sumUs: number }>();
  for (const r of requests) {
    const key = `${r.source}\u0000${r.destination}`;
    const h = byPair.get(key) ?? { source: r.source, destination: r.destination, count: 0, sumUs: 0 };
    h.count += r.count;
    h.sumUs += r.durationSumUs;
    byPair.set(key, h);
  }
  return [...byPair.values()]
    .sort((a, b) => compareText(a.source, b.source) || compareText(a.destination, b.destination))
    .map((h) => ({
      ...h,
      boundsMs: REQUEST_DURATION_BUCKETS_MS,
      cumulative: REQUEST_DURATION_BUCKETS_MS.map((_, i) =>
        Math.floor((h.count * (SHARE_PER_MILLE[i] ?? 1000)) / 1000)),
    }));
}

const PROXY_NAMES: readonly string[] = [
  'catalog-v1-6d9f7c-k2x8p.shop', 'catalog-v2-7b8c9d-q4w5e.shop', 'frontend-5f6g7h-a1b2c.shop',
  'istio-ingressgateway-8h9j-z9y8x.istio-system', 'reviews-v1-4r5t6y-m3n4b.shop',
  ...Array.from({ length: 25 }, (_, i) => `batch-${String(i).padStart(2, '0')}-9k8j7h-p0o9i.jobs`),
];

const PUSHES: readonly Omit<PushRecord, 'proxies'>[] = [
  { index: 0, startUs: 100_000, firstEventUs: 0, full: true, reasons: { proxyrequest: 30 }, configs: [], generationUs: 42_000 },
  { index: 1, startUs: 10_110_000, firstEventUs: 10_000_000, full: true, reasons: { config: 1 }, configs: ['VirtualService/shop/catalog'], generationUs: 18_500 },
  { index: 2, startUs: 12_900_000, firstEventUs: 12_800_000, full: true, reasons: { config: 1 }, configs: ['DestinationRule/shop/catalog'], generationUs: 17_250 },
  { index: 3, startUs: 15_350_000, firstEventUs: 15_000_000, full: false, reasons: { endpoint: 4 }, configs: [], generationUs: 2_100 },
  { index: 4, startUs: 20_100_000, firstEventUs: 20_000_000, full: true, reasons: { config: 2, endpoint: 1 }, configs: ['Gateway/shop/web <&>', 'VirtualService/shop/"frontend"'], generationUs: 21_000 },
  { index: 5, startUs: 25_600_000, firstEventUs: 25_000_000, full: false, reasons: { endpoint: 1 }, configs: [], generationUs: 900 },
];

function convergenceOf(push: Omit<PushRecord, 'proxies'>, proxyIndex: number, proxy: string): ProxyConvergence {
  const types: XdsType[] = push.full ? ['CDS', 'EDS', 'LDS', 'RDS'] : ['EDS'];
  const queueUs = proxyIndex * 1_500 + push.index * 200;
  const sentUs = queueUs + 4_000 + ((proxyIndex * 7 + push.index * 13) % 17) * 900;
  const nacked = push.index === 4 && proxyIndex === 3;
  const silent = push.index === 5 && proxyIndex === 29;
  return {
    push: push.index, proxy, queueUs, sentUs, ackUs: silent ? null : sentUs + 1_000 + proxyIndex * 150,
    types, nacked, bytes: types.length * (2_000 + proxyIndex * 310),
  };
}

function fixtureProxies(): ProxySnapshot[] {
  return PROXY_NAMES.map((proxy, i): ProxySnapshot => {
    const [workloadPod = proxy, namespace = 'unknown'] = proxy.split('.');
    const workload = workloadPod.split('-').slice(0, -2).join('-');
    const gateway = namespace === 'istio-system';
    const clusters = 12 + ((i * 5) % 23);
    return {
      proxy, namespace, workload, type: gateway ? 'router' : 'sidecar',
      listeners: gateway ? 2 : 9 + (i % 4), routes: 6 + (i % 5), clusters, endpoints: clusters * 2 + (i % 3),
      bytes: 18_000 + clusters * 1_450 + i * 37, acked: { CDS: 4, EDS: i === 29 ? 3 : 5, LDS: i === 3 ? 2 : 4, RDS: i === 3 ? 2 : 4 },
      nacks: i === 3 ? 1 : 0,
    };
  }).sort((a, b) => compareText(a.proxy, b.proxy));
}

/** The fixture: a 30 s canary with something in every plot and every table. */
export function fixtureRecord(): RunRecord {
  const durationS = 30;
  const requests = fixtureRequests(durationS);
  const proxies = fixtureProxies();
  const names = proxies.map((p) => p.proxy);
  const pushes = PUSHES.map((p) => ({ ...p, proxies: names.length }));
  const convergence = PUSHES.flatMap((p) => names.map((name, i) => convergenceOf(p, i, name)));
  return {
    scenario: 'fixture canary <v2> & "quotes"',
    file: 'scenarios/fixture & <canary>.yaml',
    seed: 7,
    durationUs: durationS * S,
    sampleUs: S,
    requests,
    latencies: fixtureLatencies(requests),
    pushes,
    convergence,
    proxies,
    marks: [
      { atUs: 10 * S, label: 'apply VirtualService catalog 90/10 <v2>' },
      { atUs: 12_800_000, label: 'apply DestinationRule catalog & "subsets"' },
      { atUs: 20 * S, label: 'update Gateway web' },
    ],
    streams: { opened: 0, cut: [] },
    assertions: [
      {
        name: 'no NC after the DestinationRule', passed: true, actual: 0, op: '==', expected: 0,
        message: '0 requests flagged NC from 13 s to 30 s (expected == 0).',
      },
      {
        name: 'frontend → catalog success <script>alert(1)</script>', passed: false, actual: 992_000, op: '>=', expected: 999_000,
        message: 'success rate of shop/frontend → catalog was 99.2% (992000 ppm) from 0 s to 30 s; expected >= 999000 ppm.',
      },
    ],
    events: 123_456,
    traceHash: '9f3a1c0de5b7',
  };
}

/** A run where nothing happened: no requests, pushes, proxies, marks or assertions. */
export function emptyRecord(): RunRecord {
  return {
    scenario: 'empty', file: 'scenarios/empty.yaml', seed: 1, durationUs: 10 * S, sampleUs: S,
    requests: [], latencies: [], pushes: [], convergence: [], proxies: [], marks: [], streams: { opened: 0, cut: [] }, assertions: [],
    events: 0, traceHash: '0',
  };
}
