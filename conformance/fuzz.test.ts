// The fuzz campaign's bounded run inside the test suite: mutated meshes and probes
// (conformance/fuzz/fuzz-case.ts) through `meshsim validate` and `meshsim probe`, each probed twice.
// No case may end in an internal error, an exit code outside 0/1/2, or two different answers to the
// same input. Fixed seeds, so a failure here is replayable; `npm run fuzz -- --cases N --seed S` runs
// long campaigns with any seed and prints each failure's smallest example.
import test from 'ava';
import fc from 'fast-check';
import { fuzzCase, runCase } from './fuzz/fuzz-case.ts';

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
