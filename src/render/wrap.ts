/**
 * Wrapping text to a width, for renderers that fit the terminal. Text is given as spans, each
 * with its own colour, so a break inside a coloured value never carries an escape code across
 * a line (or into the tree gutter): lines are cut from the plain text and then each piece is
 * coloured. A column is one UTF-16 unit: kzops's own output (JSON, ids, `→`, `│`) is all
 * single-width.
 */

export interface Span {
  text: string;
  /** Colours a piece of this span's text (a piece may be all of it, or a part after wrapping). */
  paint?: (text: string) => string;
}

/**
 * The lines of `text` at most `width` long, as [start, end) ranges: each breaks at the last
 * space that fits (the space itself is dropped), or, in a word longer than the width, at the
 * width.
 */
export function wrapRanges(text: string, width: number): [number, number][] {
  const w = Math.max(1, Math.floor(width));
  const out: [number, number][] = [];
  let start = 0;
  while (text.length - start > w) {
    // A space just past the width is a break too: the line before it fits exactly.
    const space = text.slice(start, start + w + 1).lastIndexOf(' ');
    if (space > 0) {
      out.push([start, start + space]);
      start += space + 1;
    } else {
      out.push([start, start + w]);
      start += w;
    }
  }
  out.push([start, text.length]);
  return out;
}

/** Plain text wrapped to `width`. */
export function wrapText(text: string, width: number): string[] {
  return wrapRanges(text, width).map(([a, b]) => text.slice(a, b));
}

/** The spans wrapped to `width` (or kept on one line when `width` is undefined), coloured. */
export function wrapSpans(spans: readonly Span[], width: number | undefined): string[] {
  const text = spans.map((s) => s.text).join('');
  const ranges: [number, number][] = width === undefined ? [[0, text.length]] : wrapRanges(text, width);
  return ranges.map(([a, b]) => {
    let line = '';
    let pos = 0;
    for (const span of spans) {
      const from = Math.max(a, pos);
      const to = Math.min(b, pos + span.text.length);
      if (from < to) {
        const piece = span.text.slice(from - pos, to - pos);
        line += span.paint ? span.paint(piece) : piece;
      }
      pos += span.text.length;
    }
    return line;
  });
}

/**
 * A block of wrapped lines under a prefix: the first line after `first`, the rest after `rest`
 * (the same width, so continuation lines sit under the gutter of a tree). The text gets the
 * width less the prefix, but never under `MIN_TEXT` columns.
 */
export function prefixed(
  first: string,
  rest: string,
  spans: readonly Span[],
  width: number | undefined,
): string[] {
  const avail =
    width === undefined ? undefined : Math.max(MIN_TEXT, width - Math.max(first.length, rest.length));
  return wrapSpans(spans, avail).map((line, i) => `${i === 0 ? first : rest}${line}`);
}

/** The narrowest column of text a wrapped block gets, however deep its prefix. */
export const MIN_TEXT = 20;
