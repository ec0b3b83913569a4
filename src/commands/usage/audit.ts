import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connectSupport, monthRangeFlags, readFlags, shown } from '../../cli/support.js';
import { monthRangeInput } from '../../core/support/input.js';
import { auditCsvRows } from '../../core/support/usage-csv.js';
import { renderUsageReport, usageCsvText } from '../../render/usage.js';

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
    const range = monthRangeInput(flags);
    const conn = await connectSupport({ dir: flags.dir, target: flags.target });
    try {
      const { client } = conn;
      if (flags.csv) {
        const csv =
          range !== undefined && 'month' in range
            ? await client.getUsageAuditCsv(range.month)
            : usageCsvText(auditCsvRows((await client.getUsageAudit(range)).data));
        process.stdout.write(csv);
        // Nothing for oclif to print as JSON: the CSV is the whole output.
        return undefined;
      }
      const report = (
        range !== undefined && 'month' in range
          ? await client.getUsageAuditForMonth(range.month)
          : await client.getUsageAudit(range)
      ).data;
      if (this.jsonEnabled()) return shown(report, flags['show-secrets']);
      const fetchMonth = async (month: string) => (await client.getUsageAuditForMonth(month)).data;
      this.log((await renderUsageReport('audit', conn.label, report, auditCsvRows, fetchMonth)).trimEnd());
      return report;
    } finally {
      await conn.close();
    }
  }
}
