/**
 * `kzops devices import|patch|subscription`, run as a user runs them (`node bin/run.js`;
 * `npm test` builds dist/ first) against an in-process simulator named by a targets.yaml.
 * Each test gets a fresh simulator and work directory, and checks the simulator's state and
 * request log, not only what was printed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorOutcome, exitCodeFor } from '../../src/cli/exit-codes.js';
import { KzopsError } from '../../src/core/errors.js';
import { importDevice, patchDevice } from '../../src/services/support/devices.js';
import { captureUi } from '../../src/services/ui.js';
import type { Doc } from '../../src/sim/model.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, writeLabTargets } from './cli-harness.js';

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';
const JOE_SIP_PASSWORD = 'sim-sip-joe';
const NEW_SECRET = 'n3w-s1p-s3cret';
const { accounts, devices } = SEED_IDS;
const UNKNOWN_ACCOUNT = 'abcdefabcdefabcdefabcdefabcdef00';
const UNKNOWN_DEVICE = 'de71ce000000000000000000000000ff';

let sim: SimHandle;
let work: string;
let dir: string;

beforeAll(() => requireBuilt('devices/import'));

beforeEach(async () => {
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-devices-'));
  dir = join(work, 'config');
  await mkdir(dir);
  await writeLabTargets(dir, sim.url);
});

afterEach(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

async function kzops(args: string[], env: Record<string, string | undefined> = {}) {
  return runKzops([...args, '--dir', dir], {
    cwd: work,
    env: { LAB_KEY: SUPER_KEY, KZOPS_OPERATOR: 'tester', ...env },
  });
}

/** Requests that would change the server (authentication and reads left out). */
function changes() {
  return sim.requests.filter((r) => r.method !== 'GET' && r.path !== '/v2/api_auth');
}

/** Every request but authentication. */
function apiRequests() {
  return sim.requests.filter((r) => r.path !== '/v2/api_auth');
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

function devicesIn(accountId: string): Doc[] {
  return Object.values(sim.state.devices).filter((d) => d.pvt_account_id === accountId);
}

function deviceWithMdn(mdn: string): Doc | undefined {
  return Object.values(sim.state.devices).find(
    (d) => (d.subscription as { mdn?: string } | undefined)?.mdn === mdn,
  );
}

// ---------------------------------------------------------------------------------------
// devices import

describe('devices import', () => {
  const importArgs = ['devices', 'import', accounts.joe];

  it('imports by MDN (any spelling) with a name: the device exists, the view shows it, the audit has it', async () => {
    const before = devicesIn(accounts.joe).length;
    const run = await kzops([...importArgs, '--mdn', '(555) 000-4441', '--name', 'Front desk']);
    expect(run.code, run.stderr).toBe(0);
    const created = deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn);
    expect(created?.pvt_account_id).toBe(accounts.joe);
    expect(created?.name).toBe('Front desk');
    expect(devicesIn(accounts.joe)).toHaveLength(before + 1);
    expect(run.stdout).toContain(`Imported into account ${accounts.joe} on lab (${sim.url})`);
    expect(run.stdout).toContain(`Device ${created?._id} "Front desk"`);
    expect(run.stdout).toMatch(/mdn +\+15550004441/);
    expect(run.stdout).toMatch(/carrier +sprint/);

    const [line, ...more] = await auditLines();
    expect(more).toEqual([]);
    const put = sim.requests.find((r) => r.method === 'PUT' && r.path.endsWith('/devices/import'));
    expect(line).toMatchObject({
      target: 'lab',
      operator: 'tester',
      method: 'PUT',
      path: `/v2/support/accounts/${accounts.joe}/devices/import`,
      request_id: put?.request_id,
      status: 201,
      data: { mdn: SEED_NUMBERS.pendingByMdn.mdn, name: 'Front desk' },
    });
    expect(Date.parse(line?.time as string)).not.toBeNaN();
  });

  it('imports by ESN with --carrier; --json prints only the device', async () => {
    const run = await kzops([
      ...importArgs,
      '--esn',
      SEED_NUMBERS.pendingByEsn.esn,
      '--carrier',
      'sprint',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const device = JSON.parse(run.stdout) as { id: string; subscription: { esn: string; mdn: string } };
    expect(device.subscription.esn).toBe(SEED_NUMBERS.pendingByEsn.esn);
    expect(sim.state.devices[device.id]?.pvt_account_id).toBe(accounts.joe);
    expect(Object.keys(device)).not.toContain('status');
  });

  it('--file gives voice and data; --name wins over the file; the secret is stored but never printed', async () => {
    const path = await file(
      'device.yaml',
      [
        `mdn: "${SEED_NUMBERS.pendingByMdn.mdn}"`,
        'name: From the file',
        'voice:',
        '  protocol: sip',
        `  sip: {realm: sip.example.com, username: desk, password: ${NEW_SECRET}}`,
        'data:',
        '  caps:',
        '    blocking: {cap: 2000000000}',
        '    throttling: {cap: 1990000000, rate: 256k}',
        '',
      ].join('\n'),
    );
    const run = await kzops([...importArgs, '--file', path, '--name', 'From the flag']);
    expect(run.code, run.stderr).toBe(0);
    const created = deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn);
    expect(created?.name).toBe('From the flag');
    expect(created?.voice).toEqual({
      protocol: 'sip',
      sip: { realm: 'sip.example.com', username: 'desk', password: NEW_SECRET },
    });
    expect(created?.data).toEqual({
      caps: { blocking: { cap: 2_000_000_000 }, throttling: { cap: 1_990_000_000, rate: '256k' } },
    });
    expect(run.stdout).toContain('blocking at 2 GB; throttling to 256k after 1.99 GB');
    expect(run.stdout).toContain('sip desk@sip.example.com, password <redacted>');
    expect(run.stdout).not.toContain(NEW_SECRET);
    const audit = await readFile(auditPath(), 'utf8');
    expect(audit).not.toContain(NEW_SECRET);
    expect(audit).toContain('"password":"<redacted>"');
  });

  it('--show-secrets prints the SIP password (in --json too)', async () => {
    const path = await file('d.json', JSON.stringify({ voice: { sip: { password: NEW_SECRET } } }));
    const run = await kzops([
      ...importArgs,
      '--file',
      path,
      '--mdn',
      '5550004441',
      '--show-secrets',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { voice: { sip: { password: string } } }).voice.sip.password).toBe(
      NEW_SECRET,
    );
  });

  it('--json without --show-secrets masks the password', async () => {
    const path = await file('d.json', JSON.stringify({ voice: { sip: { password: NEW_SECRET } } }));
    const run = await kzops([...importArgs, '--file', path, '--mdn', '5550004441', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(NEW_SECRET);
    expect((JSON.parse(run.stdout) as { voice: { sip: { password: string } } }).voice.sip.password).toBe(
      '<redacted>',
    );
  });

  it("a flag's identifier replaces the file's: --esn over the file's mdn", async () => {
    const path = await file('device.yaml', `mdn: "${SEED_NUMBERS.pendingByMdn.mdn}"\nname: Hotspot\n`);
    const run = await kzops([...importArgs, '--file', path, '--esn', SEED_NUMBERS.pendingByEsn.esn]);
    expect(run.code, run.stderr).toBe(0);
    expect(deviceWithMdn(SEED_NUMBERS.pendingByEsn.mdn)?.name).toBe('Hotspot');
    expect(deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn)).toBeUndefined();
  });

  it('--mdn with --esn: allowed, the MDN wins, and a note on stderr says so (under --json too)', async () => {
    const args = [
      ...importArgs,
      '--mdn',
      SEED_NUMBERS.pendingByMdn.mdn,
      '--esn',
      SEED_NUMBERS.pendingByEsn.esn,
    ];
    const note = /^note: --mdn and --esn: both an MDN and an ESN given; the MDN wins/m;
    const run = await kzops([...args, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(note);
    expect(JSON.parse(run.stdout)).toMatchObject({ subscription: { mdn: expect.any(String) as string } });
    expect(deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn)?.pvt_account_id).toBe(accounts.joe);
    expect(deviceWithMdn(SEED_NUMBERS.pendingByEsn.mdn)).toBeUndefined();
    const text = await kzops([...args, '--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toMatch(note);
  });

  it('the file alone may name the device', async () => {
    const path = await file('device.yaml', `esn: "${SEED_NUMBERS.pendingByEsn.esn}"\n`);
    const run = await kzops([...importArgs, '--file', path]);
    expect(run.code, run.stderr).toBe(0);
    expect(deviceWithMdn(SEED_NUMBERS.pendingByEsn.mdn)?.pvt_account_id).toBe(accounts.joe);
  });

  describe('input errors: exit 64, naming the flag or the file and field, nothing sent', () => {
    const cases: { name: string; args: () => string[] | Promise<string[]>; message: RegExp }[] = [
      {
        name: 'a bad account id',
        args: () => ['devices', 'import', 'acc1', '--mdn', '5550004441'],
        message: /ACCOUNT_ID "acc1" is not an id/,
      },
      { name: 'no --mdn or --esn', args: () => importArgs, message: /give one of --mdn, --esn/ },
      {
        name: 'a bad --mdn',
        args: () => [...importArgs, '--mdn', '555-0001'],
        message: /--mdn "555-0001" is not a phone number/,
      },
      {
        name: 'a bad --esn',
        args: () => [...importArgs, '--esn', 'not-an-esn'],
        message: /--esn "not-an-esn"/,
      },
      {
        name: 'a bad --carrier',
        args: () => [...importArgs, '--mdn', '5550004441', '--carrier', 'Sprint PCS'],
        message: /--carrier "Sprint PCS" is not a carrier name/,
      },
      {
        name: 'an empty --name',
        args: () => [...importArgs, '--mdn', '5550004441', '--name', ' '],
        message: /--name must not be empty/,
      },
      {
        name: 'a missing --file',
        args: () => [...importArgs, '--file', join(work, 'nope.yaml')],
        message: /--file .*nope\.yaml: cannot read it: no such file/,
      },
      {
        name: 'a file that is not YAML',
        args: async () => [...importArgs, '--file', await file('bad.yaml', 'name: [unclosed\n')],
        message: /bad\.yaml: not valid YAML or JSON/,
      },
      {
        name: 'a file that is a list',
        args: async () => [...importArgs, '--file', await file('list.yaml', '- mdn: "5550004441"\n')],
        message: /list\.yaml: must be a mapping of fields \(a device import\), not a list/,
      },
      {
        name: 'an unquoted 18-digit ESN (YAML reads a rounded number)',
        args: async () => [
          ...importArgs,
          '--file',
          await file('num.yaml', `esn: ${SEED_NUMBERS.pendingByEsn.esn}\n`),
        ],
        message: /num\.yaml: esn: must be text, not number .*\(quote it/,
      },
      {
        name: 'an unknown field',
        args: async () => [...importArgs, '--file', await file('f.yaml', 'mdn: "5550004441"\ncolour: red\n')],
        message:
          /f\.yaml: colour: not a field of a device import here \(known: esn, mdn, name, voice, data\)/,
      },
      {
        name: 'a negative cap and a bad rate, both reported',
        args: async () => [
          ...importArgs,
          '--file',
          await file(
            'caps.yaml',
            'mdn: "5550004441"\ndata: {blocking: {cap: -1}, throttling: {cap: 1, rate: fast}}\n',
          ),
        ],
        message:
          /caps\.yaml: data\.blocking\.cap: must not be negative; data\.throttling\.rate: "fast" is not valid/,
      },
      {
        name: 'a bad mdn in the file',
        args: async () => [...importArgs, '--file', await file('m.yaml', 'mdn: "12345"\n')],
        message: /m\.yaml: mdn: "12345" is not a phone number/,
      },
      {
        name: 'a file that names no device, and no flag',
        args: async () => [...importArgs, '--file', await file('anon.yaml', 'name: Nobody\n')],
        message: /anon\.yaml: names no device: set mdn or esn in it, or pass --mdn or --esn/,
      },
      {
        name: 'a server-owned field',
        args: async () => [
          ...importArgs,
          '--file',
          await file('id.yaml', `mdn: "5550004441"\nid: ${devices.joe}\n`),
        ],
        message: /id\.yaml: id: is set by the server and cannot be sent$/m,
      },
    ];

    // One run of the CLI for the exit code and the streams; the rest call the service in-process.
    it('the CLI exits 64 with the message on stderr and nothing on stdout', async () => {
      const first = cases[0] as (typeof cases)[number];
      const run = await kzops(await first.args());
      expect(run.code, run.stderr).toBe(64);
      expect(run.stderr).toMatch(first.message);
      expect(run.stdout).toBe('');
      expect(sim.requests).toEqual([]);
      expect(existsSync(auditPath())).toBe(false);
    });

    it.each(cases)('$name (the service)', async ({ args, message }) => {
      // The table's command lines as the service's input: ACCOUNT_ID, then --flag value pairs.
      const [, , accountId = '', ...rest] = await args();
      const flags: Record<string, string> = {};
      for (let i = 0; i < rest.length; i += 2)
        flags[(rest[i] as string).replace(/^--/, '')] = rest[i + 1] as string;
      const input = { dir, dryRun: false, showSecrets: false, accountId, ...flags };
      const ui = captureUi();
      const err = await importDevice(input, ui).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KzopsError);
      expect(exitCodeFor(errorOutcome(err))).toBe(64);
      expect((err as KzopsError).summary()).toMatch(message);
      expect(ui.stdout).toEqual([]);
      expect(sim.requests).toEqual([]);
      expect(existsSync(auditPath())).toBe(false);
    });

    it('a wrong secret is not repeated in the message', async () => {
      const path = await file('s.yaml', 'mdn: "5550004441"\nvoice: {sip: {password: 98765432123}}\n');
      const run = await kzops([...importArgs, '--file', path]);
      expect(run.code).toBe(64);
      expect(run.stderr).toContain('voice.sip.password: must be text, not a number');
      expect(run.stderr).not.toContain('98765432123');
    });
  });

  describe('server errors: one line, exit 1', () => {
    it('404 for an account the server does not have, audited with its status', async () => {
      const before = Object.keys(sim.state.devices).length;
      const run = await kzops(['devices', 'import', UNKNOWN_ACCOUNT, '--mdn', '5550004441']);
      expect(run.code).toBe(1);
      const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toEqual([
        expect.stringMatching(
          /^error: PUT \/v2\/support\/accounts\/\w+\/devices\/import: 404 bad_identifier/,
        ),
      ]);
      expect(Object.keys(sim.state.devices)).toHaveLength(before);
      const [line] = await auditLines();
      expect(line).toMatchObject({ method: 'PUT', status: 404 });
      expect(line?.error).toContain('404');
    });

    it('404 for a number no carrier has', async () => {
      const run = await kzops([...importArgs, '--mdn', '5559999999']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: PUT .*\/devices\/import: 404 bad_identifier/m);
      expect(changes().map((r) => r.status)).toEqual([404]);
    });

    it('409 when a device already holds the number', async () => {
      const before = Object.keys(sim.state.devices).length;
      const run = await kzops([...importArgs, '--mdn', SEED_NUMBERS.joe.mdn]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: PUT .*: 409 datastore_conflict/m);
      expect(Object.keys(sim.state.devices)).toHaveLength(before);
      expect((await auditLines()).map((l) => l.status)).toEqual([409]);
    });

    it('403 for a master-level key (the route needs super_master)', async () => {
      const run = await kzops([...importArgs, '--mdn', '5550004441'], { LAB_KEY: MASTER_KEY });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: PUT .*: 403/m);
      expect(deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn)).toBeUndefined();
    });
  });

  describe('--dry-run', () => {
    it('prints the request as curl with the token and secrets redacted, sends nothing, audits nothing', async () => {
      const path = await file('d.yaml', `voice: {sip: {password: ${NEW_SECRET}}}\n`);
      const before = structuredClone(sim.state.devices);
      const run = await kzops([
        ...importArgs,
        '--mdn',
        '5550004441',
        '--file',
        path,
        '--carrier',
        'sprint',
        '--dry-run',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^curl -sS -X PUT /);
      expect(lines[0]).toContain(`'${sim.url}/v2/support/accounts/${accounts.joe}/devices/import'`);
      expect(lines[0]).toContain("-H 'X-Auth-Token: <redacted>'");
      expect(lines[0]).toContain(
        `-d '{"data":{"voice":{"sip":{"password":"<redacted>"}},"mdn":"+15550004441"},"carrier":"sprint"}'`,
      );
      expect(lines[1]).toBe('Dry run: nothing was sent.');
      expect(run.stdout).not.toContain(NEW_SECRET);
      expect(run.stdout).not.toContain(SUPER_KEY);
      expect(sim.requests).toEqual([]);
      expect(sim.state.devices).toEqual(before);
      expect(existsSync(auditPath())).toBe(false);
    });

    it('with --json: the held-back requests as data', async () => {
      const run = await kzops([...importArgs, '--mdn', '5550004441', '--dry-run', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as { dry_run: boolean; requests: string[] };
      expect(out.dry_run).toBe(true);
      expect(out.requests).toHaveLength(1);
      expect(out.requests[0]).toMatch(/^curl -sS -X PUT /);
      expect(changes()).toEqual([]);
    });
  });

  it('--audit-log writes the trail where asked', async () => {
    const log = join(work, 'trail', 'audit.jsonl');
    const run = await kzops([...importArgs, '--mdn', '5550004441', '--audit-log', log]);
    expect(run.code, run.stderr).toBe(0);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ method: 'PUT', status: 201 });
    expect(existsSync(auditPath())).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// devices patch

describe('devices patch', () => {
  const patchArgs = ['devices', 'patch', accounts.joe, devices.joe];
  const joe = () => sim.state.devices[devices.joe] as Doc & Record<string, unknown>;

  it('--set changes a field, the server stamps last_manual_update, the view shows the device', async () => {
    const run = await kzops([...patchArgs, '--set', 'name="Joe mobile"']);
    expect(run.code, run.stderr).toBe(0);
    expect(joe().name).toBe('Joe mobile');
    expect(
      (joe().additional_properties as { last_manual_update?: number }).last_manual_update,
    ).toBeGreaterThan(63_000_000_000);
    expect(run.stdout).toContain(`Patched on lab (${sim.url}):`);
    expect(run.stdout).toContain(`Device ${devices.joe} "Joe mobile"`);
    expect(run.stdout).toMatch(/last manual update +\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(run.stdout).toContain('password <redacted>');
    expect(run.stdout).not.toContain(JOE_SIP_PASSWORD);
    expect(changes().map((r) => r.method)).toEqual(['PATCH']);
  });

  it('without --recursive a nested field is replaced whole, and kzops says so first', async () => {
    const run = await kzops([...patchArgs, '--set', 'voice.sip.username=joe2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('note: without --recursive the server replaces voice whole');
    expect(joe().voice).toEqual({ sip: { username: 'joe2' } });
  });

  it('--recursive merges: the other voice fields stay', async () => {
    const run = await kzops([...patchArgs, '--set', 'voice.sip.username=joe2', '--recursive']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('note:');
    expect(joe().voice).toEqual({
      protocol: 'sip',
      sip: { realm: 'sip.sim.example.com', username: 'joe2', password: JOE_SIP_PASSWORD },
    });
  });

  it('--file (YAML) with several fields and a null that removes one; --json prints the device, masked', async () => {
    const path = await file(
      'patch.yaml',
      'name: Desk phone\nmodel: null\ndata:\n  blocking: {cap: 5000000000}\n',
    );
    const run = await kzops([...patchArgs, '--file', path, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(joe().name).toBe('Desk phone');
    expect(joe().model).toBeUndefined();
    expect(joe().data).toEqual({ blocking: { cap: 5_000_000_000 } });
    const out = JSON.parse(run.stdout) as Record<string, unknown> & { voice: { sip: { password: string } } };
    expect(out.name).toBe('Desk phone');
    expect(out.voice.sip.password).toBe('<redacted>');
    expect(run.stdout).not.toContain(JOE_SIP_PASSWORD);
  });

  it('--file as JSON, with --show-secrets', async () => {
    const path = await file('patch.json', JSON.stringify({ name: 'J' }));
    const run = await kzops([...patchArgs, '--file', path, '--json', '--show-secrets']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { voice: { sip: { password: string } } }).voice.sip.password).toBe(
      JOE_SIP_PASSWORD,
    );
  });

  it('writes an audit line: who, where, what (the secret redacted), status and request id', async () => {
    const run = await kzops([...patchArgs, '--set', `voice.sip.password="${NEW_SECRET}"`, '--recursive']);
    expect(run.code, run.stderr).toBe(0);
    expect((joe().voice as { sip: { password: string } }).sip.password).toBe(NEW_SECRET);
    const text = await readFile(auditPath(), 'utf8');
    expect(text).not.toContain(NEW_SECRET);
    const lines = await auditLines();
    expect(lines).toHaveLength(1);
    const patch = sim.requests.find((r) => r.method === 'PATCH');
    expect(lines[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      target: 'lab',
      operator: 'tester',
      method: 'PATCH',
      path: `/v2/support/accounts/${accounts.joe}/devices/${devices.joe}`,
      request_id: patch?.request_id,
      status: 200,
      data: { voice: { sip: { password: '<redacted>' } } },
    });
  });

  describe('input errors: exit 64, naming the flag or the file and field, nothing sent', () => {
    const cases: { name: string; args: () => string[] | Promise<string[]>; message: RegExp }[] = [
      { name: 'neither --file nor --set', args: () => patchArgs, message: /give one of --file, --set/ },
      {
        name: 'both --file and --set',
        args: async () => [...patchArgs, '--file', await file('p.yaml', 'name: x\n'), '--set', 'name=y'],
        message: /give only one of --file, --set/,
      },
      {
        name: 'a bad DEVICE_ID',
        args: () => ['devices', 'patch', accounts.joe, 'dev1', '--set', 'name=x'],
        message: /DEVICE_ID "dev1" is not an id/,
      },
      {
        name: 'a bad ACCOUNT_ID',
        args: () => ['devices', 'patch', 'ACC', devices.joe, '--set', 'name=x'],
        message: /ACCOUNT_ID "ACC"/,
      },
      {
        name: '--set without =',
        args: () => [...patchArgs, '--set', 'name'],
        message: /--set "name": write path=value/,
      },
      {
        name: '--set of an integer that would lose digits',
        args: () => [...patchArgs, '--set', 'subscription.esn=270113180000001111'],
        message: /too large to be a number without losing digits; quote it as text/,
      },
      {
        name: '--set of the wrong type',
        args: () => [...patchArgs, '--set', 'name=12'],
        message: /--set: name: must be text or null/,
      },
      {
        name: '--set of a server-owned field',
        args: () => [...patchArgs, '--set', 'pvt_account_id=x'],
        message: /--set: pvt_account_id: is set by the server/,
      },
      {
        name: '--set additional_properties to a non-mapping',
        args: () => [...patchArgs, '--set', 'additional_properties=5'],
        message: /--set: additional_properties: must be a mapping or null/,
      },
      {
        name: 'a file that is a scalar',
        args: async () => [...patchArgs, '--file', await file('s.yaml', 'just text\n')],
        message: /s\.yaml: must be a mapping of fields \(a device patch\)/,
      },
      {
        name: 'an empty patch',
        args: async () => [...patchArgs, '--file', await file('e.json', '{}')],
        message: /e\.json: the patch changes nothing/,
      },
      {
        name: 'a file with a bad nested field',
        args: async () => [...patchArgs, '--file', await file('n.yaml', 'voice:\n  sip: true\n')],
        message: /n\.yaml: voice\.sip: must be a mapping or null \(to remove it\), not boolean true/,
      },
      {
        name: 'a file with an unknown data policy key',
        args: async () => [...patchArgs, '--file', await file('d.yaml', 'data: {limit: 1}\n')],
        message:
          /d\.yaml: data\.limit: not a field of a device patch here \(known: caps, blocking, throttling\)/,
      },
    ];

    // One run of the CLI for the exit code; the rest call the service in-process.
    it('the CLI exits 64 with the message on stderr', async () => {
      const first = cases[0] as (typeof cases)[number];
      const before = structuredClone(joe());
      const run = await kzops(await first.args());
      expect(run.code, run.stderr).toBe(64);
      expect(run.stderr).toMatch(first.message);
      expect(sim.requests).toEqual([]);
      expect(joe()).toEqual(before);
    });

    it.each(cases)('$name (the service)', async ({ args, message }) => {
      const before = structuredClone(joe());
      // The table's command lines as the service's input: the two ids, then --file / --set pairs.
      const [, , accountId = '', deviceId = '', ...rest] = await args();
      const input = { dir, dryRun: false, showSecrets: false, recursive: false, accountId, deviceId };
      const set: string[] = [];
      let fileFlag: string | undefined;
      for (let i = 0; i < rest.length; i += 2) {
        if (rest[i] === '--set') set.push(rest[i + 1] as string);
        else fileFlag = rest[i + 1];
      }
      const err = await patchDevice({ ...input, set, file: fileFlag }, captureUi()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KzopsError);
      expect(exitCodeFor(errorOutcome(err))).toBe(64);
      expect((err as KzopsError).summary()).toMatch(message);
      expect(sim.requests).toEqual([]);
      expect(joe()).toEqual(before);
    });
  });

  describe('server errors: one line, exit 1', () => {
    it('404 for a device the server does not have', async () => {
      const run = await kzops(['devices', 'patch', accounts.joe, UNKNOWN_DEVICE, '--set', 'name=x']);
      expect(run.code).toBe(1);
      expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
        expect.stringMatching(/^error: PATCH \/v2\/support\/accounts\/\w+\/devices\/\w+: 404 bad_identifier/),
      ]);
      expect((await auditLines()).map((l) => [l.method, l.status])).toEqual([['PATCH', 404]]);
    });

    it('404 for a device held by another account, which stays unchanged', async () => {
      const other = structuredClone(sim.state.devices[devices.hotspot]);
      const run = await kzops(['devices', 'patch', accounts.joe, devices.hotspot, '--set', 'name=x']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/404/);
      expect(sim.state.devices[devices.hotspot]).toEqual(other);
    });

    it('403 for a master-level key', async () => {
      const run = await kzops([...patchArgs, '--set', 'name=x'], { LAB_KEY: MASTER_KEY });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: PATCH .*: 403/m);
      expect(joe().name).toBe("Joe's Mobile Phone");
    });
  });

  describe('--dry-run', () => {
    it('prints the PATCH with --recursive in the body, redacted; nothing sent, nothing audited', async () => {
      const before = structuredClone(joe());
      const run = await kzops([
        ...patchArgs,
        '--set',
        `voice.sip.password="${NEW_SECRET}"`,
        '--set',
        'name=Dry',
        '--recursive',
        '--dry-run',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(/^curl -sS -X PATCH /), 'Dry run: nothing was sent.']);
      expect(lines[0]).toContain(`'${sim.url}/v2/support/accounts/${accounts.joe}/devices/${devices.joe}'`);
      expect(lines[0]).toContain(
        `-d '{"data":{"voice":{"sip":{"password":"<redacted>"}},"name":"Dry"},"recursive":true}'`,
      );
      expect(lines[0]).toContain("-H 'X-Auth-Token: <redacted>'");
      expect(run.stdout).not.toContain(NEW_SECRET);
      expect(sim.requests).toEqual([]);
      expect(joe()).toEqual(before);
      expect(existsSync(auditPath())).toBe(false);
    });

    it('without --recursive the body has no recursive flag (the server default, shallow)', async () => {
      const run = await kzops([...patchArgs, '--set', 'name=Dry', '--dry-run']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`-d '{"data":{"name":"Dry"}}'`);
      expect(changes()).toEqual([]);
    });
  });
});

// ---------------------------------------------------------------------------------------
// devices subscription

describe('devices subscription', () => {
  it("shows the carrier's record for an ESN", async () => {
    const run = await kzops(['devices', 'subscription', SEED_NUMBERS.joe.esn]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Carrier subscription (sprint)');
    expect(run.stdout).toMatch(/mdn +\+15550001111/);
    expect(run.stdout).toMatch(/sim +89011200000000001111/);
    expect(run.stdout).toMatch(/features +international, sip, mms, lte/);
    expect(run.stdout).toMatch(/carrier data +msid 000005550001111, csa SFRSFR415/);
    expect(apiRequests().map((r) => r.path)).toEqual([
      `/v2/support/devices/${SEED_NUMBERS.joe.esn}/subscription`,
    ]);
  });

  it('a field the carrier has as null says none', async () => {
    const run = await kzops(['devices', 'subscription', SEED_NUMBERS.hotspot.esn]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/sim +none/);
  });

  it('--json prints only the data; --carrier goes in the query', async () => {
    const run = await kzops([
      'devices',
      'subscription',
      SEED_NUMBERS.joe.esn,
      '--carrier',
      'sprint',
      '--json',
    ]);
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
    { args: ['devices', 'subscription', '12-34'], message: /ESN "12-34" is not an ESN/ },
    {
      args: ['devices', 'subscription', SEED_NUMBERS.joe.esn, '--carrier', 'AT&T'],
      message: /--carrier "AT&T"/,
    },
    { args: ['devices', 'subscription'], message: /Missing 1 required arg/ },
  ])('input error $message: exit 64, nothing sent', async ({ args, message }) => {
    const run = await kzops(args);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(message);
    expect(sim.requests).toEqual([]);
  });

  it('404 for an ESN no carrier has, and for another carrier', async () => {
    const unknown = await kzops(['devices', 'subscription', 'abcdef0123456789']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^error: GET \/v2\/support\/devices\/abcdef0123456789\/subscription: 404/m,
    );
    const other = await kzops(['devices', 'subscription', SEED_NUMBERS.joe.esn, '--carrier', 'verizon']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/404/);
  });

  it('403 for a master-level key', async () => {
    const run = await kzops(['devices', 'subscription', SEED_NUMBERS.joe.esn], { LAB_KEY: MASTER_KEY });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: GET .*: 403/m);
  });
});
