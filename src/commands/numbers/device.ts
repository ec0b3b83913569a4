import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { connect } from '../../cli/connect.js';
import { readFlags, shown } from '../../cli/support.js';
import { mdnInput } from '../../core/support/input.js';
import { renderDevice } from '../../render/support-views.js';

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
    const mdn = mdnInput('MDN', args.mdn);
    const conn = await connect({ dir: flags.dir, target: flags.target });
    try {
      const result = await conn.client.getDeviceByMdn(mdn);
      const device = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled())
        process.stdout.write(renderDevice(device, result.envelope, { color: useColor() }));
      return device;
    } finally {
      await conn.close();
    }
  }
}
