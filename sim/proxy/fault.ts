/**
 * Envoy's HTTP fault filter for one request (`envoy.filters.http.fault`, per-route config as Istio's
 * TranslateFault emits it): maybe delay, then maybe abort.
 *
 * Rules followed:
 * - The fault filter runs before the router, so an abort never reaches a cluster (istio-semantics §4).
 * - Delay is decided first, then abort (FaultFilter::decodeHeaders sets up the delay and checks the
 *   abort when it fires); each is one draw with probability ppm / 1_000_000 (FractionalPercent
 *   MILLION). A delayed request carries flag DI and continues; an abort is a local reply with flag FI,
 *   after any delay.
 * - An HTTP abort answers with its status. A gRPC abort answers as Envoy's gRPC local replies do:
 *   HTTP 200, `content-type: application/grpc`, `grpc-status: <code>` (trailers-only).
 *
 * Invariants: draws only for faults the route has (a route without faults consumes nothing); ppm in
 * 0..1_000_000 (asserted by ratio()).
 *
 * Not modelled: header-controlled faults (x-envoy-fault-*), max_active_faults, response rate limits,
 * the delay's effect on time (the caller schedules `delayUs`).
 */
import { assert } from '../core/assert.ts';
import { PERCENT_RATIO_DENOMINATOR, ratio } from '../core/prng.ts';
import type { Rng } from '../core/prng.ts';
import type { Route } from '../xds/route.ts';

/** gRPC status names as Istio's grpcStatus accepts them, with their codes (google.rpc.Code). */
export const GRPC_STATUS_CODES: Readonly<Record<string, number>> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10,
  OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

export interface FaultAbortReply {
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly description: string;
}

export interface FaultVerdict {
  /** A delay was injected (flag DI), of `delayUs`. */
  readonly delayed: boolean;
  /** 0 when no delay was injected. */
  readonly delayUs: number;
  readonly abort: FaultAbortReply | null;
}

export function evaluateFaults(route: Route, rng: Rng): FaultVerdict {
  let delayed = false;
  let delayUs = 0;
  if (route.faultDelay !== undefined) {
    assert(Number.isSafeInteger(route.faultDelay.delayUs) && route.faultDelay.delayUs >= 0,
      () => `fault delay must be a non-negative integer µs: ${route.faultDelay?.delayUs}`);
    delayed = rng.chance(ratio(route.faultDelay.ppm, PERCENT_RATIO_DENOMINATOR));
    if (delayed) delayUs = route.faultDelay.delayUs;
  }
  const abort = route.faultAbort;
  if (abort === undefined || !rng.chance(ratio(abort.ppm, PERCENT_RATIO_DENOMINATOR))) return { delayed, delayUs, abort: null };
  if (abort.httpStatus !== undefined) {
    return { delayed, delayUs, abort: { status: abort.httpStatus, responseHeaders: {}, description: `HTTP ${abort.httpStatus}` } };
  }
  assert(abort.grpcStatus !== undefined, 'a fault abort carries an httpStatus or a grpcStatus');
  const code = Object.hasOwn(GRPC_STATUS_CODES, abort.grpcStatus) ? GRPC_STATUS_CODES[abort.grpcStatus] : undefined;
  assert(code !== undefined, () => `unknown gRPC status ${abort.grpcStatus}`);
  return {
    delayed,
    delayUs,
    abort: {
      status: 200,
      responseHeaders: { 'content-type': 'application/grpc', 'grpc-status': String(code) },
      description: `gRPC ${abort.grpcStatus} (${code})`,
    },
  };
}
