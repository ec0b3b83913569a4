import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags } from '../../cli/support-flags.js';
import { finish, printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderSubscription } from '../../render/support-views.js';
import { importSubscription } from '../../services/support/subscriptions.js';

export default class SubscriptionsImport extends BaseCommand {
  static override summary = 'Import a subscription that is active at the carrier into an account';
  static override description = `Creates the subscription document in TOP from the carrier's record of the device (--esn), SIM card (--sim) or number (--mdn). A subscription with a device also gets a device document; --device-file DEVICE.yaml (YAML or JSON: name, voice, data) gives its settings, checked before anything is sent. Answers 409 when TOP already has the subscription or a device holds its ESN.

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --mdn 555-000-4441',
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --esn 270113180000004442 --device-file device.yaml',
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --sim 89011200000000004443 --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    esn: Flags.string({ description: "the device's ESN, MEID or IMEI" }),
    sim: Flags.string({ description: 'the SIM card number (ICCID)' }),
    mdn: Flags.string({ description: 'the phone number (5550004441, 555-000-4441 or +15550004441)' }),
    'device-file': Flags.string({
      description: 'a YAML or JSON file with the device settings: name, voice (SIP), data (caps)',
    }),
    carrier: Flags.string({ description: 'import from this carrier only (e.g. sprint)' }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account to import into (32 hex characters)',
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(SubscriptionsImport);
    const ui = processUi({ json: this.jsonEnabled() });
    const input = {
      ...changeInput(flags),
      ...flags,
      accountId: args.account_id,
      deviceFile: flags['device-file'],
    };
    const result = await importSubscription(input);
    return finish(ui, result, (sub, done) => {
      ui.out(`Imported into account ${result.accountId} on ${done.label}:`);
      printView(ui, renderSubscription(sub, ui));
    });
  }
}
