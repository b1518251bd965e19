import test from 'ava';
import { Rng } from '../core/prng.ts';
import { BLACKHOLE_CLUSTER, PASSTHROUGH_CLUSTER } from '../xds/cluster.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { handleCall } from './engine.ts';
import { filterChain, httpCall, httpRequest, listener, proxyConfig, tcpCall } from './fixtures.ts';
import type { Call } from './request.ts';
import { MYSQL_CLUSTER, MYSQL_VIP, REVIEWS_VIP, meshConfig, reviewsCluster } from './mesh-fixture.ts';
import type { Outcome } from './outcome.ts';
import { createProxyState } from './proxy-state.ts';

function run(config: ProxyConfig, call: Call, seed = 1): Outcome {
  return handleCall(config, call, createProxyState(), Rng.fromSeed(seed));
}

test('TCP to a service with its own IP:port listener is proxied to an endpoint', (t) => {
  const outcome = run(meshConfig(), tcpCall(MYSQL_VIP, 3306));
  t.like(outcome, {
    kind: 'forwarded', status: null, connected: true, flags: [], listener: '10.96.0.20_3306', cluster: MYSQL_CLUSTER,
    endpoint: { address: '10.2.0.1', pod: 'mysql-0' }, upstream: null, virtualHost: null, route: null,
  });
});

test('TCP to an unknown destination goes through virtualOutbound to PassthroughCluster (ALLOW_ANY)', (t) => {
  const outcome = run(meshConfig(), tcpCall('93.184.216.34', 443, 'tls', 'example.com'));
  t.like(outcome, {
    kind: 'forwarded', connected: true, listener: 'virtualOutbound', cluster: PASSTHROUGH_CLUSTER,
    endpoint: { address: '93.184.216.34', port: 443, pod: '' },
  });
});

test('TCP to BlackHoleCluster (REGISTRY_ONLY) is reset: no status, not connected', (t) => {
  const outcome = run(meshConfig({ virtualOutboundCluster: BLACKHOLE_CLUSTER }), tcpCall('93.184.216.34', 443));
  t.like(outcome, { kind: 'reset', status: null, connected: false, flags: ['UH'], cluster: BLACKHOLE_CLUSTER, endpoint: null });
  t.regex(outcome.reason, /BlackHoleCluster/);
});

test('TCP to a cluster without healthy endpoints closes the connection (UH)', (t) => {
  const config = meshConfig({ extraListeners: [listener('10.96.0.30', 5432, [filterChain('pg', { kind: 'tcp', cluster: reviewsCluster('v3'), statPrefix: 'pg' })])] });
  t.like(run(config, tcpCall('10.96.0.30', 5432)), { kind: 'reset', connected: false, flags: ['UH'] });
});

test('TCP to a cluster the proxy does not have closes the connection (NC)', (t) => {
  const config = meshConfig({ extraListeners: [listener('10.96.0.30', 5432, [filterChain('pg', { kind: 'tcp', cluster: 'outbound|5432||pg', statPrefix: 'pg' })])] });
  t.like(run(config, tcpCall('10.96.0.30', 5432)), { kind: 'reset', connected: false, flags: ['NC'], cluster: 'outbound|5432||pg' });
});

test('TCP weighted clusters split by weight; a zero weight is never chosen', (t) => {
  const config = meshConfig({
    extraListeners: [listener('10.96.0.30', 7000, [filterChain('split', {
      kind: 'tcp-weighted', statPrefix: 'split',
      clusters: [{ name: reviewsCluster('v1'), weight: 0 }, { name: reviewsCluster('v2'), weight: 1 }, { name: MYSQL_CLUSTER, weight: 1 }],
    })])],
  });
  const state = createProxyState();
  const rng = Rng.fromSeed(4);
  const seen = new Map<string | null, number>();
  for (let i = 0; i < 2000; i += 1) {
    const cluster = handleCall(config, tcpCall('10.96.0.30', 7000), state, rng).cluster;
    seen.set(cluster, (seen.get(cluster) ?? 0) + 1);
  }
  t.false(seen.has(reviewsCluster('v1')));
  t.true(Math.abs((seen.get(MYSQL_CLUSTER) ?? 0) / 2000 - 0.5) < 0.05);
});

test('HTTP carried by a tcp_proxy chain passes through unchanged', (t) => {
  const request = httpRequest('mysql', '/not-really-http');
  t.like(run(meshConfig(), httpCall(MYSQL_VIP, 3306, request)), { kind: 'forwarded', upstream: request, route: null });
});

test('no listener and no virtualOutbound: connection refused', (t) => {
  const outcome = run(proxyConfig({ listeners: [] }), tcpCall('10.0.0.9', 80));
  t.like(outcome, { kind: 'refused', status: null, connected: false, flags: [], listener: null });
});

test('no filter chain matches and no default chain: Envoy closes the connection (NR)', (t) => {
  const config = proxyConfig({ listeners: [listener('0.0.0.0', 443, [filterChain('sni', { kind: 'tcp', cluster: 'x', statPrefix: 'x' }, { serverNames: ['a.com'] })])] });
  t.like(run(config, tcpCall('10.0.0.9', 443, 'tls', 'b.com')), { kind: 'reset', connected: false, flags: ['NR'], listener: '0.0.0.0_443', filterChain: null });
});

test('TCP or TLS bytes on an HTTP-only port: the HTTP codec rejects them (DPE), connection closed', (t) => {
  t.like(run(meshConfig(), tcpCall(REVIEWS_VIP, 9080)), { kind: 'reset', connected: false, flags: ['DPE'], filterChain: '0.0.0.0_9080' });
  t.like(run(meshConfig(), tcpCall(REVIEWS_VIP, 9080, 'tls', 'reviews')), { kind: 'reset', flags: ['DPE'] });
});
