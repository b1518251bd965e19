/**
 * A scenario file's text → one YAML value with the position of every field, so each diagnostic can
 * point at the line and column where the user wrote the field.
 *
 * Job: parse the one document of a scenario file (YAML 1.2 core schema, unique keys, bounded aliases),
 * report syntax errors as MS0001 like manifests, and record for each field path
 * (`spec.timeline[2].scale`) where its key (or list item) starts and which YAML node holds its value.
 *
 * Invariants: the same text gives the same value, positions and diagnostics; positions are 1-based;
 * a file with a syntax error yields no value (the first error of the document is the one reported).
 *
 * Not modelled: several documents in one scenario file (reported, the first one is read); merge keys
 * (`<<`) beyond what the yaml library's default schema does.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { CODES, formatFieldPath, nestingDiagnostic, tooDeep, yamlSyntaxDiagnostic } from '../sim/index.ts';
import type { Diagnostic, SourceLocation } from '../sim/index.ts';

export type FieldPath = readonly (string | number)[];

export interface ScenarioText {
  readonly file: string;
  readonly text: string;
  /** The document as plain data. */
  readonly value: unknown;
  /** Where each field's key (or list item) starts, by formatted path. */
  readonly keys: ReadonlyMap<string, SourceLocation>;
  /** The YAML node of each field's value, by formatted path (inline manifests read their source). */
  readonly nodes: ReadonlyMap<string, Node>;
  /** Converts an offset in `text` to a location. */
  readonly locate: (offset: number) => SourceLocation;
}

export interface ParsedScenarioText {
  readonly parsed: ScenarioText | null;
  readonly diagnostics: Diagnostic[];
}

const ALIASES_MAX = 100;

export function parseScenarioText(file: string, text: string): ParsedScenarioText {
  // Nested deeper than the parser can follow: refused at the same place on every run (yaml-depth.ts).
  const deep = tooDeep(text);
  if (deep !== null) return { parsed: null, diagnostics: [nestingDiagnostic(file, deep, 'No scenario nests this deep; look for unclosed [ or { or runaway indentation.')] };
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const locate = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  const diagnostics: Diagnostic[] = [];
  const list = Array.isArray(documents) ? documents : [];
  const nonEmpty = list.filter((doc) => doc.contents !== null || doc.errors.length > 0);
  const doc = nonEmpty[0];
  if (doc === undefined) {
    diagnostics.push(fileProblem(file, 1, 1, 'The scenario file is empty.',
      'Start it with `apiVersion: meshsim.io/v1alpha1` and `kind: Scenario`; see scenarios/README.md.'));
    return { parsed: null, diagnostics };
  }
  const second = nonEmpty[1];
  if (second !== undefined) {
    const where = locate(second.range[0]);
    diagnostics.push(fileProblem(file, where.line, where.column,
      'A scenario file holds one YAML document, and this is a second one.',
      'Remove the `---` and what follows, or move the extra documents into a manifest file named under spec.manifests.'));
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    diagnostics.push(yamlError(file, first.message, first.linePos?.[0]));
    return { parsed: null, diagnostics };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: ALIASES_MAX });
  } catch (error) {
    const where = locate(doc.contents?.range?.[0] ?? 0);
    diagnostics.push(yamlError(file, error instanceof Error ? error.message : String(error), { line: where.line, col: where.column }));
    return { parsed: null, diagnostics };
  }
  const keys = new Map<string, SourceLocation>();
  const nodes = new Map<string, Node>();
  if (doc.contents !== null) {
    keys.set('', locate(doc.contents.range?.[0] ?? 0));
    nodes.set('', doc.contents as Node);
    record(doc.contents as Node, [], keys, nodes, locate);
  }
  return { parsed: { file, text, value, keys, nodes, locate }, diagnostics };
}

function record(
  node: Node,
  path: (string | number)[],
  keys: Map<string, SourceLocation>,
  nodes: Map<string, Node>,
  locate: (offset: number) => SourceLocation,
): void {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item) || !isScalar(item.key)) continue;
      const childPath = [...path, String(item.key.value)];
      const field = formatFieldPath(childPath);
      keys.set(field, locate(item.key.range?.[0] ?? 0));
      const child = item.value as Node | null;
      if (child !== null) {
        nodes.set(field, child);
        record(child, childPath, keys, nodes, locate);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const childPath = [...path, index];
      const child = item as Node | null;
      if (child === null || typeof child !== 'object' || !('range' in child) || !child.range) return;
      const field = formatFieldPath(childPath);
      keys.set(field, locate(child.range[0]));
      nodes.set(field, child);
      record(child, childPath, keys, nodes, locate);
    });
  }
}

function yamlError(file: string, message: string, pos: { line: number; col: number } | undefined): Diagnostic {
  const blockScalar = /block scalar header/i.test(message.split('\n')[0] ?? message);
  return yamlSyntaxDiagnostic(file, message, pos, blockScalar
    ? 'Quote a value that starts with > or | (YAML reads those as a block scalar), e.g. expect: ">= 99.9%".'
    : 'Fix the YAML at this line (indentation, quoting, a missing colon).');
}

function fileProblem(file: string, line: number, column: number, message: string, hint: string): Diagnostic {
  return { file, line, column, severity: 'error', code: CODES.scenarioFile, message, hint, resource: null, field: '' };
}
