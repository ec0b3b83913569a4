/**
 * The usage view (src/render/usage.ts) and the usage CSV rows (src/core/support/usage-csv.ts):
 * decimal sizes, one table per month with data, totals, and the months without data named.
 */
import { describe, expect, it } from 'vitest';
import {
  auditCsvRows,
  unknownNumbersCsvRows,
  USAGE_CSV_COLUMNS,
  type UsageCsvRow,
} from '../../src/core/support/usage-csv.js';
import {
  formatBytes,
  monthsBetween,
  renderUsage,
  usageMonths,
  type PeriodReport,
  type UsageView,
} from '../../src/render/usage.js';

const JOE = '0123456789abcdef0123456789abcdef';
const HOTSPOT = 'fedcba9876543210fedcba9876543210';

describe('formatBytes: decimal (SI) units, two decimals', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.00 kB'],
    [1_500, '1.50 kB'],
    [800_000, '800.00 kB'],
    [1_250_000, '1.25 MB'],
    [1_990_000_000, '1.99 GB'],
    [2_000_000_000, '2.00 GB'],
    [1_234_567_890_123, '1.23 TB'],
    [-2_500_000, '-2.50 MB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('uses 1000, not 1024: a GiB is more than a GB', () => {
    expect(formatBytes(1024 ** 3)).toBe('1.07 GB');
    expect(formatBytes(1024)).toBe('1.02 kB');
  });

  it('rounds half-hundredths up and steps to the next unit instead of printing 1000.00', () => {
    expect(formatBytes(1_005_000)).toBe('1.01 MB');
    expect(formatBytes(999_999_999)).toBe('1.00 GB');
    expect(formatBytes(999_994_999)).toBe('999.99 MB');
    expect(formatBytes(999_999)).toBe('1.00 MB');
  });

  it('trimZeros drops trailing zeros for a figure shown alone, after the same rounding', () => {
    expect(formatBytes(2_000_000_000, { trimZeros: true })).toBe('2 GB');
    expect(formatBytes(2_500_000_000, { trimZeros: true })).toBe('2.5 GB');
    expect(formatBytes(1_990_000_000, { trimZeros: true })).toBe('1.99 GB');
    expect(formatBytes(999_999, { trimZeros: true })).toBe('1 MB');
    expect(formatBytes(512, { trimZeros: true })).toBe('512 B');
  });
});

describe('monthsBetween', () => {
  it('crosses a year and includes both ends', () => {
    expect(monthsBetween('201610', '201702')).toEqual(['201610', '201611', '201612', '201701', '201702']);
    expect(monthsBetween('202611', '202611')).toEqual(['202611']);
  });
});

describe('usage CSV rows', () => {
  it('keeps the columns and row order of the server CSV', () => {
    expect(USAGE_CSV_COLUMNS).toEqual(['account_id', 'mdn', 'bytes']);
    const rows = auditCsvRows({
      accounts: {
        [JOE]: { '+15550001111': 2_000_000, '+15550001112': 1_900_000_000 },
        [HOTSPOT]: { '+15550002221': 28_000_000 },
        unknown_account: { '+15550123456': 12_000_000 },
      },
    });
    expect(rows).toEqual([
      [JOE, '+15550001111', 2_000_000],
      [JOE, '+15550001112', 1_900_000_000],
      [HOTSPOT, '+15550002221', 28_000_000],
      ['unknown_account', '+15550123456', 12_000_000],
    ]);
  });

  it('files unknown numbers under unknown_account, as the audit does', () => {
    expect(unknownNumbersCsvRows({ per_mdn: { '+15550123456': 150, '+15556541490': 30 } })).toEqual([
      ['unknown_account', '+15550123456', 150],
      ['unknown_account', '+15556541490', 30],
    ]);
    expect(unknownNumbersCsvRows({ per_mdn: {} })).toEqual([]);
  });
});

function view(over: Partial<UsageView>): UsageView {
  return {
    kind: 'audit',
    label: 'lab',
    from: '201701',
    to: '201701',
    total: 0,
    months: [],
    emptyMonths: [],
    ...over,
  };
}

describe('renderUsage', () => {
  const jan: UsageCsvRow[] = [
    [JOE, '+15550001111', 2_000_000],
    [JOE, '+15550001112', 1_990_000_000],
    [HOTSPOT, '+15550002221', 28_000_000],
  ];

  it('a single month: one table with account, number, size and bytes, and its total', () => {
    const text = renderUsage(view({ total: 2_020_000_000, months: [{ month: '201701', rows: jan }] }));
    expect(text).toBe(
      [
        'Usage audit on lab: 201701',
        '',
        '201701',
        'ACCOUNT                           MDN           USAGE     BYTES',
        `${JOE}  +15550001111   2.00 MB      2,000,000`,
        `${JOE}  +15550001112   1.99 GB  1,990,000,000`,
        `${HOTSPOT}  +15550002221  28.00 MB     28,000,000`,
        'Total 201701: 2.02 GB (2,020,000,000 bytes), 3 numbers in 2 accounts',
        '',
      ].join('\n'),
    );
  });

  it('a range: a table per month with data, the period total, and the empty months named', () => {
    const text = renderUsage(
      view({
        from: '201610',
        to: '201701',
        total: 2_020_000_000 + 1_000,
        months: [
          { month: '201610', rows: [[JOE, '+15550001111', 1_000]] },
          { month: '201701', rows: jan },
        ],
        emptyMonths: ['201611', '201612'],
      }),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('Usage audit on lab: 201610 to 201701');
    expect(lines).toContain('201610');
    expect(lines).toContain('Total 201610: 1.00 kB (1,000 bytes), 1 number in 1 account');
    expect(lines).toContain('Total 201701: 2.02 GB (2,020,000,000 bytes), 3 numbers in 2 accounts');
    expect(lines).toContain('Total 201610 to 201701: 2.02 GB (2,020,001,000 bytes)');
    expect(lines.at(-2)).toBe('No data for 201611, 201612.');
    expect(text.indexOf('201610\nACCOUNT')).toBeLessThan(text.indexOf('201701\nACCOUNT'));
  });

  it('unknown numbers have no account column', () => {
    const text = renderUsage(
      view({
        kind: 'unknown-numbers',
        total: 150_000_000,
        months: [{ month: '201701', rows: [['unknown_account', '+15550123456', 150_000_000]] }],
      }),
    );
    expect(text).toContain('Usage of unknown numbers on lab: 201701');
    expect(text).toContain('MDN           USAGE      BYTES\n+15550123456  150.00 MB  150,000,000');
    expect(text).not.toContain('unknown_account');
    expect(text).toContain('Total 201701: 150.00 MB (150,000,000 bytes), 1 number\n');
  });

  it('a period without any data: no table and no total, just the months', () => {
    expect(renderUsage(view({ from: '202609', to: '202610', emptyMonths: ['202609', '202610'] }))).toBe(
      'Usage audit on lab: 202609 to 202610\n\nNo data for 202609, 202610.\n',
    );
  });
});

describe('usageMonths', () => {
  type Report = PeriodReport & { rows: UsageCsvRow[] };
  const rowsOf = (r: Report) => r.rows;

  it('a single month is the report itself: nothing else is read', async () => {
    const asked: string[] = [];
    const report: Report = { from: '201701', to: '201701', rows: [[JOE, '+1', 5]] };
    const out = await usageMonths(report, rowsOf, (m) => {
      asked.push(m);
      return Promise.reject(new Error('must not be called'));
    });
    expect(asked).toEqual([]);
    expect(out).toEqual({ months: [{ month: '201701', rows: [[JOE, '+1', 5]] }], emptyMonths: [] });
  });

  it('a single empty month is named, not tabled', async () => {
    const report: Report = { from: '201612', to: '201612', rows: [], empty_months: ['201612'] };
    expect(await usageMonths(report, rowsOf, () => Promise.reject(new Error('no')))).toEqual({
      months: [],
      emptyMonths: ['201612'],
    });
  });

  it('a range reads each month the server does not call empty, and names the rest', async () => {
    const asked: string[] = [];
    const perMonth: Record<string, UsageCsvRow[]> = {
      '201610': [[JOE, '+1', 1]],
      // Not listed as empty by the server, but no rows: named as empty all the same.
      '201611': [],
      '201701': [[HOTSPOT, '+2', 2]],
    };
    const report: Report = { from: '201610', to: '201701', rows: [], empty_months: ['201612'] };
    const out = await usageMonths(report, rowsOf, (month) => {
      asked.push(month);
      return Promise.resolve({ from: month, to: month, rows: perMonth[month] ?? [] });
    });
    expect(asked.sort()).toEqual(['201610', '201611', '201701']);
    expect(out.months).toEqual([
      { month: '201610', rows: [[JOE, '+1', 1]] },
      { month: '201701', rows: [[HOTSPOT, '+2', 2]] },
    ]);
    expect(out.emptyMonths).toEqual(['201611', '201612']);
  });
});
