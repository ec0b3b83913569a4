/**
 * The secret values this process has seen, and the scrubber every output goes through.
 *
 * Redaction by key name (src/api/redact.ts) masks a field called `password` wherever it is,
 * but not the same value inside free text: a server error that repeats the request, a gateway
 * page, a live document that carries a key in a field of another name. So every secret kzops
 * learns is also registered here by value, and each output replaces every spelling of it with
 * `<redacted>`:
 *
 * - stdout and stderr, through `installOutputScrub` (bin/run.js calls it before oclif loads),
 *   so oclif's own messages, errors, warnings and progress bars are covered too;
 * - files kzops writes (the audit trail, `plan --out`, journals), through `scrub`/`scrubValue`.
 *
 * What is registered: the target's API key, password and md5 credentials, every auth token,
 * the cluster secrets config points at (`{env}`/`{file}`), and the value under any
 * secret-named key (`password`, `api_key`, `token`, ...) of a request kzops sends, of a
 * response it reads and of `--set`/`--file` input. Two classes: `credential` (what kzops
 * authenticates or configures with) is scrubbed everywhere, always; `value` (data such as a
 * device's SIP password) is shown on stdout under `--show-secrets`, and scrubbed everywhere else.
 *
 * A value shorter than MIN_SECRET_LENGTH is not registered: it would hit ordinary words and
 * ids all over the output (and break JSON when it reads `true`).
 */
export const SECRET_MARKER = '<redacted>';

/** Shorter values are not scrubbed by value (only by key name). */
export const MIN_SECRET_LENGTH = 6;

export type SecretKind = 'credential' | 'value';

const known = new Map<string, SecretKind>();
let compiled: { all: RegExp | undefined; credentials: RegExp | undefined } | undefined;
let revealValues = false;

/**
 * Registers one secret value (a string, or a number, which is scrubbed as its digits). A
 * credential stays a credential when registered again as a value.
 */
export function registerSecret(value: unknown, kind: SecretKind = 'value'): void {
  const text = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value;
  if (typeof text !== 'string' || text.length < MIN_SECRET_LENGTH || text === SECRET_MARKER) return;
  const before = known.get(text);
  if (before === 'credential' || before === kind) return;
  known.set(text, kind);
  compiled = undefined;
}

/**
 * Registers every value of a JSON-like value whose key path `isSecretName` says is secret
 * (any key on the way: each leaf of `credentials: {...}` counts). Without a predicate, every
 * leaf is registered: for a value already known to be secret. The names are the caller's
 * (src/api/redact.ts `registerSecretsIn` passes KAZOO's and config's secret names), so this
 * module imports nothing and bin/run.js can load it first thing at no cost.
 */
export function registerSecretLeaves(
  value: unknown,
  kind: SecretKind = 'value',
  isSecretName?: (key: string) => boolean,
): void {
  walk(value, isSecretName === undefined, kind, isSecretName ?? (() => false), 0);
}

function walk(
  value: unknown,
  secret: boolean,
  kind: SecretKind,
  isSecretName: (key: string) => boolean,
  depth: number,
): void {
  if (depth > 64) return;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) walk(item, secret, kind, isSecretName, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      walk(inner, secret || isSecretName(key), kind, isSecretName, depth + 1);
    }
  } else if (secret) {
    registerSecret(value, kind);
  }
}

/** Whether any value is registered (the scrubber is a no-op otherwise). */
export function hasSecrets(): boolean {
  return known.size > 0;
}

/** Forgets every registered value and the --show-secrets mode: for tests. */
export function forgetSecrets(): void {
  known.clear();
  compiled = undefined;
  revealValues = false;
}

/** `--show-secrets`: from now on, `value` secrets pass on stdout (credentials never do). */
export function revealValuesOnStdout(): void {
  revealValues = true;
}

export function valuesRevealedOnStdout(): boolean {
  return revealValues;
}

// -------------------------------------------------------------------------------------------
// Spellings

/**
 * How a value may be written out: as JSON string content, percent-encoded (upper or lower hex,
 * `+` for spaces), as HTML and markdown escape it, with `|` escaped for a table cell, inside
 * shell single quotes. Each registered value is scrubbed in every spelling made by up to two
 * of these (JSON-escaped twice, markdown of JSON, ...); for a value of letters and digits they
 * are all the value itself.
 */
const ENCODINGS: readonly ((s: string) => string)[] = [
  (s) => JSON.stringify(s).slice(1, -1),
  (s) => encodeURIComponent(s),
  (s) => encodeURIComponent(s).replace(/%20/g, '+'),
  (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  (s) =>
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
  (s) =>
    s
      .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/@/g, '@&#8203;'),
  (s) => s.replace(/\|/g, '\\|'),
  (s) => s.replace(/'/g, `'\\''`),
];

export function spellings(value: string): string[] {
  const out = new Set([value]);
  for (const first of ENCODINGS) {
    const once = first(value);
    out.add(once);
    for (const second of ENCODINGS) out.add(second(once));
  }
  return [...out];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pattern(values: string[]): RegExp | undefined {
  const all = [...new Set(values.flatMap(spellings))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return all.length === 0 ? undefined : new RegExp(all.map(escapeRegExp).join('|'), 'g');
}

function patterns(): { all: RegExp | undefined; credentials: RegExp | undefined } {
  if (compiled === undefined) {
    const credentials = [...known].filter(([, kind]) => kind === 'credential').map(([v]) => v);
    compiled = { all: pattern([...known.keys()]), credentials: pattern(credentials) };
  }
  return compiled;
}

// -------------------------------------------------------------------------------------------
// Scrubbing

export interface ScrubOptions {
  /** Let `value` secrets through (stdout under --show-secrets); credentials are still replaced. */
  reveal?: boolean;
}

/** `text` with every spelling of every registered secret replaced by `<redacted>`. */
export function scrub(text: string, opts: ScrubOptions = {}): string {
  if (known.size === 0 || text === '') return text;
  const { all, credentials } = patterns();
  const re = opts.reveal ? credentials : all;
  return re === undefined ? text : text.replace(re, SECRET_MARKER);
}

/**
 * A deep copy of a JSON-like value with every string (keys included) scrubbed: for data that
 * is then serialised, so the marker lands inside strings and the JSON stays valid.
 */
export function scrubValue<T>(value: T): T {
  if (known.size === 0) return value;
  return scrubDeep(value, 0) as T;
}

function scrubDeep(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 64 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return (value as unknown[]).map((v) => scrubDeep(v, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[scrub(key)] = scrubDeep(inner, depth + 1);
  return out;
}

// -------------------------------------------------------------------------------------------
// stdout and stderr

type AnyWrite = (chunk: unknown, ...rest: unknown[]) => boolean;

interface WritableLike {
  write: AnyWrite;
}

const wrapped = new WeakSet<object>();

/**
 * Makes every write to `stream` go through the scrubber. Strings and UTF-8 bytes are
 * scrubbed; a chunk that holds no secret is passed on untouched (the same object).
 * `reveal` is asked at each write (stdout under --show-secrets).
 */
export function scrubWrites(stream: object, reveal: () => boolean = () => false): void {
  if (wrapped.has(stream)) return;
  wrapped.add(stream);
  const target = stream as WritableLike;
  const original: AnyWrite = target.write.bind(stream);
  target.write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (known.size === 0) return original(chunk, ...rest);
    const encoding = typeof rest[0] === 'string' ? rest[0] : undefined;
    let text: string | undefined;
    if (typeof chunk === 'string') {
      if (encoding === undefined || /^utf-?8$/i.test(encoding)) text = chunk;
    } else if (chunk instanceof Uint8Array) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    }
    if (text === undefined) return original(chunk, ...rest);
    const clean = scrub(text, { reveal: reveal() });
    if (clean === text) return original(chunk, ...rest);
    return original(clean, ...(encoding === undefined ? rest : ['utf8', ...rest.slice(1)]));
  };
}

/**
 * Scrubs everything the process writes to stdout and stderr from now on. Called once, first
 * thing, by bin/run.js; stdout lets `value` secrets through after `revealValuesOnStdout()`.
 */
export function installOutputScrub(): void {
  scrubWrites(process.stdout, () => revealValues);
  scrubWrites(process.stderr);
}
