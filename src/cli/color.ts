/**
 * Colour and width of the output: decided here, from the process, and passed to the renderers
 * (which never look at process.stdout themselves).
 */

/**
 * Whether to print ANSI colour on `stream`:
 *
 * - `FORCE_COLOR` set and not empty decides (force-color.org): `0` or `false` turns colour off,
 *   any other value (`1`, `2`, `3`, `true`) turns it on, at a terminal or not, NO_COLOR or not
 *   (as in Node itself, the explicit request wins);
 * - otherwise colour only for a person at a terminal, and never against a non-empty NO_COLOR
 *   (no-color.org). `isTTY` is undefined (not false) on a pipe, and picocolors reads undefined
 *   as "detect", which turns colour on under CI=true: hence the strict comparison.
 */
export function useColor(
  stream: Pick<NodeJS.WriteStream, 'isTTY'> = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true && !env.NO_COLOR;
}

/** The width when neither the terminal nor COLUMNS says: the classic terminal's. */
export const DEFAULT_WIDTH = 80;
/** Narrower than this, nothing fits anyway: wrapping would only make the output longer. */
export const MIN_WIDTH = 40;

/**
 * The width, in columns, to fit text output to:
 *
 * - a terminal's own width (`stream.columns`);
 * - else (a pipe, a file, CI) the `COLUMNS` environment variable when it is a whole number,
 *   so `COLUMNS=120 kzops plan | less` and a CI job can choose;
 * - else 80, so a plan pasted into a pull request or a log reads the same everywhere.
 *
 * Never less than 40.
 */
export function outputWidth(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const tty =
    stream.isTTY === true && Number.isInteger(stream.columns) && stream.columns > 0 ? stream.columns : 0;
  const columns = /^[0-9]+$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : 0;
  const width = tty || columns || DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, width);
}

/**
 * The width to fit a table to, or undefined for none: a terminal's width, else `COLUMNS` when
 * it is a whole number. A table piped to grep, awk or a file keeps one row per line, however
 * long, unless COLUMNS asks otherwise: tables are records, plans are prose.
 */
export function tableWidth(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const known = stream.isTTY === true || /^[0-9]+$/.test(env.COLUMNS ?? '');
  return known ? outputWidth(stream, env) : undefined;
}
