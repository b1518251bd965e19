// The resilience examples can fail: the same runs without their DestinationRule break the assertions
// that show outlier detection and circuit breaking, and a seed change keeps them holding.
import path from 'node:path';
import test from 'ava';
import { Simulation } from '../../sim/index.ts';
import type { Scenario } from '../../sim/index.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';

const ROOT = path.resolve(import.meta.dirname, '../../scenarios');

function load(file: string): Scenario {
  const loaded = loadScenario(path.join(ROOT, file));
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return loaded.scenario;
}

/** The scenario without its DestinationRule document (the inline manifests end with it). */
function withoutDestinationRule(scenario: Scenario): Scenario {
  const manifests = scenario.manifests.map((source) => {
    const docs = source.text.split(/^---$/m);
    return { ...source, text: docs.filter((doc) => !/kind: DestinationRule/.test(doc)).join('---') };
  });
  if (manifests.every((m, i) => m.text === scenario.manifests[i]?.text)) throw new Error(`${scenario.name}: no DestinationRule to remove`);
  return { ...scenario, manifests };
}

function results(scenario: Scenario): Map<string, boolean> {
  return new Map(new Simulation(scenario).run().assertions.map((a) => [a.name, a.passed]));
}

test('outlier-detection: without the DestinationRule the bad pod keeps failing a quarter of the requests', (t) => {
  const run = new Simulation(withoutDestinationRule(load('outlier-detection.yaml'))).run();
  const failed = run.assertions.filter((a) => !a.passed).map((a) => a.name);
  t.true(failed.includes('while ejected it gets no request'));
  t.true(failed.includes('and every reader succeeds'));
  const errors = run.requests.filter((r) => r.destination === 'default/reviews-bad' && r.code === 500).reduce((sum, r) => sum + r.count, 0);
  const total = run.requests.reduce((sum, r) => sum + r.count, 0);
  t.true(errors > total / 6, `${errors} of ${total}`);
});

test('circuit-breaking: without the DestinationRule nothing is shed', (t) => {
  const passed = results(withoutDestinationRule(load('circuit-breaking.yaml')));
  t.false(passed.get('most requests to the limited service are shed with 503 UO'));
  t.false(passed.get('only about 15% get through (what one connection carries)'));
  t.true(passed.get('without a connection pool limit, the same load sees no 503 UO'));
});

for (const file of ['outlier-detection.yaml', 'circuit-breaking.yaml']) {
  test(`${file}: the assertions hold for other seeds too`, (t) => {
    for (const seed of [2, 3]) {
      for (const [name, passed] of results({ ...load(file), seed })) t.true(passed, `seed ${seed}: ${name}`);
    }
  });
}
