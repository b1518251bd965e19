// `npm run fuzz -- [--target mesh|scenario|all] [--cases N] [--seed S] [--budget MS] [--sweep]`: the fuzz
// campaign outside the test suite. With --sweep, instead of N random cases, every single mutation of the
// valid input (each path, each family of wrong value) runs once. Runs N generated cases of each target (conformance/fuzz/) from seed
// S, each in a worker thread with a wall-time budget (a case past it is a hang), groups what went wrong
// by signature, and prints each signature once with the smallest case it was shrunk to, so it can be
// replayed by hand. Exits 1 when anything went wrong, 0 otherwise.
import { parseArgs } from 'node:util';
import { runCampaign } from '../conformance/fuzz/campaign.ts';
import type { TargetName } from '../conformance/fuzz/targets.ts';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'all' },
    cases: { type: 'string', default: '1000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    budget: { type: 'string', default: '60000' },
    sweep: { type: 'boolean', default: false },
  },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const budgetMs = Number(values.budget);
const targets: TargetName[] = values.target === 'all' ? ['mesh', 'scenario'] : [values.target as TargetName];
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed) || !Number.isSafeInteger(budgetMs) || budgetMs < 1
  || !targets.every((t) => t === 'mesh' || t === 'scenario')) {
  console.error('usage: npm run fuzz -- [--target mesh|scenario|all] [--cases N] [--seed S] [--budget MS] [--sweep]');
  process.exit(2);
}

let failed = false;
for (const target of targets) {
  const started = performance.now();
  const total = values.sweep ? 'sweep' : cases;
  const { ran, findings } = await runCampaign({
    target, cases, seed, budgetMs, sweep: values.sweep,
    progress: (done) => { if (done % 100 === 0) process.stderr.write(`fuzz ${target}: ${done}/${total}\n`); },
  });
  const seconds = Math.round((performance.now() - started) / 1000);
  console.log(`fuzz ${target}: ${ran} cases ${values.sweep ? 'of the sweep' : `from seed ${seed}`} in ${seconds} s, ${findings.length} distinct failure(s)`);
  for (const f of findings) {
    console.log(`\n== ${f.signature} (${f.count} case(s); first: case ${f.caseIndex}${f.shrunk ? ', shrunk' : ''})\n${f.detail.trim()}\n${f.shown}`);
  }
  failed ||= findings.length > 0;
}
process.exit(failed ? 1 : 0);
