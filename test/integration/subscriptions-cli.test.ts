/**
 * `kzops subscriptions lookup|import|patch|delete|move` (one subscription at a time), run as
 * a user runs them (`node bin/run.js`; `npm test` builds dist/ first) against an in-process
 * simulator named by a targets.yaml. Each test gets a fresh simulator and work directory and
 * checks the simulator's state and request log, not only what was printed. The CSV mode of
 * move and patch is in subscriptions-bulk.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOutcome, exitCodeFor } from '../../src/cli/exit-codes.js';
import { KzopsError } from '../../src/core/errors.js';
import { lookupSubscription, moveSubscription } from '../../src/services/support/subscriptions.js';
import { captureUi } from '../../src/services/ui.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, writeLabTargets } from './cli-harness.js';

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';
const JOE_SIP_PASSWORD = 'sim-sip-joe';
const { accounts, subscriptions, devices } = SEED_IDS;
const JOE = subscriptions.joe;
const HOTSPOT = subscriptions.hotspot;
const UNKNOWN_SUB = '50b5c0000000000000000000000000ff';
const UNKNOWN_ACCOUNT = 'abcdefabcdefabcdefabcdefabcdef00';
const CLUSTER = SEED_IDS.clusters.sandbox;
const LOOKUP = '/v2/support/subscriptions/lookup';

let sim: SimHandle;
let work: string;
let dir: string;

beforeAll(() => requireBuilt('subscriptions/move'));

beforeEach(async () => {
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-subscriptions-'));
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
  });
}

/** Requests that would change the server (authentication, reads and the read-only lookup left out). */
function changes() {
  return sim.requests.filter((r) => r.method !== 'GET' && r.path !== '/v2/api_auth' && r.path !== LOOKUP);
}

async function file(name: string, text: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
}

const auditPath = () => join(work, '.kzops', 'audit.jsonl');

async function auditLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(auditPath(), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const subCount = () => Object.keys(sim.state.subscriptions).length;
const devCount = () => Object.keys(sim.state.devices).length;

/** A usage error: exit 64, the message names `flag`, and nothing at all reached the server. */
function expectUsage(run: { code: number | null; stderr: string }, flag: RegExp | string): void {
  expect(run.code, run.stderr).toBe(64);
  expect(run.stderr).toMatch(typeof flag === 'string' ? new RegExp(flag.replace(/[-]/g, '\\-')) : flag);
  expect(sim.requests).toEqual([]);
}

/** `--flag value` pairs as a service's input fields. */
function flagsOf(args: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2)
    flags[(args[i] as string).replace(/^--/, '')] = args[i + 1] as string;
  return flags;
}

/** A service's refusal of bad input: exit 64 (as the CLI maps it), the message, nothing sent. */
async function expectServiceUsage(run: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KzopsError);
  expect(exitCodeFor(errorOutcome(err))).toBe(64);
  expect((err as KzopsError).summary()).toMatch(message);
  expect(sim.requests).toEqual([]);
}

// ---------------------------------------------------------------------------------------
// lookup

describe('subscriptions lookup', () => {
  it('shows the carrier record and where TOP has it', async () => {
    const run = await kzops(['subscriptions', 'lookup', '--mdn', '555-000-1111']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Carrier subscription (sprint)');
    expect(run.stdout).toContain('In TOP');
    expect(run.stdout).toMatch(new RegExp(`account +${accounts.joe}`));
    expect(run.stdout).toMatch(new RegExp(`subscription +${JOE}`));
    const sent = sim.requests.find((r) => r.path === LOOKUP);
    expect(sent?.method).toBe('POST');
  });

  it('--json prints the data: carrier record, account and the stored document', async () => {
    const run = await kzops(['subscriptions', 'lookup', '--esn', SEED_NUMBERS.hotspot.esn, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const data = JSON.parse(run.stdout) as {
      account_id: string;
      document: Record<string, unknown>;
      carrier_data: Record<string, unknown>;
    };
    expect(data.account_id).toBe(accounts.hotspot);
    expect(data.document._id).toBe(HOTSPOT);
    expect(data.document.pvt_cluster_id).toBe(CLUSTER);
    expect(data.carrier_data.mdn).toBe(SEED_NUMBERS.hotspot.mdn);
  });

  it('says when the carrier has the subscription but TOP does not', async () => {
    const run = await kzops(['subscriptions', 'lookup', '--sim', SEED_NUMBERS.pendingBySim.sim]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Not in TOP');
  });

  it('masks secrets in the document unless --show-secrets', async () => {
    const doc = sim.state.subscriptions[JOE];
    if (doc === undefined) throw new Error('seed lacks Joe');
    doc.additional_properties = { api_key: 'sub-k3y-secret' };
    const masked = await kzops(['subscriptions', 'lookup', '--mdn', '5550001111', '--json']);
    expect(masked.code, masked.stderr).toBe(0);
    expect(masked.stdout).not.toContain('sub-k3y-secret');
    const data = JSON.parse(masked.stdout) as { document: { additional_properties: Record<string, string> } };
    expect(data.document.additional_properties.api_key).toBe('<redacted>');
    const shown = await kzops(['subscriptions', 'lookup', '--mdn', '5550001111', '--json', '--show-secrets']);
    expect(shown.stdout).toContain('sub-k3y-secret');
  });

  it.each([
    [[], /give one of --esn, --sim, --mdn/],
    [['--mdn', '5550001111', '--esn', SEED_NUMBERS.joe.esn], /give only one of .*--esn and --mdn/],
    [['--mdn', '12'], /--mdn "12" is not a phone number/],
    [['--esn', 'xyz'], /--esn "xyz" is not an ESN/],
    [['--sim', '123'], /--sim "123" is not a SIM number/],
    [['--mdn', '5550001111', '--carrier', 'Sprint!'], /--carrier "Sprint!" is not a carrier name/],
  ])('refuses bad input %j before sending anything (exit 64; the service)', async (args, message) => {
    await expectServiceUsage(lookupSubscription({ dir, showSecrets: false, ...flagsOf(args) }), message);
  });

  it('refuses bad input from the CLI with exit 64, the message on stderr', async () => {
    expectUsage(await kzops(['subscriptions', 'lookup', '--mdn', '12']), /--mdn "12" is not a phone number/);
  });

  it('a number the carrier does not know is one 404 line, exit 1', async () => {
    const run = await kzops(['subscriptions', 'lookup', '--mdn', '5559990000']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: POST \/v2\/support\/subscriptions\/lookup: 404/m);
  });

  it('a master-level key is refused: 403, exit 1', async () => {
    const run = await kzops(['subscriptions', 'lookup', '--mdn', '5550001111'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/403/);
  });
});

// ---------------------------------------------------------------------------------------
// import

describe('subscriptions import', () => {
  const importArgs = ['subscriptions', 'import', accounts.joe];

  it('imports by MDN: subscription and device exist, the view shows it, the audit has it', async () => {
    const [subs, devs] = [subCount(), devCount()];
    const run = await kzops([...importArgs, '--mdn', '555-000-4441']);
    expect(run.code, run.stderr).toBe(0);
    const created = Object.values(sim.state.subscriptions).find(
      (s) => s.mdn === SEED_NUMBERS.pendingByMdn.mdn,
    );
    expect(created?.pvt_account_id).toBe(accounts.joe);
    expect(subCount()).toBe(subs + 1);
    expect(devCount()).toBe(devs + 1);
    expect(run.stdout).toContain(`Imported into account ${accounts.joe} on lab (${sim.url})`);
    expect(run.stdout).toContain(`Subscription ${created?._id}`);
    expect(run.stdout).toMatch(/carrier +sprint/);

    const put = sim.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/subscriptions/import'));
    const [line, ...more] = await auditLines();
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      target: 'lab',
      operator: 'tester',
      method: 'PUT',
      path: `/v2/support/accounts/${accounts.joe}/subscriptions/import`,
      request_id: put?.request_id,
      status: 201,
      data: { mdn: SEED_NUMBERS.pendingByMdn.mdn },
    });
  });

  it('--device-file sets the device; --json prints the subscription; the audit masks the SIP password', async () => {
    const deviceFile = await file(
      'device.yaml',
      [
        'name: Warehouse handset',
        'voice:',
        '  sip: {realm: sip.example.com, username: wh1, password: wh-s3cret}',
        'data: {blocking: {cap: 0}, throttling: {cap: 0, rate: 64k}}',
        '',
      ].join('\n'),
    );
    const run = await kzops([
      ...importArgs,
      '--esn',
      SEED_NUMBERS.pendingByEsn.esn,
      '--device-file',
      deviceFile,
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const data = JSON.parse(run.stdout) as { id: string; esn: string; carrier_name: string };
    expect(data.esn).toBe(SEED_NUMBERS.pendingByEsn.esn);
    expect(data.carrier_name).toBe('sprint');
    expect(sim.state.subscriptions[data.id]?.pvt_account_id).toBe(accounts.joe);
    const device = Object.values(sim.state.devices).find((d) => d.name === 'Warehouse handset');
    expect((device?.voice as { sip: { password: string } }).sip.password).toBe('wh-s3cret');
    const audit = await readFile(auditPath(), 'utf8');
    expect(audit).not.toContain('wh-s3cret');
    const [line] = await auditLines();
    expect(line?.data).toMatchObject({ device_data: { voice: { sip: { password: '<redacted>' } } } });
  });

  it('by SIM, a data-only subscription gets no device', async () => {
    const devs = devCount();
    const run = await kzops([...importArgs, '--sim', SEED_NUMBERS.pendingBySim.sim]);
    expect(run.code, run.stderr).toBe(0);
    expect(devCount()).toBe(devs);
    expect(Object.values(sim.state.subscriptions).some((s) => s.sim === SEED_NUMBERS.pendingBySim.sim)).toBe(
      true,
    );
  });

  it('--dry-run prints the curl (token and password redacted), sends nothing, changes nothing', async () => {
    const deviceFile = await file(
      'device.json',
      JSON.stringify({ voice: { sip: { password: 'dry-s3cret' } } }),
    );
    const subs = subCount();
    const run = await kzops([...importArgs, '--mdn', '5550004441', '--device-file', deviceFile, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^curl .*-X PUT .*\/subscriptions\/import/m);
    expect(run.stdout).toContain("X-Auth-Token: <redacted>'");
    expect(run.stdout).not.toContain('dry-s3cret');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('Dry run: nothing was sent.');
    expect(subCount()).toBe(subs);
    expect(changes()).toEqual([]);
    expect(existsSync(auditPath())).toBe(false);
  });

  it('a subscription TOP already has is a 409, exit 1', async () => {
    const run = await kzops([...importArgs, '--mdn', SEED_NUMBERS.joe.mdn]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: PUT \/v2\/support\/accounts\/.*\/subscriptions\/import: 409/m);
  });

  it('an unknown account is a 404, exit 1', async () => {
    const run = await kzops(['subscriptions', 'import', UNKNOWN_ACCOUNT, '--mdn', '5550004441']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/404/);
  });

  it('a master-level key is refused: 403, exit 1, nothing imported', async () => {
    const subs = subCount();
    const run = await kzops([...importArgs, '--mdn', '5550004441'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/403/);
    expect(subCount()).toBe(subs);
  });

  it('refuses a bad ACCOUNT_ID, a missing key and a bad device file before sending (exit 64)', async () => {
    expectUsage(
      await kzops(['subscriptions', 'import', 'joe', '--mdn', '5550004441']),
      /ACCOUNT_ID "joe" is not an id/,
    );
    expectUsage(await kzops(importArgs), /give one of --esn, --sim, --mdn/);
    const bad = await file('bad.yaml', 'name: X\nvoice:\n  sip: not-a-mapping\npvt_x: 1\n');
    const run = await kzops([...importArgs, '--mdn', '5550004441', '--device-file', bad]);
    expectUsage(run, /bad\.yaml: .*voice\.sip: must be a mapping/);
    expect(run.stderr).toMatch(/pvt_x/);
    expectUsage(
      await kzops([...importArgs, '--mdn', '5550004441', '--device-file', join(work, 'missing.yaml')]),
      /--device-file .*missing\.yaml: cannot read it/,
    );
  });
});

// ---------------------------------------------------------------------------------------
// patch

describe('subscriptions patch', () => {
  const patchArgs = ['subscriptions', 'patch', accounts.joe, JOE];

  it('--set changes the fields, stamps last_manual_update, shows the result, writes the audit', async () => {
    const run = await kzops([...patchArgs, '--set', 'plan="260PLAN1"', '--set', 'suspended=true']);
    expect(run.code, run.stderr).toBe(0);
    const doc = sim.state.subscriptions[JOE];
    expect(doc?.plan).toBe('260PLAN1');
    expect(doc?.suspended).toBe(true);
    expect((doc?.additional_properties as { last_manual_update?: number }).last_manual_update).toBeTypeOf(
      'number',
    );
    expect(run.stdout).toContain(`Patched on lab (${sim.url})`);
    expect(run.stdout).toMatch(/plan +260PLAN1/);
    expect(run.stdout).toMatch(/suspended +yes/);
    const [line] = await auditLines();
    expect(line).toMatchObject({
      method: 'PATCH',
      path: `/v2/support/accounts/${accounts.joe}/subscriptions/${JOE}`,
      status: 200,
      data: { plan: '260PLAN1', suspended: true },
    });
  });

  it('--file with --recursive merges nested fields; --json prints the subscription with secrets masked', async () => {
    const doc = sim.state.subscriptions[JOE];
    if (doc === undefined) throw new Error('seed lacks Joe');
    doc.additional_properties = { keep: 'me' };
    const patch = await file('patch.yaml', 'additional_properties:\n  name: Joe\n  api_key: p-s3cret\n');
    const run = await kzops([...patchArgs, '--file', patch, '--recursive', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const extra = sim.state.subscriptions[JOE]?.additional_properties as Record<string, unknown>;
    expect(extra).toMatchObject({ keep: 'me', name: 'Joe', api_key: 'p-s3cret' });
    const data = JSON.parse(run.stdout) as { id: string; additional_properties: Record<string, unknown> };
    expect(data.id).toBe(JOE);
    expect(data.additional_properties.api_key).toBe('<redacted>');
    expect(run.stdout).not.toContain('p-s3cret');
    expect(await readFile(auditPath(), 'utf8')).not.toContain('p-s3cret');
    const shown = await kzops([...patchArgs, '--set', 'plan=P3', '--json', '--show-secrets']);
    expect(shown.stdout).toContain('p-s3cret');
  });

  it('says before sending that a shallow patch replaces a nested field whole', async () => {
    const run = await kzops([...patchArgs, '--set', 'carrier_data.csa=NEWCSA']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: without --recursive the server replaces carrier_data whole/);
    expect(sim.state.subscriptions[JOE]?.carrier_data).toEqual({ csa: 'NEWCSA' });
  });

  it('--dry-run prints the curl and changes nothing', async () => {
    const before = structuredClone(sim.state.subscriptions[JOE]);
    const run = await kzops([...patchArgs, '--set', 'plan=P9', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^curl .*-X PATCH .*\/subscriptions\/50b5c0+1' -d '\{"data":\{"plan":"P9"\}\}'/m,
    );
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    expect(sim.state.subscriptions[JOE]).toEqual(before);
    expect(changes()).toEqual([]);
  });

  it('--dry-run --json returns the held-back request', async () => {
    const run = await kzops([...patchArgs, '--set', 'plan=P9', '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { dry_run: boolean; requests: string[] };
    expect(out.dry_run).toBe(true);
    expect(out.requests[0]).toMatch(/^curl .*-X PATCH/);
    expect(changes()).toEqual([]);
  });

  it.each([
    [[accounts.joe, JOE], /give one of --file, --set/],
    [[accounts.joe, 'nope', '--set', 'plan=P'], /SUBSCRIPTION_ID "nope" is not an id/],
    [[accounts.joe, JOE, '--set', 'plan'], /--set "plan": write path=value/],
    [[accounts.joe, JOE, '--set', 'pvt_account_id=x'], /pvt_account_id: is set by the server/],
    [[accounts.joe, JOE, '--set', 'suspended="no"'], /suspended: must be true or false/],
    [[], /give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE/],
  ])('refuses bad input %j before sending anything (exit 64)', async (args, message) => {
    expectUsage(await kzops(['subscriptions', 'patch', ...args]), message);
  });

  it('an unknown subscription is a 404, exit 1', async () => {
    const run = await kzops(['subscriptions', 'patch', accounts.joe, UNKNOWN_SUB, '--set', 'plan=P']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: PATCH \/v2\/support\/accounts\/.*: 404/m);
  });

  it('a master-level key is refused: 403, exit 1, nothing changed', async () => {
    const run = await kzops([...patchArgs, '--set', 'plan=P'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/403/);
    expect(sim.state.subscriptions[JOE]?.plan).toBe('260PLAN21');
  });
});

// ---------------------------------------------------------------------------------------
// delete

describe('subscriptions delete', () => {
  const deleteArgs = ['subscriptions', 'delete', accounts.joe, JOE];

  it('without --yes and without a terminal: refused (exit 5), nothing deleted, the hint says what it would affect', async () => {
    const run = await kzops([...deleteArgs, '--mdn', '5550001111']);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/needs --yes/);
    expect(run.stderr).toMatch(
      new RegExp(`hint: it would affect: subscription ${JOE} in account ${accounts.joe}: mdn \\+15550001111`),
    );
    expect(run.stderr).toContain(
      `device ${devices.joe} "Joe's Mobile Phone" stays (pass --cascade to delete it too)`,
    );
    expect(sim.state.subscriptions[JOE]).toBeDefined();
    expect(changes()).toEqual([]);
  });

  it('with --mdn and --yes: shows the subscription and its device (password masked), deletes only the subscription', async () => {
    const run = await kzops([...deleteArgs, '--mdn', '5550001111', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(sim.state.subscriptions[JOE]).toBeUndefined();
    expect(sim.state.devices[devices.joe]).toBeDefined();
    expect(run.stdout).toContain(`Device ${devices.joe} "Joe's Mobile Phone"`);
    expect(run.stdout).toContain('password <redacted>');
    expect(run.stdout).not.toContain(JOE_SIP_PASSWORD);
    expect(run.stdout).toContain(`Deleted from account ${accounts.joe}:`);
    const del = changes();
    expect(del.map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /v2/support/accounts/${accounts.joe}/subscriptions/${JOE}`,
    ]);
    expect(del[0]?.query).toEqual({});
    const [line] = await auditLines();
    expect(line).toMatchObject({ method: 'DELETE', status: 200, operator: 'tester', target: 'lab' });
  });

  it('--show-secrets shows the device password in the preview', async () => {
    const run = await kzops([...deleteArgs, '--mdn', '5550001111', '--yes', '--show-secrets']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`password ${JOE_SIP_PASSWORD}`);
  });

  it('--cascade deletes the device too, and says so before', async () => {
    const run = await kzops([...deleteArgs, '--mdn', '5550001111', '--cascade', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(sim.state.subscriptions[JOE]).toBeUndefined();
    expect(sim.state.devices[devices.joe]).toBeUndefined();
    expect((JSON.parse(run.stdout) as { id: string }).id).toBe(JOE);
    expect(changes()[0]?.query).toEqual({ cascade: 'true' });
    const refused = await kzops([
      'subscriptions',
      'delete',
      accounts.hotspot,
      HOTSPOT,
      '--mdn',
      SEED_NUMBERS.hotspot.mdn,
      '--cascade',
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(
      `device ${devices.hotspot} "Front Desk Hotspot" is deleted too (--cascade)`,
    );
  });

  it('without a key, the confirmation says the subscription cannot be shown', async () => {
    const run = await kzops([...deleteArgs, '--cascade']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('not shown: the support API cannot read a subscription by id');
    expect(run.stderr).toContain('is deleted too (--cascade)');
    expect(sim.requests.filter((r) => r.path !== '/v2/api_auth')).toEqual([]);
  });

  it('refuses (exit 5, nothing deleted) when the key names another subscription', async () => {
    const run = await kzops([...deleteArgs, '--mdn', SEED_NUMBERS.hotspot.mdn, '--yes']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`is subscription ${HOTSPOT} in account ${accounts.hotspot}, not ${JOE}`);
    expect(sim.state.subscriptions[JOE]).toBeDefined();
    expect(changes()).toEqual([]);
  });

  it('--dry-run looks up, prints the DELETE as curl, deletes nothing, asks nothing', async () => {
    const run = await kzops([...deleteArgs, '--mdn', '5550001111', '--cascade', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^curl .*-X DELETE .*\/subscriptions\/50b5c0+1\?cascade=true'/m);
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    expect(sim.state.subscriptions[JOE]).toBeDefined();
    expect(sim.state.devices[devices.joe]).toBeDefined();
    expect(changes()).toEqual([]);
    expect(sim.requests.some((r) => r.path === LOOKUP)).toBe(true);
  });

  it('an unknown subscription is a 404, exit 1', async () => {
    const run = await kzops(['subscriptions', 'delete', accounts.joe, UNKNOWN_SUB, '--yes']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: DELETE .*: 404/m);
  });

  it('a master-level key is refused: 403, exit 1', async () => {
    const run = await kzops([...deleteArgs, '--yes'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/403/);
    expect(sim.state.subscriptions[JOE]).toBeDefined();
  });

  it.each([
    [['nope', JOE], /ACCOUNT_ID "nope" is not an id/],
    [[accounts.joe, JOE, '--mdn', '5550001111', '--sim', SEED_NUMBERS.joe.sim], /give only one of/],
    [[accounts.joe, JOE, '--esn', 'zz'], /--esn "zz" is not an ESN/],
    [[accounts.joe], /Missing 1 required arg/],
  ])('refuses bad input %j before sending anything (exit 64)', async (args, message) => {
    expectUsage(await kzops(['subscriptions', 'delete', ...args, '--yes']), message);
  });
});

// ---------------------------------------------------------------------------------------
// move

describe('subscriptions move', () => {
  const moveArgs = ['subscriptions', 'move', accounts.joe, JOE, '--to-account', accounts.hotspot];

  it('moves the subscription and its device; shows them first; writes the audit', async () => {
    const run = await kzops([...moveArgs, '--mdn', '5550001111', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(sim.state.subscriptions[JOE]?.pvt_account_id).toBe(accounts.hotspot);
    expect(sim.state.devices[devices.joe]?.pvt_account_id).toBe(accounts.hotspot);
    expect(run.stdout).toContain(`device ${devices.joe} "Joe's Mobile Phone" moves with it`);
    expect(run.stdout).toContain(`to account ${accounts.hotspot}`);
    expect(run.stdout).toContain(`Moved from account ${accounts.joe} to account ${accounts.hotspot}:`);
    const post = changes();
    expect(post.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v2/support/accounts/${accounts.joe}/subscriptions/${JOE}/move`,
    ]);
    const [line] = await auditLines();
    expect(line).toMatchObject({
      method: 'POST',
      status: 200,
      request_id: post[0]?.request_id,
      data: { target_account_id: accounts.hotspot },
    });
  });

  it('--to-cluster moves it to a cluster too; --json prints the subscription', async () => {
    const run = await kzops([...moveArgs, '--to-cluster', CLUSTER, '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(sim.state.subscriptions[JOE]?.pvt_cluster_id).toBe(CLUSTER);
    expect((JSON.parse(run.stdout) as { id: string }).id).toBe(JOE);
  });

  it('without --yes and without a terminal: refused (exit 5), nothing moved', async () => {
    const run = await kzops([...moveArgs, '--mdn', '5550001111']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('moves with it');
    expect(run.stderr).toContain(`to account ${accounts.hotspot}`);
    expect(sim.state.subscriptions[JOE]?.pvt_account_id).toBe(accounts.joe);
    expect(changes()).toEqual([]);
  });

  it('--dry-run prints the curl and moves nothing', async () => {
    const run = await kzops([...moveArgs, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^curl .*-X POST .*\/move' -d '\{"data":\{"target_account_id":"fedcba9876543210fedcba9876543210"\}\}'/m,
    );
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    expect(sim.state.subscriptions[JOE]?.pvt_account_id).toBe(accounts.joe);
    expect(changes()).toEqual([]);
    expect(existsSync(auditPath())).toBe(false);
  });

  it('a move to an account the server does not have is one 400 line naming the field, exit 1', async () => {
    const run = await kzops([
      'subscriptions',
      'move',
      accounts.joe,
      JOE,
      '--to-account',
      UNKNOWN_ACCOUNT,
      '--yes',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: POST .*\/move: 400 .*data\.target_account_id not_found/m);
    expect(sim.state.subscriptions[JOE]?.pvt_account_id).toBe(accounts.joe);
  });

  it('an unknown subscription is a 404, exit 1', async () => {
    const run = await kzops([
      'subscriptions',
      'move',
      accounts.joe,
      UNKNOWN_SUB,
      '--to-account',
      accounts.hotspot,
      '--yes',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: POST .*\/move: 404/m);
  });

  it('a master-level key is refused: 403, exit 1', async () => {
    const run = await kzops([...moveArgs, '--yes'], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/403/);
    expect(sim.state.subscriptions[JOE]?.pvt_account_id).toBe(accounts.joe);
  });

  it.each([
    [[accounts.joe, JOE, '--to-account', 'nope'], /--to-account "nope" is not an id/],
    [
      [accounts.joe, JOE, '--to-account', accounts.hotspot, '--to-cluster', 'x'],
      /--to-cluster "x" is not an id/,
    ],
    [
      [accounts.joe, JOE, '--to-account', accounts.joe],
      /--to-account .* is the account the subscription is in/,
    ],
  ])('refuses bad input %j before sending anything (exit 64; the service)', async (args, message) => {
    const [accountId = '', subscriptionId = '', ...rest] = args;
    const flags = flagsOf(rest);
    const input = { dir, dryRun: false, showSecrets: false, yes: true, accountId, subscriptionId };
    await expectServiceUsage(
      moveSubscription(
        { ...input, toAccount: flags['to-account'], toCluster: flags['to-cluster'] },
        captureUi(),
      ),
      message,
    );
  });

  it.each([
    [[accounts.joe, JOE], /--to-account is required/],
    [[], /give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE/],
    [
      [accounts.joe, JOE, '--to-account', accounts.hotspot, '--from-csv', 'x.csv'],
      /--from-csv .*drop ACCOUNT_ID, --to-account/,
    ],
  ])('refuses bad input %j before sending anything (exit 64)', async (args, message) => {
    expectUsage(await kzops(['subscriptions', 'move', ...args, '--yes']), message);
  });
});
