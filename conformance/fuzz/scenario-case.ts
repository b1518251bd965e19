// The fuzz campaign's scenario cases: a valid, short scenario that uses every part of the format (inline
// manifests, a generated topology, nodes, meshConfig, pilot and network tuning, apps with calls, open
// and closed loops and streams, every timeline action and fault, assertions on every metric) with a few
// mutations at random paths — anywhere in the scenario, inline manifests included, with the values any
// field may get plus the scenario's own vocabulary (durations, percentages, workloads, URLs) at and
// past its bounds. `runScenarioCase` runs `meshsim run` on it twice, in-process, and returns what went
// wrong, if anything: an internal error, an exit code outside 0/1/2/5, or two runs of the same input
// answering with different summaries or reports.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { main } from '../../cli/main.ts';
import { parseDuration } from '../../sim/index.ts';
import { allPaths, anyPath, anyValue, inKind, mutate, setOwn, SWEEP_VALUES } from './mutate.ts';
import { judgeExit } from './fuzz-case.ts';
import type { FuzzFailure } from './fuzz-case.ts';

const MESH = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v1, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web, version: v1}}
  template: {metadata: {labels: {app: web, version: v1}}, spec: {containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v2, namespace: shop}
spec:
  selector: {matchLabels: {app: web, version: v2}}
  template: {metadata: {labels: {app: web, version: v2}}, spec: {containers: [{name: web, image: web}]}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec: {selector: {app: db}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template: {metadata: {labels: {app: client}}, spec: {containers: [{name: c, image: c}]}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - route: [{destination: {host: web, subset: v1}, weight: 80}, {destination: {host: web, subset: v2}, weight: 20}]
    retries: {attempts: 2, perTryTimeout: 200ms, retryOn: 5xx}
    timeout: 1s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 50}}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
`;

const STEP = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http: [{route: [{destination: {host: web, subset: v2}}], fault: {abort: {percentage: {value: 50}, httpStatus: 503}}}]
`;

const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);

/** The scenario as an object; inline manifests are lists of documents here, YAML text when written. */
const BASE: unknown = {
  apiVersion: 'meshsim.io/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'fuzz', description: 'a scenario the fuzz campaign mutates' },
  spec: {
    seed: 7,
    duration: '3s',
    sampleInterval: '500ms',
    manifests: [{ inline: docs(MESH) }],
    topology: { services: 3, namespaces: 2, podsPerService: 1, sidecarScoping: true, traffic: { flows: 2, rate: 5 } },
    nodes: [{ name: 'n1', region: 'r', zone: 'a' }, { name: 'n2', region: 'r', zone: 'b', subzone: 's' }],
    meshConfig: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' }, trustDomain: 'cluster.local' },
    pilot: { debounceAfter: '100ms', debounceMax: '1s', enableEdsDebounce: true, pushThrottle: 10, maxRequestsPerSecond: 20, replicas: 2, cpus: 2 },
    network: { xdsLatency: '2ms', proxyApply: '1ms', podLatency: '250us', informerLag: '10ms' },
    apps: [
      { workload: 'shop/web-v1', serviceTime: [{ duration: '2ms', weight: 9 }, { duration: '20ms', weight: 1 }], calls: [{ url: 'tcp://db:5432' }] },
      { workload: 'shop/web-v2', serviceTime: '3ms', errorRate: '10%', errorStatus: 503 },
    ],
    traffic: [
      { name: 'open', from: 'shop/client', url: 'http://web/', method: 'POST', headers: { 'x-user': 'a' }, rate: 40, start: '0s', end: '3s' },
      { name: 'closed', from: 'shop/client', url: 'http://web.shop.svc.cluster.local/', concurrency: 2, thinkTime: '50ms' },
      { name: 'held', from: 'shop/client', url: 'http://web/', streams: 2 },
      { name: 'edge', from: 'external', url: 'http://istio-ingressgateway.istio-system/', rate: 5 },
    ],
    timeline: [
      { at: '500ms', label: 'route all to v2', apply: { inline: docs(STEP) } },
      { at: '700ms', scale: { workload: 'shop/web-v2', replicas: 2 } },
      { at: '800ms', fault: { podFailure: { workload: 'shop/web-v1', pods: 1 } } },
      { at: '900ms', fault: { networkDelay: { workload: 'shop/db', delay: '5ms', duration: '1s' } } },
      { at: '1s', fault: { networkLoss: { workload: 'shop/web-v1', loss: '5%', duration: '500ms' } } },
      { at: '1100ms', fault: { networkPartition: { workload: 'shop/client', peer: 'istiod', duration: '300ms' } } },
      { at: '1200ms', fault: { configChurn: { interval: '200ms', duration: '600ms', namespace: 'shop' } } },
      { at: '1300ms', fault: { podChurn: { rate: 2, duration: '500ms', drain: '100ms' } } },
      { at: '1400ms', fault: { proxyNack: { workload: 'shop/web-v2', duration: '300ms' } } },
      { at: '1500ms', fault: { certificateExpiry: { workload: 'shop/db', duration: '200ms' } } },
      { at: '1600ms', fault: { istiodOutage: { duration: '300ms' } } },
      { at: '1700ms', fault: { nodeFailure: { node: 'n2', duration: '500ms' } } },
      { at: '2s', labelNamespace: { namespace: 'shop', labels: { team: 'a', old: null } } },
      { at: '2100ms', restart: { workload: 'shop/web-v1' } },
      { at: '2200ms', delete: [{ kind: 'VirtualService', namespace: 'shop', name: 'web' }] },
      { at: '2500ms', heal: {} },
    ],
    assertions: [
      { name: 'success', metric: 'successRate', source: 'shop/client', window: { from: '0s', to: '1s' }, expect: '>= 50%' },
      { name: 'requests', metric: 'requests', destination: 'shop/web-v2', code: 200, expect: '> 0' },
      { name: 'flags', metric: 'flaggedRequests', flag: 'UF', expect: '>= 0' },
      { name: 'latency', metric: 'latency', percentile: 99, expect: '< 1s' },
      { name: 'convergence', metric: 'convergence', percentile: 90, expect: '< 1s' },
      { name: 'propagation', metric: 'propagation', percentile: 50, expect: '< 2s' },
      { name: 'cuts', metric: 'streamCuts', expect: '>= 0' },
      { name: 'pushes', metric: 'pushes', window: { to: '1s' }, expect: '>= 1' },
      { name: 'updates', metric: 'proxyUpdates', expect: '>= 1' },
      { name: 'bytes', metric: 'updateBytes', percentile: 99, expect: '< 10000000' },
      { name: 'converged', metric: 'converged', expect: '== true' },
    ],
  },
};

/** The scenario's own vocabulary at and past its bounds (loads stay small enough to run in seconds). */
const scenarioValue: fc.Arbitrary<unknown> = fc.oneof(
  anyValue,
  fc.constantFrom('0s', '0', '1us', '-1s', '1.5', '60', '1e3s', '10s', '300000000h', '1h1h', 'µs', '9007199254740993us'),
  fc.constantFrom('0%', '100%', '100.00001%', '-1%', '50', '1e2%', 'NaN%'),
  fc.constantFrom('shop/web-v1', 'shop/db', 'external', 'istiod', '*', 'nope/x', 'shop/', '/web', 'ns-00/svc-0000', 'n1', 'n9'),
  fc.constantFrom('http://web:abc/', 'tcp://db', 'tls://web:443', 'https://web/', 'ftp://web/', 'http://[::1]/', 'http:///', 'http://nowhere/'),
  fc.constantFrom('>= 1', '== true', '<', '>= 1%', '== 5ms', '!= 1', '>= 1e400'),
  fc.constantFrom(1, 3, 1000, 100001),
);

export interface ScenarioCase {
  /** The scenario file's text. */
  readonly text: string;
  /** The mutated scenario object (inline manifests as document lists), for shrinking. */
  readonly doc: unknown;
}

/** Writes inline manifests given as document lists as YAML text, everywhere they may stand. */
function inlineAsText(value: unknown, key = ''): unknown {
  if (key === 'inline' && Array.isArray(value)) return value.map((d) => stringify(d)).join('---\n');
  if (Array.isArray(value)) return value.map((v) => inlineAsText(v));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, inlineAsText(v, k));
  return out;
}

export function scenarioCaseOf(doc: unknown): ScenarioCase {
  return { doc, text: stringify(inlineAsText(doc)) };
}

/** Most mutations land inside `spec` (its key is the fourth at the top), some anywhere. */
const scenarioPath: fc.Arbitrary<number[]> = fc.oneof({ arbitrary: anyPath.map((p) => [3, ...p]), weight: 9 }, { arbitrary: anyPath, weight: 1 });

/** Fields whose size sets a run's cost: pods, services, requests, callers, streams, churn. */
const SCALE_KEYS = new Set(['replicas', 'services', 'podsPerService', 'flows', 'rate', 'concurrency', 'streams', 'pods']);
const DURATION_MAX_US = 60_000_000;

/**
 * Whether a mutated scenario is still a small run: no scale field above 1,000 and a duration of at most
 * a minute (or one the loader refuses). Valid but large runs are the scale benchmarks' business (perf/);
 * here they would only spend the case budget and read as hangs.
 */
export function smallEnough(doc: unknown): boolean {
  const spec = (doc as { spec?: { duration?: unknown } } | null)?.spec;
  const durationUs = typeof spec?.duration === 'string' ? parseDuration(spec.duration.trim()) : null;
  if (durationUs !== null && durationUs > DURATION_MAX_US) return false;
  const small = (value: unknown, key: string): boolean => {
    if (typeof value === 'number') return !SCALE_KEYS.has(key) || value <= 1000;
    if (key === 'inline' && typeof value === 'string') return true;
    if (value === null || typeof value !== 'object') return true;
    return Object.entries(value).every(([k, v]) => small(v, Array.isArray(value) ? key : k));
  };
  return small(doc, '');
}

export const scenarioCase: fc.Arbitrary<ScenarioCase> = fc.array(fc.tuple(scenarioPath, fc.oneof({ arbitrary: inKind, weight: 4 }, { arbitrary: scenarioValue, weight: 1 })), { minLength: 1, maxLength: 2 })
  .map((mutations) => mutations.reduce<unknown>((doc, [path, value]) => mutate(doc, path, value), BASE))
  .filter(smallEnough)
  .map(scenarioCaseOf);

/** One step smaller: the case without one list element of the spec, or without one field of it. */
export function shrinkScenario(c: ScenarioCase): ScenarioCase[] {
  const out: ScenarioCase[] = [];
  const spec = (c.doc as { spec?: unknown }).spec;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return out;
  const withSpec = (next: Record<string, unknown>) => scenarioCaseOf({ ...(c.doc as object), spec: next });
  for (const [key, value] of Object.entries(spec)) {
    if (key !== 'duration') {
      const { [key]: _dropped, ...rest } = spec as Record<string, unknown>;
      out.push(withSpec(rest));
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) out.push(withSpec({ ...(spec as Record<string, unknown>), [key]: value.filter((_, j) => j !== i) }));
    }
  }
  return out;
}

const ALLOWED_EXITS = [0, 1, 2, 5];

export function runScenarioCase(c: ScenarioCase): FuzzFailure | null {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-fuzz-'));
  try {
    const file = join(dir, 'fuzz.yaml');
    writeFileSync(file, c.text);
    const outDir = join(dir, 'report');
    const once = () => {
      rmSync(outDir, { recursive: true, force: true });
      let out = '';
      let err = '';
      const code = main(['run', file, '--out', outDir, '--quiet'], { out: (t) => { out += t; }, err: (t) => { err += t; } });
      let files = '';
      try {
        for (const name of readdirSync(outDir).sort()) files += `== ${name}\n${readFileSync(join(outDir, name), 'utf8')}`;
      } catch {
        files = '(no report)';
      }
      return { code, out, err, files };
    };
    const first = once();
    const wrong = judgeExit('run', first.code, first.err, ALLOWED_EXITS);
    if (wrong !== null) return wrong;
    const second = once();
    if (second.code !== first.code || second.out !== first.out || second.err !== first.err || second.files !== first.files) {
      return { signature: 'run: not deterministic', detail: `${first.out}${first.err}\n---\n${second.out}${second.err}` };
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The unmutated scenario (valid: it loads and runs to the end). */
export function baseScenarioCase(): ScenarioCase {
  return scenarioCaseOf(BASE);
}

/**
 * The exhaustive sweep: every path of the scenario with every SWEEP_VALUES value, one mutation per case
 * (small runs only). Inside inline manifests only the documents themselves are replaced: their fields
 * are the mesh sweep's (fuzz-case.ts meshSweep).
 */
export function scenarioSweep(): ScenarioCase[] {
  const insideInline = (path: readonly number[]) => {
    let node: unknown = BASE;
    for (const [depth, choice] of path.entries()) {
      if (node === null || typeof node !== 'object') return false;
      const key = Array.isArray(node) ? String(choice) : Object.keys(node)[choice]!;
      if (key === 'inline' && path.length > depth + 2) return true;
      node = (node as Record<string, unknown>)[key];
    }
    return false;
  };
  return allPaths(BASE).filter((path) => !insideInline(path))
    .flatMap((path) => SWEEP_VALUES.map((value) => mutate(BASE, path, value))).filter(smallEnough).map(scenarioCaseOf);
}
