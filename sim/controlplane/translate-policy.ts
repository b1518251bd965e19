/**
 * The per-route policies of a VirtualService HTTP rule as Envoy receives them: timeout, retries, fault
 * injection, mirroring percentages (Istio: pilot/pkg/networking/core/route/route.go (its timeout setter),
 * TranslateFault, MirrorPercent, MirrorPercentByPolicy, translatePercentToFractionalPercent,
 * translateIntegerToFractionalPercent; route/retry/retry.go DefaultPolicy, ConvertPolicy, parseRetryOn).
 *
 * Invariants: pure; durations are integer µs (sim/core/time.ts parseDuration); percentages are parts
 * per million computed as istiod does (`Percent.value` → trunc(value × 10⁴) per million; legacy integer
 * percents are per hundred, i.e. × 10⁴ ppm); percentages outside 0..100 are clamped (validation rejects
 * them earlier). `retryOn` carries Envoy's retry conditions followed by the numeric status codes Istio
 * moves to `retriable_status_codes` (the xds RetryPolicy has no separate field for them): a token made
 * of digits is a retriable status code, never a condition.
 *
 * Not modelled: retry backoff, `retryIgnorePreviousHosts` and the previous-hosts predicate,
 * `hostSelectionRetryMaxAttempts`, consistent-hash routes dropping the previous-hosts predicate, mesh
 * `defaultHttpRetryPolicy` overrides, exponential delays (Istio drops them too), `http2Error` aborts
 * (Istio drops them too), gRPC status names beyond passing them through, max_grpc_timeout.
 */
import { parseDuration } from '../core/time.ts';
import { percentToRatio } from '../core/prng.ts';
import type { FaultAbort, FaultDelay, RetryPolicy } from '../xds/route.ts';
import type { HttpRouteSpec, PercentSpec } from './delegate.ts';

/**
 * Istio's mesh default retry policy (route/retry/retry.go DefaultPolicy): 2 retries on
 * `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`, no per-try timeout.
 * DefaultPolicy sets no retriable_status_codes, so `retriable-status-codes` here retries nothing by
 * itself (Envoy would only use codes named in an `x-envoy-retriable-status-codes` request header): an
 * upstream 503 is not retried by default. (It also adds the previous-hosts predicate and
 * hostSelectionRetryMaxAttempts 5, which are not modelled.)
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  attempts: 2,
  perTryTimeoutUs: null,
  retryOn: Object.freeze(['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes']),
});

/** route.go (timeout setter): unset → 0, which Envoy reads as "no timeout"; here both are null. */
export function translateTimeout(timeout: string | undefined): number | null {
  if (timeout === undefined) return null;
  const us = parseDuration(timeout);
  return us === null || us === 0 ? null : us;
}

/** retry.go ConvertPolicy. */
export function convertRetryPolicy(spec: HttpRouteSpec['retries']): RetryPolicy | null {
  // ConvertPolicy: no retries block → the mesh default.
  if (spec === undefined) return DEFAULT_RETRY_POLICY;
  // ConvertPolicy: attempts <= 0 (also an absent attempts) explicitly disables retries.
  const attempts = spec.attempts ?? 0;
  if (attempts <= 0) return null;
  // ConvertPolicy: an empty retryOn keeps the default conditions.
  const retryOn = (spec.retryOn ?? '') === '' ? DEFAULT_RETRY_POLICY.retryOn : parseRetryOn(spec.retryOn ?? '');
  const perTryTimeoutUs = spec.perTryTimeout === undefined ? null : parseDuration(spec.perTryTimeout);
  return {
    attempts,
    perTryTimeoutUs,
    retryOn,
    // ConvertPolicy: retryRemoteLocalities adds the previous-priorities predicate.
    ...(spec.retryRemoteLocalities === true ? { retryRemoteLocalities: true } : {}),
  };
}

/**
 * retry.go parseRetryOn: tokens trimmed, empty ones dropped; integers Go's http.StatusText knows become
 * retriable status codes (other numbers stay conditions); `retriable-status-codes` is appended when
 * codes were given without it.
 */
function parseRetryOn(text: string): string[] {
  const conditions: string[] = [];
  const codes: string[] = [];
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') continue;
    const code = /^[+-]?\d+$/.test(token) ? Number(token) : Number.NaN;
    if (isKnownStatus(code)) codes.push(String(code));
    else conditions.push(token);
  }
  if (codes.length > 0 && !conditions.join(',').includes('retriable-status-codes')) conditions.push('retriable-status-codes');
  return [...conditions, ...codes];
}

/** Go's net/http StatusText: the status codes it has a text for. */
function isKnownStatus(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 100 && code <= 103) return true;
  if ((code >= 200 && code <= 208) || code === 226) return true;
  if ((code >= 300 && code <= 305) || code === 307 || code === 308) return true;
  if (code >= 400 && code <= 418) return true;
  if ((code >= 421 && code <= 426) || code === 428 || code === 429 || code === 431 || code === 451) return true;
  return (code >= 500 && code <= 508) || code === 510 || code === 511;
}

/** translatePercentToFractionalPercent: trunc(value × 10⁴) per million. */
export function percentPpm(percent: PercentSpec): number {
  return percentToRatio(clampPercent(percent.value ?? 0)).numerator;
}

/** translateIntegerToFractionalPercent: an integer per hundred, i.e. × 10⁴ per million. */
function integerPercentPpm(percent: number): number {
  return Math.trunc(clampPercent(percent)) * 10_000;
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}

/** route.go TranslateFault. */
export function translateFault(spec: HttpRouteSpec['fault']): { faultDelay?: FaultDelay; faultAbort?: FaultAbort } {
  if (spec === undefined) return {};
  const delay = spec.delay;
  const abort = spec.abort;
  let faultDelay: FaultDelay | undefined;
  if (delay !== undefined) {
    // TranslateFault: percentage wins; else the legacy integer `percent`, which defaults to 0.
    const ppm = delay.percentage !== undefined ? percentPpm(delay.percentage) : integerPercentPpm(delay.percent ?? 0);
    const delayUs = delay.fixedDelay === undefined ? null : parseDuration(delay.fixedDelay);
    // TranslateFault: only fixed delays are supported; an exponential delay drops the delay.
    if (delayUs !== null) faultDelay = { delayUs, ppm };
  }
  let faultAbort: FaultAbort | undefined;
  if (abort !== undefined) {
    // TranslateFault: no percentage leaves Envoy's FractionalPercent at 0 — the abort never fires
    // (istio/istio#36303, #39969: the docs' "all requests" default is not what Istio does).
    const ppm = abort.percentage !== undefined ? percentPpm(abort.percentage) : 0;
    // TranslateFault: httpStatus or grpcStatus; anything else (http2Error) drops the abort.
    if (abort.httpStatus !== undefined) faultAbort = { httpStatus: abort.httpStatus, ppm };
    else if (abort.grpcStatus !== undefined) faultAbort = { grpcStatus: abort.grpcStatus, ppm };
  }
  return { ...(faultDelay === undefined ? {} : { faultDelay }), ...(faultAbort === undefined ? {} : { faultAbort }) };
}

/** route.go MirrorPercent: mirrorPercentage, else legacy mirrorPercent, else 100%; 0 → no mirror (null). */
export function mirrorPpm(rule: HttpRouteSpec): number | null {
  if (rule.mirrorPercentage !== undefined) {
    return (rule.mirrorPercentage.value ?? 0) > 0 ? percentPpm(rule.mirrorPercentage) : null;
  }
  if (rule.mirrorPercent !== undefined) return rule.mirrorPercent > 0 ? integerPercentPpm(rule.mirrorPercent) : null;
  return integerPercentPpm(100);
}

/** route.go MirrorPercentByPolicy: percentage, else 100%; 0 → no mirror (null). */
export function mirrorPolicyPpm(percentage: PercentSpec | undefined): number | null {
  if (percentage === undefined) return integerPercentPpm(100);
  return (percentage.value ?? 0) > 0 ? percentPpm(percentage) : null;
}
