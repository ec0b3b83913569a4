/**
 * The order of an apply: a pure function from a plan (and the documents it was made from) to
 * the steps that carry it out, each with the steps it must wait for. No I/O; the executor
 * (src/reconcile/apply.ts) runs the steps, as many at once as the dependencies allow.
 *
 * The graph. Carrier SBCs point at a media server (`mobile_media_server`) and media servers
 * point at SBCs (`carrier_sbc_priority`), so both can be new at once and need each other's
 * ids. The cycle is broken on the media server's side, always the same way:
 * - a new media server is created without the priority entries that name SBCs still to be
 *   created, and a `link` step patches its whole `carrier_sbc_priority` in once they exist;
 * - a new SBC waits for the creation of its media server;
 * - an update waits for the creation of anything it newly refers to.
 * Deletes run the other way round: every live document that refers to the one going away
 * must stop doing so first, by its own update, its own delete or, for a media server that is
 * itself being deleted, an `unlink` step that takes the dying SBCs out of its priority lists.
 * A referrer that stays as it is (unchanged, or not managed by kzops) blocks the delete: the
 * step is marked blocked and the executor fails it without a request.
 *
 * Bodies stay in config form (references as keys) until the executor resolves them with the
 * ids known at that moment; a reference that is still unresolved then is a bug in this file.
 */
import type { LoadedResource } from '../validate/types.js';
import { diffDocument } from './diff.js';
import { isRefPlaceholder, resolveReferences, rulesFor, type LiveDoc } from './build-plan.js';
import type { Kind, Plan, PlannedChange } from './types.js';
import { isRecord } from '../json.js';
import { isRoutingKind, referencesIn, type RoutingKind } from '../model/kinds.js';

export type StepOp = 'create' | 'update' | 'link' | 'unlink' | 'delete';

export interface Step {
  /** Index in `Schedule.steps`. */
  n: number;
  op: StepOp;
  kind: Kind;
  key: string;
  /** The server id, known for everything but the create of an SBC or a media server. */
  id?: string;
  /**
   * create/update/link: the body in config form (references as keys), resolved by the
   * executor. unlink: the patch body, ids already. delete: none.
   */
  body?: Record<string, unknown>;
  /** Steps (by `n`) that must have succeeded first. */
  deps: number[];
  /** Why this step cannot succeed (a referrer that stays); the executor fails it unsent. */
  blocked?: string;
  /** The plan entry this step carries out. */
  change: PlannedChange;
}

export interface Schedule {
  steps: Step[];
}

export interface ScheduleInput {
  plan: Plan;
  desired: readonly LoadedResource[];
  live: readonly LiveDoc[];
}

/** `carrier_sbc_priority` as `{carrier: [ref, ...]}`, or {} when absent or malformed. */
function priorities(doc: Record<string, unknown>): Record<string, unknown[]> {
  const value = doc.carrier_sbc_priority;
  if (!isRecord(value)) return {};
  const out: Record<string, unknown[]> = {};
  for (const [carrier, list] of Object.entries(value)) if (Array.isArray(list)) out[carrier] = list;
  return out;
}

/** The ids a live document refers to, by the kind they are. */
function liveRefs(kind: Kind, doc: Record<string, unknown>): { kind: RoutingKind; id: string }[] {
  return referencesIn(kind, doc).flatMap(({ value, to }) =>
    typeof value === 'string' && isRoutingKind(to) ? [{ kind: to, id: value }] : [],
  );
}

/** `patch` merged into `base` as a recursive PATCH does: mappings merge, anything else replaces. */
function mergeRecursive(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const old = out[k];
    out[k] = isRecord(old) && isRecord(v) ? mergeRecursive(old, v) : v;
  }
  return out;
}

/** The config keys a desired document refers to that have no id yet (placeholders). */
function pendingRefs(
  kind: Kind,
  doc: Record<string, unknown>,
  idOf: (kind: Kind, key: string) => string | undefined,
): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (isRefPlaceholder(value)) out.add(value.ref);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (isRecord(value)) Object.values(value).forEach(walk);
  };
  walk(resolveReferences(kind, doc, idOf));
  return out;
}

/** The top-level keys whose value differs from live: what an update's PATCH carries. */
function changedTopLevel(
  kind: RoutingKind,
  resolved: Record<string, unknown>,
  live: Record<string, unknown>,
) {
  const keys = new Set<string | number>();
  for (const change of diffDocument(resolved, live, rulesFor(kind))) {
    const [first] = change.segments;
    if (first !== undefined) keys.add(first);
  }
  return [...keys].map(String);
}

export function schedule(input: ScheduleInput): Schedule {
  const steps: Step[] = [];
  const add = (step: Omit<Step, 'n'>): Step => {
    const full: Step = { ...step, n: steps.length };
    steps.push(full);
    return full;
  };

  const desiredByRef = new Map(input.desired.map((r) => [`${r.kind}/${r.key}`, r]));
  const changeByRef = new Map(input.plan.changes.map((c) => [`${c.kind}/${c.key}`, c]));
  const liveByRef = new Map(input.live.map((d) => [`${d.kind}/${d.id}`, d.doc]));
  // Ids as the plan knows them (creates of server-assigned kinds have none yet), including
  // those of changes a targeted plan left out (targeting.ts): a selected change may refer to them.
  const leftOutIds = new Map(
    (input.plan.targeting?.leftOut ?? []).map((c) => [`${c.kind}/${c.key}`, c.id] as const),
  );
  const idOf = (kind: Kind, key: string) =>
    changeByRef.get(`${kind}/${key}`)?.id ?? leftOutIds.get(`${kind}/${key}`);
  const isNew = (ref: string) => changeByRef.get(ref)?.action === 'create';

  // Creates first, so updates and links can wait for them.
  const createStep = new Map<string, Step>();
  for (const change of input.plan.changes) {
    if (change.action !== 'create' && change.action !== 'replace') continue;
    const ref = `${change.kind}/${change.key}`;
    const resource = desiredByRef.get(ref);
    if (!resource) continue;
    let body = resource.doc;
    if (change.kind === 'media_servers') {
      // Break the cycle: leave out the priority entries that name SBCs still to be created.
      const pri = priorities(body);
      const kept = Object.fromEntries(
        Object.entries(pri).map(([carrier, list]) => [
          carrier,
          list.filter((v) => !(typeof v === 'string' && !v.startsWith('id:') && isNew(`carrier_sbcs/${v}`))),
        ]),
      );
      if (Object.keys(pri).length > 0) body = { ...body, carrier_sbc_priority: kept };
    }
    const deps: number[] = [];
    if (change.action === 'replace') {
      // Cluster documents have no update: delete, then create again.
      deps.push(add({ op: 'delete', kind: change.kind, key: change.key, id: change.id, deps: [], change }).n);
    }
    const step = add({
      op: 'create',
      kind: change.kind,
      key: change.key,
      ...(change.id === undefined ? {} : { id: change.id }),
      body,
      deps,
      change,
    });
    createStep.set(ref, step);
  }
  // A create waits for the creates of what it refers to (SBC → media server only: see above).
  for (const step of createStep.values()) {
    if (!step.body) continue;
    for (const ref of pendingRefs(step.kind, step.body, idOf)) {
      const dep = createStep.get(ref);
      if (dep) step.deps.push(dep.n);
    }
  }
  // Links: a new media server's full priority lists, once the SBCs they name exist.
  for (const [ref, create] of createStep) {
    if (create.kind !== 'media_servers') continue;
    const resource = desiredByRef.get(ref);
    if (!resource || !('carrier_sbc_priority' in resource.doc)) continue;
    const waits = [...pendingRefs('media_servers', resource.doc, idOf)]
      .map((r) => createStep.get(r)?.n)
      .filter((n): n is number => n !== undefined);
    if (waits.length === 0) continue;
    add({
      op: 'link',
      kind: 'media_servers',
      key: create.key,
      body: { carrier_sbc_priority: resource.doc.carrier_sbc_priority },
      deps: [create.n, ...waits],
      change: create.change,
    });
  }

  // Updates: the changed top-level fields, after the creates they refer to.
  const updateById = new Map<string, Step>();
  for (const change of input.plan.changes) {
    if (change.action !== 'update' || change.kind === 'clusters' || change.id === undefined) continue;
    const ref = `${change.kind}/${change.key}`;
    const resource = desiredByRef.get(ref);
    const live = liveByRef.get(`${change.kind}/${change.id}`);
    if (!resource || !live) continue;
    const resolved = resolveReferences(change.kind, resource.doc, idOf);
    const keys = changedTopLevel(change.kind, resolved, live);
    if (keys.length === 0) continue;
    const body = Object.fromEntries(keys.filter((k) => k in resource.doc).map((k) => [k, resource.doc[k]]));
    const deps = [...pendingRefs(change.kind, body, idOf)]
      .map((r) => createStep.get(r)?.n)
      .filter((n): n is number => n !== undefined);
    const step = add({ op: 'update', kind: change.kind, key: change.key, id: change.id, body, deps, change });
    updateById.set(`${change.kind}/${change.id}`, step);
  }

  // Deletes, after every referrer has let go.
  const deletes = input.plan.changes.filter((c) => c.action === 'delete' && c.id !== undefined);
  const deleteById = new Map<string, Step>();
  for (const change of deletes) {
    deleteById.set(
      `${change.kind}/${change.id ?? ''}`,
      add({ op: 'delete', kind: change.kind, key: change.key, id: change.id, deps: [], change }),
    );
  }
  const keyOfId = new Map(
    input.plan.changes.filter((c) => c.id).map((c) => [`${c.kind}/${c.id ?? ''}`, c.key]),
  );
  const unlinkStep = new Map<string, Step>();
  // Who refers to what, live: indexed once rather than scanned per delete.
  const referrers = new Map<string, LiveDoc[]>();
  for (const d of input.live) {
    if (d.kind === 'clusters') continue;
    for (const r of new Set(liveRefs(d.kind, d.doc).map((x) => `${x.kind}/${x.id}`))) {
      const list = referrers.get(r);
      if (list) list.push(d);
      else referrers.set(r, [d]);
    }
  }
  for (const [targetRef, del] of deleteById) {
    if (del.kind === 'clusters') continue;
    for (const d of referrers.get(targetRef) ?? []) {
      const referrer = `${d.kind}/${d.id}`;
      const shown = keyOfId.has(referrer) ? `${d.kind}/${keyOfId.get(referrer) ?? ''}` : `${d.kind} ${d.id}`;
      const update = updateById.get(referrer);
      const dying = deleteById.get(referrer);
      if (update) {
        // The server merges a routing PATCH recursively: what the config does not mention stays.
        const after = mergeRecursive(d.doc, resolveReferences(update.kind, update.body ?? {}, idOf));
        if (liveRefs(update.kind, after).some((r) => `${r.kind}/${r.id}` === targetRef)) {
          del.blocked ??= `still referenced by ${shown} after its update (kzops leaves what the config does not mention as it is: write the field in full)`;
        } else {
          del.deps.push(update.n);
        }
      } else if (dying && d.kind === 'media_servers') {
        // A media server that goes too: take the dying SBC out of its lists first (no cycle).
        let unlink = unlinkStep.get(referrer);
        if (!unlink) {
          const pri = priorities(d.doc);
          const body = {
            carrier_sbc_priority: Object.fromEntries(
              Object.entries(pri).map(([carrier, list]) => [
                carrier,
                list.filter((id) => !(typeof id === 'string' && deleteById.has(`carrier_sbcs/${id}`))),
              ]),
            ),
          };
          unlink = add({
            op: 'unlink',
            kind: 'media_servers',
            key: dying.key,
            id: d.id,
            body,
            deps: [],
            change: dying.change,
          });
          unlinkStep.set(referrer, unlink);
          dying.deps.push(unlink.n);
        }
        del.deps.push(unlink.n);
      } else if (dying) {
        del.deps.push(dying.n);
      } else {
        del.blocked ??= `still referenced by ${shown}, which stays`;
      }
    }
  }

  for (const step of steps) step.deps = [...new Set(step.deps)].sort((a, b) => a - b);
  assertAcyclic(steps);
  return { steps };
}

/** The graph above is acyclic by construction; this says so loudly if a change breaks that. */
function assertAcyclic(steps: readonly Step[]): void {
  const state = new Array<0 | 1 | 2>(steps.length).fill(0);
  const visit = (n: number): void => {
    if (state[n] === 2) return;
    if (state[n] === 1) throw new Error(`apply schedule has a cycle through step ${n}`);
    state[n] = 1;
    for (const d of steps[n]?.deps ?? []) visit(d);
    state[n] = 2;
  };
  for (const s of steps) visit(s.n);
}
