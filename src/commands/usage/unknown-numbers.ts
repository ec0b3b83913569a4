import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connectSupport, monthRangeFlags, readFlags, shown } from '../../cli/support.js';
import { monthRangeInput } from '../../core/support/input.js';
import { unknownNumbersCsvRows } from '../../core/support/usage-csv.js';
import { renderUsageReport, usageCsvText } from '../../render/usage.js';

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
    const range = monthRangeInput(flags);
    const conn = await connectSupport({ dir: flags.dir, target: flags.target });
    try {
      const { client } = conn;
      const report = (
        range !== undefined && 'month' in range
          ? await client.getUnknownNumbersUsageForMonth(range.month)
          : await client.getUnknownNumbersUsage(range)
      ).data;
      if (flags.csv) {
        process.stdout.write(usageCsvText(unknownNumbersCsvRows(report)));
        // Nothing for oclif to print as JSON: the CSV is the whole output.
        return undefined;
      }
      if (this.jsonEnabled()) return shown(report, flags['show-secrets']);
      const fetchMonth = async (month: string) => (await client.getUnknownNumbersUsageForMonth(month)).data;
      this.log(
        (
          await renderUsageReport('unknown-numbers', conn.label, report, unknownNumbersCsvRows, fetchMonth)
        ).trimEnd(),
      );
      return report;
    } finally {
      await conn.close();
    }
  }
}
