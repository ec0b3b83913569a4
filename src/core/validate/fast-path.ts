/**
 * The fast path of a file's own checks. Most files in a config are fine, and proving that a
 * file is fine needs no positions: js-yaml reads YAML about ten times faster than the `yaml`
 * library builds a document with positions. A file takes the fast path only when nothing
 * about it can be a problem: a `.yaml` file in its right folder with a valid name, that
 * js-yaml reads (duplicate keys and unknown tags throw there too) into a mapping, without
 * anchors or aliases, that its schema accepts. Every other file takes the full path in
 * parse.ts, which finds and places every problem; later stages that need a position in a
 * fast-path file parse it again with `yaml` (see ParsedFile.syntax).
 *
 * Both readers use the YAML 1.2 core schema, so they give the same values; a test checks it
 * over every YAML file in the repository and over generated documents.
 */
import { CORE_SCHEMA, load } from 'js-yaml';
import type { Placement } from './layout.js';
import type { Pos } from './position.js';
import { validatorFor } from './schema.js';

/** An anchor or alias outside quotes: left to the full path, which limits alias expansion. */
const ANCHOR_OR_ALIAS = /(?:^|[\s[{,])[&*][^\s\]},]/m;

/**
 * The document's value when the file is certainly free of problems of its own; undefined
 * when it must take the full path.
 */
export function provenValue(
  path: string,
  text: string,
  placement: Placement,
  schema: object,
): Record<string, unknown> | undefined {
  if (!path.endsWith('.yaml') || ANCHOR_OR_ALIAS.test(text)) return undefined;
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA, filename: path });
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return validatorFor(schema)(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Where the content starts: the first line that is not blank, a comment, a directive or a
 * document start marker (what `yaml` reports as the contents' start for such files).
 */
export function contentStart(text: string): Pos {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || line.startsWith('%') || /^---(\s|$)/.test(line))
      continue;
    return { line: i + 1, col: line.length - line.trimStart().length + 1 };
  }
  return { line: 1, col: 1 };
}
