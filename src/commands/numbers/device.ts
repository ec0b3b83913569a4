import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { readFlags, readInput } from '../../cli/support-flags.js';
import { printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderDevice } from '../../render/support-views.js';
import { numberDevice } from '../../services/support/devices.js';

export default class NumbersDevice extends BaseCommand {
  static override summary = 'Show the device that has a phone number, and its account';
  static override description = `Finds the device document in the TOP database by its number, whatever account holds it. The number may be written any usual way (5550001111, 555-000-1111, +1 555 000 1111). SIP passwords are masked unless --show-secrets.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> numbers device 555-000-1111',
    '<%= config.bin %> numbers device +15550001111 --json',
  ];
  static override flags = { ...readFlags };
  static override args = {
    mdn: Args.string({ description: 'the phone number', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(NumbersDevice);
    const ui = processUi({ json: this.jsonEnabled() });
    const result = await numberDevice({ ...readInput(flags), mdn: args.mdn });
    printView(ui, renderDevice(result.data, result.envelope, ui));
    return result.data;
  }
}
