/**
 * The day-2 rules of a target (targets.yaml): what to do with live resources nobody claims
 * (`unmanaged`), what kzops must leave alone (`ignore`), and when apply may run (`frozen`,
 * `change_windows`). Plain data, read from a target that validation has already checked
 * against schemas/targets.schema.json; `targetRulesOf` still reads defensively, so a caller
 * that skipped validation gets defaults rather than a crash.
 */
import { KINDS, type Kind } from '../plan/types.js';

/** What `kzops drift` does with live resources neither the config nor the state claims. */
export const UNMANAGED_POLICIES = ['ignore', 'report', 'fail'] as const;
export type UnmanagedPolicy = (typeof UNMANAGED_POLICIES)[number];
/** `report`: listed, not drift (exit 0). */
export const DEFAULT_UNMANAGED: UnmanagedPolicy = 'report';

/**
 * One `ignore` entry. Without `fields` it is a resource rule: a live resource of `kind` whose
 * name matches `name` (a glob, compared as adoption compares names: trimmed, any case) and
 * whose id is `id` (each given one must match) is never adopted, planned, deleted or listed.
 * With `fields` it is a field rule: those fields (dotted paths, `location.zone`; a path
 * covers everything under it) are never diffed nor written, for every resource of `kind`, or
 * for the ones `name`, `id` or `key` (a glob on the config file's name) pick.
 */
export interface IgnoreRule {
  kind: Kind;
  name?: string;
  id?: string;
  key?: string;
  fields?: string[];
}

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

/**
 * A weekly change window: on each of `days`, from `from` to `to` (HH:MM, 24-hour wall clock
 * in `tz`, an IANA time zone). `to` earlier than `from` crosses midnight: the window starts on
 * the listed day and ends on the next one. `to` = `from` is refused by validation.
 */
export interface ChangeWindow {
  days: Day[];
  from: string;
  to: string;
  tz: string;
}

export interface TargetRules {
  unmanaged: UnmanagedPolicy;
  ignore: IgnoreRule[];
  /** Apply refuses while set; the text is the reason shown. */
  frozen?: string;
  /** Empty: apply may run at any time. */
  changeWindows: ChangeWindow[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function ruleOf(value: unknown): IgnoreRule | undefined {
  if (!isRecord(value) || !KINDS.includes(value.kind as Kind)) return undefined;
  const rule: IgnoreRule = { kind: value.kind as Kind };
  if (typeof value.name === 'string') rule.name = value.name;
  if (typeof value.id === 'string') rule.id = value.id;
  if (typeof value.key === 'string') rule.key = value.key;
  if (Array.isArray(value.fields)) rule.fields = strings(value.fields);
  // A resource rule that names nothing would ignore a whole kind: the schema refuses it.
  if (rule.fields === undefined && rule.name === undefined && rule.id === undefined) return undefined;
  return rule;
}

function windowOf(value: unknown): ChangeWindow | undefined {
  if (!isRecord(value)) return undefined;
  const { from, to, tz } = value;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof tz !== 'string') return undefined;
  const days = strings(value.days).filter((d): d is Day => (DAYS as readonly string[]).includes(d));
  return { days, from, to, tz };
}

/** The rules of one target as targets.yaml writes it (`targets.<name>`). */
export function targetRulesOf(target: unknown): TargetRules {
  const t = isRecord(target) ? target : {};
  const unmanaged = (UNMANAGED_POLICIES as readonly unknown[]).includes(t.unmanaged)
    ? (t.unmanaged as UnmanagedPolicy)
    : DEFAULT_UNMANAGED;
  const rules: TargetRules = {
    unmanaged,
    ignore: (Array.isArray(t.ignore) ? t.ignore : []).flatMap((r) => ruleOf(r) ?? []),
    changeWindows: (Array.isArray(t.change_windows) ? t.change_windows : []).flatMap(
      (w) => windowOf(w) ?? [],
    ),
  };
  if (typeof t.frozen === 'string' && t.frozen.trim() !== '') rules.frozen = t.frozen.trim();
  return rules;
}
