/**
 * A scenario as data: the mesh at t=0, how istiod and the network are tuned, the traffic, how each app
 * behaves, a timeline of changes and faults, and the assertions a run is judged by. The loader at the
 * edge (scenarios/load-scenario.ts) reads the YAML file, checks it and produces this value; the world
 * (simulation.ts) reads nothing else.
 *
 * Invariants: data only, JSON-safe; every time is integer microseconds; every rate and ratio an integer
 * (requests per second, parts per million) so a run needs no floats to decide anything; timeline steps
 * are sorted by `atUs`, ties in file order; `line` fields point into the scenario file for messages.
 *
 * Not modelled: several clusters, VMs, Gateway API resources in timelines.
 */
import type { MeshConfig } from '../config/mesh-config.ts';
import type { ManifestSource } from '../config/parse-manifests.ts';

/** istiod's push tuning, as Istio's environment variables name it. */
export interface PilotSettings {
  /** PILOT_DEBOUNCE_AFTER: the quiet period before a push (Istio default 100 ms). */
  readonly debounceAfterUs: number;
  /** PILOT_DEBOUNCE_MAX: the longest a change waits in debounce (Istio default 10 s). */
  readonly debounceMaxUs: number;
  /** PILOT_ENABLE_EDS_DEBOUNCE: endpoint-only changes are debounced too (Istio default true). */
  readonly enableEdsDebounce: boolean;
  /** PILOT_PUSH_THROTTLE: per-proxy pushes generated at once (Istio default min(15 + 5·GOMAXPROCS, 100)). */
  readonly pushThrottle: number;
  /** PILOT_MAX_REQUESTS_PER_SECOND: new xDS streams admitted per second (Istio default min(15 + 5·GOMAXPROCS, 100)). */
  readonly maxRequestsPerSecond: number;
  /** istiod replicas; proxies spread over them by a stable hash of their id. */
  readonly replicas: number;
  /** GOMAXPROCS of each replica: the cores generation cost is spread over. */
  readonly cpus: number;
}

export const PILOT_SETTINGS_DEFAULT: PilotSettings = {
  debounceAfterUs: 100_000,
  debounceMaxUs: 10_000_000,
  enableEdsDebounce: true,
  pushThrottle: 25,
  maxRequestsPerSecond: 25,
  replicas: 1,
  cpus: 2,
};

/** One-way latencies, in virtual time. */
export interface NetworkSettings {
  /** istiod → proxy delivery of one xDS response. */
  readonly xdsLatencyUs: number;
  /** Envoy applying one xDS response before it ACKs it (and the next type may follow). */
  readonly proxyApplyUs: number;
  /** One network hop between pods (client proxy → server proxy), each way. */
  readonly podLatencyUs: number;
  /** Kubernetes informer lag: a change reaches istiod this long after it is applied. */
  readonly informerLagUs: number;
}

export const NETWORK_SETTINGS_DEFAULT: NetworkSettings = {
  xdsLatencyUs: 2_000,
  proxyApplyUs: 1_000,
  podLatencyUs: 250,
  informerLagUs: 10_000,
};

/** A distribution of durations as an integer table: each entry is picked with `weight` / Σweights. */
export interface DurationTable {
  readonly entries: readonly { readonly durationUs: number; readonly weight: number }[];
}

/** Client traffic from one workload (or from outside the cluster) to one URL. */
export interface TrafficSpec {
  readonly name: string;
  /** `NS/WORKLOAD` or `external`. */
  readonly from: string;
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Open loop: requests per second, Poisson arrivals from the seeded stream; null for closed loop. */
  readonly ratePerSecond: number | null;
  /** Closed loop: this many callers, each sending its next request when the last one ends. */
  readonly concurrency: number | null;
  /** Closed loop: pause between a response and the next request. */
  readonly thinkTimeUs: number;
  /** Long-lived: this many streams (WebSocket, gRPC stream), opened at start and reopened when cut; null otherwise. */
  readonly streams: number | null;
  readonly startUs: number;
  /** Exclusive; the scenario's duration when the file says nothing. */
  readonly endUs: number;
  readonly line: number;
}

/** How one workload's app answers the requests that reach it. */
export interface AppSpec {
  /** `NS/WORKLOAD`. */
  readonly workload: string;
  readonly serviceTime: DurationTable;
  /** Share of requests the app itself fails with `errorStatus`, in parts per million. */
  readonly errorRatePpm: number;
  readonly errorStatus: number;
  /** Calls the app makes to its dependencies for each request, in order (a call graph edge each). */
  readonly calls: readonly { readonly url: string; readonly method: string }[];
  readonly line: number;
}

export type ResourceKey = { readonly kind: string; readonly namespace: string; readonly name: string };

import type { FaultSpec } from '../faults/fault-plan.ts';
import type { NodeInfo } from '../topology/model.ts';

export type { FaultSpec };

export type TimelineAction =
  | { readonly kind: 'apply'; readonly manifests: readonly ManifestSource[] }
  | { readonly kind: 'delete'; readonly resources: readonly ResourceKey[] }
  | { readonly kind: 'scale'; readonly workload: string; readonly replicas: number }
  | { readonly kind: 'label-namespace'; readonly namespace: string; readonly labels: Readonly<Record<string, string | null>> }
  | { readonly kind: 'restart'; readonly workload: string }
  | { readonly kind: 'fault'; readonly fault: FaultSpec }
  /** Every fault still active ends now: the healed phase a run can end with. */
  | { readonly kind: 'heal' };

export interface TimelineStep {
  readonly atUs: number;
  /** Shown on plots and in the summary; defaults to a description of the action. */
  readonly label: string;
  readonly action: TimelineAction;
  readonly line: number;
}

/** What an assertion measures over a window of the run. */
export type AssertionMetric =
  /** Share of requests answered with a non-5xx status and no reset, in parts per million. */
  | 'success-rate-ppm'
  /** Requests counted (filters apply). */
  | 'requests'
  /** Requests whose Envoy response flags include `flag`. */
  | 'flagged-requests'
  /** Latency percentile of the matching requests, in microseconds (`percentile` 0..100). */
  | 'latency-us'
  /** Per-proxy convergence (push start → ACK of the last type), percentile over the window, µs. */
  | 'convergence-us'
  /**
   * Per-proxy propagation of a change (the first change a push carries reaching istiod → the proxy's
   * ACK, so debounce included), percentile over the updates of pushes that started in the window, µs;
   * pushes for a connecting proxy are not changes and do not count.
   */
  | 'propagation-us'
  /** Long-lived streams the mesh cut in the window (filters: source, destination). */
  | 'stream-cuts'
  /** Pushes that started in the window. */
  | 'pushes'
  /** Per-proxy updates (one proxy's side of one push) of pushes that started in the window. */
  | 'proxy-updates'
  /** Bytes one proxy update carried, percentile over the updates of pushes in the window. */
  | 'update-bytes'
  /** Every proxy ACKs the latest config at the window's end (1) or not (0). */
  | 'converged';

export interface AssertionSpec {
  readonly name: string;
  readonly metric: AssertionMetric;
  readonly source: string | null;
  readonly destination: string | null;
  readonly code: number | null;
  readonly flag: string | null;
  readonly percentile: number | null;
  readonly fromUs: number;
  readonly toUs: number;
  readonly op: '>=' | '<=' | '==' | '>' | '<';
  readonly value: number;
  readonly line: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** The scenario file, as the user named it. */
  readonly file: string;
  readonly seed: number;
  readonly durationUs: number;
  /** The mesh at t=0: manifests named by the file (paths resolved by the loader) and generated ones. */
  readonly manifests: readonly ManifestSource[];
  readonly mesh: Partial<MeshConfig>;
  readonly pilot: PilotSettings;
  readonly network: NetworkSettings;
  readonly traffic: readonly TrafficSpec[];
  readonly apps: readonly AppSpec[];
  readonly timeline: readonly TimelineStep[];
  readonly assertions: readonly AssertionSpec[];
  /** Metrics are bucketed by this step (default 1 s). */
  readonly sampleUs: number;
  /** The nodes pods are scheduled on (absent: none modelled, pods have no node or locality). */
  readonly nodes?: readonly NodeInfo[];
}
