// `npm run fuzz -- [--cases N] [--seed S]`: the fuzz campaign outside the test suite. Runs N generated
// cases (conformance/fuzz/fuzz-case.ts) from seed S, groups what went wrong by signature, and prints
// each signature once with the smallest case fast-check shrank it to (manifests and probe flags), so it
// can be replayed by hand. Exits 1 when anything went wrong, 0 otherwise.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { fuzzCase, runCase } from '../conformance/fuzz/fuzz-case.ts';
import type { FuzzCase, FuzzFailure } from '../conformance/fuzz/fuzz-case.ts';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(Date.now() % 2 ** 31) } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [--cases N] [--seed S]');
  process.exit(2);
}

const found = new Map<string, { failure: FuzzFailure; example: FuzzCase; count: number }>();
let ran = 0;
fc.assert(fc.property(fuzzCase, (c) => {
  ran += 1;
  const failure = runCase(c);
  if (failure === null) return true;
  const known = found.get(failure.signature);
  if (known === undefined || c.manifests.length < known.example.manifests.length) found.set(failure.signature, { failure, example: c, count: (known?.count ?? 0) + 1 });
  else known.count += 1;
  return true; // keep going: every signature is collected, each with its smallest example
}), { numRuns: cases, seed });

console.log(`fuzz: ${ran} cases from seed ${seed}, ${found.size} distinct failure(s)`);
for (const [signature, { failure, example, count }] of found) {
  console.log(`\n== ${signature} (${count} case(s))\n${failure.detail.trim()}\nprobe flags: ${example.probe.join(' ')}\nbatch lines:\n${example.batch}manifests:\n${example.manifests}`);
}
process.exit(found.size === 0 ? 0 : 1);
