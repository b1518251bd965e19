// A scenario written inline in a test, run to its record: the header (apiVersion, kind, name, seed 1)
// around the test's spec lines, loaded as if from scenarios/<name>.yaml (manifest paths resolve there).
import path from 'node:path';
import { Simulation } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { loadScenarioText } from '../../scenarios/load-scenario.ts';

/** `spec`: the lines under `spec:` after the seed, indented by two spaces. Throws with the diagnostics when it does not load. */
export function runScenarioText(name: string, spec: string): RunRecord {
  const text = `apiVersion: meshsim.io/v1alpha1
kind: Scenario
metadata: {name: ${name}}
spec:
  seed: 1
${spec}`;
  const loaded = loadScenarioText(path.resolve(import.meta.dirname, `../../scenarios/${name}.yaml`), text);
  if (loaded.scenario === null) throw new Error(loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return new Simulation(loaded.scenario).run();
}
