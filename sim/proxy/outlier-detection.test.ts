import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import { endpoint } from './fixtures.ts';
import {
  ENVOY_OUTLIER_DEFAULTS, createOutlierDetector, isEjected, loadBalancingHosts, onIntervalTimer, outlierDetectionRejection,
  outlierDetectionSettings, outlierHostKey, panicThresholdPercent, recordResult, runSweeps, syncHosts,
} from './outlier-detection.ts';
import type { OutlierDetectionSettings, OutlierDetector, OutlierEvent, OutlierResult } from './outlier-detection.ts';

const S = 1_000_000;
const hosts = (n: number) => Array.from({ length: n }, (_, index) => `10.0.0.${index + 1}:80`);
const http = (status: number): OutlierResult => ({ kind: 'http', status });

function settings(overrides: Partial<OutlierDetectionSettings> = {}): OutlierDetectionSettings {
  return { ...ENVOY_OUTLIER_DEFAULTS, maxEjectionPercent: 100, ...overrides };
}

function load(detector: OutlierDetector, host: string, count: number, result: OutlierResult, atUs: number, rng = Rng.fromSeed(1)): OutlierEvent[] {
  const events: OutlierEvent[] = [];
  for (let i = 0; i < count; i += 1) events.push(...recordResult(detector, host, result, atUs, rng));
  return events;
}

test('a cluster’s outlier_detection: unset fields take Envoy’s defaults, set ones (0 included) win', (t) => {
  t.deepEqual(outlierDetectionSettings({}), ENVOY_OUTLIER_DEFAULTS);
  // What Istio sends for consecutive5xxErrors 1, consecutiveGatewayErrors 3, interval 1s, baseEjectionTime 3m, maxEjectionPercent 100.
  const s = outlierDetectionSettings({
    enforcingSuccessRatePercent: 0, consecutive5xx: 1, enforcingConsecutive5xxPercent: 100, consecutiveGatewayFailure: 3,
    enforcingConsecutiveGatewayFailurePercent: 100, intervalUs: S, baseEjectionTimeUs: 3 * 60 * S, maxEjectionPercent: 100,
  });
  t.like(s, {
    consecutive5xx: 1, enforcingConsecutive5xxPercent: 100, consecutiveGatewayFailure: 3, enforcingConsecutiveGatewayFailurePercent: 100,
    intervalUs: S, baseEjectionTimeUs: 180 * S, maxEjectionPercent: 100, maxEjectionTimeUs: 300 * S, splitExternalLocalOriginErrors: false,
  });
  t.like(outlierDetectionSettings({ consecutive5xx: 0, enforcingConsecutive5xxPercent: 0 }), { consecutive5xx: 0, enforcingConsecutive5xxPercent: 0, maxEjectionPercent: 10 });
});

test('Envoy rejects a baseEjectionTime above the (unset, 300 s) max_ejection_time', (t) => {
  t.is(outlierDetectionRejection(outlierDetectionSettings({ baseEjectionTimeUs: 300 * S })), null);
  t.regex(outlierDetectionRejection(outlierDetectionSettings({ baseEjectionTimeUs: 301 * S })) ?? '', /max_ejection_time cannot be smaller/);
  t.throws(() => createOutlierDetector(settings({ baseEjectionTimeUs: 400 * S }), 0, []), { instanceOf: AssertionError });
  t.not(outlierDetectionRejection(settings({ intervalUs: 0 })), null);
});

test('panic threshold: the cluster’s healthy_panic_threshold, else Envoy’s 50%', (t) => {
  t.is(panicThresholdPercent({}), 50);
  t.is(panicThresholdPercent({ healthyPanicThresholdPercent: 0 }), 0);
  t.is(panicThresholdPercent({ healthyPanicThresholdPercent: 30 }), 30);
});

test('consecutive 5xx: the 5th 500 in a row ejects; a success in between starts over', (t) => {
  const d = createOutlierDetector(settings(), 0, hosts(2));
  const [a] = hosts(1) as [string];
  t.deepEqual(load(d, a, 4, http(500), 0), []);
  load(d, a, 1, http(200), 0);
  t.deepEqual(load(d, a, 4, http(500), 0), []);
  const events = load(d, a, 1, http(500), 0);
  t.deepEqual(events, [{ kind: 'ejected', host: a, reason: 'consecutive-5xx', atUs: 0, ejectedForUs: 30 * S, ejections: 1 }]);
  t.true(isEjected(d, a, 0));
  t.is(d.ejectedCount, 1);
});

test('gateway failures are off by default (enforcing 0): 5 × 503 is detected, not enforced, then the 5xx rule ejects', (t) => {
  const d = createOutlierDetector(settings(), 0, hosts(2));
  const a = hosts(1)[0] as string;
  const events = load(d, a, 5, http(503), 0);
  t.deepEqual(events.map((event) => [event.kind, 'reason' in event ? event.reason : '']), [
    ['not-enforced', 'consecutive-gateway-failure'],
    ['ejected', 'consecutive-5xx'],
  ]);
});

test('consecutive gateway failures (Istio consecutiveGatewayErrors): 502/503/504 count, a 500 clears the gateway counter', (t) => {
  const d = createOutlierDetector(outlierDetectionSettings({ consecutiveGatewayFailure: 2, enforcingConsecutiveGatewayFailurePercent: 100, consecutive5xx: 0, enforcingConsecutive5xxPercent: 0, maxEjectionPercent: 100 }), 0, hosts(1));
  const a = hosts(1)[0] as string;
  load(d, a, 1, http(502), 0);
  load(d, a, 1, http(500), 0);
  t.deepEqual(load(d, a, 1, http(504), 0), []);
  t.is(load(d, a, 1, { kind: 'timeout' }, 0)[0]?.kind, 'ejected');
});

test('without the split, connect failures count as 503 and timeouts as 504', (t) => {
  const d = createOutlierDetector(settings({ consecutive5xx: 3 }), 0, hosts(1));
  const a = hosts(1)[0] as string;
  load(d, a, 1, { kind: 'connect-failed' }, 0);
  load(d, a, 1, { kind: 'connect-success' }, 0); // not mapped to an HTTP code: changes nothing
  load(d, a, 1, { kind: 'timeout' }, 0);
  t.is(load(d, a, 1, { kind: 'connect-failed' }, 0)[0]?.kind, 'ejected');
});

test('with the split, local-origin failures have their own counter, which a response (a working connection) clears', (t) => {
  const d = createOutlierDetector(outlierDetectionSettings({ splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 2, enforcingConsecutiveLocalOriginFailurePercent: 100, maxEjectionPercent: 100 }), 0, hosts(1));
  const a = hosts(1)[0] as string;
  const counters = () => [d.hosts.get(a)?.consecutive5xx, d.hosts.get(a)?.consecutiveLocalOriginFailure];
  load(d, a, 1, { kind: 'connect-failed' }, 0);
  t.deepEqual(counters(), [0, 1]); // not a 5xx in split mode
  load(d, a, 4, http(500), 0);
  t.deepEqual(counters(), [4, 0]); // 5xx counted; the connection worked
  load(d, a, 1, { kind: 'connect-failed' }, 0);
  t.deepEqual(counters(), [4, 1]); // a local failure leaves the 5xx counter alone
  const events = load(d, a, 1, { kind: 'timeout' }, 0);
  t.deepEqual(events.map((event) => event.kind === 'ejected' && event.reason), ['consecutive-local-origin-failure']);
  t.deepEqual(counters(), [4, 0]);
});

test('Envoy MaxEjectionPercentage: 50% of 3 hosts ejects only the first', (t) => {
  const d = createOutlierDetector(settings({ maxEjectionPercent: 50 }), 0, hosts(3));
  const events = hosts(3).flatMap((host) => load(d, host, 5, http(500), 0));
  t.deepEqual(events.map((event) => event.kind), ['ejected', 'ejection-overflow', 'ejection-overflow']);
  t.is(d.ejectedCount, 1);
});

test('Envoy MaxEjectionPercentageSingleHost: one host under a 90% cap is never ejected; Istio’s default 10% needs 10 hosts', (t) => {
  const single = createOutlierDetector(settings({ maxEjectionPercent: 90 }), 0, hosts(1));
  t.is(load(single, hosts(1)[0] as string, 5, http(500), 0)[0]?.kind, 'ejection-overflow');
  const nine = createOutlierDetector(outlierDetectionSettings({}), 0, hosts(9));
  t.is(load(nine, hosts(9)[0] as string, 5, http(500), 0)[0]?.kind, 'ejection-overflow');
  const ten = createOutlierDetector(outlierDetectionSettings({}), 0, hosts(10));
  t.is(load(ten, hosts(10)[0] as string, 5, http(500), 0)[0]?.kind, 'ejected');
  t.is(load(ten, hosts(10)[1] as string, 5, http(500), 0)[0]?.kind, 'ejection-overflow');
});

test('always_eject_one_host lets the first ejection past the cap, not the second', (t) => {
  const d = createOutlierDetector(settings({ maxEjectionPercent: 10, alwaysEjectOneHost: true }), 0, hosts(2));
  t.is(load(d, hosts(2)[0] as string, 5, http(500), 0)[0]?.kind, 'ejected');
  t.is(load(d, hosts(2)[1] as string, 5, http(500), 0)[0]?.kind, 'ejection-overflow');
});

test('an ejected host keeps counting without new events; unejection clears its counters', (t) => {
  const d = createOutlierDetector(settings(), 0, hosts(1));
  const a = hosts(1)[0] as string;
  load(d, a, 5, http(500), 0);
  t.deepEqual(load(d, a, 7, http(500), S), []);
  t.is(d.hosts.get(a)?.consecutive5xx, 7);
  const events = runSweeps(d, 30 * S);
  t.deepEqual(events, [{ kind: 'unejected', host: a, atUs: 30 * S }]);
  t.is(d.hosts.get(a)?.consecutive5xx, 0);
});

test('Envoy EjectTimeBackoff: 10 s, 20 s, 30 s ejections; two healthy sweeps bring it back to 20 s; a long quiet to 10 s', (t) => {
  const d = createOutlierDetector(settings({ baseEjectionTimeUs: 10 * S }), 0, hosts(1));
  const a = hosts(1)[0] as string;
  const ejectAt = (atUs: number) => t.is(load(d, a, 5, http(500), atUs).at(-1)?.kind, 'ejected', `ejection at ${atUs / S}s`);
  const ejectedAt = (atUs: number) => isEjected(d, a, atUs);
  ejectAt(0);
  t.true(ejectedAt(9 * S));
  t.false(ejectedAt(10 * S));
  ejectAt(10 * S);
  t.true(ejectedAt(20 * S));
  t.false(ejectedAt(30 * S));
  ejectAt(30 * S);
  t.true(ejectedAt(50 * S));
  t.false(ejectedAt(60 * S));
  runSweeps(d, 80 * S); // sweeps at 70 s and 80 s find it healthy: back-off 3 → 1
  ejectAt(80 * S); // back-off 2: 20 s
  t.true(ejectedAt(90 * S));
  t.false(ejectedAt(100 * S));
  ejectAt(610 * S); // 51 healthy sweeps later the back-off is 0 again: 10 s
  t.false(ejectedAt(620 * S));
});

test('the ejection time grows to max_ejection_time and no further', (t) => {
  const d = createOutlierDetector(settings({ baseEjectionTimeUs: 30 * S, maxEjectionTimeUs: 100 * S, intervalUs: S }), 0, hosts(1));
  const a = hosts(1)[0] as string;
  const durations: number[] = [];
  let now = 0;
  for (let i = 0; i < 6; i += 1) {
    const event = load(d, a, 5, http(500), now).find((e) => e.kind === 'ejected');
    if (event?.kind !== 'ejected') throw new Error('expected an ejection');
    durations.push(event.ejectedForUs / S);
    now += event.ejectedForUs;
    t.false(isEjected(d, a, now));
  }
  t.deepEqual(durations, [30, 60, 90, 100, 100, 100]);
});

test('jitter adds whole milliseconds in 0..max_ejection_time_jitter', (t) => {
  const rng = Rng.fromSeed(4);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i += 1) {
    const d = createOutlierDetector(settings({ maxEjectionTimeJitterUs: 13_000 }), 0, hosts(1));
    const event = load(d, hosts(1)[0] as string, 5, http(500), 0, rng)[0];
    if (event?.kind !== 'ejected') throw new Error('expected an ejection');
    const jitterUs = event.ejectedForUs - 30 * S;
    t.true(jitterUs >= 0 && jitterUs <= 13_000 && jitterUs % 1_000 === 0);
    seen.add(jitterUs);
  }
  t.is(seen.size, 14);
});

test('a removed ejected host no longer counts; results for unknown hosts are dropped', (t) => {
  const d = createOutlierDetector(settings(), 0, hosts(2));
  const [a, b] = hosts(2) as [string, string];
  load(d, a, 5, http(500), 0);
  syncHosts(d, [b, 'new:80']);
  t.is(d.ejectedCount, 0);
  t.deepEqual([...d.hosts.keys()], [b, 'new:80']);
  t.deepEqual(load(d, a, 5, http(500), 0), []);
  t.false(isEjected(d, a, 0));
});

test('panic: below the threshold the load balancer uses every host, ejected and unhealthy included', (t) => {
  const eps = [endpoint('10.0.0.1', 80), endpoint('10.0.0.2', 80), endpoint('10.0.0.3', 80, { healthy: false })];
  const ejected = new Set(['10.0.0.1:80']);
  const isOut = (e: (typeof eps)[number]) => ejected.has(outlierHostKey(e));
  // 1 of 3 healthy = 33% < 50%: panic.
  t.deepEqual(loadBalancingHosts(eps, isOut, 50), { hosts: eps, panic: true });
  // Istio with outlier detection: threshold 0, never panic.
  t.deepEqual(loadBalancingHosts(eps, isOut, 0), { hosts: [eps[1]], panic: false });
  ejected.clear();
  // 2 of 3 = 66% ≥ 50%.
  t.deepEqual(loadBalancingHosts(eps, isOut, 50), { hosts: [eps[0], eps[1]], panic: false });
  t.deepEqual(loadBalancingHosts(eps, isOut, 67), { hosts: eps, panic: true });
  t.deepEqual(loadBalancingHosts([], isOut, 50), { hosts: [], panic: true });
  t.throws(() => loadBalancingHosts(eps, isOut, 12.5), { instanceOf: AssertionError });
});

type Step = { kind: 'result'; host: number; status: number } | { kind: 'wait'; us: number };

testProp('lazy sweeps give the answers of a timer that fires every interval',
  [fc.array(fc.oneof(
    fc.record({ kind: fc.constant('result' as const), host: fc.nat({ max: 3 }), status: fc.constantFrom(200, 500, 500, 503) }),
    fc.record({ kind: fc.constant('wait' as const), us: fc.integer({ min: 0, max: 25 * S }) }),
  ), { minLength: 10, maxLength: 120, size: 'medium' }), fc.nat()],
  (t, steps: Step[], seed) => {
    const config = settings({ consecutive5xx: 2, baseEjectionTimeUs: 5 * S, maxEjectionTimeUs: 40 * S, intervalUs: 3 * S, maxEjectionPercent: 50 });
    const lazy = createOutlierDetector(config, 0, hosts(4));
    const eager = createOutlierDetector(config, 0, hosts(4));
    const lazyRng = Rng.fromSeed(seed);
    const eagerRng = Rng.fromSeed(seed);
    let now = 0;
    const lazyEvents: OutlierEvent[] = [];
    const eagerEvents: OutlierEvent[] = [];
    for (const step of steps) {
      if (step.kind === 'wait') {
        const until = now + step.us;
        // The eager detector is swept at every interval, as Envoy's timer would.
        while (eager.nextSweepUs <= until) eagerEvents.push(...onIntervalTimer(eager));
        now = until;
        continue;
      }
      const host = hosts(4)[step.host] as string;
      lazyEvents.push(...recordResult(lazy, host, http(step.status), now, lazyRng));
      eagerEvents.push(...recordResult(eager, host, http(step.status), now, eagerRng));
      t.is(isEjected(lazy, host, now), isEjected(eager, host, now));
      t.true(lazy.ejectedCount <= 2, 'max_ejection_percent 50 of 4 hosts');
    }
    lazyEvents.push(...runSweeps(lazy, now));
    eagerEvents.push(...runSweeps(eager, now));
    t.deepEqual(lazyEvents, eagerEvents);
    t.is(lazy.ejectedCount, [...lazy.hosts.values()].filter((host) => host.ejected).length);
  }, { numRuns: 200 });
