/**
 * `meshsim validate <paths...>`: load manifests and print the diagnostics alone, analyzer style.
 * Exit 2 on any error (or on a warning with --strict), else 0.
 */
import { validateManifests } from '../../sim/index.ts';
import { readManifests } from '../read-manifests.ts';
import { EXIT } from '../user-error.ts';
import { formatTopology } from '../format-topology.ts';
import { diagnosticsAsJson, formatDiagnostic, formatSummary, summarize } from '../format-diagnostics.ts';

export interface ValidateFlags {
  readonly json?: boolean;
  readonly strict?: boolean;
  readonly namespace?: string;
  /** Hide the topology overview and info-level diagnostics. */
  readonly quiet?: boolean;
}

export function runValidate(paths: readonly string[], flags: ValidateFlags, out: (text: string) => void): number {
  const sources = readManifests(paths);
  const result = validateManifests(sources, { defaultNamespace: flags.namespace ?? 'default' });
  const summary = summarize(result.diagnostics, sources.length, result.resources.length);
  if (flags.json) {
    out(diagnosticsAsJson(result.diagnostics, summary));
  } else {
    if (!flags.quiet) {
      const namespaces = new Set(result.resources.map((r) => (r.kind === 'Namespace' ? r.name : r.namespace)));
      const overview = formatTopology(result.topology, namespaces);
      if (overview !== '') out(`${overview}\n`);
    }
    for (const d of result.diagnostics) {
      if (flags.quiet && d.severity === 'info') continue;
      out(`${formatDiagnostic(d)}\n`);
    }
    out(`${formatSummary(summary)}\n`);
  }
  const failed = summary.errors > 0 || (flags.strict === true && summary.warnings > 0);
  return failed ? EXIT.badInput : EXIT.ok;
}
