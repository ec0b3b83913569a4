import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { connect } from '../../cli/connect.js';
import { carrierFlag, readFlags, shown } from '../../cli/support.js';
import { carrierInput, esnInput } from '../../core/support/input.js';
import { renderCarrierSubscription } from '../../render/support-views.js';

export default class DevicesSubscription extends BaseCommand {
  static override summary = "Show the carrier's subscription for a device";
  static override description = `Asks the carrier (not the TOP database) what it has for the ESN, MEID or IMEI: number, SIM, IMSI, plan, features and carrier data.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> devices subscription 270113180000001111',
    '<%= config.bin %> devices subscription 270113180000001111 --carrier sprint --json',
  ];
  static override flags = {
    ...readFlags,
    ...carrierFlag,
  };
  static override args = {
    esn: Args.string({ description: "the device's ESN, MEID or IMEI (8 to 18 hex digits)", required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(DevicesSubscription);
    const esn = esnInput('ESN', args.esn);
    const carrier = flags.carrier === undefined ? undefined : carrierInput('--carrier', flags.carrier);
    const conn = await connect({ dir: flags.dir, target: flags.target });
    try {
      const result = await conn.client.getDeviceSubscription(esn, { carrier });
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
