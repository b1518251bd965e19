import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import {
  ENVOY_DEFAULT_THRESHOLDS, UINT32_MAX, admitRequest, admitTcpConnection, canStartRetry,
  cancelPending, clusterThresholds, createConnectionPool, requestFinished, retryFinished, retryStarted,
  tcpConnectionClosed,
} from './circuit-breaker.ts';
import type { CircuitBreakerThresholds, ConnectionPoolState } from './circuit-breaker.ts';

/** What Istio sends by default (translate-traffic-policy.ts): every threshold 2³²−1. */
const UNLIMITED: CircuitBreakerThresholds = { maxConnections: UINT32_MAX, maxPendingRequests: UINT32_MAX, maxRequests: UINT32_MAX, maxRetries: UINT32_MAX };
const limits = (overrides: Partial<CircuitBreakerThresholds>): CircuitBreakerThresholds => ({ ...UNLIMITED, ...overrides });

test('a cluster without circuit breakers gets Envoy’s defaults; one with them, its own', (t) => {
  t.deepEqual(clusterThresholds({}), { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });
  t.is(clusterThresholds({}), ENVOY_DEFAULT_THRESHOLDS);
  t.deepEqual(clusterThresholds({ circuitBreakers: limits({ maxRequests: 7 }) }), limits({ maxRequests: 7 }));
});

test('Istio circuit-breaking task (maxConnections 1, http1MaxPendingRequests 1): one sent, one waits, the third overflows', (t) => {
  const pool = createConnectionPool('http1', limits({ maxConnections: 1, maxPendingRequests: 1 }));
  t.is(admitRequest(pool, 'a', 1), 'sent');
  t.is(admitRequest(pool, 'a', 2), 'pending');
  t.is(admitRequest(pool, 'a', 3), 'overflow');
  t.is(pool.connections, 1);
  // The first answer frees the connection for the waiting request.
  t.is(requestFinished(pool, 'a'), 2);
  t.is(pool.pendingRequests, 0);
  t.is(pool.activeRequests, 1);
  t.is(admitRequest(pool, 'a', 4), 'pending');
  t.is(requestFinished(pool, 'a'), 4);
  t.is(requestFinished(pool, 'a'), null);
  t.is(pool.activeRequests, 0);
  // The connection stays open and idle, and takes the next request at once.
  t.is(admitRequest(pool, 'a', 5), 'sent');
  t.is(pool.connections, 1);
});

test('max_requests overflows first, before any idle connection or queue is looked at', (t) => {
  const pool = createConnectionPool('http1', limits({ maxRequests: 2 }));
  t.is(admitRequest(pool, 'a', 1), 'sent');
  t.is(admitRequest(pool, 'b', 2), 'sent');
  t.is(admitRequest(pool, 'a', 3), 'overflow');
  requestFinished(pool, 'a');
  t.is(admitRequest(pool, 'a', 4), 'sent');
});

test('HTTP/2 multiplexes: one connection per host, nothing waits, only max_requests overflows', (t) => {
  const pool = createConnectionPool('http2', limits({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 3 }));
  t.is(admitRequest(pool, 'a', 1), 'sent');
  t.is(admitRequest(pool, 'a', 2), 'sent');
  t.is(admitRequest(pool, 'b', 3), 'sent');
  t.is(admitRequest(pool, 'b', 4), 'overflow');
  t.is(pool.connections, 2);
  t.is(pool.pendingRequests, 0);
  t.is(requestFinished(pool, 'a'), null);
  t.is(admitRequest(pool, 'b', 5), 'sent');
});

test('max_connections is soft: a host with no connection always gets one', (t) => {
  const pool = createConnectionPool('http1', limits({ maxConnections: 1, maxPendingRequests: 10 }));
  t.is(admitRequest(pool, 'a', 1), 'sent');
  t.is(admitRequest(pool, 'b', 2), 'sent');
  t.is(pool.connections, 2);
  // Both hosts have a busy connection now: the next ones wait for their host's connection.
  t.is(admitRequest(pool, 'a', 3), 'pending');
  t.is(admitRequest(pool, 'b', 4), 'pending');
  t.is(admitRequest(pool, 'a', 5), 'pending');
  // Pending queues are per host and FIFO.
  t.is(requestFinished(pool, 'b'), 4);
  t.is(requestFinished(pool, 'a'), 3);
  t.is(requestFinished(pool, 'a'), 5);
});

test('a waiting request can be cancelled (its timeout fired); cancelling twice finds nothing', (t) => {
  const pool = createConnectionPool('http1', limits({ maxConnections: 1, maxPendingRequests: 5 }));
  admitRequest(pool, 'a', 1);
  admitRequest(pool, 'a', 2);
  admitRequest(pool, 'a', 3);
  t.true(cancelPending(pool, 'a', 2));
  t.false(cancelPending(pool, 'a', 2));
  t.false(cancelPending(pool, 'zz', 1));
  t.is(pool.pendingRequests, 1);
  t.is(requestFinished(pool, 'a'), 3);
});

test('TCP: max_connections is strict; a closed connection frees a slot', (t) => {
  const pool = createConnectionPool('tcp', limits({ maxConnections: 2 }));
  t.true(admitTcpConnection(pool, 'a'));
  t.true(admitTcpConnection(pool, 'b'));
  // No soft limit for tcp_proxy: host c has no connection and still overflows (UO).
  t.false(admitTcpConnection(pool, 'c'));
  tcpConnectionClosed(pool, 'a');
  t.true(admitTcpConnection(pool, 'c'));
  t.throws(() => tcpConnectionClosed(pool, 'a'), { instanceOf: AssertionError });
  t.throws(() => admitRequest(pool, 'a', 1), { instanceOf: AssertionError });
});

test('max_retries: Envoy default 3 retries in flight; each is held until its result is judged', (t) => {
  const pool = createConnectionPool('http1', ENVOY_DEFAULT_THRESHOLDS);
  for (let i = 0; i < 3; i += 1) {
    t.true(canStartRetry(pool));
    retryStarted(pool);
  }
  t.false(canStartRetry(pool));
  t.throws(() => retryStarted(pool), { instanceOf: AssertionError });
  retryFinished(pool);
  t.true(canStartRetry(pool));
  const fresh = createConnectionPool('http1', ENVOY_DEFAULT_THRESHOLDS);
  t.throws(() => retryFinished(fresh), { instanceOf: AssertionError });
});

test('finishing a request that was never sent is a bug', (t) => {
  const pool = createConnectionPool('http1', UNLIMITED);
  t.throws(() => requestFinished(pool, 'a'), { instanceOf: AssertionError });
  t.throws(() => createConnectionPool('http1', limits({ maxRequests: -1 })), { instanceOf: AssertionError });
});

type Op = { kind: 'admit'; host: number } | { kind: 'finish'; pick: number } | { kind: 'cancel'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('admit' as const), host: fc.nat({ max: 3 }) }),
  fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
);

function checkInvariants(t: { true: (value: boolean, message?: string) => void }, pool: ConnectionPoolState): void {
  let busy = 0;
  let pending = 0;
  let connections = 0;
  for (const host of pool.hosts.values()) {
    busy += host.busy;
    pending += host.pending.length;
    connections += host.connections;
    t.true(pool.protocol === 'http2' || host.busy <= host.connections, 'an HTTP/1.1 connection carries one request');
    t.true(host.pending.length === 0 || host.busy === host.connections, 'nothing waits while its host has an idle connection');
  }
  t.true(busy === pool.activeRequests && pending === pool.pendingRequests && connections === pool.connections, 'totals match the hosts');
  t.true(pool.activeRequests <= pool.thresholds.maxRequests, 'max_requests holds');
  t.true(pool.pendingRequests <= pool.thresholds.maxPendingRequests, 'max_pending_requests holds');
  t.true(pool.connections <= pool.thresholds.maxConnections + pool.hosts.size, 'max_connections is exceeded by at most one per host');
}

testProp('random traffic keeps the limits and the bookkeeping consistent',
  [fc.constantFrom('http1' as const, 'http2' as const), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.array(opArb, { maxLength: 80, size: 'medium' })],
  (t, protocol, maxConnections, maxPendingRequests, maxRequests, ops) => {
    const pool = createConnectionPool(protocol, limits({ maxConnections, maxPendingRequests, maxRequests }));
    const sent: { id: number; host: string }[] = [];
    const waiting: { id: number; host: string }[] = [];
    let nextId = 1;
    checkInvariants(t, pool);
    for (const op of ops) {
      if (op.kind === 'admit') {
        const host = `h${op.host}`;
        const id = nextId++;
        const admission = admitRequest(pool, host, id);
        if (admission === 'sent') sent.push({ id, host });
        if (admission === 'pending') waiting.push({ id, host });
      } else if (op.kind === 'finish' && sent.length > 0) {
        const [done] = sent.splice(op.pick % sent.length, 1);
        if (done === undefined) continue;
        const woken = requestFinished(pool, done.host);
        if (woken !== null) {
          const index = waiting.findIndex((request) => request.id === woken);
          t.true(index >= 0, 'the woken request was waiting');
          // FIFO per host: no older request of the same host is still waiting.
          t.false(waiting.slice(0, index).some((request) => request.host === done.host));
          sent.push(...waiting.splice(index, 1));
        }
      } else if (op.kind === 'cancel' && waiting.length > 0) {
        const [gone] = waiting.splice(op.pick % waiting.length, 1);
        if (gone !== undefined) t.true(cancelPending(pool, gone.host, gone.id));
      }
      checkInvariants(t, pool);
    }
  });
