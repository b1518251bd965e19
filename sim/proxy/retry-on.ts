/**
 * Does one upstream attempt's result call for a retry, and how does a request that stops retrying
 * end: Envoy's router retry decision over the route's `retry_on` as Istio fills it.
 *
 * Rules (Envoy source/common/router/retry_state_impl.cc parseRetryOn/parseRetryGrpcOn,
 * wouldRetryFromHeaders, wouldRetryFromReset, shouldRetry; router.cc onPerTryTimeoutCommon,
 * maybeRetryReset, onUpstreamReset, streamResetReasonToResponseFlag; docs "x-envoy-retry-on" and
 * "x-envoy-retry-grpc-on"; Istio pilot/pkg/networking/core/route/retry/retry.go):
 * - A route's retry_on holds HTTP and gRPC conditions together; unknown tokens are ignored. In the
 *   compiled RetryPolicy (sim/xds/route.ts) tokens made of digits are Istio's retriable status codes
 *   (retry.go parseRetryOn moves them to retriable_status_codes and adds `retriable-status-codes`).
 * - Responses: `x-envoy-ratelimited` is retried only under `envoy-ratelimited`; `5xx` any 5xx;
 *   `gateway-error` 502/503/504; `retriable-4xx` 409 only; `retriable-status-codes` the listed codes;
 *   `cancelled`/`deadline-exceeded`/`resource-exhausted`/`unavailable`/`internal` the gRPC status
 *   (1/4/8/14/13) carried in the response headers.
 * - Resets: never on `overflow` (a circuit breaker's own reset); connect failures and connect
 *   timeouts under `connect-failure`; then `reset-before-request` when no request byte was sent;
 *   then `reset`, `5xx` or `gateway-error` for any reset; `refused-stream` for a REFUSED_STREAM reset.
 * - A per-try timeout is a local reset after the request was sent (retried under reset, 5xx,
 *   gateway-error); the route's global timeout is never retried.
 * - shouldRetry order: no qualifying condition → no retry; no retries left → URX
 *   (UpstreamRetryLimitExceeded); otherwise one retry is used up, and if the cluster's max_retries
 *   circuit breaker is full → UO (UpstreamOverflow) with the failed answer; else retry.
 * - Istio's default policy (retry.go DefaultPolicy): 2 retries on
 *   `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with no status
 *   codes listed, so an upstream 503 is not retried by default; only connection failures, refused
 *   streams and gRPC UNAVAILABLE/CANCELLED are.
 * - A request that ends on a failed attempt: a reset answers 503 (502 for a protocol error) with the
 *   flag of its reason (UF connection failure/timeout, UC termination, LR local reset, UO overflow,
 *   UR remote reset/refused stream, UPE protocol error); a per-try or global timeout answers 504 UT.
 *
 * Invariants: pure; the decision never draws randomness; retries remaining never go below 0.
 *
 * Not modelled: `retriable-headers` (no header matchers in the contract: never qualifies),
 * `http3-post-connect-failure` and HTTP/3 0-RTT retries, `x-envoy-retry-on` / `x-envoy-max-retries` /
 * `x-envoy-retriable-status-codes` request headers, retry host predicates (previous hosts) and
 * priorities, hedging, retry budgets, responses already streaming downstream.
 */
import { assert } from '../core/assert.ts';
import type { RetryPolicy } from '../xds/route.ts';

export const HTTP_RETRY_CONDITIONS = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited',
  'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
] as const;
export const GRPC_RETRY_CONDITIONS = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'] as const;

export type RetryCondition = (typeof HTTP_RETRY_CONDITIONS)[number] | (typeof GRPC_RETRY_CONDITIONS)[number];

/** gRPC status codes the gRPC conditions name. */
export const GRPC_STATUS = { cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14 } as const;

export interface RetryOn {
  readonly conditions: ReadonlySet<RetryCondition>;
  readonly retriableStatusCodes: readonly number[];
  /** Tokens Envoy does not know; it ignores them (parseRetryOn's all_fields_valid = false). */
  readonly ignored: readonly string[];
}

function isRetryCondition(token: string): token is RetryCondition {
  return (HTTP_RETRY_CONDITIONS as readonly string[]).includes(token) || (GRPC_RETRY_CONDITIONS as readonly string[]).includes(token);
}

// Parsed lists by identity: a route's retryOn list is immutable config, parsed once, not per request.
const parsedRetryOn = new WeakMap<readonly string[], RetryOn>();

/** The compiled retryOn list (conditions, then Istio's numeric codes) as Envoy parses it. */
export function parseRetryOn(tokens: readonly string[]): RetryOn {
  if (tokens.length === 0) return NO_RETRY_ON;
  let parsed = parsedRetryOn.get(tokens);
  if (parsed === undefined) {
    parsed = Object.freeze(parseRetryOnTokens(tokens));
    parsedRetryOn.set(tokens, parsed);
  }
  return parsed;
}

function parseRetryOnTokens(tokens: readonly string[]): RetryOn {
  const conditions = new Set<RetryCondition>();
  const codes: number[] = [];
  const ignored: string[] = [];
  for (const raw of tokens) {
    const token = raw.trim();
    if (token === '') continue;
    // sim/xds/route.ts: a token of digits is a retriable status code (retry.go parseRetryOn).
    if (/^\d+$/.test(token)) codes.push(Number(token));
    else if (isRetryCondition(token)) conditions.add(token);
    else ignored.push(token);
  }
  return { conditions, retriableStatusCodes: codes, ignored };
}

const NO_RETRY_ON: RetryOn = Object.freeze(parseRetryOnTokens([]));

/** Why an upstream stream was reset (Envoy Http::StreamResetReason, the ones meshsim produces). */
export type ResetReason =
  | 'connection-failure' // Local/RemoteConnectionFailure: refused, unreachable, TLS handshake failed
  | 'connection-timeout' // ConnectionTimeout: connect_timeout elapsed
  | 'connection-termination' // the connection closed mid-request
  | 'remote-reset' // RemoteReset: the upstream reset the stream
  | 'refused-stream' // RemoteRefusedStreamReset: HTTP/2 REFUSED_STREAM
  | 'local-reset' // LocalReset
  | 'overflow' // Overflow: a circuit breaker refused the stream
  | 'protocol-error'; // ProtocolError

/** What one attempt came back with. */
export type AttemptResult =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** grpc-status in the response headers (trailers-only gRPC answers); null for plain HTTP. */
      readonly grpcStatus?: number | null;
      /** The response carries `x-envoy-ratelimited`. */
      readonly rateLimited?: boolean;
    }
  /** requestSent: any request byte reached the upstream (Envoy first_upstream_tx_byte_sent). */
  | { readonly kind: 'reset'; readonly reason: ResetReason; readonly requestSent: boolean }
  | { readonly kind: 'per-try-timeout' }
  | { readonly kind: 'global-timeout' };

/** wouldRetryFromHeaders / wouldRetryFromReset: does this result qualify under retryOn. */
export function qualifiesForRetry(retryOn: RetryOn, result: AttemptResult): boolean {
  const on = retryOn.conditions;
  switch (result.kind) {
    case 'response':
      return responseQualifies(retryOn, result.status, result.grpcStatus ?? null, result.rateLimited === true);
    case 'reset':
      return resetQualifies(on, result.reason, result.requestSent);
    case 'per-try-timeout':
      // onPerTryTimeoutCommon → maybeRetryReset(LocalReset) with the request already sent.
      return resetQualifies(on, 'local-reset', true);
    case 'global-timeout':
      // router.cc: "We don't retry on a global timeout".
      return false;
  }
}

function responseQualifies(retryOn: RetryOn, status: number, grpcStatus: number | null, rateLimited: boolean): boolean {
  const on = retryOn.conditions;
  // wouldRetryFromHeaders: an upstream Envoy's x-envoy-ratelimited answer only under envoy-ratelimited.
  if (rateLimited) return on.has('envoy-ratelimited');
  if (on.has('5xx') && status >= 500 && status <= 599) return true;
  // Http::CodeUtility::isGatewayError: 502, 503, 504.
  if (on.has('gateway-error') && (status === 502 || status === 503 || status === 504)) return true;
  // retriable-4xx: "Currently, the only response code in this category is 409".
  if (on.has('retriable-4xx') && status === 409) return true;
  if (on.has('retriable-status-codes') && retryOn.retriableStatusCodes.includes(status)) return true;
  if (grpcStatus !== null) {
    for (const condition of GRPC_RETRY_CONDITIONS) {
      // x-envoy-retry-grpc-on: the gRPC status in the response headers.
      if (on.has(condition) && GRPC_STATUS[condition] === grpcStatus) return true;
    }
  }
  return false;
}

function resetQualifies(on: ReadonlySet<RetryCondition>, reason: ResetReason, requestSent: boolean): boolean {
  // wouldRetryFromReset: never retry a circuit breaker's overflow.
  if (reason === 'overflow') return false;
  // Connection failures and connect timeouts: a pool failure, retried under connect-failure.
  if ((reason === 'connection-failure' || reason === 'connection-timeout') && on.has('connect-failure')) return true;
  // reset-before-request: only when no request byte reached the upstream.
  if (on.has('reset-before-request') && !requestSent) return true;
  if (on.has('reset')) return true;
  // "Currently we count an upstream reset as a 5xx": 5xx and gateway-error retry any reset.
  if (on.has('5xx') || on.has('gateway-error')) return true;
  return on.has('refused-stream') && reason === 'refused-stream';
}

export type RetryVerdict =
  | { readonly kind: 'retry'; readonly retriesRemaining: number }
  | { readonly kind: 'no-retry'; readonly retriesRemaining: number }
  /** NoRetryLimitExceeded: the failed answer goes downstream with URX. */
  | { readonly kind: 'limit-exceeded'; readonly retriesRemaining: 0; readonly flag: 'URX' }
  /** NoOverflow: max_retries is full; the failed answer goes downstream with UO. */
  | { readonly kind: 'overflow'; readonly retriesRemaining: number; readonly flag: 'UO' };

/**
 * RetryStateImpl::shouldRetry. `retriesRemaining` starts at the policy's num_retries (Istio
 * `attempts`: retries after the first try); `retryBudgetAvailable` is the cluster's max_retries
 * circuit breaker (sim/proxy/circuit-breaker.ts canStartRetry).
 */
export function decideRetry(retryOn: RetryOn, result: AttemptResult, retriesRemaining: number, retryBudgetAvailable: boolean): RetryVerdict {
  assert(Number.isSafeInteger(retriesRemaining) && retriesRemaining >= 0, () => `retries remaining ${retriesRemaining} must be ≥ 0`);
  if (!qualifiesForRetry(retryOn, result)) return { kind: 'no-retry', retriesRemaining };
  if (retriesRemaining === 0) return { kind: 'limit-exceeded', retriesRemaining: 0, flag: 'URX' };
  // shouldRetry decrements before asking the retries circuit breaker.
  const left = retriesRemaining - 1;
  if (!retryBudgetAvailable) return { kind: 'overflow', retriesRemaining: left, flag: 'UO' };
  return { kind: 'retry', retriesRemaining: left };
}

/** The parsed retry_on and retry count of a compiled route policy (null policy: never retry). */
export function retryPlan(policy: RetryPolicy | null): { readonly retryOn: RetryOn; readonly retries: number } {
  if (policy === null) return { retryOn: parseRetryOn([]), retries: 0 };
  assert(Number.isSafeInteger(policy.attempts) && policy.attempts >= 0, () => `retry attempts ${policy.attempts} must be ≥ 0`);
  return { retryOn: parseRetryOn(policy.retryOn), retries: policy.attempts };
}

/** Envoy response flags of a request that ends on a failed attempt without an upstream response. */
export type FailedAttemptFlag = 'UF' | 'UC' | 'LR' | 'UO' | 'UR' | 'UPE' | 'UT';

/** onUpstreamReset / onUpstreamTimeoutAbort: the local reply for a final reset or timeout. */
export function failedAttemptAnswer(result: Exclude<AttemptResult, { kind: 'response' }>): { readonly status: number; readonly flag: FailedAttemptFlag } {
  switch (result.kind) {
    case 'per-try-timeout':
    case 'global-timeout':
      // timeout_response_code_ 504 with UpstreamRequestTimeout (UT).
      return { status: 504, flag: 'UT' };
    case 'reset':
      // onUpstreamReset: 502 for a protocol error, else 503; streamResetReasonToResponseFlag.
      return { status: result.reason === 'protocol-error' ? 502 : 503, flag: RESET_FLAG[result.reason] };
  }
}

const RESET_FLAG: Readonly<Record<ResetReason, FailedAttemptFlag>> = Object.freeze({
  'connection-failure': 'UF',
  'connection-timeout': 'UF',
  'connection-termination': 'UC',
  'remote-reset': 'UR',
  'refused-stream': 'UR',
  'local-reset': 'LR',
  overflow: 'UO',
  'protocol-error': 'UPE',
});
