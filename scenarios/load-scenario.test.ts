// loadScenario on good files: every field of the format read into exactly the Scenario value it means,
// the defaults, step order and labels, and the seed override. Bad files: conformance/bad-scenarios/.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { NETWORK_SETTINGS_DEFAULT, PILOT_SETTINGS_DEFAULT } from '../sim/index.ts';
import type { Diagnostic, Scenario } from '../sim/index.ts';
import { generateTopology } from './generate-topology.ts';
import { loadScenario } from './load-scenario.ts';

const MESH = `apiVersion: v1
kind: Namespace
metadata:
  name: default
  labels: {istio-injection: enabled}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, labels: {app: reviews}}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1}
spec:
  selector: {matchLabels: {app: reviews, version: v1}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec:
      containers: [{name: reviews, image: example.com/reviews:1, ports: [{containerPort: 9080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v2}
spec:
  selector: {matchLabels: {app: reviews, version: v2}}
  template:
    metadata: {labels: {app: reviews, version: v2}}
    spec:
      containers: [{name: reviews, image: example.com/reviews:2, ports: [{containerPort: 9080}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`;

const CANARY = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: 50
`;

const FULL = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata:
  name: bookinfo-canary
  description: shift reviews under load
spec:
  seed: 42
  duration: 60s
  sampleInterval: 500ms
  manifests:
    - path: mesh.yaml
    - inline: |
        apiVersion: v1
        kind: Namespace
        metadata:
          name: legacy
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: curl, namespace: legacy}
        spec:
          selector: {matchLabels: {app: curl}}
          template:
            metadata: {labels: {app: curl}}
            spec:
              containers: [{name: curl, image: curl}]
  topology: {namespaces: 2, services: 3, podsPerService: 2, port: 9090}
  meshConfig: {outboundTrafficPolicy: {mode: REGISTRY_ONLY}, enableAutoMtls: false}
  pilot: {debounceAfter: 50ms, debounceMax: 5s, enableEdsDebounce: false, pushThrottle: 10, maxRequestsPerSecond: 40, replicas: 2, cpus: 4}
  network: {xdsLatency: 3ms, proxyApply: 500us, podLatency: 100us, informerLag: 0s}
  apps:
    - workload: default/reviews-v2
      serviceTime: [{duration: 5ms, weight: 90}, {duration: 50ms, weight: 10}]
      errorRate: 0.1%
      errorStatus: 503
      calls: [{url: "http://ratings:9080/ratings/0"}, {url: "http://details:9080/", method: POST}]
    - workload: ns-01/svc-0001
      serviceTime: 1.5ms
  traffic:
    - name: users
      from: external
      url: http://productpage.default:9080/productpage
      headers: {end-user: jason}
      rate: 100
      start: 1s
      end: 59s
    - name: curl
      from: legacy/curl
      url: http://reviews.default:9080/reviews/0
      method: POST
      concurrency: 10
      thinkTime: 10ms
  timeline:
    - at: 30s
      apply: {path: canary.yaml}
    - at: 10s
      label: reviews 50/50
      apply:
        - path: canary.yaml
        - inline: |
            apiVersion: v1
            kind: Namespace
            metadata: {name: extra}
    - at: 10s
      delete: [{kind: VirtualService, name: reviews}, {kind: Namespace, name: legacy}]
    - at: 20s
      scale: {workload: default/reviews-v2, replicas: 3}
    - at: 25s
      labelNamespace: {namespace: legacy, labels: {istio-injection: enabled, old: null}}
    - at: 40s
      restart: {workload: legacy/curl}
    - at: 45s
      fault: {istiodOutage: {duration: 30s}}
    - at: 46s
      fault: {proxyNack: {workload: default/reviews-v1, duration: 10s}}
    - at: 47s
      fault: {podFailure: {workload: default/reviews-v1}}
    - at: 48s
      fault: {networkDelay: {workload: default/reviews-v1, delay: 100ms, duration: 10s}}
    - at: 49s
      fault: {certificateExpiry: {workload: ns-00/svc-0002}}
    - at: 50s
      fault: {istiodOutage: {}}
  assertions:
    - name: no failed request
      metric: successRate
      source: external
      window: {from: 0s, to: 60s}
      expect: ">= 99.9%"
    - name: p99 latency
      metric: latency
      destination: default/reviews-v2
      percentile: 99
      expect: <= 200ms
    - name: no NC
      metric: flaggedRequests
      source: legacy/curl
      flag: NC
      window: {from: 35s}
      expect: == 0
    - name: few 503s
      metric: requests
      code: 503
      expect: < 10
    - name: converges
      metric: convergence
      percentile: 99.9
      expect: <= 2s
    - name: pushes
      metric: pushes
      expect: 3
    - name: done
      metric: converged
      window: {to: 59s}
      expect: == true
`;

function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-scenario-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The 1-based line of the first line of `text` that contains `needle` (after line `after`). */
function lineOf(text: string, needle: string, after = 0): number {
  const index = text.split('\n').findIndex((l, i) => i >= after && l.includes(needle));
  if (index < 0) throw new Error(`no line with ${needle}`);
  return index + 1;
}

/**
 * What an inline literal block becomes: blank lines up to its header line, then its lines as written,
 * but for `---` separators, which YAML reads as such only at the start of a line.
 */
function inlineText(text: string, headerLine: number, lastLine: number): string {
  const lines = text.split('\n').slice(headerLine, lastLine).map((l) => (l.trim() === '---' ? '---' : l));
  return '\n'.repeat(headerLine) + lines.join('\n') + '\n';
}

const notInfo = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity !== 'info').map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);

test('a file that uses every field loads into exactly the Scenario it describes', (t) => {
  const dir = scenarioDir({ 'mesh.yaml': MESH, 'canary.yaml': CANARY, 'run/full.yaml': FULL.replaceAll('path: mesh.yaml', 'path: ../mesh.yaml').replaceAll('path: canary.yaml', 'path: ../canary.yaml') });
  const file = path.join(dir, 'run/full.yaml');
  const text = FULL.replaceAll('path: mesh.yaml', 'path: ../mesh.yaml').replaceAll('path: canary.yaml', 'path: ../canary.yaml');
  const { scenario, diagnostics } = loadScenario(file);
  t.deepEqual(notInfo(diagnostics), []);
  const inline0 = lineOf(text, '- inline: |');
  const inline1 = lineOf(text, '- inline: |', inline0);
  const canary = { path: path.join(dir, 'canary.yaml'), text: CANARY, named: true };
  const at = (s: number) => s * 1_000_000;
  const expected: Scenario = {
    name: 'bookinfo-canary',
    description: 'shift reviews under load',
    file,
    seed: 42,
    durationUs: at(60),
    manifests: [
      { path: path.join(dir, 'mesh.yaml'), text: MESH, named: true },
      { path: file, text: inlineText(text, inline0, lineOf(text, 'containers: [{name: curl')) },
      generateTopology({ namespaces: 2, services: 3, podsPerService: 2, port: 9090 }, `${file}#topology`),
    ],
    mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY', enableAutoMtls: false },
    pilot: { debounceAfterUs: 50_000, debounceMaxUs: at(5), enableEdsDebounce: false, pushThrottle: 10, maxRequestsPerSecond: 40, replicas: 2, cpus: 4 },
    network: { xdsLatencyUs: 3_000, proxyApplyUs: 500, podLatencyUs: 100, informerLagUs: 0 },
    apps: [
      {
        workload: 'default/reviews-v2',
        serviceTime: { entries: [{ durationUs: 5_000, weight: 90 }, { durationUs: 50_000, weight: 10 }] },
        errorRatePpm: 1_000, errorStatus: 503,
        calls: [{ url: 'http://ratings:9080/ratings/0', method: 'GET' }, { url: 'http://details:9080/', method: 'POST' }],
        line: lineOf(text, '- workload: default/reviews-v2'),
      },
      { workload: 'ns-01/svc-0001', serviceTime: { entries: [{ durationUs: 1_500, weight: 1 }] }, errorRatePpm: 0, errorStatus: 500, calls: [], line: lineOf(text, '- workload: ns-01/svc-0001') },
    ],
    traffic: [
      {
        name: 'users', from: 'external', url: 'http://productpage.default:9080/productpage', method: 'GET', headers: { 'end-user': 'jason' },
        ratePerSecond: 100, concurrency: null, streams: null, thinkTimeUs: 0, startUs: at(1), endUs: at(59), line: lineOf(text, '- name: users'),
      },
      {
        name: 'curl', from: 'legacy/curl', url: 'http://reviews.default:9080/reviews/0', method: 'POST', headers: {},
        ratePerSecond: null, concurrency: 10, streams: null, thinkTimeUs: 10_000, startUs: 0, endUs: at(60), line: lineOf(text, '- name: curl'),
      },
    ],
    timeline: [
      { atUs: at(10), label: 'reviews 50/50', action: { kind: 'apply', manifests: [canary, { path: file, text: inlineText(text, inline1, inline1 + 3) }] }, line: lineOf(text, '- at: 10s') },
      {
        atUs: at(10), label: 'delete VirtualService default/reviews, Namespace legacy',
        action: { kind: 'delete', resources: [{ kind: 'VirtualService', namespace: 'default', name: 'reviews' }, { kind: 'Namespace', namespace: '', name: 'legacy' }] },
        line: lineOf(text, '- at: 10s', lineOf(text, '- at: 10s')),
      },
      { atUs: at(20), label: 'scale default/reviews-v2 to 3', action: { kind: 'scale', workload: 'default/reviews-v2', replicas: 3 }, line: lineOf(text, '- at: 20s') },
      {
        atUs: at(25), label: 'label namespace legacy istio-injection=enabled old-',
        action: { kind: 'label-namespace', namespace: 'legacy', labels: { 'istio-injection': 'enabled', old: null } }, line: lineOf(text, '- at: 25s'),
      },
      { atUs: at(30), label: 'apply ../canary.yaml', action: { kind: 'apply', manifests: [canary] }, line: lineOf(text, '- at: 30s') },
      { atUs: at(40), label: 'restart legacy/curl', action: { kind: 'restart', workload: 'legacy/curl' }, line: lineOf(text, '- at: 40s') },
      { atUs: at(45), label: 'istiod outage for 30s', action: { kind: 'fault', fault: { kind: 'istiod-outage', durationUs: at(30) } }, line: lineOf(text, '- at: 45s') },
      {
        atUs: at(46), label: 'default/reviews-v1 NACKs config for 10s',
        action: { kind: 'fault', fault: { kind: 'proxy-nack', workload: 'default/reviews-v1', durationUs: at(10) } }, line: lineOf(text, '- at: 46s'),
      },
      {
        atUs: at(47), label: '1 pod of default/reviews-v1 fail',
        action: { kind: 'fault', fault: { kind: 'pod-failure', workload: 'default/reviews-v1', pods: 1 } }, line: lineOf(text, '- at: 47s'),
      },
      {
        atUs: at(48), label: '+100ms network delay at default/reviews-v1 for 10s',
        action: { kind: 'fault', fault: { kind: 'network-delay', workload: 'default/reviews-v1', delayUs: 100_000, durationUs: at(10) } }, line: lineOf(text, '- at: 48s'),
      },
      {
        atUs: at(49), label: 'certificate of ns-00/svc-0002 expires',
        action: { kind: 'fault', fault: { kind: 'certificate-expiry', workload: 'ns-00/svc-0002', durationUs: 0 } }, line: lineOf(text, '- at: 49s'),
      },
      { atUs: at(50), label: 'istiod outage until the end', action: { kind: 'fault', fault: { kind: 'istiod-outage', durationUs: 0 } }, line: lineOf(text, '- at: 50s') },
    ],
    assertions: [
      assertion('no failed request', 'success-rate-ppm', { source: 'external', op: '>=', value: 999_000 }, lineOf(text, '- name: no failed request')),
      assertion('p99 latency', 'latency-us', { destination: 'default/reviews-v2', percentile: 99, op: '<=', value: 200_000 }, lineOf(text, '- name: p99 latency')),
      assertion('no NC', 'flagged-requests', { source: 'legacy/curl', flag: 'NC', fromUs: at(35), op: '==', value: 0 }, lineOf(text, '- name: no NC')),
      assertion('few 503s', 'requests', { code: 503, op: '<', value: 10 }, lineOf(text, '- name: few 503s')),
      assertion('converges', 'convergence-us', { percentile: 99.9, op: '<=', value: at(2) }, lineOf(text, '- name: converges')),
      assertion('pushes', 'pushes', { op: '==', value: 3 }, lineOf(text, '- name: pushes')),
      assertion('done', 'converged', { toUs: at(59), op: '==', value: 1 }, lineOf(text, '- name: done')),
    ],
    sampleUs: 500_000,
  };
  t.deepEqual(scenario, expected);
});

function assertion(name: string, metric: Scenario['assertions'][number]['metric'], fields: Partial<Scenario['assertions'][number]>, line: number): Scenario['assertions'][number] {
  return {
    name, metric, source: null, destination: null, code: null, flag: null, percentile: null,
    fromUs: 0, toUs: 60_000_000, op: '==', value: 0, ...fields, line,
  };
}

/** A scenario named `name` over MESH (beside it as mesh.yaml) with these lines under `spec:`, loaded. */
function loadOverMesh(name: string, spec: string): ReturnType<typeof loadScenario> {
  const dir = scenarioDir({
    'mesh.yaml': MESH,
    [`${name}.yaml`]: `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: ${name}}
spec:
  manifests: [{path: mesh.yaml}]
${spec}`,
  });
  return loadScenario(path.join(dir, `${name}.yaml`));
}

test('defaults: seed 1, sample interval 1s, Istio pilot and network settings, GET, whole-run windows', (t) => {
  const { scenario, diagnostics } = loadOverMesh('min', `  duration: 2m
  apps: [{workload: default/reviews-v1}]
  traffic: [{name: t, from: default/reviews-v1, url: "http://reviews:9080/", rate: 5}]
  assertions: [{name: a, metric: requests, expect: ">= 1"}]
`);
  t.deepEqual(notInfo(diagnostics), []);
  if (scenario === null) return t.fail('did not load');
  t.is(scenario.seed, 1);
  t.is(scenario.description, '');
  t.is(scenario.sampleUs, 1_000_000);
  t.is(scenario.durationUs, 120_000_000);
  t.deepEqual(scenario.pilot, PILOT_SETTINGS_DEFAULT);
  t.deepEqual(scenario.network, NETWORK_SETTINGS_DEFAULT);
  t.deepEqual(scenario.mesh, {});
  t.deepEqual(scenario.timeline, []);
  t.deepEqual(scenario.apps.map((a) => [a.serviceTime, a.errorRatePpm, a.errorStatus, a.calls]), [[{ entries: [{ durationUs: 0, weight: 1 }] }, 0, 500, []]]);
  t.deepEqual(scenario.traffic.map((x) => [x.method, x.headers, x.thinkTimeUs, x.startUs, x.endUs, x.concurrency]), [['GET', {}, 0, 0, 120_000_000, null]]);
  t.deepEqual(scenario.assertions.map((a) => [a.fromUs, a.toUs]), [[0, 120_000_000]]);
});

test('the seed option replaces spec.seed; a seed that is no uint32 is an error, not an exception', (t) => {
  const dir = scenarioDir({ 's.yaml': 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec: {seed: 9, duration: 1s}\n' });
  const file = path.join(dir, 's.yaml');
  t.is(loadScenario(file).scenario?.seed, 9);
  t.is(loadScenario(file, { seed: 4_294_967_295 }).scenario?.seed, 4_294_967_295);
  const bad = loadScenario(file, { seed: -1 });
  t.is(bad.scenario, null);
  t.deepEqual(bad.diagnostics.map((d) => d.code), ['MS0405']);
});

test('timeline steps are sorted by time, steps at the same time keep their order in the file', (t) => {
  const dir = scenarioDir({
    'mesh.yaml': MESH,
    's.yaml': `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  duration: 10s
  manifests: [{path: mesh.yaml}]
  timeline:
    - {at: 5s, label: c, restart: {workload: default/reviews-v1}}
    - {at: 1s, label: a, restart: {workload: default/reviews-v1}}
    - {at: 5s, label: d, restart: {workload: default/reviews-v1}}
    - {at: 1s, label: b, restart: {workload: default/reviews-v1}}
    - {at: 0s, label: first, restart: {workload: default/reviews-v1}}
`,
  });
  const { scenario } = loadScenario(path.join(dir, 's.yaml'));
  t.deepEqual(scenario?.timeline.map((s) => `${s.label}@${s.atUs}/${s.line}`), ['first@0/12', 'a@1000000/9', 'b@1000000/11', 'c@5000000/8', 'd@5000000/10']);
});

test('pushThrottle and maxRequestsPerSecond follow cpus as Istio derives them from GOMAXPROCS (min(15 + 5·cpus, 100)) unless given', (t) => {
  const pilotOf = (pilot: string) => loadOverMesh('p', `  duration: 1s
  pilot: ${pilot}
`).scenario?.pilot;
  t.like(pilotOf('{cpus: 1}'), { pushThrottle: 20, maxRequestsPerSecond: 20 });
  t.like(pilotOf('{cpus: 8}'), { pushThrottle: 55, maxRequestsPerSecond: 55 });
  t.like(pilotOf('{cpus: 32}'), { pushThrottle: 100, maxRequestsPerSecond: 100 });
  t.like(pilotOf('{cpus: 8, pushThrottle: 3}'), { pushThrottle: 3, maxRequestsPerSecond: 55 });
  t.like(pilotOf('{debounceMax: 1s}'), { pushThrottle: 25, maxRequestsPerSecond: 25 });
});
