import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { monthRangeFlags, readFlags, readInput } from '../../cli/support-flags.js';
import { processUi } from '../../cli/ui.js';
import { write } from '../../services/ui.js';
import { usageAudit } from '../../services/support/usage.js';

export default class UsageAudit extends BaseCommand {
  static override summary = 'Data usage of every account, for a month or a range of months';
  static override description = `Reads GET /v2/support/usage/audit (super_master). With no month flags the server reports the current month. The readable view has one table per month with data (account, number, size in decimal units: 1 GB = 1000^3 bytes, and the exact bytes), each month's total, the period's total and the months without data. A range is one report for --json and --csv; for the readable view each month with data is also read on its own.

--csv prints only CSV (account_id,mdn,bytes), and wins over --json. With --month it is the server's own CSV (GET /v2/support/usage/audit/{MONTH}/csv) as is; for a range or the current month kzops writes the same columns from the JSON report, summed over the period.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> usage audit --month 201701',
    '<%= config.bin %> usage audit --from 201610 --to 201701 --json',
    '<%= config.bin %> usage audit --month 201701 --csv > usage-201701.csv',
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
    const { flags } = await this.parseInput(UsageAudit);
    const json = this.jsonEnabled();
    const result = await usageAudit({ ...readInput(flags), ...flags, json });
    if (result.format === 'csv') {
      // The CSV is the whole output, also under --json: nothing for oclif to print as JSON.
      write(processUi(), result.csv);
      return undefined;
    }
    if (result.format === 'text') processUi({ json }).out(result.text.trimEnd());
    return result.report;
  }
}
