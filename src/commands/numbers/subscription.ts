import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { connect } from '../../cli/connect.js';
import { carrierFlag, readFlags, shown } from '../../cli/support.js';
import { carrierInput, mdnInput } from '../../core/support/input.js';
import { renderCarrierSubscription } from '../../render/support-views.js';

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
    const mdn = mdnInput('MDN', args.mdn);
    const carrier = flags.carrier === undefined ? undefined : carrierInput('--carrier', flags.carrier);
    const conn = await connect({ dir: flags.dir, target: flags.target });
    try {
      const result = await conn.client.getNumberSubscription(mdn, { carrier });
      const sub = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled()) {
        process.stdout.write(renderCarrierSubscription(sub, result.envelope, { color: useColor() }));
      }
      return sub;
    } finally {
      await conn.close();
    }
  }
}
