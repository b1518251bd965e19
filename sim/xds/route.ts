/**
 * Compiled HTTP routing config, as Envoy's RDS carries it: a RouteConfiguration per outbound port (or
 * gateway server), virtual hosts with their domains, and routes in match order. The proxy sees only
 * this; the control plane produces it.
 *
 * Invariants: data only (no functions), JSON-safe; regexes are RE2 source strings; weights are integers;
 * durations are integer microseconds; percentages are parts per million.
 *
 * Not modelled: CORS, rate limits, per-filter config beyond faults, request mirroring policies' runtime
 * keys, internal redirects.
 */

export interface StringMatcher {
  readonly exact?: string;
  readonly prefix?: string;
  /** RE2, matched against the whole value. */
  readonly regex?: string;
  readonly ignoreCase?: boolean;
}

export interface HeaderMatcher {
  readonly name: string;
  /** Absent: the header must be present (any value) — unless `invert`. */
  readonly match?: StringMatcher;
  /** `present_match` semantics when no `match`: true = must be present. */
  readonly present?: boolean;
  /** Envoy invert_match: the matcher's result is negated (Istio withoutHeaders). */
  readonly invert?: boolean;
  /** Treat a missing header as the empty string (Istio withoutHeaders: treat_missing_header_as_empty). */
  readonly missingAsEmpty?: boolean;
}

export interface QueryParameterMatcher {
  readonly name: string;
  readonly match?: StringMatcher;
}

export interface RouteMatch {
  /** Path matching (on the path without the query string): at most one of these. */
  readonly path?: string;
  readonly prefix?: string;
  /** RE2 on the whole path (without the query string). */
  readonly regex?: string;
  readonly caseSensitive: boolean;
  readonly headers: readonly HeaderMatcher[];
  readonly queryParameters: readonly QueryParameterMatcher[];
}

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
  readonly requestHeaders?: HeaderOperations;
  readonly responseHeaders?: HeaderOperations;
  /** Destination-level authority rewrite (route-level wins). */
  readonly hostRewrite?: string;
}

export interface HeaderOperations {
  readonly set: Readonly<Record<string, string>>;
  readonly add: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly perTryTimeoutUs: number | null;
  readonly retryOn: readonly string[];
  readonly retryRemoteLocalities?: boolean;
}

export interface FaultDelay {
  readonly delayUs: number;
  /** Parts per million of requests delayed. */
  readonly ppm: number;
}

export interface FaultAbort {
  readonly httpStatus?: number;
  readonly grpcStatus?: string;
  readonly ppm: number;
}

export interface MirrorPolicy {
  readonly cluster: string;
  readonly ppm: number;
}

/**
 * Envoy `RouteAction.HashPolicy`: where a consistent-hash cluster (RING_HASH, MAGLEV) takes the request's
 * key from. Several policies combine (Envoy HashPolicyImpl::generateHash); none that yields a value
 * leaves the request without a key.
 */
export type HashPolicy =
  | { readonly kind: 'header'; readonly headerName: string }
  /** `ttlUs` present: Envoy generates the cookie when the request has none (`path` is its Path). */
  | { readonly kind: 'cookie'; readonly name: string; readonly path?: string; readonly ttlUs?: number }
  /** `connection_properties.source_ip`: the downstream address when true, nothing when false. */
  | { readonly kind: 'connectionProperties'; readonly sourceIp: boolean }
  | { readonly kind: 'queryParameter'; readonly name: string };

export type RouteAction =
  | {
      readonly kind: 'route';
      readonly clusters: readonly WeightedCluster[];
      readonly timeoutUs: number | null;
      readonly retry: RetryPolicy | null;
      readonly prefixRewrite?: string;
      readonly regexRewrite?: { readonly pattern: string; readonly substitution: string };
      readonly hostRewrite?: string;
      readonly mirrors: readonly MirrorPolicy[];
      /** `hash_policy`, in order; absent: none (a consistent-hash cluster then hashes a random value). */
      readonly hashPolicies?: readonly HashPolicy[];
      /** Status Envoy answers with when a named cluster is missing (Istio: 503; Gateway API: 500). */
      readonly clusterNotFoundStatus: number;
    }
  | {
      readonly kind: 'redirect';
      readonly scheme?: string;
      readonly host?: string;
      readonly port?: number;
      readonly derivePort?: 'FROM_PROTOCOL_DEFAULT' | 'FROM_REQUEST_PORT';
      readonly path?: string;
      readonly prefixRewrite?: string;
      readonly code: number;
    }
  | { readonly kind: 'direct'; readonly status: number; readonly body: string };

export interface Route {
  /** Istio's route name: `http[].name` (plus `.<match name>`), '' when unnamed, `default` for default routes. */
  readonly name: string;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  readonly requestHeaders?: HeaderOperations;
  readonly responseHeaders?: HeaderOperations;
  readonly faultDelay?: FaultDelay;
  readonly faultAbort?: FaultAbort;
  /** `ns/name` of the VirtualService this route came from; null for Istio's default routes. */
  readonly source: string | null;
}

export interface VirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly Route[];
  /** `require_tls: ALL` (a gateway server with httpsRedirect): plaintext gets a 301 to https. */
  readonly requireTls: boolean;
}

export interface RouteConfiguration {
  readonly name: string;
  readonly virtualHosts: readonly VirtualHost[];
  /** Sidecar route configs ignore the port in the Host header. */
  readonly ignorePortInHostMatching: boolean;
}
