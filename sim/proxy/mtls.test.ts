// Unit tests and properties of the server-side mTLS matrix (sim/proxy/mtls.ts); the Istio tables are in
// mtls-cases.test.ts.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { acceptInbound, principalOf, serverModeForPort } from './mtls.ts';
import type { Offered, Payload, PortProtocol } from './mtls.ts';

const modeArb = fc.constantFrom('STRICT' as const, 'PERMISSIVE' as const, 'DISABLE' as const, 'no-sidecar' as const);
const portArb = fc.constantFrom<PortProtocol>('http', 'tcp', 'auto');
const offeredArb = fc.constantFrom<Offered>('plaintext', 'tls', 'mtls');
const payloadArb = fc.constantFrom<Payload>('http', 'tcp');
const identityArb = fc.oneof(fc.constant(null), fc.constant(''), fc.stringMatching(/^(spiffe:\/\/)?cluster\.local\/ns\/[a-z]{1,8}\/sa\/[a-z]{1,8}$/));

testProp('PERMISSIVE accepts a superset of what STRICT accepts', [portArb, offeredArb, payloadArb], (t, port, offered, payload) => {
  if (acceptInbound('STRICT', port, offered, payload).accepted) t.true(acceptInbound('PERMISSIVE', port, offered, payload).accepted);
  else t.pass();
});

testProp('a plaintext connection never carries a principal, whatever the server makes of it',
  [modeArb, portArb, payloadArb, identityArb], (t, mode, port, payload, identity) => {
    t.is(principalOf('plaintext', identity), null);
    t.is(principalOf(acceptInbound(mode, port, 'plaintext', payload).outcome, identity), null);
  });

testProp('accepted ⇔ outcome is plaintext, mtls or passthrough-tls; every answer has a reason',
  [modeArb, portArb, offeredArb, payloadArb], (t, mode, port, offered, payload) => {
    const result = acceptInbound(mode, port, offered, payload);
    t.is(result.accepted, ['plaintext', 'mtls', 'passthrough-tls'].includes(result.outcome));
    t.true(result.reason.length > 0);
  });

testProp('only an Istio mTLS offer to a STRICT or PERMISSIVE sidecar is terminated as mtls',
  [modeArb, portArb, offeredArb, payloadArb], (t, mode, port, offered, payload) => {
    const terminated = acceptInbound(mode, port, offered, payload).outcome === 'mtls';
    if (terminated) t.true(offered === 'mtls' && (mode === 'STRICT' || mode === 'PERMISSIVE'));
    else t.pass();
  });

testProp('STRICT never lets plaintext or app TLS in', [portArb, fc.constantFrom<Offered>('plaintext', 'tls'), payloadArb], (t, port, offered, payload) => {
  t.deepEqual(acceptInbound('STRICT', port, offered, payload).outcome, 'rejected');
});

test('principalOf: the SPIFFE principal only for mTLS; a bare identity gains its scheme', (t) => {
  const id = 'spiffe://cluster.local/ns/default/sa/sleep';
  t.deepEqual(
    [principalOf('mtls', id), principalOf('mtls', 'cluster.local/ns/default/sa/sleep'), principalOf('tls', id), principalOf('passthrough-tls', id), principalOf('mtls', null)],
    [id, id, null, null, null],
  );
});

test('principalOf on the outcome: a DISABLE port passes mTLS through, so the sidecar sees no principal', (t) => {
  const id = 'spiffe://cluster.local/ns/default/sa/sleep';
  t.deepEqual([principalOf(acceptInbound('DISABLE', 'tcp', 'mtls').outcome, id), principalOf(acceptInbound('STRICT', 'tcp', 'mtls').outcome, id)], [null, id]);
});

test('serverModeForPort: port-level mode by target port, else the workload mode (GetMutualTLSModeForPort)', (t) => {
  const inbound = { mode: 'STRICT' as const, ports: { 9090: 'DISABLE' as const }, source: null };
  t.deepEqual([serverModeForPort(inbound, 9090), serverModeForPort(inbound, 8080)], ['DISABLE', 'STRICT']);
});

test('STRICT refuses plaintext at the connection: a rejection, not an HTTP status (istio-semantics §9.11)', (t) => {
  const result = acceptInbound('STRICT', 'http', 'plaintext');
  t.deepEqual([result.accepted, result.outcome], [false, 'rejected']);
  t.regex(result.reason, /no HTTP status/);
});

test('a server without a sidecar: plaintext in, app TLS through on TCP, protocol error on HTTP, Istio mTLS refused', (t) => {
  t.deepEqual(
    [acceptInbound('no-sidecar', 'http', 'plaintext').outcome, acceptInbound('no-sidecar', 'tcp', 'tls').outcome,
      acceptInbound('no-sidecar', 'http', 'tls').outcome, acceptInbound('no-sidecar', 'tcp', 'mtls').outcome, acceptInbound('no-sidecar', 'http', 'mtls').outcome],
    ['plaintext', 'passthrough-tls', 'protocol-error', 'rejected', 'rejected'],
  );
});

test('[Envoy] mTLS terminated on an HTTP-only port still needs HTTP inside', (t) => {
  t.deepEqual([acceptInbound('STRICT', 'http', 'mtls', 'tcp').outcome, acceptInbound('PERMISSIVE', 'auto', 'mtls', 'tcp').outcome], ['protocol-error', 'mtls']);
});
