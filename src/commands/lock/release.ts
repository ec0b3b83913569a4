import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { targetFlags } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { releaseLocks, type LockReleaseJson } from '../../services/lock.js';

export default class LockRelease extends BaseCommand {
  static override summary = "Remove a target's apply lock left by an apply that is gone";
  static override description = `Removes the target's shared lock (the ref refs/kzops/locks/<target> on the config repository's git remote) and its lock file in this checkout (.kzops/locks/<target>.lock), and says whose they were.

A lock whose apply is known to be over (the shared lock is past its expiry, or the holder was a process on this host that is no longer running) is removed as is. A lock that may still be in use needs --force, and a confirmation (or --yes without a terminal): removing the lock of a running apply lets a second one run beside it. A lock that changes while it is being removed (taken by another apply) is left alone.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> lock release --target sandbox',
    '<%= config.bin %> lock release --target sandbox --force --yes',
  ];
  static override flags = {
    ...targetFlags,
    force: Flags.boolean({
      description: 'also remove a lock whose apply may still be running',
      default: false,
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'do not ask for confirmation (needed with --force without a terminal)',
      default: false,
    }),
  };

  async run(): Promise<LockReleaseJson> {
    const { flags } = await this.parseInput(LockRelease);
    return releaseLocks(
      { dir: flags.dir, target: flags.target, force: flags.force, yes: flags.yes },
      processUi({ json: this.jsonEnabled() }),
    );
  }
}
