import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from './main.ts';
import type { Io } from './main.ts';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => { out += t; }, err: (t) => { err += t; }, stdout: () => out, stderr: () => err };
}

const MESH = resolve(import.meta.dirname, '../scenarios/meshes/bookinfo/bookinfo.yaml');

function scenario(dir: string, assertion: string): string {
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: small}
spec:
  duration: 3s
  manifests: [{path: ${JSON.stringify(MESH)}}]
  traffic:
  - {name: t, from: default/productpage-v1, url: "http://reviews:9080/", rate: 20}
  assertions:
  - ${assertion}
`);
  return file;
}

test('run: assertions hold → exit 0, a summary on stdout and a report folder', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-run-'));
  const io = capture();
  const out = join(dir, 'report');
  t.is(main(['run', scenario(dir, '{name: ok, metric: successRate, expect: ">= 100%"}'), '--out', out, '--seed', '3'], io), 0, io.stderr());
  t.regex(io.stdout(), /^seed +3$/m);
  t.regex(io.stdout(), /PASS {2}ok: success rate/);
  t.deepEqual(readdirSync(out).sort(), ['convergence.csv', 'metrics.prom', 'proxies.csv', 'pushes.csv', 'report.html', 'requests.csv', 'summary.json']);
  t.regex(readFileSync(join(out, 'metrics.prom'), 'utf8'), /^istio_requests_total\{/m);
});

test('run: a failed assertion → exit 1, with the numbers and the replay command', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-run-'));
  const io = capture();
  t.is(main(['run', scenario(dir, '{name: too many, metric: requests, expect: "< 5"}'), '--out', join(dir, 'r'), '--seed', '9'], io), 1);
  t.regex(io.stdout(), /FAIL {2}too many: \d+ requests/);
  t.regex(io.stdout(), /replay +meshsim run .*scenario\.yaml --seed 9/);
});

test('run: a bad scenario → exit 2, file:line:col, and no report written', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-run-'));
  const io = capture();
  const out = join(dir, 'report');
  t.is(main(['run', scenario(dir, '{name: bad, metric: sucessRate, expect: ">= 1%"}'), '--out', out], io), 2);
  t.regex(io.stderr(), /scenario\.yaml:\d+:\d+: error MS04\d\d .*sucessRate/);
  t.regex(io.stderr(), /no report was written/);
  t.false(existsSync(out));
  t.deepEqual(readdirSync(dir), ['scenario.yaml']);
});

test('run: a bad --seed is bad input', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-run-'));
  const io = capture();
  t.is(main(['run', scenario(dir, '{name: ok, metric: requests, expect: ">= 0"}'), '--seed', 'x1'], io), 2);
  t.regex(io.stderr(), /--seed must be an integer/);
});
