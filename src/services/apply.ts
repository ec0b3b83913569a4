/**
 * `kzops apply` as a service, in its phases: check the saved plan and the config, choose the
 * target, take its locks, plan, check the plan (stale, fingerprint, safety rules, secrets),
 * confirm, carry it out while recording the state, and commit the state file.
 *
 * What prints as it goes (the plan, each step, the summary) goes through the Ui; what ends
 * the run before anything is changed is thrown (RefusedError, ConfigError, UsageError,
 * InterruptedError); a run that changed something returns its outcome.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError, InterruptedError, RefusedError, UsageError } from '../core/errors.js';
import { fingerprintMatches, planFingerprint, shortFingerprint } from '../core/plan/fingerprint.js';
import { stalePlan } from '../core/plan/saved.js';
import { parseRefs, selectPlan } from '../core/plan/targeting.js';
import { auditLine, auditRecord, emergencyTrailer, type AuditRecord } from '../core/policy/audit.js';
import { applyGate } from '../core/policy/gate.js';
import type { Plan, PlannedChange } from '../core/plan/types.js';
import { scrubValue } from '../core/secret-registry.js';
import { applySummary, renderApplySummary, renderDivergences, renderStep } from '../render/apply-text.js';
import { renderPlanText } from '../render/plan-text.js';
import { applyPlan, type ApplyResult, type Divergence, type StepReport } from '../reconcile/apply.js';
import { acquireApplyLocks } from '../reconcile/shared-lock.js';
import { serializeTargetState, writeState } from '../reconcile/state-file.js';
import { stateSaver } from '../reconcile/state-saver.js';
import { prepareConnection } from './connect.js';
import { appendAuditLine, operatorName } from './support/audit.js';
import { settleOrGiveUp, type InterruptWatch, type StopSignal } from './interrupts.js';
import { loadValidConfig } from './load-config.js';
import { makePlan } from './make-plan.js';
import {
  configDigest,
  planJson,
  readSavedPlan,
  type PlanJson,
  type ReconcileOptions,
  type TargetingOptions,
} from './plan.js';
import { write, type Ui } from './ui.js';

/** After Ctrl-C, how long apply waits for requests in flight before it records what it has and exits. */
const INTERRUPT_GRACE_MS = 15_000;

/** The default safety threshold (targets.yaml `max_change_percent`). */
export const DEFAULT_MAX_CHANGE_PERCENT = 30;
/** The threshold only applies to targets with at least this many existing resources. */
export const THRESHOLD_MIN_RESOURCES = 10;

export interface ApplyJson {
  target: string;
  /** `no_changes`: nothing to do; `applied`: every step done and read back; `partial`: not. */
  /** `halted`: the target stopped accepting the credentials mid-run (exit 1). */
  /** `interrupted`: Ctrl-C or SIGTERM; what finished is recorded (exit 130 or 143). */
  result: 'no_changes' | 'applied' | 'partial' | 'halted' | 'interrupted';
  plan: PlanJson;
  steps: StepReport[];
  divergences: Divergence[];
  summary: { done: number; failed: number; skipped: number };
  /** HTTP requests the client sent (reads and writes, retries included). */
  requests: number;
  /** Of those, how many the server answered 429 (each was waited out and sent again). */
  rate_limited: number;
  state_file: string;
  /** The commit made by --commit. */
  commit?: string;
  /** `--emergency`'s reason, when it overrode a freeze or a change window. */
  emergency?: string;
  /** The audit log the run's line was appended to. */
  audit_log?: string;
}

export interface ApplyOptions extends ReconcileOptions, TargetingOptions {
  /** `--emergency REASON`: overrides the target's freeze and change windows, and is recorded. */
  emergency?: string | undefined;
  /** `--audit-log FILE`; default `.kzops/audit.jsonl` beside the config directory. */
  auditLog?: string | undefined;
  /** Who runs the apply, for the audit line; default KZOPS_OPERATOR (the CLI passes the git user lookup). */
  operator?: (() => Promise<string>) | undefined;
  /** The instant the change windows are judged at (default: now); for tests. */
  now?: Date | undefined;
  /** A plan saved by `kzops plan --out`: apply exactly it, or refuse when anything moved. */
  planFile?: string | undefined;
  /** Do not ask (needed without a terminal). */
  yes: boolean;
  /** Carry out planned deletes. */
  allowDeletes: boolean;
  /** Go past the max_change_percent threshold. */
  force: boolean;
  /** Commit the state file (only it) with git when the run fully succeeds. */
  commit: boolean;
  /** Apply only if the plan's fingerprint is this one (checked by the caller as a fingerprint prefix). */
  expectFingerprint?: string | undefined;
  /** How long to wait for another apply of the same target to finish. */
  lockTimeoutMs: number;
  /**
   * Starts watching for Ctrl-C and SIGTERM once the locks are held (before, the default
   * applies: the process ends at once). The CLI passes src/cli/interrupts.ts's.
   */
  watchInterrupts: (onFirst: (signal: StopSignal) => void) => InterruptWatch;
}

export interface ApplyRun {
  /**
   * `ok`: applied in full, or nothing to do; `partial`: some steps failed, were skipped, or
   * did not read back; `failure`: the run halted (credentials refused mid-run), or the apply
   * succeeded and --commit failed; `interrupted`/`terminated`: stopped by SIGINT/SIGTERM.
   */
  outcome: 'ok' | 'partial' | 'failure' | 'interrupted' | 'terminated';
  json: ApplyJson;
}

const ref = (c: PlannedChange) => `${c.kind}/${c.key}`;

export async function apply(opts: ApplyOptions, ui: Ui): Promise<ApplyRun> {
  const dir = opts.dir ?? 'config';
  const env = opts.env === undefined ? {} : { env: opts.env };
  const expected = opts.expectFingerprint;
  // A malformed REF is refused before anything is read or sent.
  parseRefs(opts.only ?? [], '--only');
  parseRefs(opts.exclude ?? [], '--exclude');
  const saved = opts.planFile === undefined ? undefined : await readSavedPlan(opts.planFile);
  if (saved && (opts.only?.length ?? 0) + (opts.exclude?.length ?? 0) > 0) {
    throw new UsageError(`--only/--exclude cannot be given with PLANFILE ${opts.planFile ?? ''}`, {
      hint: 'a saved plan applies with the targeting it was made with (kzops plan --only/--exclude --out)',
    });
  }
  const { files, result } = await loadValidConfig(dir, ui, { json: opts.json === true });
  if (saved && saved.configDigest !== configDigest(files)) {
    throw new RefusedError(
      `${opts.planFile ?? ''}: the config changed since the plan was made; nothing was done`,
      {
        hint: 'make a new plan with kzops plan --out and review it',
      },
    );
  }

  const prepared = await prepareConnection({
    dir: opts.dir,
    target: opts.target,
    concurrency: opts.concurrency,
    ...env,
  });
  const { policy } = prepared;
  if (saved && saved.target !== policy.name) {
    throw new UsageError(`${opts.planFile ?? ''} was made for target ${saved.target}, not ${policy.name}`, {
      hint: `pass --target ${saved.target}`,
    });
  }
  // Freeze and change windows: refused before any lock is taken or request sent.
  const gate = applyGate(policy.name, policy.rules, opts.now ?? new Date(), opts.emergency);
  if (!gate.allowed) {
    throw new RefusedError(`${gate.messages.join('; ')}; nothing was done`, {
      hint: 'wait for the change window (or for the freeze to be lifted); in an emergency, pass --emergency "REASON", which is recorded in the audit log',
    });
  }
  const emergency = gate.overriddenBy;
  if (emergency === undefined && (opts.emergency ?? '').trim() !== '') {
    ui.err(
      'note: --emergency: the target is neither frozen nor outside a change window; there is nothing to override',
    );
  }
  if (emergency !== undefined) {
    ui.err(`warning: --emergency overrides: ${gate.messages.join('; ')}\nreason (recorded): ${emergency}`);
  }
  const auditPath = opts.auditLog ?? join(prepared.workDir, 'audit.jsonl');
  const operatorOf =
    // By default the support commands' lookup: KZOPS_OPERATOR, git's user.name, the login name.
    opts.operator ?? (() => operatorName(opts.env ?? process.env));
  if (opts.commit && prepared.sim) {
    throw new UsageError(
      `--commit: target ${policy.name} is a simulator; its state is kept under .kzops/, not in git`,
    );
  }
  // The lock comes first: the embedded simulator must load its documents after the
  // previous apply saved them, and two applies must never plan from the same state.
  // For a server, also the shared lock on the config repository's git remote (all clones).
  const lock = await acquireApplyLocks(prepared, dir, {
    timeoutMs: opts.lockTimeoutMs,
    command: `kzops apply`,
  });
  // From here a Ctrl-C or SIGTERM is handled: the first stops starting work and records what
  // finished; a second writes what is known, drops the lock file and exits at once.
  const watch = opts.watchInterrupts((signal) =>
    ui.err(
      `\n${signal} received: starting nothing more; finishing the requests under way and recording them (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to stop at once)`,
    ),
  );
  watch.onForce(() => lock.releaseSync());
  const stopIfInterrupted = (when: string): void => {
    if (watch.received)
      throw new InterruptedError(`interrupted ${when}; nothing was changed`, watch.received);
  };
  try {
    const conn = await prepared.open();
    // Nothing more is sent once the run is stopping: requests on the wire finish, the rest fail.
    watch.signal.addEventListener('abort', () => conn.client.stop(watch.received), { once: true });
    try {
      const full = await makePlan(conn, result.resources, { concurrency: opts.concurrency, ...env });
      stopIfInterrupted('while planning');
      // A saved plan is compared with a fresh plan targeted as it was.
      const targeting = saved
        ? { only: saved.plan.targeting?.only, exclude: saved.plan.targeting?.exclude }
        : { only: opts.only, exclude: opts.exclude };
      const plan = selectPlan({ plan: full.plan, desired: result.resources, live: full.live }, targeting);
      const made = { ...full, plan };
      /** Appends the run's line to the audit log; a failure to write it is reported, not thrown. */
      const audit = async (
        steps: readonly StepReport[],
        interrupted = false,
      ): Promise<{ written: boolean; record: AuditRecord }> => {
        const record = auditRecord({
          now: new Date(),
          operator: await operatorOf(),
          target: policy.name,
          fingerprint: planFingerprint(plan),
          planned: plan.summary,
          steps,
          emergency,
          overrode: emergency === undefined ? [] : gate.refusals.map((r) => r.kind),
          targeting: plan.targeting,
          interrupted,
        });
        try {
          // Scrubbed: a reason or a name must never carry a secret value into the log.
          appendAuditLine(auditPath, auditLine(scrubValue(record)));
          return { written: true, record };
        } catch (err) {
          ui.err(`error: --audit-log ${auditPath}: ${(err as Error).message}`);
          return { written: false, record };
        }
      };
      if (saved) {
        // The saved plan was written scrubbed of secret values: compare like with like.
        const stale = stalePlan(saved.plan, scrubValue(plan));
        if (stale.length > 0) {
          throw new RefusedError(
            `${opts.planFile ?? ''} is stale; nothing was done:\n${stale.map((s) => `  ${s.ref}: ${s.reason}`).join('\n')}`,
            { hint: 'make a new plan with kzops plan --out and review it' },
          );
        }
      }
      if (expected !== undefined) {
        // Before anything is written, the no-changes path's state file included.
        const now = planFingerprint(plan);
        if (!fingerprintMatches(now, expected)) {
          throw new RefusedError(
            `the plan at this commit (fingerprint ${shortFingerprint(now)}) is not the one reviewed (${expected.toLowerCase()}); nothing was done`,
            {
              hint: 'the config or the live state moved since the review: run the pull-request plan again (kzops plan --format markdown), review it, and apply with its fingerprint',
            },
          );
        }
      }
      write(ui, renderPlanText(plan, { color: ui.color, label: conn.label, width: ui.width }));
      const pending = plan.changes.filter((c) => c.action !== 'noop');
      const base = {
        target: policy.name,
        plan: planJson(plan),
        state_file: conn.statePath,
        ...(emergency === undefined ? {} : { emergency }),
      };
      const counters = () => ({
        requests: conn.client.requestsSent,
        rate_limited: conn.client.rateLimitedResponses,
      });
      if (pending.length === 0) {
        // Nothing to change; still record adoptions and fingerprints, so drift has a baseline.
        const noop = await applyPlan({
          ...made,
          client: conn.client,
          desired: result.resources,
          concurrency: opts.concurrency,
        });
        await writeStateIfChanged(conn.statePath, made.prior, noop);
        const logged = await audit([]);
        return {
          outcome: logged.written ? 'ok' : 'failure',
          json: {
            ...base,
            ...(logged.written ? { audit_log: auditPath } : {}),
            result: 'no_changes',
            steps: [],
            divergences: [],
            summary: { done: 0, failed: 0, skipped: 0 },
            ...counters(),
          },
        };
      }

      checkSafety(plan, policy.maxChangePercent ?? DEFAULT_MAX_CHANGE_PERCENT, opts.force);
      checkSecrets(pending, made.secrets);
      await confirm(plan, policy.name, ui, { yes: opts.yes, allowDeletes: opts.allowDeletes });
      stopIfInterrupted('before applying');

      write(ui, `\nApplying to ${conn.label}:\n`);
      // The state is written as steps finish (one write at a time, the latest wins), so a run
      // that is stopped, or killed, has recorded what it did.
      const saver = stateSaver(conn.statePath);
      watch.onForce(() => saver.flushSync());
      const running = applyPlan({
        ...made,
        client: conn.client,
        desired: result.resources,
        concurrency: opts.concurrency,
        ignore: policy.rules.ignore,
        onStep: (report) => write(ui, renderStep(report, ui.color)),
        signal: watch.signal,
        onProgress: (state) => saver.save(state),
      });
      const applied = await settleOrGiveUp(running, watch.signal, INTERRUPT_GRACE_MS);
      if (applied === undefined) {
        await saver.idle();
        saver.flushSync();
        await conn.client.destroy();
        await audit([], true);
        throw new InterruptedError(
          `interrupted: requests still under way after ${INTERRUPT_GRACE_MS / 1000} s were abandoned (their outcome is unknown: the next plan finds them); the state file holds every step that finished`,
          watch.received,
        );
      }
      await saver.idle();
      await writeState(conn.statePath, applied.state);
      write(ui, renderDivergences(applied.divergences, ui.color));
      write(ui, renderApplySummary(applied.steps, applied.divergences.length, ui.color));
      const summary = applySummary(applied.steps);
      const ok = summary.failed === 0 && summary.skipped === 0 && applied.divergences.length === 0;
      let outcome: ApplyRun['outcome'] = ok ? 'ok' : 'partial';
      const logged = await audit(applied.steps, applied.interrupted);
      if (!logged.written && outcome === 'ok') outcome = 'failure';
      let commit: string | undefined;
      if (ok && opts.commit) {
        try {
          commit = await commitState(conn.statePath, policy.name, pending, emergency);
          ui.out(`Committed ${relative(process.cwd(), conn.statePath)} as ${commit}.`);
        } catch (err) {
          // The apply itself succeeded: say so, and fail only for the commit.
          ui.err(
            `error: --commit: git could not commit ${conn.statePath}: ${(err as Error).message}\nhint: the apply succeeded and the state file is written; commit it by hand`,
          );
          outcome = 'failure';
        }
      } else if (opts.commit) {
        ui.out(
          'Not committing: the apply did not fully succeed (the state file is written; commit it after the next apply).',
        );
      }
      if (applied.interrupted) {
        const notStarted = applied.steps.filter((st) => st.status === 'skipped').length;
        ui.err(
          `Interrupted: the steps done are recorded in ${conn.statePath}; ${notStarted} were not started. Run kzops apply again to finish.`,
        );
        outcome = watch.received === 'SIGTERM' ? 'terminated' : 'interrupted';
      } else if (applied.halted) {
        // The credentials stopped working mid-run: not a partial success to retry blindly.
        ui.err(`error: ${applied.halted.summary()}`);
        if (applied.halted.hint) ui.err(`hint: ${applied.halted.hint}`);
        ui.err('The run stopped: steps not begun were skipped; the state file holds what was done.');
        outcome = 'failure';
      }
      return {
        outcome,
        json: {
          ...base,
          result: applied.interrupted
            ? 'interrupted'
            : applied.halted
              ? 'halted'
              : ok
                ? 'applied'
                : 'partial',
          steps: applied.steps,
          divergences: applied.divergences,
          summary,
          ...counters(),
          ...(commit === undefined ? {} : { commit }),
          ...(logged.written ? { audit_log: auditPath } : {}),
        },
      };
    } finally {
      await conn.close();
    }
  } finally {
    await lock.release();
    watch.dispose();
  }
}

/** Protect list, master cluster and the change threshold: refused before anything is sent. */
export function checkSafety(plan: Plan, maxPercent: number, force: boolean): void {
  const protectedHits = plan.changes.filter(
    (c) => c.protected && (c.action === 'delete' || c.action === 'replace'),
  );
  if (protectedHits.length > 0) {
    throw new RefusedError(
      `the plan would ${protectedHits.map((c) => `${c.action} ${ref(c)}`).join(', ')}, which is protected; nothing was done`,
      {
        hint: "protected resources (the target's protect list and its master cluster) are never deleted or replaced; restore their config files",
      },
    );
  }
  const existing = plan.changes.filter((c) => c.action !== 'create').length;
  const changing = plan.changes.filter(
    (c) => c.action === 'update' || c.action === 'replace' || c.action === 'delete',
  ).length;
  if (existing >= THRESHOLD_MIN_RESOURCES && (changing * 100) / existing > maxPercent && !force) {
    throw new RefusedError(
      `the plan changes ${changing} of ${existing} existing resources (${Math.round((changing * 100) / existing)}%), more than max_change_percent ${maxPercent}%; nothing was done`,
      { hint: 'review the plan; if it is what you mean, pass --force' },
    );
  }
}

/** A cluster document written without its api_key would be refused by the server half-way: check first. */
function checkSecrets(pending: PlannedChange[], secrets: Record<string, Record<string, string>>): void {
  for (const change of pending) {
    if (change.kind !== 'clusters' || (change.action !== 'create' && change.action !== 'replace')) continue;
    const resource = change.fields.filter((f) => f.sensitive).map((f) => f.path);
    const missing = resource.filter((path) => secrets[ref(change)]?.[path] === undefined);
    if (missing.length > 0) {
      throw new ConfigError(
        `${ref(change)}: ${missing.join(', ')} has no value (its environment variable is unset or its file unreadable); nothing was sent`,
        { hint: `set the variable named in config/clusters/${change.key}.yaml` },
      );
    }
  }
}

/** A person at a terminal confirms; a job without one must have said --yes (and --allow-deletes for deletes). */
async function confirm(
  plan: Plan,
  target: string,
  ui: Ui,
  opts: { yes: boolean; allowDeletes: boolean },
): Promise<void> {
  const deletes = plan.changes.filter((c) => c.action === 'delete');
  if (deletes.length > 0 && !opts.allowDeletes) {
    if (!ui.interactive || opts.yes) {
      throw new RefusedError(
        `the plan deletes ${deletes.map(ref).join(', ')}; deletes need --allow-deletes; nothing was done`,
        {
          hint: 'check that the deletes are meant (a removed config file deletes its resource), then add --allow-deletes',
        },
      );
    }
    if (
      !(await ui.confirm(
        `Delete ${deletes.length} resource(s) on ${target} (${deletes.map(ref).join(', ')})?`,
      ))
    ) {
      throw new RefusedError('deletes not confirmed; nothing was done');
    }
  }
  if (opts.yes) return;
  if (!ui.interactive) {
    throw new RefusedError('apply needs --yes when it cannot ask (no terminal); nothing was done', {
      hint: 'review the plan above, then run again with --yes',
    });
  }
  const n = plan.changes.filter((c) => c.action !== 'noop').length;
  if (!(await ui.confirm(`Apply ${n} change(s) to ${target}?`)))
    throw new RefusedError('not confirmed; nothing was done');
}

async function writeStateIfChanged(
  path: string,
  prior: Parameters<typeof serializeTargetState>[0] | undefined,
  result: ApplyResult,
): Promise<void> {
  if (prior !== undefined && serializeTargetState(prior) === serializeTargetState(result.state)) return;
  if (prior === undefined && Object.keys(result.state.resources).length === 0) return;
  await writeState(path, result.state);
}

/** Commits the state file alone; returns the short commit id. */
async function commitState(
  path: string,
  target: string,
  pending: PlannedChange[],
  emergency: string | undefined,
): Promise<string> {
  // Loaded only for --commit: simple-git is not small.
  const { simpleGit } = await import('simple-git');
  // Absolute, so git resolves it the same from whichever directory it runs in.
  const statePath = resolve(path);
  const git = simpleGit(dirname(statePath));
  const lines = pending.map((c) => `- ${c.action} ${ref(c)}${c.id === undefined ? '' : ` (${c.id})`}`);
  const counts = ['create', 'update', 'replace', 'delete']
    .map((a) => [a, pending.filter((c) => c.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} to ${a}`)
    .join(', ');
  await git.add(statePath);
  const trailer = emergencyTrailer(emergency);
  const res = await git.commit(
    `kzops apply ${target}: ${counts}\n\n${lines.join('\n')}\n${trailer === '' ? '' : `\n${trailer}\n`}`,
    [statePath],
  );
  if (!res.commit) throw new Error('git made no commit (is the state file unchanged or ignored?)');
  return res.commit;
}
