// The shape rules of the tidy check (DESIGN.md "Style"): files under sim/ are named in kebab-case
// after their main export, open with a header comment that says their job, invariants and a
// `Not modelled:` list, and stay small (flagged above 500 lines; aim for 300; data tables exempt).
import type { Violation } from './tidy.ts';

export const FILE_LINES_MAX = 500;

export function checkShape(relPath: string, text: string): Violation[] {
  if (!relPath.startsWith('sim/') || !relPath.endsWith('.ts')) return [];
  const out: Violation[] = [];
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*(\.test)?\.ts$/.test(name)) {
    out.push({ path: relPath, line: 1, rule: 'file-name', message: `${name}: sim/ files are kebab-case, named after their main export (e.g. event-queue.ts)` });
  }
  if (name.endsWith('.test.ts') || relPath === 'sim/index.ts') return out;
  const header = /^\s*(\/\*[\s\S]*?\*\/|(\/\/[^\n]*\n)+)/.exec(text)?.[0] ?? '';
  if (header === '') {
    out.push({ path: relPath, line: 1, rule: 'header', message: `${name}: open with a header comment saying the file's job, its invariants and a "Not modelled:" list` });
  } else if (!header.includes('Not modelled')) {
    out.push({ path: relPath, line: 1, rule: 'header', message: `${name}: the header comment has no "Not modelled:" list; say what the file leaves out (or "Not modelled: nothing")` });
  }
  const lines = text.split('\n').length;
  if (lines > FILE_LINES_MAX) {
    out.push({ path: relPath, line: FILE_LINES_MAX + 1, rule: 'file-size', message: `${name} has ${lines} lines (limit ${FILE_LINES_MAX}): split it by concept` });
  }
  return out;
}
