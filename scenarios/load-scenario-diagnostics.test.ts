// loadScenario's diagnostics beyond the corpus (conformance/bad-scenarios/): manifest diagnostics from
// inline manifests point at the real line and column of the scenario file, the file-level failures
// never throw, and timeline applies are analysed against the mesh as it stands after the steps before.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { MESH_CONFIG_DEFAULT, readMeshConfig } from '../sim/index.ts';
import type { Diagnostic } from '../sim/index.ts';
import { loadScenario, loadScenarioText } from './load-scenario.ts';
import { MESH_CONFIG_FIELDS } from './read-settings.ts';

function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-scenario-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** `line:column` of the first occurrence of `needle` in `text` (after `from`). */
function position(text: string, needle: string, from = 0): string {
  const offset = text.indexOf(needle, from);
  if (offset < 0) throw new Error(`no ${needle}`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const where = (ds: readonly Diagnostic[], code: string) => ds.filter((d) => d.code === code).map((d) => `${d.file}:${d.line}:${d.column}`);

const HEAD = 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  duration: 10s\n';

test('an inline manifest\'s diagnostics name the scenario file, line and column, also after --- and in a timeline apply', (t) => {
  const text = `${HEAD}  manifests:
    - inline: |
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, labels: {istio-injection: enabled}}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: a, namespace: shop}
        spec:
          hosts: [a]
          http:
          - timeout: 10
            route: [{destination: {host: a}}]
  timeline:
    - at: 1s
      apply:
        - inline: |
              apiVersion: networking.istio.io/v1
              kind: DestinationRule
              metadata: {name: b, namespace: shop}
              spec: {host: b, trafficPolicy: {loadBalancer: {simple: RANDOMLY}}}
`;
  const file = 'scenarios/inline.yaml';
  const { scenario, diagnostics } = loadScenarioText(file, text);
  t.is(scenario, null);
  t.deepEqual(where(diagnostics, 'MS0101'), [`${file}:${position(text, 'timeout: 10')}`]);
  t.deepEqual(where(diagnostics, 'MS0102'), [`${file}:${position(text, 'simple: RANDOMLY')}`]);
});

test('a YAML error inside an inline manifest points into the scenario file', (t) => {
  const text = `${HEAD}  manifests:
    - inline: |
        apiVersion: v1
        kind: Namespace: x
        metadata: {name: shop}
`;
  const { diagnostics } = loadScenarioText('s.yaml', text);
  t.deepEqual(diagnostics.filter((d) => d.code === 'MS0001').map((d) => `${d.file}:${d.line}:${d.column}`), [`s.yaml:${position(text, 'Namespace: x')}`]);
});

test('an inline manifest written as a quoted string points at the line the string starts on', (t) => {
  const text = `${HEAD}  manifests:
    - inline: "kind: Nope\\napiVersion: v1\\nmetadata: {name: x}\\n"
`;
  const { diagnostics } = loadScenarioText('s.yaml', text);
  t.deepEqual(diagnostics.filter((d) => d.code === 'MS0004').map((d) => [d.file, d.line]), [['s.yaml', 7]]);
});

test('a missing scenario file, a folder, a manifest and an empty file are diagnostics, not exceptions', (t) => {
  const dir = scenarioDir({ 'vs.yaml': 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: [a]}\n', 'empty.yaml': '# nothing\n' });
  const codes = (file: string) => {
    const r = loadScenario(file);
    t.is(r.scenario, null);
    return r.diagnostics.map((d) => `${d.severity} ${d.code}`);
  };
  t.deepEqual(codes(path.join(dir, 'missing.yaml')), ['error MS0400']);
  t.deepEqual(codes(dir), ['error MS0400']);
  t.deepEqual(codes(path.join(dir, 'vs.yaml')), ['error MS0400']);
  t.deepEqual(codes(path.join(dir, 'empty.yaml')), ['error MS0400']);
  t.deepEqual(loadScenarioText('l.yaml', '- a\n- b\n').diagnostics.map((d) => d.message), ['The scenario file holds a list, not a mapping.']);
});

test('re-applying a resource in a step is no duplicate; a step is analysed against the mesh so far', (t) => {
  const mesh = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec: {selector: {app: a}, ports: [{name: http, port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a-v1, namespace: shop}
spec:
  selector: {matchLabels: {app: a, version: v1}}
  template:
    metadata: {labels: {app: a, version: v1}}
    spec: {containers: [{name: a, image: a}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: shop}
spec: {hosts: [a], http: [{route: [{destination: {host: a}}]}]}
`;
  const vs = (subset: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: shop}
spec: {hosts: [a], http: [{route: [{destination: {host: a, subset: ${subset}}}]}]}
`;
  const dr = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: a, namespace: shop}\nspec: {host: a, subsets: [{name: v1, labels: {version: v1}}]}\n';
  const dir = scenarioDir({ 'mesh/mesh.yaml': mesh, 'vs-v1.yaml': vs('v1'), 'dr.yaml': dr, 'vs-v1-again.yaml': vs('v1') });
  // The scenario sits in the folder it names: it is not read as a manifest.
  writeFileSync(path.join(dir, 'mesh/s.yaml'), `${HEAD}  manifests: [{path: .}]
  timeline:
    - {at: 1s, apply: {path: ../vs-v1.yaml}}
    - {at: 2s, apply: {path: ../dr.yaml}}
    - {at: 3s, apply: {path: ../vs-v1-again.yaml}}
`);
  const { scenario, diagnostics } = loadScenario(path.join(dir, 'mesh/s.yaml'));
  t.not(scenario, null);
  t.deepEqual(diagnostics.filter((d) => d.severity !== 'info').map((d) => `${path.basename(d.file)} ${d.code}`), ['vs-v1.yaml IST0101']);
  t.deepEqual(scenario?.manifests.map((m) => path.basename(m.path)), ['mesh.yaml']);
});

test('the MeshConfig fields the loader lists are exactly those readMeshConfig reads', (t) => {
  const bad: Record<string, unknown> = {
    rootNamespace: 1, trustDomain: 1, trustDomainAliases: 1, enableAutoMtls: 1, outboundTrafficPolicy: { mode: 1 },
    defaultServiceExportTo: 1, defaultVirtualServiceExportTo: 1, defaultDestinationRuleExportTo: 1, extensionProviders: 1,
    localityLbSetting: 1, pathNormalization: 1, defaultConfig: 1,
  };
  t.deepEqual(Object.keys(bad), [...MESH_CONFIG_FIELDS]);
  // And the other way: a MeshConfig field meshsim models (domainSuffix is a cluster setting, not MeshConfig) is listed.
  t.deepEqual(Object.keys(MESH_CONFIG_DEFAULT).filter((k) => k !== 'domainSuffix').sort(), [...MESH_CONFIG_FIELDS].sort());
  for (const field of MESH_CONFIG_FIELDS) {
    const problems = readMeshConfig(JSON.stringify({ [field]: bad[field] })).problems.map((p) => p.field.split('.')[0]);
    t.deepEqual(problems, [field], `readMeshConfig does not check ${field}`);
  }
});

test('a MeshConfig field meshsim ignores is a warning: the scenario still loads', (t) => {
  const { scenario, diagnostics } = loadScenarioText('s.yaml', `${HEAD}  meshConfig: {accessLogFile: /dev/stdout, trustDomain: example.org}\n`);
  t.deepEqual(scenario?.mesh, { trustDomain: 'example.org' });
  t.deepEqual(diagnostics.map((d) => `${d.severity} ${d.code} ${d.message}`), ['warning MS0409 spec.meshConfig.accessLogFile: meshsim does not model this MeshConfig field and ignores it.']);
});

test('every problem of a file is reported at once, each with its field first in the message', (t) => {
  const text = `${HEAD}  sampleInterval: 20s
  seed: -3
  pilot: {debounceAfter: fast, replicas: 0}
  network: {xdsLatency: 2}
  traffic: [{name: x, from: nobody, url: "ftp://x", rate: 1.5, headers: {a: 1}}]
  assertions: [{name: a, metric: pushes, percentile: 50, expect: "about 3"}]
`;
  const { diagnostics } = loadScenarioText('s.yaml', text);
  t.deepEqual(diagnostics.map((d) => `${d.code} ${d.field}`), [
    'MS0405 spec.sampleInterval',
    'MS0405 spec.seed',
    'MS0402 spec.pilot.debounceAfter',
    'MS0405 spec.pilot.replicas',
    'MS0401 spec.network.xdsLatency',
    'MS0402 spec.traffic[0].from',
    'MS0402 spec.traffic[0].url',
    'MS0401 spec.traffic[0].rate',
    'MS0401 spec.traffic[0].headers.a',
    'MS0405 spec.assertions[0].percentile',
    'MS0402 spec.assertions[0].expect',
  ]);
  for (const d of diagnostics) t.true(d.message.startsWith(`${d.field}: `), d.message);
});

test('a sampleInterval that cuts the run into more than 100,000 samples is refused with the smallest one allowed; unwritten, it follows the run', (t) => {
  const fine = loadScenarioText('s.yaml', `${HEAD}  sampleInterval: 1us\n`);
  t.deepEqual(fine.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message} ${d.hint ?? ''}`),
    ['6:3 MS0405 spec.sampleInterval: 1µs cuts the run (10s) into 10000000 samples; meshsim keeps at most 100000. Write a sampleInterval of at least 100µs.']);
  const short = loadScenarioText('s.yaml', 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  duration: 200ms\n');
  t.deepEqual(short.diagnostics, []);
  t.is(short.scenario?.sampleUs, 200_000, 'a run shorter than 1 s is one sample');
  const long = loadScenarioText('s.yaml', 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  duration: 1000000s\n');
  t.deepEqual(long.diagnostics, []);
  t.is(long.scenario?.sampleUs, 10_000_000, 'a run of 10^6 s is sampled every 10 s');
});
