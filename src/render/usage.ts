/**
 * The readable view of a usage report (`kzops usage audit`, `kzops usage unknown-numbers`):
 * one table per month that has data, each with its total, the whole period's total, and the
 * months without data named.
 *
 * Sizes are decimal (SI) units, powers of 1000: `1.99 GB` is 1,990,000,000 bytes. Carriers
 * bill and cap data in decimal units (the reference's caps are round decimal numbers such as
 * 2000000000), so a size shown here matches the carrier's figure instead of differing by the
 * 7% between GB and GiB. Each row also shows the exact byte count.
 */
import { stringify } from 'csv-stringify/sync';
import { USAGE_CSV_COLUMNS, type UsageCsvRow } from '../core/support/usage-csv.js';
import { renderTable, type Column } from './table.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'] as const;

/**
 * `1990000000` → `1.99 GB`; below 1000, whole bytes (`512 B`). Half-hundredths round up.
 * Two decimals always, so a column of sizes lines up; `trimZeros` drops trailing zeros for
 * a figure shown on its own (a cap of `2 GB`).
 */
export function formatBytes(bytes: number, opts: { trimZeros?: boolean } = {}): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  const abs = Math.abs(bytes);
  if (abs < 1000) return `${sign}${abs} B`;
  let unit = Math.min(Math.floor(Math.log10(abs) / 3), UNITS.length - 1);
  // Hundredths of the unit, rounded in one integer step; log10 can land one unit off at the
  // edges (999,999,999 rounds to 1000.00 MB), so step until the figure is below 1000.
  let hundredths = Math.round(abs / 10 ** (3 * unit - 2));
  while (hundredths >= 100_000 && unit < UNITS.length - 1) {
    unit += 1;
    hundredths = Math.round(abs / 10 ** (3 * unit - 2));
  }
  while (hundredths < 100 && unit > 1) {
    unit -= 1;
    hundredths = Math.round(abs / 10 ** (3 * unit - 2));
  }
  const whole = Math.floor(hundredths / 100);
  let frac = String(hundredths % 100).padStart(2, '0');
  if (opts.trimZeros) frac = frac.replace(/0+$/, '');
  return `${sign}${whole}${frac === '' ? '' : `.${frac}`} ${UNITS[unit]}`;
}

/** `1990000000` → `1,990,000,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export type UsageKind = 'audit' | 'unknown-numbers';

export interface UsageMonth {
  month: string;
  /** [account id, MDN, bytes] as in the CSV; the account is `unknown_account` for unknown numbers. */
  rows: UsageCsvRow[];
}

export interface UsageView {
  kind: UsageKind;
  /** The server, as the connection names it. */
  label: string;
  from: string;
  to: string;
  /** The period's total as the server summed it. */
  total: number;
  /** Months with data, oldest first. */
  months: UsageMonth[];
  /** Months of the period without data, oldest first. */
  emptyMonths: string[];
}

const TITLES: Record<UsageKind, string> = {
  audit: 'Usage audit',
  'unknown-numbers': 'Usage of unknown numbers',
};

function period(from: string, to: string): string {
  return from === to ? from : `${from} to ${to}`;
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function sum(rows: readonly UsageCsvRow[]): number {
  return rows.reduce((total, [, , bytes]) => total + bytes, 0);
}

/** Right-aligns a column's values by padding them to one width before the table pads the ends. */
function rightAligned(values: readonly string[], header: string): string[] {
  const width = Math.max(header.length, ...values.map((v) => v.length));
  return values.map((v) => v.padStart(width));
}

function monthTable(kind: UsageKind, rows: readonly UsageCsvRow[]): string {
  const sizes = rightAligned(
    rows.map(([, , bytes]) => formatBytes(bytes)),
    'usage',
  );
  const counts = rightAligned(
    rows.map(([, , bytes]) => formatCount(bytes)),
    'bytes',
  );
  const indexed = rows.map((row, i) => ({ row, i }));
  type Row = (typeof indexed)[number];
  const columns: Column<Row>[] = [
    ...(kind === 'audit' ? [{ header: 'account', get: (r: Row) => r.row[0] }] : []),
    { header: 'mdn', get: (r) => r.row[1] },
    { header: 'usage', get: (r) => sizes[r.i] ?? '' },
    { header: 'bytes', get: (r) => counts[r.i] ?? '' },
  ];
  return renderTable(indexed, columns);
}

/** What the month's rows cover: numbers, and for the audit accounts too. */
function coverage(kind: UsageKind, rows: readonly UsageCsvRow[]): string {
  const numbers = plural(new Set(rows.map(([, mdn]) => mdn)).size, 'number', 'numbers');
  if (kind !== 'audit') return numbers;
  return `${numbers} in ${plural(new Set(rows.map(([account]) => account)).size, 'account', 'accounts')}`;
}

/** The whole view, ending in a newline. */
export function renderUsage(view: UsageView): string {
  const out: string[] = [`${TITLES[view.kind]} on ${view.label}: ${period(view.from, view.to)}`];
  for (const { month, rows } of view.months) {
    const total = sum(rows);
    out.push('', month, monthTable(view.kind, rows).trimEnd());
    out.push(
      `Total ${month}: ${formatBytes(total)} (${formatCount(total)} bytes), ${coverage(view.kind, rows)}`,
    );
  }
  // A single month's total is already its table's; a range gets the server's sum as well.
  if (view.months.length > 0 && view.from !== view.to) {
    out.push(
      '',
      `Total ${period(view.from, view.to)}: ${formatBytes(view.total)} (${formatCount(view.total)} bytes)`,
    );
  }
  if (view.emptyMonths.length > 0) {
    out.push('', `No data for ${view.emptyMonths.join(', ')}.`);
  }
  return `${out.join('\n')}\n`;
}

/** Every month from `from` to `to` (YYYYMM, inclusive). */
export function monthsBetween(from: string, to: string): string[] {
  const index = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(4)) - 1;
  const months: string[] = [];
  for (let i = index(from); i <= index(to); i++) {
    months.push(`${String(Math.floor(i / 12)).padStart(4, '0')}${String((i % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

/** What the view needs of a report: its period and the months the server says are empty. */
export interface PeriodReport {
  from: string;
  to: string;
  empty_months?: string[];
}

/**
 * The months of a report, each with its rows, for the view. The server sums a range into one
 * report, so for a range each month it does not call empty is read on its own
 * (`fetchMonth`, the month routes) to give it its own table; a single month is the report
 * itself. A month is empty when the server says so or it has no rows.
 */
export async function usageMonths<R extends PeriodReport>(
  report: R,
  rowsOf: (report: R) => UsageCsvRow[],
  fetchMonth: (month: string) => Promise<R>,
): Promise<{ months: UsageMonth[]; emptyMonths: string[] }> {
  const said = new Set(report.empty_months ?? []);
  const candidates = monthsBetween(report.from, report.to).filter((m) => !said.has(m));
  const single = report.from === report.to;
  const read = await Promise.all(
    candidates.map(async (month) => {
      const r = single ? report : await fetchMonth(month);
      const empty = (r.empty_months ?? []).includes(month);
      return { month, rows: empty ? [] : rowsOf(r) };
    }),
  );
  const months = read.filter((m) => m.rows.length > 0);
  const withData = new Set(months.map((m) => m.month));
  const emptyMonths = monthsBetween(report.from, report.to).filter((m) => !withData.has(m));
  return { months, emptyMonths };
}

/** Rows as the server's CSV route writes them: header `account_id,mdn,bytes`, CRLF (RFC 4180). */
export function usageCsvText(rows: readonly UsageCsvRow[]): string {
  return stringify([...rows], { header: true, columns: [...USAGE_CSV_COLUMNS], record_delimiter: 'windows' });
}

/** The readable view of a report with its own per-month tables (see usageMonths). */
export async function renderUsageReport<R extends PeriodReport & { total: number }>(
  kind: UsageKind,
  label: string,
  report: R,
  rowsOf: (report: R) => UsageCsvRow[],
  fetchMonth: (month: string) => Promise<R>,
): Promise<string> {
  const { months, emptyMonths } = await usageMonths(report, rowsOf, fetchMonth);
  return renderUsage({
    kind,
    label,
    from: report.from,
    to: report.to,
    total: report.total,
    months,
    emptyMonths,
  });
}
