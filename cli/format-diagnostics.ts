/**
 * Diagnostics for people (compiler style: `file:line:col: severity CODE Kind ns/name: message`, then the
 * hint) and as data (`--json`, a stable contract documented in the README).
 */
import { countBySeverity, formatResourceRef } from '../sim/index.ts';
import type { Diagnostic } from '../sim/index.ts';

export interface ValidateSummary {
  readonly files: number;
  readonly resources: number;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export function summarize(diagnostics: readonly Diagnostic[], files: number, resources: number): ValidateSummary {
  const counts = countBySeverity(diagnostics);
  return { files, resources, errors: counts.error, warnings: counts.warning, infos: counts.info };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const what = d.resource === null ? '' : `${formatResourceRef(d.resource)}: `;
  return `${where}: ${d.severity} ${d.code} ${what}${d.message}\n    hint: ${d.hint}`;
}

export function formatSummary(s: ValidateSummary): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')} ` +
    `(${plural(s.resources, 'resource')} from ${plural(s.files, 'file')})`;
}

export function diagnosticsAsJson(diagnostics: readonly Diagnostic[], summary: ValidateSummary): string {
  return `${JSON.stringify({ diagnostics, summary }, null, 2)}\n`;
}
