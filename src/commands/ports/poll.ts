import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags } from '../../cli/support-flags.js';
import { finish } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { isRecord } from '../../core/json.js';
import { gregorianIso } from '../../render/support-views.js';
import { pollPorts } from '../../services/support/ports.js';

export default class PortsPoll extends BaseCommand {
  static override summary = "Poll the carrier's port-in messages now";
  static override description = `Sends POST /v2/support/ports/poll (master level), which makes the server read the carrier's port messages now instead of at its next scheduled poll. The reference documents no response; kzops prints what the server answers (the simulator: when it polled).

--dry-run prints the request as a curl line and sends nothing (with --json: {"dry_run": true, "requests": [the curl line]}). Every poll sent is recorded in the audit trail (.kzops/audit.jsonl beside the config directory, or --audit-log).

${BaseCommand.exitCodesHelp}`;
  static override examples = ['<%= config.bin %> ports poll', '<%= config.bin %> ports poll --dry-run'];
  static override flags = { ...writeFlags };

  async run(): Promise<unknown> {
    const { flags } = await this.parseInput(PortsPoll);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await pollPorts(changeInput(flags));
    return finish(ui, result, (data, done) => ui.out(describePoll(data, done.label)));
  }
}

/** One line from whatever the server answered; unknown shapes are shown as JSON. */
function describePoll(data: unknown, label: string): string {
  if (isRecord(data) && data.polled === false)
    return `The server on ${label} did not poll: ${JSON.stringify(data)}`;
  const at = isRecord(data) ? gregorianIso(data.timestamp) : undefined;
  if (isRecord(data) && at !== undefined) return `Polled the carrier's port messages on ${label} at ${at}.`;
  const extra =
    data === undefined || (isRecord(data) && Object.keys(data).length === 0)
      ? ''
      : `: ${JSON.stringify(data)}`;
  return `Poll requested on ${label}${extra}.`;
}
