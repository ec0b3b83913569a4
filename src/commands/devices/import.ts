import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags } from '../../cli/support-flags.js';
import { finish, printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderDevice } from '../../render/support-views.js';
import { importDevice } from '../../services/support/devices.js';

export default class DevicesImport extends BaseCommand {
  static override summary = 'Import a device that is already active at the carrier into an account';
  static override description = `Creates the device document from the carrier's record of the number (--mdn) or device (--esn). Both may be given, as the reference allows: the server looks the device up by the MDN, and kzops notes on stderr that the MDN wins. --file DEVICE.yaml (YAML or JSON) gives the rest of the body: name, voice (SIP credentials) and data (blocking and throttling caps); flags win over the file, and --mdn/--esn replace the file's mdn/esn. The file is checked before anything is sent. Answers 409 when a device already holds that number or ESN.

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --mdn 555-000-4441 --name "Front desk"',
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --esn 270113180000004442 --carrier sprint',
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --file device.yaml --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    mdn: Flags.string({
      description: "the device's phone number (5550004441, 555-000-4441 or +15550004441)",
    }),
    esn: Flags.string({ description: "the device's ESN, MEID or IMEI" }),
    name: Flags.string({ description: 'the device name [default: the server names it after its number]' }),
    carrier: Flags.string({ description: 'look the device up at this carrier only (e.g. sprint)' }),
    file: Flags.string({
      description: 'a YAML or JSON file with the import body (mdn or esn, name, voice, data)',
    }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account to import into (32 hex characters)',
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(DevicesImport);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await importDevice({ ...changeInput(flags), ...flags, accountId: args.account_id }, ui);
    return finish(ui, result, (device, done) => {
      ui.out(`Imported into account ${result.accountId} on ${done.label}:`);
      printView(ui, renderDevice(device, { account_id: result.accountId, ...done.envelope }, ui));
    });
  }
}
