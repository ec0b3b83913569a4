import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { monthRangeFlags, readFlags, readInput } from '../../cli/support-flags.js';
import { processUi } from '../../cli/ui.js';
import { write } from '../../services/ui.js';
import { usageUnknownNumbers } from '../../services/support/usage.js';

export default class UsageUnknownNumbers extends BaseCommand {
  static override summary = 'Data usage of numbers that belong to no account, for a month or a range';
  static override description = `Reads GET /v2/support/usage/unknown_numbers (super_master): usage recorded for numbers with no account, or an account that does not exist. With no month flags the server reports the current month. The readable view has one table per month with data (number, size in decimal units: 1 GB = 1000^3 bytes, and the exact bytes), each month's total, the period's total and the months without data. A range is one report for --json and --csv; for the readable view each month with data is also read on its own.

--csv prints only CSV, and wins over --json. The server has no CSV route for this report, so kzops writes it from the JSON with the columns of the audit's CSV (account_id,mdn,bytes), account_id being unknown_account as in the audit.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> usage unknown-numbers --month 201611',
    '<%= config.bin %> usage unknown-numbers --from 201610 --to 201701 --csv',
  ];
  static override flags = {
    ...readFlags,
    ...monthRangeFlags,
    csv: Flags.boolean({
      description: 'print CSV (account_id,mdn,bytes) instead; wins over --json',
      default: false,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parseInput(UsageUnknownNumbers);
    const json = this.jsonEnabled();
    const result = await usageUnknownNumbers({ ...readInput(flags), ...flags, json });
    if (result.format === 'csv') {
      // The CSV is the whole output, also under --json: nothing for oclif to print as JSON.
      write(processUi(), result.csv);
      return undefined;
    }
    if (result.format === 'text') processUi({ json }).out(result.text.trimEnd());
    return result.report;
  }
}
