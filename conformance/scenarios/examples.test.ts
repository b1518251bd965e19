// The example scenarios as golden runs: each passes its assertions, runs to the same bytes twice
// (also with its manifests shuffled), and a different seed gives different traffic.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Rng, Simulation } from '../../sim/index.ts';
import type { Scenario } from '../../sim/index.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { renderReportFiles } from '../../cli/report/write-report.ts';

const ROOT = path.resolve(import.meta.dirname, '../../scenarios');
const EXAMPLES = readdirSync(ROOT).filter((f) => f.endsWith('.yaml')).sort();

function load(file: string): Scenario {
  const loaded = loadScenario(path.join('scenarios', file));
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (loaded.scenario === null || errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
  return loaded.scenario;
}

function reportBytes(scenario: Scenario): string {
  return renderReportFiles(new Simulation(scenario).run()).map((f) => `${f.name}\n${f.content}`).join('\n');
}

/** The same manifests in another order: sources shuffled, and the documents inside each source too. */
function shuffled(scenario: Scenario, seed: number): Scenario {
  const rng = Rng.fromSeed(seed);
  const manifests = rng.shuffle(scenario.manifests).map((source) => {
    const docs = source.text.split(/^---$/m);
    return docs.length < 2 ? source : { ...source, text: rng.shuffle(docs).join('---\n') };
  });
  return { ...scenario, manifests };
}

test('there are example scenarios, the default among them', (t) => {
  t.true(EXAMPLES.includes('bookinfo-canary.yaml'));
  t.true(EXAMPLES.length >= 6, EXAMPLES.join(', '));
});

for (const file of EXAMPLES) {
  test(`${file}: every assertion holds`, (t) => {
    const record = new Simulation(load(file)).run();
    t.true(record.assertions.length > 0, 'an example asserts what it shows');
    for (const a of record.assertions) t.true(a.passed, `${a.name}: ${a.message}`);
  });

  test(`${file}: same seed, same bytes (also with the manifests shuffled)`, (t) => {
    const scenario = load(file);
    const first = reportBytes(scenario);
    t.is(reportBytes(scenario), first);
    t.is(reportBytes(shuffled(scenario, 11)), first);
  });

  test(`${file}: another seed, other traffic`, (t) => {
    const scenario = load(file);
    const a = new Simulation(scenario).run();
    const b = new Simulation({ ...scenario, seed: scenario.seed + 1 }).run();
    t.not(a.traceHash, b.traceHash);
  });
}
