/**
 * The apply lock every applier sees: two clones of one config repository (a bare repository
 * in a temp dir stands for the team's remote) applying to one server at once. The lock is a
 * ref on the remote, so the clones see each other; without it both would plan from an empty
 * server and create every SBC and media server twice.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireSharedLock, findLockRemote, lockRef } from '../../src/reconcile/shared-lock.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { REPO, requireBuilt, runKzops, SIM_SUPER_MASTER_KEY, writeLabTargets } from './cli-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const ENV = { LAB_KEY: SIM_SUPER_MASTER_KEY, [CLUSTER_KEY_ENV]: 'cluster-secret-7e1f09a2' };
const REF = 'refs/kzops/locks/lab';

let work: string;
let bare: string;
let sim: SimHandle;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The remote's lock ref, or '' when there is none. */
const remoteLock = () => git(bare, 'for-each-ref', '--format=%(objectname)', REF);

/** A clone of the team repository whose commits are made by `name`. */
function cloneAs(name: string): string {
  const dir = join(work, name.toLowerCase());
  git(work, 'clone', '-q', bare, dir);
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
  return dir;
}

const kzops = (clone: string, args: string[], env: Record<string, string> = {}) =>
  runKzops(args, { cwd: clone, env: { ...ENV, ...env }, timeoutMs: 60_000 });

interface ApplyJson {
  result: string;
  summary: { done: number; failed: number; skipped: number };
}

/** How many documents of a kind the server holds under each name. */
function namesCount(kind: 'carrier_sbcs' | 'media_servers'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const doc of Object.values(sim.state[kind])) {
    const name = typeof doc.name === 'string' ? doc.name : JSON.stringify(doc.name);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function expectNoDuplicates(): void {
  const sbcs = namesCount('carrier_sbcs');
  const media = namesCount('media_servers');
  expect(sbcs).toEqual({ 'Sprint Central SBC': 1, 'Sprint East SBC': 1, 'Sprint West SBC': 1 });
  expect(Object.values(media)).toEqual([1, 1, 1]);
}

beforeAll(() => {
  requireBuilt('apply');
  requireBuilt('lock/status');
});

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'kzops-shared-lock-'));
  // A server with no routing documents: every SBC and media server of the example is a create,
  // and each request takes a moment, so two applies started together overlap.
  sim = await startSim({
    port: 0,
    latencyMs: 25,
    seed: { ...(defaultSeed() as object), customer_clusters: [], carrier_sbcs: [], media_servers: [] },
  });
  // The team's repository: the example config with the lab server as its one target.
  bare = join(work, 'team.git');
  git(work, 'init', '-q', '--bare', bare);
  const seed = join(work, 'seed');
  await mkdir(seed);
  git(seed, 'init', '-q');
  git(seed, 'config', 'user.name', 'Seeder');
  git(seed, 'config', 'user.email', 'seeder@example.com');
  await cp(join(REPO, 'config'), join(seed, 'config'), { recursive: true });
  // Without the cluster document: its api_key is write-only, so a clone without the other
  // clone's state file would write it again, and "nothing to do" below would not hold.
  await rm(join(seed, 'config', 'clusters'), { recursive: true });
  await writeLabTargets(join(seed, 'config'), sim.url);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-qm', 'config');
  git(seed, 'push', '-q', bare, 'HEAD:refs/heads/main');
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/main');
});

afterEach(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

describe('kzops apply from two clones of one repository', { timeout: 240_000 }, () => {
  it("while Alice's apply holds the lock, Bob's refuses (exit 5) naming her; hers creates everything once", async () => {
    const alice = cloneAs('Alice');
    const bob = cloneAs('Bob');
    // Alice's apply is slow (each answer takes 1.5 s) until Bob's has been refused, so it
    // surely still holds the lock however long Bob's takes to start on a busy machine.
    sim.faults.latencyMs = 1_500;
    const first = kzops(alice, ['apply', '--yes', '--json']);
    const deadline = Date.now() + 30_000;
    while (remoteLock() === '' && Date.now() < deadline) await delay(50);
    expect(remoteLock(), "Alice's apply took no shared lock").not.toBe('');

    const refused = await kzops(bob, ['apply', '--yes', '--json']);
    sim.faults.latencyMs = 0;
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^error: target lab is locked by Alice on \S+ \(kzops apply, pid \d+\) since \S+: a shared lock on git remote origin \(refs\/kzops\/locks\/lab\); nothing was done$/m,
    );
    expect(refused.stderr).toContain('--lock-timeout');

    const applied = await first;
    expect(applied.code, applied.stderr).toBe(0);
    expect((JSON.parse(applied.stdout) as ApplyJson).result).toBe('applied');
    expectNoDuplicates();
    // Released at the end.
    expect(remoteLock()).toBe('');
  });

  it('with --lock-timeout the second waits, then finds nothing to do: no document is created twice', async () => {
    const alice = cloneAs('Alice');
    const bob = cloneAs('Bob');
    const [a, b] = await Promise.all([
      kzops(alice, ['apply', '--yes', '--json', '--lock-timeout', '60']),
      kzops(bob, ['apply', '--yes', '--json', '--lock-timeout', '60']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expectNoDuplicates();
    const results = [a, b].map((r) => (JSON.parse(r.stdout) as ApplyJson).result).sort();
    expect(results).toEqual(['applied', 'no_changes']);
    expect(remoteLock()).toBe('');
  });

  it('a stale lock (past its expiry) is taken over, and apply says from whom', async () => {
    const alice = cloneAs('Alice');
    // A lock whose holder stopped renewing it long ago (a CI job killed mid-run).
    const record = {
      kzops_lock: 1,
      target: 'lab',
      holder: 'Carol',
      host: 'ci-runner-7',
      pid: 4242,
      command: 'kzops apply',
      started: '2020-01-01T00:00:00.000Z',
      renewed: '2020-01-01T00:00:00.000Z',
      expires: '2020-01-01T00:10:00.000Z',
      run_url: 'https://github.example/acme/routing/actions/runs/17',
    };
    const tree = execFileSync('git', ['mktree'], { cwd: alice, input: '', encoding: 'utf8' }).trim();
    const commit = git(alice, 'commit-tree', tree, '-m', `kzops lock lab\n\n${JSON.stringify(record)}`);
    git(alice, 'push', '-q', 'origin', `${commit}:${REF}`);

    const run = await kzops(alice, ['apply', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/took over a stale shared lock of target lab .*from Carol on ci-runner-7/);
    expect(run.stderr).toContain('expired at 2020-01-01T00:10:00.000Z');
    expectNoDuplicates();
    expect(remoteLock()).toBe('');
  });

  it('the lock is released when apply refuses after taking it', async () => {
    const alice = cloneAs('Alice');
    const run = await kzops(alice, ['apply', '--yes', '--expect-fingerprint', '0123456789ab']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('is not the one reviewed');
    expect(remoteLock()).toBe('');
    expect(Object.keys(sim.state.carrier_sbcs)).toHaveLength(0);
  });

  it('without a remote, apply says that no shared lock protects it', async () => {
    const alice = cloneAs('Alice');
    git(alice, 'remote', 'remove', 'origin');
    const run = await kzops(alice, ['apply', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /warning: no shared lock protects this apply of target lab: .* has no git remote/,
    );
  });

  it('kzops lock status and release: a live holder needs --force, and release says whose lock it removed', async () => {
    const alice = cloneAs('Alice');
    const bob = cloneAs('Bob');
    const remote = await findLockRemote(join(alice, 'config'));
    if (!('remote' in remote)) throw new Error(`no remote: ${remote.none}`);
    const said: string[] = [];
    // Alice's apply, held by this test process.
    const held = await acquireSharedLock(remote.remote, 'lab', {
      timeoutMs: 0,
      command: 'kzops apply',
      env: { KZOPS_OPERATOR: 'Alice' },
      report: (line) => said.push(line),
    });
    try {
      expect(remoteLock()).toBe(held.sha);
      expect(lockRef('lab')).toBe(REF);

      const status = await kzops(bob, ['lock', 'status', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const json = JSON.parse(status.stdout) as {
        target: string;
        shared: {
          remote: string;
          held: boolean;
          holder?: { holder: string; pid: number };
          expired?: boolean;
        };
        local: { held: boolean };
      };
      expect(json.target).toBe('lab');
      expect(json.shared).toMatchObject({ remote: 'origin', held: true, expired: false });
      expect(json.shared.holder).toMatchObject({ holder: 'Alice', pid: process.pid });
      expect(json.local.held).toBe(false);
      const text = await kzops(bob, ['lock', 'status']);
      expect(text.stdout).toContain('held by Alice on ');

      const busy = await kzops(bob, ['apply', '--yes']);
      expect(busy.code).toBe(5);
      expect(busy.stderr).toContain('target lab is locked by Alice on ');

      const refused = await kzops(bob, ['lock', 'release']);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toContain('Alice');
      expect(refused.stderr).toContain('--force');
      expect(remoteLock()).toBe(held.sha);

      const noTerminal = await kzops(bob, ['lock', 'release', '--force']);
      expect(noTerminal.code).toBe(5);
      expect(remoteLock()).toBe(held.sha);

      const released = await kzops(bob, ['lock', 'release', '--force', '--yes']);
      expect(released.code, released.stderr).toBe(0);
      expect(released.stdout).toMatch(/Released the shared lock of target lab on origin, held by Alice on /);
      expect(remoteLock()).toBe('');
    } finally {
      await held.release();
    }
    // Alice's release finds the lock gone and deletes nothing.
    expect(said.join('\n')).toContain('no longer held by this apply');

    const free = await kzops(bob, ['lock', 'status', '--json']);
    expect((JSON.parse(free.stdout) as { shared: { held: boolean } }).shared.held).toBe(false);
    const nothing = await kzops(bob, ['lock', 'release']);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('not locked');
  });
});
