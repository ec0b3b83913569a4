/**
 * Plain text tables for terminal listings: a header row in capitals, columns two spaces apart.
 *
 * Given a `width`, the table fits it: columns of text with spaces (names, places) give up
 * room, the widest first, and their cells wrap at spaces onto more lines of the same row; such
 * a column keeps at least its header's width, `MIN_COLUMN`, and its longest word. Columns of
 * single words (ids, keys, addresses) are never cut: an id split over two lines cannot be
 * copied. When that does not fit, lines are longer than the width. Without a width, every
 * column is as wide as its widest cell.
 */
import { wrapText } from './wrap.js';

export interface Column<T> {
  header: string;
  get(row: T): string;
}

export interface TableOptions {
  /** The columns to fit the table to. */
  width?: number;
}

/** A shrunk column keeps at least this many characters (or all of a shorter cell). */
export const MIN_COLUMN = 8;
const GAP = '  ';

/** Column widths that fit `width`: one character off the widest shrinkable column at a time. */
function fitWidths(natural: number[], mins: number[], width: number | undefined): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  const room = width - GAP.length * (widths.length - 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > room) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > (mins[i] ?? 0) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }
  return widths;
}

export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  opts: TableOptions = {},
): string {
  const headers = columns.map((c) => c.header.toUpperCase());
  const cells = rows.map((row) => columns.map((c) => c.get(row)));
  const natural = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const longestWord = columns.map((_, i) =>
    Math.max(0, ...cells.flatMap((r) => (r[i] ?? '').split(' ').map((w) => w.length))),
  );
  const mins = natural.map((n, i) =>
    Math.min(n, Math.max(MIN_COLUMN, headers[i]?.length ?? 0, longestWord[i] ?? 0)),
  );
  const widths = fitWidths(natural, mins, opts.width);
  const lines = (values: readonly string[]): string[] => {
    const wrapped = values.map((v, i) => wrapText(v, widths[i] ?? v.length));
    const height = Math.max(1, ...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped
        .map((w, i) => (w[k] ?? '').padEnd(widths[i] ?? 0))
        .join(GAP)
        .trimEnd(),
    );
  };
  return [...lines(headers), ...cells.flatMap(lines)].join('\n') + '\n';
}
