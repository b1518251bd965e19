// The event loop's watchdog in whole runs: a scenario whose actors keep the loop busy without virtual
// time getting anywhere stops with StalledRunError, told in the scenario's terms (describeStall), and
// an ordinary run under the same lowered budget per virtual second does not trip it.
import path from 'node:path';
import test from 'ava';
import { Simulation, StalledRunError, describeStall } from '../../sim/index.ts';
import type { Scenario } from '../../sim/index.ts';
import { loadScenarioText } from '../../scenarios/load-scenario.ts';

const FILE = path.resolve(import.meta.dirname, '../../scenarios/watchdog-test.yaml');

function scenario(traffic: string): Scenario {
  const text = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: watchdog-test}
spec:
  seed: 1
  duration: 2s
  manifests:
  - inline: |
      apiVersion: v1
      kind: Namespace
      metadata: {name: default, labels: {istio-injection: enabled}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: default}
      spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: default}
      spec:
        selector: {matchLabels: {app: web}}
        template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: web}]}}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: client, namespace: default}
      spec:
        selector: {matchLabels: {app: client}}
        template: {metadata: {labels: {app: client}}, spec: {containers: [{name: c, image: c}]}}
  traffic:
  - ${traffic}`;
  const loaded = loadScenarioText(FILE, text);
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return loaded.scenario;
}

test('two thousand closed-loop callers whose requests fail at once crawl (2·10^6 attempts a virtual second): the density budget stops the run and names the traffic', (t) => {
  const s = scenario('{name: swarm, from: default/client, url: "http://missing/", concurrency: 2000}');
  const error = t.throws(() => new Simulation(s, { eventsPerSecondMax: 50_000 }).run(), { instanceOf: StalledRunError }) as StalledRunError;
  t.is(error.reason, 'density');
  t.true(error.atUs < 1_000_000, `tripped in the first virtual second, at ${error.atUs} µs`);
  t.regex(describeStall(error, s), /^the run crawls: more than 50,000 events in the virtual second from 0s to 1s, the last of traffic "swarm" \(from default\/client\)/);
});

test('the same budget leaves an ordinary load alone: about 100 requests a second for 2 s run to the end', (t) => {
  const s = scenario('{name: steady, from: default/client, url: "http://web/", rate: 100}');
  const record = new Simulation(s, { eventsPerSecondMax: 200_000 }).run();
  t.true(record.events > 400 && record.events < 200_000, `${record.events} events`);
  const requests = record.requests.reduce((sum, r) => sum + r.count, 0);
  t.true(requests > 150 && requests < 250, `${requests} requests (Poisson arrivals, about 200)`);
});
