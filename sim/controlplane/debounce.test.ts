import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { mergePushRequests, type PushRequest } from './debounce.ts';

const request = fc.record({
  full: fc.boolean(),
  configs: fc.array(fc.integer({ min: 0, max: 40 }).map((i) => `Endpoints/ns/s${i}`), { maxLength: 8 }),
  reasons: fc.array(fc.constantFrom('endpoint', 'config', 'service'), { maxLength: 3 }),
  firstEventUs: fc.nat({ max: 1_000_000 }),
}).map((r): PushRequest => ({ full: r.full, configs: new Set(r.configs), reasons: new Map(r.reasons.map((x) => [x, 1])), firstEventUs: r.firstEventUs }));

/** The merge written out eagerly: what the lazy union must give, order included. */
function eager(a: PushRequest, b: PushRequest): PushRequest {
  const reasons = new Map(a.reasons);
  for (const [reason, count] of b.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
  return { full: a.full || b.full, configs: new Set([...a.configs, ...b.configs]), reasons, firstEventUs: Math.min(a.firstEventUs, b.firstEventUs) };
}

// A queue's merges: each step merges an earlier result (or a fresh request) with a new one; some
// results are read along the way (built), others only at the end, as queued proxies' requests are.
testProp('merged requests equal the eager union in every field, whichever were read first', [
  fc.array(fc.tuple(request, fc.nat(), fc.boolean()), { minLength: 1, maxLength: 60 }),
], (t, steps) => {
  const lazy: PushRequest[] = [];
  const expected: PushRequest[] = [];
  for (const [fresh, pick, read] of steps) {
    const from = lazy.length === 0 ? null : pick % (lazy.length + 1);
    const left = from === null || from === lazy.length ? fresh : lazy[from]!;
    const leftExpected = from === null || from === lazy.length ? fresh : expected[from]!;
    const merged = mergePushRequests(left, fresh);
    if (read) void merged.configs.size;
    lazy.push(merged);
    expected.push(eager(leftExpected, fresh));
  }
  lazy.forEach((merged, i) => {
    t.deepEqual([...merged.configs], [...expected[i]!.configs], `configs of merge ${i}`);
    t.is(merged.full, expected[i]!.full);
    t.deepEqual([...merged.reasons], [...expected[i]!.reasons]);
    t.is(merged.firstEventUs, expected[i]!.firstEventUs);
  });
});

test('a chain of many merges is read without deep recursion', (t) => {
  let merged: PushRequest = { full: false, configs: new Set(['Endpoints/ns/s0']), reasons: new Map([['endpoint', 1]]), firstEventUs: 5 };
  for (let i = 1; i <= 100_000; i += 1) merged = mergePushRequests(merged, { full: false, configs: new Set([`Endpoints/ns/s${i % 500}`]), reasons: new Map([['endpoint', 1]]), firstEventUs: 10 + i });
  t.is(merged.configs.size, 500);
  t.is([...merged.configs][499], 'Endpoints/ns/s499');
  t.is(merged.reasons.get('endpoint'), 100_001);
  t.is(merged.firstEventUs, 5);
});
