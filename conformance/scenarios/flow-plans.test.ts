// Flow plans (sim/world/flow-plans.ts) against the reference path: a run with plans gives the same
// record as the run that walks every request, on the example scenarios and on generated meshes with
// churn, faults, weighted routes, fault injection and outlier detection; check mode compares every
// planned walk on the way. Each case also shows the plans were used, so a pass is not vacuous.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import fc from 'fast-check';
import { Simulation } from '../../sim/index.ts';
import type { Scenario } from '../../sim/index.ts';
import { loadScenario, loadScenarioText } from '../../scenarios/load-scenario.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../scenarios');

function scenarioOf(file: string, text?: string): Scenario {
  const loaded = text === undefined ? loadScenario(file) : loadScenarioText(file, text);
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return loaded.scenario;
}

/** The record with and without plans (and with plans in check mode), and how many attempts went by plan. */
function both(scenario: Scenario): { planned: string; walked: string; checked: string; byPlan: number } {
  const fast = new Simulation(scenario);
  const planned = JSON.stringify(fast.run());
  const walked = JSON.stringify(new Simulation(scenario, { flowPlans: false }).run());
  const checked = JSON.stringify(new Simulation(scenario, { check: true }).run());
  return { planned, walked, checked, byPlan: fast.plannedAttempts };
}

/** Equal records, or a failure that shows where they first differ (a record is too long to print whole). */
function same(t: ExecutionContext, actual: string, expected: string, what: string): void {
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at += 1;
  t.true(actual === expected, `${what} differs from the walk at character ${at}: …${actual.slice(Math.max(0, at - 80), at + 80)}… instead of …${expected.slice(Math.max(0, at - 80), at + 80)}…`);
}

const EXAMPLE_FILES = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort();

for (const file of EXAMPLE_FILES) {
  test(`${file}: the same record with flow plans, without them, and in check mode`, (t) => {
    const runs = both(scenarioOf(path.join(EXAMPLES, file)));
    same(t, runs.planned, runs.walked, 'the run with plans');
    same(t, runs.checked, runs.walked, 'the checked run');
  });
}

test('the example scenarios go by plan for most of their steady traffic', (t) => {
  const runs = both(scenarioOf(path.join(EXAMPLES, 'bookinfo-canary.yaml')));
  t.true(runs.byPlan > 1000, `${runs.byPlan} attempts by plan`);
});

test('the reference mesh, shortened: every attempt but the first few of each flow goes by plan, with the same record', (t) => {
  const text = fs.readFileSync(path.join(EXAMPLES, 'scale/reference-mesh.yaml'), 'utf8')
    .replace(/duration: \S+/, 'duration: 300ms\n  sampleInterval: 100ms')
    .replace(/services: 1000/, 'services: 100').replace(/flows: 700/, 'flows: 70');
  const runs = both(scenarioOf(path.join(EXAMPLES, 'scale/reference-mesh.yaml'), text));
  same(t, runs.planned, runs.walked, 'the run with plans');
  same(t, runs.checked, runs.walked, 'the checked run');
  const requests = (JSON.parse(runs.walked) as { requests: readonly { count: number }[] }).requests.reduce((sum, r) => sum + r.count, 0);
  t.true(runs.byPlan > 0.8 * requests, `${runs.byPlan} of ${requests} attempts by plan`);
});

/** An inline manifest of the generated mesh's namespace (ns-00), as a scenario's `manifests` entry. */
function inline(kind: 'VirtualService' | 'DestinationRule', name: string, spec: string): string {
  return `  - inline: |
      apiVersion: networking.istio.io/v1
      kind: ${kind}
      metadata: {name: ${name}, namespace: ns-00}
      spec: ${spec}`;
}

const HOST = (n: number): string => `svc-000${n}.ns-00.svc.cluster.local`;

/** Extras a generated mesh may carry: each changes what a walk does, and so whether and how a plan holds. */
const EXTRAS = {
  weighted: inline('VirtualService', 'split', `{hosts: [${HOST(1)}], http: [{route: [{destination: {host: ${HOST(1)}}, weight: 70}, {destination: {host: ${HOST(0)}}, weight: 30}]}]}`),
  fault: inline('VirtualService', 'abort', `{hosts: [${HOST(2)}], http: [{fault: {abort: {percentage: {value: 20}, httpStatus: 503}}, route: [{destination: {host: ${HOST(2)}}}]}]}`),
  outlier: inline('DestinationRule', 'eject', `{host: ${HOST(0)}, trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 5s}}}`),
  limits: inline('DestinationRule', 'limits', `{host: ${HOST(1)}, trafficPolicy: {connectionPool: {http: {http1MaxPendingRequests: 1, http2MaxRequests: 2}}}}`),
} as const;

const TIMELINE = {
  podChurn: '  - {at: 1s, fault: {podChurn: {rate: 5, duration: 2s}}}',
  configChurn: '  - {at: 1s, fault: {configChurn: {interval: 1s, duration: 2s}}}',
  delay: '  - {at: 1500ms, fault: {networkDelay: {workload: ns-00/svc-0000, delay: 30ms, duration: 1s}}}',
  loss: '  - {at: 1s, fault: {networkLoss: {workload: ns-00/svc-0001, loss: 30%, duration: 1s}}}',
  certificate: '  - {at: 2s, fault: {certificateExpiry: {workload: ns-00/svc-0002, duration: 500ms}}}',
  scale: '  - {at: 2s, scale: {workload: ns-00/svc-0001, replicas: 4}}',
} as const;

test('generated meshes: plans give the record the walk gives, with churn, faults and every kind of route', (t) => {
  let byPlan = 0;
  fc.assert(fc.property(
    fc.record({
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      services: fc.integer({ min: 3, max: 8 }),
      pods: fc.integer({ min: 1, max: 3 }),
      flows: fc.integer({ min: 1, max: 6 }),
      rate: fc.integer({ min: 20, max: 200 }),
      extras: fc.subarray(Object.keys(EXTRAS) as (keyof typeof EXTRAS)[]),
      timeline: fc.subarray(Object.keys(TIMELINE) as (keyof typeof TIMELINE)[]),
      strict: fc.boolean(),
    }),
    (mesh) => {
      const manifests = [
        ...(mesh.strict ? [`  - inline: |
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: {name: default, namespace: istio-system}
      spec: {mtls: {mode: STRICT}}`] : []),
        ...mesh.extras.map((e) => EXTRAS[e]),
      ];
      const text = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: generated}
spec:
  seed: ${mesh.seed}
  duration: 4s
  topology: {namespaces: 1, services: ${mesh.services}, podsPerService: ${mesh.pods}, port: 8080, traffic: {flows: ${Math.min(mesh.flows, mesh.services)}, rate: ${mesh.rate}}}
${manifests.length === 0 ? '' : `  manifests:\n${manifests.join('\n')}\n`}${mesh.timeline.length === 0 ? '' : `  timeline:\n${mesh.timeline.map((s) => TIMELINE[s]).join('\n')}\n`}`;
      const runs = both(scenarioOf(path.join(EXAMPLES, 'generated.yaml'), text));
      same(t, runs.planned, runs.walked, `the run with plans of\n${text}\n`);
      same(t, runs.checked, runs.walked, `the checked run of\n${text}\n`);
      byPlan += runs.byPlan;
    },
  ), { numRuns: 25, seed: 7 });
  t.true(byPlan > 1000, `${byPlan} attempts by plan over the generated meshes`);
});
