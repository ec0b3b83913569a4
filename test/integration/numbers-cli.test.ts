/**
 * `kzops numbers device|subscription`, run as a user runs them (`node bin/run.js`; `npm test`
 * builds dist/ first) against an in-process simulator named by a targets.yaml, checking the
 * simulator's request log as well as the output.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, writeLabTargets } from './cli-harness.js';

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';
const JOE_SIP_PASSWORD = 'sim-sip-joe';
const JOE_MDN_PATH = `/v2/support/phone_numbers/${encodeURIComponent(SEED_NUMBERS.joe.mdn)}`;

// These commands only read, so one simulator serves the file; the request log is cleared per test.
let sim: SimHandle;
let work: string;
let dir: string;

beforeAll(async () => {
  requireBuilt('numbers/device');
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-numbers-'));
  dir = join(work, 'config');
  await mkdir(dir);
  await writeLabTargets(dir, sim.url);
});

beforeEach(() => {
  sim.requests.length = 0;
});

afterAll(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

async function kzops(args: string[], env: Record<string, string | undefined> = {}) {
  return runKzops([...args, '--dir', dir], { cwd: work, env: { LAB_KEY: SUPER_KEY, ...env } });
}

/** Every request but authentication. */
function apiRequests() {
  return sim.requests.filter((r) => r.path !== '/v2/api_auth');
}

// ---------------------------------------------------------------------------------------
// numbers device

describe('numbers device', () => {
  it('finds the device by any spelling of the number and shows its key fields, password masked', async () => {
    const run = await kzops(['numbers', 'device', '(555) 000-1111']);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out.split('\n')[0]).toBe(`Device ${SEED_IDS.devices.joe} "Joe's Mobile Phone"`);
    expect(out).toMatch(new RegExp(`account +${SEED_IDS.accounts.joe}`));
    expect(out).toMatch(/carrier +sprint/);
    expect(out).toMatch(/mdn +\+15550001111/);
    expect(out).toMatch(/esn +270113180000001111/);
    expect(out).toMatch(/plan +260PLAN21/);
    expect(out).toMatch(/model +SAMSUNG L300 HANDSET KIT \(SPHL300KTS, SAMSUNG\)/);
    expect(out).toMatch(/activated +2016-12-03 /);
    expect(out).toMatch(/data +blocking no cap; throttling no cap/);
    expect(out).toMatch(/voice +sip joe_mobile@sip\.sim\.example\.com, password <redacted>/);
    expect(out).not.toContain(JOE_SIP_PASSWORD);
    expect(apiRequests().map((r) => [r.method, r.path])).toEqual([['GET', `${JOE_MDN_PATH}/device`]]);
  });

  it('shows data caps in human units', async () => {
    const run = await kzops(['numbers', 'device', '4157487153']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/data +blocking at 2 GB; throttling to 256k after 1\.8 GB/);
    expect(run.stdout).toMatch(new RegExp(`account +${SEED_IDS.accounts.hotspot}`));
  });

  it('--show-secrets shows the SIP password', async () => {
    const run = await kzops(['numbers', 'device', '5550001111', '--show-secrets']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`password ${JOE_SIP_PASSWORD}`);
  });

  it('--json prints only the device, masked; with --show-secrets unmasked', async () => {
    const masked = await kzops(['numbers', 'device', '+1 555 000 1111', '--json']);
    expect(masked.code, masked.stderr).toBe(0);
    const device = JSON.parse(masked.stdout) as { id: string; voice: { sip: { password: string } } };
    expect(device.id).toBe(SEED_IDS.devices.joe);
    expect(device.voice.sip.password).toBe('<redacted>');
    expect(masked.stdout).not.toContain(JOE_SIP_PASSWORD);
    expect(Object.keys(device)).not.toContain('request_id');

    const shown = await kzops(['numbers', 'device', '+15550001111', '--json', '--show-secrets']);
    expect((JSON.parse(shown.stdout) as typeof device).voice.sip.password).toBe(JOE_SIP_PASSWORD);
  });

  it.each(['555-0001', '5550001111x', '+1 555 000 11111111111', ''])(
    'a bad number %j: exit 64 naming MDN, nothing sent',
    async (mdn) => {
      const run = await kzops(['numbers', 'device', mdn]);
      expect(run.code).toBe(64);
      expect(run.stderr).toMatch(/^error: MDN ".*" is not a phone number/m);
      expect(sim.requests).toEqual([]);
    },
  );

  it('no number at all: exit 64, nothing sent', async () => {
    const run = await kzops(['numbers', 'device']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('Missing 1 required arg');
    expect(sim.requests).toEqual([]);
  });

  it('404 for a number no device has: one line, exit 1', async () => {
    const run = await kzops(['numbers', 'device', '5559999999']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      expect.stringMatching(
        /^error: GET \/v2\/support\/phone_numbers\/%2B15559999999\/device: 404 bad_identifier/,
      ),
    ]);
    expect(run.stdout).toBe('');
  });

  it('403 for a master-level key', async () => {
    const run = await kzops(['numbers', 'device', '5550001111'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: GET .*\/device: 403/m);
    expect(run.stderr).toContain('requires auth level super_master');
  });
});

// ---------------------------------------------------------------------------------------
// numbers subscription

describe('numbers subscription', () => {
  it("shows the carrier's record for the number", async () => {
    const run = await kzops(['numbers', 'subscription', '415.748.7153']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('Carrier subscription (sprint)');
    expect(run.stdout).toMatch(/esn +270113180000007153/);
    expect(run.stdout).toMatch(/sim +none/);
    expect(run.stdout).toMatch(/features +international, sip, mms, tethering/);
    expect(apiRequests().map((r) => r.path)).toEqual([
      `/v2/support/phone_numbers/${encodeURIComponent(SEED_NUMBERS.hotspot.mdn)}/subscription`,
    ]);
  });

  it('finds a number the TOP database does not have yet (the carrier does)', async () => {
    const run = await kzops(['numbers', 'subscription', SEED_NUMBERS.pendingBySim.mdn]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/sim +89011200000000004443/);
    expect(run.stdout).toMatch(/esn +none/);
  });

  it('--json prints only the data; --carrier goes in the query', async () => {
    const run = await kzops(['numbers', 'subscription', '5550001111', '--carrier', 'sprint', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      esn: SEED_NUMBERS.joe.esn,
      mdn: SEED_NUMBERS.joe.mdn,
      sim: SEED_NUMBERS.joe.sim,
      imsi: '310120000001111',
      plan: '260PLAN21',
      features: ['international', 'sip', 'mms', 'lte'],
      carrier_data: { msid: '000005550001111', csa: 'SFRSFR415' },
    });
    expect(apiRequests()[0]?.query).toEqual({ carrier: 'sprint' });
  });

  it.each([
    { args: ['numbers', 'subscription', '12345'], message: /MDN "12345" is not a phone number/ },
    {
      args: ['numbers', 'subscription', '5550001111', '--carrier', 'Sprint'],
      message: /--carrier "Sprint" is not a carrier name/,
    },
    { args: ['numbers', 'subscription', '5550001111', '--carrier'], message: /--carrier expects a value/ },
  ])('input error $message: exit 64, nothing sent', async ({ args, message }) => {
    const run = await kzops(args);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(message);
    expect(sim.requests).toEqual([]);
  });

  it('404 for a number no carrier has, and for the wrong carrier', async () => {
    const unknown = await kzops(['numbers', 'subscription', '5559999999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: GET .*%2B15559999999\/subscription: 404 bad_identifier/m);
    const other = await kzops(['numbers', 'subscription', '5550001111', '--carrier', 'verizon']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/: 404 /);
    expect(apiRequests().map((r) => r.status)).toEqual([404, 404]);
  });

  it('403 for a master-level key', async () => {
    const run = await kzops(['numbers', 'subscription', '5550001111'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: GET .*\/subscription: 403/m);
  });
});
