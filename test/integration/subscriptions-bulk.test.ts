/**
 * Bulk fixes from a CSV file, `kzops subscriptions move|patch --from-csv FILE`, run as a user
 * runs them (`node bin/run.js`; `npm test` builds dist/ first) against an in-process simulator
 * named by a targets.yaml and seeded with extra subscriptions. Checks the simulator's state
 * and request log, the journal and the audit trail, not only what was printed.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSeed, SEED_IDS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, runKzopsAndSignal, writeLabTargets } from './cli-harness.js';

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const { joe: FROM, hotspot: TO } = SEED_IDS.accounts;
const CLUSTER = SEED_IDS.clusters.sandbox;
/** Extra subscriptions in Joe's account: `5b0000...0001` to `...0008`. */
const SUBS = Array.from({ length: 8 }, (_, i) => `5b${String(i + 1).padStart(30, '0')}`);
const sub = (i: number) => SUBS[i] as string;
const movePath = (id: string) => `/v2/support/accounts/${FROM}/subscriptions/${id}/move`;

let sim: SimHandle;
let work: string;
let dir: string;

beforeAll(() => requireBuilt('subscriptions/move'));

beforeEach(async () => {
  const seed = defaultSeed() as { subscriptions: Record<string, unknown>[] };
  seed.subscriptions.push(
    ...SUBS.map((id, i) => ({
      id,
      account_id: FROM,
      mdn: `+1555100000${i + 1}`,
      plan: 'BULKPLAN',
      features: ['lte'],
      carrier_name: 'sprint',
    })),
  );
  sim = await startSim({ port: 0, seed });
  work = await mkdtemp(join(tmpdir(), 'kzops-bulk-'));
  dir = join(work, 'config');
  await mkdir(dir);
  await writeLabTargets(dir, sim.url);
});

afterEach(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

function kzops(args: string[], env: Record<string, string | undefined> = {}) {
  return runKzops([...args, '--dir', dir], {
    cwd: work,
    env: { LAB_KEY: SUPER_KEY, KZOPS_OPERATOR: 'tester', ...env },
    timeoutMs: 30_000,
  });
}

/** Moves and patches the simulator received (every attempt). */
function changes(from = 0) {
  return sim.requests.slice(from).filter((r) => r.method === 'POST' || r.method === 'PATCH');
}

async function csvFile(name: string, lines: string[]): Promise<{ path: string; journal: string }> {
  const path = join(work, name);
  const text = lines.join('\n') + '\n';
  await writeFile(path, text);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { path, journal: join(work, '.kzops', 'journal', `${digest}.jsonl`) };
}

const moveCsv = (ids: string[], extra: string[] = []) =>
  csvFile('moves.csv', [
    'account_id,subscription_id,to_account',
    ...ids.map((id) => `${FROM},${id},${TO}`),
    ...extra,
  ]);

async function jsonLines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Report {
  done: number;
  failed: number;
  skipped: number;
  rows: { line: number; status: string; reason?: string; request_id?: string; curl?: string }[];
}

function report(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

const accountOf = (id: string) => sim.state.subscriptions[id]?.pvt_account_id;

describe('subscriptions move --from-csv', () => {
  it('moves every row, journals and audits each, and a re-run sends nothing', async () => {
    const ids = SUBS.slice(0, 6);
    const { path, journal } = await moveCsv(ids);
    const run = await kzops([
      'subscriptions',
      'move',
      '--from-csv',
      path,
      '--yes',
      '--json',
      '--concurrency',
      '3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 6, failed: 0, skipped: 0 });
    expect(out.rows.map((r) => [r.line, r.status])).toEqual(ids.map((_, i) => [i + 2, 'done']));
    for (const id of ids) expect(accountOf(id)).toBe(TO);
    expect(accountOf(sub(6))).toBe(FROM);

    // Each row: `unknown` written just before it was sent, then `done` once it was answered.
    const all = await jsonLines(journal);
    expect(all).toHaveLength(12);
    for (const line of [2, 3, 4, 5, 6, 7]) {
      expect(all.filter((e) => e.line === line).map((e) => e.status)).toEqual(['unknown', 'done']);
    }
    const entries = all.filter((e) => e.status === 'done');
    expect(entries.every((e) => e.target === 'lab' && e.op === 'move')).toBe(true);
    const row2 = out.rows[0];
    expect(entries.find((e) => e.line === 2)).toMatchObject({
      subscription_id: ids[0],
      request_id: row2?.request_id,
    });
    const audit = await jsonLines(join(work, '.kzops', 'audit.jsonl'));
    expect(audit).toHaveLength(6);
    expect(audit[0]).toMatchObject({
      method: 'POST',
      status: 200,
      operator: 'tester',
      data: { target_account_id: TO },
    });

    const mark = sim.requests.length;
    const again = await kzops(['subscriptions', 'move', '--from-csv', path, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = report(again.stdout);
    expect(second).toMatchObject({ done: 0, failed: 0, skipped: 6 });
    expect(second.rows.every((r) => r.status === 'skipped' && r.reason?.startsWith('already done'))).toBe(
      true,
    );
    expect(changes(mark)).toEqual([]);
  });

  it('prints a line per row and a summary without a terminal', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^line 2: done \(request .+\)$/m);
    expect(run.stdout).toMatch(/^line 3: done/m);
    expect(run.stdout).toContain(`Move from ${path} on lab (${sim.url}): 2 done, 0 failed, 0 skipped.`);
    expect(run.stdout).toContain(`Journal: ${journal}`);
  });

  it('reports invalid rows by line, runs the others, and exits 4', async () => {
    const { path } = await csvFile('moves.csv', [
      'account_id,subscription_id,to_account,to_cluster',
      `${FROM},${sub(0)},${TO},`,
      `${FROM},not-an-id,${TO},`,
      `${FROM},${sub(1)},${TO},${CLUSTER}`,
      `${FROM},${sub(2)},${FROM},`,
      `${FROM},${sub(0)},${TO},`,
    ]);
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(4);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 2, failed: 0, skipped: 3 });
    expect(out.rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'done'],
      [3, 'skipped'],
      [4, 'done'],
      [5, 'skipped'],
      [6, 'skipped'],
    ]);
    expect(out.rows[1]?.reason).toBe(
      'invalid: subscription_id "not-an-id" is not an id: 32 lowercase hex characters',
    );
    expect(out.rows[3]?.reason).toMatch(
      /^invalid: to_account .* is the account the subscription is already in/,
    );
    expect(out.rows[4]?.reason).toBe(`invalid: subscription ${sub(0)} is already on line 2`);
    expect(sim.state.subscriptions[sub(1)]?.pvt_cluster_id).toBe(CLUSTER);
    expect(accountOf(sub(2))).toBe(FROM);
    expect(changes().map((r) => r.path)).toEqual(
      expect.arrayContaining([movePath(sub(0)), movePath(sub(1))]),
    );
    expect(changes()).toHaveLength(2);

    const human = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes']);
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/^line 3: invalid, skipped: subscription_id "not-an-id" is not an id/m);
  });

  it('retries a row answered 503 (not processed) and it is done', async () => {
    const { path } = await moveCsv(SUBS.slice(0, 3));
    sim.faults.failNext({ method: 'POST', path: movePath(sub(1)) }, { kind: 'status', status: 503 }, 2);
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(report(run.stdout)).toMatchObject({ done: 3, failed: 0 });
    expect(
      changes()
        .filter((r) => r.path === movePath(sub(1)))
        .map((r) => r.status),
    ).toEqual([503, 503, 200]);
    expect(accountOf(sub(1))).toBe(TO);
  });

  it('retries a row answered 429 until it is done', async () => {
    const { path } = await moveCsv(SUBS.slice(0, 2));
    sim.faults.failNext({ method: 'POST', path: movePath(sub(0)) }, { kind: 'status', status: 429 }, 5);
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const statuses = changes()
      .filter((r) => r.path === movePath(sub(0)))
      .map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    expect(statuses.at(-1)).toBe(200);
  });

  it('gives up on a row still unknown after 5 sends of 503, and the others are done (exit 4)', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    sim.faults.failNext({ method: 'POST', path: movePath(sub(0)) }, { kind: 'status', status: 503 }, 5);
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(4);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 1, failed: 1 });
    expect(out.rows[0]?.reason).toMatch(/503.*still unknown after 5 sends/);
    expect(changes().filter((r) => r.path === movePath(sub(0)))).toHaveLength(5);
    expect(accountOf(sub(0))).toBe(FROM);
    expect((await jsonLines(journal)).filter((e) => e.line === 2).map((e) => e.status)).toContain('unknown');
  });

  // crossbar answers 503 after a save as before it: a 503 is an unknown outcome, not a "no"
  it('verifies a move answered 503 after it was saved: sent once more, the 404 proves it went through', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    sim.faults.failNext(
      { method: 'POST', path: movePath(sub(0)) },
      { kind: 'commit_then_status', status: 503 },
    );
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 2, failed: 0 });
    expect(out.rows[0]?.reason).toMatch(/verified: .*503.*left the source account/);
    // applied once; the second send found it gone from the source account (404)
    expect(
      changes()
        .filter((r) => r.path === movePath(sub(0)))
        .map((r) => r.status),
    ).toEqual([503, 404]);
    expect(accountOf(sub(0))).toBe(TO);
    const statuses = (await jsonLines(journal)).filter((e) => e.line === 2).map((e) => e.status);
    // before the first send, its lost answer, before the second send, done
    expect(statuses).toEqual(['unknown', 'unknown', 'unknown', 'done']);
  });

  it('a failed row fails alone; running the file again retries only it', async () => {
    const { path } = await moveCsv(SUBS.slice(0, 4));
    sim.faults.failNext({ method: 'POST', path: movePath(sub(2)) }, { kind: 'status', status: 500 });
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes']);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/^line 4: failed: POST .*\/move: 500/m);
    expect(run.stdout).toContain('3 done, 1 failed, 0 skipped.');
    expect(run.stdout).toContain('(run the same file again to retry the failed rows)');
    expect(accountOf(sub(2))).toBe(FROM);

    const mark = sim.requests.length;
    const again = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(report(again.stdout)).toMatchObject({ done: 1, failed: 0, skipped: 3 });
    expect(changes(mark).map((r) => r.path)).toEqual([movePath(sub(2))]);
    expect(accountOf(sub(2))).toBe(TO);
  });

  it('a row whose answer was lost is verified, not reported failed: the journal keeps it, and a re-run finds it done', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    sim.faults.failNext({ method: 'POST', path: movePath(sub(0)) }, { kind: 'drop_response' });
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 2, failed: 0 });
    expect(out.rows[0]?.reason).toMatch(/verified: its answer was lost/);
    // applied once: the move happened on the server, kzops never heard back, and the second send is a 404
    expect(
      changes()
        .filter((r) => r.path === movePath(sub(0)))
        .map((r) => r.status),
    ).toEqual([0, 404]);
    expect(accountOf(sub(0))).toBe(TO);

    // A journal that only knows `unknown` (a run killed before it could verify): the re-run verifies.
    const entries = await jsonLines(journal);
    const unknownOnly = entries
      .filter((e) => e.line !== 2 || e.status === 'unknown')
      .map((e) => JSON.stringify(e));
    await writeFile(journal, unknownOnly.join('\n') + '\n');
    const again = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = report(again.stdout);
    expect(second.rows[0]).toMatchObject({ line: 2, status: 'done' });
    expect(second.rows[0]?.reason).toMatch(/an earlier run lost its answer.*went through/);
  });

  it('counts the journal of this target only', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    await mkdir(join(work, '.kzops', 'journal'), { recursive: true });
    const entry = {
      line: 2,
      subscription_id: sub(0),
      target: 'other',
      op: 'move',
      status: 'done',
      request_id: 'x',
      time: 't',
    };
    await writeFile(journal, `${JSON.stringify(entry)}\n{"torn`);
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(report(run.stdout)).toMatchObject({ done: 2, skipped: 0 });
  });

  it('without --yes and without a terminal: refused (exit 5), the hint has the row count, nothing sent', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 3));
    const run = await kzops(['subscriptions', 'move', '--from-csv', path]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/needs --yes/);
    expect(run.stderr).toContain(`3 of 3 rows of ${path}`);
    expect(changes()).toEqual([]);
    expect(existsSync(journal)).toBe(false);
  });

  it('--dry-run prints each row with its curl, sends nothing and journals nothing', async () => {
    const { path, journal } = await moveCsv(SUBS.slice(0, 2));
    const run = await kzops(['subscriptions', 'move', '--from-csv', path, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`# line 2: move subscription ${sub(0)} from account ${FROM} to ${TO}`);
    expect(run.stdout).toMatch(new RegExp(`^curl .*X-Auth-Token: <redacted>.*${movePath(sub(1))}`, 'm'));
    expect(run.stdout).toContain('Dry run: nothing was sent (2 requests shown).');
    expect(changes()).toEqual([]);
    expect(accountOf(sub(0))).toBe(FROM);
    expect(existsSync(journal)).toBe(false);
    expect(existsSync(join(work, '.kzops', 'audit.jsonl'))).toBe(false);

    const json = await kzops(['subscriptions', 'move', '--from-csv', path, '--dry-run', '--json']);
    const out = report(json.stdout);
    expect(out.rows.map((r) => r.status)).toEqual(['dry_run', 'dry_run']);
    expect(out.rows[0]?.curl).toMatch(/^curl .*-X POST/);
    expect(changes()).toEqual([]);
  });

  it('refuses a file it cannot read or whose header is wrong (exit 64), sending nothing', async () => {
    const missing = await kzops(['subscriptions', 'move', '--from-csv', join(work, 'nope.csv'), '--yes']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/--from-csv .*nope\.csv: cannot read it/);
    const { path } = await csvFile('bad.csv', [
      'account_id,subscription_id,to_acount',
      `${FROM},${sub(0)},${TO}`,
    ]);
    const bad = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/bad\.csv: line 1: the header lacks to_account/);
    expect(sim.requests).toEqual([]);
  });
});

describe('subscriptions patch --from-csv', () => {
  it('patches each row with its own values; a bad value is reported by line and skipped', async () => {
    const { path } = await csvFile('fixes.csv', [
      'account_id,subscription_id,plan,suspended,additional_properties.name',
      `${FROM},${sub(0)},"""260PLAN1""",true,"""Front desk"""`,
      `${FROM},${sub(1)},,false,`,
      `${FROM},${sub(2)},P3,maybe,`,
      `${FROM},${sub(3)},two words,,270113180000001111`,
    ]);
    const extra = sim.state.subscriptions[sub(0)];
    if (extra === undefined) throw new Error('seed lacks the bulk subscriptions');
    extra.additional_properties = { keep: 'me' };
    const run = await kzops(['subscriptions', 'patch', '--from-csv', path, '--recursive', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(4);
    const out = report(run.stdout);
    expect(out).toMatchObject({ done: 2, failed: 0, skipped: 2 });
    expect(out.rows[2]?.reason).toMatch(/^invalid: line 4: suspended: must be true or false/);
    // Text without quotes is text (as --set takes it); an integer that would lose digits is refused.
    expect(out.rows[3]?.reason).toMatch(
      /^invalid: additional_properties\.name: "270113180000001111" is a number too large to keep its digits/,
    );
    const a = sim.state.subscriptions[sub(0)];
    expect(a?.plan).toBe('260PLAN1');
    expect(a?.suspended).toBe(true);
    expect(a?.additional_properties).toMatchObject({ keep: 'me', name: 'Front desk' });
    const b = sim.state.subscriptions[sub(1)];
    expect(b?.plan).toBe('BULKPLAN');
    expect(b?.suspended).toBe(false);
    expect(sim.state.subscriptions[sub(2)]?.plan).toBe('BULKPLAN');
    const sent = changes();
    expect(sent).toHaveLength(2);
    expect(sent.every((r) => r.method === 'PATCH')).toBe(true);
  });

  it('warns once that a nested column replaces its field whole without --recursive', async () => {
    const { path } = await csvFile('fixes.csv', [
      'account_id,subscription_id,carrier_data.csa',
      `${FROM},${sub(0)},CSA1`,
      `${FROM},${sub(1)},CSA2`,
    ]);
    const run = await kzops(['subscriptions', 'patch', '--from-csv', path, '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/replaces carrier_data whole/g)).toHaveLength(1);
    expect(sim.state.subscriptions[sub(1)]?.carrier_data).toEqual({ csa: 'CSA2' });
  });

  it('refuses --from-csv with the arguments or --set (exit 64), sending nothing', async () => {
    const { path } = await csvFile('fixes.csv', ['account_id,subscription_id,plan', `${FROM},${sub(0)},P`]);
    const run = await kzops(['subscriptions', 'patch', FROM, sub(0), '--from-csv', path, '--set', 'plan=P']);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/drop ACCOUNT_ID, --set/);
    expect(sim.requests).toEqual([]);
  });
});

describe('subscriptions move --from-csv interrupted', () => {
  /** The move, signalled (`signals`, `gapMs` apart) once the first row is reported. */
  const moveAndSignal = (path: string, signals: NodeJS.Signals[], gapMs = 0) =>
    runKzopsAndSignal(
      ['subscriptions', 'move', '--from-csv', path, '--yes', '--concurrency', '1', '--dir', dir],
      {
        cwd: work,
        env: { LAB_KEY: SUPER_KEY, KZOPS_OPERATOR: 'tester' },
        when: /^line 2: done/m,
        signals,
        gapMs,
      },
    );

  /** Moves answered 200 per subscription: never more than one. */
  const movedTwice = () => {
    const ok = sim.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/move') && r.status === 200,
    );
    const per = new Map<string, number>();
    for (const r of ok) per.set(r.path, (per.get(r.path) ?? 0) + 1);
    return [...per].filter(([, n]) => n > 1);
  };

  it('Ctrl-C: the rows under way finish, the rest are not started, exit 130; the re-run does the rest once', async () => {
    sim.faults.latencyMs = 300;
    const { path } = await moveCsv(SUBS.slice(0, 8));
    const run = await moveAndSignal(path, ['SIGINT']);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/SIGINT received: starting no more rows/);
    expect(run.stdout).toMatch(/\d+ done, \d+ failed, \d+ skipped/);
    const moved = SUBS.filter((id) => accountOf(id) === TO).length;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(8);
    sim.faults.latencyMs = 0;
    const again = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(SUBS.every((id) => accountOf(id) === TO)).toBe(true);
    expect(movedTwice()).toEqual([]);
  });

  it('a second Ctrl-C exits at once; the row in flight is journaled and verified by the re-run, never moved twice', async () => {
    sim.faults.latencyMs = 400;
    const { path, journal } = await moveCsv(SUBS.slice(0, 8));
    const run = await moveAndSignal(path, ['SIGINT', 'SIGINT'], 30);
    expect(run.code).toBe(130);
    expect(run.ms).toBeLessThan(5_000);
    const statuses = new Map<unknown, unknown>();
    for (const e of await jsonLines(journal))
      if (statuses.get(e.line) !== 'done') statuses.set(e.line, e.status);
    expect([...statuses.values()]).toContain('unknown'); // the row that was on the wire
    sim.faults.latencyMs = 0;
    const again = await kzops(['subscriptions', 'move', '--from-csv', path, '--yes', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(SUBS.every((id) => accountOf(id) === TO)).toBe(true);
    expect(movedTwice()).toEqual([]);
  });
});
