/**
 * `kzops apply --expect-fingerprint`: after a merge, apply only the plan that was reviewed.
 * `node bin/run.js` on a copy of the example config, against the embedded simulator (which
 * keeps its documents under <work>/.kzops/).
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshExampleConfig, requireBuilt, runKzops } from './cli-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-7215ee9c7d9dc229';

/** Each test runs the CLI several times, each a Node start-up: more than the default 20 s on a busy machine. */
const SLOW = 90_000;

let work: string;
let dir: string;

const kzops = (args: string[]) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY }, timeoutMs: 30_000 });

const statePath = () => join(work, '.kzops', 'state', 'local.json');
const simDocs = () => join(work, '.kzops', 'sim', 'local.json');

async function planJson(): Promise<{ fingerprint: string; summary: Record<string, number> }> {
  const run = await kzops(['plan', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { fingerprint: string; summary: Record<string, number> };
}

beforeAll(async () => {
  requireBuilt('apply');
  work = await mkdtemp(join(tmpdir(), 'kzops-apply-fp-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

describe('kzops apply --expect-fingerprint', { timeout: SLOW }, () => {
  it('applies when the plan is the one reviewed (full fingerprint)', async () => {
    const { fingerprint } = await planJson();
    const run = await kzops(['apply', '--yes', '--expect-fingerprint', fingerprint]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Apply: 9 done, 0 failed, 0 skipped\.\n$/);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('applies with a prefix of 12 hex digits, in either case', async () => {
    const { fingerprint } = await planJson();
    const run = await kzops([
      'apply',
      '--yes',
      '--expect-fingerprint',
      fingerprint.slice(0, 12).toUpperCase(),
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Apply: 9 done');
  });

  it('refuses (exit 5) when the plan moved since the review, and changes nothing', async () => {
    const reviewed = await planJson();
    // The branch is merged with one more edit than the one reviewed.
    const path = join(dir, 'media_servers', 'ny2.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('city: New York', 'city: Brooklyn'));
    const now = await planJson();
    expect(now.fingerprint).not.toBe(reviewed.fingerprint);
    const docsBefore = await readFile(simDocs(), 'utf8');

    const run = await kzops(['apply', '--yes', '--expect-fingerprint', reviewed.fingerprint]);
    expect(run.code, run.stdout + run.stderr).toBe(5);
    expect(run.stderr).toContain(
      `error: the plan at this commit (fingerprint ${now.fingerprint.slice(0, 12)}) is not the one reviewed (${reviewed.fingerprint}); nothing was done`,
    );
    expect(run.stderr).toMatch(/\nhint: .*run the pull-request plan again/);
    expect(run.stdout).not.toContain('Applying to');
    expect(run.stdout).not.toContain(CLUSTER_KEY);
    // Nothing written: no state file, the simulator's documents as they were, the same plan.
    expect(existsSync(statePath())).toBe(false);
    expect(await readFile(simDocs(), 'utf8')).toBe(docsBefore);
    expect(await planJson()).toEqual(now);
  });

  it('refuses an empty plan when the reviewed one had changes', async () => {
    const reviewed = await planJson();
    expect((await kzops(['apply', '--yes'])).code).toBe(0);
    const run = await kzops(['apply', '--yes', '--expect-fingerprint', reviewed.fingerprint.slice(0, 16)]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('is not the one reviewed');
  });

  it('a fingerprint too short or not hex is a usage error (exit 64), before anything is read', async () => {
    const { fingerprint } = await planJson();
    for (const bad of [fingerprint.slice(0, 11), `${fingerprint.slice(0, 11)}g`, `${fingerprint}0`]) {
      const run = await kzops(['apply', '--yes', '--expect-fingerprint', bad]);
      expect(run.code, bad).toBe(64);
      expect(run.stderr).toContain(`error: --expect-fingerprint ${bad}: not a plan fingerprint`);
      expect(run.stdout).toBe('');
    }
    expect(existsSync(statePath())).toBe(false);
  });
});
