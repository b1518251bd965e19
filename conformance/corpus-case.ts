// A corpus case: a YAML file whose header comment says what diagnostics it must produce, one
// `# expect: <severity> <code> <line>:<col> <message>` line each, and optionally `# known-bug: <why>`.
// Shared by the bad-input (manifests) and bad-scenarios corpora.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface CorpusCase {
  readonly name: string;
  /** Relative to the repository root (ava runs with it as the working directory). */
  readonly path: string;
  readonly text: string;
  readonly expected: readonly string[];
  readonly knownBug: string | null;
  /** Header lines the format does not know, with their line numbers. */
  readonly headerErrors: readonly string[];
}

export function readCorpusCase(repoRoot: string, caseDir: string, name: string): CorpusCase {
  const casePath = `${caseDir}/${name}`;
  const text = readFileSync(path.join(repoRoot, casePath), 'utf8');
  const expected: string[] = [];
  const headerErrors: string[] = [];
  let knownBug: string | null = null;
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.startsWith('#')) break;
    if (line.startsWith('# expect: ')) expected.push(line.slice('# expect: '.length));
    else if (line.startsWith('# known-bug: ')) knownBug = line.slice('# known-bug: '.length);
    else headerErrors.push(`line ${index + 1}: not a header line (# expect: … or # known-bug: …): ${line}`);
  }
  return { name, path: casePath, text, expected, knownBug, headerErrors };
}
