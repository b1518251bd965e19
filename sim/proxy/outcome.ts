/**
 * What one proxy did with one call, as a JSON-safe value: the answer (an HTTP status, a redirect, a
 * direct response, a reset or refused connection, or the request sent on to an endpoint), Envoy's
 * response flags, and the path the call took through the config (listener, filter chain, virtual host,
 * route, cluster, endpoint), with one readable sentence saying why.
 *
 * Kinds:
 * - `forwarded`: sent to an endpoint (HTTP: `upstream` is the request as it leaves; the status is the
 *   upstream's, so null here; TCP: connected to the endpoint). An HTTP request the router also shadows
 *   (request_mirror_policies) lists the copies in `mirrors`, sent fire-and-forget beside it.
 * - `local-reply`: Envoy answered itself with an error status (404 NR, 503 NC/UH, a fault abort FI).
 * - `direct`: a route's direct_response; `redirect`: a route's redirect (or require_tls) with Location.
 * - `reset`: the proxy accepted the connection and closed it (no filter chain NR, TCP UH/NC, blackhole,
 *   protocol error DPE); `refused`: no listener took the connection.
 *
 * Invariants: `status` is null exactly for forwarded/reset/refused; `connected` is false exactly for
 * reset/refused; `mirrors` is absent or non-empty, and only on forwarded HTTP outcomes; `delayUs` ≥ 0
 * and non-zero only with flag DI; values hold no undefined, functions, Maps or class instances, so
 * JSON.stringify round-trips them.
 *
 * Not modelled: access-log fields beyond flags (bytes, durations, upstream host attempts), response
 * code details strings (`route_not_found`, …), upstream transport failure reasons.
 */
import type { LbEndpoint } from '../xds/cluster.ts';
import type { RetryPolicy } from '../xds/route.ts';
import type { HttpRequest } from './request.ts';
import type { JwtSummary } from './jwt.ts';
import type { UpstreamHold } from './upstream-resilience.ts';

/** Envoy response flags (access log `%RESPONSE_FLAGS%`) the engine can raise. */
export type ResponseFlag = 'NR' | 'NC' | 'UH' | 'FI' | 'DI' | 'UF' | 'URX' | 'UO' | 'UT' | 'DPE' | 'UAEX';

export type OutcomeKind = 'forwarded' | 'local-reply' | 'direct' | 'redirect' | 'reset' | 'refused';

/** How far the call got, accumulated as the engine walks the config. */
export interface Walk {
  readonly listener: string | null;
  readonly filterChain: string | null;
  readonly virtualHost: string | null;
  readonly route: string | null;
  readonly cluster: string | null;
  /** Injected delay so far (fault filter), µs. */
  readonly delayUs: number;
  /** Flags raised so far that do not end the call (DI). */
  readonly flags: readonly ResponseFlag[];
  readonly retry: RetryPolicy | null;
  readonly timeoutUs: number | null;
}

export const WALK_START: Walk = {
  listener: null, filterChain: null, virtualHost: null, route: null, cluster: null,
  delayUs: 0, flags: [], retry: null, timeoutUs: null,
};

/** What the security filters of the receiving proxy decided (a sidecar's inbound, a gateway's listener). */
export interface InboundSecurity {
  /** Did the connection use Istio mTLS into this proxy (always false at gateways). */
  readonly mtls: boolean;
  /** The peer's principal, when mTLS authenticated one. */
  readonly principal: string | null;
  /** `provider`: the ext_authz provider a CUSTOM policy sent the request to (or whose bad config denied it). */
  readonly authz: { readonly decision: 'ALLOW' | 'DENY' | 'CUSTOM' | 'AUDIT'; readonly policy: string | null; readonly provider?: string | null; readonly reason: string } | null;
  /** What the JWT filter (RequestAuthentication) did; absent or null when no provider applies. */
  readonly jwt?: JwtSummary | null;
}

/**
 * A shadow copy the router sends beside the request (Envoy request_mirror_policies, ShadowWriterImpl):
 * the mirror cluster, and the copy as it leaves (the routed request, its Host with `-shadow` appended).
 */
export interface MirrorCopy {
  readonly cluster: string;
  readonly request: HttpRequest;
}

interface OutcomeBase extends Walk {
  readonly status: number | null;
  readonly connected: boolean;
  readonly endpoint: LbEndpoint | null;
  readonly upstream: HttpRequest | null;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly reason: string;
  readonly security?: InboundSecurity;
  /** In a run: the slot this forwarded request holds in its cluster's pool (upstream-resilience.ts). */
  readonly hold?: UpstreamHold;
  /** Shadow copies of a forwarded HTTP request (absent: none), in the route's mirror policy order. */
  readonly mirrors?: readonly MirrorCopy[];
}

export type Outcome =
  | (OutcomeBase & { readonly kind: 'forwarded' | 'local-reply' | 'reset' | 'refused' })
  | (OutcomeBase & { readonly kind: 'direct'; readonly directBody: string })
  | (OutcomeBase & { readonly kind: 'redirect'; readonly redirect: { readonly location: string } });

function base(walk: Walk, reason: string): OutcomeBase {
  return {
    ...walk, flags: [...walk.flags], status: null, connected: false, endpoint: null, upstream: null,
    responseHeaders: {}, reason,
  };
}

/** No listener took the connection (Istio simulator ErrNoListener: connection refused). */
export function refusedOutcome(walk: Walk, reason: string): Outcome {
  return { ...base(walk, reason), kind: 'refused' };
}

/** The proxy closed the connection without an HTTP answer. */
export function resetOutcome(walk: Walk, flag: ResponseFlag | null, reason: string): Outcome {
  const started = base(walk, reason);
  return { ...started, kind: 'reset', flags: flag === null ? started.flags : [...started.flags, flag] };
}

/** Envoy answered with an error of its own (sendLocalReply); a filter's denial (RBAC, JWT) raises no flag. */
export function localReplyOutcome(
  walk: Walk, status: number, flag: ResponseFlag | null, reason: string, responseHeaders: Readonly<Record<string, string>> = {},
): Outcome {
  const started = base(walk, reason);
  return { ...started, kind: 'local-reply', status, connected: true, flags: flag === null ? started.flags : [...started.flags, flag], responseHeaders: { ...responseHeaders } };
}

export function directOutcome(
  walk: Walk, status: number, body: string, responseHeaders: Readonly<Record<string, string>>, reason: string,
): Outcome {
  return { ...base(walk, reason), kind: 'direct', status, connected: true, directBody: body, responseHeaders: { ...responseHeaders } };
}

export function redirectOutcome(
  walk: Walk, status: number, location: string, responseHeaders: Readonly<Record<string, string>>, reason: string,
): Outcome {
  return {
    ...base(walk, reason), kind: 'redirect', status, connected: true, redirect: { location },
    responseHeaders: { ...responseHeaders, location },
  };
}

/**
 * Sent on: `upstream` is the HTTP request as it leaves (null for TCP that carries no HTTP request).
 * `responseHeaders` becomes the outcome's own (callers pass a fresh object); `hold` and `mirrors` are
 * set only when given (a run's pool slot; shadow copies, never empty). One object per forwarded call:
 * every request of a run makes one or two.
 */
export function forwardedOutcome(
  walk: Walk, endpoint: LbEndpoint, upstream: HttpRequest | null, responseHeaders: Record<string, string>, reason: string,
  hold: UpstreamHold | null = null, mirrors: readonly MirrorCopy[] = [],
): Outcome {
  const flags = walk.flags.length === 0 ? NO_FLAGS : [...walk.flags];
  const sent: { -readonly [K in keyof OutcomeBase]: OutcomeBase[K] } & { kind: 'forwarded' } = { ...walk, flags, status: null, connected: true, endpoint, upstream, responseHeaders, reason, kind: 'forwarded' };
  if (mirrors.length > 0) sent.mirrors = mirrors;
  if (hold !== null) sent.hold = hold;
  return sent;
}

// The flags of an outcome that raised none, shared (frozen: outcomes are values, never edited).
const NO_FLAGS: readonly ResponseFlag[] = Object.freeze([]);
