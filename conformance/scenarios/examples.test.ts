// The example scenarios (golden.ts), all but the 1,000-service ones (examples-scale.test.ts).
import test from 'ava';
import { EXAMPLES, SCALE_EXAMPLES, goldenTests } from './golden.ts';

test('there are example scenarios, the default and the scale ones among them', (t) => {
  t.true(EXAMPLES.includes('bookinfo-canary.yaml'));
  for (const file of SCALE_EXAMPLES) t.true(EXAMPLES.includes(file), file);
  t.true(EXAMPLES.length >= 6, EXAMPLES.join(', '));
});

goldenTests(EXAMPLES.filter((f) => !SCALE_EXAMPLES.includes(f)));
