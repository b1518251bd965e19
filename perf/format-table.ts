// Plain-text tables for the terminal: the bench table and the gate table.
//
// Job: format numbers with three significant digits (exponent form outside 0.01–10^6), lay out
// columns padded to their widest cell, numbers right-aligned.
//
// Invariants: pure; every row has as many cells as the header; no colour, no box drawing, so the
// output reads the same in a CI log.
//
// Not modelled: terminal width (long notes are left out of the tables; they are in the JSON).
import type { Comparison } from './compare-baseline.ts';
import type { Figure } from './figure.ts';

export function formatNumber(x: number | null): string {
  if (x === null) return '–';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 0.01 && abs < 1e6) return Number(x.toPrecision(3)).toString();
  return x.toExponential(2);
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells
    .map((c, i) => (rightAligned[i] === true ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
    .join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function benchTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name, f.unit, formatNumber(f.median), `${formatNumber(f.min)} – ${formatNumber(f.max)}`,
    `${formatNumber(f.q1)} – ${formatNumber(f.q3)}`, String(f.runs), formatNumber(f.normalised),
    f.normalisedSpread === null ? '–' : `${formatNumber(f.normalisedSpread.q1)} – ${formatNumber(f.normalisedSpread.q3)}`,
  ]);
  return formatTable(['figure', 'unit', 'median', 'min – max', 'IQR', 'samples', 'normalised', 'normalised IQR'], rows, [false, false, true, true, true, true, true, true]);
}

function changeText(c: Comparison): string {
  if (c.change === null) return '–';
  if (c.absolute) return `${c.change >= 0 ? '+' : ''}${c.change.toFixed(2)}`;
  return `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}%`;
}

function toleranceText(c: Comparison): string {
  if (c.tolerance === null) return '–';
  return c.absolute ? `±${c.tolerance}` : `${Math.round(c.tolerance * 100)}%`;
}

/** The gate's table; `attempts` is how many measurements each figure now is the best of. */
export function gateTable(comparisons: readonly Comparison[], figures: readonly Pick<Figure, 'name' | 'attempts'>[]): string {
  const attempts = new Map(figures.map((f) => [f.name, f.attempts]));
  const rows = comparisons.map((c) => [
    c.name, formatNumber(c.baseline), formatNumber(c.now), changeText(c),
    c.slowdown === null ? '–' : `${c.slowdown.toFixed(2)}x`, toleranceText(c), String(attempts.get(c.name) ?? '–'), c.verdict.toUpperCase(),
  ]);
  return formatTable(['figure (normalised)', 'baseline', 'now', 'change', 'slowdown', 'tolerance', 'tries', 'verdict'], rows, [false, true, true, true, true, true, true, false]);
}
