/**
 * `kzops apply` as a user and CI run it: `node bin/run.js` on a copy of the example config,
 * against the embedded simulator (which keeps its documents under <work>/.kzops/) and, where
 * a test needs faults or git, against a simulator started here behind a targets.yaml target.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  REPO,
  requireBuilt,
  runKzops,
  type RunResult,
  writeLabTargets,
} from './cli-harness.js';

const EXAMPLE = join(REPO, 'config');
const HOSTED = '8a901bea1d3297ef7d4c8d34809472c2';
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-5f4dcc3b5aa765d6';
const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

let work: string;
let dir: string;

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY, ...env }, timeoutMs: 30_000 });

interface ApplyJson {
  result: string;
  steps: {
    op: string;
    kind: string;
    key: string;
    id?: string;
    status: string;
    reason?: string;
    note?: string;
  }[];
  summary: { done: number; failed: number; skipped: number };
  requests: number;
  state_file: string;
  commit?: string;
}

const statePath = () => join(work, '.kzops', 'state', 'local.json');
const simState = () => join(work, '.kzops', 'sim', 'local.json');

function expectNoSecret(run: RunResult): void {
  for (const secret of [CLUSTER_KEY, SIM_KEY]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

async function edit(path: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(path, 'utf8');
  const next = text.replace(from, to);
  expect(next, `${path} has ${String(from)}`).not.toBe(text);
  await writeFile(path, next);
}

/** Removes sprint-west from the config: its file, and its place in every priority list. */
async function dropSprintWest(): Promise<void> {
  await rm(join(dir, 'carrier_sbcs', 'sprint-west.yaml'));
  for (const ms of ['ny2', 'sv4', 'ch2']) {
    await edit(join(dir, 'media_servers', `${ms}.yaml`), /, sprint-west|sprint-west, /, '');
  }
}

async function liveSbcNames(): Promise<string[]> {
  const run = await kzops(['routing', 'list', 'carrier-sbcs', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { name: string }[]).map((d) => d.name).sort();
}

beforeAll(async () => {
  requireBuilt('apply');
  work = await mkdtemp(join(tmpdir(), 'kzops-apply-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

// Each test runs kzops several times in a row: give them room on a busy two-core machine.
describe('kzops apply on the embedded simulator (the example config)', { timeout: 60_000 }, () => {
  it('applies the example, writes the state beside the simulator, and the next plan is empty', async () => {
    const run = await kzops(['apply', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Applying to local (embedded simulator):');
    expect(run.stdout).toMatch(/Apply: 9 done, 0 failed, 0 skipped\.\n$/);
    expectNoSecret(run);
    const state = JSON.parse(await readFile(statePath(), 'utf8')) as {
      resources: Record<string, { id: string; fingerprint?: string; secrets?: Record<string, string> }>;
    };
    expect(Object.keys(state.resources).sort()).toEqual([
      'carrier_sbcs/sprint-central',
      'carrier_sbcs/sprint-east',
      'carrier_sbcs/sprint-west',
      'clusters/aa2b36ac6a5edb290159cd1298283322',
      `customer_clusters/${HOSTED}`,
      'customer_clusters/aa2b36ac6a5edb290159cd1298283322',
      'media_servers/ch2',
      'media_servers/ny2',
      'media_servers/sv4',
    ]);
    // The secret is kept as a slow (scrypt) fingerprint, never as itself.
    expect(JSON.stringify(state)).not.toContain(CLUSTER_KEY);
    expect(state.resources['clusters/aa2b36ac6a5edb290159cd1298283322']?.secrets?.api_key).toMatch(
      /^scrypt\$N=32768,r=8,p=1\$[0-9a-f]{64}$/,
    );

    const plan = await kzops(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toContain('No changes.');
    // What apply recorded is what drift compares with: in sync right after.
    const drift = await kzops(['drift']);
    expect(drift.code, drift.stdout).toBe(0);
    expect(drift.stdout).toContain('In sync');
    const again = await kzops(['apply', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as ApplyJson).result).toBe('no_changes');
  });

  it('--json reports every step, the summary and the requests sent, and nothing else on stdout', async () => {
    const run = await kzops(['apply', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as ApplyJson;
    expect(out.result).toBe('applied');
    expect(out.summary).toEqual({ done: 9, failed: 0, skipped: 0 });
    expect(out.steps.every((s) => s.status === 'done')).toBe(true);
    expect(out.requests).toBeGreaterThan(9);
    expect(out.state_file).toBe(statePath());
    expectNoSecret(run);
  });

  it('without a terminal it needs --yes: exit 5 and nothing changes', async () => {
    const run = await kzops(['apply']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('apply needs --yes when it cannot ask');
    const plan = await kzops(['plan', '--json']);
    expect((JSON.parse(plan.stdout) as { summary: Record<string, number> }).summary.update).toBe(8);
  });

  it('an unset cluster secret exits 3 before any change', async () => {
    const run = await kzops(['apply', '--yes'], { [CLUSTER_KEY_ENV]: undefined });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('clusters/aa2b36ac6a5edb290159cd1298283322: api_key has no value');
    expect(run.stderr).toContain('nothing was sent');
    const plan = await kzops(['plan', '--json']);
    expect((JSON.parse(plan.stdout) as { summary: Record<string, number> }).summary.update).toBe(8);
  });

  it('deletes need --allow-deletes; with it the SBC goes, after the media servers stop naming it', async () => {
    expect((await kzops(['apply', '--yes'])).code).toBe(0);
    await dropSprintWest();
    const refused = await kzops(['apply', '--yes']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(
      'the plan deletes carrier_sbcs/sprint-west; deletes need --allow-deletes',
    );
    expect(await liveSbcNames()).toContain('Sprint West SBC');

    const run = await kzops(['apply', '--yes', '--allow-deletes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const steps = (JSON.parse(run.stdout) as ApplyJson).steps;
    const at = (op: string, key: string) => steps.findIndex((s) => s.op === op && s.key === key);
    // Steps are reported as they end: every media server update ends before the delete.
    for (const ms of ['ny2', 'sv4', 'ch2'])
      expect(at('update', ms)).toBeLessThan(at('delete', 'sprint-west'));
    expect(await liveSbcNames()).not.toContain('Sprint West SBC');
    expect((await kzops(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('refuses (exit 5) to replace a protected resource or delete the master cluster', async () => {
    expect((await kzops(['apply', '--yes'])).code).toBe(0);
    const cluster = 'clusters/aa2b36ac6a5edb290159cd1298283322';
    await edit(
      join(dir, 'targets.yaml'),
      'url: sim # the simulator embedded in kzops: safe to try anything',
      `url: sim\n    protect: [${cluster}]`,
    );
    // A changed cluster document is a replace (delete, then create): refused when protected.
    await edit(
      join(dir, 'clusters', 'aa2b36ac6a5edb290159cd1298283322.yaml'),
      'kzops-sandbox-mvno',
      'renamed-mvno',
    );
    const run = await kzops(['apply', '--yes', '--allow-deletes']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`the plan would replace ${cluster}, which is protected; nothing was done`);
    expect(run.stdout).toContain('protected: apply will refuse');

    // Removing a protected file does not even validate (protect_unknown): nothing is sent.
    await rm(join(dir, 'clusters', 'aa2b36ac6a5edb290159cd1298283322.yaml'));
    const removed = await kzops(['apply', '--yes', '--allow-deletes']);
    expect(removed.code).toBe(3);
    expect(removed.stdout).toContain('protect_unknown');

    // The master cluster needs no protect entry: the target knows it.
    await cp(EXAMPLE, dir, { recursive: true });
    await rm(join(dir, 'customer_clusters', `${HOSTED}.yaml`));
    // (The sandbox target's own protect entry for it would otherwise not validate.)
    await edit(
      join(dir, 'targets.yaml'),
      /\n +- customer_clusters\/8a901bea1d3297ef7d4c8d34809472c2.*/,
      '\n      - clusters/aa2b36ac6a5edb290159cd1298283322',
    );
    const master = await kzops(['apply', '--yes', '--allow-deletes']);
    expect(master.code).toBe(5);
    expect(master.stderr).toContain(`delete customer_clusters/${HOSTED}, which is protected`);
  });

  // The change threshold (max_change_percent) is checked through the apply service in
  // services-reconcile.test.ts; its refusal's exit code 5 is the one tested above.

  it('a saved plan applies as reviewed, and is refused when the config or a live document moved', async () => {
    const planFile = join(work, 'plan.json');
    expect((await kzops(['plan', '--out', planFile])).code).toBe(0);
    // A live document changes behind the plan's back (another tool edits the server).
    const sim = JSON.parse(await readFile(simState(), 'utf8')) as {
      carrier_sbcs: Record<string, { name: string; location?: { city?: string } }>;
    };
    const east = Object.values(sim.carrier_sbcs).find((d) => d.name === 'Sprint East SBC');
    expect(east).toBeDefined();
    east!.location = { ...east!.location, city: 'Changed Elsewhere' };
    await writeFile(simState(), JSON.stringify(sim));
    const stale = await kzops(['apply', planFile, '--yes']);
    expect(stale.code).toBe(5);
    expect(stale.stderr).toContain('is stale; nothing was done');
    expect(stale.stderr).toContain(
      'carrier_sbcs/sprint-east: the live document changed since the plan was made',
    );

    expect((await kzops(['plan', '--out', planFile])).code).toBe(0);
    await edit(join(dir, 'media_servers', 'ny2.yaml'), 'city: New York', 'city: Brooklyn');
    const edited = await kzops(['apply', planFile, '--yes']);
    expect(edited.code).toBe(5);
    expect(edited.stderr).toContain('the config changed since the plan was made');

    expect((await kzops(['plan', '--out', planFile])).code).toBe(0);
    const ok = await kzops(['apply', planFile, '--yes']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await kzops(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('a second apply on a locked target refuses, or waits with --lock-timeout', async () => {
    const lock = join(work, '.kzops', 'locks', 'local.lock');
    await mkdir(join(work, '.kzops', 'locks'), { recursive: true });
    // This test process is alive on this host: the lock is held, not stale.
    const holder = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: 'kzops apply',
    };
    await writeFile(lock, JSON.stringify(holder));
    const refused = await kzops(['apply', '--yes']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(`target local is locked by kzops apply (pid ${process.pid}`);
    const plan = await kzops(['plan', '--json']);
    expect((JSON.parse(plan.stdout) as { summary: Record<string, number> }).summary.update).toBe(8);

    setTimeout(() => void rm(lock, { force: true }), 700);
    const waited = await kzops(['apply', '--yes', '--lock-timeout', '10']);
    expect(waited.code, waited.stderr).toBe(0);

    // A lock left by a process that is gone is taken over.
    await writeFile(lock, JSON.stringify({ ...holder, pid: 2 ** 22 + 12345 }));
    const stale = await kzops(['apply', '--yes']);
    expect(stale.code, stale.stderr).toBe(0);
  });

  it('two applies started together: one applies, the other waits and then has nothing to do', async () => {
    const [a, b] = await Promise.all([
      kzops(['apply', '--yes', '--json', '--lock-timeout', '20']),
      kzops(['apply', '--yes', '--json', '--lock-timeout', '20']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const results = [a, b].map((r) => (JSON.parse(r.stdout) as ApplyJson).result).sort();
    expect(results).toEqual(['applied', 'no_changes']);
    expect(await liveSbcNames()).toEqual(['Sprint Central SBC', 'Sprint East SBC', 'Sprint West SBC']);
  });

  it('a lost state file adopts by name again: no duplicates, no deletes', async () => {
    expect((await kzops(['apply', '--yes'])).code).toBe(0);
    await rm(statePath());
    const plan = await kzops(['plan', '--json']);
    const changes = (
      JSON.parse(plan.stdout) as { changes: { key: string; action: string; notes: string[] }[] }
    ).changes;
    const sbc = changes.find((c) => c.key === 'sprint-east');
    expect(sbc?.action).toBe('noop');
    expect(sbc?.notes).toContain('adopted by name (no state entry)');
    expect(changes.some((c) => c.action === 'delete')).toBe(false);
    const run = await kzops(['apply', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(await liveSbcNames()).toEqual(['Sprint Central SBC', 'Sprint East SBC', 'Sprint West SBC']);
    expect((await kzops(['plan', '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('kzops apply against a server', { timeout: 60_000 }, () => {
  let lab: SimHandle;

  beforeAll(async () => {
    lab = await startSim({ port: 0 });
  });
  afterAll(async () => {
    await lab.close();
  });

  async function useLab(): Promise<void> {
    await writeLabTargets(dir, lab.url);
  }

  it('a failed request fails its step, skips what needs it, exits 4; the next apply converges', async () => {
    await useLab();
    // A fresh, new SBC whose create fails once.
    await writeFile(
      join(dir, 'carrier_sbcs', 'sprint-north.yaml'),
      (await readFile(join(dir, 'carrier_sbcs', 'sprint-east.yaml'), 'utf8'))
        .replace('name: Sprint East SBC', 'name: Sprint North SBC')
        .replace('[203.0.113.10, 203.0.113.11]', '[198.18.1.1]'),
    );
    lab.faults.failNext(
      { method: 'PUT', path: '/v2/support/routing/carrier_sbcs' },
      { kind: 'status', status: 500 },
    );
    lab.faults.failNext(
      { method: 'POST', path: '/v2/support/routing/carrier_sbcs' },
      { kind: 'status', status: 500 },
    );
    const run = await kzops(['apply', '--yes', '--json'], { LAB_KEY: SIM_KEY });
    expect(run.code, run.stderr).toBe(4);
    const out = JSON.parse(run.stdout) as ApplyJson;
    expect(out.result).toBe('partial');
    const failed = out.steps.filter((s) => s.status === 'failed');
    expect(failed.map((s) => `${s.op} ${s.key}`)).toEqual(['create sprint-north']);
    expect(out.summary.done).toBeGreaterThan(5);
    lab.faults.clear();

    const again = await kzops(['apply', '--yes', '--json'], { LAB_KEY: SIM_KEY });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as ApplyJson).steps.map((s) => `${s.op} ${s.key}`)).toEqual([
      'create sprint-north',
    ]);
    const plan = await kzops(['plan', '--detailed-exitcode'], { LAB_KEY: SIM_KEY });
    expect(plan.code, plan.stdout).toBe(0);
    const north = Object.values(lab.state.carrier_sbcs).filter((d) => d.name === 'Sprint North SBC');
    expect(north).toHaveLength(1);
  });

  it('--commit commits the state file and only it, with the changes in the message', async () => {
    // A fresh server, so this apply has changes whatever ran before.
    const server = await startSim({ port: 0 });
    try {
      await writeLabTargets(dir, server.url);
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: work,
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 't',
            GIT_AUTHOR_EMAIL: 't@example.com',
            GIT_COMMITTER_NAME: 't',
            GIT_COMMITTER_EMAIL: 't@example.com',
          },
        });
      await rm(join(work, '.git'), { recursive: true, force: true });
      git('init', '-q');
      git('add', 'config');
      git('commit', '-qm', 'config');
      await writeFile(join(work, 'unrelated.txt'), 'left alone\n');
      git('add', 'unrelated.txt');
      const run = await runKzops(['apply', '--yes', '--commit'], {
        cwd: work,
        env: {
          LAB_KEY: SIM_KEY,
          [CLUSTER_KEY_ENV]: CLUSTER_KEY,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
        timeoutMs: 30_000,
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(git('show', '--name-only', '--format=%s', 'HEAD').trim().split('\n')).toEqual([
        'kzops apply lab: 1 to create, 8 to update',
        '',
        'config/state/lab.json',
      ]);
      expect(git('log', '-1', '--format=%b')).toContain('- update carrier_sbcs/sprint-east');
      // The unrelated staged file is still staged, not committed.
      expect(git('diff', '--cached', '--name-only').trim()).toBe('unrelated.txt');
      expect(git('show', 'HEAD:config/state/lab.json')).not.toContain(CLUSTER_KEY);
    } finally {
      await server.close();
      await rm(join(work, '.git'), { recursive: true, force: true });
    }
  });

  it('--commit is refused for a simulator target, before anything is done', async () => {
    const run = await kzops(['apply', '--yes', '--commit']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--commit: target local is a simulator');
  });
});
