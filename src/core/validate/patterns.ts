/**
 * Stage 5: number-formatting rewrites. KAZOO runs each `pattern` with Erlang's re (PCRE), so
 * the pattern analysis (pcre.ts) decides what is wrong; this stage finds the patterns, hands
 * each `replace` the pattern's group count, and turns an issue's offset into a column.
 */
import { isScalar, Scalar } from 'yaml';
import { analyzePattern, checkReplace, type PatternAnalysis, type PatternIssue } from './pcre.js';
import type { Problem } from './problem.js';
import { dotted, fieldMessage, locate, posAt, problemAtPos, walk, type Pos } from './position.js';
import { RESOURCE_KINDS, type Check, type LoadedFile, type Segment } from './types.js';
import { isRecord } from '../json.js';
import { recordAt } from './values.js';

/** One `number_formatting.<direction>.<field>` rewrite with a pattern written as text. */
interface Rewrite {
  path: Segment[];
  pattern: string;
  replace: unknown;
}

function rewrites(sbc: LoadedFile): Rewrite[] {
  const found: Rewrite[] = [];
  for (const [direction, fields] of Object.entries(recordAt(sbc.value, 'number_formatting'))) {
    for (const [field, rewrite] of Object.entries(isRecord(fields) ? fields : {})) {
      const pattern = isRecord(rewrite) ? rewrite.pattern : undefined;
      if (typeof pattern === 'string' && isRecord(rewrite)) {
        found.push({ path: ['number_formatting', direction, field], pattern, replace: rewrite.replace });
      }
    }
  }
  return found;
}

/**
 * The source offset of character `index` of a one-line scalar's value. Plain scalars are
 * written as they read; quoted ones have escapes (`''`, `\\`, `\x41`, `\u0041`) whose source is
 * longer than the character they stand for. Undefined for anything else (block scalars,
 * folded lines), where the caller falls back to the scalar's start.
 */
export function sourceOffset(text: string, scalar: Scalar, index: number): number | undefined {
  const [start, end] = scalar.range ?? [];
  if (start === undefined || end === undefined || text.slice(start, end).includes('\n')) return undefined;
  if (scalar.type === Scalar.PLAIN) return start + index;
  if (scalar.type !== Scalar.QUOTE_SINGLE && scalar.type !== Scalar.QUOTE_DOUBLE) return undefined;
  let at = start + 1; // past the opening quote
  for (let n = 0; n < index && at < end; n++) at += escapeLength(text, at, scalar.type);
  return at;
}

/** How many source characters make the value character at `at`. */
function escapeLength(text: string, at: number, type: Scalar.Type): number {
  if (type === Scalar.QUOTE_SINGLE) return text.startsWith("''", at) ? 2 : 1;
  if (text[at] !== '\\') return 1;
  const kind = text[at + 1];
  return kind === 'x' ? 4 : kind === 'u' ? 6 : kind === 'U' ? 10 : 2;
}

/** Where an issue's offset (into the written text) is, or the scalar's start. */
function issuePos(sbc: LoadedFile, path: Segment[], offset: number | undefined): Pos {
  const node = walk(sbc, path).node;
  if (offset !== undefined && isScalar(node)) {
    const at = sourceOffset(sbc.text, node, offset);
    if (at !== undefined) return posAt(sbc, at);
  }
  return locate(sbc, path);
}

function toProblem(sbc: LoadedFile, path: Segment[], issue: PatternIssue): Problem {
  const pos = issuePos(sbc, path, issue.offset);
  return problemAtPos(
    sbc.file,
    pos,
    issue.code,
    fieldMessage(path, issue.message),
    dotted(path),
    issue.severity,
  );
}

type Analyze = (pattern: string) => PatternAnalysis;

function checkRewrite(sbc: LoadedFile, rewrite: Rewrite, analyze: Analyze): Problem[] {
  const patternPath = [...rewrite.path, 'pattern'];
  const analysis = analyze(rewrite.pattern);
  const problems = analysis.issues.map((issue) => toProblem(sbc, patternPath, issue));
  // A pattern PCRE cannot read has no trustworthy group count: checking `replace` against it
  // would only add a second, misleading problem.
  const readable =
    analysis.body !== undefined &&
    !analysis.issues.some((i) => i.code === 'pattern_syntax' && i.severity === 'error');
  if (readable && typeof rewrite.replace === 'string') {
    const replacePath = [...rewrite.path, 'replace'];
    problems.push(
      ...checkReplace(rewrite.replace, analysis.groups).map((i) => toProblem(sbc, replacePath, i)),
    );
  }
  return problems;
}

/** Most SBCs share a handful of patterns: each distinct one is analysed once per run. */
function memoized(): Analyze {
  const seen = new Map<string, PatternAnalysis>();
  return (pattern) => {
    let analysis = seen.get(pattern);
    if (!analysis) seen.set(pattern, (analysis = analyzePattern(pattern)));
    return analysis;
  };
}

/** Today only SBCs have number_formatting; any resource that gains one is checked alike. */
export const checkPatterns: Check = (ctx) => {
  const analyze = memoized();
  return RESOURCE_KINDS.flatMap((kind) => ctx.resources[kind]).flatMap((file) =>
    rewrites(file).flatMap((r) => checkRewrite(file, r, analyze)),
  );
};
