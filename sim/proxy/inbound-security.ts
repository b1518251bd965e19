/**
 * The inbound security filters of a sidecar, in Envoy's order: the TLS handshake on the virtualInbound
 * filter chain (PeerAuthentication mode: STRICT, PERMISSIVE or DISABLE, per target port), then — for
 * traffic that got through — on HTTP chains the JWT filter (RequestAuthentication, jwt.ts), then
 * authorization (RBAC) once the request is known (HTTP) or on the connection (TCP). Denials are
 * values: a reset connection, 401/403 from the JWT filter, or 403 `RBAC: access denied`.
 *
 * Invariants: pure; a call without security config (gateways, tests) passes unchanged; the request
 * that goes on upstream is the one the JWT filter left (token removed, payload and claim headers
 * added); authorization sees the JWT identity (request principal, claims, audiences, presenter).
 *
 * Paths are normalized (BASE, Istio's default) before authorization matches them.
 *
 * Not modelled: ext_authz (CUSTOM) running before the JWT filter (here every authorization stage
 * runs after it, so a CUSTOM denial of a request with a bad token shows as the JWT's 401), ext_authz
 * timing, the mesh `pathNormalization` setting (BASE always).
 */
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { WorkloadSecurity } from '../xds/security.ts';
import { acceptInbound, principalOf, serverModeForPort } from './mtls.ts';
import type { PortProtocol } from './mtls.ts';
import { localReplyOutcome, resetOutcome } from './outcome.ts';
import type { InboundSecurity, Outcome, Walk } from './outcome.ts';
import type { Call, HttpRequest } from './request.ts';
import { evaluateAuthorization } from './authz.ts';
import { normalizePath } from './authz-path.ts';
import { authenticateJwt } from './jwt.ts';
import type { JwtIdentity, JwtVerifier } from './jwt.ts';

/** What the edge hands the inbound filters: the JWT signature check and the clock for exp/nbf. */
export interface InboundOptions {
  /** Checks a token's signature against the provider's keys; null or absent: no token can be verified. */
  readonly jwtVerifier?: JwtVerifier | null;
  /** Seconds since the Unix epoch (default 0). */
  readonly nowSeconds?: number;
}

export type InboundVerdict =
  | { readonly pass: true; readonly call: Call; readonly security: InboundSecurity }
  | { readonly pass: false; readonly outcome: Outcome };

/**
 * Handshake, JWT filter (HTTP chains), authorization: the call as it goes on to the chain's filter,
 * or the outcome that ends it here.
 */
export function inboundFilters(security: WorkloadSecurity, listener: Listener, chain: FilterChain, call: Call, walk: Walk, options: InboundOptions = {}): InboundVerdict {
  // The TLS handshake happens on the chain, before any byte of HTTP: a STRICT port refuses plain text
  // at the connection (no HTTP status; Istio simulation ErrNoFilterChain / ErrMTLSError).
  const handshake = inboundHandshake(security, listener, call);
  if (!handshake.ok) return { pass: false, outcome: { ...resetOutcome(walk, null, handshake.reason), security: handshake.security } };
  const http = chain.filter.kind === 'http' && call.request !== undefined ? call.request : null;
  let state: InboundSecurity = { ...handshake.security, jwt: null };
  let request = http;
  let identity: JwtIdentity | null = null;
  if (http !== null) {
    const jwt = authenticateJwt(security.jwtProviders, http, options.jwtVerifier ?? null, { nowSeconds: options.nowSeconds ?? 0 });
    state = { ...state, jwt: jwt.summary };
    // jwt_authn answers itself (sendLocalReply): no response flag, the status text as body.
    if (!jwt.ok) return { pass: false, outcome: { ...localReplyOutcome(walk, jwt.status, null, jwt.summary.reason, jwt.responseHeaders), security: state } };
    request = jwt.request;
    identity = jwt.identity;
  }
  const authz = inboundAuthorization(security, call, request, state, identity);
  if (!authz.ok) {
    // RBAC denies with 403 "RBAC: access denied" on HTTP and closes a TCP connection.
    if (http === null) return { pass: false, outcome: { ...resetOutcome(walk, null, `Authorization denied the connection: ${authz.reason}`), security: authz.security } };
    // Envoy logs no response flag for an RBAC denial (response code detail rbac_access_denied_matched_policy).
    const reply = authz.badPath ? localReplyOutcome(walk, 400, 'DPE', authz.reason) : localReplyOutcome(walk, 403, null, `RBAC: access denied. ${authz.reason}`);
    return { pass: false, outcome: { ...reply, security: authz.security } };
  }
  return { pass: true, call: request === null ? call : { ...call, request }, security: authz.security };
}

export type HandshakeVerdict =
  | { readonly ok: true; readonly security: InboundSecurity }
  | { readonly ok: false; readonly reason: string; readonly security: InboundSecurity };

/** The port's protocol as the inbound listener serves it: HTTP only, TCP only, or sniffed (both). */
export function inboundPortProtocol(listener: Listener, port: number): PortProtocol {
  const chains = listener.filterChains.filter((c: FilterChain) => c.match.destinationPort === port);
  const http = chains.some((c) => c.filter.kind === 'http');
  const tcp = chains.some((c) => c.filter.kind !== 'http');
  if (http && tcp) return 'auto';
  return http ? 'http' : chains.length === 0 ? 'auto' : 'tcp';
}

export function inboundHandshake(security: WorkloadSecurity, listener: Listener, call: Call): HandshakeVerdict {
  const mode = serverModeForPort(security.inboundMtls, call.destinationPort);
  const offered = call.transport ?? 'plaintext';
  const result = acceptInbound(mode, inboundPortProtocol(listener, call.destinationPort), offered, call.request === undefined ? 'tcp' : 'http');
  const principal = result.accepted ? principalOf(result.outcome, call.sourcePrincipal ?? null) : null;
  const state: InboundSecurity = { mtls: result.outcome === 'mtls', principal, authz: null };
  const by = security.inboundMtls.source === null ? 'the mesh default (PERMISSIVE)' : `PeerAuthentication ${security.inboundMtls.source}`;
  if (!result.accepted) return { ok: false, reason: `${result.reason} (mode ${mode} from ${by}).`, security: state };
  return { ok: true, security: state };
}

export type AuthorizationVerdict =
  | { readonly ok: true; readonly security: InboundSecurity }
  | { readonly ok: false; readonly badPath: boolean; readonly reason: string; readonly security: InboundSecurity };

/**
 * The RBAC filters (Istio: CUSTOM, then DENY, then ALLOW; AUDIT marks): on the HTTP request when the
 * chain speaks HTTP, else on the connection (HTTP-only fields then drop ALLOW rules and narrow DENY ones).
 */
export function inboundAuthorization(
  security: WorkloadSecurity, call: Call, request: HttpRequest | null, handshake: InboundSecurity, identity: JwtIdentity | null = null,
): AuthorizationVerdict {
  const policies = security.authorization;
  if (policies.length === 0) return { ok: true, security: handshake };
  const path = request === null ? null : normalizePath(request.path, 'BASE');
  if (request !== null && path === null) {
    return { ok: false, badPath: true, reason: `the path ${request.path} cannot be normalized: Envoy answers 400.`, security: handshake };
  }
  const decision = evaluateAuthorization(policies, {
    sourcePrincipal: handshake.principal,
    sourceIp: call.sourceIp ?? '0.0.0.0',
    requestPrincipal: identity?.principal ?? null,
    ...(identity === null ? {} : { requestClaims: identity.claims, audiences: identity.audiences }),
    ...(identity?.presenter == null ? {} : { presenter: identity.presenter }),
    destinationIp: call.destinationIp,
    destinationPort: call.destinationPort,
    ...(call.sni === undefined ? {} : { sni: call.sni }),
    ...(request === null ? {} : { http: { method: request.method, host: request.authority, path: path!, headers: request.headers } }),
  }, { tcp: request === null });
  const security_: InboundSecurity = { ...handshake, authz: { decision: decision.allowed ? 'ALLOW' : decision.decision === 'CUSTOM' ? 'CUSTOM' : 'DENY', policy: decision.policy, reason: decision.reason } };
  return decision.allowed ? { ok: true, security: security_ } : { ok: false, badPath: false, reason: decision.reason, security: security_ };
}
