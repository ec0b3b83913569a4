import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags } from '../../cli/support-flags.js';
import { finish } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { isRecord } from '../../core/json.js';
import { PORT_STATUS_CODES, PORT_STATUS_SOURCES } from '../../core/support/shapes.js';
import { gregorianIso } from '../../render/support-views.js';
import { setPortStatus } from '../../services/support/ports.js';

export default class PortsStatus extends BaseCommand {
  static override summary = "Force a port-in request's status";
  static override description = `Sends POST /v2/support/ports/in/{PORT_ID}/status (master level), for when the carrier's port messages are late or lost. The server marks the status forced_update: true; completed and canceled also update the device that uses the number. --source says who reported the status (carrier or top; the server's default is top).

--dry-run prints the request as a curl line and sends nothing (with --json: {"dry_run": true, "requests": [the curl line]}). Every update sent is recorded in the audit trail (.kzops/audit.jsonl beside the config directory, or --audit-log).

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> ports status b0470000000000000000000000000001 --code completed',
    '<%= config.bin %> ports status b0470000000000000000000000000001 --code canceled --source carrier --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    code: Flags.string({
      description: 'the new status',
      required: true,
      options: [...PORT_STATUS_CODES],
    }),
    source: Flags.string({
      description: 'who reports the status [default on the server: top]',
      options: [...PORT_STATUS_SOURCES],
    }),
  };
  static override args = {
    port_id: Args.string({ description: 'the port request id (32 hex characters)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(PortsStatus);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await setPortStatus({ ...changeInput(flags), ...flags, portId: args.port_id });
    return finish(ui, result, (data, done) => ui.out(describePort(result.portId, data, done.label)));
  }
}

/** The port's new status as the server answered it; unknown shapes are shown as JSON. */
function describePort(portId: string, data: unknown, label: string): string {
  const status = isRecord(data) && isRecord(data.status) ? data.status : undefined;
  if (status === undefined || typeof status.code !== 'string') {
    return `Port ${portId} on ${label}: the server answered ${JSON.stringify(data ?? null)}`;
  }
  const number = isRecord(data) && typeof data.mdn === 'string' ? ` (${data.mdn})` : '';
  const details = [
    typeof status.source === 'string' ? `source ${status.source}` : undefined,
    status.forced_update === true ? 'forced update' : undefined,
    gregorianIso(status.timestamp),
  ].filter((d) => d !== undefined);
  const more = details.length > 0 ? ` (${details.join(', ')})` : '';
  return `Port ${portId}${number} on ${label} is now ${status.code}${more}.`;
}
