import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags } from '../../cli/support-flags.js';
import { finish, printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderDevice } from '../../render/support-views.js';
import { patchDevice } from '../../services/support/devices.js';

export default class DevicesPatch extends BaseCommand {
  static override summary = 'Change fields of a device';
  static override description = `Sends a PATCH with the fields of --file PATCH.yaml (YAML or JSON) or of --set path=value (repeatable; a JSON literal such as 12, true, null, "12", [..] or {..} is that JSON value, anything else is text, as with gh api -F: --set name=Front Desk Phone). null removes a field. The patch is checked against the device's shape before anything is sent. The server stamps additional_properties.last_manual_update.

The merge is shallow unless --recursive: a nested field such as voice is replaced whole, so its keys that the patch leaves out are removed (kzops says so before sending).

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    `<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --set 'name=Joe mobile'`,
    '<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --set data.blocking.cap=0 --recursive',
    '<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --file patch.yaml --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    file: Flags.string({ description: 'a YAML or JSON file with the fields to change' }),
    set: Flags.string({
      description: 'path=value to change (repeatable): --set name=Joe --set voice.sip.username=joe',
      multiple: true,
      multipleNonGreedy: true,
    }),
    recursive: Flags.boolean({
      description: 'merge nested fields key by key instead of replacing them whole',
      default: false,
    }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account that holds the device (32 hex characters)',
      required: true,
    }),
    device_id: Args.string({ description: 'the device (32 hex characters)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(DevicesPatch);
    const ui = processUi({ json: this.jsonEnabled() });
    const input = { ...changeInput(flags), ...flags, accountId: args.account_id, deviceId: args.device_id };
    const result = await patchDevice(input, ui);
    return finish(ui, result, (device, done) => {
      ui.out(`Patched on ${done.label}:`);
      printView(ui, renderDevice(device, { account_id: result.accountId, ...done.envelope }, ui));
    });
  }
}
