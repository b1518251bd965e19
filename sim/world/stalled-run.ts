/**
 * A run whose virtual time stopped (the loop's watchdog, sim/core/loop.ts StalledRunError), told in
 * the scenario's terms: which actor keeps rescheduling itself at the same instant, and what to change.
 *
 * Invariants: pure; names a traffic entry by its name and `from` when the stuck event is one of its
 * arrivals, else the event's kind.
 *
 * Not modelled: finding a cycle among several actors (the last event's actor is named).
 */
import { STALL_EVENTS } from '../core/loop.ts';
import type { StalledRunError } from '../core/loop.ts';
import { formatDuration } from '../core/time.ts';
import type { Scenario } from './scenario.ts';

export function describeStall(error: StalledRunError, scenario: Scenario): string {
  const event = error.event as { readonly kind?: unknown; readonly traffic?: unknown };
  const at = formatDuration(error.atUs);
  if (event.kind === 'arrival' && typeof event.traffic === 'number' && scenario.traffic[event.traffic] !== undefined) {
    const spec = scenario.traffic[event.traffic]!;
    return `the run cannot advance: traffic "${spec.name}" (from ${spec.from}) sends again and again at ${at} without virtual time passing (${STALL_EVENTS} events in a row at that instant). Give it a thinkTime or a lower rate, or check that its requests can take time.`;
  }
  return `the run cannot advance: ${STALL_EVENTS} events in a row at ${at}, the last a "${String(event.kind)}" event, without virtual time passing. This is a loop in the scenario's actors; shorten or change the step that starts it.`;
}
