// The example scenarios as golden runs, shared by examples.test.ts and examples-scale.test.ts: each
// example passes its assertions; rerun with its manifests shuffled it gives the same report bytes (so
// neither manifest order nor anything left over from the run before changes a run); with another seed
// its traffic differs. Three runs per example; the scale examples sit in their own file so the test
// runner works on them beside everything else.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { Rng, Simulation } from '../../sim/index.ts';
import type { RunRecord, Scenario } from '../../sim/index.ts';
import { loadScenario } from '../../scenarios/load-scenario.ts';
import { renderReportFiles } from '../../cli/report/write-report.ts';

const ROOT = path.resolve(import.meta.dirname, '../../scenarios');
export const EXAMPLES = readdirSync(ROOT).filter((f) => f.endsWith('.yaml')).sort();
/** 1,000-service examples: seconds per run. */
export const SCALE_EXAMPLES = ['push-storm.yaml', 'push-storm-short-debounce.yaml'];

function load(file: string): Scenario {
  const loaded = loadScenario(path.join('scenarios', file));
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (loaded.scenario === null || errors.length > 0) throw new Error(`${file}: ${errors.map((d) => d.message).join('; ')}`);
  return loaded.scenario;
}

function reportBytes(record: RunRecord): string {
  return renderReportFiles(record).map((f) => `${f.name}\n${f.content}`).join('\n');
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

export function goldenTests(files: readonly string[]): void {
  const runs = new Map<string, { scenario: Scenario; record: RunRecord }>();
  const first = (file: string) => {
    let run = runs.get(file);
    if (run === undefined) {
      const scenario = load(file);
      runs.set(file, (run = { scenario, record: new Simulation(scenario).run() }));
    }
    return run;
  };
  for (const file of files) {
    test.serial(`${file}: every assertion holds`, (t) => {
      const { record } = first(file);
      t.true(record.assertions.length > 0, 'an example asserts what it shows');
      for (const a of record.assertions) t.true(a.passed, `${a.name}: ${a.message}`);
    });

    test.serial(`${file}: same seed, same bytes (also with the manifests shuffled)`, (t) => {
      const { scenario, record } = first(file);
      t.is(reportBytes(new Simulation(shuffled(scenario, 11)).run()), reportBytes(record));
    });

    test.serial(`${file}: another seed, other traffic`, (t) => {
      const { scenario, record } = first(file);
      t.not(new Simulation({ ...scenario, seed: scenario.seed + 1 }).run().traceHash, record.traceHash);
    });
  }
}
