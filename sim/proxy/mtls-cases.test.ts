// The server-side mTLS matrix as data, each case named after the Istio test it reproduces:
// - sidecar_simulation_test.go TestInbound (every call × DISABLE / PERMISSIVE / STRICT);
// - peer_authentication_simulation_test.go TestPeerAuthenticationPassthrough and TestPeerAuthenticationWithSidecar;
// - tests/integration/security/reachability_test.go TestReachability: the §7.4 outcome matrix (sc→sc,
//   sc→naked, naked→sc on HTTP, HTTPS and TCP ports) and the "migration *" server half (the client half,
//   what the sidecar sends, is in sim/controlplane/generate-mtls.test.ts).
import test from 'ava';
import type { InboundMtls, InboundMtlsMode } from '../xds/security.ts';
import { acceptInbound, serverModeForPort } from './mtls.ts';
import type { InboundOutcome, Offered, Payload, PortProtocol } from './mtls.ts';

// ---- TestInbound ----------------------------------------------------------------------------------

// Istio's result → ours: ClusterMatched is an accepted connection (plaintext, mtls terminated, or TLS passed
// through); ErrNoFilterChain and ErrMTLSError are `rejected`; ErrProtocolError is `protocol-error`.
// Port 70 is TCP, 80 HTTP, 81 auto (sniffed); 82 is in no service, which behaves as an auto port.
const PORTS: Record<number, PortProtocol> = { 70: 'tcp', 80: 'http', 81: 'auto', 82: 'auto' };

type Row = [name: string, port: number, payload: Payload, offered: Offered, disable: InboundOutcome, permissive: InboundOutcome, strict: InboundOutcome];

const TEST_INBOUND: Row[] = [
  ['tcp', 70, 'tcp', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['http to tcp', 70, 'http', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['tls to tcp', 70, 'tcp', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['https to tcp', 70, 'http', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['mtls tcp to tcp', 70, 'tcp', 'mtls', 'passthrough-tls', 'mtls', 'mtls'],
  ['mtls http to tcp', 70, 'http', 'mtls', 'passthrough-tls', 'mtls', 'mtls'],
  ['http', 80, 'http', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['tls to http', 80, 'tcp', 'tls', 'protocol-error', 'rejected', 'rejected'],
  ['https to http', 80, 'http', 'tls', 'protocol-error', 'rejected', 'rejected'],
  ['mtls to http', 80, 'http', 'mtls', 'protocol-error', 'mtls', 'mtls'],
  ['tcp to http', 80, 'tcp', 'plaintext', 'protocol-error', 'protocol-error', 'rejected'],
  ['auto port http', 81, 'http', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['auto port http2', 81, 'http', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['auto port tcp', 81, 'tcp', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['tls to auto port', 81, 'tcp', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['https to auto port', 81, 'http', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['mtls tcp to auto port', 81, 'tcp', 'mtls', 'passthrough-tls', 'mtls', 'mtls'],
  ['mtls http to auto port', 81, 'http', 'mtls', 'passthrough-tls', 'mtls', 'mtls'],
  ['passthrough http', 82, 'http', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['passthrough tcp', 82, 'tcp', 'plaintext', 'plaintext', 'plaintext', 'rejected'],
  ['passthrough tls', 82, 'tcp', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['passthrough https', 82, 'http', 'tls', 'passthrough-tls', 'passthrough-tls', 'rejected'],
  ['passthrough mtls', 82, 'http', 'mtls', 'passthrough-tls', 'mtls', 'mtls'],
];

for (const [name, port, payload, offered, disable, permissive, strict] of TEST_INBOUND) {
  const byMode: [InboundMtlsMode, InboundOutcome][] = [['DISABLE', disable], ['PERMISSIVE', permissive], ['STRICT', strict]];
  for (const [mode, expected] of byMode) {
    test(`TestInbound ${mode} "${name}" → ${expected}`, (t) => {
      t.is(acceptInbound(mode, PORTS[port] ?? 'auto', offered, payload).outcome, expected);
    });
  }
}

// ---- TestPeerAuthenticationPassthrough / WithSidecar -------------------------------------------------

const inbound = (mode: InboundMtlsMode, ports: Record<string, InboundMtlsMode> = {}): InboundMtls => ({ mode, ports, source: 'ns/default' });

// [test case, workload policy, target port, port kind (8000 is an HTTP ServiceEntry port; others in no service), offered, payload, outcome]
const PORT_LEVEL: [name: string, policy: InboundMtls, port: number, kind: PortProtocol, offered: Offered, payload: Payload, outcome: InboundOutcome][] = [
  ['Passthrough "global disable" mtls', inbound('DISABLE'), 8000, 'auto', 'mtls', 'http', 'passthrough-tls'],
  ['Passthrough "global strict" plaintext', inbound('STRICT'), 8000, 'auto', 'plaintext', 'http', 'rejected'],
  ['Passthrough "global permissive" mtls', inbound('PERMISSIVE'), 8000, 'auto', 'mtls', 'http', 'mtls'],
  ['Passthrough "global disable and port 9000 strict" plaintext port 9000', inbound('DISABLE', { 9000: 'STRICT' }), 9000, 'auto', 'plaintext', 'http', 'rejected'],
  ['Passthrough "global disable and port 9000 strict" plaintext on port 8000', inbound('DISABLE', { 9000: 'STRICT' }), 8000, 'auto', 'plaintext', 'http', 'plaintext'],
  ['Passthrough "global disable and port 9000 strict not in service" mtls on port 8000', inbound('DISABLE', { 9000: 'STRICT' }), 8000, 'http', 'mtls', 'http', 'protocol-error'],
  ['Passthrough "global disable and port 9000 strict not in service" mtls port 9000', inbound('DISABLE', { 9000: 'STRICT' }), 9000, 'auto', 'mtls', 'http', 'mtls'],
  ['Passthrough "global strict and port 9000 plaintext" plaintext port 9000', inbound('STRICT', { 9000: 'DISABLE' }), 9000, 'auto', 'plaintext', 'http', 'plaintext'],
  ['Passthrough "global strict and port 9000 plaintext not in service" mtls on port 8000', inbound('STRICT', { 9000: 'DISABLE' }), 8000, 'http', 'mtls', 'http', 'mtls'],
  ['Passthrough "global strict and port 9000 plaintext not in service" plaintext on port 8000', inbound('STRICT', { 9000: 'DISABLE' }), 8000, 'http', 'plaintext', 'http', 'rejected'],
  ['Passthrough "global plaintext and port 9000 permissive not in service" mtls on port 8000', inbound('DISABLE', { 9000: 'PERMISSIVE' }), 8000, 'http', 'mtls', 'http', 'protocol-error'],
  ['Passthrough "global plaintext and port 9000 permissive" plaintext port 9000', inbound('DISABLE', { 9000: 'PERMISSIVE' }), 9000, 'auto', 'plaintext', 'http', 'plaintext'],
  ['WithSidecar "service, no sidecar" plaintext on tls port (STRICT 8080)', inbound('STRICT', { 9090: 'DISABLE' }), 8080, 'tcp', 'plaintext', 'tcp', 'rejected'],
  ['WithSidecar "service, no sidecar" tls on tls port (mTLS to STRICT 8080)', inbound('STRICT', { 9090: 'DISABLE' }), 8080, 'tcp', 'mtls', 'tcp', 'mtls'],
  ['WithSidecar "service, no sidecar" plaintext on plaintext port (DISABLE 9090)', inbound('STRICT', { 9090: 'DISABLE' }), 9090, 'tcp', 'plaintext', 'tcp', 'plaintext'],
  ['WithSidecar "service, no sidecar" tls on plaintext port: "not sniffing TLS at all so anything is allowed"', inbound('STRICT', { 9090: 'DISABLE' }), 9090, 'tcp', 'mtls', 'tcp', 'passthrough-tls'],
];

for (const [name, policy, port, kind, offered, payload, outcome] of PORT_LEVEL) {
  test(`TestPeerAuthentication${name} → ${outcome}`, (t) => {
    t.is(acceptInbound(serverModeForPort(policy, port), kind, offered, payload).outcome, outcome);
  });
}

// ---- TestReachability: the §7.4 outcome matrix --------------------------------------------------------

// Per scenario: the server mode of an injected workload, what an injected client sends to an injected
// server and to a naked one (decided by the control plane: DR mode, else auto mTLS), and the expected result
// sc→sc, sc→naked, naked→sc. A naked client always sends plaintext. Every port kind gives the same answer:
// HTTP (plaintext HTTP), TCP (raw bytes) and HTTPS (the app's own TLS on a TCP port: "plaintext" is app TLS).
type Scenario = [name: string, serverMode: InboundMtlsMode, toSidecar: 'mtls' | 'plaintext', toNaked: 'mtls' | 'plaintext', expected: [boolean, boolean, boolean]];

const REACHABILITY: Scenario[] = [
  ['global mtls strict (PA STRICT + DR ISTIO_MUTUAL)', 'STRICT', 'mtls', 'mtls', [true, false, false]],
  ['global mtls permissive (PA PERMISSIVE + DR ISTIO_MUTUAL)', 'PERMISSIVE', 'mtls', 'mtls', [true, false, true]],
  ['global mtls disabled (PA DISABLE + DR DISABLE)', 'DISABLE', 'plaintext', 'plaintext', [true, true, true]],
  ['global plaintext to mtls permissive (PA PERMISSIVE + DR DISABLE)', 'PERMISSIVE', 'plaintext', 'plaintext', [true, true, true]],
  ['global automtls strict (PA STRICT, no DR)', 'STRICT', 'mtls', 'plaintext', [true, true, false]],
  ['global automtls disable (PA DISABLE, no DR: the service gate turns auto mTLS off)', 'DISABLE', 'plaintext', 'plaintext', [true, true, true]],
  ['global no peer authn (DR ISTIO_MUTUAL)', 'PERMISSIVE', 'mtls', 'mtls', [true, false, true]],
  ['mtls port override (workload STRICT, port-level DISABLE: auto mTLS sends plaintext)', 'DISABLE', 'plaintext', 'plaintext', [true, true, true]],
  ['global automtls passthrough (DR LB PASSTHROUGH, default PA)', 'PERMISSIVE', 'mtls', 'plaintext', [true, true, true]],
];

const PORT_KINDS: [label: string, port: PortProtocol, payload: Payload, plain: Offered][] = [
  ['http', 'http', 'http', 'plaintext'],
  ['tcp', 'tcp', 'tcp', 'plaintext'],
  ['https', 'tcp', 'http', 'tls'],
];

for (const [name, serverMode, toSidecar, toNaked, expected] of REACHABILITY) {
  for (const [label, port, payload, plain] of PORT_KINDS) {
    const wire = (sent: 'mtls' | 'plaintext'): Offered => (sent === 'mtls' ? 'mtls' : plain);
    test(`TestReachability "${name}" ${label}: sc→sc ${expected[0]}, sc→naked ${expected[1]}, naked→sc ${expected[2]}`, (t) => {
      t.deepEqual([
        acceptInbound(serverMode, port, wire(toSidecar), payload).accepted,
        acceptInbound('no-sidecar', port, wire(toNaked), payload).accepted,
        acceptInbound(serverMode, port, plain, payload).accepted,
      ], expected);
    });
  }
}

// ---- TestReachability "migration *": the server half ---------------------------------------------------

// Namespace STRICT; vistio has a sidecar (STRICT), vlegacy has none; HTTP port. The client half in
// generate-mtls.test.ts gives what is sent: none → mtls / plaintext, DISABLE → plaintext / plaintext,
// ISTIO_MUTUAL → mtls / mtls.
const MIGRATION: [name: string, toVistio: Offered, toVlegacy: Offered, vistio: InboundOutcome, vlegacy: InboundOutcome][] = [
  ['migration no tls: both subsets succeed, only vistio over mTLS', 'mtls', 'plaintext', 'mtls', 'plaintext'],
  ['migration tls disabled: only vlegacy succeeds (STRICT refuses plaintext at the connection)', 'plaintext', 'plaintext', 'rejected', 'plaintext'],
  ['migration tls mutual: only vistio succeeds (the legacy pod cannot complete mTLS)', 'mtls', 'mtls', 'mtls', 'rejected'],
];

for (const [name, toVistio, toVlegacy, vistio, vlegacy] of MIGRATION) {
  test(`TestReachability "${name}"`, (t) => {
    t.deepEqual([acceptInbound('STRICT', 'http', toVistio).outcome, acceptInbound('no-sidecar', 'http', toVlegacy).outcome], [vistio, vlegacy]);
  });
}
