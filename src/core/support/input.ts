/**
 * The support commands' input checks: pure functions that turn what a person typed into what
 * the API wants, or throw an InvalidInputError (exit 64) that names the flag. Every check runs
 * before any request, so a typo never reaches the server.
 */
import { InvalidInputError } from '../errors.js';
import { normalizeMdn } from '../mdn.js';
import { registerSecret, registerSecretLeaves } from '../secret-registry.js';
import { isSecretField } from '../validate/secrets.js';

/** `--mdn 415-748-7153` → `+14157487153`; anything that cannot be a number is refused. */
export function mdnInput(flag: string, raw: string): string {
  const mdn = normalizeMdn(raw);
  if (mdn === null) {
    throw new InvalidInputError(
      `${flag} ${JSON.stringify(raw)} is not a phone number: write 10 digits (4157487153) or E.164 (+14157487153)`,
    );
  }
  return mdn;
}

const HEX32 = /^[0-9a-f]{32}$/;

/** A KAZOO id (account, device, subscription, cluster): 32 lowercase hex characters. */
export function idInput(name: string, raw: string): string {
  const id = raw.trim();
  if (!HEX32.test(id)) {
    throw new InvalidInputError(`${name} ${JSON.stringify(raw)} is not an id: 32 lowercase hex characters`);
  }
  return id;
}

/** A device identifier (ESN, MEID or IMEI): 8 to 18 hex digits. */
export function esnInput(flag: string, raw: string): string {
  const esn = raw.trim();
  if (!/^[0-9A-Fa-f]{8,18}$/.test(esn)) {
    throw new InvalidInputError(`${flag} ${JSON.stringify(raw)} is not an ESN/MEID/IMEI: 8 to 18 hex digits`);
  }
  return esn;
}

/** A SIM card number (ICCID): 18 to 22 digits, the last possibly `F`. */
export function simInput(flag: string, raw: string): string {
  const sim = raw.trim();
  if (!/^[0-9]{17,21}[0-9Ff]$/.test(sim)) {
    throw new InvalidInputError(
      `${flag} ${JSON.stringify(raw)} is not a SIM number (ICCID): 18 to 22 digits`,
    );
  }
  return sim;
}

/** A carrier name as the API spells them: lowercase letters, digits, `_` and `-`. */
export function carrierInput(flag: string, raw: string): string {
  const carrier = raw.trim();
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(carrier)) {
    throw new InvalidInputError(`${flag} ${JSON.stringify(raw)} is not a carrier name (e.g. sprint)`);
  }
  return carrier;
}

const MONTH = /^([0-9]{4})(0[1-9]|1[0-2])$/;

/** `--month 202611`: a month as `YYYYMM`. */
export function monthInput(flag: string, raw: string): string {
  if (!MONTH.test(raw)) {
    throw new InvalidInputError(`${flag} ${JSON.stringify(raw)} is not a month: write YYYYMM, e.g. 202611`);
  }
  return raw;
}

export type MonthRange = { month: string } | { from: string; to: string };

/**
 * `--month M` or `--from M1 --to M2` (from not after to), or nothing (the server's default,
 * the current month). Any other mix is refused, naming the flags.
 */
export function monthRangeInput(flags: {
  month?: string;
  from?: string;
  to?: string;
}): MonthRange | undefined {
  const { month, from, to } = flags;
  if (month !== undefined) {
    if (from !== undefined || to !== undefined) {
      throw new InvalidInputError('--month cannot be combined with --from/--to');
    }
    return { month: monthInput('--month', month) };
  }
  if (from === undefined && to === undefined) return undefined;
  if (from === undefined || to === undefined) {
    throw new InvalidInputError(
      `${from === undefined ? '--to' : '--from'} needs ${from === undefined ? '--from' : '--to'} too`,
    );
  }
  const a = monthInput('--from', from);
  const b = monthInput('--to', to);
  if (a > b) throw new InvalidInputError(`--from ${a} is after --to ${b}`);
  return { from: a, to: b };
}

/** Exactly one of the named flags is set: returns its name and value. */
export function exactlyOne<K extends string>(
  flags: Partial<Record<K, string>>,
  names: readonly K[],
): { name: K; value: string } {
  const set = names.filter((n) => flags[n] !== undefined);
  const first = set[0];
  if (set.length !== 1 || first === undefined) {
    const list = names.map((n) => `--${n}`).join(', ');
    throw new InvalidInputError(
      set.length === 0
        ? `give one of ${list}`
        : `give only one of ${list} (got ${set.map((n) => `--${n}`).join(' and ')})`,
    );
  }
  return { name: first, value: flags[first] as string };
}

const PATH_SEGMENT = /^[A-Za-z0-9_-]+$/;
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `--set path=value ...` as one PATCH body. The path is dot-separated keys. A value that is a
 * JSON literal (`true`, `false`, `null`, `12`, `"text"`, `{"a":1}`, `[1,2]`) is that JSON value;
 * anything else is taken as text, as `gh api -F` does, so `--set name=Front Desk Phone` and
 * `--set plan=260PLAN1` set strings. Quote digits to keep them text (`--set plan='"260"'`).
 * An integer too large to keep its digits as a number (an 18-digit ESN) is refused, with the
 * hint to quote it.
 */
export function setInput(assignments: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const raw of assignments) {
    const eq = raw.indexOf('=');
    if (eq <= 0)
      throw new InvalidInputError(`--set ${JSON.stringify(raw)}: write path=value, e.g. --set name=Joe`);
    const path = raw.slice(0, eq);
    const text = raw.slice(eq + 1);
    const segments = path.split('.');
    if (!segments.every((s) => PATH_SEGMENT.test(s))) {
      throw new InvalidInputError(`--set ${JSON.stringify(raw)}: the path must be keys separated by dots`);
    }
    // Walking into `__proto__` or `constructor` would write to Object.prototype (or Object),
    // and no KAZOO field has these names.
    const reserved = segments.find((s) => RESERVED_KEYS.has(s));
    if (reserved !== undefined) {
      throw new InvalidInputError(`--set ${JSON.stringify(raw)}: ${reserved} is not a field name`);
    }
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('.');
      if (seen.has(prefix) || (i === segments.length && [...seen].some((p) => p.startsWith(`${prefix}.`)))) {
        throw new InvalidInputError(`--set ${path}: sets the same field as another --set`);
      }
    }
    seen.add(path);
    let target = out;
    for (const segment of segments.slice(0, -1)) {
      const next = (target[segment] ??= {}) as Record<string, unknown>;
      target = next;
    }
    target[segments[segments.length - 1] as string] = setValue(path, text);
  }
  return out;
}

const NOT_JSON = Symbol('not JSON');

function setValue(path: string, text: string): unknown {
  // A secret (`voice.sip.password=...`) is scrubbed from every output, and never quoted in
  // an error here, whatever its length.
  // (Secrets nested in a JSON value, `voice={"sip":{"password":...}}`, are registered by
  // checkInput, and by the client for anything it sends.)
  const secret = path.split('.').some(isSecretField);
  if (secret) registerSecret(text);
  const shown = secret ? '<secret value>' : text;
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    value = NOT_JSON;
  }
  if (value !== NOT_JSON) {
    // An 18-digit ESN typed bare would become a rounded number: refuse rather than corrupt it.
    // (An integer that reads back digit for digit, such as -2^53, is kept.)
    const digits = text.trim();
    if (typeof value === 'number' && /^-?[0-9]+$/.test(digits) && String(value) !== digits) {
      throw new InvalidInputError(
        `--set ${path}=${shown}: too large to be a number without losing digits; quote it as text (--set ${path}='"${shown}"')`,
      );
    }
    if (secret) registerSecretLeaves(value);
    return value;
  }
  // Not a JSON literal: text, as typed (the field's shape is checked after).
  return text;
}
