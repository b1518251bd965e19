/**
 * A run's verdicts: each scenario assertion measured over its window from what the recorder kept.
 *
 * Rules:
 * - A request belongs to a window by when it ended (as istio_requests_total counts it), [from, to).
 * - Success is an HTTP status below 500 (Istio dashboards' success rate: non-5xx); a reset or refused
 *   connection (code 0) is a failure.
 * - Percentiles are nearest-rank over the matching values; a window with nothing to measure fails
 *   for rates and percentiles (there is nothing to vouch for) and measures 0 for counts.
 * - `converged` is observed at the window's end, after everything else at that instant.
 *
 * Invariants: pure; integer arithmetic (ppm for rates).
 *
 * Not modelled: assertions over custom metrics or access-log fields.
 */
import { formatDuration } from '../core/time.ts';
import { percentile } from '../trace/recorder.ts';
import type { Recorder, RequestLabels } from '../trace/recorder.ts';
import { pushUpdates } from '../trace/run-record.ts';
import type { AssertionVerdict, PushRecord } from '../trace/run-record.ts';
import type { AssertionSpec } from './scenario.ts';

export function evaluateAssertions(specs: readonly AssertionSpec[], recorder: Recorder, observed: ReadonlyMap<number, boolean>): AssertionVerdict[] {
  return specs.map((spec, index) => evaluate(spec, recorder, observed.get(index) ?? false));
}

function evaluate(spec: AssertionSpec, recorder: Recorder, converged: boolean): AssertionVerdict {
  const window = `in [${formatDuration(spec.fromUs)}, ${formatDuration(spec.toUs)})`;
  const matching = recorder.requestsWhere((labels) => matches(spec, labels), spec.fromUs, spec.toUs);
  switch (spec.metric) {
    case 'success-rate-ppm': {
      if (matching.length === 0) return verdict(spec, 0, false, `no request ${describe(spec)} ended ${window}, so there is no success rate to check`);
      let ok = 0;
      for (let i = 0; i < matching.length; i += 1) {
        const code = matching.labelsAt(i).code;
        if (code > 0 && code < 500) ok += 1;
      }
      const ppm = Math.floor((ok * 1_000_000) / matching.length);
      return verdict(spec, ppm, null, `success rate ${describe(spec)} ${window}: ${formatPpm(ppm)} (${ok} of ${matching.length}), expected ${spec.op} ${formatPpm(spec.value)}`);
    }
    case 'requests':
      return verdict(spec, matching.length, null, `${matching.length} requests ${describe(spec)} ${window}, expected ${spec.op} ${spec.value}`);
    case 'flagged-requests': {
      let flagged = 0;
      for (let i = 0; i < matching.length; i += 1) if (matching.labelsAt(i).flags.includes(spec.flag ?? '')) flagged += 1;
      return verdict(spec, flagged, null, `${flagged} requests with flag ${spec.flag} ${describe(spec)} ${window} (of ${matching.length}), expected ${spec.op} ${spec.value}`);
    }
    case 'latency-us': {
      const durations: number[] = [];
      for (let i = 0; i < matching.length; i += 1) durations.push(matching.durationUsAt(i));
      const p = percentile(durations, spec.percentile ?? 99);
      if (p === null) return verdict(spec, 0, false, `no request ${describe(spec)} ended ${window}, so there is no latency to check`);
      return verdict(spec, p, null, `p${spec.percentile} latency ${describe(spec)} ${window}: ${formatDuration(p)}, expected ${spec.op} ${formatDuration(spec.value)}`);
    }
    case 'convergence-us': {
      const pushes = new Map(recorder.pushRecords().map((p) => [p.index, p]));
      const acks = pushUpdates(recorder.convergenceRecords())
        .filter((c) => c.ackUs !== null && inWindow(spec, pushes.get(c.push)?.startUs ?? -1))
        .map((c) => c.ackUs!);
      const p = percentile(acks, spec.percentile ?? 99);
      if (p === null) return verdict(spec, 0, false, `no push started ${window}, so there is no convergence to check`);
      return verdict(spec, p, null, `p${spec.percentile} convergence (push start → ACK) over ${acks.length} proxy pushes ${window}: ${formatDuration(p)}, expected ${spec.op} ${formatDuration(spec.value)}`);
    }
    case 'propagation-us': {
      const pushes = new Map(recorder.pushRecords().filter((p) => isChange(p)).map((p) => [p.index, p]));
      const delays = pushUpdates(recorder.convergenceRecords()).flatMap((c) => {
        const push = pushes.get(c.push);
        return push === undefined || c.ackUs === null || !inWindow(spec, push.startUs) ? [] : [push.startUs + c.ackUs - push.firstEventUs];
      });
      const p = percentile(delays, spec.percentile ?? 99);
      if (p === null) return verdict(spec, 0, false, `no change was pushed ${window}, so there is no propagation to check`);
      return verdict(spec, p, null, `p${spec.percentile} propagation (change at istiod → ACK) over ${delays.length} proxy updates ${window}: ${formatDuration(p)}, expected ${spec.op} ${formatDuration(spec.value)}`);
    }
    case 'stream-cuts': {
      const cuts = recorder.streams().cut.filter((c) => inWindow(spec, c.atUs) && (spec.source === null || spec.source === c.source) && (spec.destination === null || spec.destination === c.destination));
      const why = cuts.length === 0 ? '' : ` (first: ${cuts[0]!.reason})`;
      return verdict(spec, cuts.length, null, `${cuts.length} long-lived streams ${describe(spec)} cut ${window}${why}, expected ${spec.op} ${spec.value}`);
    }
    case 'pushes': {
      const count = recorder.pushRecords().filter((p) => p.index > 0 && inWindow(spec, p.startUs)).length;
      return verdict(spec, count, null, `${count} pushes ${window}, expected ${spec.op} ${spec.value}`);
    }
    case 'proxy-updates': {
      const starts = new Map(recorder.pushRecords().map((p) => [p.index, p.startUs]));
      const count = pushUpdates(recorder.convergenceRecords()).filter((c) => c.push > 0 && inWindow(spec, starts.get(c.push) ?? -1)).length;
      return verdict(spec, count, null, `${count} proxy updates from pushes ${window}, expected ${spec.op} ${spec.value}`);
    }
    case 'update-bytes': {
      const starts = new Map(recorder.pushRecords().map((p) => [p.index, p.startUs]));
      const sizes = pushUpdates(recorder.convergenceRecords()).filter((c) => c.push > 0 && inWindow(spec, starts.get(c.push) ?? -1)).map((c) => c.bytes);
      const p = percentile(sizes, spec.percentile ?? 50);
      if (p === null) return verdict(spec, 0, false, `no proxy update from a push ${window}, so there is no size to check`);
      return verdict(spec, p, null, `p${spec.percentile} bytes per proxy update over ${sizes.length} updates ${window}: ${p} B, expected ${spec.op} ${spec.value} B`);
    }
    case 'converged':
      return verdict(spec, converged ? 1 : 0, null, `at ${formatDuration(spec.toUs)} every proxy ${converged ? 'holds' : 'does not yet hold'} the latest config, expected ${spec.value === 1 ? 'converged' : 'not converged'}`);
  }
}

/** A push that carries config or endpoint changes (not the initial push, not a proxy's first request). */
function isChange(push: PushRecord): boolean {
  return push.index > 0 && !('proxyrequest' in push.reasons);
}

function verdict(spec: AssertionSpec, actual: number, forced: boolean | null, message: string): AssertionVerdict {
  const passed = forced ?? compare(actual, spec.op, spec.value);
  return { name: spec.name, passed, actual, op: spec.op, expected: spec.value, message };
}

function compare(actual: number, op: AssertionSpec['op'], expected: number): boolean {
  switch (op) {
    case '>=': return actual >= expected;
    case '<=': return actual <= expected;
    case '==': return actual === expected;
    case '>': return actual > expected;
    case '<': return actual < expected;
  }
}

/**
 * Which label sets count (the recorder applies the window). Request metrics are the client's view
 * (Istio's source-reported metrics), except with a `destination` filter, which reads the server's. A
 * shadow copy (host `…-shadow`) is sent by the proxy's async client, outside the client's stats
 * filter, so only the server that answers it reports it.
 */
function matches(spec: AssertionSpec, r: RequestLabels): boolean {
  // traffic.ts records a shadow copy with its `-shadow` host (no port) as destinationService.
  return (!r.destinationService.endsWith('-shadow') || spec.destination !== null)
    && (spec.source === null || r.source === spec.source)
    && (spec.destination === null || r.destination === spec.destination || r.destinationService === spec.destination)
    && (spec.code === null || r.code === spec.code);
}

function inWindow(spec: AssertionSpec, atUs: number): boolean {
  return atUs >= spec.fromUs && atUs < spec.toUs;
}

function describe(spec: AssertionSpec): string {
  const parts = [spec.source === null ? '' : `from ${spec.source}`, spec.destination === null ? '' : `to ${spec.destination}`, spec.code === null ? '' : `with code ${spec.code}`];
  return parts.filter((p) => p !== '').join(' ') || 'of any kind';
}

/** ppm as a percentage with up to 4 decimals, from integers. */
export function formatPpm(ppm: number): string {
  const whole = Math.floor(ppm / 10_000);
  const fraction = String(ppm % 10_000).padStart(4, '0').replace(/0+$/, '');
  return fraction === '' ? `${whole}%` : `${whole}.${fraction}%`;
}
