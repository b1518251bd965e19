/**
 * Outlier detection for one upstream cluster of one proxy (Envoy's passive health checking): count
 * consecutive errors per host, eject a host from load balancing, bring it back after its ejection
 * time, and the panic threshold that decides whether ejected and unhealthy hosts are used anyway.
 *
 * Rules (Envoy arch overview "Outlier detection" and "Panic threshold";
 * source/common/upstream/outlier_detection_impl.cc putHttpResponseCode, putResult*, ejectHost,
 * checkHostForUneject, onConsecutiveErrorWorker and its tests MaxEjectionPercentage*, EjectTimeBackoff;
 * load_balancer_impl.cc isHostSetInPanic; Istio pilot/pkg/networking/core/cluster_traffic_policy.go
 * applyOutlierDetection, applyLoadBalancer):
 * - Without split_external_local_origin_errors (Istio's default) every result is an HTTP code:
 *   responses their status, a connect failure or upstream reset 503, a timeout 504. A 5xx bumps the
 *   consecutive-5xx counter; a 502/503/504 also the gateway counter (another 5xx clears it); any
 *   other status clears both. With the split, connect failures and timeouts bump a separate local-
 *   origin counter, which a successful connection clears.
 * - A counter reaching its threshold exactly (`++n == threshold`; 0 disables) asks for an ejection:
 *   nothing if the host is already ejected (and the counter is left as is); else the ejection is
 *   tried and that counter is cleared. Ejection is inline, not at the interval.
 * - The cap: eject only if 100 · (ejected + 1) ≤ max_ejection_percent · hosts (hosts counted over
 *   the whole cluster, healthy or not), or always_eject_one_host and none is ejected. Envoy's default
 *   is 10%, so a cluster of fewer than 10 hosts never ejects unless the DestinationRule raises
 *   maxEjectionPercent. Then the detector's enforcing percentage is drawn (Istio: 100 or 0).
 * - An ejection lasts min(base_ejection_time · b, max_ejection_time) + jitter after it began, where
 *   the host's back-off b grows by one per ejection while b · base < max + base, and shrinks by one
 *   at every interval sweep that finds the host not ejected. Jitter is uniform in
 *   0..max_ejection_time_jitter ms (Envoy default 0). Unejection happens only at sweeps (every
 *   `interval` from the detector's creation) and clears the host's consecutive counters.
 * - Panic: if 100 · healthy < threshold · hosts (healthy: EDS-healthy and not ejected), the load
 *   balancer uses every host. Envoy's default threshold is 50%; Istio sets it to the
 *   DestinationRule's minHealthPercent (default 0: never panic) whenever outlierDetection is set,
 *   and to 0 for services that publish not-ready endpoints.
 * - The cluster's `outlier_detection` carries what the control plane set (Istio's translation is
 *   sim/controlplane/translate-traffic-policy.ts); unset fields take Envoy's defaults (5 consecutive
 *   5xx at 100%; 5 gateway failures at 0%; interval 10 s; base ejection 30 s; max ejection time 300 s;
 *   max ejection 10%). Istio never sets max_ejection_time, so a baseEjectionTime above 300 s makes
 *   Envoy reject the cluster.
 *
 * Invariants: functions take `nowUs` and never read a clock; sweeps due at or before `nowUs` run
 * (each at its own scheduled instant) before anything else at `nowUs`, so a caller without a timer
 * gets the same answers as one that fires every sweep; `ejectedCount` equals the ejected hosts;
 * hosts are visited in the order they joined; every draw comes from the Rng handed in.
 *
 * Not modelled: success-rate and failure-percentage detection (Istio disables success rate;
 * failure percentage is off by default), Istio's outlierDetectionHttpErrorCodes error matcher,
 * active health checks unejecting hosts, per-priority accounting, runtime overrides, the
 * cross-thread post of ejections (they happen at once here), excluded hosts in the panic count.
 */
import { assert } from '../core/assert.ts';
import { ratio } from '../core/prng.ts';
import type { Rng } from '../core/prng.ts';
import type { Cluster, LbEndpoint, OutlierDetection } from '../xds/cluster.ts';

export interface OutlierDetectionSettings {
  readonly consecutive5xx: number;
  readonly enforcingConsecutive5xxPercent: number;
  readonly consecutiveGatewayFailure: number;
  readonly enforcingConsecutiveGatewayFailurePercent: number;
  readonly splitExternalLocalOriginErrors: boolean;
  readonly consecutiveLocalOriginFailure: number;
  readonly enforcingConsecutiveLocalOriginFailurePercent: number;
  readonly intervalUs: number;
  readonly baseEjectionTimeUs: number;
  readonly maxEjectionTimeUs: number;
  readonly maxEjectionTimeJitterUs: number;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
}

/** Envoy's OutlierDetection defaults (an empty `outlier_detection: {}`). */
export const ENVOY_OUTLIER_DEFAULTS: OutlierDetectionSettings = Object.freeze({
  consecutive5xx: 5,
  enforcingConsecutive5xxPercent: 100,
  consecutiveGatewayFailure: 5,
  enforcingConsecutiveGatewayFailurePercent: 0,
  splitExternalLocalOriginErrors: false,
  consecutiveLocalOriginFailure: 5,
  enforcingConsecutiveLocalOriginFailurePercent: 100,
  intervalUs: 10_000_000,
  baseEjectionTimeUs: 30_000_000,
  maxEjectionTimeUs: 300_000_000,
  maxEjectionTimeJitterUs: 0,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
});

/** Envoy's healthy_panic_threshold default, percent. */
export const ENVOY_DEFAULT_PANIC_THRESHOLD_PERCENT = 50;

/**
 * The settings a cluster's `outlier_detection` stands for: Envoy's default for every field the control
 * plane left unset (an unset proto field), the sent value otherwise.
 */
export function outlierDetectionSettings(sent: OutlierDetection): OutlierDetectionSettings {
  const defaults = ENVOY_OUTLIER_DEFAULTS;
  return {
    consecutive5xx: sent.consecutive5xx ?? defaults.consecutive5xx,
    enforcingConsecutive5xxPercent: sent.enforcingConsecutive5xxPercent ?? defaults.enforcingConsecutive5xxPercent,
    consecutiveGatewayFailure: sent.consecutiveGatewayFailure ?? defaults.consecutiveGatewayFailure,
    enforcingConsecutiveGatewayFailurePercent: sent.enforcingConsecutiveGatewayFailurePercent ?? defaults.enforcingConsecutiveGatewayFailurePercent,
    splitExternalLocalOriginErrors: sent.splitExternalLocalOriginErrors ?? defaults.splitExternalLocalOriginErrors,
    consecutiveLocalOriginFailure: sent.consecutiveLocalOriginFailure ?? defaults.consecutiveLocalOriginFailure,
    enforcingConsecutiveLocalOriginFailurePercent: sent.enforcingConsecutiveLocalOriginFailurePercent ?? defaults.enforcingConsecutiveLocalOriginFailurePercent,
    intervalUs: sent.intervalUs ?? defaults.intervalUs,
    baseEjectionTimeUs: sent.baseEjectionTimeUs ?? defaults.baseEjectionTimeUs,
    maxEjectionTimeUs: sent.maxEjectionTimeUs ?? defaults.maxEjectionTimeUs,
    maxEjectionTimeJitterUs: defaults.maxEjectionTimeJitterUs,
    maxEjectionPercent: sent.maxEjectionPercent ?? defaults.maxEjectionPercent,
    alwaysEjectOneHost: defaults.alwaysEjectOneHost,
  };
}

/** Envoy's rejection of a cluster's outlier settings (the proxy NACKs it), or null when valid. */
export function outlierDetectionRejection(settings: OutlierDetectionSettings): string | null {
  // DetectorImpl::create.
  if (settings.maxEjectionTimeUs < settings.baseEjectionTimeUs) {
    return "outlier detector's max_ejection_time cannot be smaller than base_ejection_time";
  }
  // The proto's `gt: 0` on interval and base_ejection_time.
  if (settings.intervalUs <= 0) return 'outlier_detection.interval must be greater than 0s';
  if (settings.baseEjectionTimeUs <= 0) return 'outlier_detection.base_ejection_time must be greater than 0s';
  return null;
}

/** The cluster's healthy_panic_threshold: as sent, else Envoy's 50%. */
export function panicThresholdPercent(cluster: Pick<Cluster, 'healthyPanicThresholdPercent'>): number {
  return cluster.healthyPanicThresholdPercent ?? ENVOY_DEFAULT_PANIC_THRESHOLD_PERCENT;
}

export type EjectionReason = 'consecutive-5xx' | 'consecutive-gateway-failure' | 'consecutive-local-origin-failure';

interface HostOutlierState {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  ejected: boolean;
  /** Envoy's ejectTimeBackoff: the multiplier of base_ejection_time for the current ejection. */
  ejectTimeBackoff: number;
  numEjections: number;
  lastEjectionUs: number;
  jitterUs: number;
}

export interface OutlierDetector {
  readonly settings: OutlierDetectionSettings;
  readonly hosts: Map<string, HostOutlierState>;
  ejectedCount: number;
  /** When the next interval sweep is due. */
  nextSweepUs: number;
}

export type OutlierEvent =
  | { readonly kind: 'ejected'; readonly host: string; readonly reason: EjectionReason; readonly atUs: number; readonly ejectedForUs: number; readonly ejections: number }
  /** The max_ejection_percent cap refused it (Envoy stat ejections_overflow). */
  | { readonly kind: 'ejection-overflow'; readonly host: string; readonly reason: EjectionReason; readonly atUs: number }
  /** Detected, but the enforcing percentage said no. */
  | { readonly kind: 'not-enforced'; readonly host: string; readonly reason: EjectionReason; readonly atUs: number }
  | { readonly kind: 'unejected'; readonly host: string; readonly atUs: number };

/** What one upstream attempt tells the detector about its host. */
export type OutlierResult =
  /** An HTTP response from the host (the connection worked). */
  | { readonly kind: 'http'; readonly status: number }
  /** LocalOriginConnectFailed: connect failure, or the stream reset by/at the host. */
  | { readonly kind: 'connect-failed' }
  /** LocalOriginTimeout: the attempt timed out (the router reports it with code 504). */
  | { readonly kind: 'timeout' }
  /** LocalOriginConnectSuccess: a connection was established (TCP proxy, or before a response). */
  | { readonly kind: 'connect-success' };

/** The key meshsim uses for a host in a detector: `address:port`. */
export function outlierHostKey(endpoint: Pick<LbEndpoint, 'address' | 'port'>): string {
  return `${endpoint.address}:${endpoint.port}`;
}

export function createOutlierDetector(settings: OutlierDetectionSettings, nowUs: number, hostKeys: readonly string[]): OutlierDetector {
  const rejection = outlierDetectionRejection(settings);
  assert(rejection === null, () => `outlier settings a proxy would reject reached the data plane: ${String(rejection)}`);
  assertTime(nowUs);
  // armIntervalTimer at creation: the first sweep is one interval later.
  const detector: OutlierDetector = { settings, hosts: new Map(), ejectedCount: 0, nextSweepUs: nowUs + settings.intervalUs };
  syncHosts(detector, hostKeys);
  return detector;
}

/** The cluster's host set changed (EDS): new hosts start clean, removed ones are forgotten. */
export function syncHosts(detector: OutlierDetector, hostKeys: readonly string[]): void {
  const wanted = new Set(hostKeys);
  for (const [key, host] of detector.hosts) {
    if (wanted.has(key)) continue;
    // The member-update callback: a removed ejected host no longer counts as ejected.
    if (host.ejected) detector.ejectedCount -= 1;
    detector.hosts.delete(key);
  }
  for (const key of hostKeys) {
    if (detector.hosts.has(key)) continue;
    detector.hosts.set(key, {
      consecutive5xx: 0, consecutiveGatewayFailure: 0, consecutiveLocalOriginFailure: 0,
      ejected: false, ejectTimeBackoff: 0, numEjections: 0, lastEjectionUs: 0, jitterUs: 0,
    });
  }
}

/** Is the host ejected at `nowUs` (after the sweeps due by then)? Unknown hosts are not. */
export function isEjected(detector: OutlierDetector, hostKey: string, nowUs: number): boolean {
  runSweeps(detector, nowUs);
  return detector.hosts.get(hostKey)?.ejected ?? false;
}

/** Report one attempt's result for a host; returns the sweep and ejection events it caused. */
export function recordResult(detector: OutlierDetector, hostKey: string, result: OutlierResult, nowUs: number, rng: Rng): OutlierEvent[] {
  const events = runSweeps(detector, nowUs);
  const host = detector.hosts.get(hostKey);
  // A result for a host that left the cluster has no monitor to go to.
  if (host === undefined) return events;
  const ejections: EjectionReason[] = [];
  const split = detector.settings.splitExternalLocalOriginErrors;
  switch (result.kind) {
    case 'http':
      if (!(Number.isSafeInteger(result.status) && result.status >= 100 && result.status <= 599)) assert(false, () => `bad HTTP status ${result.status}`);
      // Split mode: the connection worked (LocalOriginConnectSuccess at pool ready).
      if (split) host.consecutiveLocalOriginFailure = 0;
      putHttpResponseCode(detector.settings, host, result.status, ejections);
      break;
    case 'connect-failed':
    case 'timeout':
      if (split) {
        // putResultWithLocalExternalSplit: local-origin failures have their own counter.
        host.consecutiveLocalOriginFailure += 1;
        if (host.consecutiveLocalOriginFailure === detector.settings.consecutiveLocalOriginFailure) ejections.push('consecutive-local-origin-failure');
      } else {
        // resultToHttpCode: connect failed → 503; the router reports a timeout with 504.
        putHttpResponseCode(detector.settings, host, result.kind === 'timeout' ? 504 : 503, ejections);
      }
      break;
    case 'connect-success':
      // Non-split: "this code is not mapped to HTTP code"; split: clears the local-origin counter.
      if (split) host.consecutiveLocalOriginFailure = 0;
      break;
  }
  for (const reason of ejections) {
    const event = onConsecutiveError(detector, hostKey, host, reason, nowUs, rng);
    if (event !== null) events.push(event);
  }
  return events;
}

function putHttpResponseCode(settings: OutlierDetectionSettings, host: HostOutlierState, status: number, ejections: EjectionReason[]): void {
  if (status < 500 || status > 599) {
    host.consecutive5xx = 0;
    host.consecutiveGatewayFailure = 0;
    return;
  }
  // isGatewayError: 502, 503, 504 count towards the gateway counter; another 5xx clears it.
  if (status === 502 || status === 503 || status === 504) {
    host.consecutiveGatewayFailure += 1;
    if (host.consecutiveGatewayFailure === settings.consecutiveGatewayFailure) ejections.push('consecutive-gateway-failure');
  } else {
    host.consecutiveGatewayFailure = 0;
  }
  host.consecutive5xx += 1;
  if (host.consecutive5xx === settings.consecutive5xx) ejections.push('consecutive-5xx');
}

function onConsecutiveError(
  detector: OutlierDetector, hostKey: string, host: HostOutlierState, reason: EjectionReason, nowUs: number, rng: Rng,
): OutlierEvent | null {
  // onConsecutiveErrorWorker: an already ejected host is left alone, counter included.
  if (host.ejected) return null;
  const event = ejectHost(detector, hostKey, host, reason, nowUs, rng);
  // ... otherwise the counter that fired is cleared, whatever ejectHost decided.
  if (reason === 'consecutive-5xx') host.consecutive5xx = 0;
  else if (reason === 'consecutive-gateway-failure') host.consecutiveGatewayFailure = 0;
  else host.consecutiveLocalOriginFailure = 0;
  return event;
}

function ejectHost(detector: OutlierDetector, hostKey: string, host: HostOutlierState, reason: EjectionReason, nowUs: number, rng: Rng): OutlierEvent {
  const { settings } = detector;
  const maxPercent = Math.min(100, settings.maxEjectionPercent);
  // ejectHost: 100·(active + 1)/hosts ≤ max_ejection_percent, or always_eject_one_host for the first.
  const withinCap = 100 * (detector.ejectedCount + 1) <= maxPercent * detector.hosts.size;
  if (!withinCap && !(settings.alwaysEjectOneHost && detector.ejectedCount === 0)) {
    return { kind: 'ejection-overflow', host: hostKey, reason, atUs: nowUs };
  }
  // enforceEjection: runtime featureEnabled(enforcing_*, percent), one draw.
  if (!rng.chance(ratio(Math.min(100, enforcingPercent(settings, reason)), 100))) {
    return { kind: 'not-enforced', host: hostKey, reason, atUs: nowUs };
  }
  host.ejected = true;
  host.numEjections += 1;
  host.lastEjectionUs = nowUs;
  detector.ejectedCount += 1;
  // max_ejection_time_jitter: uniform in 0..jitter whole ms, drawn per ejection.
  host.jitterUs = rng.below(Math.floor(settings.maxEjectionTimeJitterUs / 1_000) + 1) * 1_000;
  // The back-off grows while backoff·base < max + base, so min(base·backoff, max) tops out at max.
  if (host.ejectTimeBackoff * settings.baseEjectionTimeUs < settings.maxEjectionTimeUs + settings.baseEjectionTimeUs) host.ejectTimeBackoff += 1;
  return { kind: 'ejected', host: hostKey, reason, atUs: nowUs, ejectedForUs: ejectionDurationUs(settings, host), ejections: host.numEjections };
}

function enforcingPercent(settings: OutlierDetectionSettings, reason: EjectionReason): number {
  switch (reason) {
    case 'consecutive-5xx':
      return settings.enforcingConsecutive5xxPercent;
    case 'consecutive-gateway-failure':
      return settings.enforcingConsecutiveGatewayFailurePercent;
    case 'consecutive-local-origin-failure':
      return settings.enforcingConsecutiveLocalOriginFailurePercent;
  }
}

function ejectionDurationUs(settings: OutlierDetectionSettings, host: HostOutlierState): number {
  return Math.min(settings.baseEjectionTimeUs * host.ejectTimeBackoff, settings.maxEjectionTimeUs) + host.jitterUs;
}

/** Runs every interval sweep due at or before `nowUs`, each at its scheduled instant. */
export function runSweeps(detector: OutlierDetector, nowUs: number): OutlierEvent[] {
  assertTime(nowUs);
  const events: OutlierEvent[] = [];
  const { intervalUs } = detector.settings;
  while (detector.nextSweepUs <= nowUs) {
    if (detector.ejectedCount === 0 && !anyBackoff(detector)) {
      // Nothing to uneject or decay: skip to the first sweep after nowUs.
      detector.nextSweepUs += (Math.floor((nowUs - detector.nextSweepUs) / intervalUs) + 1) * intervalUs;
      break;
    }
    sweep(detector, detector.nextSweepUs, events);
    detector.nextSweepUs += intervalUs;
  }
  return events;
}

/** One interval sweep at `nextSweepUs`, for a caller that fires Envoy's interval timer itself. */
export function onIntervalTimer(detector: OutlierDetector): OutlierEvent[] {
  const events: OutlierEvent[] = [];
  sweep(detector, detector.nextSweepUs, events);
  detector.nextSweepUs += detector.settings.intervalUs;
  return events;
}

function anyBackoff(detector: OutlierDetector): boolean {
  for (const host of detector.hosts.values()) if (host.ejectTimeBackoff > 0) return true;
  return false;
}

/** onIntervalTimer → checkHostForUneject for every host. */
function sweep(detector: OutlierDetector, atUs: number, events: OutlierEvent[]): void {
  for (const [key, host] of detector.hosts) {
    if (!host.ejected) {
      // "If the host is healthy during that check, the ejection time multiplier is decremented."
      if (host.ejectTimeBackoff > 0) host.ejectTimeBackoff -= 1;
      continue;
    }
    if (ejectionDurationUs(detector.settings, host) > atUs - host.lastEjectionUs) continue;
    host.ejected = false;
    detector.ejectedCount -= 1;
    // Unejection clears the consecutive counters "to avoid re-ejection on very few new errors".
    host.consecutive5xx = 0;
    host.consecutiveGatewayFailure = 0;
    host.consecutiveLocalOriginFailure = 0;
    events.push({ kind: 'unejected', host: key, atUs });
  }
}

/**
 * The hosts the load balancer chooses from (isHostSetInPanic): healthy and not ejected ones, or all
 * of them in panic, when 100 · healthy < threshold · hosts.
 */
export function loadBalancingHosts<T extends Pick<LbEndpoint, 'healthy'>>(
  endpoints: readonly T[], isHostEjected: (endpoint: T) => boolean, panicThresholdPercent: number,
): { readonly hosts: T[]; readonly panic: boolean } {
  assert(Number.isSafeInteger(panicThresholdPercent) && panicThresholdPercent >= 0, () => `panic threshold ${panicThresholdPercent} must be an integer ≥ 0`);
  const threshold = Math.min(100, panicThresholdPercent);
  const healthy = endpoints.filter((endpoint) => endpoint.healthy && !isHostEjected(endpoint));
  // isHostSetInPanic: healthy_percent < threshold (an empty set is 0% healthy).
  const panic = endpoints.length === 0 ? threshold > 0 : 100 * healthy.length < threshold * endpoints.length;
  return { hosts: panic ? [...endpoints] : healthy, panic };
}

function assertTime(us: number): void {
  if (!(Number.isSafeInteger(us) && us >= 0)) assert(false, () => `time ${us} µs must be a non-negative integer`);
}
