/**
 * The plan's differ, in the style of aws-cdk's cloudformation-diff: a pure function from a
 * desired document (YAML in config/) and a live one (read from the API) to the list of field
 * changes that `kzops apply` would have to make. It never mutates its inputs, and the values
 * it reports are copies, so a caller may build a PATCH body from them freely.
 *
 * The rules are the product's, not a generic deep-diff's:
 * - Git owns only what the YAML says. A field the desired document does not mention, at any
 *   depth, is not a diff: the server or another tool may own it. An empty mapping (`{}`) is
 *   said, though: it differs from a non-empty one (KAZOO's PATCH clears an object given `{}`).
 * - Server-owned fields (`id`, `_id`, `_rev`, `pvt_*`) are never compared, even when the YAML
 *   carries them: the server assigns them, so they can never be "applied".
 * - A change is reported at the deepest differing mapping path (`location.zone`), except
 *   arrays, which are reported whole: a PATCH replaces arrays whole (see `Patch` in
 *   src/api/types.ts), so there is no smaller unit to apply.
 * - Arrays are ordered (`carrier_sbc_priority.sprint` is a priority order) unless the rules
 *   name the path as a set (`ips`: the server matches a call's source address against them,
 *   so their order means nothing).
 * - IP addresses compare by address, not text: `2001:db8::1` and `2001:0db8:0:0:0:0:0:1` are
 *   one address, and rewriting one as the other would be a no-op apply.
 */

import { normalizeIp } from '../ip.js';
import { isRecord } from '../json.js';

/** A document path: mapping keys, and array indices where a path enters an array. */
export type Path = (string | number)[];

export interface FieldChange {
  /** Dotted, e.g. `location.zone`, `ips`. */
  path: string;
  /** The same path as segments; unambiguous even for a key that itself contains a dot. */
  segments: Path;
  /** The live value; `undefined` when the field is absent live. */
  before: unknown;
  /** The desired value. */
  after: unknown;
}

export interface DiffOptions {
  /**
   * An empty mapping in `desired` against a non-empty one live is a change (default true: the
   * config said `{}`). Export, whose "desired" is what the server returned, turns it off: there
   * an empty mapping may only mean the server hid a write-only secret.
   */
  emptyClears?: boolean;
}

export interface DiffRules {
  /** Dotted paths (with `*` for any key, e.g. "ips.inbound.*") whose arrays are SETS: order and duplicates do not matter. */
  sets: readonly string[];
  /**
   * Dotted paths whose values are IP addresses (or arrays of them): compared by address, not
   * text. Text that is not an address (IPv4 with leading zeros, `010.0.0.1`, is invalid, not
   * octal) compares as text, so it never equals a real address.
   */
  ips: readonly string[];
}

function freezeRules(rules: DiffRules): DiffRules {
  return Object.freeze({ sets: Object.freeze([...rules.sets]), ips: Object.freeze([...rules.ips]) });
}

/**
 * Per kind. Every address list is a set; `carrier_sbc_priority.*` and `call_directions` are
 * deliberately absent: they are ordered.
 */
export const ROUTING_DIFF_RULES: Readonly<
  Record<'customer_clusters' | 'carrier_sbcs' | 'media_servers', DiffRules>
> = Object.freeze({
  customer_clusters: freezeRules({
    sets: ['ips.inbound.*', 'ips.outbound.*'],
    ips: ['ips.inbound.*', 'ips.outbound.*'],
  }),
  carrier_sbcs: freezeRules({ sets: ['ips'], ips: ['ips'] }),
  media_servers: freezeRules({ sets: ['top_ips'], ips: ['top_ips'] }),
});

// ---------------------------------------------------------------------------------------
// Values

/** An own property only: a document key `__proto__` or `constructor` must not read the prototype. */
function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Assigned by the server, so never compared: an apply could not change them anyway. */
function isServerOwned(key: string): boolean {
  return key === 'id' || key === '_id' || key === '_rev' || key.startsWith('pvt_');
}

/**
 * A string identifying `value` up to the diff's notion of equality: scalars by strict equality
 * (`-0` is `0`; NaN, which YAML's `.nan` can produce, equals itself so that a document always
 * equals itself), mappings regardless of key order, arrays in order. A key whose value is
 * `undefined` is absent, as in JSON. With `ip`, strings that are addresses canonicalise; a
 * string that is not an address keeps its text, which cannot collide with a canonical address
 * (that text would itself be an address).
 */
function identity(value: unknown, ip: boolean): string {
  switch (typeof value) {
    case 'string':
      return `s${JSON.stringify(ip ? (normalizeIp(value) ?? value) : value)}`;
    case 'number':
      return `n${String(value)}`;
    case 'boolean':
      return `b${String(value)}`;
    case 'bigint':
      return `i${value.toString()}`;
    case 'undefined':
      return 'u';
    case 'symbol':
    case 'function':
      // Not document values; they would only equal themselves, which text cannot express.
      return `x${String(value)}`;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v) => identity(v, ip)).join(',')}]`;
      if (value instanceof Date) return `d${value.getTime()}`;
      const record = value as Record<string, unknown>;
      const entries = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${identity(record[k], ip)}`);
      return `{${entries.join(',')}}`;
    }
  }
}

/** A copy of a document value, so reported changes do not alias the inputs. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (value instanceof Date) return new Date(value.getTime());
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)]));
  return value;
}

// ---------------------------------------------------------------------------------------
// The diff

interface CompiledRules {
  sets: string[][];
  ips: string[][];
  emptyClears: boolean;
}

/** `*` matches any one segment; patterns match whole paths only. */
function matches(patterns: string[][], path: Path): boolean {
  return patterns.some(
    (pattern) =>
      pattern.length === path.length && pattern.every((seg, i) => seg === '*' || seg === String(path[i])),
  );
}

function same(path: Path, desired: unknown, live: unknown, rules: CompiledRules): boolean {
  const ip = matches(rules.ips, path);
  if (Array.isArray(desired) && Array.isArray(live) && matches(rules.sets, path)) {
    // A set: the same distinct elements, in any order, duplicates ignored.
    const want = new Set(desired.map((v) => identity(v, ip)));
    const have = new Set(live.map((v) => identity(v, ip)));
    return want.size === have.size && [...want].every((k) => have.has(k));
  }
  // Ordered arrays are replaced whole by a PATCH, so their elements compare in full (keys a
  // desired element does not mention DO count); everything else here is a scalar.
  return identity(desired, ip) === identity(live, ip);
}

function diffValue(path: Path, desired: unknown, live: unknown, rules: CompiledRules, out: FieldChange[]) {
  if (isRecord(desired) && isRecord(live)) {
    // An empty mapping written in the YAML says "nothing here", not "nothing said": KAZOO's
    // PATCH clears an object given `{}`, so that is the change to make.
    if (rules.emptyClears && Object.keys(desired).length === 0 && Object.keys(live).length > 0) {
      out.push({ path: path.map(String).join('.'), segments: [...path], before: copy(live), after: {} });
      return;
    }
    for (const key of Object.keys(desired)) {
      const after = own(desired, key);
      // `undefined` is not a YAML value: treat it as the key not being written.
      if (after === undefined) continue;
      diffValue([...path, key], after, own(live, key), rules, out);
    }
    return;
  }
  // Different shapes (or absent live) differ at this path, whole: there is nothing deeper
  // live to compare against, and applying `after` here makes them equal.
  if (!same(path, desired, live, rules)) {
    out.push({
      path: path.map(String).join('.'),
      segments: [...path],
      before: copy(live),
      after: copy(desired),
    });
  }
}

/**
 * The changes that make `live` agree with `desired` on every field `desired` mentions, sorted
 * by path. `live === undefined` means the resource does not exist: every desired field is one
 * change at the top level. Server-owned fields are skipped at the top level only, where the
 * server puts them; a nested `id` key (a zone or carrier name, say) is user data.
 */
export function diffDocument(
  desired: Record<string, unknown>,
  live: Record<string, unknown> | undefined,
  rules: DiffRules,
  opts: DiffOptions = {},
): FieldChange[] {
  const compiled: CompiledRules = {
    sets: rules.sets.map((p) => p.split('.')),
    ips: rules.ips.map((p) => p.split('.')),
    emptyClears: opts.emptyClears ?? true,
  };
  const changes: FieldChange[] = [];
  const liveDoc = live ?? {};
  for (const key of Object.keys(desired)) {
    if (isServerOwned(key)) continue;
    const after = own(desired, key);
    if (after === undefined) continue;
    diffValue([key], after, own(liveDoc, key), compiled, changes);
  }
  // Code-unit order, not localeCompare: the plan must not depend on the machine's locale.
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return changes.sort(
    (a, b) => byText(a.path, b.path) || byText(JSON.stringify(a.segments), JSON.stringify(b.segments)),
  );
}
