/**
 * The life of a config repository, end to end, as a team and its CI live it: `kzops init`,
 * a server added to targets.yaml, an edit, validate, the plan a pull request would show
 * (markdown, with the fingerprint the apply workflow reads back), the apply after the merge
 * with that fingerprint and `--commit`, then someone changing the server by hand and
 * `kzops drift` catching it. The server is a simulator started here, behind a real URL, so
 * its state file is committed under config/state/ as for any real server.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops } from './cli-harness.js';

const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Kay Zops',
  GIT_AUTHOR_EMAIL: 'kay@example.com',
  GIT_COMMITTER_NAME: 'Kay Zops',
  GIT_COMMITTER_EMAIL: 'kay@example.com',
};
/** What the CI jobs have: the lab's API key, the cluster document's key, a git identity. */
const ENV = { LAB_KEY: SIM_KEY, KZOPS_SANDBOX_CLUSTER_API_KEY: 'cluster-secret-0c4d2b1a', ...GIT_ENV };

let work: string;
let repo: string;
let sim: SimHandle;

const kzops = (args: string[]) => runKzops(args, { cwd: repo, env: ENV, timeoutMs: 45_000 });
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();

beforeAll(async () => {
  requireBuilt('init');
  requireBuilt('plan');
  work = await mkdtemp(join(tmpdir(), 'kzops-life-'));
  repo = join(work, 'routing');
  // The default seed without its routing documents: a server whose routing the repository
  // will own entirely, so drift can say "in sync" before the hand edit and "drifted" after.
  sim = await startSim({
    port: 0,
    seed: { ...(defaultSeed() as object), customer_clusters: [], carrier_sbcs: [], media_servers: [] },
  });
});

afterAll(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

interface DriftJson {
  in_sync: boolean;
  findings: {
    class: string;
    kind: string;
    key?: string;
    fields?: { path: string; before?: unknown; after?: unknown }[];
  }[];
}

describe('a config repository from kzops init to drift', () => {
  it('init, edit, validate, plan as markdown, apply the reviewed plan with --commit, drift after a hand edit', async () => {
    // 1. A new repository, committed as the team's first commit, with the lab server added.
    const init = await runKzops(['init', 'routing'], { cwd: work, env: ENV, timeoutMs: 45_000 });
    expect(init.code, init.stdout + init.stderr).toBe(0);
    await appendFile(
      join(repo, 'config', 'targets.yaml'),
      `  lab:\n    url: ${sim.url}\n    api_key_env: LAB_KEY\n`,
    );
    git('add', '-A');
    git('commit', '-qm', 'kzops init');

    // 2. A change on a branch (merged as is here): the example SBC moves to Brooklyn.
    const sbcFile = join(repo, 'config', 'carrier_sbcs', 'example-east.yaml');
    const sbc = await readFile(sbcFile, 'utf8');
    expect(sbc).toContain('city: New York');
    await writeFile(sbcFile, sbc.replace('city: New York', 'city: Brooklyn'));
    const validate = await kzops(['validate']);
    expect(validate.code, validate.stdout).toBe(0);
    expect(validate.stdout).toContain('config is valid: 5 files checked');
    git('commit', '-qam', 'Move the east SBC to Brooklyn');
    const merged = git('rev-parse', 'HEAD');

    // 3. The plan a pull request shows, with the fingerprint the apply workflow reads back.
    const plan = await kzops(['plan', '--target', 'lab', '--format', 'markdown']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('**lab**: 4 to create, 0 to update, 0 to replace, 0 to delete');
    expect(plan.stdout).toContain('carrier_sbcs/example-east');
    expect(plan.stdout).toContain('Brooklyn');
    const marker = /<!-- kzops-plan-fingerprint: lab ([0-9a-f]+) -->/.exec(plan.stdout);
    expect(marker, plan.stdout).not.toBeNull();
    const fingerprint = marker?.[1] ?? '';
    expect(plan.stdout).not.toContain('cluster-secret-0c4d2b1a');

    // 4. After the merge: apply exactly the reviewed plan, and commit the state file alone.
    const apply = await kzops([
      'apply',
      '--target',
      'lab',
      '--yes',
      '--commit',
      '--expect-fingerprint',
      fingerprint,
    ]);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply: ');
    expect(git('rev-parse', 'HEAD~1')).toBe(merged);
    expect(git('show', '--name-only', '--format=%s', 'HEAD').split('\n')).toEqual([
      'kzops apply lab: 4 to create',
      '',
      'config/state/lab.json',
    ]);
    // Nothing else is left behind: the simulator's and locks' .kzops/ is ignored.
    expect(git('status', '--porcelain')).toBe('');
    const state = JSON.parse(git('show', 'HEAD:config/state/lab.json')) as {
      resources: Record<string, { id: string }>;
    };
    expect(Object.keys(state.resources).sort()).toEqual([
      'carrier_sbcs/example-east',
      'clusters/3f2504e04f8911d39a0c0305e82c3301',
      'customer_clusters/3f2504e04f8911d39a0c0305e82c3301',
      'media_servers/example-ny',
    ]);
    expect(JSON.stringify(state)).not.toContain('cluster-secret-0c4d2b1a');
    const sbcId = state.resources['carrier_sbcs/example-east']?.id ?? '';
    expect(sim.state.carrier_sbcs[sbcId]?.location).toMatchObject({ city: 'Brooklyn' });

    const inSync = await kzops(['drift', '--target', 'lab']);
    expect(inSync.code, inSync.stdout).toBe(0);
    expect(inSync.stdout).toContain('In sync');

    // 5. Someone changes the server by hand, through the API.
    const client = new KazooClient(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SIM_KEY }, 'lab'));
    try {
      await client.patchCarrierSbc(sbcId, { location: { city: 'Hoboken' } });
    } finally {
      await client.close();
    }

    // 6. Drift names it, with the field that moved.
    const drift = await kzops(['drift', '--target', 'lab']);
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    expect(drift.stdout).toMatch(/\[changed outside kzops\] carrier_sbcs\/example-east/);
    const report = JSON.parse((await kzops(['drift', '--target', 'lab', '--json'])).stdout) as DriftJson;
    expect(report.in_sync).toBe(false);
    expect(report.findings.map((f) => `${f.class} ${f.kind}/${f.key ?? ''}`)).toEqual([
      'changed_outside carrier_sbcs/example-east',
      'not_verifiable clusters/3f2504e04f8911d39a0c0305e82c3301',
    ]);
    expect(report.findings[0]?.fields).toEqual([
      { path: 'location.city', before: 'Hoboken', after: 'Brooklyn' },
    ]);

    // 7. The reviewed plan no longer describes the server: apply with it refuses, nothing done.
    const stale = await kzops(['apply', '--target', 'lab', '--yes', '--expect-fingerprint', fingerprint]);
    expect(stale.code, stale.stdout + stale.stderr).toBe(5);
    expect(sim.state.carrier_sbcs[sbcId]?.location).toMatchObject({ city: 'Hoboken' });
  }, 300_000);
});
