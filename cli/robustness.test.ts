// Inputs that once crashed meshsim (exit 4, "internal error"): each is now read as Kubernetes reads it
// or refused with a positioned diagnostic and exit 2, never an internal error.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import type { Io } from './main.ts';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

const MESH = `apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
`;

/** Runs `meshsim ARGS` on MESH changed by `edit` (plus `extra` documents), in a temporary folder. */
function meshsim(t: { teardown: (fn: () => void) => void }, args: readonly string[], edit: (mesh: string) => string = (m) => m, extra = ''): { code: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-robust-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, edit(MESH) + (extra === '' ? '' : `---\n${extra}`));
  const io = capture();
  const code = main([args[0]!, file, ...args.slice(1)], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

/** `meshsim run` of a scenario over MESH (beside it as mesh.yaml) with these lines under `spec:`. */
function runScenario(t: { teardown: (fn: () => void) => void }, spec: string): { code: number; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-robust-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'mesh.yaml'), MESH);
  writeFileSync(join(dir, 's.yaml'), `apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n  manifests: [{path: mesh.yaml}]\n${spec}`);
  const io = capture();
  const code = main(['run', '-q', join(dir, 's.yaml'), '--out', join(dir, 'r')], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const PROBE = ['probe', '--from', 'default/client', '--url', 'http://web/'];

function noInternalError(t: { false: (v: boolean, m?: string) => void }, run: { stdout: string; stderr: string }): void {
  t.false(/internal error/.test(run.stderr + run.stdout), run.stderr);
}

test('a null field is a field not given, as the API server reads it: a Service selector, a route match, a subset', (t) => {
  for (const [edit, extra] of [
    [(m: string) => m.replace('  selector: {app: web}', '  selector: null'), ''],
    [(m: string) => m, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: default}\nspec:\n  hosts: [web]\n  http:\n  - match: null\n    route: [{destination: {host: web, subset: null}}]\n'],
  ] as const) {
    const run = meshsim(t, PROBE, edit, extra);
    noInternalError(t, run);
    t.is(run.code, 0, run.stderr);
  }
});

test('a Deployment selector without labels (matchLabels: null) is refused as the API server refuses it, with its position', (t) => {
  const run = meshsim(t, ['validate'], (m) => m.replace('  selector: {matchLabels: {app: web}}', '  selector: {matchLabels: null}'));
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /mesh\.yaml:\d+:\d+: error .*Deployment default\/web: Invalid value: empty selector is invalid for deployment/);
});

test('an empty DestinationRule tls (a null) leaves an empty trafficPolicy, which Istio refuses', (t) => {
  const run = meshsim(t, ['validate'], (m) => m, 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: web, namespace: default}\nspec:\n  host: web\n  trafficPolicy:\n    tls:\n');
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /mesh\.yaml:\d+:\d+: error MS0106 DestinationRule default\/web: traffic policy must have at least one field/);
});

test('a Gateway server whose tls is null is a server without TLS settings: fine for HTTP, refused at its position for HTTPS', (t) => {
  const gateway = (protocol: string) => `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: p, protocol: ${protocol}}\n    hosts: ["*"]\n    tls: null\n`;
  const https = meshsim(t, ['validate'], (m) => m, gateway('HTTPS'));
  noInternalError(t, https);
  t.is(https.code, 2);
  t.regex(https.stdout + https.stderr, /mesh\.yaml:\d+:5: error MS0106 Gateway default\/gw: server must have TLS settings for HTTPS\/TLS protocols/);
  const http = meshsim(t, ['validate'], (m) => m, gateway('HTTP'));
  noInternalError(t, http);
  t.is(http.code, 0, http.stdout + http.stderr);
});

test('a quoted targetPort beyond 65535 is a port name without a letter: refused at its position', (t) => {
  const run = meshsim(t, ['validate'], (m) => m.replace('targetPort: 8080', 'targetPort: "70000"'));
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /mesh\.yaml:10:\d+: error .*Service default\/web: .*"70000": a quoted number is a port name/);
});

test('probe flags and URLs out of range are user errors (exit 2): a seed beyond 2^32-1, a count of 0, a port that is not a number', (t) => {
  for (const [args, pattern] of [
    [[...PROBE, '--seed', '9007199254740993'], /--seed takes a whole number from 0 to 4294967295/],
    [[...PROBE, '--count', '0'], /--count takes a whole number from 1 to 1000000/],
    [['probe', '--from', 'default/client', '--url', 'http://web:abc/'], /the port "abc" in the URL "http:\/\/web:abc\/" is not a number/],
  ] as const) {
    const run = meshsim(t, args);
    noInternalError(t, run);
    t.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stderr + run.stdout, pattern);
  }
});

test('a __proto__ key is an ordinary (unknown) field, never an object\'s prototype', (t) => {
  const run = meshsim(t, ['validate'], (m) => m.replace('  selector: {app: web}', '  selector: {app: web}\n  __proto__: {type: NodePort}'));
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /mesh\.yaml:\d+:\d+: error .*__proto__/);
});

test('a scenario whose debounceMax is below debounceAfter runs as istiod runs it: each change waits debounceAfter', (t) => {
  const run = runScenario(t, `  duration: 10s
  pilot: {debounceAfter: 2s, debounceMax: 1s}
  timeline:
  - {at: 1s, scale: {workload: default/web, replicas: 2}}
  assertions:
  - {name: a push waits the quiet period, metric: propagation, percentile: 50, expect: ">= 2s"}
`);
  noInternalError(t, run);
  t.is(run.code, 0, run.stdout + run.stderr);
});

test('more pods than the pod address range holds: the workload past the limit is left out with an error at its replicas', (t) => {
  const run = meshsim(t, ['validate'], (m) => m.replace('  replicas: 1\n', '  replicas: 65536\n'));
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /mesh\.yaml:16:3: error MS0105 Deployment default\/web: its 65536 pods do not fit: the pod address range 10\.244\.0\.0\/16 holds 65533 pods/);
  const probe = meshsim(t, PROBE, (m) => m.replace('  replicas: 1\n', '  replicas: 65536\n'));
  noInternalError(t, probe);
  t.regex(probe.stderr, /resource error\(s\) in the manifests; those resources were left out/);
});

test('batch lines with fields of the wrong type, or unknown ones, stop with file, line and field (exit 2)', (t) => {
  for (const [line, pattern] of [
    ['{"from": 5, "url": "http://web/"}', /batch\.jsonl:2: "from" must be a string, not 5/],
    ['{"from": "default/client", "url": {}}', /batch\.jsonl:2: "url" must be a string, not \{\}/],
    ['{"from": "default/client", "url": "http://web/", "jwt": {}}', /"jwt" must be a string/],
    ['{"from": "default/client", "url": "http://web/", "count": {}}', /"count" must be a whole number from 1 to 1000000/],
    ['{"from": null, "url": "http://web/"}', /"from" must be a string, not null/],
    ['{"from": "default/client", "url": "http://web/", "header": {"x": "y"}}', /"header" is not a request field/],
    ['[1, 2]', /batch\.jsonl:2: not a JSON object/],
    ['{"url": "http://web/"}', /"from" is missing/],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'meshsim-robust-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'batch.jsonl'), `{"from": "default/client", "url": "http://web/"}\n${line}\n`);
    const run = meshsim(t, ['probe', '--batch', join(dir, 'batch.jsonl')]);
    noInternalError(t, run);
    t.is(run.code, 2, `${line}: ${run.stderr}`);
    t.regex(run.stderr, pattern, line);
    t.is(run.stdout.split('\n').filter((l) => l !== '').length, 1, 'the good line before it was answered');
  }
});

test('closed-loop callers whose requests fail at once (an unknown host) wait 1 ms each time: the run ends, time advances', (t) => {
  const run = runScenario(t, `  duration: 2s
  traffic: [{name: lost, from: default/client, url: "http://missing:80/", concurrency: 2}]
  assertions:
  - {name: about a thousand a second per caller, metric: requests, expect: "<= 4002"}
`);
  noInternalError(t, run);
  t.is(run.code, 0, run.stdout + run.stderr);
  t.regex(run.stdout, /requests\s+[1-9]\d* total/);
});

test('a rate beyond 1,000,000 a second is refused at its position (the clock counts microseconds)', (t) => {
  const run = runScenario(t, `  duration: 2s
  traffic: [{name: flood, from: default/client, url: "http://web/", rate: 4294967296}]
`);
  noInternalError(t, run);
  t.is(run.code, 2);
  t.regex(run.stdout + run.stderr, /s\.yaml:7:\d+: error MS040\d .*rate/);
});

test('YAML nested thousands of levels deep is a syntax error at the same place every time, in manifests and scenarios (exit 2)', (t) => {
  const deep = `[${'['.repeat(5000)}`;
  const first = meshsim(t, ['validate'], (m) => `${m}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\ndata: ${deep}\n`);
  const second = meshsim(t, ['validate'], (m) => `${m}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: default}\ndata: ${deep}\n`);
  noInternalError(t, first);
  t.is(first.code, 2);
  t.regex(first.stdout + first.stderr, /mesh\.yaml:\d+:\d+: error MS0001 YAML syntax error: nested more than 200 levels deep/);
  t.is(first.stdout.replace(/\/tmp\/\S+/g, ''), second.stdout.replace(/\/tmp\/\S+/g, ''));
  const scenario = runScenario(t, `  duration: ${deep}\n`);
  t.is(scenario.code, 2);
  t.regex(scenario.stdout + scenario.stderr, /s\.yaml:6:\d+: error MS0001 YAML syntax error: nested more than 200 levels deep/);
});
