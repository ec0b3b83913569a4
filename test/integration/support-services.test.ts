/**
 * The support services (src/services/support/) called in-process with a captured Ui against an
 * in-process simulator: what they send, what they return and what they say, without spawning
 * the CLI. The spawned *-cli tests keep the exit codes and stdio of each command.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, RefusedError } from '../../src/core/errors.js';
import { importDevice, patchDevice } from '../../src/services/support/devices.js';
import { setPortStatus } from '../../src/services/support/ports.js';
import { moveSubscriptionsFromCsv, patchSubscription } from '../../src/services/support/subscriptions.js';
import { captureUi } from '../../src/services/ui.js';
import type { Doc } from '../../src/sim/model.js';
import { defaultSeed, SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { writeLabTargets } from './cli-harness.js';

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const { accounts, devices } = SEED_IDS;
const SUBS = Array.from({ length: 3 }, (_, i) => `5b${String(i + 1).padStart(30, '0')}`);

let sim: SimHandle;
let work: string;
let dir: string;
const savedEnv = { LAB_KEY: process.env.LAB_KEY, KZOPS_OPERATOR: process.env.KZOPS_OPERATOR };

beforeEach(async () => {
  const seed = defaultSeed() as { subscriptions: Record<string, unknown>[] };
  seed.subscriptions.push(
    ...SUBS.map((id, i) => ({
      id,
      account_id: accounts.joe,
      mdn: `+1555100000${i + 1}`,
      plan: 'BULKPLAN',
      carrier_name: 'sprint',
    })),
  );
  sim = await startSim({ port: 0, seed });
  work = await mkdtemp(join(tmpdir(), 'kzops-support-svc-'));
  dir = join(work, 'config');
  await mkdir(dir);
  await writeLabTargets(dir, sim.url);
  process.env.LAB_KEY = SUPER_KEY;
  process.env.KZOPS_OPERATOR = 'tester';
});

afterEach(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

const where = () => ({ dir, target: undefined, dryRun: false, auditLog: undefined, showSecrets: false });

function changes() {
  return sim.requests.filter((r) => r.method !== 'GET' && r.path !== '/v2/api_auth');
}

function deviceWithMdn(mdn: string): Doc | undefined {
  return Object.values(sim.state.devices).find(
    (d) => (d.subscription as { mdn?: string } | undefined)?.mdn === mdn,
  );
}

/** The audit trail's lines (beside the config directory). */
async function audited(): Promise<{ data: unknown }[]> {
  const text = await readFile(join(work, '.kzops', 'audit.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { data: unknown });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('importDevice', () => {
  it('--mdn with --esn: both are sent, the simulator imports by the MDN, and a note says the MDN wins', async () => {
    const ui = captureUi();
    const result = await importDevice(
      {
        ...where(),
        accountId: accounts.joe,
        mdn: SEED_NUMBERS.pendingByMdn.mdn,
        esn: SEED_NUMBERS.pendingByEsn.esn,
      },
      ui,
    );
    expect(result.outcome).toBe('done');
    expect(result.notes).toEqual([
      'note: --mdn and --esn: both an MDN and an ESN given; the MDN wins (the server looks the device up by its number)',
    ]);
    expect(ui.stderr).toEqual(result.notes);
    // The device of the MDN was imported; the ESN's device was not.
    expect(deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn)?.pvt_account_id).toBe(accounts.joe);
    expect(deviceWithMdn(SEED_NUMBERS.pendingByEsn.mdn)).toBeUndefined();
    expect(changes()).toHaveLength(1);
    // What was sent, as the audit trail has it: both identifiers.
    expect((await audited())[0]?.data).toMatchObject({
      mdn: expect.any(String) as string,
      esn: SEED_NUMBERS.pendingByEsn.esn,
    });
  });

  it('a file with both mdn and esn is allowed too, with the same note naming the file', async () => {
    const path = join(work, 'device.yaml');
    await writeFile(
      path,
      `mdn: "${SEED_NUMBERS.pendingByMdn.mdn}"\nesn: "${SEED_NUMBERS.pendingByEsn.esn}"\n`,
    );
    const ui = captureUi();
    const result = await importDevice({ ...where(), accountId: accounts.joe, file: path }, ui);
    expect(result.notes).toEqual([
      `note: ${path}: both an MDN and an ESN given; the MDN wins (the server looks the device up by its number)`,
    ]);
    expect(deviceWithMdn(SEED_NUMBERS.pendingByMdn.mdn)?.pvt_account_id).toBe(accounts.joe);
  });

  it('one identifier: no note', async () => {
    const ui = captureUi();
    const result = await importDevice(
      { ...where(), accountId: accounts.joe, esn: SEED_NUMBERS.pendingByEsn.esn },
      ui,
    );
    expect(result.notes).toEqual([]);
    expect(ui.stderr).toEqual([]);
  });

  it('--dry-run: the held-back request, nothing sent', async () => {
    const ui = captureUi();
    const result = await importDevice(
      { ...where(), dryRun: true, accountId: accounts.joe, mdn: SEED_NUMBERS.pendingByMdn.mdn },
      ui,
    );
    expect(result.outcome).toBe('dry_run');
    if (result.outcome !== 'dry_run') return;
    expect(result.requests).toHaveLength(1);
    expect(result.requests[0]).toMatch(/^curl .*-X PUT/);
    expect(changes()).toEqual([]);
  });
});

describe('patchDevice --set', () => {
  it('text that is not a JSON literal is sent as text: --set name=Front Desk Phone', async () => {
    const ui = captureUi();
    const result = await patchDevice(
      {
        ...where(),
        accountId: accounts.joe,
        deviceId: devices.joe,
        set: ['name=Front Desk Phone'],
        recursive: false,
      },
      ui,
    );
    expect(result.outcome).toBe('done');
    expect(sim.state.devices[devices.joe]?.name).toBe('Front Desk Phone');
    expect((await audited()).map((l) => l.data)).toEqual([{ name: 'Front Desk Phone' }]);
  });

  it('an integer that would lose digits is refused before anything is sent, with the hint to quote it', async () => {
    const err = await rejection(
      patchDevice(
        {
          ...where(),
          accountId: accounts.joe,
          deviceId: devices.joe,
          set: ['subscription.esn=270113180000001111'],
          recursive: false,
        },
        captureUi(),
      ),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain(`quote it as text (--set subscription.esn='"270113180000001111"')`);
    expect(sim.requests).toEqual([]);
  });

  it('a JSON literal keeps its type, and the shape check still names the field', async () => {
    const err = await rejection(
      patchDevice(
        { ...where(), accountId: accounts.joe, deviceId: devices.joe, set: ['name=12'], recursive: false },
        captureUi(),
      ),
    );
    expect(err.message).toMatch(/--set: name: must be text or null/);
  });
});

describe('patchSubscription', () => {
  it('a shallow patch of a nested field is noted on the Ui before it is sent', async () => {
    const ui = captureUi();
    await patchSubscription(
      {
        ...where(),
        accountId: accounts.joe,
        subscriptionId: SUBS[0] as string,
        set: ['additional_properties.name=Joe mobile'],
        recursive: false,
      },
      ui,
    );
    expect(ui.stderr).toEqual([
      'note: without --recursive the server replaces additional_properties whole; its fields not in this patch are removed',
    ]);
    expect(sim.state.subscriptions[SUBS[0] as string]?.additional_properties).toMatchObject({
      name: 'Joe mobile',
    });
  });
});

describe('setPortStatus', () => {
  it('refuses a status code that is not one of the shared list, naming it', async () => {
    const err = await rejection(
      setPortStatus({ ...where(), portId: 'b0470000000000000000000000000001', code: 'done' }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toContain('--code "done": one of unconfirmed, pending, submitted');
  });
});

describe('moveSubscriptionsFromCsv', () => {
  async function movesCsv(ids: string[]): Promise<string> {
    const path = join(work, 'moves.csv');
    await writeFile(
      path,
      [
        'account_id,subscription_id,to_account',
        ...ids.map((id) => `${accounts.joe},${id},${accounts.hotspot}`),
      ].join('\n') + '\n',
    );
    return path;
  }
  const bulk = (file: string, yes = true) => ({
    dir,
    target: undefined,
    auditLog: undefined,
    dryRun: false,
    yes,
    file,
    concurrency: 2,
  });

  it('moves every row through the Limit, prints a line per row without a terminal, and returns the report', async () => {
    const ui = captureUi();
    const result = await moveSubscriptionsFromCsv(bulk(await movesCsv(SUBS)), ui);
    expect(result.outcome).toBe('done');
    expect(result.report).toMatchObject({ done: 3, failed: 0, skipped: 0 });
    expect(SUBS.map((id) => sim.state.subscriptions[id]?.pvt_account_id)).toEqual(
      SUBS.map(() => accounts.hotspot),
    );
    expect(ui.stdout.filter((l) => /^line \d: done/.test(l))).toHaveLength(3);
    expect(ui.stdout.at(-1)).toMatch(/^Journal: /);
  });

  it('asks through the Ui at a terminal; "no" refuses and sends nothing', async () => {
    const ui = captureUi({ interactive: true, answers: [false] });
    const err = await rejection(moveSubscriptionsFromCsv(bulk(await movesCsv(SUBS), false), ui));
    expect(err).toBeInstanceOf(RefusedError);
    expect(ui.questions).toEqual(['Move 3 subscriptions?']);
    expect(changes()).toEqual([]);
  });

  it('a row answered 503 three times is resent by the client (the journal has each send), then done', async () => {
    const file = await movesCsv(SUBS.slice(0, 1));
    const path = `/v2/support/accounts/${accounts.joe}/subscriptions/${SUBS[0]}/move`;
    sim.faults.failNext({ method: 'POST', path }, { kind: 'status', status: 503 }, 3);
    const result = await moveSubscriptionsFromCsv(bulk(file), captureUi());
    expect(result.report).toMatchObject({ done: 1, failed: 0 });
    expect(result.report.rows[0]?.reason).toMatch(/^verified: its answer was lost: the server answered 503/);
    expect(changes().map((r) => r.status)).toEqual([503, 503, 503, 200]);
    const journal = (await readFile(result.report.journal, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { status: string }).status);
    // before the first send; then, for each lost answer, the loss and the resend; then done
    expect(journal).toEqual(['unknown', ...Array<string>(6).fill('unknown'), 'done']);
  });

  it('a failed row makes the outcome partial', async () => {
    const file = await movesCsv(SUBS.slice(0, 2));
    const path = `/v2/support/accounts/${accounts.joe}/subscriptions/${SUBS[1]}/move`;
    sim.faults.failNext({ method: 'POST', path }, { kind: 'status', status: 500 });
    const result = await moveSubscriptionsFromCsv(bulk(file), captureUi());
    expect(result.outcome).toBe('partial');
    expect(result.report).toMatchObject({ done: 1, failed: 1 });
  });
});
