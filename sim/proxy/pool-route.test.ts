// Pool routes (upstream-resilience.ts admitByRoute): a flow plan's admissions with the lookups made
// once must change a proxy's pools and counters exactly as admitUpstream does, and release the same.
import { fc, testProp } from '@fast-check/ava';
import { Rng } from '../core/prng.ts';
import type { Cluster, LbEndpoint } from '../xds/cluster.ts';
import { activeRequestsOf, createProxyState } from './proxy-state.ts';
import type { ProxyState } from './proxy-state.ts';
import { admitByRoute, admitUpstream, poolRoute, releaseUpstream } from './upstream-resilience.ts';
import type { Admission, PoolRoute, UpstreamHold } from './upstream-resilience.ts';

const HOSTS: readonly LbEndpoint[] = [1, 2, 3].map((i) => ({ address: `10.0.0.${i}`, port: 8080, weight: 1, pod: `p${i}`, namespace: 'ns', healthy: true, tlsMode: 'istio' }) as LbEndpoint);

function cluster(protocol: 'http1' | 'http2', limit: number): Cluster {
  return {
    name: 'outbound|8080||svc.ns.svc.cluster.local', discovery: 'EDS', lbPolicy: 'ROUND_ROBIN', serviceHost: 'svc.ns.svc.cluster.local', servicePort: 8080, subset: '',
    upstreamProtocol: protocol, circuitBreakers: { maxConnections: limit, maxPendingRequests: limit, maxRequests: limit * 2, maxRetries: 3 },
  } as Cluster;
}

/** The holds without their route, the pools and the counters of requests in flight, as text. */
function picture(state: ProxyState, holds: readonly (Admission | 'released')[]): string {
  const shown = holds.map((h) => (h === 'released' ? h : h.kind === 'overflow' ? `overflow: ${h.reason}` : JSON.stringify({ ...h.hold, route: undefined })));
  const pools = [...state.connectionPools].map(([key, pool]) => `${key} ${pool.activeRequests}/${pool.pendingRequests}/${pool.connections} ${JSON.stringify([...pool.hosts])}`);
  return `${shown.join('\n')}\n${pools.join('\n')}\n${HOSTS.map((h) => activeRequestsOf(state, 'outbound|8080||svc.ns.svc.cluster.local', h)).join(',')}`;
}

testProp('admitByRoute and its release change the pools exactly as admitUpstream does', [
  fc.constantFrom<'http1' | 'http2'>('http1', 'http2'), fc.integer({ min: 1, max: 4 }),
  fc.array(fc.oneof(fc.record({ admit: fc.integer({ min: 0, max: 2 }) }), fc.record({ release: fc.nat() })), { maxLength: 40 }),
], (t, protocol, limit, steps) => {
  const c = cluster(protocol, limit);
  const plain = createProxyState(false, 'a.ns');
  const routed = createProxyState(false, 'a.ns');
  plain.nowUs = 0;
  routed.nowUs = 0;
  const routes = new Map<LbEndpoint, PoolRoute>();
  const plainLog: (Admission | 'released')[] = [];
  const routedLog: (Admission | 'released')[] = [];
  // Admitted pairs (plain, routed) and whether they still wait for a connection (a release may promote one).
  const open: { a: UpstreamHold; b: UpstreamHold; waiting: boolean }[] = [];
  for (const step of steps) {
    if ('admit' in step) {
      const host = HOSTS[step.admit]!;
      const a = admitUpstream(plain, c, host, 'http');
      let route = routes.get(host);
      if (route === undefined) {
        route = poolRoute(routed, c, host);
        routes.set(host, route);
      }
      const routedHold = admitByRoute(route);
      const b: Admission = typeof routedHold === 'string' ? { kind: 'overflow', reason: routedHold } : { kind: 'admitted', hold: routedHold };
      plainLog.push(a);
      routedLog.push(b);
      if (a.kind === 'admitted' && b.kind === 'admitted' && a.hold !== null && b.hold !== null) open.push({ a: a.hold, b: b.hold, waiting: a.hold.admission === 'pending' });
    } else if (open.length > 0) {
      const { a, b, waiting } = open.splice(step.release % open.length, 1)[0]!;
      const released = releaseUpstream(plain, a, waiting, null, 0, Rng.fromSeed(1));
      t.deepEqual(releaseUpstream(routed, b, waiting, null, 0, Rng.fromSeed(1)), released);
      const promoted = open.find((o) => o.waiting && o.a.request === released.promoted);
      if (promoted !== undefined) promoted.waiting = false;
      plainLog.push('released');
      routedLog.push('released');
    }
  }
  t.is(picture(routed, routedLog), picture(plain, plainLog));
}, { numRuns: 300 });
