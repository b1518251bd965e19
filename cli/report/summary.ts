/**
 * What a run comes to, for stdout and summary.json: seed, duration, requests by outcome, success rate
 * per source → destination service, pushes and convergence percentiles, and each assertion's verdict.
 *
 * Invariants: computed from the RunRecord alone; every list is in a fixed order (outcomes by count,
 * then code and flags; pairs worst first, then by name), so equal records give equal text. Plain text,
 * no colours, no wall-clock time.
 *
 * Not modelled: per-window success rates (the assertions measure their own windows; their messages
 * carry those numbers).
 */
import { pushUpdates } from '../../sim/index.ts';
import type { RunRecord } from '../../sim/index.ts';
import {
  compareText, decimal, durationText, isSuccess, outcomeOf, pairOf, percentText, percentile,
} from './report-math.ts';

export interface OutcomeCount {
  readonly code: number;
  readonly flags: string;
  readonly requests: number;
}

export interface PairSuccess {
  /** `source → destination service` (see pairOf). */
  readonly pair: string;
  readonly requests: number;
  readonly succeeded: number;
}

/** Nearest-rank percentiles in µs; null when there is nothing to rank. */
export interface Percentiles {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly count: number;
}

export interface RunSummary {
  readonly scenario: string;
  readonly file: string;
  readonly seed: number;
  readonly durationUs: number;
  readonly events: number;
  readonly traceHash: string;
  readonly requests: number;
  readonly succeeded: number;
  readonly outcomes: readonly OutcomeCount[];
  readonly pairs: readonly PairSuccess[];
  readonly pushes: { readonly total: number; readonly full: number; readonly incremental: number; readonly proxyUpdates: number; readonly nacked: number };
  /** Push start → every type written (pilot_proxy_convergence_time). */
  readonly convergenceSentUs: Percentiles;
  /** Push start → the proxy's answer; `count` excludes proxies that never answered (`unanswered`). */
  readonly convergenceAckUs: Percentiles & { readonly unanswered: number };
  readonly assertions: { readonly passed: number; readonly failed: number };
  /** Long-lived streams opened, and how many the mesh cut. */
  readonly streams: { readonly opened: number; readonly cut: number };
}

function percentilesOf(values: readonly number[]): Percentiles {
  return { p50: percentile(values, 50) ?? null, p99: percentile(values, 99) ?? null, count: values.length };
}

/** Requests per outcome, biggest first, then by code and flags. */
export function outcomesOf(record: RunRecord): OutcomeCount[] {
  const byOutcome = new Map<string, OutcomeCount>();
  for (const r of record.requests) {
    const key = outcomeOf(r);
    const seen = byOutcome.get(key);
    byOutcome.set(key, { code: r.code, flags: r.flags, requests: (seen?.requests ?? 0) + r.count });
  }
  return [...byOutcome.values()].sort((a, b) =>
    b.requests - a.requests || a.code - b.code || compareText(a.flags, b.flags));
}

/** Success per pair, worst rate first (compared exactly by cross-multiplying), then by name. */
export function pairSuccesses(record: RunRecord): PairSuccess[] {
  const byPair = new Map<string, { requests: number; succeeded: number }>();
  for (const r of record.requests) {
    const key = pairOf(r);
    const seen = byPair.get(key) ?? { requests: 0, succeeded: 0 };
    seen.requests += r.count;
    if (isSuccess(r.code)) seen.succeeded += r.count;
    byPair.set(key, seen);
  }
  return [...byPair.entries()]
    .map(([pair, c]) => ({ pair, ...c }))
    .filter((p) => p.requests > 0)
    .sort((a, b) => a.succeeded * b.requests - b.succeeded * a.requests || compareText(a.pair, b.pair));
}

export function summarizeRun(record: RunRecord): RunSummary {
  const outcomes = outcomesOf(record);
  const requests = outcomes.reduce((n, o) => n + o.requests, 0);
  const succeeded = outcomes.filter((o) => isSuccess(o.code)).reduce((n, o) => n + o.requests, 0);
  // Push updates only, as Istio's convergence metrics: a new proxy's initial request is no push.
  const updates = pushUpdates(record.convergence);
  const acks = updates.flatMap((c) => (c.ackUs === null ? [] : [c.ackUs]));
  const full = record.pushes.filter((p) => p.full).length;
  return {
    scenario: record.scenario, file: record.file, seed: record.seed, durationUs: record.durationUs,
    events: record.events, traceHash: record.traceHash, requests, succeeded, outcomes,
    pairs: pairSuccesses(record),
    pushes: {
      total: record.pushes.length, full, incremental: record.pushes.length - full,
      proxyUpdates: updates.length, nacked: record.convergence.filter((c) => c.nacked).length,
    },
    convergenceSentUs: percentilesOf(updates.map((c) => c.sentUs)),
    convergenceAckUs: { ...percentilesOf(acks), unanswered: updates.length - acks.length },
    assertions: {
      passed: record.assertions.filter((a) => a.passed).length,
      failed: record.assertions.filter((a) => !a.passed).length,
    },
    streams: { opened: record.streams.opened, cut: record.streams.cut.length },
  };
}

/** How many outcomes and pairs the text summary lists before it says "N more". */
export const SUMMARY_ROWS_MAX = 12;

const p = (us: number | null): string => (us === null ? '-' : durationText(us));

function requestLines(s: RunSummary): string[] {
  const lines = [`requests    ${s.requests} total, ${s.succeeded} succeeded (${percentText(s.succeeded, s.requests)}), ${s.requests - s.succeeded} failed`];
  if (s.outcomes.length > 0) lines.push('  code  flags          requests');
  for (const o of s.outcomes.slice(0, SUMMARY_ROWS_MAX)) {
    lines.push(`  ${String(o.code).padStart(4)}  ${o.flags.padEnd(14)} ${String(o.requests).padStart(8)}`);
  }
  const more = s.outcomes.length - SUMMARY_ROWS_MAX;
  if (more > 0) lines.push(`  … ${more} more outcomes in requests.csv`);
  if (s.pairs.length > 0) lines.push('success rate by source → destination service (worst first):');
  const width = Math.max(0, ...s.pairs.slice(0, SUMMARY_ROWS_MAX).map((x) => x.pair.length));
  for (const x of s.pairs.slice(0, SUMMARY_ROWS_MAX)) {
    lines.push(`  ${x.pair.padEnd(width)}  ${percentText(x.succeeded, x.requests).padStart(8)}  (${x.succeeded}/${x.requests})`);
  }
  const morePairs = s.pairs.length - SUMMARY_ROWS_MAX;
  if (morePairs > 0) lines.push(`  … ${morePairs} more pairs in requests.csv`);
  if (s.streams.opened > 0) lines.push(`streams     ${s.streams.opened} long-lived streams opened, ${s.streams.cut} cut by the mesh`);
  return lines;
}

function controlPlaneLines(s: RunSummary): string[] {
  const u = s.pushes;
  const lines = [`pushes      ${u.total} (${u.full} full, ${u.incremental} incremental), ${u.proxyUpdates} proxy updates, ${u.nacked} NACKed`];
  if (u.proxyUpdates > 0) {
    const a = s.convergenceAckUs;
    const never = a.unanswered === 0 ? '' : `; ${a.unanswered} never answered`;
    lines.push(`convergence sent p50 ${p(s.convergenceSentUs.p50)}, p99 ${p(s.convergenceSentUs.p99)}; ACK p50 ${p(a.p50)}, p99 ${p(a.p99)}${never}`);
  }
  return lines;
}

/**
 * The stdout summary of a run. `reportDir`, when given, is printed as where the report is. A failed
 * assertion adds the command that replays the run.
 */
export function formatSummary(record: RunRecord, reportDir?: string): string {
  const s = summarizeRun(record);
  const lines = [
    `scenario    ${s.scenario} (${s.file})`,
    `seed        ${s.seed}`,
    `duration    ${decimal(s.durationUs, 6)} s simulated, ${s.events} events, trace ${s.traceHash}`,
    ...requestLines(s),
    ...controlPlaneLines(s),
  ];
  if (record.assertions.length === 0) lines.push('assertions  none');
  else lines.push(`assertions  ${s.assertions.passed} passed, ${s.assertions.failed} failed`);
  for (const a of record.assertions) lines.push(`  ${a.passed ? 'PASS' : 'FAIL'}  ${a.name}: ${a.message}`);
  if (s.assertions.failed > 0) lines.push(`replay      meshsim run ${shellWord(s.file)} --seed ${s.seed}`);
  if (reportDir !== undefined) lines.push(`report      ${reportDir}/report.html (CSV, metrics.prom beside it)`);
  return `${lines.join('\n')}\n`;
}

/** A path as one shell word: bare when safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
