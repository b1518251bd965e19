import test from 'ava';
import { formatMemoryUse, MemoryGuard, outOfMemoryMessage } from './memory-guard.ts';
import { EXIT, UserError } from './user-error.ts';

const GB = 2 ** 30;

function guardWith(samples: number[]): MemoryGuard {
  let next = 0;
  return new MemoryGuard('The run of big (big.yaml)', () => ({ used_heap_size: samples[Math.min(next++, samples.length - 1)]!, heap_size_limit: 4 * GB }));
}

test('two samples in a row above 90% of the heap limit stop the run with exit code 5 and a message that says what to do', (t) => {
  const guard = guardWith([1 * GB, 3.7 * GB, 3.8 * GB]);
  guard.sample(1_000_000);
  guard.sample(2_000_000);
  const error = t.throws(() => guard.sample(3_000_000), { instanceOf: UserError });
  t.is(error?.exitCode, EXIT.outOfMemory);
  t.regex(error?.message ?? '', /The run of big \(big\.yaml\) outgrew memory at 3\.0 s of virtual time/);
  t.regex(error?.message ?? '', /--max-old-space-size=8192/);
  t.regex(error?.message ?? '', /Sidecar/);
});

test('one sample above the limit (garbage not yet collected) does not stop the run', (t) => {
  const guard = guardWith([3.8 * GB, 2 * GB, 3.8 * GB, 1 * GB]);
  for (let i = 1; i <= 4; i += 1) t.notThrows(() => guard.sample(i * 1_000_000));
  t.is(guard.use().peakHeapBytes, 3.8 * GB);
});

test('the advice asks for at least twice the current limit', (t) => {
  t.regex(outOfMemoryMessage('x', 0, 15 * GB, 16 * GB), /--max-old-space-size=32768/);
});

test('memory use is reported per proxy and per pod', (t) => {
  const line = formatMemoryUse({ peakHeapBytes: 2000 * 1024 * 100, peakRssBytes: 500 * 2 ** 20 }, 2000, 4000);
  t.is(line, 'memory      peak heap 195 MB, peak RSS 500 MB, 100 KB per proxy (2000), 50 KB per pod (4000)');
});
