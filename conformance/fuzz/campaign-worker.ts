// The child side of a fuzz campaign (campaign.ts): runs the seed's cases (or the sweep's) from `start` on, telling the
// main thread when each starts (so it can time it) and how it ended, and shrinks each failure whose
// signature is new (minimize in targets.ts).
import fc from 'fast-check';
import { minimize, targetOf } from './targets.ts';
import type { TargetName } from './targets.ts';

const { target: name, seed, cases, start, known, sweep } = JSON.parse(process.argv[2]!) as { target: TargetName; seed: number; cases: number; start: number; known: string[]; sweep: boolean };
const target = targetOf(name);
const port = { postMessage: (message: unknown) => process.send!(message) };
const seen = new Set(known);
const all = sweep ? target.sweep() : fc.sample(target.arbitrary, { seed, numRuns: cases });
for (let index = start; index < cases; index += 1) {
  const c = all[index];
  port.postMessage({ type: 'start', index, shown: target.show(c) });
  const failure = target.run(c);
  port.postMessage({ type: 'result', index, signature: failure?.signature ?? null, detail: failure?.detail ?? '' });
  if (failure !== null && !seen.has(failure.signature)) {
    seen.add(failure.signature);
    port.postMessage({ type: 'shrunk', signature: failure.signature, shown: target.show(minimize(target, c, failure.signature)) });
  }
}
port.postMessage({ type: 'end' });
