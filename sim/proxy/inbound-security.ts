/**
 * The inbound security filters of a sidecar, in Envoy's order: the TLS handshake on the virtualInbound
 * filter chain (PeerAuthentication mode: STRICT, PERMISSIVE or DISABLE, per target port), then — for
 * traffic that got through — authorization (RBAC) once the request is known (HTTP) or on the connection
 * (TCP). Denials are values: a reset connection, or 403 `RBAC: access denied`.
 *
 * Invariants: pure; a call without security config (gateways, tests) passes unchanged.
 *
 * Paths are normalized (BASE, Istio's default) before authorization matches them.
 *
 * Not modelled: JWT authentication (RequestAuthentication; arrives with JWT), ext_authz timing, the mesh
 * `pathNormalization` setting (BASE always).
 */
import type { FilterChain, Listener } from '../xds/listener.ts';
import type { WorkloadSecurity } from '../xds/security.ts';
import { acceptInbound, principalOf, serverModeForPort } from './mtls.ts';
import type { PortProtocol } from './mtls.ts';
import type { InboundSecurity } from './outcome.ts';
import type { Call, HttpRequest } from './request.ts';
import { evaluateAuthorization } from './authz.ts';
import { normalizePath } from './authz-path.ts';

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
export function inboundAuthorization(security: WorkloadSecurity, call: Call, request: HttpRequest | null, handshake: InboundSecurity): AuthorizationVerdict {
  const policies = security.authorization;
  if (policies.length === 0) return { ok: true, security: handshake };
  const path = request === null ? null : normalizePath(request.path, 'BASE');
  if (request !== null && path === null) {
    return { ok: false, badPath: true, reason: `the path ${request.path} cannot be normalized: Envoy answers 400.`, security: handshake };
  }
  const decision = evaluateAuthorization(policies, {
    sourcePrincipal: handshake.principal,
    sourceIp: call.sourceIp ?? '0.0.0.0',
    requestPrincipal: null,
    destinationIp: call.destinationIp,
    destinationPort: call.destinationPort,
    ...(call.sni === undefined ? {} : { sni: call.sni }),
    ...(request === null ? {} : { http: { method: request.method, host: request.authority, path: path!, headers: request.headers } }),
  }, { tcp: request === null });
  const security_: InboundSecurity = { ...handshake, authz: { decision: decision.allowed ? 'ALLOW' : decision.decision === 'CUSTOM' ? 'CUSTOM' : 'DENY', policy: decision.policy, reason: decision.reason } };
  return decision.allowed ? { ok: true, security: security_ } : { ok: false, badPath: false, reason: decision.reason, security: security_ };
}
