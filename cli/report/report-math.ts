/**
 * Small exact helpers every report file shares: integer → decimal text without float noise, nearest-rank
 * percentiles, string order that ignores the locale, and the two groupings the report is read by
 * (a request's outcome `code flags`, and its source → destination pair).
 *
 * Invariants: pure and deterministic; numbers are printed from integers by integer arithmetic, so the
 * same record gives the same text on every machine.
 *
 * Not modelled: locales (no thousands separators, `.` decimal point everywhere).
 */
import type { RequestCount } from '../../sim/index.ts';

/** `value / 10^digits` as exact decimal text, trailing zeros dropped: decimal(1500, 3) = "1.5". */
export function decimal(value: number, digits: number): string {
  if (!Number.isSafeInteger(value)) return String(value / 10 ** digits);
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  const div = 10 ** digits;
  const whole = Math.floor(abs / div);
  const frac = String(abs - whole * div).padStart(digits, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac === '' ? '' : `.${frac}`}`;
}

/** µs as milliseconds text ("1.5"). */
export const msText = (us: number): string => decimal(us, 3);
/** µs as seconds text ("0.0015"). */
export const secondsText = (us: number): string => decimal(us, 6);

/** µs for people: "850 µs", "12.5 ms", "3.2 s" (one decimal, rounded half up). */
export function durationText(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${decimal(Math.round(us / 100), 1)} ms`;
  return `${decimal(Math.round(us / 100_000), 1)} s`;
}

/** `part/whole` as a percentage with three decimals, rounded down (99.9996% never shows as 100%). */
export function percentText(part: number, whole: number): string {
  if (whole === 0) return '-';
  return `${decimal(Math.floor((part * 100_000) / whole), 3)}%`;
}

/** Nearest-rank percentile (0 < p ≤ 100) of integer values; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The largest value, 0 for none (no spread: safe for arrays of any length). */
export function maxOf(values: readonly number[]): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** Code-unit order, the same everywhere (no localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Success as the scenario assertions count it: a status, and not a 5xx (0 = reset or refused). */
export function isSuccess(code: number): boolean {
  return code !== 0 && (code < 500 || code > 599);
}

/** `503 NC`, `200 -`: how outcomes are grouped and labelled. */
export function outcomeOf(r: Pick<RequestCount, 'code' | 'flags'>): string {
  return `${r.code} ${r.flags}`;
}

/** A service host without the cluster suffix: `reviews.default.svc.cluster.local` → `reviews.default`. */
export function shortHost(host: string): string {
  return host.endsWith('.svc.cluster.local') ? host.slice(0, -'.svc.cluster.local'.length) : host;
}

/**
 * The pair a request's success counts against: its source and the service its proxy routed to. The
 * answering workload would split a failure from its pair (a 503 NC reached no workload), so the service
 * host is used, and the destination workload only when the proxy resolved no service.
 */
export function pairOf(r: Pick<RequestCount, 'source' | 'destination' | 'destinationService'>): string {
  const to = r.destinationService === 'unknown' ? r.destination : shortHost(r.destinationService);
  return `${r.source} → ${to}`;
}

/** Splits `NS/WORKLOAD` into [namespace, workload]; anything else (`external`, `unknown`) is unknown twice. */
export function splitWorkload(ref: string): [namespace: string, workload: string] {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return ['unknown', 'unknown'];
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}
