/**
 * What a run leaves behind, as one value: requests per time bucket by source, destination, code and
 * flags; latency histograms; every push with its reason and per-proxy convergence; each proxy's config
 * size and versions at the end; the timeline's marks; the assertions' verdicts. Report writers (CSV,
 * Prometheus text, HTML) read this and nothing else.
 *
 * Invariants: data only, JSON-safe, integers only (µs, counts, bytes); every array is sorted by a total
 * order (time first, then the string keys), so equal runs give equal values and byte-identical reports.
 *
 * Not modelled: per-request access logs (the trace hash covers every request; the record keeps counts).
 */

/** Requests that ended in one bucket with one label set (istio_requests_total's labels). */
export interface RequestCount {
  /** Bucket start (a multiple of the run's sampleUs). */
  readonly atUs: number;
  /** `NS/WORKLOAD` of the client, or `external`. */
  readonly source: string;
  /** `NS/WORKLOAD` that answered, or `unknown` when the request reached no app. */
  readonly destination: string;
  /** The service host the client's proxy routed to (`reviews.default.svc.cluster.local`), or `unknown`. */
  readonly destinationService: string;
  /** HTTP status; 0 for a connection that was reset or refused (Envoy logs 0 too). */
  readonly code: number;
  /** Envoy response flags joined with `,` (`-` for none), as in access logs. */
  readonly flags: string;
  readonly count: number;
  /** Sum of the requests' durations, µs. */
  readonly durationSumUs: number;
}

/** istio_request_duration_milliseconds: cumulative counts per bucket bound (ms) for one source/destination. */
export interface LatencyHistogram {
  readonly source: string;
  readonly destination: string;
  /** Upper bounds in ms, Istio's default buckets; +Inf is implied by `count`. */
  readonly boundsMs: readonly number[];
  /** Cumulative counts, one per bound. */
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sumUs: number;
}

export type XdsType = 'CDS' | 'EDS' | 'LDS' | 'RDS';

/** One push: debounced changes → PushContext → every affected proxy. */
export interface PushRecord {
  readonly index: number;
  /** When the debounced request was let through (StartPush). */
  readonly startUs: number;
  /** When the first change of this push entered debounce (pilot_debounce_time = startUs − firstEventUs). */
  readonly firstEventUs: number;
  /** Full push (new PushContext) or endpoint-only (incremental EDS). */
  readonly full: boolean;
  /** Istio's push reasons (`config`, `endpoint`, `proxyrequest`, ...) with how often each was merged in. */
  readonly reasons: Readonly<Record<string, number>>;
  /** The changed configs, `Kind/ns/name`, sorted. */
  readonly configs: readonly string[];
  readonly proxies: number;
  /** Virtual CPU time istiod spent generating this push, µs. */
  readonly generationUs: number;
}

/** One proxy's side of one push. */
export interface ProxyConvergence {
  readonly push: number;
  readonly proxy: string;
  /** pilot_proxy_queue_time: waiting for a push slot. */
  readonly queueUs: number;
  /** pilot_proxy_convergence_time: push start → every pushed type written to the proxy. */
  readonly sentUs: number;
  /** Push start → the proxy ACKed (or NACKed) the last type; null when it never answered in the run. */
  readonly ackUs: number | null;
  readonly types: readonly XdsType[];
  readonly nacked: boolean;
  readonly bytes: number;
  /**
   * A new proxy's first request, answered outside the push queue (queueUs is its wait for the request
   * rate limiter, the times count from its connection): not a push, so Istio's push metrics
   * (pilot_proxy_queue_time, pilot_proxy_convergence_time) leave it out.
   */
  readonly initial?: true;
}

/** The proxy updates that came from pushes (what Istio's push metrics count), without initial requests. */
export function pushUpdates(records: readonly ProxyConvergence[]): readonly ProxyConvergence[] {
  return records.some((c) => c.initial === true) ? records.filter((c) => c.initial !== true) : records;
}

/** A proxy at the end of the run. */
export interface ProxySnapshot {
  readonly proxy: string;
  readonly namespace: string;
  readonly workload: string;
  readonly type: 'sidecar' | 'router';
  readonly listeners: number;
  readonly routes: number;
  readonly clusters: number;
  readonly endpoints: number;
  /** Estimated serialized size of its config (xds-cost model), bytes. */
  readonly bytes: number;
  /** The push index it last ACKed per type (-1: none). */
  readonly acked: Readonly<Record<XdsType, number>>;
  readonly nacks: number;
}

export interface TimelineMark {
  readonly atUs: number;
  readonly label: string;
}

export interface AssertionVerdict {
  readonly name: string;
  readonly passed: boolean;
  /** What was measured, in the metric's unit. */
  readonly actual: number;
  readonly op: string;
  readonly expected: number;
  /** One sentence with the numbers, for the summary and the failure message. */
  readonly message: string;
}

/** A long-lived stream (WebSocket, gRPC stream) the mesh cut, and why. */
export interface StreamCut {
  readonly atUs: number;
  /** The client, `NS/WORKLOAD` or `external`. */
  readonly source: string;
  /** The workload serving it, `NS/WORKLOAD`. */
  readonly destination: string;
  /** How long it had been open. */
  readonly openUs: number;
  readonly reason: string;
}

export interface RunRecord {
  readonly scenario: string;
  readonly file: string;
  readonly seed: number;
  readonly durationUs: number;
  readonly sampleUs: number;
  readonly requests: readonly RequestCount[];
  readonly latencies: readonly LatencyHistogram[];
  readonly pushes: readonly PushRecord[];
  readonly convergence: readonly ProxyConvergence[];
  readonly proxies: readonly ProxySnapshot[];
  readonly marks: readonly TimelineMark[];
  /** Long-lived streams opened, and the ones the mesh cut. */
  readonly streams: { readonly opened: number; readonly cut: readonly StreamCut[] };
  readonly assertions: readonly AssertionVerdict[];
  /** Events the loop ran. */
  readonly events: number;
  /** Stable hash over every request outcome and push, in order: equal runs, equal hash. */
  readonly traceHash: string;
}

/** Istio's default istio_request_duration_milliseconds buckets. */
export const REQUEST_DURATION_BUCKETS_MS: readonly number[] = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
/** pilot_proxy_convergence_time and pilot_proxy_queue_time buckets, seconds. */
export const CONVERGENCE_BUCKETS_S: readonly number[] = [0.1, 0.5, 1, 3, 5, 10, 20, 30];
/** pilot_debounce_time buckets, seconds. */
export const DEBOUNCE_BUCKETS_S: readonly number[] = [0.01, 0.1, 0.5, 1, 3, 5, 10, 20, 30];
