/**
 * The server side of a connection: what a workload's inbound sidecar (`virtualInbound`, iptables → 15006)
 * does with what a client offers, per PeerAuthentication mode and port protocol, and the peer principal
 * the connection carries. Follows Istio's own Envoy simulation (pilot/pkg/simulation/traffic.go) as
 * asserted in pilot/pkg/networking/core/sidecar_simulation_test.go TestInbound and
 * peer_authentication_simulation_test.go TestPeerAuthenticationPassthrough / WithSidecar; the server
 * without a sidecar follows tests/integration/security/reachability_test.go (sc→naked, "migration *").
 *
 * Vocabulary: `rejected` is a connection-level failure (no filter chain, ErrMTLSError, or a handshake that
 * cannot complete): the client sees a reset, never an HTTP status from the server; `protocol-error` means
 * bytes reached an HTTP parser that cannot read them (ErrProtocolError); `passthrough-tls` means TLS went
 * to the app unterminated (the app must speak it); `mtls` means the sidecar terminated Istio mTLS.
 *
 * Invariants: total over its inputs; `accepted` ⇔ outcome ∈ {plaintext, mtls, passthrough-tls};
 * PERMISSIVE accepts everything STRICT accepts; only an `mtls` outcome carries a principal.
 *
 * Not modelled: Sidecar `ingress` TLS (SIMPLE/MUTUAL server certs, TestInboundSidecarTLSModes);
 * certificate validity, expiry and trust domains (any `mtls` offer is a valid Istio peer); ALPN;
 * ports in no Service are the caller's to map (they behave as `auto` here: InboundPassthroughCluster).
 */
import type { InboundMtls, InboundMtlsMode } from '../xds/security.ts';

export type Offered = 'plaintext' | 'tls' | 'mtls';
export type PortProtocol = 'http' | 'tcp' | 'auto';
/** What the client speaks inside the transport: HTTP requests or raw bytes. */
export type Payload = 'http' | 'tcp';
export type InboundOutcome = 'plaintext' | 'mtls' | 'passthrough-tls' | 'rejected' | 'protocol-error';

export interface InboundResult {
  readonly accepted: boolean;
  readonly outcome: InboundOutcome;
  readonly reason: string;
}

const ok = (outcome: 'plaintext' | 'mtls' | 'passthrough-tls', reason: string): InboundResult => ({ accepted: true, outcome, reason });
const fail = (outcome: 'rejected' | 'protocol-error', reason: string): InboundResult => ({ accepted: false, outcome, reason });

/** GetMutualTLSModeForPort: the port-level mode for a target port, else the workload's mode. */
export function serverModeForPort(inbound: InboundMtls, targetPort: number): InboundMtlsMode {
  return inbound.ports[String(targetPort)] ?? inbound.mode;
}

/** Plaintext in, for DISABLE and PERMISSIVE (the raw_buffer chains exist). */
function plaintextIn(port: PortProtocol, payload: Payload): InboundResult {
  // Rule: raw TCP on an HTTP-only port reaches the HCM and fails (TestInbound "tcp to http").
  if (port === 'http' && payload === 'tcp') return fail('protocol-error', 'raw TCP on an HTTP port: the HTTP connection manager cannot parse it');
  // Rule: plaintext is accepted (TestInbound "tcp", "http", "http to tcp", "auto port *").
  return ok('plaintext', 'plaintext accepted: the mode is not STRICT');
}

function strict(port: PortProtocol, offered: Offered, payload: Payload): InboundResult {
  // Rule: STRICT has no raw_buffer chain: plaintext is refused at the connection (ErrNoFilterChain).
  if (offered === 'plaintext') return fail('rejected', 'STRICT: plaintext has no filter chain; the connection is closed (no HTTP status)');
  // Rule: TLS without an Istio client certificate fails the handshake (ErrMTLSError), on every port kind.
  if (offered === 'tls') return fail('rejected', 'STRICT: TLS without an Istio client certificate fails the mTLS handshake');
  return mtlsTerminated(port, payload, 'STRICT');
}

function permissive(port: PortProtocol, offered: Offered, payload: Payload): InboundResult {
  if (offered === 'plaintext') return plaintextIn(port, payload);
  if (offered === 'mtls') return mtlsTerminated(port, payload, 'PERMISSIVE');
  // Rule: app TLS to an HTTP port: no chain matches TLS without Istio ALPN (TestInbound "tls to http": ErrNoFilterChain).
  if (port === 'http') return fail('rejected', 'PERMISSIVE: app TLS to an HTTP port matches no filter chain');
  // Rule: app TLS to a TCP or sniffed port takes the TCP chain untouched (TestInbound "tls to tcp", "tls to auto port").
  return ok('passthrough-tls', 'PERMISSIVE: app TLS is passed to the app unterminated');
}

function disable(port: PortProtocol, offered: Offered, payload: Payload): InboundResult {
  if (offered === 'plaintext') return plaintextIn(port, payload);
  // Rule: DISABLE terminates nothing; TLS on an HTTP port reaches the HCM (TestInbound "mtls to http",
  // "tls to http": ErrProtocolError).
  if (port === 'http') return fail('protocol-error', `DISABLE: ${offered === 'mtls' ? 'Istio mTLS' : 'TLS'} is not terminated and the HTTP connection manager cannot parse it`);
  // Rule: on TCP and sniffed ports the TLS bytes go to the app ("no reason we should block mTLS traffic, we
  // just will not terminate it"; TestInbound "mtls tcp to tcp", "mtls http to auto port", "tls to tcp").
  return ok('passthrough-tls', offered === 'mtls'
    ? 'DISABLE: Istio mTLS is passed to the app unterminated; only an app holding an Istio certificate completes it'
    : 'DISABLE: app TLS is passed to the app unterminated');
}

function mtlsTerminated(port: PortProtocol, payload: Payload, mode: 'STRICT' | 'PERMISSIVE'): InboundResult {
  // [Envoy] After termination an HTTP-only port still needs HTTP inside (TestInbound covers only HTTP here).
  if (port === 'http' && payload === 'tcp') return fail('protocol-error', `${mode}: mTLS terminated, but raw TCP inside reaches the HTTP connection manager`);
  // Rule: Istio mTLS is terminated and routed (TestInbound "mtls to http", "mtls tcp to tcp", "mtls http to auto port").
  return ok('mtls', `${mode}: Istio mTLS terminated by the sidecar`);
}

function noSidecar(port: PortProtocol, offered: Offered, payload: Payload): InboundResult {
  // Rule: an app without a sidecar takes plaintext as is (reachability: sc→naked ok without DR TLS).
  if (offered === 'plaintext') {
    return port === 'http' && payload === 'tcp' ? fail('protocol-error', 'no sidecar: raw TCP to an HTTP app') : ok('plaintext', 'no sidecar: the app reads plaintext');
  }
  // Rule: Istio mTLS needs an Istio certificate on the server; the client sidecar's handshake fails whatever the
  // app speaks (reachability "global mtls strict" sc→naked FAIL on HTTP, HTTPS, TCP; "migration tls mutual":
  // vlegacy not OK). The client sidecar reports it as 503 UF (TLS error), no status from the server.
  if (offered === 'mtls') return fail('rejected', 'no sidecar: nobody holds an Istio certificate, so the mTLS handshake cannot complete');
  // Rule: app TLS reaches the app, which speaks it on TLS/TCP ports (reachability HTTPS port to naked: ok) but not on HTTP ports.
  if (port === 'http') return fail('protocol-error', 'no sidecar: TLS bytes reach a plaintext HTTP app');
  return ok('passthrough-tls', 'no sidecar: app TLS goes straight to the app');
}

/**
 * What the server side makes of a connection. `mode` is the effective PeerAuthentication mode on the
 * target port (serverModeForPort) or 'no-sidecar'; `payload` (default http) matters on HTTP-only ports.
 */
export function acceptInbound(mode: InboundMtlsMode | 'no-sidecar', portProtocol: PortProtocol, offered: Offered, payload: Payload = 'http'): InboundResult {
  switch (mode) {
    case 'STRICT':
      return strict(portProtocol, offered, payload);
    case 'PERMISSIVE':
      return permissive(portProtocol, offered, payload);
    case 'DISABLE':
      return disable(portProtocol, offered, payload);
    case 'no-sidecar':
      return noSidecar(portProtocol, offered, payload);
  }
}

/**
 * The peer principal the server sees: the client's SPIFFE identity (`spiffe://td/ns/x/sa/y`) only for Istio
 * mTLS; null for plaintext and for TLS without an Istio certificate. Pass acceptInbound's `outcome` to get the
 * sidecar's view (a DISABLE port passes mTLS through unterminated: `passthrough-tls`, no principal), or the
 * offered transport for the client's view.
 */
export function principalOf(connection: Offered | InboundOutcome, clientIdentity: string | null): string | null {
  if (connection !== 'mtls' || clientIdentity === null || clientIdentity === '') return null;
  return clientIdentity.startsWith('spiffe://') ? clientIdentity : `spiffe://${clientIdentity}`;
}
