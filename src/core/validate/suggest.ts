/**
 * "Did you mean ...?": the one nearest-name rule, used for unknown fields, unknown folders,
 * references and targets alike so that every stage suggests the same way.
 */

/** Edit distance (insertions, deletions, substitutions), two rows of the usual table. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

const MAX_DISTANCE = 2;
/** Shorter prefixes match too much (`i` would suggest `ips`). */
const MIN_PREFIX = 3;

/**
 * The candidate nearest to `word`: within edit distance 2 (case-insensitively), or one of the
 * two a prefix of the other (`loc` → `location`, `ips_v4` → `ips`). Ties go to the first.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: { name: string; score: number } | undefined;
  for (const name of candidates) {
    const c = name.toLowerCase();
    if (c === w && name !== word) return name; // only the case differs
    const prefix = Math.min(c.length, w.length) >= MIN_PREFIX && (c.startsWith(w) || w.startsWith(c));
    const distance = levenshtein(w, c);
    // A prefix match ranks after any typo within the distance, before nothing.
    const score = distance <= MAX_DISTANCE ? distance : prefix ? MAX_DISTANCE + 1 : Infinity;
    if (score !== Infinity && name !== word && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}

/** `; did you mean NAME?`, or `''` when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const name = closest(word, candidates);
  return name === undefined ? '' : `; did you mean ${name}?`;
}
