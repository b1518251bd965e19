import test from 'ava';
import { Recorder } from './recorder.ts';
import type { FinishedRequest } from './recorder.ts';

function finished(endUs: number, code: number, destination = 'ns/b', flags: readonly string[] = []): FinishedRequest {
  return { endUs, durationUs: 1000, source: 'ns/a', destination, destinationService: 'b.ns.svc.cluster.local', code, flags };
}

/** The same requests, recorded with and without `alike` objects, give the same counts and trace hash. */
function recordAll(requests: readonly FinishedRequest[], alike: (index: number) => object | undefined): { counts: string; hash: string; selected: number } {
  const recorder = new Recorder(1_000_000);
  requests.forEach((r, i) => recorder.request(r, alike(i)));
  return {
    counts: JSON.stringify(recorder.requestCounts()),
    hash: recorder.traceHash(),
    selected: recorder.requestsWhere((l) => l.code === 503 && l.flags.includes('UF'), 0, 2_000_000).length,
  };
}

test('a shared `alike` object never puts a request in another label set than its own', (t) => {
  const requests = [
    finished(10, 200), finished(20, 503, 'ns/b', ['UF']), finished(30, 200, 'ns/c'), finished(1_500_000, 200), finished(1_600_000, 503, 'ns/b', ['UF', 'URX']),
  ];
  const shared = {};
  const plain = recordAll(requests, () => undefined);
  const alike = recordAll(requests, () => shared);
  t.deepEqual(alike, plain);
  t.is(plain.selected, 2);
  t.is((JSON.parse(plain.counts) as unknown[]).length, 5);
});

test('the trace hash tells apart requests that differ in any label, end, duration or sample interval, and the order of label sets', (t) => {
  const hashOf = (requests: readonly FinishedRequest[], sampleUs = 1_000_000) => {
    const recorder = new Recorder(sampleUs);
    for (const r of requests) recorder.request(r);
    return recorder.traceHash();
  };
  const base = [finished(10, 200), finished(20, 503, 'ns/b', ['UF']), finished(30, 200)];
  const variants = [
    [finished(10, 200), finished(20, 503, 'ns/c', ['UF']), finished(30, 200)],
    [finished(10, 200), finished(20, 503, 'ns/b', ['URX']), finished(30, 200)],
    [finished(10, 201), finished(20, 503, 'ns/b', ['UF']), finished(30, 201)],
    [finished(10, 200), finished(21, 503, 'ns/b', ['UF']), finished(30, 200)],
    [{ ...finished(10, 200), durationUs: 999 }, finished(20, 503, 'ns/b', ['UF']), finished(30, 200)],
    [finished(10, 503, 'ns/b', ['UF']), finished(20, 200), finished(30, 200)],
  ];
  const hashes = new Set([hashOf(base), ...variants.map((v) => hashOf(v)), hashOf(base, 500_000)]);
  t.is(hashes.size, variants.length + 2);
  t.is(hashOf(base), hashOf([...base]));
});
