/**
 * Levenshtein edit distance between two strings (insertions, deletions, substitutions, each 1), for
 * "did you mean" suggestions wherever a name is not found.
 *
 * Invariants: pure; symmetric; 0 exactly for equal strings; one row of memory.
 *
 * Not modelled: transpositions as one edit (Damerau), Unicode grapheme clusters (UTF-16 units are
 * compared).
 */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
