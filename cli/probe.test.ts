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

const SHOP = 'scenarios/meshes/shop';

test('probe --json follows the contract: a header match picks the canary subset', (t) => {
  const io = capture();
  t.is(main(['probe', SHOP, '--from', 'shop/frontend', '--url', 'http://catalog:9080/items', '-H', 'x-canary: true', '--json'], io), 0);
  const result = JSON.parse(io.stdout());
  for (const key of ['status', 'connected', 'flags', 'destination', 'mtls', 'authz', 'upstream', 'response', 'trace']) t.true(key in result, key);
  t.is(result.status, 200);
  t.like(result.destination, { service: 'catalog.shop.svc.cluster.local', port: 9080, subset: 'v2', workload: 'catalog-v2', namespace: 'shop' });
  t.deepEqual(result.trace.map((h: { direction: string }) => h.direction), ['outbound', 'inbound']);
});

test('probe --count aggregates a 90/10 split within five points', (t) => {
  const io = capture();
  t.is(main(['probe', SHOP, '--from', 'shop/frontend', '--url', 'http://catalog:9080/', '--count', '1000', '--json'], io), 0);
  const summary = JSON.parse(io.stdout());
  t.is(summary.count, 1000);
  t.deepEqual(summary.statuses, { 200: 1000 });
  const share = (workload: string) => summary.destinations.find((d: { workload: string }) => d.workload === workload).count / 10;
  t.true(Math.abs(share('catalog-v1') - 90) <= 5, `v1 ${share('catalog-v1')}%`);
  t.true(Math.abs(share('catalog-v2') - 10) <= 5, `v2 ${share('catalog-v2')}%`);
});

test('probe is deterministic for a seed', (t) => {
  const run = () => {
    const io = capture();
    main(['probe', SHOP, '--from', 'shop/frontend', '--url', 'http://catalog:9080/', '--count', '50', '--seed', '7', '--json'], io);
    return io.stdout();
  };
  t.is(run(), run());
});

test('an external client reaches the shop through the ingress gateway Service; an unknown path is 404 NR', (t) => {
  const ok = capture();
  t.is(main(['probe', SHOP, '--from', 'external', '--url', 'http://istio-ingressgateway.istio-system/', '-H', 'Host: shop.example.com', '--json'], ok), 0);
  const result = JSON.parse(ok.stdout());
  t.is(result.status, 200);
  t.is(result.destination.workload, 'frontend');
  const other = capture();
  main(['probe', SHOP, '--from', 'external', '--url', 'http://istio-ingressgateway.istio-system/', '-H', 'Host: other.example.com', '--json'], other);
  t.like(JSON.parse(other.stdout()), { status: 404, flags: ['NR'], destination: null });
});

test('a workload that does not exist is bad input (exit 2) with the nearest names', (t) => {
  const io = capture();
  t.is(main(['probe', SHOP, '--from', 'shop/frontnd', '--url', 'http://catalog:9080/'], io), 2);
  t.regex(io.stderr(), /^meshsim: no workload shop\/frontnd in the mesh\..*Nearest: shop\/frontend/);
  t.notRegex(io.stderr(), /\n\s+at /);
});

test('a host that does not resolve is bad input (exit 2) with the nearest names', (t) => {
  const io = capture();
  t.is(main(['probe', SHOP, '--from', 'shop/frontend', '--url', 'http://catalgo:9080/'], io), 2);
  t.regex(io.stderr(), /the host "catalgo" does not resolve from namespace shop\..*Nearest: catalog/);
});

test('probe --batch answers one JSON line per request line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-'));
  try {
    const file = join(dir, 'requests.jsonl');
    writeFileSync(file, [
      JSON.stringify({ from: 'shop/frontend', url: 'http://catalog:9080/', headers: { 'x-canary': 'true' } }),
      JSON.stringify({ from: 'shop/frontend', url: 'http://orders:7070/', count: 3 }),
      JSON.stringify({ from: 'shop/nobody', url: 'http://orders:7070/' }),
    ].join('\n'));
    const io = capture();
    t.is(main(['probe', SHOP, '--batch', file], io), 0);
    const lines = io.stdout().trim().split('\n').map((l) => JSON.parse(l));
    t.is(lines.length, 3);
    t.is(lines[0].destination.subset, 'v2');
    t.is(lines[1].count, 3);
    t.like(lines[2], { line: 3 });
    t.regex(lines[2].error, /no workload shop\/nobody/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
