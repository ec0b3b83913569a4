/**
 * `validateConfig`: the whole config directory, as text, to every problem in it.
 *
 * Stages run in order (layout, parse, schema, then the semantic checks) but none stops the
 * others: every file is parsed and checked on its own, and the semantic checks look at
 * whatever parsed, so one broken file never hides another file's problems. Pure: the caller
 * reads the files (src/config/read-config-dir.ts) and the schemas (src/config/schemas.ts).
 */
import { InternalError } from '../errors.js';
import { SCHEMA_OF as KIND_SCHEMAS } from '../model/kinds.js';
import { unusableProblem } from './entries.js';
import { contentStart, provenValue } from './fast-path.js';
import { layoutFiles, place, type Placement } from './layout.js';
import { parseConfigFile, parsedFile } from './parse.js';
import { FILE_START, type Pos } from './position.js';
import { checkPatterns } from './patterns.js';
import type { ConfigFile, Problem, ProblemCode } from './problem.js';
import { checkReferences } from './references.js';
import { checkSchema } from './schema.js';
import { checkSecrets } from './secrets.js';
import { checkTargets } from './targets.js';
import { checkIgnoreConflicts, hasWindowProblems, windowProblems } from './target-rules.js';
import {
  RESOURCE_KINDS,
  type Check,
  type FileKind,
  type LoadedFile,
  type LoadedResource,
  type ResourceKind,
  type ValidationContext,
  type ValidationResult,
} from './types.js';
import { checkUniqueness } from './uniqueness.js';
import { targetsWithCredentials, urlCredentialProblems } from './urls.js';

export { lineText } from './position.js';
export { maskUserinfo } from './urls.js';
export { isSecretField } from './secrets.js';
export type { ConfigFile, Problem, ProblemCode, Unusable } from './problem.js';
export type { LoadedResource, ResourceKind, ValidationResult } from './types.js';
export { RESOURCE_KINDS } from './types.js';

/** The schema (by its `kzops schema` kind) that describes each kind of file. */
const SCHEMA_OF: Record<FileKind, string> = { ...KIND_SCHEMAS, targets: 'targets' };

const CHECKS: readonly Check[] = [
  checkReferences,
  checkUniqueness,
  checkPatterns,
  checkSecrets,
  checkTargets,
  checkIgnoreConflicts,
];

/**
 * A specific problem makes a generic one about the same field redundant: `api_key: hunter2`
 * is a plain_secret, and "must be a mapping" on top would only distract.
 */
const SUPERSEDES: Partial<Record<ProblemCode, readonly ProblemCode[]>> = {
  plain_secret: ['invalid_type', 'invalid_value'],
  url_credentials: ['invalid_format', 'invalid_value'],
};

function schemaFor(kind: FileKind, schemas: Record<string, object>): object {
  const schema = schemas[SCHEMA_OF[kind]];
  if (!schema) throw new InternalError(`no ${SCHEMA_OF[kind]} schema was given to validateConfig`);
  return schema;
}

/**
 * What one file's own stages (parse, schema) find: plain data, on which the cross-file
 * stages then run.
 */
export interface FileOutcome {
  file: string;
  /** Where the content starts (after header comments). */
  start: Pos;
  /** YAML and shape problems. */
  problems: Problem[];
  /** Schema problems; they count only when the layout places the file (see combineOutcomes). */
  schemaProblems: Problem[];
  /** The document as plain JS, when it parsed into a mapping. */
  value?: Record<string, unknown>;
}

/**
 * Parses one file and checks it against the schema of the folder it sits in. Never throws.
 * An entry the reader could not use (`unusable`) has that one problem.
 */
export function checkFile(input: ConfigFile, schemas: Record<string, object>): FileOutcome {
  if (input.unusable) {
    const problem = unusableProblem(input);
    return { file: input.path, start: FILE_START, problems: problem ? [problem] : [], schemaProblems: [] };
  }
  const fast = fastOutcome(input, schemas);
  if (fast) return fast;
  const outcome = parseConfigFile(input);
  const { placement } = place(input.path, outcome.start);
  const { parsed } = outcome;
  const schemaProblems =
    parsed && placement ? checkSchema({ ...parsed, ...placement }, schemaFor(placement.kind, schemas)) : [];
  if (parsed && placement?.kind === 'targets') {
    schemaProblems.push(...urlCredentialProblems(parsed), ...windowProblems(parsed));
  }
  // The later stages need positions only for the few nodes they report (see ParsedFile).
  parsed?.forget();
  return {
    file: input.path,
    start: outcome.start,
    problems: outcome.problems,
    schemaProblems,
    ...(parsed ? { value: parsed.value } : {}),
  };
}

/** The outcome of a file the fast path proves free of problems of its own (fast-path.ts). */
function fastOutcome(input: ConfigFile, schemas: Record<string, object>): FileOutcome | undefined {
  const { placement, problem } = place(input.path, FILE_START);
  if (!placement || problem) return undefined;
  const value = provenValue(input.path, input.text, placement, schemaFor(placement.kind, schemas));
  if (value === undefined) return undefined;
  // Its schema accepts a URL with credentials: the full path places that problem.
  if (placement.kind === 'targets' && targetsWithCredentials(value).length > 0) return undefined;
  // Nor does it know time zones: a change window kzops cannot use takes the full path too.
  if (placement.kind === 'targets' && hasWindowProblems(value)) return undefined;
  return { file: input.path, start: contentStart(input.text), problems: [], schemaProblems: [], value };
}

/** The parsed files that sit in a known place, with their kind and key. */
function placedFiles(
  files: readonly ConfigFile[],
  outcomes: readonly FileOutcome[],
  placed: Map<string, Placement>,
): LoadedFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return outcomes.flatMap(({ file, value }) => {
    const placement = placed.get(file);
    const input = byPath.get(file);
    return value && placement && input ? [{ ...parsedFile(input, value), ...placement }] : [];
  });
}

function emptyByKind<T>(make: () => T): Record<ResourceKind, T> {
  return Object.fromEntries(RESOURCE_KINDS.map((k) => [k, make()])) as Record<ResourceKind, T>;
}

function buildContext(loaded: readonly LoadedFile[], placed: Map<string, Placement>): ValidationContext {
  const ctx: ValidationContext = {
    resources: emptyByKind<LoadedFile[]>(() => []),
    keys: emptyByKind(() => new Map<string, string>()),
    targets: loaded.find((f) => f.kind === 'targets'),
  };
  for (const [file, { kind, key }] of placed) if (kind !== 'targets') ctx.keys[kind].set(key, file);
  for (const file of loaded) if (file.kind !== 'targets') ctx.resources[file.kind].push(file);
  return ctx;
}

/** Drops generic problems that a specific one about the same field explains better. */
function supersede(problems: readonly Problem[]): Problem[] {
  const covered = new Set<string>();
  for (const p of problems) {
    for (const code of SUPERSEDES[p.code] ?? []) covered.add(`${p.file}\0${p.path}\0${code}`);
  }
  return problems.filter((p) => !covered.has(`${p.file}\0${p.path}\0${p.code}`));
}

/** Two stages may find the same thing (a schema's uniqueItems and duplicate_list_item). */
function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.file}\0${p.line}\0${p.col}\0${p.code}\0${p.path}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function byPosition(a: Problem, b: Problem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col;
}

function resourcesOf(loaded: readonly LoadedFile[]): LoadedResource[] {
  return loaded.flatMap((f) =>
    f.kind === 'targets' ? [] : [{ kind: f.kind, key: f.key, file: f.file, doc: f.value }],
  );
}

/**
 * Every problem of every file, sorted by file, line and column. `schemas` is keyed by schema
 * kind (`loadSchemas()` from src/config/schemas.ts); each is compiled once per process.
 */
export function validateConfig(
  files: readonly ConfigFile[],
  schemas: Record<string, object>,
): ValidationResult {
  return combineOutcomes(
    files,
    files.flatMap((f) => (f.unusable ? [] : [checkFile(f, schemas)])),
  );
}

const YAML_FILE = /\.ya?ml$/;

/**
 * The cross-file stages (layout, references, uniqueness, ...) over each file's own outcome.
 * An entry the reader could not use is one error of its own; when it is named like a YAML
 * file it still takes its place in the layout, so its key exists for references and protect
 * entries (it is not a resource that was removed), but its name is not checked until it can be read.
 */
function combineOutcomes(files: readonly ConfigFile[], outcomes: readonly FileOutcome[]): ValidationResult {
  const unusable = files.filter((f) => f.unusable);
  const skipped = new Set(unusable.map((f) => f.path));
  // Layout problems point at where each file's content starts.
  const starts = new Map(outcomes.map((o) => [o.file, o.start]));
  const layout = layoutFiles(
    unusable.length === 0 ? files : files.filter((f) => !f.unusable || YAML_FILE.test(f.path)),
    (path) => starts.get(path) ?? FILE_START,
  );
  const problems: Problem[] = layout.problems.filter((p) => !skipped.has(p.file));
  for (const f of unusable) {
    const p = unusableProblem(f);
    if (p) problems.push(p);
  }
  for (const o of outcomes) {
    problems.push(...o.problems);
    if (layout.placed.has(o.file)) problems.push(...o.schemaProblems);
  }
  const loaded = placedFiles(files, outcomes, layout.placed);
  const ctx = buildContext(loaded, layout.placed);
  for (const check of CHECKS) problems.push(...check(ctx));

  const final = dedupe(supersede(problems)).sort(byPosition);
  return {
    valid: !final.some((p) => p.severity === 'error'),
    problems: final,
    resources: resourcesOf(loaded),
    ...(ctx.targets ? { targets: ctx.targets.value } : {}),
  };
}
