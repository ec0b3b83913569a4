/**
 * Drift: how the live documents of a target stand against what kzops last applied (the
 * state file) and against the config. A pure function of the plan (buildPlan's output for
 * the same config, live documents and state), the live documents and the state: no I/O, so
 * every classification is testable with plain objects.
 *
 * Three sides, three comparisons:
 * - live vs. last applied: the state keeps `fingerprintDoc` of each routing document as
 *   kzops read it back after its last apply; a different live fingerprint is a change made
 *   outside kzops, a vanished id a document deleted outside kzops;
 * - config vs. live: the plan; a change there on a document live still as last applied is a
 *   config change not applied yet (pending);
 * - live vs. nothing: live documents that neither the config nor the state claims.
 *
 * Cluster documents cannot be read (the API has no GET for them), so their live side is never
 * checked: each is reported as not verifiable, which is information, not drift.
 */
import { ignoredFields, ignoringRule } from '../policy/ignore.js';
import type { IgnoreRule, UnmanagedPolicy } from '../policy/rules.js';
import type { LoadedResource } from '../validate/types.js';
import { baselineFingerprint, fingerprintDoc, type LiveDoc } from './build-plan.js';
import {
  KINDS,
  type Kind,
  type Plan,
  type PlannedChange,
  type PlannedField,
  type TargetState,
} from './types.js';

/** In the order reports list them: the drift classes first, then the informational ones. */
export const DRIFT_CLASSES = [
  'changed_outside',
  'missing_live',
  'unmanaged',
  'pending',
  'unknown_baseline',
  'not_verifiable',
] as const;

export type DriftClass = (typeof DRIFT_CLASSES)[number];

/**
 * The classes that can be drift: a finding of one of them makes `kzops drift` exit 2, except
 * `unmanaged`, which is drift only when the target says `unmanaged: fail` (see driftOutcome).
 */
export const DRIFTING: ReadonlySet<DriftClass> = new Set<DriftClass>([
  'changed_outside',
  'missing_live',
  'unmanaged',
  'pending',
]);

export interface DriftFinding {
  class: DriftClass;
  kind: Kind;
  /** The config key (or the state's key); absent for unmanaged documents, which have none. */
  key?: string;
  /** The server id, when one is known. */
  id?: string;
  /** The document's name (live, else desired), when it has one. */
  name?: string;
  /** Field differences between live and the config, as the plan shows them (values never for secrets). */
  fields?: PlannedField[];
  /** Plain-English explanation for a person. */
  note?: string;
}

export interface DriftReport {
  target: string;
  /** No finding of a drifting class (see DRIFTING). */
  inSync: boolean;
  /** Sorted by class (DRIFT_CLASSES order), then kind (KINDS order), then key or id. */
  findings: DriftFinding[];
  /** Findings per class, plus `verified`: routing documents live exactly as kzops last applied them. */
  summary: Record<DriftClass, number> & { verified: number };
  /**
   * How unmanaged documents were handled (the target's `unmanaged`): `fail` makes them drift,
   * `report` lists them without making them drift, `ignore` leaves them out of the findings.
   */
  unmanagedPolicy?: UnmanagedPolicy;
}

export interface DriftInput {
  /** buildPlan's plan for the same config, live documents and state. */
  plan: Plan;
  /** Every live routing document, as readLive returns them. */
  live: readonly LiveDoc[];
  /** undefined: no state file (kzops never applied to this target). */
  state: TargetState | undefined;
  /** The validated config, for the names of resources that are not live. */
  desired?: readonly LoadedResource[];
  /**
   * The target's `unmanaged` (src/core/policy/rules.ts; targets.yaml's default is `report`).
   * Absent: `fail`, what kzops did before the setting existed.
   */
  unmanaged?: UnmanagedPolicy;
  /**
   * The target's `ignore` rules, as given to buildPlan: a state entry whose live document a
   * resource rule covers gives no finding, and a change to ignored fields alone is not a change
   * made outside kzops (the state's fingerprint is compared with and without them).
   */
  ignore?: readonly IgnoreRule[];
}

/**
 * Whether findings make `kzops drift` exit 2 under an unmanaged policy: any changed_outside,
 * missing_live or pending finding does; unmanaged ones only under `fail`.
 */
export function isDrifting(cls: DriftClass, unmanaged: UnmanagedPolicy): boolean {
  return cls === 'unmanaged' ? unmanaged === 'fail' : DRIFTING.has(cls);
}

/** `drifted`: the report's findings make drift exit 2 under `unmanaged` (the report's own policy by default). */
export function driftOutcome(
  report: Pick<DriftReport, 'findings' | 'unmanagedPolicy'>,
  unmanaged: UnmanagedPolicy = report.unmanagedPolicy ?? 'fail',
): { drifted: boolean; drifting: DriftFinding[] } {
  const drifting = report.findings.filter((f) => isDrifting(f.class, unmanaged));
  return { drifted: drifting.length > 0, drifting };
}

/** Notes the classifier writes; renderers and tests may match them. */
export const NOTE_OUTSIDE_UNMANAGED_FIELDS = 'fields not managed by the config changed';
export const NOTE_OUTSIDE_CONFIG_GONE =
  'changed since kzops last applied it; its config file is gone, so apply will delete it';
export const NOTE_DELETED_OUTSIDE = 'deleted outside kzops: apply will create it again';
export const NOTE_DELETED_OUTSIDE_CONFIG_GONE = 'deleted outside kzops; its config file is gone too';
export const NOTE_UNMANAGED = 'neither the config nor the state claims it';
export const NOTE_PENDING_CREATE = 'in the config, not live: apply will create it';
export const NOTE_PENDING_UPDATE = 'the config differs from live: apply will update it';
export const NOTE_PENDING_DELETE = 'its config file is gone: apply will delete it';
export const NOTE_NO_STATE_ENTRY = 'no state entry: kzops has no record of applying it';
export const NOTE_NO_FINGERPRINT =
  'the state has no fingerprint of what kzops last applied: a change made outside kzops cannot be told';
export const NOTE_CLUSTER_NOT_VERIFIABLE =
  'cluster documents cannot be read back (the API has no GET for them): live not checked';
export const NOTE_CLUSTER_PENDING_REPLACE =
  'the config differs from what kzops last applied: apply will replace it';
export const NOTE_CLUSTER_PENDING_CREATE = 'no state entry: apply will create it';

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseRef(ref: string): { kind: Kind; key: string } | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return undefined;
  const kind = ref.slice(0, slash) as Kind;
  return KINDS.includes(kind) ? { kind, key: ref.slice(slash + 1) } : undefined;
}

function nameOf(doc: Record<string, unknown> | undefined): string | undefined {
  return typeof doc?.name === 'string' ? doc.name : undefined;
}

/** A finding without undefined members, so equality in tests and JSON output stay exact. */
function finding(parts: DriftFinding): DriftFinding {
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined)) as DriftFinding;
}

/** The plan's field rows worth showing: an update's differences (a create or delete lists whole documents). */
function updateFields(change: PlannedChange | undefined): PlannedField[] | undefined {
  return change?.action === 'update' && change.fields.length > 0 ? change.fields : undefined;
}

function pendingNote(change: PlannedChange): string {
  switch (change.action) {
    case 'create':
      return NOTE_PENDING_CREATE;
    case 'delete':
      return NOTE_PENDING_DELETE;
    case 'update':
    case 'replace':
    case 'noop':
      return NOTE_PENDING_UPDATE;
  }
}

export function classifyDrift(input: DriftInput): DriftReport {
  const { plan } = input;
  const policy: UnmanagedPolicy = input.unmanaged ?? 'fail';
  const rules = input.ignore ?? [];
  const live = new Map<Kind, Map<string, Record<string, unknown>>>(KINDS.map((k) => [k, new Map()]));
  for (const doc of input.live) {
    if (doc.kind !== 'clusters') live.get(doc.kind)?.set(doc.id, doc.doc);
  }
  const changes = new Map(plan.changes.map((c) => [`${c.kind}/${c.key}`, c]));
  const desiredName = new Map((input.desired ?? []).map((r) => [`${r.kind}/${r.key}`, nameOf(r.doc)]));

  const findings: DriftFinding[] = [];
  let verified = 0;
  const seen = new Set<string>();

  // A cluster document: never compared with live. Its config can still differ from what kzops
  // last applied (the plan compares the two through the state), and that is pending like any
  // other config change not applied yet.
  const cluster = (key: string, id: string, change: PlannedChange | undefined) => {
    const name = desiredName.get(`clusters/${key}`);
    findings.push(
      finding({
        class: 'not_verifiable',
        kind: 'clusters',
        key,
        id,
        name,
        note: NOTE_CLUSTER_NOT_VERIFIABLE,
      }),
    );
    if (change === undefined || change.action === 'noop') return;
    const note =
      change.action === 'create'
        ? NOTE_CLUSTER_PENDING_CREATE
        : change.action === 'delete'
          ? NOTE_PENDING_DELETE
          : NOTE_CLUSTER_PENDING_REPLACE;
    findings.push(finding({ class: 'pending', kind: 'clusters', key, id, name, note }));
  };

  // 1. Everything the state says kzops applied: compared with live by fingerprint.
  const entries = Object.entries(input.state?.resources ?? {}).sort(([a], [b]) => byText(a, b));
  for (const [ref, entry] of entries) {
    const parsed = parseRef(ref);
    if (parsed === undefined) continue;
    seen.add(ref);
    const { kind, key } = parsed;
    const change = changes.get(ref);
    if (kind === 'clusters') {
      cluster(key, entry.id, change);
      continue;
    }
    const current = live.get(kind)?.get(entry.id);
    const name = nameOf(current) ?? desiredName.get(ref);
    const base = { kind, key, id: entry.id, name };
    // Another system's document (by id, or by its live name): kzops says nothing about it.
    if (rules.length > 0 && ignoringRule(rules, { kind, id: entry.id, names: [nameOf(current)] })) continue;
    const ignored = ignoredFields(rules, {
      kind,
      key,
      id: entry.id,
      names: [nameOf(current), desiredName.get(ref)],
    });
    if (current === undefined) {
      // Whatever the state's fingerprint says, the document it names is gone.
      const note = change === undefined ? NOTE_DELETED_OUTSIDE_CONFIG_GONE : NOTE_DELETED_OUTSIDE;
      findings.push(finding({ class: 'missing_live', ...base, note }));
    } else if (entry.fingerprint === undefined) {
      // No baseline: only the config side can be judged.
      if (change !== undefined && change.action !== 'noop') {
        findings.push(
          finding({ class: 'pending', ...base, fields: updateFields(change), note: pendingNote(change) }),
        );
      } else {
        findings.push(finding({ class: 'unknown_baseline', ...base, note: NOTE_NO_FINGERPRINT }));
      }
    } else if (
      fingerprintDoc(current) !== entry.fingerprint &&
      (ignored.length === 0 || baselineFingerprint(current, ignored) !== entry.fingerprint)
    ) {
      // The plan's differences are live against the config: they show what an outside change
      // did to fields the config sets. A change to any other field shows nowhere in the plan.
      const fields = updateFields(change);
      const note =
        change?.action === 'delete'
          ? NOTE_OUTSIDE_CONFIG_GONE
          : fields === undefined
            ? NOTE_OUTSIDE_UNMANAGED_FIELDS
            : undefined;
      findings.push(finding({ class: 'changed_outside', ...base, fields, note }));
    } else if (change !== undefined && change.action !== 'noop') {
      findings.push(
        finding({ class: 'pending', ...base, fields: updateFields(change), note: pendingNote(change) }),
      );
    } else {
      verified++;
    }
  }

  // 2. Config resources the state does not record: kzops never applied them (or adopted them
  // by name without applying), so there is no baseline; the plan still says if apply would act.
  for (const change of plan.changes) {
    const ref = `${change.kind}/${change.key}`;
    if (seen.has(ref)) continue;
    seen.add(ref);
    if (change.kind === 'clusters') {
      cluster(change.key, change.id ?? change.key, change);
      continue;
    }
    const current = change.id === undefined ? undefined : live.get(change.kind)?.get(change.id);
    const base = {
      kind: change.kind,
      key: change.key,
      id: change.id,
      name: nameOf(current) ?? desiredName.get(ref),
    };
    if (change.action === 'noop') {
      findings.push(finding({ class: 'unknown_baseline', ...base, note: NOTE_NO_STATE_ENTRY }));
    } else {
      const note =
        change.action === 'create' ? NOTE_PENDING_CREATE : `${NOTE_NO_STATE_ENTRY}; ${pendingNote(change)}`;
      findings.push(finding({ class: 'pending', ...base, fields: updateFields(change), note }));
    }
  }

  // 3. Live documents nobody claims (unless the target says to leave them out).
  for (const u of policy === 'ignore' ? [] : plan.unmanaged) {
    findings.push(
      finding({ class: 'unmanaged', kind: u.kind, id: u.id, name: u.name, note: NOTE_UNMANAGED }),
    );
  }

  findings.sort(
    (a, b) =>
      DRIFT_CLASSES.indexOf(a.class) - DRIFT_CLASSES.indexOf(b.class) ||
      KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
      byText(a.key ?? a.id ?? '', b.key ?? b.id ?? ''),
  );
  const summary = Object.fromEntries(DRIFT_CLASSES.map((c) => [c, 0])) as Record<DriftClass, number>;
  for (const f of findings) summary[f.class]++;
  return {
    target: plan.target,
    inSync: !driftOutcome({ findings }, policy).drifted,
    findings,
    summary: { ...summary, verified },
    unmanagedPolicy: policy,
  };
}

// -------------------------------------------------------------------------------------------
// --json

/** A field as `--json` shows it: a sensitive one has no values, only whether it changes. */
export type DriftJsonField =
  { path: string; before?: unknown; after?: unknown } | { path: string; sensitive: true; changes: boolean };

export interface DriftJsonFinding extends Omit<DriftFinding, 'fields'> {
  fields?: DriftJsonField[];
}

/** What `kzops drift --json` prints (schemas/output/drift.schema.json). */
export interface DriftJson {
  target: string;
  in_sync: boolean;
  findings: DriftJsonFinding[];
  summary: Record<DriftClass, number> & { verified: number };
  /** How unmanaged documents were handled (see DriftReport.unmanagedPolicy). */
  unmanaged_policy?: UnmanagedPolicy;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function driftJson(report: DriftReport): DriftJson {
  return {
    target: report.target,
    in_sync: report.inSync,
    findings: report.findings.map((f) => {
      const { fields, ...rest } = f;
      if (fields === undefined) return { ...rest };
      return {
        ...rest,
        // A secret's value (or its fingerprint) never leaves kzops: only whether it changes.
        fields: fields.map((field) =>
          field.sensitive
            ? { path: field.path, sensitive: true as const, changes: !sameJson(field.before, field.after) }
            : { path: field.path, before: field.before, after: field.after },
        ),
      };
    }),
    summary: { ...report.summary },
    ...(report.unmanagedPolicy === undefined ? {} : { unmanaged_policy: report.unmanagedPolicy }),
  };
}
