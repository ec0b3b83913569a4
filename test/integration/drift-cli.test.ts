/**
 * `kzops drift` as a user and CI run it: `node bin/run.js` on a copy of the example config,
 * against the embedded simulator of the `local` target, whose documents persist in
 * `<work>/.kzops/sim/local.json` between runs. `applyByHand` runs `kzops apply`, which makes
 * live match the config and records each routing document's fingerprint as read back.
 * Changes "outside kzops" are made through the API of a
 * simulator started here on that same state file (closed again before the CLI runs).
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import type { DriftJson } from '../../src/core/plan/drift.js';
import type { TargetState } from '../../src/core/plan/types.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  REPO,
  requireBuilt,
  runKzops,
  type RunResult,
  writeLabTargets,
} from './cli-harness.js';

const SANDBOX = 'aa2b36ac6a5edb290159cd1298283322';
const SPRINT_EAST = '5bc00000000000000000000000000001';
const NY2 = 'ed1a0000000000000000000000000001';
/** The example cluster document reads its api_key from this variable. */
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-d41d8cd98f00b204';
const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const IN_SYNC = 'In sync: the live state matches what kzops last applied and the config (1 not verifiable).';

let work: string;
let dir: string;
let lab: SimHandle;

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY, ...env } });

const simStatePath = () => join(work, '.kzops', 'sim', 'local.json');
const statePath = () => join(work, '.kzops', 'state', 'local.json');

/** A simulator on the embedded target's state file, and a client of it, for `fn` only. */
async function withSim<T>(fn: (client: KazooClient) => Promise<T>): Promise<T> {
  const sim = await startSim({ port: 0, statePath: simStatePath() });
  const client = new KazooClient(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SIM_KEY }));
  try {
    return await fn(client);
  } finally {
    await client.close();
    await sim.close();
  }
}

/** `kzops apply --yes` on the example config, then the state file it wrote. */
async function applyByHand(): Promise<TargetState> {
  const run = await kzops(['apply', '--yes']);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return JSON.parse(await readFile(statePath(), 'utf8')) as TargetState;
}

async function driftSchema(): Promise<(data: unknown) => boolean> {
  const schema = JSON.parse(
    await readFile(join(REPO, 'schemas', 'output', 'drift.schema.json'), 'utf8'),
  ) as object;
  const check = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return (data) => {
    const ok = check(data);
    if (!ok) throw new Error(JSON.stringify(check.errors, null, 2));
    return ok;
  };
}

function expectNoSecret(run: RunResult): void {
  for (const secret of [CLUSTER_KEY, SIM_KEY]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

/** The finding lines (those starting with `[`), without their rows. */
function findingLines(run: RunResult): string[] {
  return run.stdout.split('\n').filter((l) => l.startsWith('['));
}

beforeAll(async () => {
  requireBuilt('drift');
  work = await mkdtemp(join(tmpdir(), 'kzops-drift-'));
  lab = await startSim({ port: 0 });
});

afterAll(async () => {
  await lab.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

// The classes of drift without the process boundary (missing live, never applied) are checked
// through the drift service in services-reconcile.test.ts.
describe('kzops drift against the embedded simulator', () => {
  it('in sync after an apply: exit 0, the cluster document reported as not verifiable', async () => {
    await applyByHand();
    const run = await kzops(['drift']);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('Drift for target local (embedded simulator)');
    expect(findingLines(run)).toEqual([`[not verifiable] clusters/${SANDBOX}`]);
    expect(run.stdout).toContain('cluster documents cannot be read back (the API has no GET for them)');
    expect(run.stdout).toContain('\n8 resources live as kzops last applied.\n');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(IN_SYNC);
    // A pipe is no terminal: no colour.
    expect(run.stdout).not.toContain('\u001b[');
    expectNoSecret(run);

    // Drift only reads: a second run finds the same.
    const again = await kzops(['drift']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(run.stdout);
  });

  it('a field the config sets, changed outside kzops: exit 2, changed outside, live → config', async () => {
    await applyByHand();
    await withSim((c) => c.patchCarrierSbc(SPRINT_EAST, { location: { city: 'Boston' } }));
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(findingLines(run)).toEqual([
      `[changed outside kzops] carrier_sbcs/sprint-east (id ${SPRINT_EAST})  "Sprint East SBC"`,
      `[not verifiable] clusters/${SANDBOX}`,
    ]);
    expect(run.stdout).toContain(
      `(id ${SPRINT_EAST})  "Sprint East SBC"\n    location.city: "Boston" → "New York"\n`,
    );
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Drift: 1 changed outside kzops, 0 missing live, 0 unmanaged, 0 pending (1 not verifiable).',
    );
    expectNoSecret(run);
  });

  it('a field the config does not set, changed outside kzops: changed outside, with no field rows', async () => {
    await applyByHand();
    // Recursive merge: adds an interface for another carrier, which the YAML does not mention.
    await withSim((c) =>
      c.patchMediaServer(NY2, { interfaces: { carrier_mpls: { att: 'sipinterface_att' } } }),
    );
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).toContain(
      `[changed outside kzops] media_servers/ny2 (id ${NY2})  "NY2 Mobile Media Server"\n` +
        '    note: fields not managed by the config changed\n\n',
    );
    // kzops plan sees nothing to do: only the fingerprint tells.
    const plan = await kzops(['plan', '--detailed-exitcode']);
    expect(plan.code).toBe(0);
  });

  // Issue 13: a target's `unmanaged` defaults to report, so an unmanaged document alone is
  // listed without failing the run; `unmanaged: fail` keeps exit 2, `ignore` hides it.
  async function handMadeSbc(): Promise<string> {
    const created = await withSim((c) =>
      c.createCarrierSbc({
        name: 'Hand-made SBC',
        carrier: 'sprint',
        location: { zone: 'east', state: 'NY', city: 'Albany' },
        ips: ['198.51.100.200'],
        mobile_media_server: NY2,
      }),
    );
    return created.data.id;
  }

  /** Adds lines under the `local` target of the config's targets.yaml. */
  async function localRules(...lines: string[]): Promise<void> {
    const path = join(dir, 'targets.yaml');
    const text = await readFile(path, 'utf8');
    const anchor = '    url: sim';
    expect(text).toContain(anchor);
    await writeFile(path, text.replace(anchor, [anchor, ...lines.map((l) => `    ${l}`)].join('\n')));
  }

  it('a document created outside kzops: listed as unmanaged with its id and name, exit 0 (unmanaged: report)', async () => {
    await applyByHand();
    const id = await handMadeSbc();
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(findingLines(run)).toEqual([
      `[unmanaged] carrier_sbcs/${id}  "Hand-made SBC"`,
      `[not verifiable] clusters/${SANDBOX}`,
    ]);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      'In sync: the live state matches what kzops last applied and the config (1 not verifiable, 1 unmanaged).',
    );
  });

  it('a document created outside kzops under unmanaged: fail: exit 2, unmanaged, with its id and name', async () => {
    await applyByHand();
    await localRules('unmanaged: fail');
    const id = await handMadeSbc();
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(findingLines(run)).toEqual([
      `[unmanaged] carrier_sbcs/${id}  "Hand-made SBC"`,
      `[not verifiable] clusters/${SANDBOX}`,
    ]);
    expect(run.stdout).toMatch(/Drift: 0 changed outside kzops, 0 missing live, 1 unmanaged, 0 pending/);
  });

  it('a document an ignore rule covers: not listed, exit 0 even under unmanaged: fail', async () => {
    await applyByHand();
    await localRules('unmanaged: fail', 'ignore:', '  - {kind: carrier_sbcs, name: "Hand-made *"}');
    const id = await handMadeSbc();
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(findingLines(run)).toEqual([`[not verifiable] clusters/${SANDBOX}`]);
    expect(run.stdout).not.toContain(id);
  });

  it('a config change not applied yet: exit 2, pending, with the field', async () => {
    await applyByHand();
    const path = join(dir, 'media_servers', 'ny2.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('city: New York', 'city: Brooklyn'));
    const run = await kzops(['drift']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(findingLines(run)).toEqual([
      `[pending] media_servers/ny2 (id ${NY2})  "NY2 Mobile Media Server"`,
      `[not verifiable] clusters/${SANDBOX}`,
    ]);
    expect(run.stdout).toContain('    location.city: "New York" → "Brooklyn"\n');
    expect(run.stdout).toMatch(/Drift: 0 changed outside kzops, 0 missing live, 0 unmanaged, 1 pending/);
  });

  it('a rotated cluster secret is pending, and neither secret is printed', async () => {
    await applyByHand();
    const rotated = 'rotated-cluster-secret-0f1e2d3c';
    const run = await kzops(['drift'], { [CLUSTER_KEY_ENV]: rotated });
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(findingLines(run)).toEqual([
      `[pending] clusters/${SANDBOX}`,
      `[not verifiable] clusters/${SANDBOX}`,
    ]);
    expect(run.stdout).not.toContain(rotated);
    const json = await kzops(['drift', '--json'], { [CLUSTER_KEY_ENV]: rotated });
    expect(json.stdout).not.toContain(rotated);
    expectNoSecret(run);
    expectNoSecret(json);
  });
});

describe('kzops drift --json', () => {
  it('matches schemas/output/drift.schema.json, in sync and with every drift class', async () => {
    const valid = await driftSchema();
    await applyByHand();
    const clean = await kzops(['drift', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toBe('');
    const inSync = JSON.parse(clean.stdout) as DriftJson;
    expect(valid(inSync)).toBe(true);
    expect(inSync).toMatchObject({ target: 'local', in_sync: true });
    expect(inSync.findings).toEqual([
      {
        class: 'not_verifiable',
        kind: 'clusters',
        key: SANDBOX,
        id: SANDBOX,
        note: 'cluster documents cannot be read back (the API has no GET for them): live not checked',
      },
    ]);

    const stray = await withSim(async (c) => {
      await c.patchCarrierSbc(SPRINT_EAST, { location: { city: 'Boston' } });
      await c.deleteCustomerCluster(SANDBOX);
      const made = await c.createMediaServer({
        name: 'Hand-made MS',
        location: { zone: 'west', state: 'CA', city: 'Fresno' },
      });
      return made.data.id;
    });
    const path = join(dir, 'media_servers', 'ny2.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('city: New York', 'city: Brooklyn'));
    const run = await kzops(['drift', '--json']);
    expect(run.code, run.stderr).toBe(2);
    const report = JSON.parse(run.stdout) as DriftJson;
    expect(valid(report)).toBe(true);
    expect(report.in_sync).toBe(false);
    expect(report.findings.map((f) => `${f.class} ${f.kind}/${f.key ?? f.id ?? ''}`)).toEqual([
      'changed_outside carrier_sbcs/sprint-east',
      `missing_live customer_clusters/${SANDBOX}`,
      `unmanaged media_servers/${stray}`,
      'pending media_servers/ny2',
      `not_verifiable clusters/${SANDBOX}`,
    ]);
    expect(report.findings[0]?.fields).toEqual([
      { path: 'location.city', before: 'Boston', after: 'New York' },
    ]);
    expect(report.findings[3]?.fields).toEqual([
      { path: 'location.city', before: 'New York', after: 'Brooklyn' },
    ]);
    expect(report.summary).toEqual({
      changed_outside: 1,
      missing_live: 1,
      unmanaged: 1,
      pending: 1,
      unknown_baseline: 0,
      not_verifiable: 1,
      verified: 5,
    });
    expectNoSecret(run);
  });
});

describe('kzops drift refuses before any request', () => {
  async function writeTargets(at: string): Promise<void> {
    await writeLabTargets(at, lab.url);
  }

  it('an invalid config exits 3, names the problem, and sends nothing', async () => {
    await writeTargets(dir);
    const path = join(dir, 'carrier_sbcs', 'sprint-east.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('zone: east', 'zone: north'));
    const before = lab.requests.length;
    const run = await kzops(['drift'], { LAB_KEY: SIM_KEY });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum');
    expect(run.stdout).not.toContain('Drift');
    expect(run.stderr).toContain('nothing was sent');
    const json = await kzops(['drift', '--json'], { LAB_KEY: SIM_KEY });
    expect(json.code).toBe(3);
    expect(json.stdout).toBe('');
    expect(json.stderr).toContain('config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum');
    expect(lab.requests.length).toBe(before);
  });

  it('a corrupt state file exits 3, names the file, and sends nothing', async () => {
    await writeTargets(dir);
    // A real target's state lives in the config directory, committed with it.
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(join(dir, 'state', 'lab.json'), '{"version": 1, "target": "lab", "resources": []}\n');
    const before = lab.requests.length;
    const run = await kzops(['drift'], { LAB_KEY: SIM_KEY });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('is corrupt: resources must be an object');
    expect(run.stdout).toBe('');
    expect(lab.requests.length).toBe(before);
  });

  it('bad flags exit 64', async () => {
    const run = await kzops(['drift', '--concurrency', '0']);
    expect(run.code).toBe(64);
  });
});
