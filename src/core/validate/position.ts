/**
 * From a path inside a document to `line:col` in its file, shared by every stage so that all
 * problems point the same way: at the value for a wrong value, at the key for a wrong key.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { Problem, ProblemCode } from './problem.js';
import type { ParsedFile, Segment } from './types.js';

export interface Pos {
  line: number;
  col: number;
}

export const FILE_START: Pos = { line: 1, col: 1 };

/** `location.zone`, `ips.2`; `''` for the document itself. */
export function dotted(path: readonly Segment[]): string {
  return path.map(String).join('.');
}

/** `location.zone: text`, or just the text for the document itself. */
export function fieldMessage(path: readonly Segment[], text: string): string {
  return path.length === 0 ? text : `${dotted(path)}: ${text}`;
}

/** The node the value of an alias stands for, so positions follow `*anchor` references. */
function resolved(node: unknown, doc: Document.Parsed): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** A mapping key compared as text: JS objects (and so ajv paths) only have string keys. */
function keyText(pair: Pair): string | undefined {
  const key: unknown = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

interface Found {
  /** The deepest node reached. */
  node: Node | undefined;
  /** The pair holding that node, when it is a mapping value. */
  pair: Pair | undefined;
  /** How many segments were followed. */
  depth: number;
}

/**
 * Walks `path` from the document's root as far as it goes. yaml's own `getIn` compares keys
 * by value, so `2:` (a number) would not match the `'2'` of an ajv path; this compares text.
 * For duplicate keys the last pair wins, as it does in the parsed value.
 */
export function walk(file: ParsedFile, path: readonly Segment[]): Found {
  const { doc } = file.syntax();
  let node = resolved(doc.contents, doc) as Node | undefined;
  let pair: Pair | undefined;
  let depth = 0;
  for (const seg of path) {
    let next: { node: unknown; pair: Pair | undefined } | undefined;
    if (isMap(node)) {
      const hit = node.items.findLast((p) => keyText(p) === String(seg));
      if (hit) next = { node: hit.value, pair: hit };
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(seg)];
      if (item !== undefined) next = { node: item, pair: undefined };
    }
    if (!next) break;
    node = resolved(next.node, doc) as Node | undefined;
    pair = next.pair;
    depth++;
  }
  return { node: node ?? undefined, pair, depth };
}

/** The position of a source offset. */
export function posAt(file: ParsedFile, offset: number): Pos {
  return file.syntax().lineCounter.linePos(offset);
}

function nodeStart(file: ParsedFile, node: Node | undefined): Pos | undefined {
  return node?.range ? posAt(file, node.range[0]) : undefined;
}

/** An empty value (`city:`) has a zero-width range after the colon; its key says more. */
function isEmptyScalar(node: Node | undefined): boolean {
  return (
    isScalar(node) && node.value === null && node.range !== undefined && node.range?.[0] === node.range?.[1]
  );
}

/**
 * Where `path` is written. `at: 'key'` points at the key of a mapping entry (unknown fields,
 * bad names); `at: 'value'` at its value. A path that does not exist (a missing field) points
 * at the deepest existing node on the way, so the caret lands on the mapping that lacks it.
 */
export function locate(file: ParsedFile, path: readonly Segment[], at: 'key' | 'value' = 'value'): Pos {
  const found = walk(file, path);
  const complete = found.depth === path.length;
  const keyNode = found.pair?.key as Node | undefined;
  if (complete && keyNode && (at === 'key' || isEmptyScalar(found.node))) {
    return nodeStart(file, keyNode) ?? FILE_START;
  }
  return nodeStart(file, found.node) ?? FILE_START;
}

export interface ProblemOptions {
  at?: 'key' | 'value';
  severity?: Problem['severity'];
}

/** A problem about `path` in a parsed file, positioned by `locate`. */
export function problemAt(
  file: ParsedFile,
  path: readonly Segment[],
  code: ProblemCode,
  message: string,
  opts: ProblemOptions = {},
): Problem {
  return problemAtPos(file.file, locate(file, path, opts.at), code, message, dotted(path), opts.severity);
}

/** A problem at a known position. */
export function problemAtPos(
  file: string,
  pos: Pos,
  code: ProblemCode,
  message: string,
  path = '',
  severity: Problem['severity'] = 'error',
): Problem {
  return { file, line: pos.line, col: pos.col, code, message, path, severity };
}

/** A problem about a whole file (layout, missing files): at its first node, or line 1, col 1. */
export function fileProblem(
  file: string,
  code: ProblemCode,
  message: string,
  pos: Pos = FILE_START,
): Problem {
  return problemAtPos(file, pos, code, message);
}

/** The text of a 1-based line of a file, without its line break; undefined past the end. */
export function lineText(text: string, line: number): string | undefined {
  const lines = text.split(/\r?\n/);
  return lines[line - 1];
}
