/**
 * Data usage reports of the support API: usage of "unknown" numbers (no account, or an
 * account that does not exist) and the audit of usage across all accounts, over a range of
 * months, plus a single month's audit as CSV.
 */
import { validationError, type FieldErrors } from '../errors.js';
import type { JsonObject, SimContext, SimState, UsageRecord } from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';

/** The longest range a report may cover; a bound so one request cannot ask for decades. */
export const MAX_REPORT_MONTHS = 36;

/** The audit's key for usage no existing account claims. */
export const UNKNOWN_ACCOUNT = 'unknown_account';

const MONTH = /^([0-9]{4})(0[1-9]|1[0-2])$/;

// ---------------------------------------------------------------------------------------
// Months

/** A month as a count of months since year 0, so ranges are plain integer ranges. */
function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(4)) - 1;
}

function monthAt(index: number): string {
  return `${String(Math.floor(index / 12)).padStart(4, '0')}${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The current month in UTC, YYYYMM. */
export function currentMonth(unixMs: number): string {
  const d = new Date(unixMs);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

interface MonthRange {
  from: string;
  to: string;
  months: string[];
}

function checkMonth(errors: FieldErrors, field: string, value: string): void {
  if (!MONTH.test(value)) {
    errors[field] = { pattern: { message: 'Value is not a month in the form YYYYMM', value } };
  }
}

/**
 * The months a report covers. A month in the path, else `?month=`, names a single month and
 * overrides `from`/`to` (which are then not even looked at); `from` and `to` default to the
 * current month.
 */
function reportRange(ctx: SimContext, req: SimRequest): MonthRange {
  const errors: FieldErrors = {};
  const single = req.params.month ?? req.query.get('month') ?? undefined;
  const now = currentMonth(ctx.now());
  const from = single ?? req.query.get('from') ?? now;
  const to = single ?? req.query.get('to') ?? now;
  if (single !== undefined) {
    checkMonth(errors, 'month', single);
  } else {
    checkMonth(errors, 'from', from);
    checkMonth(errors, 'to', to);
  }
  if (Object.keys(errors).length === 0) {
    const span = monthIndex(to) - monthIndex(from) + 1;
    if (span < 1) {
      errors.from = { maximum: { message: `Must not be after to (${to})`, value: from } };
    } else if (span > MAX_REPORT_MONTHS) {
      errors.to = { range: { message: `A report may cover at most ${MAX_REPORT_MONTHS} months`, value: to } };
    }
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  const months = Array.from({ length: monthIndex(to) - monthIndex(from) + 1 }, (_, i) =>
    monthAt(monthIndex(from) + i),
  );
  return { from, to, months };
}

// ---------------------------------------------------------------------------------------
// Sums

function isUnknown(known: Set<string>, record: UsageRecord): boolean {
  return record.account_id === null || !known.has(record.account_id);
}

function usageIn(state: SimState, range: MonthRange): UsageRecord[] {
  const months = new Set(range.months);
  return state.usage.filter((u) => months.has(u.month));
}

/** Bytes per MDN, keys sorted so reports are stable. */
function perMdn(records: UsageRecord[]): Record<string, number> {
  const sums = new Map<string, number>();
  for (const r of records) sums.set(r.mdn, (sums.get(r.mdn) ?? 0) + r.bytes);
  return Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)));
}

function total(records: UsageRecord[]): number {
  return records.reduce((sum, r) => sum + r.bytes, 0);
}

/** The range's months in which the report's records show no usage at all. */
function emptyMonths(range: MonthRange, records: UsageRecord[]): string[] {
  const used = new Set(records.filter((r) => r.bytes > 0).map((r) => r.month));
  return range.months.filter((m) => !used.has(m));
}

function report(range: MonthRange, records: UsageRecord[], body: JsonObject): JsonObject {
  const data: JsonObject = { from: range.from, to: range.to, total: total(records), ...body };
  const empty = emptyMonths(range, records);
  // Listed only when some month is empty, as the reference describes.
  if (empty.length > 0) data.empty_months = empty;
  return data;
}

/** Usage grouped by account (sorted), unknown usage under `unknown_account` when there is any. */
function byAccount(state: SimState, records: UsageRecord[]): Record<string, Record<string, number>> {
  const known = new Set(state.accounts.map((a) => a.id));
  const groups = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const key = isUnknown(known, r) ? UNKNOWN_ACCOUNT : (r.account_id as string);
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const keys = [...groups.keys()].filter((k) => k !== UNKNOWN_ACCOUNT).sort();
  if (groups.has(UNKNOWN_ACCOUNT)) keys.push(UNKNOWN_ACCOUNT);
  return Object.fromEntries(keys.map((k) => [k, perMdn(groups.get(k) ?? [])]));
}

// ---------------------------------------------------------------------------------------
// Handlers

function unknownNumbers(ctx: SimContext, req: SimRequest): SimResult {
  const range = reportRange(ctx, req);
  const known = new Set(ctx.state.accounts.map((a) => a.id));
  const records = usageIn(ctx.state, range).filter((r) => isUnknown(known, r));
  return { data: report(range, records, { per_mdn: perMdn(records) }) };
}

function audit(ctx: SimContext, req: SimRequest): SimResult {
  const range = reportRange(ctx, req);
  const records = usageIn(ctx.state, range);
  return { data: report(range, records, { accounts: byAccount(ctx.state, records) }) };
}

/** Quotes a CSV field when it needs it (RFC 4180); ids and numbers never do, but be safe. */
function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function auditCsv(ctx: SimContext, req: SimRequest): SimResult {
  const range = reportRange(ctx, req);
  const accounts = byAccount(ctx.state, usageIn(ctx.state, range));
  const lines = ['account_id,mdn,bytes'];
  for (const [account, mdns] of Object.entries(accounts)) {
    for (const [mdn, bytes] of Object.entries(mdns))
      lines.push([account, mdn, bytes].map(csvField).join(','));
  }
  return {
    data: null,
    raw: { contentType: 'text/csv; charset=utf-8', body: `${lines.join('\r\n')}\r\n` },
  };
}

export const usageRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/v2/support/usage/unknown_numbers',
    level: 'super_master',
    handler: unknownNumbers,
  },
  {
    method: 'GET',
    path: '/v2/support/usage/unknown_numbers/:month',
    level: 'super_master',
    handler: unknownNumbers,
  },
  { method: 'GET', path: '/v2/support/usage/audit', level: 'super_master', handler: audit },
  { method: 'GET', path: '/v2/support/usage/audit/:month', level: 'super_master', handler: audit },
  { method: 'GET', path: '/v2/support/usage/audit/:month/csv', level: 'super_master', handler: auditCsv },
];
