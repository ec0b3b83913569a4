/**
 * Colour only for a person at a terminal, and never against NO_COLOR (no-color.org). `isTTY`
 * is undefined (not false) on a pipe, and picocolors reads undefined as "detect", which turns
 * colour on under CI=true: hence the strict comparison.
 */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR;
}
