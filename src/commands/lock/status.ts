import { BaseCommand } from '../../cli/base-command.js';
import { targetFlags } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { describeLocalHolder } from '../../reconcile/lock.js';
import { describeHolder } from '../../reconcile/shared-lock.js';
import { lockTarget, readLocks, type LockStatusJson } from '../../services/lock.js';

export default class LockStatus extends BaseCommand {
  static override summary = "Show who holds a target's apply lock";
  static override description = `An apply takes two locks on its target: a lock file in this checkout (.kzops/locks/<target>.lock) and, when the config directory is in a git repository with a remote, a ref on that remote (refs/kzops/locks/<target>) that every clone and CI runner sees. This shows both: who holds them, on which host, since when, and when the shared one expires unless its apply renews it.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> lock status --target sandbox',
    '<%= config.bin %> lock status --json',
  ];
  static override flags = { ...targetFlags };

  async run(): Promise<LockStatusJson> {
    const { flags } = await this.parseInput(LockStatus);
    const t = await lockTarget(flags);
    const { shared, local, json } = await readLocks(t);
    if (!this.jsonEnabled()) {
      const lines = [`Target ${t.target}:`];
      const s = json.shared;
      if (s.remote === null) lines.push(`  shared lock: none (${s.reason})`);
      else if (shared === undefined) lines.push(`  shared lock (${s.remote}, ${s.ref}): free`);
      else {
        const state = s.expired
          ? `expired at ${s.expires ?? '?'}`
          : `expires at ${s.expires ?? '?'} unless renewed`;
        const gone = s.holder_gone ? '; its process is no longer running' : '';
        lines.push(
          `  shared lock (${s.remote}, ${s.ref}): held by ${describeHolder(shared)}; ${state}${gone}`,
        );
      }
      lines.push(
        local === undefined
          ? `  local lock (${t.localPath}): free`
          : `  local lock (${t.localPath}): held by ${describeLocalHolder(local)}${local.status === 'dead' ? '; its process is no longer running' : local.status === 'abandoned' ? '; abandoned' : ''}`,
      );
      processUi().out(lines.join('\n'));
    }
    return json;
  }
}
