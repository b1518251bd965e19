/**
 * The security filters on the receiving side of a proxy — a sidecar's inbound, a gateway's listeners —
 * in Envoy's order (listener_builder.go: ext_authz, then jwt_authn, then RBAC; networkfilter.go for
 * TCP): the TLS handshake on a sidecar's virtualInbound filter chain (PeerAuthentication mode: STRICT,
 * PERMISSIVE or DISABLE, per target port); then the CUSTOM stage (ext_authz, or Istio's deny rules
 * for a bad provider); on HTTP chains the JWT filter (RequestAuthentication, jwt.ts); then the RBAC
 * filters (DENY, ALLOW, AUDIT) on the request (HTTP) or the connection (TCP). Denials are values: a
 * reset connection, 401/403 from the JWT filter, 403 `RBAC: access denied`, or the ext_authz answer.
 *
 * Rules followed:
 * - Gateways have no PeerAuthentication handshake (their Gateway servers decide TLS, engine.ts); the
 *   peer has no principal there, and `source.ip` is the downstream client's address.
 * - `remote.ip` is the connection manager's remote address (xff.ts): X-Forwarded-For read with the
 *   gateway's numTrustedProxies, or its rightmost entry at a sidecar; a gateway appends the peer to
 *   X-Forwarded-For before its filters. TCP chains: the peer.
 * - The CUSTOM stage runs before the JWT filter, so it sees no request principal or claims.
 * - Paths are normalized (MeshConfig pathNormalization, BASE by default) before authorization matches
 *   them; a path that cannot be normalized is a 400 from the connection manager.
 *
 * Invariants: pure; a call without security config (tests) passes unchanged; the request that goes
 * on upstream is the one the JWT filter left (token removed, payload and claim headers added);
 * the RBAC stage sees the JWT identity (request principal, claims, audiences, presenter).
 *
 * Not modelled: client certificates on gateway MUTUAL / ISTIO_MUTUAL servers (no principal at
 * gateways), PROXY protocol, source NAT in front of a gateway, ext_authz timing. (Routing and the
 * path forwarded on are normalized by the connection manager itself, engine.ts handleHttp.)
 */
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { WorkloadSecurity } from '../xds/security.ts';
import { acceptInbound, principalOf, serverModeForPort } from './mtls.ts';
import type { PortProtocol } from './mtls.ts';
import { localReplyOutcome, resetOutcome } from './outcome.ts';
import type { InboundSecurity, Outcome, Walk } from './outcome.ts';
import type { Call, HttpRequest } from './request.ts';
import { combineStages, evaluateCustomStage, evaluateLocalStage } from './authz.ts';
import type { AuthzDecision, AuthzRequest, ExtAuthzAnswer } from './authz.ts';
import { normalizePath } from './authz-path.ts';
import { authenticateJwt } from './jwt.ts';
import { appendForwardedFor, remoteAddress } from './xff.ts';
import type { JwtIdentity, JwtVerifier } from './jwt.ts';

/** What the edge hands the security filters: the JWT signature check, the clock, the ext_authz answers. */
export interface InboundOptions {
  /** Checks a token's signature against the provider's keys; null or absent: no token can be verified. */
  readonly jwtVerifier?: JwtVerifier | null;
  /** Seconds since the Unix epoch (default 0). */
  readonly nowSeconds?: number;
  /** What an ext_authz provider answers a request its CUSTOM rule matched; absent or undefined: deny. */
  readonly extAuthz?: (provider: string) => ExtAuthzAnswer | undefined;
}

export type InboundVerdict =
  | { readonly pass: true; readonly call: Call; readonly security: InboundSecurity }
  | { readonly pass: false; readonly outcome: Outcome };

/**
 * Handshake (sidecars), CUSTOM, JWT filter (HTTP chains), RBAC: the call as it goes on to the chain's
 * filter, or the outcome that ends it here.
 */
export function inboundFilters(security: WorkloadSecurity, listener: Listener, chain: FilterChain, arriving: Call, walk: Walk, options: InboundOptions = {}): InboundVerdict {
  // The TLS handshake happens on the chain, before any byte of HTTP: a STRICT port refuses plain text
  // at the connection (no HTTP status; Istio simulation ErrNoFilterChain / ErrMTLSError).
  const handshake = inboundHandshake(security, listener, arriving);
  if (!handshake.ok) return { pass: false, outcome: { ...resetOutcome(walk, null, handshake.reason), security: handshake.security } };
  const hcm = chain.filter.kind === 'http' && arriving.request !== undefined;
  // The connection manager settles the remote address from X-Forwarded-For, and a gateway appends the
  // peer to it, before any filter (xff.ts; Envoy config_http_conn_man_headers x-forwarded-for).
  const trustedHops = security.xffNumTrustedHops ?? null;
  const remoteIp = hcm ? remoteAddress(arriving, trustedHops) : arriving.sourceIp ?? '0.0.0.0';
  const call = hcm && trustedHops !== null ? appendForwardedFor(arriving) : arriving;
  const http = hcm ? call.request! : null;
  let state: InboundSecurity = { ...handshake.security, jwt: null };
  // MeshConfig pathNormalization (listener_builder.go: normalize_path, merge_slashes, escaped slashes).
  const path = http === null || security.authorization.length === 0 ? null : normalizePath(http.path, security.pathNormalization ?? 'BASE');
  // The connection manager normalizes the path before any filter: one it cannot normalize is a 400.
  if (http !== null && security.authorization.length > 0 && path === null) {
    return { pass: false, outcome: { ...localReplyOutcome(walk, 400, 'DPE', `the path ${http.path} cannot be normalized: Envoy answers 400.`), security: state } };
  }
  const authorized = security.authorization.length > 0;
  const authzOptions = { tcp: http === null, providers: security.extAuthzProviders, ...(options.extAuthz === undefined ? {} : { customDecision: options.extAuthz }) };
  // ext_authz (CUSTOM) comes before jwt_authn: it sees no request principal. (No policy: no stage.)
  const custom = authorized ? evaluateCustomStage(security.authorization, authzRequest(call, remoteIp, http, path, state, null), authzOptions) : null;
  if (custom !== null && custom.denial !== null) return { pass: false, outcome: denied(combineStages(custom, null), http !== null, walk, state) };
  let request = http;
  let identity: JwtIdentity | null = null;
  if (http !== null) {
    const jwt = authenticateJwt(security.jwtProviders, http, options.jwtVerifier ?? null, { nowSeconds: options.nowSeconds ?? 0 });
    if (jwt.summary !== null) state = { ...state, jwt: jwt.summary };
    // jwt_authn answers itself (sendLocalReply): no response flag, the status text as body.
    if (!jwt.ok) return { pass: false, outcome: { ...localReplyOutcome(walk, jwt.status, null, jwt.summary.reason, jwt.responseHeaders), security: state } };
    request = jwt.request;
    identity = jwt.identity;
  }
  if (custom === null) return { pass: true, call: request === null || request === http ? call : { ...call, request }, security: state };
  const decision = combineStages(custom, evaluateLocalStage(security.authorization, authzRequest(call, remoteIp, request, path, state, identity), authzOptions));
  if (!decision.allowed) return { pass: false, outcome: denied(decision, http !== null, walk, state) };
  return { pass: true, call: request === null ? call : { ...call, request }, security: { ...state, authz: summaryOf(decision) } };
}

/** A denial as the client sees it: HTTP 403 (or the ext_authz status) or a closed TCP connection. */
function denied(decision: AuthzDecision, http: boolean, walk: Walk, state: InboundSecurity): Outcome {
  const security = { ...state, authz: summaryOf(decision) };
  // RBAC (and ext_authz) close a TCP connection.
  if (!http) return { ...resetOutcome(walk, decision.flag, `Authorization denied the connection: ${decision.reason}`), security };
  // Envoy logs no response flag for an RBAC denial (rbac_access_denied_matched_policy); ext_authz raises UAEX.
  const status = decision.status ?? 403;
  const text = decision.flag === 'UAEX' ? `ext_authz denied the request (${status}). ${decision.reason}` : `RBAC: access denied. ${decision.reason}`;
  return { ...localReplyOutcome(walk, status, decision.flag, text), security };
}

function summaryOf(decision: AuthzDecision): NonNullable<InboundSecurity['authz']> {
  return { decision: decision.allowed ? 'ALLOW' : decision.decision === 'CUSTOM' ? 'CUSTOM' : 'DENY', policy: decision.policy, provider: decision.provider, reason: decision.reason };
}

/** What the RBAC and ext_authz filters see of the call. */
function authzRequest(call: Call, remoteIp: string, request: HttpRequest | null, path: string | null, handshake: InboundSecurity, identity: JwtIdentity | null): AuthzRequest {
  return {
    sourcePrincipal: handshake.principal,
    sourceIp: call.sourceIp ?? '0.0.0.0',
    remoteIp,
    requestPrincipal: identity?.principal ?? null,
    ...(identity === null ? {} : { requestClaims: identity.claims, audiences: identity.audiences }),
    ...(identity?.presenter == null ? {} : { presenter: identity.presenter }),
    destinationIp: call.destinationIp,
    destinationPort: call.destinationPort,
    ...(call.sni === undefined ? {} : { sni: call.sni }),
    ...(request === null ? {} : { http: { method: request.method, host: request.authority, path: path ?? request.path, headers: request.headers } }),
  };
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
  const inboundMtls = security.inboundMtls;
  // Gateways: PeerAuthentication does not apply; the listener's server settings decide TLS (engine.ts).
  if (inboundMtls === null) return { ok: true, security: { mtls: false, principal: null, authz: null } };
  const mode = serverModeForPort(inboundMtls, call.destinationPort);
  const offered = call.transport ?? 'plaintext';
  const result = acceptInbound(mode, inboundPortProtocol(listener, call.destinationPort), offered, call.request === undefined ? 'tcp' : 'http');
  const principal = result.accepted ? principalOf(result.outcome, call.sourcePrincipal ?? null) : null;
  const state: InboundSecurity = { mtls: result.outcome === 'mtls', principal, authz: null };
  if (!result.accepted) {
    const by = inboundMtls.source === null ? 'the mesh default (PERMISSIVE)' : `PeerAuthentication ${inboundMtls.source}`;
    return { ok: false, reason: `${result.reason} (mode ${mode} from ${by}).`, security: state };
  }
  return { ok: true, security: state };
}
