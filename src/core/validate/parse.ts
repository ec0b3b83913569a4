/**
 * Stage 1: YAML text → a document with positions. Every YAML error becomes a problem at its
 * own line and column; a file is handed on to the later stages only when its top level is a
 * mapping and the only errors were duplicate keys (where the last value wins, as in the
 * parsed data, and the duplicate itself is reported).
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type YAMLError,
} from 'yaml';
import type { ConfigFile, Problem } from './problem.js';
import { dotted, FILE_START, fieldMessage, problemAtPos, type Pos } from './position.js';
import type { ParsedFile, Syntax } from './types.js';

export interface ParseOutcome {
  file: string;
  /** Undefined when the file cannot be read as a mapping. */
  parsed: ParsedFile | undefined;
  problems: Problem[];
  /** Where the content starts (after header comments): problems about the whole file go there. */
  start: Pos;
}

/** yaml appends " at line L, column C:" and a source excerpt; we give the position ourselves. */
function plainMessage(err: YAMLError): string {
  const first = err.message.split('\n')[0] ?? err.message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function errorPos(err: YAMLError, lineCounter: LineCounter): Pos {
  return err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
}

/** The document path of `node` from yaml's visitor ancestors (Document, maps, pairs, lists). */
function pathOf(ancestors: readonly unknown[], node: unknown): string[] {
  const chain = [...ancestors, node];
  const path: string[] = [];
  chain.forEach((step, i) => {
    const child = chain[i + 1];
    if (isPair(step) && isScalar(step.key)) path.push(String(step.key.value));
    else if (isSeq(step) && child !== undefined) path.push(String(step.items.indexOf(child)));
  });
  return path;
}

/** The path of the key a DUPLICATE_KEY error at `offset` repeats, and the line of its first use. */
function duplicatedKey(
  doc: Document.Parsed,
  offset: number,
  lc: LineCounter,
): { path: string[]; line?: number } {
  let found: { path: string[]; line?: number } | undefined;
  visit(doc, {
    Map(_, map, ancestors) {
      const dup = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (!dup || !isScalar(dup.key)) return undefined;
      const name = String(dup.key.value);
      const first = map.items.find((p) => isScalar(p.key) && String(p.key.value) === name);
      const start = isScalar(first?.key) ? first.key.range?.[0] : undefined;
      const path = [...pathOf(ancestors, map), name];
      found = { path, ...(start === undefined ? {} : { line: lc.linePos(start).line }) };
      return visit.BREAK;
    },
  });
  return found ?? { path: [] };
}

function duplicateKeyProblem(file: string, err: YAMLError, doc: Document.Parsed, lc: LineCounter): Problem {
  const { path, line } = duplicatedKey(doc, err.pos[0], lc);
  const where = line === undefined ? '' : ` (first on line ${line})`;
  const text = `this key appears twice in the same mapping${where}; YAML keeps only the last one`;
  return problemAtPos(file, errorPos(err, lc), 'duplicate_key', fieldMessage(path, text), dotted(path));
}

/**
 * The start of a quote or flow collection (`[`, `{`) that is never closed. yaml notices only
 * where the file (or the indentation) ends, which can be far below; the unclosed node ends
 * exactly there, so its start is where the mistake is.
 */
function unclosedStart(doc: Document.Parsed, err: YAMLError): number | undefined {
  if (err.code !== 'MISSING_CHAR' && err.code !== 'BAD_INDENT') return undefined;
  let start: number | undefined;
  const check = (node: { range?: [number, number, number] | null }, open: boolean) => {
    const range = node.range;
    if (open && range && range[1] === err.pos[0] && range[0] < err.pos[0]) start = range[0];
  };
  visit(doc, {
    Scalar: (_, node) => check(node, node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'),
    Seq: (_, node) => check(node, node.flow === true),
    Map: (_, node) => check(node, node.flow === true),
  });
  return start;
}

function syntaxProblem(file: string, err: YAMLError, doc: Document.Parsed, lc: LineCounter): Problem {
  const opened = unclosedStart(doc, err);
  if (opened === undefined) return problemAtPos(file, errorPos(err, lc), 'yaml_syntax', plainMessage(err));
  const readTo = errorPos(err, lc).line;
  const message = `${plainMessage(err)}: opened here and never closed (YAML read on to line ${readTo})`;
  return problemAtPos(file, lc.linePos(opened), 'yaml_syntax', message);
}

function yamlProblems(file: string, doc: Document.Parsed, lc: LineCounter): Problem[] {
  const errors = doc.errors.map((err) =>
    err.code === 'DUPLICATE_KEY'
      ? duplicateKeyProblem(file, err, doc, lc)
      : syntaxProblem(file, err, doc, lc),
  );
  const warnings = doc.warnings.map((w) =>
    problemAtPos(file, errorPos(w, lc), 'yaml_syntax', plainMessage(w), '', 'warning'),
  );
  return [...errors, ...warnings];
}

/**
 * yaml reports an alias without an anchor (`*name`, no `&name` before it) only when building
 * the value, without a position; the alias node has one. Anything else thrown here is an
 * alias bomb (too many alias expansions), a property of the whole file.
 */
function aliasProblem(file: string, doc: Document.Parsed, lc: LineCounter, err: unknown): Problem {
  let dangling: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      dangling = node;
      return visit.BREAK;
    },
  });
  const start = dangling?.range?.[0];
  if (dangling && start !== undefined) {
    const message = `the alias *${dangling.source} refers to no anchor: define &${dangling.source} before it`;
    return problemAtPos(file, lc.linePos(start), 'yaml_syntax', message);
  }
  const start0 = doc.contents?.range ? lc.linePos(doc.contents.range[0]) : FILE_START;
  return problemAtPos(file, start0, 'yaml_syntax', err instanceof Error ? err.message : String(err));
}

/** The top level must be a mapping of fields. */
function shapeProblem(file: string, doc: Document.Parsed, lc: LineCounter): Problem | undefined {
  const top = doc.contents;
  if (isMap(top)) return undefined;
  const empty = top === null || (isScalar(top) && top.value === null);
  const pos = !empty && top?.range ? lc.linePos(top.range[0]) : FILE_START;
  const what = empty ? 'the file is empty' : `the top level is a ${isScalar(top) ? 'single value' : 'list'}`;
  return problemAtPos(file, pos, 'not_a_mapping', `${what}; expected a mapping of fields (name: value)`);
}

/** Parses YAML text into a document with positions (duplicate keys are errors). */
export function parseSyntax(text: string): Syntax {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  return { doc, lineCounter };
}

/**
 * The parsed file's value, with its document kept until forgotten and parsed again on demand
 * (from the start when `first` is not given: a value computed elsewhere, e.g. in a worker).
 */
export function parsedFile(input: ConfigFile, value: Record<string, unknown>, first?: Syntax): ParsedFile {
  let kept: Syntax | undefined = first;
  return {
    file: input.path,
    text: input.text,
    value,
    syntax: () => (kept ??= parseSyntax(input.text)),
    forget: () => {
      kept = undefined;
    },
  };
}

/** Parses one file; never throws. */
export function parseConfigFile(input: ConfigFile): ParseOutcome {
  const syntax = parseSyntax(input.text);
  const { doc, lineCounter } = syntax;
  const range = doc.contents?.range;
  const start = range ? lineCounter.linePos(range[0]) : FILE_START;
  const problems = yamlProblems(input.path, doc, lineCounter);
  const fail = (extra: Problem[] = []): ParseOutcome => ({
    file: input.path,
    parsed: undefined,
    problems: [...problems, ...extra],
    start,
  });
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return fail();
  const shape = shapeProblem(input.path, doc, lineCounter);
  if (shape) return fail([shape]);
  let value: unknown;
  try {
    // Not doc.toJS(): that throws on any error, and duplicate keys should not stop the checks.
    value = doc.contents?.toJS(doc, { maxAliasCount: 100 });
  } catch (err) {
    return fail([aliasProblem(input.path, doc, lineCounter, err)]);
  }
  const parsed = parsedFile(input, value as Record<string, unknown>, syntax);
  return { file: input.path, parsed, problems, start };
}
