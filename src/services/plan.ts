/**
 * `kzops plan` as a service: validate the config, read the target's state and live documents,
 * plan, and (with `out`) save the plan for a later apply. Also the plan's two serialised forms,
 * which apply shares: the `--json` document and the saved plan file.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../core/errors.js';
import { planFingerprint } from '../core/plan/fingerprint.js';
import { selectPlan } from '../core/plan/targeting.js';
import { applyGate } from '../core/policy/gate.js';
import type { TargetRules } from '../core/policy/rules.js';
import type { Plan, PlannedChange } from '../core/plan/types.js';
import { scrubValue } from '../core/secret-registry.js';
import type { ConfigFile, LoadedResource } from '../core/validate/index.js';
import { connect } from './connect.js';
import { loadValidConfig } from './load-config.js';
import { makePlan } from './make-plan.js';
import type { Ui } from './ui.js';

/** What `--json` prints (schemas/output/plan.schema.json): the plan without live fingerprints. */
export interface PlanJson extends Omit<Plan, 'changes' | 'targeting'> {
  /** planFingerprint(plan): what `kzops apply --expect-fingerprint` compares with. */
  fingerprint: string;
  changes: (Omit<PlannedChange, 'liveFingerprint' | 'fields' | 'includedAsDependency'> & {
    fields: PlanJsonField[];
    /** A targeted plan carries it only because these selected changes need it first. */
    included_as_dependency?: string[];
  })[];
  /** A targeted plan (`--only`/`--exclude`): what was asked, and the changes left out. */
  targeting?: { only: string[]; exclude: string[]; left_out: string[] };
  /** Why apply would refuse now (the target is frozen, or outside its change windows). */
  apply_refused_now?: string[];
}

/** A field as `--json` shows it: a sensitive one has no values, only whether it changes. */
export type PlanJsonField =
  { path: string; before: unknown; after: unknown } | { path: string; sensitive: true; changes: boolean };

/** What `--out FILE` writes: the plan as made, for `kzops apply` to check and carry out. */
export interface SavedPlan {
  version: 1;
  /** ISO 8601, UTC. */
  created: string;
  target: string;
  plan: Plan;
  /** sha256 (hex) of the config files the plan was made from (see configDigest). */
  configDigest: string;
}

/** sha256 over every config file's path and text, in path order: any edit changes it. */
export function configDigest(files: readonly ConfigFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${f.path}\0${f.text}\0`);
  }
  return hash.digest('hex');
}

/** The `--json` document: the plan minus live fingerprints (those belong to `--out`). */
export function planJson(plan: Plan): PlanJson {
  return {
    target: plan.target,
    fingerprint: planFingerprint(plan),
    changes: plan.changes.map((change) => ({
      kind: change.kind,
      key: change.key,
      ...(change.id === undefined ? {} : { id: change.id }),
      action: change.action,
      // An absent side (a create's before) is left out, as JSON has no undefined. A secret's
      // value (or its fingerprint) never leaves the planner: only whether it changes.
      fields: change.fields.map((f) =>
        f.sensitive
          ? { path: f.path, sensitive: true, changes: !sameJson(f.before, f.after) }
          : { path: f.path, before: f.before, after: f.after },
      ),
      notes: [...change.notes],
      protected: change.protected,
      ...(change.includedAsDependency === undefined
        ? {}
        : { included_as_dependency: [...change.includedAsDependency] }),
    })),
    unmanaged: plan.unmanaged.map((u) => ({ ...u })),
    summary: { ...plan.summary },
    ...(plan.targeting === undefined
      ? {}
      : {
          targeting: {
            only: [...plan.targeting.only],
            exclude: [...plan.targeting.exclude],
            left_out: plan.targeting.leftOut.map((c) => `${c.action} ${c.kind}/${c.key}`),
          },
        }),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Reads a plan saved by `kzops plan --out`; a file that is not one is a usage error. */
export async function readSavedPlan(path: string): Promise<SavedPlan> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`PLANFILE ${path}: ${(err as Error).message}`, {
      hint: 'pass a file written by kzops plan --out',
    });
  }
  const v = value as Partial<SavedPlan>;
  if (
    typeof v !== 'object' ||
    v === null ||
    v.version !== 1 ||
    typeof v.target !== 'string' ||
    typeof v.configDigest !== 'string' ||
    typeof v.plan !== 'object' ||
    !Array.isArray(v.plan.changes)
  ) {
    throw new UsageError(`PLANFILE ${path} is not a plan saved by kzops plan --out (version 1)`);
  }
  return v as SavedPlan;
}

/** Where the config is and which target to plan for: the inputs every reconciling service shares. */
export interface ReconcileOptions {
  /** The config directory; undefined means `config`. */
  dir?: string | undefined;
  /** The target's name; undefined means KZOPS_TARGET, else targets.yaml's default. */
  target?: string | undefined;
  /** Requests in flight at once. */
  concurrency: number;
  /**
   * The caller prints a JSON document as its result: the config's problems go to stderr. The
   * service's results are the same either way.
   */
  json?: boolean;
  /** The environment (targets' keys, secrets' variables); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** `--only REF…` and `--exclude REF…` (src/core/plan/targeting.ts): a targeted run. */
export interface TargetingOptions {
  only?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

export interface PlanOptions extends ReconcileOptions, TargetingOptions {
  /** Also save the plan (with live fingerprints, secrets scrubbed) as JSON to this file. */
  out?: string | undefined;
  /** The instant the change windows are judged at (default: now); for tests. */
  now?: Date | undefined;
}

/**
 * What `plan` says about the target's freeze and change windows: plan itself always runs, but
 * a reviewer should know that apply would refuse now (and that --emergency overrides).
 */
export function gateNotes(target: string, rules: TargetRules, now: Date): string[] {
  const gate = applyGate(target, rules, now);
  if (gate.allowed) return [];
  return gate.messages.map((m) => `${m}: kzops apply refuses now (apply --emergency "REASON" overrides)`);
}

export interface PlanRun {
  /** Why an apply would be refused now (frozen, outside the change windows); also printed as notes. */
  notes: string[];
  /** `changes` when the plan has a create, update, replace or delete. */
  outcome: 'ok' | 'changes';
  plan: Plan;
  /** planFingerprint(plan). */
  fingerprint: string;
  /** The resources of the config, as validated. */
  desired: LoadedResource[];
  /** What the target is, for headers of human output. */
  label: string;
  json: PlanJson;
}

export async function plan(opts: PlanOptions, ui: Ui): Promise<PlanRun> {
  const dir = opts.dir ?? 'config';
  const { files, result } = await loadValidConfig(dir, ui, { json: opts.json === true });
  const conn = await connect({
    dir: opts.dir,
    target: opts.target,
    concurrency: opts.concurrency,
    ...(opts.env === undefined ? {} : { env: opts.env }),
  });
  let made: Plan;
  try {
    const full = await makePlan(conn, result.resources, {
      concurrency: opts.concurrency,
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
    // Before the fingerprint and --out: both cover what the targeted plan does.
    made = selectPlan(
      { plan: full.plan, desired: result.resources, live: full.live },
      { only: opts.only, exclude: opts.exclude },
    );
  } finally {
    await conn.close();
  }
  const notes = gateNotes(conn.policy.name, conn.policy.rules, opts.now ?? new Date());
  for (const note of notes) ui.err(`note: ${note}`);
  if (opts.out !== undefined) {
    const saved: SavedPlan = {
      version: 1,
      created: new Date().toISOString(),
      target: conn.policy.name,
      plan: made,
      configDigest: configDigest(files),
    };
    try {
      // A secret value in any field (a live document may hold one) is saved as the marker.
      await writeFile(opts.out, JSON.stringify(scrubValue(saved), null, 2) + '\n');
    } catch (err) {
      throw new UsageError(`--out ${opts.out}: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    notes,
    outcome: made.changes.some((c) => c.action !== 'noop') ? 'changes' : 'ok',
    plan: made,
    fingerprint: planFingerprint(made),
    desired: result.resources,
    label: conn.label,
    json: { ...planJson(made), ...(notes.length > 0 ? { apply_refused_now: notes } : {}) },
  };
}
