import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { carrierFlag, readFlags, readInput } from '../../cli/support-flags.js';
import { printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderCarrierSubscription } from '../../render/support-views.js';
import { deviceSubscription } from '../../services/support/devices.js';

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
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await deviceSubscription({ ...readInput(flags), carrier: flags.carrier, esn: args.esn });
    printView(ui, renderCarrierSubscription(result.data, result.envelope, ui));
    return result.data;
  }
}
