/**
 * YAML text → documents, the way `kubectl apply -f` reads a file: any number of `---`-separated
 * documents, empty documents skipped, and `kind: List` expanded into its items.
 *
 * Invariants: one bad document never hides the others (each keeps its own errors), except text nested
 * too deep to parse (yaml-depth.ts), which refuses its whole file at one fixed position; every field of
 * a good document has a recorded position; documents come out in file order.
 *
 * Not modelled: JSON files with several top-level values; YAML 1.1 quirks beyond what `yaml` 2 does
 * in its default (1.2 core) schema.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import { NESTING_MAX, tooDeep } from './yaml-depth.ts';
import type { TooDeep } from './yaml-depth.ts';
import { CODES, formatFieldPath } from './diagnostic.ts';
import type { Diagnostic, SourceLocation } from './diagnostic.ts';

export interface ManifestSource {
  /** As the user named it (relative paths stay relative), used in every diagnostic. */
  readonly path: string;
  readonly text: string;
  /**
   * False for a file found by walking a folder: a document there with neither apiVersion nor kind is
   * some other YAML (Helm values, kustomization, a JWKS) and is skipped with a warning, not an error.
   */
  readonly named?: boolean;
}

export interface RawDocument {
  readonly file: string;
  /** The source was named by the user (not found by walking a folder). */
  readonly named: boolean;
  readonly line: number;
  readonly column: number;
  readonly value: Readonly<Record<string, unknown>>;
  readonly fields: ReadonlyMap<string, SourceLocation>;
}

export interface ParsedManifest {
  readonly documents: RawDocument[];
  readonly diagnostics: Diagnostic[];
}

const ALIASES_MAX = 100;

export function parseManifest(source: ManifestSource): ParsedManifest {
  const deep = tooDeep(source.text);
  if (deep !== null) return { documents: [], diagnostics: [nestingDiagnostic(source.path, deep)] };
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(source.text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const documents: RawDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  if (!Array.isArray(parsed)) return { documents, diagnostics };
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file: source.path, line: pos.line, column: pos.col };
  };
  for (const doc of parsed) {
    const first = doc.errors[0];
    if (first !== undefined) {
      // The first error of a document is the one to fix; the parser's later ones usually follow from it.
      diagnostics.push(yamlSyntaxDiagnostic(source.path, first.message, first.linePos?.[0]));
      continue;
    }
    const contents = doc.contents;
    if (contents === null) continue; // An empty document, as kubectl skips it.
    const start = at(contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: ALIASES_MAX });
    } catch (error) {
      // An alias to an undefined anchor, or an alias bomb: the text parses but has no value.
      const alias = unresolvedAliasOffset(doc);
      const where = alias === null ? start : at(alias);
      diagnostics.push(yamlSyntaxDiagnostic(source.path, error instanceof Error ? error.message : String(error), { line: where.line, col: where.column }));
      continue;
    }
    if (value === null || value === undefined) continue;
    value = withoutNullFields(value);
    if (typeof value !== 'object' || Array.isArray(value)) {
      diagnostics.push({
        ...start,
        severity: 'error',
        code: CODES.notAnObject,
        message: `This document is a ${Array.isArray(value) ? 'list' : typeof value}, not a Kubernetes resource.`,
        hint: 'Each YAML document must be a mapping with apiVersion, kind and metadata; separate documents with ---.',
        resource: null,
        field: '',
      });
      continue;
    }
    const fields = new Map<string, SourceLocation>();
    recordFields(contents, [], fields, at);
    documents.push({ ...start, named: source.named ?? true, value: value as Record<string, unknown>, fields });
  }
  return { documents, diagnostics };
}

/**
 * The document with every mapping entry whose value is null left out, at any depth: the API server
 * reads `field: null` (and an empty `field:`) as the field not given, as Go's JSON decoding does for
 * built-in kinds and as a structural CRD schema prunes nulls of fields not marked nullable. List items
 * stay as written (a null item is an error the kind's checks report). A `__proto__` key stays an
 * ordinary own field (an unknown one), never an object's prototype.
 */
export function withoutNullFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutNullFields(item));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === null) continue;
    Object.defineProperty(out, key, { value: withoutNullFields(field), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Text nested deeper than the parser can follow (yaml-depth.ts): MS0001 at the first place it gets that deep. */
export function nestingDiagnostic(file: string, at: TooDeep, hint = 'No Kubernetes or Istio resource nests this deep; look for unclosed [ or { or runaway indentation.'): Diagnostic {
  return { ...yamlSyntaxDiagnostic(file, `nested more than ${NESTING_MAX} levels deep`, { line: at.line, col: at.column }), hint };
}

const YAML_HINT = 'Fix the YAML at this line (indentation, quoting, a missing colon); kubectl would reject this file too.';

/**
 * A YAML syntax error as a diagnostic (MS0001). The yaml library's messages end with a location and a
 * code excerpt; the first sentence is kept. Scenario files pass their own hint.
 */
export function yamlSyntaxDiagnostic(file: string, message: string, pos: { line: number; col: number } | undefined, hint = YAML_HINT): Diagnostic {
  const firstLine = message.split('\n')[0] ?? message;
  const text = firstLine.replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
  return {
    file,
    line: pos?.line ?? 1,
    column: pos?.col ?? 1,
    severity: 'error',
    code: CODES.yamlSyntax,
    message: `YAML syntax error: ${text}.`,
    hint,
    resource: null,
    field: '',
  };
}

/** Where the first alias that names no anchor is, so the error points at it. */
function unresolvedAliasOffset(doc: Document.Parsed): number | null {
  let offset: number | null = null;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        offset = node.range?.[0] ?? null;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function recordFields(
  node: Node,
  path: (string | number)[],
  into: Map<string, SourceLocation>,
  at: (offset: number) => SourceLocation,
): void {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item) || !isScalar(item.key)) continue;
      const key = String(item.key.value);
      const childPath = [...path, key];
      into.set(formatFieldPath(childPath), at(item.key.range?.[0] ?? 0));
      if (item.value !== null && (isMap(item.value) || isSeq(item.value))) {
        recordFields(item.value as Node, childPath, into, at);
      }
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const childPath = [...path, index];
      const itemNode = item as Node | null;
      if (itemNode !== null && typeof itemNode === 'object' && 'range' in itemNode && itemNode.range) {
        into.set(formatFieldPath(childPath), at(itemNode.range[0]));
      }
      if (itemNode !== null && (isMap(itemNode) || isSeq(itemNode))) recordFields(itemNode, childPath, into, at);
    });
  }
}

/** The document under `items[index]` of a `kind: List`, with its field positions re-rooted. */
export function listItem(list: RawDocument, index: number, value: Record<string, unknown>): RawDocument {
  const prefix = `items[${index}]`;
  const fields = new Map<string, SourceLocation>();
  for (const [key, location] of list.fields) {
    if (key.startsWith(`${prefix}.`)) fields.set(key.slice(prefix.length + 1), location);
  }
  const start = list.fields.get(prefix) ?? list;
  return { file: list.file, named: list.named, line: start.line, column: start.column, value, fields };
}
