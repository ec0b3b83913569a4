import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { simpleGit } from 'simple-git';
import { BaseCommand } from '../cli/base-command.js';
import { outputWidth, useColor } from '../cli/color.js';
import { prepareConnection } from '../cli/connect.js';
import { ask } from '../cli/support.js';
import { setOutcome, signalOutcome } from '../cli/exit-codes.js';
import { loadValidConfig } from '../cli/load-config.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { settleOrGiveUp, watchInterrupts } from '../cli/interrupts.js';
import { ConfigError, InterruptedError, RefusedError, UsageError } from '../core/errors.js';
import {
  fingerprintMatches,
  isFingerprintPrefix,
  MIN_FINGERPRINT_PREFIX,
  planFingerprint,
  shortFingerprint,
} from '../core/plan/fingerprint.js';
import { stalePlan } from '../core/plan/saved.js';
import { scrubValue } from '../core/secret-registry.js';
import type { Plan, PlannedChange } from '../core/plan/types.js';
import { applySummary, renderApplySummary, renderDivergences, renderStep } from '../render/apply-text.js';
import { renderPlanText } from '../render/plan-text.js';
import { applyPlan, type ApplyResult, type Divergence, type StepReport } from '../reconcile/apply.js';
import { acquireApplyLocks } from '../reconcile/shared-lock.js';
import { makePlan } from '../reconcile/make-plan.js';
import { serializeTargetState, writeState } from '../reconcile/state-file.js';
import { stateSaver } from '../reconcile/state-saver.js';
import { configDigest, planJson, type PlanJson, type SavedPlan } from './plan.js';

/** After Ctrl-C, how long apply waits for requests in flight before it records what it has and exits. */
const INTERRUPT_GRACE_MS = 15_000;

/** The default safety threshold (targets.yaml `max_change_percent`). */
const DEFAULT_MAX_CHANGE_PERCENT = 30;
/** The threshold only applies to targets with at least this many existing resources. */
const THRESHOLD_MIN_RESOURCES = 10;

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
}

const ref = (c: PlannedChange) => `${c.kind}/${c.key}`;

export default class ApplyCommand extends BaseCommand {
  static override summary = 'Make the target match config/ (or carry out a saved plan)';
  static override description = `Plans as kzops plan does (an invalid config exits 3 and nothing is sent), shows the plan, and carries it out in dependency order: creates, then updates, then deletes, with new SBC/media-server pairs created one side first and linked after. Independent steps run concurrently; a failed step skips only the steps that need it (exit 4), and a second apply converges. Every document written is read back; a field that does not read back as written is reported. The state file (ids, fingerprints, slow fingerprints of secrets) is written as steps finish and after every run, also a partial one.

With PLANFILE (from kzops plan --out) it applies exactly that plan, and refuses (exit 5) when the config or any live document changed since the plan was made.

With --expect-fingerprint HEX (the plan fingerprint a reviewer saw, from kzops plan: its text footer, its markdown comment or its --json; the full 64 hex digits or a prefix of at least ${MIN_FINGERPRINT_PREFIX}) it refuses (exit 5, nothing done) unless the plan it makes now has that fingerprint: after a merge, only the plan reviewed on the pull request is applied.

Safety: resources in the target's protect list, and its master cluster, are never deleted or replaced (exit 5). When updates, replaces and deletes exceed max_change_percent (default 30) of at least 10 existing resources, apply refuses unless --force. Deletes need --allow-deletes (or a confirmation at a terminal). Without a terminal, apply needs --yes. One apply per target at a time across every clone: a lock file under .kzops/locks/ and, when the config is in a git repository with a remote, a lock on that remote (kzops lock status). Ctrl-C (or SIGTERM) stops starting steps, finishes and records the ones under way, and exits 130 (143); a second one exits at once. The state file is written as steps finish.

--commit commits the state file, and only it, with a message that lists the changes.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> apply',
    '<%= config.bin %> apply --target sandbox --yes',
    '<%= config.bin %> plan --target sandbox --out plan.json && <%= config.bin %> apply plan.json --target sandbox --yes',
    '<%= config.bin %> apply --target sandbox --yes --expect-fingerprint 1a2b3c4d5e6f',
  ];
  static override args = {
    planfile: Args.string({ description: 'a plan saved by kzops plan --out', required: false }),
  };
  static override flags = {
    ...targetFlags,
    yes: Flags.boolean({
      char: 'y',
      description: 'do not ask for confirmation (needed without a terminal)',
      default: false,
    }),
    'allow-deletes': Flags.boolean({ description: 'carry out planned deletes', default: false }),
    force: Flags.boolean({ description: 'go past the max_change_percent threshold', default: false }),
    ...concurrencyFlag,
    commit: Flags.boolean({
      description: 'commit the updated state file (only it) with git',
      default: false,
    }),
    'expect-fingerprint': Flags.string({
      description: `apply only if the plan's fingerprint is this one (64 hex, or a prefix of at least ${MIN_FINGERPRINT_PREFIX})`,
    }),
    'lock-timeout': Flags.integer({
      description: 'seconds to wait for another apply on the same target to finish',
      default: 0,
      min: 0,
    }),
  };

  async run(): Promise<ApplyJson> {
    const { args, flags } = await this.parseInput(ApplyCommand);
    const json = this.jsonEnabled();
    const color = useColor();
    const out = (text: string) => {
      if (!json) process.stdout.write(text);
    };
    const expected = flags['expect-fingerprint'];
    if (expected !== undefined && !isFingerprintPrefix(expected)) {
      throw new UsageError(
        `--expect-fingerprint ${expected}: not a plan fingerprint (${MIN_FINGERPRINT_PREFIX} to 64 hex digits)`,
        { hint: 'pass the fingerprint kzops plan printed (Plan fingerprint: ...), or all 64 hex digits' },
      );
    }
    const dir = flags.dir ?? 'config';
    const saved = args.planfile === undefined ? undefined : await readSavedPlan(args.planfile);
    const { files, result } = await loadValidConfig(dir, json);
    if (saved && saved.configDigest !== configDigest(files)) {
      throw new RefusedError(
        `${args.planfile ?? ''}: the config changed since the plan was made; nothing was done`,
        {
          hint: 'make a new plan with kzops plan --out and review it',
        },
      );
    }

    const prepared = await prepareConnection({
      dir: flags.dir,
      target: flags.target,
      concurrency: flags.concurrency,
    });
    const { policy } = prepared;
    if (saved && saved.target !== policy.name) {
      throw new UsageError(`${args.planfile ?? ''} was made for target ${saved.target}, not ${policy.name}`, {
        hint: `pass --target ${saved.target}`,
      });
    }
    if (flags.commit && prepared.sim) {
      throw new UsageError(
        `--commit: target ${policy.name} is a simulator; its state is kept under .kzops/, not in git`,
      );
    }
    // The lock comes first: the embedded simulator must load its documents after the
    // previous apply saved them, and two applies must never plan from the same state.
    // For a server, also the shared lock on the config repository's git remote (all clones).
    const lock = await acquireApplyLocks(prepared, dir, {
      timeoutMs: flags['lock-timeout'] * 1000,
      command: `kzops apply`,
    });
    // From here a Ctrl-C or SIGTERM is handled: the first stops starting work and records what
    // finished; a second writes what is known, drops the lock file and exits at once.
    const watch = watchInterrupts({
      onFirst: (signal) =>
        process.stderr.write(
          `\n${signal} received: starting nothing more; finishing the requests under way and recording them (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to stop at once)\n`,
        ),
    });
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
        const made = await makePlan(conn, result.resources, { concurrency: flags.concurrency });
        stopIfInterrupted('while planning');
        const { plan } = made;
        if (saved) {
          // The saved plan was written scrubbed of secret values: compare like with like.
          const stale = stalePlan(saved.plan, scrubValue(plan));
          if (stale.length > 0) {
            throw new RefusedError(
              `${args.planfile ?? ''} is stale; nothing was done:\n${stale.map((s) => `  ${s.ref}: ${s.reason}`).join('\n')}`,
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
        out(renderPlanText(plan, { color, label: conn.label, width: outputWidth() }));
        const pending = plan.changes.filter((c) => c.action !== 'noop');
        const base = {
          target: policy.name,
          plan: planJson(plan),
          state_file: conn.statePath,
        };
        if (pending.length === 0) {
          // Nothing to change; still record adoptions and fingerprints, so drift has a baseline.
          const noop = await applyPlan({
            ...made,
            client: conn.client,
            desired: result.resources,
            concurrency: flags.concurrency,
          });
          await writeStateIfChanged(conn.statePath, made.prior, noop);
          return {
            ...base,
            result: 'no_changes',
            steps: [],
            divergences: [],
            summary: { done: 0, failed: 0, skipped: 0 },
            requests: conn.client.requestsSent,
            rate_limited: conn.client.rateLimitedResponses,
          };
        }

        this.checkSafety(plan, policy.maxChangePercent ?? DEFAULT_MAX_CHANGE_PERCENT, flags.force);
        this.checkSecrets(pending, made.secrets);
        await this.confirm(plan, policy.name, { yes: flags.yes, allowDeletes: flags['allow-deletes'] });
        stopIfInterrupted('before applying');

        out(`\nApplying to ${conn.label}:\n`);
        // The state is written as steps finish (one write at a time, the latest wins), so a run
        // that is stopped, or killed, has recorded what it did.
        const saver = stateSaver(conn.statePath);
        watch.onForce(() => saver.flushSync());
        const running = applyPlan({
          ...made,
          client: conn.client,
          desired: result.resources,
          concurrency: flags.concurrency,
          onStep: (report) => out(renderStep(report, color)),
          signal: watch.signal,
          onProgress: (state) => saver.save(state),
        });
        const applied = await settleOrGiveUp(running, watch.signal, INTERRUPT_GRACE_MS);
        if (applied === undefined) {
          await saver.idle();
          saver.flushSync();
          await conn.client.destroy();
          throw new InterruptedError(
            `interrupted: requests still under way after ${INTERRUPT_GRACE_MS / 1000} s were abandoned (their outcome is unknown: the next plan finds them); the state file holds every step that finished`,
            watch.received,
          );
        }
        await saver.idle();
        await writeState(conn.statePath, applied.state);
        out(renderDivergences(applied.divergences, color));
        out(renderApplySummary(applied.steps, applied.divergences.length, color));
        const summary = applySummary(applied.steps);
        const ok = summary.failed === 0 && summary.skipped === 0 && applied.divergences.length === 0;
        let commit: string | undefined;
        if (ok && flags.commit) {
          try {
            commit = await commitState(conn.statePath, policy.name, pending);
            out(`Committed ${relative(process.cwd(), conn.statePath)} as ${commit}.\n`);
          } catch (err) {
            // The apply itself succeeded: say so, and fail only for the commit.
            process.stderr.write(
              `error: --commit: git could not commit ${conn.statePath}: ${(err as Error).message}\nhint: the apply succeeded and the state file is written; commit it by hand\n`,
            );
            setOutcome('failure');
          }
        } else if (flags.commit) {
          out(
            'Not committing: the apply did not fully succeed (the state file is written; commit it after the next apply).\n',
          );
        }
        if (applied.interrupted) {
          const notStarted = applied.steps.filter((st) => st.status === 'skipped').length;
          process.stderr.write(
            `Interrupted: the steps done are recorded in ${conn.statePath}; ${notStarted} were not started. Run kzops apply again to finish.\n`,
          );
          setOutcome(signalOutcome(watch.received ?? 'SIGINT'));
        } else if (applied.halted) {
          // The credentials stopped working mid-run: not a partial success to retry blindly.
          process.stderr.write(`error: ${applied.halted.summary()}\n`);
          if (applied.halted.hint) process.stderr.write(`hint: ${applied.halted.hint}\n`);
          process.stderr.write(
            'The run stopped: steps not begun were skipped; the state file holds what was done.\n',
          );
          setOutcome('failure');
        } else if (!ok) setOutcome('partial');
        return {
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
          requests: conn.client.requestsSent,
          rate_limited: conn.client.rateLimitedResponses,
          ...(commit === undefined ? {} : { commit }),
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
  private checkSafety(plan: Plan, maxPercent: number, force: boolean): void {
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
  private checkSecrets(pending: PlannedChange[], secrets: Record<string, Record<string, string>>): void {
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
  private async confirm(
    plan: Plan,
    target: string,
    opts: { yes: boolean; allowDeletes: boolean },
  ): Promise<void> {
    const deletes = plan.changes.filter((c) => c.action === 'delete');
    const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    if (deletes.length > 0 && !opts.allowDeletes) {
      if (!tty || opts.yes) {
        throw new RefusedError(
          `the plan deletes ${deletes.map(ref).join(', ')}; deletes need --allow-deletes; nothing was done`,
          {
            hint: 'check that the deletes are meant (a removed config file deletes its resource), then add --allow-deletes',
          },
        );
      }
      if (
        !(await ask(`Delete ${deletes.length} resource(s) on ${target} (${deletes.map(ref).join(', ')})?`))
      ) {
        throw new RefusedError('deletes not confirmed; nothing was done');
      }
    }
    if (opts.yes) return;
    if (!tty) {
      throw new RefusedError('apply needs --yes when it cannot ask (no terminal); nothing was done', {
        hint: 'review the plan above, then run again with --yes',
      });
    }
    const n = plan.changes.filter((c) => c.action !== 'noop').length;
    if (!(await ask(`Apply ${n} change(s) to ${target}?`)))
      throw new RefusedError('not confirmed; nothing was done');
  }
}

async function readSavedPlan(path: string): Promise<SavedPlan> {
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
async function commitState(path: string, target: string, pending: PlannedChange[]): Promise<string> {
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
  const res = await git.commit(`kzops apply ${target}: ${counts}\n\n${lines.join('\n')}\n`, [statePath]);
  if (!res.commit) throw new Error('git made no commit (is the state file unchanged or ignored?)');
  return res.commit;
}
