/**
 * `spec.manifests` and a timeline step's `apply`: manifest files and folders named relative to the
 * scenario file, or YAML written inline, turned into ManifestSource values.
 *
 * Job: read `{path: …}` and `{inline: …}` entries (a list, or one entry for `apply`); read paths as
 * `meshsim validate` does (cli/read-manifests.ts: files, folders recursively, .yaml/.yml/.json); give an
 * inline manifest the scenario file as its path and a text laid out so that every line and column a
 * manifest diagnostic names is the line and column in the scenario file.
 *
 * Invariants: a path that does not exist is a diagnostic at the entry, never an exception; the scenario
 * file itself is never read as a manifest (a folder holding it can be named); an inline manifest's text
 * parses to exactly the same documents as the inline value.
 *
 * Not modelled: inline manifests written as folded (`>`), quoted or plain scalars keep exact lines only
 * for their first line and columns are counted from the value's own margin; `-` (stdin); URLs.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parseAllDocuments } from 'yaml';
import { CODES, formatFieldPath } from '../sim/index.ts';
import type { ManifestSource } from '../sim/index.ts';
import { readManifests } from '../cli/read-manifests.ts';
import { nearest } from './field-reader.ts';
import type { FieldReader } from './field-reader.ts';
import type { FieldPath, ScenarioText } from './parse-scenario-text.ts';

const ENTRY_FIELDS = ['path', 'inline'] as const;

/** A list of entries; with `single`, one entry as a mapping is accepted too (a step's `apply`). */
export function readManifestRefs(reader: FieldReader, at: FieldPath, value: unknown, single: boolean): ManifestSource[] {
  const entries: readonly [unknown, FieldPath][] = single && value !== null && typeof value === 'object' && !Array.isArray(value)
    ? [[value, at]]
    : (reader.list(at, value) ?? []).map((entry, index) => [entry, [...at, index]]);
  if (Array.isArray(value) && value.length === 0) {
    reader.error(CODES.scenarioConstraint, at, 'the list is empty.', 'Name at least one manifest as {path: FILE_OR_FOLDER} or {inline: YAML}.');
  }
  const sources: ManifestSource[] = [];
  for (const [entry, entryPath] of entries) {
    const obj = reader.object(entryPath, entry, ENTRY_FIELDS);
    if (obj === null) continue;
    const which = reader.exactlyOne(entryPath, obj, ENTRY_FIELDS, 'a manifest entry');
    if (which === 'path') {
      const name = reader.string([...entryPath, 'path'], obj['path']);
      if (name !== null) sources.push(...readPath(reader, [...entryPath, 'path'], name));
    } else if (which === 'inline') {
      const text = reader.string([...entryPath, 'inline'], obj['inline']);
      if (text !== null) sources.push(inlineSource(reader.source, [...entryPath, 'inline'], text));
    }
  }
  return sources;
}

function readPath(reader: FieldReader, at: FieldPath, name: string): ManifestSource[] {
  const scenarioFile = reader.source.file;
  const resolved = path.isAbsolute(name) ? path.normalize(name) : path.join(path.dirname(scenarioFile), name);
  if (!existsSync(resolved)) {
    const folder = path.dirname(resolved);
    const near = existsSync(folder) ? nearest(path.basename(resolved), safeList(folder), 3) : [];
    reader.error(CODES.scenarioPathNotFound, at,
      `no file or folder ${resolved} (paths are relative to the scenario file's folder${near.length > 0 ? `; ${folder} has ${near.join(', ')}` : ''}).`,
      'Name a manifest file or a folder of them, relative to the folder the scenario file is in.');
    return [];
  }
  let sources: ManifestSource[];
  try {
    sources = readManifests([resolved]);
  } catch (error) {
    const message = (error as Error).message.replace(/\.$/, '');
    reader.error(CODES.scenarioPathNotFound, at, `${message}.`, 'Name a readable manifest file (.yaml, .yml, .json) or a folder that holds some.');
    return [];
  }
  const self = path.resolve(scenarioFile);
  return sources.filter((s) => path.resolve(s.path) !== self);
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/**
 * The inline YAML as a manifest source of the scenario file: blank lines up to where the value starts,
 * then (for a literal block `|`) the lines exactly as written, indentation kept, so positions match.
 */
export function inlineSource(source: ScenarioText, at: FieldPath, value: string): ManifestSource {
  const node = source.nodes.get(formatFieldPath(at));
  const range = node?.range;
  if (node === undefined || range === undefined || range === null) return { path: source.file, text: value };
  const startLine = source.locate(range[0]).line;
  if (isScalar(node) && node.type === 'BLOCK_LITERAL') {
    const exact = literalLayout(source.text.slice(range[0], range[1]), startLine, value);
    if (exact !== null) return { path: source.file, text: exact };
  }
  const block = isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED');
  return { path: source.file, text: '\n'.repeat(block ? startLine : startLine - 1) + value };
}

const DOCUMENT_MARKER = /^(---|\.\.\.)(\s|$)/;

/** The literal block's lines in place (its header on `headerLine`), or null if they do not read back the same. */
function literalLayout(raw: string, headerLine: number, value: string): string | null {
  const content = raw.split('\n').slice(1);
  const indents = content.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length);
  if (indents.length === 0) return null;
  const margin = Math.min(...indents);
  // Document markers must start a line; everything else keeps its indentation (YAML allows an indented root).
  const lines = content.map((l) => (DOCUMENT_MARKER.test(l.slice(margin)) ? l.slice(margin) : l));
  const text = '\n'.repeat(headerLine) + lines.join('\n');
  return sameDocuments(text, value) ? text : null;
}

function sameDocuments(a: string, b: string): boolean {
  const read = (text: string): string => {
    try {
      const docs = parseAllDocuments(text, { uniqueKeys: true });
      if (!Array.isArray(docs)) return '';
      return JSON.stringify(docs.map((d) => (d.errors.length > 0 ? `error: ${d.errors[0]!.code}` : d.toJS({ maxAliasCount: 100 }))));
    } catch (error) {
      return `throws: ${(error as Error).message}`;
    }
  };
  return read(a) === read(b);
}
