/**
 * `kzops ports poll` and `kzops ports status` as a user runs them (`node bin/run.js`; `npm test`
 * builds dist/ first), each test against a fresh simulator with the default seed, whose port
 * request b047…01 (Joe's number, status `submitted`) is there to act on.
 */
import { DRY_RUN_NOTE } from '../../src/render/support-views.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toGregorianSeconds } from '../../src/sim/model.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type RequestLogEntry, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, type RunResult, writeLabTargets } from './cli-harness.js';

const PORT = SEED_IDS.ports.joe;
const MISSING_PORT = 'b0470000000000000000000000000099';
const SUPER_MASTER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
/** The default seed's master-level key: the level the port routes need. */
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';

let sim: SimHandle;
let work: string;
let dir: string;
let auditPath: string;

beforeAll(async () => {
  requireBuilt('ports/poll');
  requireBuilt('ports/status');
  work = await mkdtemp(join(tmpdir(), 'kzops-ports-'));
  dir = join(work, 'config');
  auditPath = join(work, '.kzops', 'audit.jsonl');
  await mkdir(dir, { recursive: true });
});

beforeEach(async () => {
  sim = await startSim({ port: 0 });
  await writeLabTargets(dir, sim.url);
  await rm(join(work, '.kzops'), { recursive: true, force: true });
});

afterEach(async () => {
  await sim.close();
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function kzops(
  args: string[],
  key = SUPER_MASTER_KEY,
): Promise<RunResult & { sent: RequestLogEntry[] }> {
  const before = sim.requests.length;
  const run = await runKzops([...args, '--dir', dir], {
    cwd: work,
    env: { LAB_KEY: key, KZOPS_OPERATOR: 'ports-test' },
  });
  return { ...run, sent: sim.requests.slice(before) };
}

const posts = (sent: RequestLogEntry[]) => sent.filter((r) => r.method === 'POST').map((r) => r.path);

async function auditLines(path = auditPath): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Gregorian seconds as the commands print them. */
const iso = (gregorian: number) =>
  new Date((gregorian - 62_167_219_200) * 1000).toISOString().replace('.000Z', 'Z');

const portStatus = () => sim.state.ports[PORT]?.status as Record<string, unknown>;

describe('kzops ports poll', () => {
  it('polls, says when the server polled, and records it in the audit trail', async () => {
    expect(sim.state.ports_polled_at).toBeUndefined();
    const before = toGregorianSeconds(Date.now());
    const run = await kzops(['ports', 'poll']);
    expect(run.code, run.stderr).toBe(0);
    const at = sim.state.ports_polled_at;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(run.stdout).toBe(`Polled the carrier's port messages on lab (${sim.url}) at ${iso(at ?? 0)}.\n`);
    expect(posts(run.sent)).toEqual(['/v2/support/ports/poll']);
    const [line, ...more] = await auditLines();
    expect(more).toEqual([]);
    const request = run.sent.find((r) => r.path === '/v2/support/ports/poll');
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      target: 'lab',
      operator: 'ports-test',
      method: 'POST',
      path: '/v2/support/ports/poll',
      request_id: request?.request_id,
      status: 200,
      data: {},
    });
  });

  it('--json prints only what the server answered', async () => {
    const run = await kzops(['ports', 'poll', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ polled: true, timestamp: sim.state.ports_polled_at });
  });

  it('--dry-run prints the request as curl with the token redacted, and sends nothing', async () => {
    const run = await kzops(['ports', 'poll', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^curl .*-X POST .*'X-Auth-Token: <redacted>'/);
    expect(lines[0]).toContain(`'${sim.url}/v2/support/ports/poll' -d '{"data":{}}'`);
    expect(lines[1]).toBe(DRY_RUN_NOTE);
    expect(run.stdout).not.toContain(SUPER_MASTER_KEY);
    expect(posts(run.sent)).toEqual([]);
    expect(sim.state.ports_polled_at).toBeUndefined();
    expect(existsSync(auditPath)).toBe(false);
  });

  it('--dry-run --json: stdout is only JSON, the held-back request inside it', async () => {
    const run = await kzops(['ports', 'poll', '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { dry_run: boolean; requests: string[] };
    expect(out.dry_run).toBe(true);
    expect(out.requests).toHaveLength(1);
    expect(out.requests[0]).toMatch(/^curl .*\/v2\/support\/ports\/poll/);
    expect(run.stderr).toBe('');
    expect(sim.state.ports_polled_at).toBeUndefined();
  });

  it('a master-level key is enough (the port routes are master level)', async () => {
    const run = await kzops(['ports', 'poll'], MASTER_KEY);
    expect(run.code, run.stderr).toBe(0);
    expect(sim.state.ports_polled_at).toBeTypeOf('number');
  });

  it('a server error is one line and exit 1, and is recorded in the audit trail', async () => {
    sim.faults.failNext({ path: '/v2/support/ports/poll' }, { kind: 'status', status: 500 });
    const run = await kzops(['ports', 'poll']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: POST \/v2\/support\/ports\/poll: 500 /);
    expect(run.stdout).toBe('');
    const [line] = await auditLines();
    expect(line).toMatchObject({ method: 'POST', path: '/v2/support/ports/poll', status: 500 });
  });
});

describe('kzops ports status', () => {
  it('forces the status and prints the new one; a final status updates the device', async () => {
    const run = await kzops(['ports', 'status', PORT, '--code', 'completed', '--source', 'carrier']);
    expect(run.code, run.stderr).toBe(0);
    const status = portStatus();
    expect(status).toMatchObject({ code: 'completed', source: 'carrier', forced_update: true });
    expect(run.stdout).toBe(
      `Port ${PORT} (${SEED_NUMBERS.joe.mdn}) on lab (${sim.url}) is now completed ` +
        `(source carrier, forced update, ${iso(status.timestamp as number)}).\n`,
    );
    const device = sim.state.devices[SEED_IDS.devices.joe];
    expect(device?.additional_properties).toMatchObject({ port_in: { status: 'completed' } });
    expect(posts(run.sent)).toEqual([`/v2/support/ports/in/${PORT}/status`]);
  });

  it('--json prints only the port as the server answered it; --source left to the server', async () => {
    const run = await kzops(['ports', 'status', PORT, '--code', 'pending', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      id: PORT,
      mdn: SEED_NUMBERS.joe.mdn,
      status: { code: 'pending', source: 'top', forced_update: true },
    });
    expect(portStatus()).toMatchObject({ code: 'pending', source: 'top' });
    // Not final: the device is left alone.
    expect(sim.state.devices[SEED_IDS.devices.joe]?.additional_properties ?? {}).not.toHaveProperty(
      'port_in',
    );
  });

  it('writes one audit line with what was sent and no secret', async () => {
    const run = await kzops(['ports', 'status', PORT, '--code', 'canceled', '--source', 'top']);
    expect(run.code, run.stderr).toBe(0);
    const request = run.sent.find((r) => r.method === 'POST');
    const lines = await auditLines();
    expect(lines).toEqual([
      {
        time: expect.any(String) as unknown,
        target: 'lab',
        operator: 'ports-test',
        method: 'POST',
        path: `/v2/support/ports/in/${PORT}/status`,
        request_id: request?.request_id,
        status: 200,
        data: { code: 'canceled', source: 'top' },
      },
    ]);
    const text = await readFile(auditPath, 'utf8');
    expect(text).not.toContain(SUPER_MASTER_KEY);
    expect(text).not.toMatch(/token/i);
  });

  it('--audit-log puts the trail where asked', async () => {
    const custom = join(work, 'trail', 'ports.jsonl');
    const run = await kzops(['ports', 'status', PORT, '--code', 'scheduled', '--audit-log', custom]);
    expect(run.code, run.stderr).toBe(0);
    expect((await auditLines(custom)).map((l) => l.data)).toEqual([{ code: 'scheduled' }]);
    expect(existsSync(auditPath)).toBe(false);
  });

  it('--dry-run prints the exact request and changes nothing', async () => {
    const before = structuredClone(sim.state.ports[PORT]);
    const run = await kzops([
      'ports',
      'status',
      PORT,
      '--code',
      'canceled',
      '--source',
      'carrier',
      '--dry-run',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`-X POST`);
    expect(lines[0]).toContain("'X-Auth-Token: <redacted>'");
    expect(lines[0]).toContain(
      `'${sim.url}/v2/support/ports/in/${PORT}/status' -d '{"data":{"code":"canceled","source":"carrier"}}'`,
    );
    expect(lines[1]).toBe(DRY_RUN_NOTE);
    expect(posts(run.sent)).toEqual([]);
    expect(sim.state.ports[PORT]).toEqual(before);
    expect(existsSync(auditPath)).toBe(false);
  });

  it.each([
    [['xyz', '--code', 'completed'], 'PORT_ID "xyz" is not an id'],
    [[PORT.toUpperCase(), '--code', 'completed'], 'PORT_ID'],
    [[PORT, '--code', 'complete'], '--code=complete to be one of: unconfirmed, pending, submitted'],
    [[PORT, '--code', 'completed', '--source', 'sms'], '--source=sms to be one of: carrier, top'],
    [[PORT], 'Missing required flag code'],
    [['--code', 'completed'], 'port_id'],
  ])('usage error %j: exit 64, names the problem, sends nothing', async (args, message) => {
    const run = await kzops(['ports', 'status', ...args]);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expect(run.sent).toEqual([]);
    expect(portStatus()).toMatchObject({ code: 'submitted', source: 'carrier' });
  });

  it('an unknown port is a 404: one line, exit 1, recorded as failed in the audit trail', async () => {
    const run = await kzops(['ports', 'status', MISSING_PORT, '--code', 'completed']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: POST /v2/support/ports/in/${MISSING_PORT}/status: 404 `));
    expect(run.stdout).toBe('');
    const [line] = await auditLines();
    expect(line).toMatchObject({ status: 404, data: { code: 'completed' } });
    expect(line?.error).toContain('404');
  });

  it('a master-level key works here and is refused (403) on a super_master route', async () => {
    const ok = await kzops(['ports', 'status', PORT, '--code', 'rejected'], MASTER_KEY);
    expect(ok.code, ok.stderr).toBe(0);
    expect(portStatus()).toMatchObject({ code: 'rejected' });
    const refused = await kzops(['usage', 'audit', '--month', '201701'], MASTER_KEY);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: GET \/v2\/support\/usage\/audit\/201701: 403 /);
  });
});
