import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { setOutcome } from '../cli/exit-codes.js';
import { watchInterrupts } from '../cli/interrupts.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { targetingFlags } from '../cli/targeting-flags.js';
import { processUi } from '../cli/ui.js';
import { UsageError } from '../core/errors.js';
import { isFingerprintPrefix, MIN_FINGERPRINT_PREFIX } from '../core/plan/fingerprint.js';
import { apply, type ApplyJson } from '../services/apply.js';

export default class ApplyCommand extends BaseCommand {
  static override summary = 'Make the target match config/ (or carry out a saved plan)';
  static override description = `Plans as kzops plan does (an invalid config exits 3 and nothing is sent), shows the plan, and carries it out in dependency order: creates, then updates, then deletes, with new SBC/media-server pairs created one side first and linked after. Independent steps run concurrently; a failed step skips only the steps that need it (exit 4), and a second apply converges. Every document written is read back; a field that does not read back as written is reported. The state file (ids, fingerprints, slow fingerprints of secrets) is written as steps finish and after every run, also a partial one.

With PLANFILE (from kzops plan --out) it applies exactly that plan, and refuses (exit 5) when the config or any live document changed since the plan was made.

With --expect-fingerprint HEX (the plan fingerprint a reviewer saw, from kzops plan: its text footer, its markdown comment or its --json; the full 64 hex digits or a prefix of at least ${MIN_FINGERPRINT_PREFIX}) it refuses (exit 5, nothing done) unless the plan it makes now has that fingerprint: after a merge, only the plan reviewed on the pull request is applied.

Safety: resources in the target's protect list, and its master cluster, are never deleted or replaced (exit 5). When updates, replaces and deletes exceed max_change_percent (default 30) of at least 10 existing resources, apply refuses unless --force. Deletes need --allow-deletes (or a confirmation at a terminal). Without a terminal, apply needs --yes. One apply per target at a time across every clone: a lock file under .kzops/locks/ and, when the config is in a git repository with a remote, a lock on that remote (kzops lock status). Ctrl-C (or SIGTERM) stops starting steps, finishes and records the ones under way, and exits 130 (143); a second one exits at once. The state file is written as steps finish.

--only REF and --exclude REF (repeatable; <kind>/<key>, globs allowed) apply only some changes, with what they need first (marked "included as a dependency"); the changes left out stay for the next full apply. A REF matching nothing exits 64. With PLANFILE, the plan's own targeting is used.

Change control: a target that is frozen (targets.yaml frozen: "REASON") or outside its change_windows is refused (exit 5, nothing sent), naming the reason or the next window; --emergency "REASON" overrides and is recorded. Every apply that gets past its checks (nothing to do included) appends one JSON line to the audit log (.kzops/audit.jsonl beside the config directory, or --audit-log FILE): time, operator (KZOPS_OPERATOR, else git's user.name), target, plan fingerprint, planned counts, step outcomes, emergency reason and what it overrode, targeting. A refused apply writes no line.

--commit commits the state file, and only it, with a message that lists the changes (and an Emergency: line for --emergency).

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> apply',
    '<%= config.bin %> apply --target sandbox --yes',
    '<%= config.bin %> plan --target sandbox --out plan.json && <%= config.bin %> apply plan.json --target sandbox --yes',
    '<%= config.bin %> apply --target sandbox --yes --expect-fingerprint 1a2b3c4d5e6f',
    '<%= config.bin %> apply --target prod --yes --only carrier_sbcs/sprint-east --emergency "SBC east down, INC-4411"',
  ];
  static override args = {
    planfile: Args.string({ description: 'a plan saved by kzops plan --out', required: false }),
  };
  static override flags = {
    ...targetFlags,
    ...targetingFlags,
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
    emergency: Flags.string({
      description:
        'apply although the target is frozen or outside its change windows; the reason is recorded in the audit log and the --commit message',
    }),
    'audit-log': Flags.string({
      description: 'append the audit line here [default: .kzops/audit.jsonl beside the config directory]',
    }),
    'lock-timeout': Flags.integer({
      description: 'seconds to wait for another apply on the same target to finish',
      default: 0,
      min: 0,
    }),
  };

  async run(): Promise<ApplyJson> {
    const { args, flags } = await this.parseInput(ApplyCommand);
    const expected = flags['expect-fingerprint'];
    if (expected !== undefined && !isFingerprintPrefix(expected)) {
      throw new UsageError(
        `--expect-fingerprint ${expected}: not a plan fingerprint (${MIN_FINGERPRINT_PREFIX} to 64 hex digits)`,
        { hint: 'pass the fingerprint kzops plan printed (Plan fingerprint: ...), or all 64 hex digits' },
      );
    }
    const json = this.jsonEnabled();
    const run = await apply(
      {
        dir: flags.dir,
        target: flags.target,
        concurrency: flags.concurrency,
        json,
        planFile: args.planfile,
        yes: flags.yes,
        allowDeletes: flags['allow-deletes'],
        force: flags.force,
        commit: flags.commit,
        expectFingerprint: expected,
        lockTimeoutMs: flags['lock-timeout'] * 1000,
        only: flags.only,
        exclude: flags.exclude,
        emergency: flags.emergency,
        auditLog: flags['audit-log'],
        watchInterrupts: (onFirst) => watchInterrupts({ onFirst }),
      },
      processUi({ json }),
    );
    setOutcome(run.outcome);
    return run.json;
  }
}
