/**
 * Targeted runs: `--only REF…` and `--exclude REF…` on plan, apply and drift, for incidents
 * (fix one SBC now, leave the rest). A REF is `<kind>/<key>`, the key a glob
 * (`carrier_sbcs/sprint-*`); it also matches by server id (`carrier_sbcs/3ed1…`), which is
 * all an unmanaged document has. Pure.
 *
 * Rules:
 * - selected: the changes an `--only` ref matches (every change without `--only`), less the
 *   ones an `--exclude` ref matches: exclude wins over only;
 * - what a selected change needs first comes along, marked `includedAsDependency`: the
 *   apply schedule of the full plan (schedule.ts) says what waits for what, so a new SBC
 *   brings the create of the new media server it points at, a delete brings the updates that
 *   stop others referring to it; transitively. A needed change that `--exclude` names is an
 *   error, not a silent omission: the selected change could not succeed without it;
 * - a ref that matches nothing (no change, no resource of the plan, no unmanaged document)
 *   is an error naming it, as is a ref that is not `<kind>/<key>`;
 * - unchanged resources (noops) stay in the plan (they cost nothing and carry ids); the
 *   changes left out are kept in `plan.targeting.leftOut`, so apply knows their ids.
 */
import { UsageError } from '../errors.js';
import { globMatch } from '../policy/glob.js';
import type { LoadedResource } from '../validate/types.js';
import type { LiveDoc } from './build-plan.js';
import { driftOutcome, type DriftFinding, type DriftReport } from './drift.js';
import { schedule } from './schedule.js';
import { KINDS, type Action, type Kind, type Plan, type PlannedChange, type PlanTargeting } from './types.js';

export interface TargetingFlags {
  only?: readonly string[] | undefined;
  exclude?: readonly string[] | undefined;
}

interface Ref {
  text: string;
  flag: '--only' | '--exclude';
  kind: Kind;
  pattern: string;
}

const REF_KEY = /^[A-Za-z0-9_*?-]+$/;

/** Refs as given on the command line, checked: `<kind>/<key glob>`. */
export function parseRefs(texts: readonly string[], flag: '--only' | '--exclude'): Ref[] {
  return texts.map((text) => {
    const slash = text.indexOf('/');
    const kind = text.slice(0, slash) as Kind;
    const pattern = text.slice(slash + 1);
    if (slash < 0 || !KINDS.includes(kind) || !REF_KEY.test(pattern)) {
      throw new UsageError(`${flag} ${text}: not a resource reference`, {
        hint: `write <kind>/<key>, the kind one of ${KINDS.join(', ')} and the key a config file name (globs * and ? allowed), e.g. carrier_sbcs/sprint-*`,
      });
    }
    return { text, flag, kind, pattern };
  });
}

function refMatches(ref: Ref, kind: Kind, key: string | undefined, id: string | undefined): boolean {
  if (ref.kind !== kind) return false;
  return (
    (key !== undefined && globMatch(ref.pattern, key)) || (id !== undefined && globMatch(ref.pattern, id))
  );
}

const refOf = (c: { kind: Kind; key: string }) => `${c.kind}/${c.key}`;

function targetingOf(flags: TargetingFlags): { only: Ref[]; exclude: Ref[] } {
  return {
    only: parseRefs(flags.only ?? [], '--only'),
    exclude: parseRefs(flags.exclude ?? [], '--exclude'),
  };
}

/** Whether any targeting was asked for. */
export function isTargeted(flags: TargetingFlags): boolean {
  return (flags.only?.length ?? 0) + (flags.exclude?.length ?? 0) > 0;
}

function unmatched(refs: readonly Ref[], plan: Plan): Ref[] {
  return refs.filter(
    (r) =>
      !plan.changes.some((c) => refMatches(r, c.kind, c.key, c.id)) &&
      !plan.unmanaged.some((u) => refMatches(r, u.kind, undefined, u.id)),
  );
}

function refuseUnmatched(refs: readonly Ref[]): void {
  if (refs.length === 0) return;
  const [first] = refs;
  const list = refs.map((r) => `${r.flag} ${r.text}`).join(', ');
  throw new UsageError(`${list}: matches no resource of the plan`, {
    hint: `a REF names a config file (<kind>/<key>, globs allowed) or a live id; check the spelling${first ? ` of ${first.text}` : ''}`,
  });
}

export interface SelectInput {
  /** The full plan (buildPlan's), never a targeted one. */
  plan: Plan;
  /** What the plan was made from (for the apply schedule that says what needs what). */
  desired: readonly LoadedResource[];
  live: readonly LiveDoc[];
}

/**
 * The plan restricted to `--only`/`--exclude`, with what the selected changes need first;
 * the plan itself when no targeting is asked for. Throws UsageError for a ref that is
 * malformed or matches nothing, or when a selected change needs one that `--exclude` names.
 */
export function selectPlan(input: SelectInput, flags: TargetingFlags): Plan {
  if (!isTargeted(flags)) return input.plan;
  const { plan } = input;
  const { only, exclude } = targetingOf(flags);
  refuseUnmatched(unmatched([...only, ...exclude], plan));

  const excluded = (c: PlannedChange) => exclude.some((r) => refMatches(r, c.kind, c.key, c.id));
  const acting = plan.changes.filter((c) => c.action !== 'noop');
  const selected = new Set(
    acting
      .filter(
        (c) => (only.length === 0 || only.some((r) => refMatches(r, c.kind, c.key, c.id))) && !excluded(c),
      )
      .map(refOf),
  );

  // What waits for what, from the schedule apply would run for the whole plan.
  const { steps } = schedule({ plan, desired: input.desired, live: input.live });
  const stepsOf = new Map<string, number[]>();
  for (const s of steps) {
    const ref = refOf(s.change);
    stepsOf.set(ref, [...(stepsOf.get(ref) ?? []), s.n]);
  }
  const byRef = new Map(plan.changes.map((c) => [refOf(c), c]));
  const neededBy = new Map<string, Set<string>>();
  const queue = [...selected].map((ref) => ({ ref, root: ref }));
  const visited = new Set<string>();
  while (queue.length > 0) {
    const { ref, root } = queue.shift() as { ref: string; root: string };
    if (visited.has(`${root}\0${ref}`)) continue;
    visited.add(`${root}\0${ref}`);
    for (const n of stepsOf.get(ref) ?? []) {
      for (const d of steps[n]?.deps ?? []) {
        const dep = steps[d]?.change;
        if (dep === undefined) continue;
        const depRef = refOf(dep);
        if (depRef === ref || selected.has(depRef)) continue;
        const change = byRef.get(depRef);
        if (change === undefined || change.action === 'noop') continue;
        if (excluded(change)) {
          throw new UsageError(`${root} needs ${change.action} ${depRef} first, which --exclude leaves out`, {
            hint: `leave ${depRef} out of --exclude, or leave ${root} out of the run too`,
          });
        }
        const needers = neededBy.get(depRef) ?? new Set<string>();
        needers.add(root);
        neededBy.set(depRef, needers);
        queue.push({ ref: depRef, root });
      }
    }
  }

  const changes: PlannedChange[] = [];
  const leftOut: PlannedChange[] = [];
  for (const c of plan.changes) {
    const ref = refOf(c);
    const needers = neededBy.get(ref);
    if (c.action === 'noop' || selected.has(ref)) changes.push(c);
    else if (needers !== undefined) changes.push({ ...c, includedAsDependency: [...needers].sort() });
    else leftOut.push(c);
  }
  const summary: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  const targeting: PlanTargeting = {
    only: only.map((r) => r.text),
    exclude: exclude.map((r) => r.text),
    leftOut,
  };
  const unmanaged = plan.unmanaged.filter(
    (u) =>
      (only.length === 0 || only.some((r) => refMatches(r, u.kind, undefined, u.id))) &&
      !exclude.some((r) => refMatches(r, u.kind, undefined, u.id)),
  );
  return { ...plan, changes, unmanaged, summary, targeting };
}

/**
 * Every id a (possibly targeted) plan knows, by `<kind>/<key>`: its changes' and the ones it
 * left out. Apply resolves references with these, so a selected change may refer to a
 * resource whose own change was left out.
 */
export function knownIds(plan: Plan): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of [...(plan.targeting?.leftOut ?? []), ...plan.changes]) {
    if (c.id !== undefined) ids.set(refOf(c), c.id);
  }
  return ids;
}

/**
 * A drift report restricted to `--only`/`--exclude` (findings matched by `<kind>/<key>` or by
 * id; summary recounted). `plan` is the full plan the report was made from, so a ref naming
 * a resource that is simply in sync is not an error.
 */
export function selectDrift(report: DriftReport, plan: Plan, flags: TargetingFlags): DriftReport {
  if (!isTargeted(flags)) return report;
  const { only, exclude } = targetingOf(flags);
  const matchesFinding = (r: Ref, f: DriftFinding) => refMatches(r, f.kind, f.key, f.id);
  refuseUnmatched(
    unmatched([...only, ...exclude], plan).filter((r) => !report.findings.some((f) => matchesFinding(r, f))),
  );
  const findings = report.findings.filter(
    (f) =>
      (only.length === 0 || only.some((r) => matchesFinding(r, f))) &&
      !exclude.some((r) => matchesFinding(r, f)),
  );
  const summary = { ...report.summary };
  for (const cls of Object.keys(summary) as (keyof typeof summary)[]) {
    if (cls !== 'verified') summary[cls] = findings.filter((f) => f.class === cls).length;
  }
  const { drifted } = driftOutcome({ findings, unmanagedPolicy: report.unmanagedPolicy });
  // `verified` stays the whole target's: the report does not say which resources it counted.
  return { ...report, findings, summary, inSync: !drifted };
}
