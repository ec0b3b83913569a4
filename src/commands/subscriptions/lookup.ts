import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { carrierFlag, readFlags, readInput } from '../../cli/support-flags.js';
import { printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderLookup } from '../../render/support-views.js';
import { lookupSubscription } from '../../services/support/subscriptions.js';

export default class SubscriptionsLookup extends BaseCommand {
  static override summary = 'Look a subscription up at the carrier, and find it in TOP';
  static override description = `Asks the carrier for the subscription of a device (--esn), SIM card (--sim) or number (--mdn). When the TOP database also has it, shows the account, subscription id and cluster it is in; --json prints the whole answer, the stored document with its private fields included. Read-only, although the route is a POST.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions lookup --mdn 415-748-7153',
    '<%= config.bin %> subscriptions lookup --esn 270113180000007153 --carrier sprint --json',
  ];
  static override flags = {
    ...readFlags,
    esn: Flags.string({ description: "the device's ESN, MEID or IMEI" }),
    sim: Flags.string({ description: 'the SIM card number (ICCID)' }),
    mdn: Flags.string({ description: 'the phone number (4157487153, 415-748-7153 or +14157487153)' }),
    ...carrierFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parseInput(SubscriptionsLookup);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await lookupSubscription({ ...readInput(flags), ...flags });
    printView(ui, renderLookup(result.data, ui));
    return result.data;
  }
}
