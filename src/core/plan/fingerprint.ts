/**
 * The plan fingerprint: a sha256 (hex) of what a plan would do, so that the plan reviewed on
 * a pull request can be matched with the plan apply makes again after the merge
 * (`kzops apply --expect-fingerprint`).
 *
 * Only the substance counts: the target, and for every change that does something its kind,
 * key, id, action and fields. Live-document fingerprints, notes, the protected flag and the
 * order of changes are left out, so planning again at the merged commit, with the live state
 * and the config as they were, gives the same fingerprint, and any difference in what apply
 * would write gives another. Noops are left out too: they write nothing, so they cannot make
 * the applied plan differ from the reviewed one.
 *
 * A sensitive field counts by its path and whether it changes, never by what the planner put
 * in its before/after: those are markers today, and must never let a secret (or a hash of
 * one) leak into a value that is printed in pull requests.
 */
import { createHash } from 'node:crypto';
import type { Plan, PlannedField } from './types.js';

/** Hex digits shown for a fingerprint (`Plan fingerprint: 1a2b3c4d5e6f`). */
export const SHORT_FINGERPRINT = 12;

/** The shortest prefix `--expect-fingerprint` accepts: 48 bits, no accidental match. */
export const MIN_FINGERPRINT_PREFIX = 12;

/**
 * Bumped whenever what goes into the hash changes, so a fingerprint made by another version
 * of kzops never matches by accident of layout.
 */
const FORMAT = 'kzops-plan-fingerprint/1';

/** JSON with mapping keys sorted at every depth (code-unit order); `undefined` members left out. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort(byText)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

/** Code-unit order: the fingerprint must not depend on the machine's locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function canonicalField(field: PlannedField): Record<string, unknown> {
  if (field.sensitive) {
    return {
      path: field.path,
      sensitive: true,
      changes: canonicalJson(field.before) !== canonicalJson(field.after),
    };
  }
  return { path: field.path, before: field.before, after: field.after };
}

/** sha256 (64 lowercase hex) of the plan's substance; see the module comment. */
export function planFingerprint(plan: Plan): string {
  const changes = plan.changes
    .filter((c) => c.action !== 'noop')
    .map((c) => ({
      kind: c.kind,
      key: c.key,
      id: c.id ?? null,
      action: c.action,
      fields: c.fields
        .map((f) => ({ path: f.path, row: canonicalJson(canonicalField(f)) }))
        // By path, then by the whole row, so even two rows with one path have one order.
        .sort((a, b) => byText(a.path, b.path) || byText(a.row, b.row))
        .map((f) => f.row),
    }))
    .sort((a, b) => byText(a.kind, b.kind) || byText(a.key, b.key));
  const body = canonicalJson({ format: FORMAT, target: plan.target, changes });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The first SHORT_FINGERPRINT hex digits, for people. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, SHORT_FINGERPRINT);
}

/** Whether `text` can name a fingerprint: MIN_FINGERPRINT_PREFIX to 64 hex digits, any case. */
export function isFingerprintPrefix(text: string): boolean {
  return new RegExp(`^[0-9a-fA-F]{${MIN_FINGERPRINT_PREFIX},64}$`).test(text);
}

/** Whether `expected` (a full fingerprint or a prefix, any case) names `fingerprint`. */
export function fingerprintMatches(fingerprint: string, expected: string): boolean {
  return isFingerprintPrefix(expected) && fingerprint.startsWith(expected.toLowerCase());
}
