/**
 * A run the loop's watchdog stopped (sim/core/loop.ts StalledRunError), told in the scenario's terms:
 * which actor keeps rescheduling itself, and what to change. Two cases: virtual time stands still
 * (STALL_EVENTS events at one instant), or it crawls (more events in one virtual second than the
 * density budget: an actor that reschedules itself a microsecond later, or more load than can be
 * simulated).
 *
 * Invariants: pure; names a traffic entry by its name and `from` when the last event belongs to one
 * (an open-loop arrival, or a request of a closed-loop caller), else the request's source and URL
 * when the event is a request's, else the event's kind.
 *
 * Not modelled: finding a cycle among several actors (the last event's actor is named).
 */
import type { StalledRunError } from '../core/loop.ts';
import { formatDuration } from '../core/time.ts';
import type { Scenario } from './scenario.ts';

interface EventShape {
  readonly kind?: unknown;
  readonly traffic?: unknown;
  readonly exchange?: { readonly traffic?: unknown; readonly sourceLabel?: unknown; readonly request?: { readonly url?: unknown } };
}

export function describeStall(error: StalledRunError, scenario: Scenario): string {
  const event = error.event as EventShape;
  const index = event.kind === 'arrival' ? event.traffic : event.exchange?.traffic;
  const spec = typeof index === 'number' ? scenario.traffic[index] : undefined;
  const actor = spec !== undefined
    ? `traffic "${spec.name}" (from ${spec.from})`
    : event.exchange !== undefined
      ? `a request from ${String(event.exchange.sourceLabel)} to ${String(event.exchange.request?.url)} ("${String(event.kind)}" events)`
      : `"${String(event.kind)}" events`;
  if (error.reason === 'density') {
    const from = error.atUs - (error.atUs % 1_000_000);
    return `the run crawls: more than ${grouped(error.limit)} events in the virtual second from ${formatDuration(from)} to ${formatDuration(from + 1_000_000)}, the last of ${actor}. At that density one virtual second costs minutes of CPU. Lower that traffic's rate or concurrency (or give it a thinkTime), or check that its requests take time.`;
  }
  const at = formatDuration(error.atUs);
  if (spec !== undefined) {
    return `the run cannot advance: ${actor} sends again and again at ${at} without virtual time passing (${grouped(error.limit)} events in a row at that instant). Give it a thinkTime or a lower rate, or check that its requests can take time.`;
  }
  return `the run cannot advance: ${grouped(error.limit)} events in a row at ${at}, the last of ${actor}, without virtual time passing. This is a loop in the scenario's actors; shorten or change the step that starts it.`;
}

/** 200000000 → "200,000,000": digits grouped by three, the same on every host (no locale). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}
