import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { carrierFlag, readFlags, readInput } from '../../cli/support-flags.js';
import { printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderCarrierSubscription } from '../../render/support-views.js';
import { numberSubscription } from '../../services/support/devices.js';

export default class NumbersSubscription extends BaseCommand {
  static override summary = "Show the carrier's subscription for a phone number";
  static override description = `Asks the carrier (not the TOP database) what it has for the number: device (ESN), SIM, IMSI, plan, features and carrier data. The number may be written any usual way (4157487153, 415-748-7153, +1 415 748 7153).

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> numbers subscription 415-748-7153',
    '<%= config.bin %> numbers subscription +14157487153 --carrier sprint --json',
  ];
  static override flags = {
    ...readFlags,
    ...carrierFlag,
  };
  static override args = {
    mdn: Args.string({ description: 'the phone number', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(NumbersSubscription);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await numberSubscription({ ...readInput(flags), carrier: flags.carrier, mdn: args.mdn });
    printView(ui, renderCarrierSubscription(result.data, result.envelope, ui));
    return result.data;
  }
}
