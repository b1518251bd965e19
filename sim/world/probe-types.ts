/**
 * The probe's inputs and results as data: the request a user describes (`--from`, `--url`, `-H` …), the
 * result contract printed by `meshsim probe --json` (documented in the README), and URL parsing.
 *
 * Invariants: results are JSON-safe; `status` is null exactly when no HTTP response came back.
 *
 * Not modelled: URL userinfo, IPv6 literals, fragments (dropped, as HTTP clients do).
 */
import type { UpstreamHold } from '../proxy/upstream-resilience.ts';
import { parseIp } from '../proxy/match/cidr.ts';

export interface ProbeRequest {
  /** `ns/workload`, or `external` for a client outside the mesh. */
  readonly from: string;
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly sni?: string;
  /** For `external` clients: what the caller puts on the wire (default plain text). */
  readonly tls?: 'plaintext' | 'tls' | 'mtls';
  /** A JWT, sent as `Authorization: Bearer <jwt>` (replacing any Authorization header). */
  readonly jwt?: string;
  /**
   * Claims standing in for a validly signed token from their issuer: sent as a token with these
   * claims whose signature is taken as good (issuer, expiry and audiences are still checked).
   */
  readonly jwtClaims?: Readonly<Record<string, unknown>>;
  /**
   * What each ext_authz provider (MeshConfig extensionProviders, by name) answers a request a CUSTOM
   * policy sends it: allow, deny, or error (failed or unreachable: failOpen and statusOnError decide).
   * A provider not listed denies.
   */
  readonly extAuthz?: Readonly<Record<string, 'allow' | 'deny' | 'error'>>;
}

/** What the destination's JWT filter (RequestAuthentication) did with the request. */
export interface ProbeJwt {
  /** `authenticated`: a token verified; `no-token`: none where the providers look; `bypassed`: a CORS preflight; `rejected`: 401/403. */
  readonly outcome: 'authenticated' | 'no-token' | 'bypassed' | 'rejected';
  /** `iss/sub` of the verified token. */
  readonly principal: string | null;
  /** `ns/name` of the RequestAuthentication whose rule verified it. */
  readonly provider: string | null;
  /** The token came from `jwtClaims`: its signature was not checked. */
  readonly standIn: boolean;
  readonly reason: string;
}

export interface ProbeHop {
  /** The proxy's id (`pod.namespace`), or `kube-proxy` for a client without a sidecar. */
  readonly proxy: string;
  readonly direction: 'outbound' | 'inbound' | 'gateway' | 'kube-proxy';
  readonly listener: string | null;
  readonly filterChain: string | null;
  readonly virtualHost: string | null;
  readonly route: string | null;
  readonly cluster: string | null;
  /** `ip:port (pod)` of the endpoint chosen, or null. */
  readonly endpoint: string | null;
  readonly flags: readonly string[];
  readonly reason: string;
}

export interface ProbeDestination {
  readonly service: string | null;
  readonly port: number | null;
  readonly subset: string | null;
  readonly workload: string;
  readonly namespace: string;
  readonly pod: string;
}

export interface ProbeResult {
  readonly status: number | null;
  readonly connected: boolean;
  readonly flags: readonly string[];
  readonly destination: ProbeDestination | null;
  /** Filled by the security model; null until it lands. */
  readonly mtls: boolean | null;
  /** The JWT filter at the destination, else at the gateway (null: no RequestAuthentication applies there, or the request never reached it). */
  readonly jwt: ProbeJwt | null;
  /**
   * The authorization decision at the destination, else at the gateway (null: no policy applies there);
   * `policy` is the deciding one, null when no ALLOW policy matched; `provider` the ext_authz provider a
   * CUSTOM policy sent the request to (or whose bad config denied it), else null.
   */
  readonly authz: { readonly decision: string; readonly policy: string | null; readonly provider: string | null; readonly reason: string } | null;
  readonly upstream: { readonly method: string; readonly authority: string; readonly path: string; readonly headers: Readonly<Record<string, string>> } | null;
  readonly response: { readonly headers: Readonly<Record<string, string>> };
  /** Injected delay (fault injection) the caller waits, in milliseconds. */
  readonly delayMs: number;
  readonly retry: { readonly attempts: number; readonly perTryTimeoutMs: number | null; readonly retryOn: readonly string[] } | null;
  readonly timeoutMs: number | null;
  readonly trace: readonly ProbeHop[];
  /**
   * Shadow copies a proxy on the way sends beside the request (VirtualService `mirror` / `mirrors`,
   * Envoy request_mirror_policies), in hop and policy order; absent when there are none. A probe at
   * rest only says where they would go; a run sends each (ProbeSession.shadow) and ignores its answer.
   */
  readonly mirrors?: readonly ProbeMirror[];
  /**
   * In a run only (absent at rest, so never in `meshsim probe` output): the pool slot each proxy that
   * forwarded the request holds, in hop order; the run releases them when the attempt ends.
   */
  readonly holds?: readonly ProbeHold[];
}

/** One shadow copy: the proxy that sends it, the mirror cluster, and the copy as it leaves (Host with `-shadow`). */
export interface ProbeMirror {
  /** The sending proxy's id (`pod.namespace`), as in the trace. */
  readonly proxy: string;
  /** `outbound|port|subset|host`. */
  readonly cluster: string;
  readonly upstream: { readonly method: string; readonly scheme: 'http' | 'https'; readonly authority: string; readonly path: string; readonly headers: Readonly<Record<string, string>> };
}

/** A slot in a proxy's upstream pool (sim/proxy/upstream-resilience.ts), with the proxy's id. */
export type ProbeHold = UpstreamHold;

export interface ProbeError {
  readonly error: string;
  readonly hint: string;
}

export interface ProbeUrl {
  readonly scheme: 'http' | 'https' | 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
  /** `host` or `host:port` as the client puts it in the Host header. */
  readonly authority: string;
  readonly path: string;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, tls: 443 };

export function parseProbeUrl(text: string): ProbeUrl | ProbeError {
  // RFC 3986: an IPv6 literal host is written in brackets (http://[2001:db8::1]:8080/); the Host header
  // keeps the brackets, name resolution and listeners see the bare address.
  const m = /^(https?|tcp|tls):\/\/(\[[^\]/?#]*\]|[^/:?#[\]]+)(?::([^/?#]*))?([^#]*)/.exec(text);
  if (m === null) {
    return { error: `cannot read the URL "${text}"`, hint: 'Write it as scheme://host[:port]/path, with scheme http, https, tcp or tls (e.g. http://reviews:9080/reviews/1, http://[2001:db8::1]:8080/).' };
  }
  const bracketed = m[2]!.startsWith('[');
  if (bracketed && (parseIp(m[2]!.slice(1, -1))?.length ?? 0) !== 16) {
    return { error: `"${m[2]}" in the URL "${text}" is not an IPv6 address`, hint: 'Brackets hold an IPv6 literal such as [2001:db8::1]; write other hosts without them.' };
  }
  const scheme = m[1] as ProbeUrl['scheme'];
  const portText = m[3] === '' ? undefined : m[3]; // `host:` with nothing after it is the default port, as in a URL
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) {
    return { error: `the port "${portText}" in the URL "${text}" is not a number`, hint: 'Write the port as digits after the host (http://reviews:9080/), or leave it out for the scheme\'s default.' };
  }
  const port = portText === undefined ? DEFAULT_PORTS[scheme] : Number(portText);
  if (port === undefined || port < 1 || port > 65535) {
    return { error: `the URL "${text}" needs a port between 1 and 65535`, hint: scheme === 'tcp' ? 'tcp:// URLs have no default port: add one (tcp://mongodb:27017).' : 'Fix the port.' };
  }
  const host = bracketed ? m[2]!.slice(1, -1) : m[2]!;
  const rest = m[4] ?? '';
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return { scheme, host, port, authority: portText === undefined ? m[2]! : `${m[2]!}:${portText}`, path };
}
