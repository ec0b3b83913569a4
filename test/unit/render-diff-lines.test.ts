/**
 * The plan's line diff (the `diff` package under src/render/plan-text.ts): for any two line
 * lists, the script rebuilds both sides, and it keeps as many lines as a longest common
 * subsequence does (no diff is longer than it needs to be).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines } from '../../src/render/plan-text.js';

/** The length of a longest common subsequence, by the textbook table. */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    b.forEach((y, j) => row.push(x === y ? (prev[j] ?? 0) + 1 : Math.max(prev[j + 1] ?? 0, row[j] ?? 0)));
    prev = row;
  }
  return prev[b.length] ?? 0;
}

// Few distinct lines, so that lists share many and the diff has choices to make.
const lines = fc.array(fc.constantFrom('{', '}', '  "a": 1,', '  "b": 2', '[', ']', '"x"'), {
  maxLength: 30,
});

describe('diffLines', () => {
  it('rebuilds both sides and keeps a longest common subsequence', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const script = diffLines(a, b);
        expect(script.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a);
        expect(script.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b);
        expect(script.filter((l) => l.op === ' ').length).toBe(lcsLength(a, b));
      }),
    );
  });

  it('puts the removals of a changed run before its additions', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b)
          .map((l) => l.op)
          .join('');
        expect(ops).not.toMatch(/\+-/);
      }),
    );
  });
});
