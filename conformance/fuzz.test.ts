// The fuzz campaign's bounded run inside the test suite. Mesh cases (conformance/fuzz/fuzz-case.ts):
// mutated meshes and probes through `meshsim validate` and `meshsim probe`, in-process. Scenario cases
// (conformance/fuzz/scenario-case.ts): mutated scenario files through `meshsim run`, in a child process
// with a time budget per case (campaign.ts). No case may end in an internal error, an exit code outside
// the contract, a hang, or two different answers to the same input. Fixed seeds, so a failure here is
// replayable; `npm run fuzz -- --target T --cases N --seed S` runs long campaigns with any seed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { main } from '../cli/main.ts';
import { runCampaign } from './fuzz/campaign.ts';
import { fuzzCase, judgeExit, runCase } from './fuzz/fuzz-case.ts';
import { baseScenarioCase, runScenarioCase } from './fuzz/scenario-case.ts';

const SEEDS = [20261207, 7, 424242];
const CASES_PER_SEED = 70;

for (const seed of SEEDS) {
  test(`fuzz: ${CASES_PER_SEED} mutated meshes and probes from seed ${seed} end in an answer or a diagnostic, the same one twice`, (t) => {
    const result = fc.check(fc.property(fuzzCase, (c) => {
      const failure = runCase(c);
      if (failure !== null) throw new Error(`${failure.signature}\n${failure.detail}\nprobe flags: ${c.probe.join(' ')}\nmanifests:\n${c.manifests}`);
    }), { numRuns: CASES_PER_SEED, seed });
    t.false(result.failed, result.failed ? `${String(result.errorInstance)}\n(replay: seed ${seed}, path ${result.counterexamplePath})` : '');
  });
}

for (const seed of [20261208, 99]) {
  test(`fuzz: 40 mutated scenarios from seed ${seed} run to a report or a diagnostic within 60 s each, the same bytes twice`, async (t) => {
    const { ran, findings } = await runCampaign({ target: 'scenario', cases: 40, seed, budgetMs: 60_000 });
    t.is(ran, 40);
    t.deepEqual(findings.map((f) => f.signature), [], findings.map((f) => `${f.signature}\n${f.detail}\n${f.shown}`).join('\n\n'));
  });
}

test('the scenario cases start from a valid scenario: unmutated, it loads, runs every assertion and writes the same report twice', (t) => {
  const base = baseScenarioCase();
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-fuzz-base-'));
  try {
    writeFileSync(join(dir, 'base.yaml'), base.text);
    let out = '';
    let err = '';
    const code = main(['run', join(dir, 'base.yaml'), '--out', join(dir, 'report'), '--quiet'], { out: (x) => { out += x; }, err: (x) => { err += x; } });
    t.true(code === 0 || code === 1, `exit ${code}: ${err}`);
    t.regex(out, /assertions\s+\d+ passed, \d+ failed/);
    t.is((/assertions\s+(\d+) passed, (\d+) failed/.exec(out) ?? []).slice(1).map(Number).reduce((a, b) => a + b, 0), 11, 'all eleven assertions evaluated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.is(runScenarioCase(base), null);
});

test('the campaign runner tells passing, failing and never-ending cases apart, and shrinks each failure', async (t) => {
  const { ran, findings } = await runCampaign({ target: 'canary', cases: 30, seed: 5, budgetMs: 1_000 });
  t.is(ran, 30);
  const signatures = findings.map((f) => f.signature).sort();
  t.true(signatures.includes('hang: no answer within 1000 ms'), signatures.join(', '));
  t.true(signatures.some((s) => /^canary: [78]$/.test(s)), signatures.join(', '));
  const eight = findings.find((f) => f.signature === 'canary: 8');
  if (eight !== undefined) t.is(eight.shown, 'case 8', 'a failure is shown as the smallest case failing the same way');
});

test('the judge of an exit: an internal error is grouped by its place with digits masked; an exit outside the contract fails; one inside passes', (t) => {
  const crash = judgeExit('probe', 4, 'meshsim: internal error: Cannot read x of null at line 12. This is a bug in meshsim, sorry.\n', [0, 1, 2]);
  t.is(crash?.signature, 'probe: Cannot read x of null at line N');
  t.is(judgeExit('run', 3, '', [0, 1, 2, 5])?.signature, 'run: exit 3');
  t.is(judgeExit('run', 5, 'out of memory', [0, 1, 2, 5]), null);
});
