/**
 * `kzops usage audit` and `kzops usage unknown-numbers` as a user runs them (`node bin/run.js`;
 * `npm test` builds dist/ first), against a simulator started here with the default seed,
 * whose usage covers 201610..201701 (201612 empty).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry, SimHandle } from '../../src/sim/server.js';
import { startSim } from '../../src/sim/server.js';
import { SEED_IDS } from '../../src/sim/seed.js';
import { requireBuilt, runKzops, type RunResult, writeLabTargets } from './cli-harness.js';

const JOE = SEED_IDS.accounts.joe;
const HOTSPOT = SEED_IDS.accounts.hotspot;
const SUPER_MASTER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
/** The default seed's master-level key: enough for ports, not for usage. */
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';

/** The seed's 201701 audit as the server's CSV route writes it. */
const CSV_201701 = [
  'account_id,mdn,bytes',
  `${JOE},+15550001111,2000000`,
  `${JOE},+15550001112,1900000000`,
  `${JOE},+15550001113,400000000`,
  `${HOTSPOT},+15550002221,28000000`,
  `${HOTSPOT},+15550002222,2100000000`,
  `${HOTSPOT},+15550002223,700000000`,
  `${HOTSPOT},+15550002224,200000000`,
  'unknown_account,+15550003331,800000',
  'unknown_account,+15550003332,4800000',
  'unknown_account,+15550123456,12000000',
  '',
].join('\r\n');

let sim: SimHandle;
let work: string;
let dir: string;

beforeAll(async () => {
  requireBuilt('usage/audit');
  requireBuilt('usage/unknown-numbers');
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-usage-'));
  dir = join(work, 'config');
  await mkdir(dir, { recursive: true });
  await writeLabTargets(dir, sim.url);
});

afterAll(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

/** Runs kzops against the lab simulator; returns the run and the requests it sent. */
async function kzops(
  args: string[],
  key = SUPER_MASTER_KEY,
): Promise<RunResult & { sent: RequestLogEntry[] }> {
  const before = sim.requests.length;
  const run = await runKzops([...args, '--dir', dir], {
    cwd: work,
    env: { LAB_KEY: key, KZOPS_OPERATOR: 'usage-test' },
  });
  return { ...run, sent: sim.requests.slice(before) };
}

/** The API requests of a run, without the token exchange. */
const api = (sent: RequestLogEntry[]) =>
  sent
    .filter((r) => r.path !== '/v2/api_auth')
    .map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? ` ${JSON.stringify(r.query)}` : ''}`);

describe('kzops usage audit', () => {
  it('--month: one table with sizes in decimal units and the total', async () => {
    const run = await kzops(['usage', 'audit', '--month', '201701']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Usage audit on lab (${sim.url}): 201701`);
    expect(lines).toContain('ACCOUNT                           MDN           USAGE      BYTES');
    expect(lines).toContain(`${JOE}  +15550001112    1.90 GB  1,900,000,000`);
    expect(lines).toContain('unknown_account                   +15550003331  800.00 kB        800,000');
    expect(lines.at(-1)).toBe('Total 201701: 5.35 GB (5,347,600,000 bytes), 10 numbers in 3 accounts');
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/audit/201701']);
  });

  it('a range: a table per month with data, each total, the period total, and the empty month named', async () => {
    const run = await kzops(['usage', 'audit', '--from', '201610', '--to', '201701']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('Usage audit on');
    expect(out).toContain(': 201610 to 201701\n');
    expect(out).toContain('Total 201610: 746.25 MB (746,250,000 bytes), 3 numbers in 2 accounts');
    expect(out).toContain('Total 201611: 182.50 MB (182,500,000 bytes), 3 numbers in 2 accounts');
    expect(out).toContain('Total 201701: 5.35 GB (5,347,600,000 bytes), 10 numbers in 3 accounts');
    expect(out).toContain('Total 201610 to 201701: 6.28 GB (6,276,350,000 bytes)');
    expect(out.trimEnd().split('\n').at(-1)).toBe('No data for 201612.');
    expect(out).not.toMatch(/^201612$/m);
    // One range report, then each month the server did not call empty.
    const sent = api(run.sent);
    expect(sent[0]).toBe('GET /v2/support/usage/audit {"from":"201610","to":"201701"}');
    expect(sent.slice(1).sort()).toEqual([
      'GET /v2/support/usage/audit/201610',
      'GET /v2/support/usage/audit/201611',
      'GET /v2/support/usage/audit/201701',
    ]);
  });

  it('a month without data says so and shows no table', async () => {
    const run = await kzops(['usage', 'audit', '--month', '201612']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Usage audit on lab (${sim.url}): 201612\n\nNo data for 201612.\n`);
  });

  it('reads what the server holds now: a record added to the simulator shows up', async () => {
    sim.state.usage.push({ month: '202001', mdn: '+15550009999', account_id: JOE, bytes: 1_990_000_000 });
    try {
      const run = await kzops(['usage', 'audit', '--month', '202001']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${JOE}  +15550009999  1.99 GB  1,990,000,000`);
      expect(run.stdout).toContain('Total 202001: 1.99 GB (1,990,000,000 bytes), 1 number in 1 account');
    } finally {
      sim.state.usage.pop();
    }
  });

  it('--json prints only the report data, empty_months included', async () => {
    const run = await kzops(['usage', 'audit', '--from', '201611', '--to', '201612', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      from: '201611',
      to: '201612',
      total: 182_500_000,
      accounts: {
        [JOE]: { '+15550001111': 2_500_000 },
        unknown_account: { '+15550123456': 150_000_000, '+15556541490': 30_000_000 },
      },
      empty_months: ['201612'],
    });
    // --json needs only the range report.
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/audit {"from":"201611","to":"201612"}']);
  });

  it("--csv --month prints the server's CSV route as is", async () => {
    const run = await kzops(['usage', 'audit', '--month', '201701', '--csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(CSV_201701);
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/audit/201701/csv']);
  });

  it('--csv for a range is written from the JSON with the same columns, byte for byte', async () => {
    const run = await kzops(['usage', 'audit', '--from', '201701', '--to', '201701', '--csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(CSV_201701);
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/audit {"from":"201701","to":"201701"}']);
  });

  it('--csv over several months sums each number over the range', async () => {
    const run = await kzops(['usage', 'audit', '--from', '201610', '--to', '201611', '--csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      [
        'account_id,mdn,bytes',
        `${JOE},+15550001111,3750000`,
        `${JOE},+15550001112,730000000`,
        `${HOTSPOT},+15550002221,15000000`,
        'unknown_account,+15550123456,150000000',
        'unknown_account,+15556541490,30000000',
        '',
      ].join('\r\n'),
    );
  });

  it('--csv wins over --json: stdout is only the CSV', async () => {
    const run = await kzops(['usage', 'audit', '--month', '201701', '--csv', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(CSV_201701);
  });

  it.each([
    [['--month', '2017-01'], '--month "2017-01" is not a month'],
    [['--from', '201610'], '--from needs --to too'],
    [['--from', '201702', '--to', '201701'], '--from 201702 is after --to 201701'],
    [
      ['--month', '201701', '--from', '201610', '--to', '201701'],
      '--month cannot be combined with --from/--to',
    ],
    [['--from', '2016-10', '--to', '201701'], '--from "2016-10" is not a month'],
    [['--month'], '--month'],
  ])('usage error %j: exit 64, names the flag, sends nothing', async (flags, message) => {
    const run = await kzops(['usage', 'audit', ...flags]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(run.sent).toEqual([]);
  });

  it('a master-level key is refused (403, super_master route): one line, exit 1', async () => {
    const run = await kzops(['usage', 'audit', '--month', '201701'], MASTER_KEY);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: GET \/v2\/support\/usage\/audit\/201701: 403 /);
    expect(run.stderr).not.toContain(MASTER_KEY);
    expect(run.stdout).toBe('');
  });

  it('the CSV route is super_master too', async () => {
    const run = await kzops(['usage', 'audit', '--month', '201701', '--csv'], MASTER_KEY);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: GET \/v2\/support\/usage\/audit\/201701\/csv: 403 /);
    expect(run.stdout).toBe('');
  });

  it("the server's own limits are one clear line: a range over 36 months is a 400", async () => {
    const run = await kzops(['usage', 'audit', '--from', '201001', '--to', '201701']);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: GET \/v2\/support\/usage\/audit: 400 /);
    expect(run.stderr).toContain('36 months');
  });
});

describe('kzops usage unknown-numbers', () => {
  it('--month: the numbers with no (existing) account, no account column', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--month', '201701']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Usage of unknown numbers on lab (${sim.url}): 201701`);
    expect(lines.slice(2)).toEqual([
      '201701',
      'MDN           USAGE      BYTES',
      '+15550003331  800.00 kB     800,000',
      '+15550003332    4.80 MB   4,800,000',
      '+15550123456   12.00 MB  12,000,000',
      'Total 201701: 17.60 MB (17,600,000 bytes), 3 numbers',
    ]);
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/unknown_numbers/201701']);
  });

  it('a range names the months without unknown usage', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--from', '201610', '--to', '201701']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Total 201611: 180.00 MB (180,000,000 bytes), 2 numbers');
    expect(run.stdout).toContain('Total 201610 to 201701: 197.60 MB (197,600,000 bytes)');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('No data for 201610, 201612.');
    expect(api(run.sent).slice(1).sort()).toEqual([
      'GET /v2/support/usage/unknown_numbers/201611',
      'GET /v2/support/usage/unknown_numbers/201701',
    ]);
  });

  it('--json prints only the report data', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--month', '201611', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      from: '201611',
      to: '201611',
      total: 180_000_000,
      per_mdn: { '+15550123456': 150_000_000, '+15556541490': 30_000_000 },
    });
  });

  it('--csv is written by kzops with the audit CSV columns, account_id unknown_account', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--from', '201611', '--to', '201701', '--csv']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      [
        'account_id,mdn,bytes',
        'unknown_account,+15550003331,800000',
        'unknown_account,+15550003332,4800000',
        'unknown_account,+15550123456,162000000',
        'unknown_account,+15556541490,30000000',
        '',
      ].join('\r\n'),
    );
    expect(api(run.sent)).toEqual(['GET /v2/support/usage/unknown_numbers {"from":"201611","to":"201701"}']);
  });

  it('--csv of a month without data is the header alone, and wins over --json', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--month', '201612', '--csv', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('account_id,mdn,bytes\r\n');
  });

  it('a usage error exits 64 naming the flag, with nothing sent', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--from', '201701', '--to', '201612']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--from 201701 is after --to 201612');
    expect(run.sent).toEqual([]);
  });

  it('a master-level key is refused (403): one line, exit 1', async () => {
    const run = await kzops(['usage', 'unknown-numbers', '--month', '201701'], MASTER_KEY);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: GET \/v2\/support\/usage\/unknown_numbers\/201701: 403 /);
  });
});
