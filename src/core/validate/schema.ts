/**
 * Stage 2: each file against its JSON Schema (schemas/*.schema.json), every ajv error turned
 * into a problem in plain English at the YAML node it is about.
 *
 * ajv's raw output needs three kinds of help: anyOf/oneOf add a wrapper error on top of one
 * error per alternative (collapsed here into one "must be A or B"), `required` and
 * `additionalProperties` are reported on the parent object (moved to the missing field's
 * mapping and to the unknown key), and messages name JSON types and regexes (reworded).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Problem, ProblemCode } from './problem.js';
import { dotted, fieldMessage, locate, problemAt, problemAtPos } from './position.js';
import { isSecretPath } from './secrets.js';
import { maskUserinfo } from './urls.js';
import { didYouMean } from './suggest.js';
import type { LoadedFile } from './types.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// verbose: errors carry the failing value (to quote it) and the parent schema (to list the
// known fields for "did you mean"). strict off: the schemas carry editor annotations.
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });
addFormats(ajv);

/** One compiled validator per schema object per process; by $id when the object is new. */
const compiled = new WeakMap<object, ValidateFunction>();

export function validatorFor(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    const id = (schema as { $id?: unknown }).$id;
    fn = (typeof id === 'string' ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** `/location/zone` → `['location', 'zone']` (JSON Pointer unescaping). */
function pointer(instancePath: string): string[] {
  if (instancePath === '') return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

// -------------------------------------------------------------------------------------------
// Words

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  null: 'empty',
};

const FORMAT_WORDS: Record<string, string> = {
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  uri: 'an absolute URL (e.g. https://host:8443)',
  'uri-reference': 'a URL',
  hostname: 'a host name',
  email: 'an email address',
  'date-time': 'a date and time (e.g. 2024-01-31T12:00:00Z)',
  date: 'a date (e.g. 2024-01-31)',
  uuid: 'a UUID',
};

/** The regexes of the shipped schemas, said in words; any other is quoted as is. */
const PATTERN_WORDS: Record<string, string> = {
  '^[0-9a-f]{32}$': 'be 32 lowercase hex characters',
  '^[a-z0-9][a-z0-9_-]*$': 'be lowercase letters, digits, - and _, starting with a letter or digit',
  '^([a-z0-9][a-z0-9_-]*|id:[0-9a-f]{32})$':
    'be a key (lowercase letters, digits, - and _) or id:<32 lowercase hex> for a resource kzops does not manage',
  '^[A-Z_][A-Z0-9_]*$': 'be an environment variable name (capital letters, digits and _)',
  '^https?://': 'start with http:// or https://',
  '^(customer_clusters|carrier_sbcs|media_servers|clusters)/[a-z0-9][a-z0-9_-]*$':
    'be FOLDER/KEY, FOLDER one of customer_clusters, carrier_sbcs, media_servers, clusters',
  '^([01][0-9]|2[0-3]):[0-5][0-9]$': 'be a time of day HH:MM, 24-hour (e.g. 01:00 or 17:30)',
  '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$':
    'be a field path: field names joined by dots (e.g. top_ips or location.zone)',
};

function plain(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const MAX_QUOTE = 60;

/** ` (got "north")`, or `''` for secrets; collections are named, not dumped. */
function got(value: unknown, secret: boolean): string {
  if (secret) return '';
  if (typeof value === 'string') {
    const masked = maskUserinfo(value);
    const shown = masked.length > MAX_QUOTE ? `${masked.slice(0, MAX_QUOTE)}...` : masked;
    return ` (got ${JSON.stringify(shown)})`;
  }
  if (value === null || value === undefined) return ' (got nothing)';
  if (Array.isArray(value)) return ' (got a list)';
  if (typeof value === 'object') return ' (got a mapping)';
  return ` (got ${JSON.stringify(value) ?? 'nothing'})`; // numbers and booleans
}

function params(e: ErrorObject): Record<string, unknown> {
  return e.params as Record<string, unknown>;
}

/** Field names a schema object declares, to suggest from and to list. */
function knownProperties(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const own = typeof s.properties === 'object' && s.properties !== null ? Object.keys(s.properties) : [];
  const branches = [s.allOf, s.anyOf, s.oneOf].flatMap((b) => (Array.isArray(b) ? (b as unknown[]) : []));
  return [...new Set([...own, ...branches.flatMap(knownProperties)])];
}

function countPhrase(limit: number, one: string, many: string): string {
  return `${limit} ${limit === 1 ? one : many}`;
}

/** What the value must do, as a verb phrase after "must": `be one of east, central, west`. */
function expectation(e: ErrorObject): string {
  const p = params(e);
  const limit = Number(p.limit);
  switch (e.keyword) {
    case 'type':
      return `be ${String(p.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ')}`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(plain);
      return allowed.length === 1 ? `be ${allowed.join('')}` : `be one of ${allowed.join(', ')}`;
    }
    case 'const':
      return `be ${plain(p.allowedValue)}`;
    case 'format':
      return `be ${FORMAT_WORDS[String(p.format)] ?? `in ${String(p.format)} format`}`;
    case 'pattern':
      return PATTERN_WORDS[String(p.pattern)] ?? `match ${String(p.pattern)}`;
    case 'minLength':
      return limit === 1
        ? 'not be empty'
        : `be at least ${countPhrase(limit, 'character', 'characters')} long`;
    case 'maxLength':
      return `be at most ${countPhrase(limit, 'character', 'characters')} long`;
    case 'minimum':
      return `be at least ${limit}`;
    case 'maximum':
      return `be at most ${limit}`;
    case 'exclusiveMinimum':
      return `be more than ${limit}`;
    case 'exclusiveMaximum':
      return `be less than ${limit}`;
    case 'multipleOf':
      return `be a multiple of ${String(p.multipleOf)}`;
    case 'minItems':
      return limit === 1 ? 'not be an empty list' : `have at least ${countPhrase(limit, 'item', 'items')}`;
    case 'maxItems':
      return `have at most ${countPhrase(limit, 'item', 'items')}`;
    case 'minProperties':
    case 'maxProperties':
      return propertyCount(e, limit);
    case 'oneOf':
      return 'match exactly one of the allowed forms, not several';
    default:
      return (e.message ?? 'be valid').replace(/^must /, '');
  }
}

/** `{env: X}` or `{file: Y}`: "have one of env, file" says more than "at least 1 property". */
function propertyCount(e: ErrorObject, limit: number): string {
  const known = knownProperties(e.parentSchema);
  const fields = countPhrase(limit, 'field', 'fields');
  if (limit === 1 && known.length > 0) {
    return e.keyword === 'minProperties'
      ? `have one of ${known.join(', ')}`
      : `have only one of ${known.join(', ')}`;
  }
  if (limit === 1 && e.keyword === 'minProperties') return 'not be empty';
  // `{kind, and one of name, id, fields}`: the required fields plus one more, said as such.
  const required = (e.parentSchema as { required?: unknown } | undefined)?.required;
  if (e.keyword === 'minProperties' && Array.isArray(required) && required.length === limit - 1) {
    const others = known.filter((k) => !required.includes(k));
    if (others.length > 0) return `have ${required.join(', ')} and at least one of ${others.join(', ')}`;
  }
  return e.keyword === 'minProperties' ? `have at least ${fields}` : `have at most ${fields}`;
}

const KEYWORD_CODES: Record<string, ProblemCode> = {
  required: 'missing_field',
  dependentRequired: 'missing_field',
  additionalProperties: 'unknown_field',
  unevaluatedProperties: 'unknown_field',
  type: 'invalid_type',
  enum: 'invalid_enum',
  const: 'invalid_enum',
  format: 'invalid_format',
  uniqueItems: 'duplicate_list_item',
};

function codeFor(keyword: string): ProblemCode {
  return KEYWORD_CODES[keyword] ?? 'invalid_value';
}

// -------------------------------------------------------------------------------------------
// Grouping ajv's errors

/** Either one ajv error, or the alternatives of an anyOf/oneOf about one value. */
type Finding =
  | { kind: 'single'; error: ErrorObject }
  | { kind: 'alternatives'; wrapper: ErrorObject; branches: ErrorObject[][] };

const WRAPPERS = new Set(['anyOf', 'oneOf']);
/** Errors that only say "a sub-schema failed": the errors beside them say what failed. */
const NOISE = new Set(['if', 'propertyNames']);

function isUnder(e: ErrorObject, wrapper: ErrorObject): boolean {
  return e.schemaPath.startsWith(`${wrapper.schemaPath}/`);
}

/** The branch index of an error under a wrapper: `#/.../anyOf/1/format` → 1. */
function branchOf(e: ErrorObject, wrapper: ErrorObject): number {
  return Number(e.schemaPath.slice(wrapper.schemaPath.length + 1).split('/')[0]);
}

/**
 * Collapses anyOf/oneOf. When every alternative failed on the value itself (a format, a
 * const), one finding says "must be A or B". When some alternative failed deeper (a field of
 * an object), the deeper errors are the useful ones and the wrapper goes.
 */
function group(errors: readonly ErrorObject[]): Finding[] {
  const consumed = new Set<ErrorObject>();
  const findings: Finding[] = [];
  for (const wrapper of errors.filter((e) => WRAPPERS.has(e.keyword))) {
    const under = errors.filter((e) => isUnder(e, wrapper) && !consumed.has(e));
    const flat =
      under.length > 0 &&
      under.every((e) => e.instancePath === wrapper.instancePath && !WRAPPERS.has(e.keyword));
    if (flat) {
      const branches = new Map<number, ErrorObject[]>();
      for (const e of under)
        branches.set(branchOf(e, wrapper), [...(branches.get(branchOf(e, wrapper)) ?? []), e]);
      findings.push({ kind: 'alternatives', wrapper, branches: [...branches.values()] });
      under.forEach((e) => consumed.add(e));
      consumed.add(wrapper);
    } else if (under.length > 0 || hasDeeper(errors, wrapper)) {
      consumed.add(wrapper);
    }
  }
  for (const e of errors) {
    if (!consumed.has(e) && !NOISE.has(e.keyword)) findings.push({ kind: 'single', error: e });
  }
  return findings;
}

/** Another error about the same value or inside it (branches behind a $ref have other paths). */
function hasDeeper(errors: readonly ErrorObject[], wrapper: ErrorObject): boolean {
  return errors.some(
    (e) =>
      e !== wrapper &&
      !WRAPPERS.has(e.keyword) &&
      `${e.instancePath}/`.startsWith(`${wrapper.instancePath}/`),
  );
}

// -------------------------------------------------------------------------------------------
// Findings → problems

/** "be an IPv4 address or an IPv6 address"; mixed phrases: "be sim, or be a URL and ...". */
function alternativesPhrase(branches: readonly ErrorObject[][]): string {
  const phrases = branches.map((b) => b.map(expectation).join(' and '));
  if (phrases.every((p) => p.startsWith('be ') && !p.includes(' and '))) {
    return `be ${phrases.map((p) => p.slice(3)).join(' or ')}`;
  }
  return phrases.join(', or ');
}

function alternativesProblem(file: LoadedFile, wrapper: ErrorObject, branches: ErrorObject[][]): Problem {
  const path = pointer(wrapper.instancePath);
  const codes = new Set(branches.flat().map((e) => codeFor(e.keyword)));
  const [only] = codes;
  const code = codes.size === 1 && only ? only : 'invalid_value';
  const text = `must ${alternativesPhrase(branches)}${got(wrapper.data, isSecretPath(path))}`;
  return problemAt(file, path, code, fieldMessage(path, text));
}

function missingProblem(file: LoadedFile, e: ErrorObject, base: string[]): Problem {
  const p = params(e);
  const path = [...base, String(p.missingProperty)];
  const when = e.keyword === 'dependentRequired' ? ` (needed when ${String(p.property)} is set)` : '';
  // Positioned at the mapping that lacks the field: the field itself is nowhere.
  const text = fieldMessage(path, `required field is missing${when}`);
  return problemAtPos(file.file, locate(file, base), 'missing_field', text, dotted(path));
}

function unknownFieldProblem(file: LoadedFile, e: ErrorObject, base: string[]): Problem {
  const p = params(e);
  const name = String(p.additionalProperty ?? p.unevaluatedProperty);
  const path = [...base, name];
  const known = knownProperties(e.parentSchema);
  const hint = didYouMean(name, known) || (known.length > 0 ? `; expected one of ${known.join(', ')}` : '');
  return problemAt(file, path, 'unknown_field', fieldMessage(path, `unknown field${hint}`), { at: 'key' });
}

/** A key that breaks a propertyNames rule: the key is the problem, so point at it. */
function badKeyProblem(file: LoadedFile, e: ErrorObject, base: string[], name: string): Problem {
  const path = [...base, name];
  const text = `the name ${JSON.stringify(name)} is not allowed here: it must ${expectation(e)}`;
  return problemAt(file, path, codeFor(e.keyword), fieldMessage(path, text), { at: 'key' });
}

function duplicateItemProblem(file: LoadedFile, e: ErrorObject, base: string[]): Problem {
  const p = params(e);
  const [first, later] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
  const path = [...base, later ?? 0];
  return problemAt(
    file,
    path,
    'duplicate_list_item',
    fieldMessage(path, `the same as item ${first ?? 0} of this list`),
  );
}

function singleProblem(file: LoadedFile, e: ErrorObject): Problem {
  const base = pointer(e.instancePath);
  if (e.propertyName !== undefined) return badKeyProblem(file, e, base, e.propertyName);
  switch (e.keyword) {
    case 'required':
    case 'dependentRequired':
      return missingProblem(file, e, base);
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return unknownFieldProblem(file, e, base);
    case 'uniqueItems':
      return duplicateItemProblem(file, e, base);
    default: {
      const text = `must ${expectation(e)}${got(e.data, isSecretPath(base))}`;
      return problemAt(file, base, codeFor(e.keyword), fieldMessage(base, text));
    }
  }
}

/** Every schema problem of one parsed file. */
export function checkSchema(file: LoadedFile, schema: object): Problem[] {
  const validate = validatorFor(schema);
  if (validate(file.value)) return [];
  return group(validate.errors ?? []).map((f) =>
    f.kind === 'single' ? singleProblem(file, f.error) : alternativesProblem(file, f.wrapper, f.branches),
  );
}
