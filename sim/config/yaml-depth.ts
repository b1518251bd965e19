/**
 * How deep YAML text nests, found before it is parsed: the parser recurses once per level, so text
 * nested thousands of levels deep would overflow the stack, and where that happened would depend on the
 * stack left. Text nested deeper than NESTING_MAX is refused at the first place it gets that deep, the
 * same place on every run.
 *
 * Rules: a level is an open flow collection (`[` or `{`, outside quoted scalars and comments) or a
 * block level (a line indented further than NESTING_MAX × 2 columns counts as too deep); quotes start a
 * scalar only where a value can start (after `: `, `- `, `[`, `{`, `,` or at a line's indentation).
 *
 * Invariants: pure; linear in the text; never reads a block scalar's content as structure beyond its
 * brackets (a JSON document inside `|` nests as its brackets do, which real manifests keep shallow).
 *
 * Not modelled: anchors and aliases (their expansion is bounded by the parser's alias limit).
 */

/** Deeper than any Kubernetes or Istio resource nests (a VirtualService is about 12 levels). */
export const NESTING_MAX = 200;

export interface TooDeep {
  readonly line: number;
  readonly column: number;
}

export function tooDeep(text: string): TooDeep | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | null = null;
  let atLineStart = true;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === '\n') {
      line += 1;
      lineStart = i + 1;
      atLineStart = true;
      // A double-quoted scalar may span lines; a single-quoted one too; both stay open.
      continue;
    }
    if (atLineStart) {
      if (c === ' ') {
        if (i - lineStart >= NESTING_MAX * 2) return { line, column: i - lineStart + 1 };
        continue;
      }
      atLineStart = false;
    }
    if (quote !== null) {
      if (quote === '"' && c === '\\') i += 1;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
      continue;
    }
    if ((c === '"' || c === "'") && startsValue(text, i, lineStart)) {
      quote = c;
      continue;
    }
    if (c === '[' || c === '{') {
      depth += 1;
      if (depth > NESTING_MAX) return { line, column: i - lineStart + 1 };
    } else if ((c === ']' || c === '}') && depth > 0) {
      depth -= 1;
    }
  }
  return null;
}

function startsValue(text: string, i: number, lineStart: number): boolean {
  let j = i - 1;
  while (j >= lineStart && text[j] === ' ') j -= 1;
  if (j < lineStart) return true;
  const before = text[j]!;
  return before === ':' || before === '-' || before === '[' || before === '{' || before === ',' || before === '?';
}
