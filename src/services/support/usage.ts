/**
 * Usage reports of the support API: the data usage audit of every account, and usage of
 * numbers that belong to no account, for the current month, one month or a range.
 */
import type { AuditReport, UsageReport } from '../../api/types.js';
import { monthRangeInput } from '../../core/support/input.js';
import { auditCsvRows, unknownNumbersCsvRows } from '../../core/support/usage-csv.js';
import { renderUsageReport, usageCsvText } from '../../render/usage.js';
import { connectRead, shown, type TargetInput } from './session.js';

export interface UsageInput extends TargetInput {
  month?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** `--csv`: the CSV text only (wins over --json). */
  csv: boolean;
  /** `--json`: the report only, no readable view (which may read each month on its own). */
  json: boolean;
  showSecrets: boolean;
}

/** One of: the CSV text, the report (for --json), or the report and its readable view. */
export type UsageResult<R> =
  | { outcome: 'done'; format: 'csv'; csv: string }
  | { outcome: 'done'; format: 'json'; report: R }
  | { outcome: 'done'; format: 'text'; report: R; text: string };

/** `usage audit`. With --month, --csv is the server's own CSV, as is. */
export async function usageAudit(input: UsageInput): Promise<UsageResult<AuditReport>> {
  const range = monthRangeInput(input);
  const conn = await connectRead(input);
  try {
    const { client } = conn;
    const month = range !== undefined && 'month' in range ? range.month : undefined;
    if (input.csv) {
      const csv =
        month !== undefined
          ? await client.getUsageAuditCsv(month)
          : usageCsvText(auditCsvRows((await client.getUsageAudit(range)).data));
      return { outcome: 'done', format: 'csv', csv };
    }
    const report = (
      month !== undefined ? await client.getUsageAuditForMonth(month) : await client.getUsageAudit(range)
    ).data;
    if (input.json) return { outcome: 'done', format: 'json', report: shown(report, input.showSecrets) };
    const fetchMonth = async (m: string) => (await client.getUsageAuditForMonth(m)).data;
    const text = await renderUsageReport('audit', conn.label, report, auditCsvRows, fetchMonth);
    return { outcome: 'done', format: 'text', report, text };
  } finally {
    await conn.close();
  }
}

/** `usage unknown-numbers`. The server has no CSV route for it: kzops writes the CSV. */
export async function usageUnknownNumbers(input: UsageInput): Promise<UsageResult<UsageReport>> {
  const range = monthRangeInput(input);
  const conn = await connectRead(input);
  try {
    const { client } = conn;
    const report = (
      range !== undefined && 'month' in range
        ? await client.getUnknownNumbersUsageForMonth(range.month)
        : await client.getUnknownNumbersUsage(range)
    ).data;
    if (input.csv)
      return { outcome: 'done', format: 'csv', csv: usageCsvText(unknownNumbersCsvRows(report)) };
    if (input.json) return { outcome: 'done', format: 'json', report: shown(report, input.showSecrets) };
    const fetchMonth = async (m: string) => (await client.getUnknownNumbersUsageForMonth(m)).data;
    const text = await renderUsageReport(
      'unknown-numbers',
      conn.label,
      report,
      unknownNumbersCsvRows,
      fetchMonth,
    );
    return { outcome: 'done', format: 'text', report, text };
  } finally {
    await conn.close();
  }
}
