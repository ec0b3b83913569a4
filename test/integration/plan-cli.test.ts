/**
 * `kzops plan` as a user and CI run it: `node bin/run.js` on a copy of the example config,
 * against the embedded simulator and against a simulator started here on port 0.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Action, Plan } from '../../src/core/plan/types.js';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import { readLive } from '../../src/reconcile/read-live.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  REPO,
  requireBuilt,
  runKzops,
  type RunResult,
  writeLabTargets,
} from './cli-harness.js';

const HOSTED = '8a901bea1d3297ef7d4c8d34809472c2';
const SANDBOX = 'aa2b36ac6a5edb290159cd1298283322';
/** The example cluster document reads its api_key from this variable. */
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-d41d8cd98f00b204';
const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

let work: string;
let dir: string;
let lab: SimHandle;

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY, ...env } });

type PlanJson = Omit<Plan, 'changes'> & {
  changes: (Omit<Plan['changes'][number], 'fields'> & { fields: Record<string, unknown>[] })[];
};

async function planSchema(): Promise<(data: unknown) => boolean> {
  const schema = JSON.parse(
    await readFile(join(REPO, 'schemas', 'output', 'plan.schema.json'), 'utf8'),
  ) as object;
  const check = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return (data) => {
    const ok = check(data);
    if (!ok) throw new Error(JSON.stringify(check.errors, null, 2));
    return ok;
  };
}

function counted(plan: { changes: { action: Action }[] }): Record<Action, number> {
  const n: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of plan.changes) n[c.action]++;
  return n;
}

function expectNoSecret(run: RunResult): void {
  expect(run.stdout).not.toContain(CLUSTER_KEY);
  expect(run.stderr).not.toContain(CLUSTER_KEY);
  expect(run.stdout).not.toContain(SIM_KEY);
}

beforeAll(async () => {
  requireBuilt('plan');
  work = await mkdtemp(join(tmpdir(), 'kzops-plan-'));
  lab = await startSim({ port: 0 });
});

afterAll(async () => {
  await lab.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

describe('kzops plan against the embedded simulator (the example config)', () => {
  it('prints one block per change and ends with the summary line', async () => {
    const run = await kzops(['plan']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('Plan for target local (embedded simulator)');
    // The master cluster of the embedded simulator is known, so its customer cluster is protected.
    expect(run.stdout).toMatch(
      /\n\[~\] customer_clusters\/8a901bea1d3297ef7d4c8d34809472c2 \(update, protected\)\n/,
    );
    expect(run.stdout).toContain('api_key: (sensitive, changes)');
    // A pipe is no terminal: no colour.
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^Plan: \d+ to create, \d+ to update, \d+ to replace, \d+ to delete\.$/,
    );
    expectNoSecret(run);
  });

  it('--json matches schemas/output/plan.schema.json, and the summary counts the actions', async () => {
    const run = await kzops(['plan', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    expect((await planSchema())(plan)).toBe(true);
    expect(plan.target).toBe('local');
    expect(plan.summary).toEqual(counted(plan));
    // The seed's customer clusters exist live: found by id, never created.
    for (const id of [HOSTED, SANDBOX]) {
      const cc = plan.changes.find((c) => c.kind === 'customer_clusters' && c.key === id);
      expect(cc?.id).toBe(id);
      expect(cc?.action).not.toBe('create');
    }
    // The SBCs and media servers have no state: each is adopted by name or created.
    for (const c of plan.changes.filter((c) => c.kind === 'carrier_sbcs' || c.kind === 'media_servers')) {
      if (c.action === 'create') expect(c.id).toBeUndefined();
      else expect(c.notes).toContain('adopted by name (no state entry)');
    }
    // Fingerprints belong to --out, secrets to nobody.
    expect(run.stdout).not.toContain('liveFingerprint');
    const apiKey = plan.changes.find((c) => c.kind === 'clusters')?.fields.find((f) => f.path === 'api_key');
    expect(apiKey).toEqual({ path: 'api_key', sensitive: true, changes: true });
    expectNoSecret(run);
  });

  it('--detailed-exitcode exits 2 when there are changes', async () => {
    const run = await kzops(['plan', '--detailed-exitcode']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stdout).toMatch(/Plan: \d+ to create/);
  });

  it('--out FILE saves the plan with live fingerprints and a digest of the config', async () => {
    const out = join(work, 'plan.json');
    const run = await kzops(['plan', '--out', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(CLUSTER_KEY);
    const saved = JSON.parse(text) as {
      version: number;
      created: string;
      target: string;
      plan: Plan;
      configDigest: string;
    };
    expect(saved.version).toBe(1);
    expect(saved.target).toBe('local');
    expect(new Date(saved.created).toISOString()).toBe(saved.created);
    expect(saved.configDigest).toMatch(/^[0-9a-f]{64}$/);
    const updates = saved.plan.changes.filter((c) => c.action === 'update');
    expect(updates.length).toBeGreaterThan(0);
    for (const c of updates) expect(c.liveFingerprint).toMatch(/^[0-9a-f]{64}$/);
    // The saved plan is the printed one, plus fingerprints.
    const printed = JSON.parse(run.stdout) as PlanJson;
    expect(saved.plan.summary).toEqual(printed.summary);

    // Another config gives another digest.
    const again = join(work, 'plan2.json');
    await writeFile(
      join(dir, 'media_servers', 'ny2.yaml'),
      (await readFile(join(dir, 'media_servers', 'ny2.yaml'), 'utf8')).replace(
        'city: New York',
        'city: Brooklyn',
      ),
    );
    expect((await kzops(['plan', '--out', again])).code).toBe(0);
    const digest2 = (JSON.parse(await readFile(again, 'utf8')) as { configDigest: string }).configDigest;
    expect(digest2).not.toBe(saved.configDigest);
  });
});

describe('the state file', () => {
  it('a corrupt state file exits 3 and names the file', async () => {
    // A sim target keeps its state beside the simulator's, under .kzops/ next to the config.
    await mkdir(join(work, '.kzops', 'state'), { recursive: true });
    const path = join(work, '.kzops', 'state', 'local.json');
    await writeFile(path, '{"version": 1, "target": "local", "resources": []}\n');
    const run = await kzops(['plan']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`state file ${path} is corrupt: resources must be an object`);
    expect(run.stdout).toBe('');
  });

  it("a state entry whose config file is gone plans a delete of the entry's id", async () => {
    const run0 = await kzops(['plan', '--json']);
    const adopted = (JSON.parse(run0.stdout) as PlanJson).changes.find((c) => c.key === 'sprint-west');
    expect(adopted?.id).toBeDefined();
    await rm(join(dir, 'carrier_sbcs', 'sprint-west.yaml'));
    // The media servers still list sprint-west as a priority: drop it there too.
    for (const ms of ['ny2', 'sv4', 'ch2']) {
      const path = join(dir, 'media_servers', `${ms}.yaml`);
      await writeFile(path, (await readFile(path, 'utf8')).replace(/, sprint-west|sprint-west, /, ''));
    }
    await mkdir(join(work, '.kzops', 'state'), { recursive: true });
    const state = {
      version: 1,
      target: 'local',
      resources: { 'carrier_sbcs/sprint-west': { id: adopted?.id } },
    };
    await writeFile(join(work, '.kzops', 'state', 'local.json'), JSON.stringify(state));
    const run = await kzops(['plan']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`[-] carrier_sbcs/sprint-west (delete, id ${adopted?.id ?? ''})`);
    expect(run.stdout).toMatch(/, 1 to delete\.\n$/);
  });
});

describe('kzops plan against a server', () => {
  async function writeTargets(at: string): Promise<void> {
    await writeLabTargets(at, lab.url);
  }

  it('an invalid config exits 3, names the problem, and sends nothing', async () => {
    await writeTargets(dir);
    const path = join(dir, 'carrier_sbcs', 'sprint-east.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('zone: east', 'zone: north'));
    const before = lab.requests.length;
    const run = await kzops(['plan', '--dir', 'config', '--detailed-exitcode'], { LAB_KEY: SIM_KEY });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum');
    expect(run.stdout).not.toContain('Plan:');
    expect(run.stderr).toContain('nothing was sent');
    const json = await kzops(['plan', '--json'], { LAB_KEY: SIM_KEY });
    expect(json.code).toBe(3);
    expect(json.stdout).toBe('');
    expect(json.stderr).toContain('config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum');
    expect(lab.requests.length).toBe(before);
  });

  it('a config written from the live documents plans no changes (exit 0 with --detailed-exitcode)', async () => {
    const live = join(work, 'live');
    await rm(live, { recursive: true, force: true });
    for (const folder of ['customer_clusters', 'carrier_sbcs', 'media_servers']) {
      await mkdir(join(live, folder), { recursive: true });
    }
    await writeTargets(live);
    const write = (folder: string, key: string, doc: Record<string, unknown>) => {
      const { id: _id, ...body } = doc;
      return writeFile(join(live, folder, `${key}.yaml`), stringify(body));
    };
    // The live documents as the API returns them (readLive: the same reader plan uses).
    const client = new KazooClient(resolveTarget({ url: lab.url }, { KZOPS_API_KEY: SIM_KEY }));
    const docs = await readLive(client, { concurrency: 4 }).finally(() => client.close());
    expect(
      docs
        .filter((d) => d.kind === 'customer_clusters')
        .map((d) => d.id)
        .sort(),
    ).toEqual([HOSTED, SANDBOX]);
    // Customer clusters are keyed by id; the others get keys of our choosing, and their
    // references (server ids) are written as id:<hex>.
    const count: Record<string, number> = {};
    for (const { kind, id, doc } of docs) {
      const body = { ...doc };
      if (typeof body.mobile_media_server === 'string')
        body.mobile_media_server = `id:${body.mobile_media_server}`;
      const priority = body.carrier_sbc_priority as Record<string, string[]> | undefined;
      if (priority) {
        body.carrier_sbc_priority = Object.fromEntries(
          Object.entries(priority).map(([carrier, ids]) => [carrier, ids.map((i) => `id:${i}`)]),
        );
      }
      count[kind] = (count[kind] ?? 0) + 1;
      await write(kind, kind === 'customer_clusters' ? id : `${kind.slice(0, 3)}-${count[kind]}`, body);
    }
    expect(count).toEqual({ customer_clusters: 2, carrier_sbcs: 3, media_servers: 3 });
    const run = await runKzops(['plan', '--dir', 'live', '--detailed-exitcode'], {
      cwd: work,
      env: { LAB_KEY: SIM_KEY },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('No changes. The live state matches the config.');
    expect(run.stdout).not.toContain('not managed by kzops');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(SIM_KEY);
  });
});
