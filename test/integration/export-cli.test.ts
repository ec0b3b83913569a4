/**
 * `kzops export` as a user runs it: `node bin/run.js` in a scratch directory, against the
 * embedded simulator and against a simulator started here on port 0, then `kzops validate`
 * and `kzops plan --detailed-exitcode` on what it wrote.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import type { Plan } from '../../src/core/plan/types.js';
import { SEED_IDS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import type { ExportJson } from '../../src/render/export-text.js';
import { REPO, requireBuilt, runKzops, type RunResult, writeLabTargets } from './cli-harness.js';

const EXAMPLE = join(REPO, 'config');
const HOSTED = SEED_IDS.customerClusters.hosted;
const SANDBOX = SEED_IDS.customerClusters.sandbox;
const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
/** The example's cluster document reads its api_key from this variable (plan needs it set). */
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
/** Each test runs the CLI several times (about a second each, more on a loaded machine). */
const SLOW = 60_000;
const LOCAL_TARGETS = ['default: local', 'targets:', '  local:', '    url: sim', ''].join('\n');

let work: string;
let dir: string;
let lab: SimHandle;

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: 'anything', ...env } });

function json<T>(run: RunResult): T {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** Every file under `at`, by path relative to it, with its text. */
async function snapshot(at: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(at, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(at.length + 1)] = await readFile(path, 'utf8');
  }
  return out;
}

async function expectNoChanges(env: Record<string, string> = {}): Promise<void> {
  const validate = await kzops(['validate', '--dir', 'config'], env);
  expect(validate.code, validate.stdout).toBe(0);
  const plan = await kzops(['plan', '--dir', 'config', '--detailed-exitcode'], env);
  expect(plan.stderr).toBe('');
  expect(plan.stdout.trimEnd().split('\n').at(-1)).toBe('No changes. The live state matches the config.');
  expect(plan.stdout).not.toContain('not managed by kzops');
  expect(plan.code).toBe(0);
}

beforeAll(async () => {
  requireBuilt('export');
  work = await mkdtemp(join(tmpdir(), 'kzops-export-'));
  lab = await startSim({ port: 0 });
});

afterAll(async () => {
  await lab.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = join(work, 'config');
  await rm(dir, { recursive: true, force: true });
  await rm(join(work, 'fresh'), { recursive: true, force: true });
  // The embedded simulator's documents and the sim target's state: fresh for every test.
  await rm(join(work, '.kzops'), { recursive: true, force: true });
});

describe('kzops export from the embedded simulator', () => {
  it(
    'into an empty config directory: validate passes and plan --detailed-exitcode exits 0',
    async () => {
      // validate needs a targets.yaml, and export never writes one: the directory has only that.
      await mkdir(dir);
      await writeFile(join(dir, 'targets.yaml'), LOCAL_TARGETS);
      const run = await kzops(['export']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toBe('Export from local (embedded simulator) into config/');
      expect(run.stdout).toContain(`  created    config/customer_clusters/${HOSTED}.yaml\n`);
      expect(run.stdout).toContain('  created    config/carrier_sbcs/sprint-east-sbc.yaml\n');
      expect(run.stdout).toContain('  created    config/media_servers/ny2-mobile-media-server.yaml\n');
      expect(run.stdout).toContain('Cluster documents cannot be read through the API: none exported.');
      expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
        'Exported 8 documents: 8 created, 0 updated, 0 unchanged. State: .kzops/state/local.json.',
      );
      expect(run.stdout).not.toContain('warning');

      const files = await snapshot(dir);
      expect(Object.keys(files).sort()).toEqual([
        'carrier_sbcs/sprint-central-sbc.yaml',
        'carrier_sbcs/sprint-east-sbc.yaml',
        'carrier_sbcs/sprint-west-sbc.yaml',
        `customer_clusters/${HOSTED}.yaml`,
        `customer_clusters/${SANDBOX}.yaml`,
        'media_servers/ch2-mobile-media-server.yaml',
        'media_servers/ny2-mobile-media-server.yaml',
        'media_servers/sv4-mobile-media-server.yaml',
        'targets.yaml',
      ]);
      const east = files['carrier_sbcs/sprint-east-sbc.yaml'] ?? '';
      expect(east.split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../../schemas/carrier-sbc.schema.json',
      );
      expect(east.split('\n')[1]).toMatch(/^# Exported from local on \d{4}-\d{2}-\d{2}\.$/);
      expect(east).toContain('mobile_media_server: ny2-mobile-media-server\n');
      for (const text of Object.values(files)) expect(text).not.toMatch(/\bid:|_rev|pvt_/);

      const state = JSON.parse(await readFile(join(work, '.kzops', 'state', 'local.json'), 'utf8')) as {
        resources: Record<string, { id: string; fingerprint: string }>;
      };
      expect(state.resources['carrier_sbcs/sprint-east-sbc']?.id).toBe(SEED_IDS.carrierSbcs.east);
      expect(Object.keys(state.resources)).toHaveLength(8);
      for (const entry of Object.values(state.resources)) expect(entry.fingerprint).toMatch(/^[0-9a-f]{64}$/);

      await expectNoChanges();

      // Again: nothing to change, and not a byte of any file changes.
      const again = json<ExportJson>(await kzops(['export', '--json']));
      expect(new Set(again.files.map((f) => f.status))).toEqual(new Set(['unchanged']));
      expect(await snapshot(dir)).toEqual(files);
    },
    SLOW,
  );

  it(
    'creates a --dir that does not exist, and says that it has no targets.yaml',
    async () => {
      const run = await kzops(['export', '--dir', 'fresh/config']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe('Export from embedded simulator into fresh/config/');
      expect(run.stdout).toContain(
        'warning: fresh/config has no targets.yaml: kzops validate and plan need one that names this server (export does not write it)',
      );
      expect(Object.keys(await snapshot(join(work, 'fresh', 'config')))).toHaveLength(8);
      expect(existsSync(join(work, 'fresh', 'config', 'targets.yaml'))).toBe(false);
      expect(existsSync(join(work, 'fresh', '.kzops', 'state', 'embedded simulator.json'))).toBe(true);
    },
    SLOW,
  );

  it(
    '--dry-run lists what it would write and writes nothing',
    async () => {
      await cp(EXAMPLE, dir, { recursive: true });
      const before = await snapshot(dir);
      const out = json<ExportJson>(await kzops(['export', '--dry-run', '--json']));
      expect(out.dry_run).toBe(true);
      expect(out.files.map((f) => f.status)).toContain('updated');
      expect(await snapshot(dir)).toEqual(before);
      expect(existsSync(join(work, '.kzops', 'state', 'local.json'))).toBe(false);

      const text = await kzops(['export', '--dry-run']);
      expect(text.stdout.split('\n')[0]).toBe(
        'Export from local (embedded simulator) into config/ (dry run: nothing is written)',
      );
      expect(text.stdout).toContain('  updated    config/media_servers/ny2.yaml\n');
      expect(text.stdout).toMatch(/Would export 8 documents: .* \(not written\)\.\n$/);
      expect(await snapshot(dir)).toEqual(before);
      // A --dir that does not exist is not left behind either.
      expect((await kzops(['export', '--dry-run', '--dir', 'fresh/config'])).code).toBe(0);
      expect(existsSync(join(work, 'fresh', 'config'))).toBe(false);
    },
    SLOW,
  );

  it(
    'into a copy of the example config: keeps its keys and comments, and plans no routing change',
    async () => {
      await cp(EXAMPLE, dir, { recursive: true });
      const before = await snapshot(dir);
      const out = json<ExportJson>(await kzops(['export', '--json']));
      expect(out.target).toBe('local');
      expect(out.state).toBe(join('.kzops', 'state', 'local.json'));
      expect(out.files.map((f) => [f.path, f.status])).toEqual([
        [`config/customer_clusters/${HOSTED}.yaml`, 'updated'],
        [`config/customer_clusters/${SANDBOX}.yaml`, 'updated'],
        ['config/media_servers/ch2.yaml', 'updated'],
        ['config/media_servers/ny2.yaml', 'updated'],
        ['config/media_servers/sv4.yaml', 'updated'],
        ['config/carrier_sbcs/sprint-central.yaml', 'updated'],
        ['config/carrier_sbcs/sprint-east.yaml', 'updated'],
        ['config/carrier_sbcs/sprint-west.yaml', 'updated'],
      ]);
      expect(out.not_live).toEqual([]);
      expect(out.secrets_env).toEqual([]);
      expect(out.clusters_not_exported).toEqual([`config/clusters/${SANDBOX}.yaml`]);
      expect(out.warnings).toEqual([]);

      const after = await snapshot(dir);
      // Cluster documents and targets.yaml are not export's to write.
      expect(after[`clusters/${SANDBOX}.yaml`]).toBe(before[`clusters/${SANDBOX}.yaml`]);
      expect(after['targets.yaml']).toBe(before['targets.yaml']);
      // Comments stay where they were; only values change.
      for (const path of ['carrier_sbcs/sprint-east.yaml', 'media_servers/ny2.yaml']) {
        const comments = (text: string | undefined) =>
          (text ?? '').split('\n').filter((l) => l.trimStart().startsWith('#'));
        expect(comments(after[path]).length).toBeGreaterThan(1);
        expect(before[path]?.split('\n').slice(0, 2)).toEqual(after[path]?.split('\n').slice(0, 2));
      }
      expect(after['media_servers/ny2.yaml']).toBe(
        (before['media_servers/ny2.yaml'] ?? '')
          .replace('sprint: sipinterface_sprint_mpls', 'sprint: sipinterface_sprint')
          .replace('top_ips: [10.26.1.10, 10.26.1.11]', 'top_ips: [10.26.1.254, 10.26.1.253]'),
      );
      expect(after['carrier_sbcs/sprint-east.yaml']).toContain(
        '# From the phone network: both numbers to E.164.\n  from_pstn:\n',
      );

      // The cluster document has no state entry, so plan creates it; everything else is unchanged.
      const plan = json<Plan>(await kzops(['plan', '--json']));
      expect(
        plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.kind}/${c.key}:${c.action}`),
      ).toEqual([`clusters/${SANDBOX}:create`]);
      expect(plan.changes.filter((c) => c.action === 'noop').map((c) => c.key)).toEqual(
        expect.arrayContaining([
          'sprint-east',
          'sprint-central',
          'sprint-west',
          'ny2',
          'sv4',
          'ch2',
          HOSTED,
          SANDBOX,
        ]),
      );
      expect(plan.unmanaged).toEqual([]);
      await rm(join(dir, 'clusters'), { recursive: true });
      await expectNoChanges();
    },
    SLOW,
  );
});

describe('kzops export from a server named in targets.yaml', () => {
  it(
    'exports, plans no changes, and a change made on the server is re-exported in place',
    async () => {
      await mkdir(dir);
      await writeLabTargets(dir, lab.url);
      // A file for a document the server does not have: kept and listed, never deleted.
      await mkdir(join(dir, 'carrier_sbcs'));
      const ghost = 'name: Ghost SBC\ncarrier: sprint\n';
      await writeFile(join(dir, 'carrier_sbcs', 'ghost.yaml'), ghost);
      const env = { LAB_KEY: SIM_KEY };

      const first = await kzops(['export'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout.split('\n')[0]).toBe(`Export from lab (${lab.url}) into config/`);
      expect(first.stdout).toContain(
        'Not live any more (kept, not exported; delete a file to stop managing it):\n  config/carrier_sbcs/ghost.yaml\n',
      );
      expect(first.stdout).toContain('State: config/state/lab.json.');
      expect(first.stdout).not.toContain(SIM_KEY);
      expect(await readFile(join(dir, 'carrier_sbcs', 'ghost.yaml'), 'utf8')).toBe(ghost);
      const state = JSON.parse(await readFile(join(dir, 'state', 'lab.json'), 'utf8')) as {
        target: string;
        resources: Record<string, { id: string }>;
      };
      expect(state.target).toBe('lab');
      expect(state.resources['media_servers/ny2-mobile-media-server']?.id).toBe(SEED_IDS.mediaServers.east);

      await rm(join(dir, 'carrier_sbcs', 'ghost.yaml'));
      await expectNoChanges(env);

      // A person comments the file; then someone changes the document on the server.
      const path = join(dir, 'media_servers', 'ny2-mobile-media-server.yaml');
      const commented = (await readFile(path, 'utf8')).replace(
        '  city: New York\n',
        '  city: New York # the site\n',
      );
      await writeFile(path, commented);
      const client = new KazooClient(resolveTarget({ url: lab.url }, { KZOPS_API_KEY: SIM_KEY }));
      try {
        await client.patchMediaServer(SEED_IDS.mediaServers.east, { location: { city: 'Brooklyn' } });
        await client.createMediaServer({ name: 'NY3 Mobile Media Server', location: { zone: 'east' } });
      } finally {
        await client.close();
      }

      const second = json<ExportJson>(await kzops(['export', '--json'], env));
      const status = Object.fromEntries(second.files.map((f) => [f.path, f.status]));
      expect(status).toMatchObject({
        'config/media_servers/ny2-mobile-media-server.yaml': 'updated',
        'config/media_servers/ny3-mobile-media-server.yaml': 'created',
        'config/carrier_sbcs/sprint-east-sbc.yaml': 'unchanged',
      });
      expect(second.files.filter((f) => f.status === 'unchanged')).toHaveLength(7);
      expect(await readFile(path, 'utf8')).toBe(
        commented.replace('city: New York # the site', 'city: Brooklyn # the site'),
      );
      await expectNoChanges(env);
    },
    SLOW,
  );
});
