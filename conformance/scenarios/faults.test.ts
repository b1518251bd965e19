// Faults in runs, on the migration mesh (foo and bar injected, legacy not; a client and an echo server
// in each): each fault shows its effect while it lasts and none after it ends or after a heal.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { placePod, spreadOrder } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import { runScenarioText } from './run-scenario-text.ts';

function run(spec: string): RunRecord {
  return runScenarioText('fault-test', `  manifests: [{path: meshes/migration}]
${spec}`);
}

function verdicts(record: RunRecord): Record<string, string> {
  return Object.fromEntries(record.assertions.map((a) => [a.name, a.passed ? 'pass' : a.message]));
}

function allPass(record: RunRecord): Record<string, string> {
  return Object.fromEntries(record.assertions.map((a) => [a.name, 'pass']));
}

/** Runs the scenario and checks every assertion it makes holds; returns the record for more checks. */
function holds(t: ExecutionContext, spec: string): RunRecord {
  const record = run(spec);
  t.deepEqual(verdicts(record), allPass(record));
  return record;
}

test('a partition between two workloads: each attempt hangs for the connect timeout and fails; Envoy retries (2) and the request ends 503 UF; other pairs and the time after are fine', (t) => {
  holds(t, `  duration: 60s
  traffic:
  - {name: cut, from: foo/client, url: "http://echo.bar:8000/ip", rate: 10}
  - {name: fine, from: foo/client, url: "http://echo.foo:8000/ip", rate: 10}
  timeline:
  - {at: 5s, fault: {networkPartition: {workload: foo/client, peer: bar/echo, duration: 30s}}}
  assertions:
  - {name: before, metric: successRate, destination: bar/echo, window: {to: 5s}, expect: ">= 100%"}
  - {name: during, metric: flaggedRequests, flag: UF, source: foo/client, window: {from: 34s, to: 36s}, expect: "> 0"}
  - {name: three attempts of 10 s each, metric: latency, percentile: 50, source: foo/client, code: 503, expect: ">= 30s"}
  - {name: after, metric: successRate, destination: bar/echo, window: {from: 36s}, expect: ">= 100%"}
  - {name: other pair, metric: successRate, destination: foo/echo, expect: ">= 100%"}`);
});

test('a partition from istiod: the workload keeps its last config and misses a change; it catches up when the partition heals', (t) => {
  const abort = `apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: echo, namespace: foo}
        spec:
          hosts: [echo.foo.svc.cluster.local]
          http: [{fault: {abort: {httpStatus: 418, percentage: {value: 100}}}, route: [{destination: {host: echo.foo.svc.cluster.local}}]}]`;
  holds(t, `  duration: 30s
  traffic:
  - {name: cut, from: bar/client, url: "http://echo.foo:8000/ip", rate: 10}
  - {name: connected, from: foo/client, url: "http://echo.foo:8000/ip", rate: 10}
  timeline:
  - {at: 5s, fault: {networkPartition: {workload: bar/client, peer: istiod, duration: 10s}}}
  - at: 8s
    apply:
      inline: |
        ${abort}
  assertions:
  - {name: the connected client gets the abort, metric: requests, source: foo/client, code: 418, window: {from: 9s, to: 15s}, expect: "> 0"}
  - {name: the cut-off client does not, metric: requests, source: bar/client, code: 418, window: {from: 9s, to: 15s}, expect: 0}
  - {name: it catches up after the partition, metric: requests, source: bar/client, code: 200, window: {from: 16s}, expect: 0}
  - {name: converged at the end, metric: converged, window: {to: 30s}, expect: true}
  - {name: not converged while cut off, metric: converged, window: {to: 12s}, expect: false}`);
});

test('network loss of 100% at a client: every request it sends fails (503 UF), others are untouched', (t) => {
  holds(t, `  duration: 20s
  traffic:
  - {name: lossy, from: foo/client, url: "http://echo.bar:8000/ip", rate: 10}
  - {name: fine, from: bar/client, url: "http://echo.bar:8000/ip", rate: 10}
  timeline:
  - {at: 5s, fault: {networkLoss: {workload: foo/client, loss: "100%", duration: 5s}}}
  assertions:
  - {name: lossy fails, metric: successRate, source: foo/client, window: {from: 5100ms, to: 10s}, expect: "<= 0%"}
  - {name: as connect failures, metric: flaggedRequests, flag: UF, source: foo/client, window: {from: 5100ms, to: 10s}, expect: "> 0"}
  - {name: lossy recovers, metric: successRate, source: foo/client, window: {from: 10100ms}, expect: ">= 100%"}
  - {name: fine is fine, metric: successRate, source: bar/client, expect: ">= 100%"}`);
});

test('an expired certificate: mTLS to and from the workload fails (503 UF) until it is renewed; plain text from legacy is untouched', (t) => {
  holds(t, `  duration: 30s
  traffic:
  - {name: mtls, from: foo/client, url: "http://echo.bar:8000/ip", rate: 10}
  - {name: from-expired, from: bar/client, url: "http://echo.foo:8000/ip", rate: 10}
  - {name: plaintext, from: legacy/client, url: "http://echo.bar:8000/ip", rate: 10}
  timeline:
  - {at: 10s, fault: {certificateExpiry: {workload: bar/echo, duration: 10s}}}
  - {at: 10s, fault: {certificateExpiry: {workload: bar/client, duration: 10s}}}
  assertions:
  - {name: mtls to it fails, metric: successRate, source: foo/client, window: {from: 10100ms, to: 20s}, expect: "<= 0%"}
  - {name: mtls from it fails, metric: successRate, source: bar/client, window: {from: 10100ms, to: 20s}, expect: "<= 0%"}
  - {name: plain text to it works, metric: successRate, source: legacy/client, expect: ">= 100%"}
  - {name: renewed, metric: successRate, source: foo/client, window: {from: 20100ms}, expect: ">= 100%"}`);
});

test('heal ends every fault at once: istiod returns and the mesh converges within a bound', (t) => {
  const spec = (heal: string) => `  duration: 30s
  traffic:
  - {name: calls, from: foo/client, url: "http://echo.foo:8000/ip", rate: 10}
  timeline:
  - {at: 5s, fault: {istiodOutage: {}}}
  - {at: 6s, fault: {certificateExpiry: {workload: foo/echo}}}
  - {at: 8s, scale: {workload: foo/echo, replicas: 2}}
${heal}  assertions:
  - {name: healed and converged within 2s, metric: converged, window: {to: 22s}, expect: true}
  - {name: calls work after the heal, metric: successRate, window: {from: 21s}, expect: ">= 100%"}`;
  const healed = run(spec('  - {at: 20s, heal: {}}\n'));
  t.deepEqual(verdicts(healed), allPass(healed));
  const unhealed = run(spec(''));
  t.is(verdicts(unhealed)['healed and converged within 2s'] === 'pass', false);
  t.is(verdicts(unhealed)['calls work after the heal'] === 'pass', false);
});

/** A timeline step that applies a VirtualService for echo.foo with this route timeout. */
function timeoutChange(at: string, timeout: string): string {
  return `  - at: ${at}
    apply:
      inline: |
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: echo, namespace: foo}
        spec:
          hosts: [echo.foo.svc.cluster.local]
          http: [{route: [{destination: {host: echo.foo.svc.cluster.local}}], timeout: ${timeout}}]
`;
}

test('a NACKing proxy is not converged until a later push is accepted', (t) => {
  holds(t, `  duration: 20s
  timeline:
  - {at: 2s, fault: {proxyNack: {workload: foo/client, duration: 5s}}}
${timeoutChange('3s', '3s')}${timeoutChange('12s', '4s')}  assertions:
  - {name: stale after the window, metric: converged, window: {to: 10s}, expect: false}
  - {name: converged after the next push, metric: converged, window: {to: 14s}, expect: true}`);
});

test('long-lived streams: a crashed server pod cuts its streams at once, and the clients reopen them to the replacement', (t) => {
  const record = holds(t, `  duration: 20s
  traffic:
  - {name: ws, from: foo/client, url: "http://echo.bar:8000/ws", streams: 3}
  timeline:
  - {at: 5s, fault: {podFailure: {workload: bar/echo}}}
  assertions:
  - {name: cut when the pod goes, metric: streamCuts, destination: bar/echo, window: {from: 5s, to: 5001ms}, expect: 3}
  - {name: nothing else cuts them, metric: streamCuts, expect: 3}`);
  t.true(record.streams.cut.every((c) => /is gone/.test(c.reason) && c.openUs === 5_000_000), JSON.stringify(record.streams.cut));
  // Reopened: 3 at the start, then each cut stream again (once a ready pod serves the Service).
  t.is(record.streams.opened, 6);
});

test('a node failure: its pods stop answering (connect timeouts), leave the endpoints when the node is NotReady (40 s), and are replaced elsewhere after eviction (300 s)', (t) => {
  const nodes = [{ name: 'node-a', region: 'r1', zone: 'z1', subzone: '' }, { name: 'node-b', region: 'r1', zone: 'z2', subzone: '' }];
  // Fail the node the client does not run on (placement is deterministic); echo's two replicas are on both.
  const clientNode = placePod(spreadOrder(nodes), 'bar/client', 0, 0)!.name;
  const failing = nodes.find((n) => n.name !== clientNode)!.name;
  const record = holds(t, `  duration: 400s
  nodes:
  - {name: node-a, region: r1, zone: z1}
  - {name: node-b, region: r1, zone: z2}
  traffic:
  - {name: calls, from: bar/client, url: "http://echo.foo:8000/ip", rate: 4}
  timeline:
  - {at: 0s, scale: {workload: foo/echo, replicas: 2}}
  - {at: 10s, fault: {nodeFailure: {node: ${failing}}}}
  assertions:
  - {name: fine before, metric: successRate, window: {from: 2s, to: 10s}, expect: ">= 100%"}
  - {name: attempts to the dead pod hang, metric: latency, percentile: 99, window: {from: 10s, to: 60s}, expect: ">= 10s"}
  - {name: fine once the endpoints are gone, metric: successRate, window: {from: 65s}, expect: ">= 100%"}`);
  t.true(record.requests.some((r) => r.atUs >= 365_000_000 && r.destination === 'foo/echo'));
});
