/**
 * The executor of `kzops apply`: runs a schedule (src/core/plan/schedule.ts) against the
 * server, as many steps at once as the dependencies and `concurrency` allow, then reads back
 * what it changed and works out the new state file.
 *
 * Failure is local. A failed step fails only itself; the steps that depend on it are skipped
 * (with the reason); everything independent goes on. The state records exactly what was
 * done, so a second apply plans only what is left.
 *
 * Lost responses. A create whose response was lost (OutcomeUnknownError) may or may not have
 * happened. Before calling it failed, the executor looks: a customer cluster or cluster
 * document by its id, an SBC or media server by its name among the documents nobody claims.
 * Found: adopted, and the run goes on. Not found: failed, and the next plan (which adopts by
 * name before it creates) cannot make a duplicate either.
 *
 * Read-back. After the steps, every document kzops created or changed is read again and
 * compared with the config by the planner's own differ. A field that does not read back as
 * written is reported by path with both values: the plan would otherwise flap on it forever.
 */
import { randomBytes } from 'node:crypto';
import type { KazooClient } from '../api/client.js';
import { KazooApiError, KazooAuthError, OutcomeUnknownError } from '../api/errors.js';
import { InterruptedError, KzopsError } from '../core/errors.js';
import {
  clusterFingerprint,
  baselineFingerprint,
  isRefPlaceholder,
  normalName,
  resolveReferences,
  rulesFor,
  secretFingerprint,
  secretFields,
  type LiveDoc,
} from '../core/plan/build-plan.js';
import { diffDocument } from '../core/plan/diff.js';
import { schedule, type Step, type StepOp } from '../core/plan/schedule.js';
import { knownIds } from '../core/plan/targeting.js';
import { ignoredFields } from '../core/policy/ignore.js';
import type { IgnoreRule } from '../core/policy/rules.js';
import type { Kind, Plan, TargetState } from '../core/plan/types.js';
import { isServerAssigned, type RoutingKind } from '../core/model/kinds.js';
import type { Divergence, StepReport } from '../core/plan/apply-types.js';
import { isSecretField, type LoadedResource } from '../core/validate/index.js';
import { Limit } from '../core/limit.js';

// The result types are plain data that renderers read too: they live in core.
export type { Divergence, StepReport, StepStatus } from '../core/plan/apply-types.js';

export interface ApplyInput {
  client: KazooClient;
  plan: Plan;
  /** The state the plan returned (the file's, plus adoptions by name). Not modified. */
  state: TargetState;
  desired: readonly LoadedResource[];
  live: readonly LiveDoc[];
  /** Secret values by `<kind>/<key>` then field path (see resolveSecrets in make-plan.ts). */
  secrets: Record<string, Record<string, string>>;
  /** Steps in flight at once. */
  concurrency: number;
  /** Called as each step ends, in completion order (progress output). */
  onStep?: (report: StepReport) => void;
  /** Aborted: start no further step (steps in flight finish); read-backs are skipped. */
  signal?: AbortSignal;
  /**
   * Called with the state as it stands after steps end (at most every `progressMs`), so a
   * caller can write it while the run goes on: a run that is stopped still records its work.
   */
  onProgress?: (state: TargetState) => void;
  /** Default 1000. */
  progressMs?: number;
  /**
   * The target's `ignore` rules, as given to buildPlan: the state records a document's
   * fingerprint without the fields they leave to another system.
   */
  ignore?: readonly IgnoreRule[] | undefined;
}

export interface ApplyResult {
  steps: StepReport[];
  divergences: Divergence[];
  /** The state to write: ids of what exists now, fingerprints of what was last applied. */
  state: TargetState;
  /**
   * The run stopped early: the target stopped accepting kzops's credentials. Steps not yet
   * begun were skipped; the state holds only what was done.
   */
  halted?: KazooAuthError;
  /** The run was stopped (`signal`): steps not begun were skipped. */
  interrupted?: boolean;
}

/** `fn`'s result; a thrown error as a failed outcome with its one-line summary. */
function describe(err: unknown): string {
  if (err instanceof KzopsError) return err.summary();
  return err instanceof Error ? err.message : String(err);
}

/** The first `{ref}` placeholder left in a body, if any. */
function placeholderIn(value: unknown): string | undefined {
  if (isRefPlaceholder(value)) return value.ref;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const v of Object.values(value)) {
    const found = placeholderIn(v);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A step failed, with a reason for the report. */
class StepFailure extends Error {}

export async function applyPlan(input: ApplyInput): Promise<ApplyResult> {
  const { client } = input;
  const { steps } = schedule({ plan: input.plan, desired: input.desired, live: input.live });
  const desiredByRef = new Map(input.desired.map((r) => [`${r.kind}/${r.key}`, r]));

  // Ids known now: the plan's, then each create's as it happens.
  // A targeted plan also knows the ids of the changes it left out: a selected change may refer to them.
  const ids = knownIds(input.plan);
  const idOf = (kind: Kind, key: string) => ids.get(`${kind}/${key}`);
  // Ids some resource already owns: never adopted for another after a lost response.
  const claimed = new Set<string>([
    ...Object.entries(input.state.resources).map(([ref, e]) => `${ref.split('/')[0] ?? ''}/${e.id}`),
    ...input.plan.changes.filter((c) => c.id !== undefined).map((c) => `${c.kind}/${c.id ?? ''}`),
  ]);
  const secretValues = Object.values(input.secrets).flatMap((m) => Object.values(m));
  const scrub = (text: string) =>
    secretValues.reduce((t, s) => (s.length >= 4 ? t.split(s).join('(sensitive)') : t), text);

  // Once the credentials are refused, no further request can succeed: stop starting steps.
  let halted: KazooAuthError | undefined;

  const reports = new Array<StepReport | undefined>(steps.length);
  // One settled-later promise per step, made before any step starts: a step may wait for a
  // step with a higher number (a delete waits for an unlink scheduled after it).
  const settle = new Array<(report: StepReport) => void>(steps.length);
  const finished = steps.map((step) => new Promise<StepReport>((resolve) => (settle[step.n] = resolve)));
  const slots = new Limit(input.concurrency);

  const resolveBody = (step: Step): Record<string, unknown> => {
    const body = resolveReferences(step.kind, step.body ?? {}, idOf);
    const pending = placeholderIn(body);
    if (pending !== undefined)
      throw new StepFailure(`internal: the reference to ${pending} is still unresolved`);
    return body;
  };

  const runStep = async (step: Step): Promise<StepReport> => {
    const base = {
      n: step.n,
      op: step.op,
      kind: step.kind,
      key: step.key,
      ...(step.id === undefined ? {} : { id: step.id }),
    };
    const depReports = await Promise.all(step.deps.map((d) => finished[d] as Promise<StepReport>));
    const failedDep = depReports.find((r) => r.status !== 'done');
    if (failedDep) {
      return {
        ...base,
        status: 'skipped',
        reason: `needs ${failedDep.op} ${failedDep.kind}/${failedDep.key}, which ${failedDep.status === 'failed' ? 'failed' : 'was skipped'}`,
      };
    }
    if (step.blocked !== undefined) return { ...base, status: 'failed', reason: step.blocked };
    const notStarted = (): StepReport => ({
      ...base,
      status: 'skipped',
      reason: `not started: ${halted?.summary() ?? 'the run was interrupted'}`,
    });
    if (halted || input.signal?.aborted) return notStarted();
    if ((step.op === 'delete' || step.change.action === 'replace') && step.change.protected) {
      // The command refuses such a plan before anything is sent; this is the last guard.
      return { ...base, status: 'failed', reason: 'protected: kzops never deletes or replaces it' };
    }
    return slots.run(async () => {
      if (halted || input.signal?.aborted) return notStarted();
      try {
        const note = await perform(step);
        const id = ids.get(`${step.kind}/${step.key}`) ?? step.id;
        return {
          ...base,
          ...(id === undefined ? {} : { id }),
          status: 'done' as const,
          ...(note ? { note } : {}),
        };
      } catch (err) {
        if (err instanceof KazooAuthError) halted ??= err;
        if (err instanceof InterruptedError) {
          // The client refused to send it: the run is stopping. Nothing happened, nothing failed.
          return { ...base, status: 'skipped' as const, reason: 'not sent: the run was interrupted' };
        }
        return { ...base, status: 'failed' as const, reason: scrub(describe(err)) };
      }
    });
  };

  /** One request (or a few, for a lost response or a cluster replace); returns a note or nothing. */
  const perform = async (step: Step): Promise<string | undefined> => {
    const ref = `${step.kind}/${step.key}`;
    if (step.kind === 'clusters') return performCluster(step);
    const api = client.routing(step.kind);
    switch (step.op) {
      case 'create': {
        const body = resolveBody(step);
        try {
          // Bodies are config documents checked by validation, not by the client's static types.
          const { data } = await api.create(step.key, body as never);
          const id = isServerAssigned(step.kind) ? (data as { id?: unknown }).id : step.key;
          if (typeof id !== 'string' || id === '')
            throw new StepFailure('the server answered a create without an id');
          ids.set(ref, id);
          claimed.add(`${step.kind}/${id}`);
          return undefined;
        } catch (err) {
          // A create with a client-chosen id is retried like any idempotent request; a
          // 409 after an attempt that may have been applied is the same lost response.
          const lost =
            err instanceof OutcomeUnknownError ||
            (err instanceof KazooApiError && err.status === 409 && err.earlierAttemptMayHaveApplied);
          if (!lost) throw err;
          let found: string | undefined;
          try {
            found = await findLostCreate(step, body);
          } catch (lookup) {
            if (!(lookup instanceof InterruptedError)) throw lookup;
            // Not "not sent": the create was sent, and its outcome is unknown.
            throw new StepFailure(
              `${describe(err)}; the run stopped before it could look for the document (the next plan adopts it by name if it exists)`,
            );
          }
          if (found === undefined) {
            throw new StepFailure(
              `${describe(err)}; no document that could be it was found, so none was adopted (the next plan adopts it by name if it appears)`,
            );
          }
          ids.set(ref, found);
          claimed.add(`${step.kind}/${found}`);
          return `the response was lost; found it as ${found} and adopted it`;
        }
      }
      case 'update':
      case 'link':
      case 'unlink': {
        const id = step.id ?? idOf(step.kind, step.key);
        if (id === undefined) throw new StepFailure('internal: no id to patch');
        const body = step.op === 'unlink' ? (step.body ?? {}) : resolveBody(step);
        await api.patch(id, body);
        return undefined;
      }
      case 'delete': {
        if (step.id === undefined) throw new StepFailure('internal: no id to delete');
        try {
          await api.delete(step.id);
        } catch (err) {
          if (err instanceof KazooApiError && err.status === 404) return 'already gone';
          throw err;
        }
        return undefined;
      }
    }
  };

  const findLostCreate = async (step: Step, body: Record<string, unknown>): Promise<string | undefined> => {
    const api = client.routing(step.kind as RoutingKind);
    let id: string | undefined;
    if (!isServerAssigned(step.kind)) {
      id = step.key;
    } else {
      const name = normalName(body.name);
      if (name === undefined) return undefined;
      const { data } = await api.list();
      const matches = data.filter((d) => normalName(d.name) === name && !claimed.has(`${step.kind}/${d.id}`));
      id = matches.length === 1 ? matches[0]?.id : undefined;
    }
    if (id === undefined) return undefined;
    // Read it back and compare: only a document that holds what was sent is this create's own.
    let doc: Record<string, unknown>;
    try {
      ({ data: doc } = await api.get(id));
    } catch (err) {
      if (err instanceof KazooApiError && err.status === 404) return undefined;
      throw err;
    }
    const differences = diffDocument(body, doc, rulesFor(step.kind));
    if (differences.length > 0) {
      throw new StepFailure(
        `the create's answer was lost, and ${step.kind}/${id} exists but differs from what was sent ` +
          `(${differences.map((d) => d.path).join(', ')}): not adopted; the next plan shows it`,
      );
    }
    return id;
  };

  const clusterBody = (step: Step): Record<string, unknown> => {
    const ref = `${step.kind}/${step.key}`;
    const doc = desiredByRef.get(ref)?.doc ?? {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) {
      if (isSecretField(k) && typeof v === 'object' && v !== null) {
        const value = input.secrets[ref]?.[k];
        if (value === undefined) throw new StepFailure(`${k}: the secret's value is not available`);
        out[k] = value;
      } else {
        out[k] = v;
      }
    }
    return out;
  };

  const performCluster = async (step: Step): Promise<string | undefined> => {
    if (step.op === 'delete') {
      try {
        await client.deleteCluster(step.key);
      } catch (err) {
        if (err instanceof KazooApiError && err.status === 404) return 'already gone';
        throw err;
      }
      return undefined;
    }
    const body = clusterBody(step);
    try {
      await client.createCluster(step.key, body as never);
      return undefined;
    } catch (err) {
      // No state entry, yet the server has one: cluster documents cannot be read, so the
      // only way to make it match the config is to write it again. The plan said so.
      if (!(err instanceof KazooApiError && err.status === 409) || step.change.action !== 'create') throw err;
      if (err.earlierAttemptMayHaveApplied) {
        // Our own first attempt was saved and its answer lost (a 503 or a cut connection);
        // the retry met it. Cluster documents cannot be read back to compare.
        return 'the first answer was lost; the retry found the document saved (409), so it is this create';
      }
      if (step.change.protected) throw new StepFailure('exists already and is protected: not replaced');
      await client.deleteCluster(step.key);
      await client.createCluster(step.key, body as never);
      return 'a document with this id existed (kzops had no record of it): replaced it';
    }
  };

  // Read-back: each routing document is read again as soon as its own steps are over (not
  // after the whole run), so the reads overlap with the writes still going on.
  const divergences: Divergence[] = [];
  const readBack = new Map<string, Record<string, unknown>>();
  const stepsByRef = new Map<string, Step[]>();
  for (const st of steps) {
    const list = stepsByRef.get(`${st.kind}/${st.key}`);
    if (list) list.push(st);
    else stepsByRef.set(`${st.kind}/${st.key}`, [st]);
  }
  const remaining = new Map([...stepsByRef].map(([ref, list]) => [ref, list.length]));
  const readBacks: Promise<void>[] = [];

  const readBackOne = async (kind: RoutingKind, key: string, id: string): Promise<void> => {
    const ref = `${kind}/${key}`;
    let doc: Record<string, unknown>;
    try {
      ({ data: doc } = await client.routing(kind).get(id));
    } catch (err) {
      divergences.push({ kind, key, id, path: '(document)', written: 'written', read: scrub(describe(err)) });
      return;
    }
    readBack.set(ref, doc);
    const desired = desiredByRef.get(ref);
    if (!desired) return;
    // All of the resource's steps done: it must read back as the config says. Otherwise
    // (a link skipped after its SBC failed) only what was actually written is checked.
    const own = stepsByRef.get(ref) ?? [];
    const complete = own.every((st) => reports[st.n]?.status === 'done');
    const expected = complete
      ? desired.doc
      : own
          .filter((st) => reports[st.n]?.status === 'done')
          .reduce<Record<string, unknown>>((acc, st) => ({ ...acc, ...st.body }), {});
    for (const change of diffDocument(resolveReferences(kind, expected, idOf), doc, rulesFor(kind))) {
      divergences.push({ kind, key, id, path: change.path, written: change.after, read: change.before });
    }
  };

  /** A step is over: when it was the resource's last, read the resource back if it was written. */
  const stepOver = (step: Step): void => {
    const ref = `${step.kind}/${step.key}`;
    const left = (remaining.get(ref) ?? 1) - 1;
    remaining.set(ref, left);
    if (left > 0 || step.kind === 'clusters') return;
    const wrote = (stepsByRef.get(ref) ?? []).some(
      (st) => st.op !== 'delete' && st.op !== 'unlink' && reports[st.n]?.status === 'done',
    );
    const id = ids.get(ref);
    if (!wrote || id === undefined || halted || input.signal?.aborted) return;
    const kind = step.kind;
    readBacks.push(slots.run(() => readBackOne(kind, step.key, id)));
  };

  const progressMs = input.progressMs ?? 1000;
  let lastProgress = performance.now();
  const progress = (): void => {
    if (input.onProgress === undefined || performance.now() - lastProgress < progressMs) return;
    lastProgress = performance.now();
    const sofar = reports.filter((r): r is StepReport => r !== undefined);
    input.onProgress(nextState(input, sofar, ids, readBack));
  };

  for (const step of steps) {
    void runStep(step).then((report) => {
      reports[step.n] = report;
      try {
        input.onStep?.(report);
        if (report.status === 'done') progress();
      } finally {
        stepOver(step);
        settle[step.n]?.(report);
      }
    });
  }
  await Promise.all(finished);
  await Promise.all(readBacks);
  const done = reports.filter((r): r is StepReport => r !== undefined);
  divergences.sort((a, b) => (a.kind + a.key + a.path < b.kind + b.key + b.path ? -1 : 1));

  return {
    steps: done,
    divergences,
    state: nextState(input, done, ids, readBack),
    ...(halted ? { halted } : {}),
    ...(input.signal?.aborted ? { interrupted: true } : {}),
  };
}

function desiredName(desired: readonly LoadedResource[], kind: Kind, key: string): string | undefined {
  const name = desired.find((r) => r.kind === kind && r.key === key)?.doc.name;
  return typeof name === 'string' ? name : undefined;
}

/** The state after the run: what exists now, and the fingerprints of what was applied. */
function nextState(
  input: ApplyInput,
  reports: readonly StepReport[],
  ids: ReadonlyMap<string, string>,
  readBack: ReadonlyMap<string, Record<string, unknown>>,
): TargetState {
  const state: TargetState = structuredClone(input.state);
  const liveIds = new Set(input.live.map((d) => `${d.kind}/${d.id}`));
  // Indexed once: a plan of thousands of changes must not scan every report per change.
  const doneByRef = new Map<string, Set<StepOp>>();
  for (const r of reports) {
    if (r.status !== 'done') continue;
    const ref = `${r.kind}/${r.key}`;
    const ops = doneByRef.get(ref);
    if (ops) ops.add(r.op);
    else doneByRef.set(ref, new Set([r.op]));
  }
  const doneOps = (ref: string): ReadonlySet<StepOp> => doneByRef.get(ref) ?? new Set();
  const liveFp = new Map(input.plan.changes.map((c) => [`${c.kind}/${c.key}`, c.liveFingerprint]));

  for (const change of input.plan.changes) {
    const ref = `${change.kind}/${change.key}`;
    const ops = doneOps(ref);
    if (change.kind === 'clusters') {
      if (change.action === 'delete') {
        if (ops.has('delete')) delete state.resources[ref];
        continue;
      }
      if (!ops.has('create')) {
        // A failed replace deleted it; a failed create never made it: no record either way.
        if (change.action === 'replace' && ops.has('delete')) delete state.resources[ref];
        continue;
      }
      const doc = input.desired.find((r) => r.kind === 'clusters' && r.key === change.key)?.doc ?? {};
      state.hmac_key ??= randomBytes(32).toString('hex');
      const key = state.hmac_key;
      const secrets = Object.fromEntries(
        secretFields(doc)
          .map((path) => [path, input.secrets[ref]?.[path]] as const)
          .filter((e): e is readonly [string, string] => e[1] !== undefined)
          .map(([path, value]) => [path, secretFingerprint(key, value)]),
      );
      state.resources[ref] = {
        id: change.key,
        fingerprint: clusterFingerprint(doc),
        ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
      };
      continue;
    }
    if (change.action === 'delete') {
      if (ops.has('delete')) delete state.resources[ref];
      continue;
    }
    // A create that did not happen leaves no id, even when the id was known beforehand (a
    // customer cluster's is its key).
    const id = change.action === 'create' && !ops.has('create') ? undefined : ids.get(ref);
    if (id === undefined) {
      // Never created (or lost and not found): no id to remember; a stale one goes.
      delete state.resources[ref];
      continue;
    }
    const read = readBack.get(ref);
    const fingerprint = read
      ? baselineFingerprint(
          read,
          ignoredFields(input.ignore ?? [], {
            kind: change.kind,
            key: change.key,
            id,
            names: [
              typeof read.name === 'string' ? read.name : undefined,
              desiredName(input.desired, change.kind, change.key),
            ],
          }),
        )
      : liveFp.get(ref);
    state.resources[ref] = { id, ...(fingerprint === undefined ? {} : { fingerprint }) };
  }
  // Entries of documents that are gone live and no config claims: nothing left to remember.
  const planned = new Set(input.plan.changes.map((c) => `${c.kind}/${c.key}`));
  for (const [ref, entry] of Object.entries(state.resources)) {
    const kind = ref.split('/')[0] ?? '';
    if (kind === 'clusters' || planned.has(ref)) continue;
    if (!liveIds.has(`${kind}/${entry.id}`)) delete state.resources[ref];
  }
  return state;
}
