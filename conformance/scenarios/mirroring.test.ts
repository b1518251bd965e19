// Request mirroring in runs, on the bookinfo mesh: productpage calls reviews, whose VirtualService
// mirrors to a v2 that fails every request. Envoy's rules held here (router.cc, shadow_writer_impl.cc):
// the copy is fire-and-forget (its failure never reaches the original), it is sent once per downstream
// request (never again on a retry) from the proxy that routed the request, and it carries `-shadow`
// on its host, which the recorded request's destinationService shows.
import path from 'node:path';
import test from 'ava';
import { Simulation } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { loadScenarioText } from '../../scenarios/load-scenario.ts';

const FILE = path.resolve(import.meta.dirname, '../../scenarios/mirroring-test.yaml');
const REVIEWS = 'reviews.default.svc.cluster.local';

/** A 20 s bookinfo run: shoppers at 20/s through the ingress, productpage calling reviews; `vs` is the reviews VirtualService's http list. */
function run(vs: string, apps = ''): RunRecord {
  const text = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: mirroring-test}
spec:
  seed: 1
  duration: 20s
  manifests:
  - path: meshes/bookinfo
  - inline: |
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews, namespace: default}
      spec:
        hosts: [reviews]
        http:
${vs.split('\n').map((l) => `        ${l}`).join('\n')}
  apps:
  - {workload: default/productpage-v1, serviceTime: 2ms, calls: [{url: "http://reviews:9080/reviews/0"}]}
  - {workload: default/reviews-v2, serviceTime: 3ms, errorRate: "100%"}
${apps}  traffic:
  - {name: shoppers, from: external, url: "http://istio-ingressgateway.istio-system/productpage", rate: 20}`;
  const loaded = loadScenarioText(FILE, text);
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return new Simulation(loaded.scenario).run();
}

/** Requests recorded with these labels (any field left out matches anything). */
function count(record: RunRecord, match: { source?: string; destination?: string; destinationService?: string; code?: number }): number {
  return record.requests
    .filter((r) => (match.source === undefined || r.source === match.source) && (match.destination === undefined || r.destination === match.destination)
      && (match.destinationService === undefined || r.destinationService === match.destinationService) && (match.code === undefined || r.code === match.code))
    .reduce((sum, r) => sum + r.count, 0);
}

const MIRROR_ALL = `- route: [{destination: {host: reviews, subset: v1}}]
  mirror: {host: reviews, subset: v2}`;

test('a 100% mirror to a v2 that fails every request: clients see 100% success, v2 gets about as many requests as v1, all recorded failures with the -shadow host', (t) => {
  const record = run(MIRROR_ALL);
  const shoppers = count(record, { source: 'external' });
  t.true(shoppers > 300, `${shoppers} shopper requests`);
  t.is(count(record, { source: 'external', code: 200 }), shoppers, 'every shopper request succeeds');
  const primary = count(record, { source: 'default/productpage-v1', destination: 'default/reviews-v1' });
  t.is(count(record, { source: 'default/productpage-v1', destination: 'default/reviews-v1', destinationService: REVIEWS, code: 200 }), primary, 'every original call to reviews succeeds at v1');
  const shadows = count(record, { destination: 'default/reviews-v2' });
  t.true(Math.abs(shadows - primary) <= 3, `v2 got ${shadows} copies of ${primary} originals`);
  t.is(count(record, { source: 'default/productpage-v1', destination: 'default/reviews-v2', destinationService: 'reviews-shadow', code: 500 }), shadows,
    'every copy leaves productpage\'s sidecar, fails at v2, and carries the -shadow host');
  t.is(count(record, { destination: 'default/reviews-v3' }), 0);
});

test('the copy is sent once per downstream request, not per retry, and is itself never retried', (t) => {
  // v1 fails half its requests and the route retries 5xx up to 3 times: about 1.9 attempts per call.
  const record = run(`- route: [{destination: {host: reviews, subset: v1}}]
  mirror: {host: reviews, subset: v2}
  retries: {attempts: 3, retryOn: 5xx}`, '  - {workload: default/reviews-v1, errorRate: "50%"}\n');
  const calls = count(record, { source: 'default/productpage-v1', destinationService: REVIEWS });
  const failedAfterRetries = count(record, { source: 'default/productpage-v1', destinationService: REVIEWS, code: 500 });
  t.true(failedAfterRetries > 0 && failedAfterRetries < calls / 8, `${failedAfterRetries} of ${calls} calls failed after their retries`);
  const shadows = count(record, { destination: 'default/reviews-v2' });
  t.true(Math.abs(shadows - calls) <= 3, `v2 got ${shadows} copies for ${calls} calls (per attempt it would be ~${Math.round(calls * 1.9)})`);
});

test('a 50% mirror shadows about half the calls; without a mirror v2 gets nothing', (t) => {
  const half = run(`${MIRROR_ALL}\n  mirrorPercentage: {value: 50}`);
  const calls = count(half, { source: 'default/productpage-v1', destination: 'default/reviews-v1' });
  const shadows = count(half, { destination: 'default/reviews-v2' });
  t.true(shadows > calls * 0.4 && shadows < calls * 0.6, `${shadows} copies of ${calls} calls`);
  const none = run('- route: [{destination: {host: reviews, subset: v1}}]');
  t.is(count(none, { destination: 'default/reviews-v2' }), 0);
});

test('a gateway route that mirrors sends the copy from the gateway pod, with the gateway host -shadow', (t) => {
  // Add a mirror to the shop's own gateway route: each shopper request is also copied to details.
  const text = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: mirroring-gateway-test}
spec:
  seed: 1
  duration: 10s
  manifests:
  - path: meshes/bookinfo
  - inline: |
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: bookshop, namespace: default}
      spec:
        hosts: ["*"]
        gateways: [bookshop-gateway]
        http:
        - match: [{uri: {exact: /productpage}}]
          route: [{destination: {host: productpage, port: {number: 9080}}}]
          mirror: {host: details, port: {number: 9080}}
  traffic:
  - {name: shoppers, from: external, url: "http://istio-ingressgateway.istio-system/productpage", rate: 20}`;
  const loaded = loadScenarioText(FILE, text);
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => d.message).join('\n'));
  const record = new Simulation(loaded.scenario).run();
  const shoppers = count(record, { source: 'external', code: 200 });
  const copies = count(record, { source: 'istio-system/istio-ingressgateway', destination: 'default/details-v1', destinationService: 'istio-ingressgateway.istio-system-shadow', code: 200 });
  t.true(shoppers > 150 && Math.abs(copies - shoppers) <= 3, `${copies} copies of ${shoppers} shopper requests`);
});
