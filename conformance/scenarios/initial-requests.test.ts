// A new proxy's first config, as istiod serves it (ads.go Stream): its stream waits for the request rate
// limiter (PILOT_MAX_REQUESTS_PER_SECOND, burst 1), then its initial request is answered at once, never
// queued behind the pushes in the push queue; Istio's push metrics leave it out.
import test from 'ava';
import { pushUpdates } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { runScenarioText } from './run-scenario-text.ts';

const run = (spec: string): RunRecord => runScenarioText('initial-requests', spec);

const initials = (record: RunRecord) => record.convergence.filter((c) => c.initial === true);

test('ten pods starting at once are admitted one per 1/rate seconds, each getting its whole config', (t) => {
  const record = run(`  duration: 10s
  topology: {namespaces: 1, services: 4, podsPerService: 1, port: 8080}
  pilot: {maxRequestsPerSecond: 5}
  timeline:
  - {at: 1s, scale: {workload: ns-00/svc-0000, replicas: 11}}`);
  const first = initials(record);
  t.is(first.length, 10);
  t.deepEqual(first.map((c) => c.queueUs).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => k * 200_000));
  t.true(first.every((c) => c.types.join() === 'CDS,EDS,LDS,RDS'), JSON.stringify(first.map((c) => c.types)));
  // Not push updates: the push metrics do not count them.
  t.is(pushUpdates(record.convergence).length, record.convergence.length - 10);
});

test('a new proxy is not queued behind a push backlog: it has its config long before the backlog drains', (t) => {
  // One push at a time on one core: a full push to 1,000 proxies takes seconds to drain; ten pods that
  // start while it drains get their first config within a second of connecting.
  const record = run(`  duration: 30s
  topology: {namespaces: 5, services: 500, podsPerService: 2, port: 8080}
  pilot: {pushThrottle: 1, cpus: 1}
  timeline:
  - {at: 1s, fault: {configChurn: {interval: 1s, duration: 1500ms}}}
  - {at: 2200ms, scale: {workload: ns-00/svc-0000, replicas: 12}}`);
  // The proxies the pushes reach wait in the queue for seconds (a later push merges into the waiting ones).
  const drainedUs = Math.max(...pushUpdates(record.convergence).map((c) => c.queueUs));
  t.true(drainedUs > 3_000_000, `the backlog drains in ${drainedUs} µs`);
  const first = initials(record);
  t.is(first.length, 10);
  t.true(first.every((c) => c.ackUs !== null && c.ackUs < 1_000_000), JSON.stringify(first.map((c) => c.ackUs)));
});
