/**
 * Matching `ignore` rules (rules.ts) against resources, live or desired. Pure.
 *
 * Names are compared as adoption compares them (trimmed, any case) so that a rule written
 * `Legacy *` covers a live `legacy east`; ids exactly; keys (field rules only) as globs on
 * the config file's name, case-sensitively, as file names are.
 */
import type { Kind } from '../plan/types.js';
import { isRecord } from '../json.js';
import { globMatch } from './glob.js';
import type { IgnoreRule } from './rules.js';

/** What is known of a resource when a rule is matched against it. */
export interface ResourceFacts {
  kind: Kind;
  /** The server id, when known (a create of an SBC or media server has none yet). */
  id?: string | undefined;
  /** The config key, for a resource the config has. */
  key?: string | undefined;
  /** Its names: the live document's and the config's (either matching is enough). */
  names?: readonly (string | undefined)[];
}

function nameMatches(glob: string, names: readonly (string | undefined)[] | undefined): boolean {
  return (names ?? []).some(
    (n) => typeof n === 'string' && globMatch(glob.trim(), n.trim(), { caseInsensitive: true }),
  );
}

/** Whether the rule's selectors (name, id, key; every one given must match) pick the resource. */
export function selects(rule: IgnoreRule, r: ResourceFacts): boolean {
  if (rule.kind !== r.kind) return false;
  if (rule.id !== undefined && rule.id !== r.id) return false;
  if (rule.name !== undefined && !nameMatches(rule.name, r.names)) return false;
  if (rule.key !== undefined && (r.key === undefined || !globMatch(rule.key, r.key))) return false;
  return true;
}

export function isResourceRule(rule: IgnoreRule): boolean {
  return rule.fields === undefined;
}

/** The first resource rule that covers the resource: it is not kzops's. */
export function ignoringRule(rules: readonly IgnoreRule[], r: ResourceFacts): IgnoreRule | undefined {
  return rules.find((rule) => isResourceRule(rule) && selects(rule, r));
}

/** The field paths (dotted) the field rules take away from the resource, sorted, without repeats. */
export function ignoredFields(rules: readonly IgnoreRule[], r: ResourceFacts): string[] {
  const out = new Set<string>();
  for (const rule of rules)
    if (rule.fields !== undefined && selects(rule, r)) rule.fields.forEach((f) => out.add(f));
  return [...out].sort();
}

/** Whether a dotted path is (or is under) one of the ignored fields. */
export function pathIgnored(path: string, fields: readonly string[]): boolean {
  return fields.some((f) => path === f || path.startsWith(`${f}.`));
}

/** A copy of `doc` without the ignored fields (a path into a list or a missing path is left alone). */
export function withoutFields(
  doc: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  if (fields.length === 0) return doc;
  const strip = (value: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const path = prefix === '' ? k : `${prefix}.${k}`;
      if (fields.includes(path)) continue;
      out[k] = isRecord(v) && fields.some((f) => f.startsWith(`${path}.`)) ? strip(v, path) : v;
    }
    return out;
  };
  return strip(doc, '');
}

/**
 * The ignored fields a document sets, as paths that exist in it (for the validation error:
 * a config must not set a field it says another system owns).
 */
export function setIgnoredFields(doc: Record<string, unknown>, fields: readonly string[]): string[][] {
  const out: string[][] = [];
  for (const f of fields) {
    const segs = f.split('.');
    let value: unknown = doc;
    let found = true;
    for (const s of segs) {
      if (isRecord(value) && Object.hasOwn(value, s)) value = value[s];
      else {
        found = false;
        break;
      }
    }
    if (found) out.push(segs);
  }
  return out;
}

/** A rule as people read it in messages: `{kind: carrier_sbcs, name: "Legacy *"}`. */
export function describeRule(rule: IgnoreRule): string {
  const parts = [`kind: ${rule.kind}`];
  if (rule.name !== undefined) parts.push(`name: ${JSON.stringify(rule.name)}`);
  if (rule.id !== undefined) parts.push(`id: ${rule.id}`);
  if (rule.key !== undefined) parts.push(`key: ${JSON.stringify(rule.key)}`);
  if (rule.fields !== undefined) parts.push(`fields: [${rule.fields.join(', ')}]`);
  return `{${parts.join(', ')}}`;
}
