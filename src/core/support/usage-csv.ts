/**
 * Usage reports as CSV rows, with the columns of the server's own CSV route
 * (`GET /v2/support/usage/audit/{MONTH}/csv`: `account_id,mdn,bytes`), so a range or an
 * unknown-numbers report that kzops writes itself reads like a month the server wrote.
 *
 * The report shapes are restated structurally here, since the pure core does not import the
 * API layer; the API's AuditReport and UsageReport fit them.
 */

/** The server's CSV columns, in its order. */
export const USAGE_CSV_COLUMNS = ['account_id', 'mdn', 'bytes'] as const;

/** The audit's key for usage no existing account claims (the API's own spelling). */
export const UNKNOWN_ACCOUNT = 'unknown_account';

export type UsageCsvRow = [accountId: string, mdn: string, bytes: number];

/** Account id (or `unknown_account`) → MDN → bytes. */
export interface AuditLike {
  accounts: Record<string, Record<string, number>>;
}

/** MDN → bytes. */
export interface UnknownNumbersLike {
  per_mdn: Record<string, number>;
}

/**
 * One row per account and number, in the report's order: the server sorts accounts (with
 * `unknown_account` last) and numbers, and its CSV keeps that order, so keeping it here makes
 * the two byte-for-byte comparable.
 */
export function auditCsvRows(report: AuditLike): UsageCsvRow[] {
  const rows: UsageCsvRow[] = [];
  for (const [account, mdns] of Object.entries(report.accounts)) {
    for (const [mdn, bytes] of Object.entries(mdns)) rows.push([account, mdn, bytes]);
  }
  return rows;
}

/**
 * Unknown numbers belong to no existing account, which the audit files under
 * `unknown_account`; the same key here keeps one CSV layout for both reports.
 */
export function unknownNumbersCsvRows(report: UnknownNumbersLike): UsageCsvRow[] {
  return Object.entries(report.per_mdn).map(([mdn, bytes]) => [UNKNOWN_ACCOUNT, mdn, bytes]);
}
