/**
 * Globs for ignore rules (`name: "Legacy *"`) and targeting refs (`carrier_sbcs/sprint-*`):
 * `*` is any run of characters (none included), `?` exactly one; every other character is
 * itself. No character classes, no escapes: names and keys hold no `*` or `?` worth matching.
 */

const cache = new Map<string, RegExp>();

function compile(glob: string, caseInsensitive: boolean): RegExp {
  const id = `${caseInsensitive ? 'i' : 's'}\0${glob}`;
  let re = cache.get(id);
  if (re === undefined) {
    const body = [...glob]
      .map((ch) =>
        ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
      )
      .join('');
    re = new RegExp(`^${body}$`, caseInsensitive ? 'iu' : 'u');
    cache.set(id, re);
  }
  return re;
}

/** Whether the whole of `text` matches `glob` (case-sensitive unless told otherwise). */
export function globMatch(glob: string, text: string, opts: { caseInsensitive?: boolean } = {}): boolean {
  return compile(glob, opts.caseInsensitive ?? false).test(text);
}

/** Whether `text` holds a glob character. */
export function isGlob(text: string): boolean {
  return text.includes('*') || text.includes('?');
}
