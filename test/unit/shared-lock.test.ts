/**
 * The shared apply lock (a ref on the config repository's git remote), with real git: a bare
 * repository in a temp dir stands for the team's remote, and two clones for two checkouts
 * (Alice's and Bob's) that must see each other's lock.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOutcome, exitCodeFor } from '../../src/cli/exit-codes.js';
import { RefusedError } from '../../src/core/errors.js';
import { lockPath } from '../../src/reconcile/lock.js';
import {
  acquireApplyLocks,
  acquireSharedLock,
  findLockRemote,
  readSharedLock,
  removeSharedLock,
  type LockRemote,
  type SharedLockOptions,
} from '../../src/reconcile/shared-lock.js';

const REF = 'refs/kzops/locks/lab';

let work: string;
let bare: string;
let said: string[];
/** Every lock a test took: released after it, so that no renewal outlives its test. */
let taken: { release(): Promise<void> }[];

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const remoteLock = () => git(bare, 'for-each-ref', '--format=%(objectname)', REF);
const report = (line: string) => said.push(line);

function cloneAs(name: string): string {
  const dir = join(work, name.toLowerCase());
  git(work, 'clone', '-q', bare, dir);
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
  return dir;
}

async function remoteOf(dir: string): Promise<LockRemote> {
  const found = await findLockRemote(dir, {});
  if ('none' in found) throw new Error(found.none);
  return found.remote;
}

const opts = (more: Partial<SharedLockOptions> = {}): SharedLockOptions => ({
  timeoutMs: 0,
  command: 'kzops apply',
  report,
  env: {},
  pollMs: 50,
  ...more,
});

async function refusal(p: Promise<unknown>): Promise<RefusedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RefusedError);
  return err as RefusedError;
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'kzops-shared-lock-unit-'));
  bare = join(work, 'team.git');
  git(work, 'init', '-q', '--bare', bare);
  said = [];
  taken = [];
});

afterEach(async () => {
  for (const lock of taken) await lock.release();
  await rm(work, { recursive: true, force: true });
});

function track<T extends { release(): Promise<void> }>(lock: T): T {
  taken.push(lock);
  return lock;
}

describe('the shared lock on the git remote', { timeout: 60_000 }, () => {
  it("refuses Bob (exit 5) naming Alice's apply, and lets him in once she releases", async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const held = track(await acquireSharedLock(alice, 'lab', opts()));
    expect(remoteLock()).toBe(held.sha);

    const err = await refusal(acquireSharedLock(bob, 'lab', opts()));
    expect(exitCodeFor(errorOutcome(err))).toBe(5);
    expect(err.message).toMatch(
      new RegExp(
        `^target lab is locked by Alice on ${hostname()} \\(kzops apply, pid ${process.pid}\\) since \\S+: a shared lock on git remote origin \\(${REF}\\); nothing was done$`,
      ),
    );
    expect(err.hint).toContain('--lock-timeout');
    expect(err.hint).toContain('kzops lock release --target lab --force');

    setTimeout(() => void held.release(), 300);
    const started = Date.now();
    const next = track(await acquireSharedLock(bob, 'lab', opts({ timeoutMs: 10_000 })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(
      said.some((l) => l.startsWith('target lab is locked by Alice on ') && l.includes('waiting up to')),
    ).toBe(true);
    const state = await readSharedLock(bob, 'lab');
    expect(state?.sha).toBe(next.sha);
    expect(state?.record).toMatchObject({
      holder: 'Bob',
      pid: process.pid,
      command: 'kzops apply',
      target: 'lab',
    });
    await next.release();
    expect(remoteLock()).toBe('');
  });

  it('of two applies taking it at the same moment, exactly one gets it', async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const results = await Promise.allSettled([
      acquireSharedLock(alice, 'lab', opts()),
      acquireSharedLock(bob, 'lab', opts()),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(String((lost[0] as PromiseRejectedResult).reason)).toContain('target lab is locked by');
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireSharedLock>>>).value.release();
  });

  it('a stale lock is taken over and says from whom; the old holder then deletes nothing', async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const aliceSaid: string[] = [];
    // Alice's apply stopped renewing (ttl 1 ms, no renewal): the lock is expired at once.
    const old = track(
      await acquireSharedLock(alice, 'lab', opts({ ttlMs: 1, renewMs: 0, report: (l) => aliceSaid.push(l) })),
    );
    await delay(20);
    const bobs = track(await acquireSharedLock(bob, 'lab', opts()));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      new RegExp(
        `^warning: took over a stale shared lock of target lab on origin from Alice on ${hostname()} \\(kzops apply, pid ${process.pid}\\) since \\S+: it expired at \\S+`,
      ),
    );
    expect(remoteLock()).toBe(bobs.sha);

    // Alice's apply ends after all: its release has a lease on its own commit, so Bob's stays.
    await old.release();
    expect(remoteLock()).toBe(bobs.sha);
    expect(aliceSaid.join('\n')).toMatch(/no longer held by this apply \(now held by Bob on /);

    // A release with a stale view of the lock deletes nothing either.
    const seen = await readSharedLock(alice, 'lab');
    await bobs.release();
    const again = track(await acquireSharedLock(alice, 'lab', opts()));
    expect(await removeSharedLock(seen!)).toBe(false);
    expect(remoteLock()).toBe(again.sha);
    await again.release();
  });

  it('a long apply renews its lock, so it does not expire under it', async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const held = track(await acquireSharedLock(alice, 'lab', opts({ ttlMs: 2_000, renewMs: 250 })));
    const first = held.sha;
    await delay(2_600);
    // Past the first expiry, but renewed: still Alice's, and not taken over.
    await refusal(acquireSharedLock(bob, 'lab', opts()));
    const state = await readSharedLock(bob, 'lab');
    expect(state?.sha).not.toBe(first);
    expect(state?.record).toMatchObject({
      holder: 'Alice',
      pid: process.pid,
      started: expect.any(String) as unknown,
    });
    expect(state!.expires.getTime()).toBeGreaterThan(Date.now());
    expect(said.filter((l) => l.startsWith('warning:'))).toEqual([]);
    await held.release();
    expect(remoteLock()).toBe('');
  });

  it('an apply whose lock was removed and taken by another says so at its next renewal, and then deletes nothing', async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const aliceSaid: string[] = [];
    const held = track(
      await acquireSharedLock(alice, 'lab', opts({ renewMs: 150, report: (l) => aliceSaid.push(l) })),
    );
    // What kzops lock release --force does (again if a renewal moved the lock meanwhile), then
    // Bob's apply.
    while (!(await removeSharedLock((await readSharedLock(bob, 'lab'))!))) await delay(10);
    const bobs = track(await acquireSharedLock(bob, 'lab', opts()));
    const deadline = Date.now() + 10_000;
    while (aliceSaid.length === 0 && Date.now() < deadline) await delay(50);
    // Said once, whether the renewal came before Bob's apply took the lock or after.
    expect(aliceSaid).toHaveLength(1);
    expect(aliceSaid[0]).toMatch(
      /^warning: the shared lock of target lab on origin is no longer held by this apply \(it was removed or taken over; (nobody holds it now|now held by Bob on .*)\): another apply may be running at the same time$/,
    );
    await held.release();
    expect(remoteLock()).toBe(bobs.sha);
    await bobs.release();
  });

  it('a lock ref that is not a kzops lock blocks until its commit time plus the lifetime', async () => {
    const aliceDir = cloneAs('Alice');
    const tree = execFileSync('git', ['mktree'], { cwd: aliceDir, input: '', encoding: 'utf8' }).trim();
    const foreign = git(aliceDir, 'commit-tree', tree, '-m', 'not json');
    git(aliceDir, 'push', '-q', 'origin', `${foreign}:${REF}`);
    const bob = await remoteOf(cloneAs('Bob'));
    const state = await readSharedLock(bob, 'lab');
    expect(state?.record).toBeUndefined();
    expect(state!.expires.getTime()).toBeGreaterThan(Date.now() + 5 * 60_000);
    const err = await refusal(acquireSharedLock(bob, 'lab', opts()));
    expect(err.message).toContain(`an unknown holder (commit ${foreign.slice(0, 12)} is not a kzops lock)`);
  });

  it('names the operator and the CI run that holds it', async () => {
    const alice = await remoteOf(cloneAs('Alice'));
    const bob = await remoteOf(cloneAs('Bob'));
    const held = track(
      await acquireSharedLock(
        alice,
        'lab',
        opts({
          env: {
            KZOPS_OPERATOR: 'deploy-bot',
            GITHUB_SERVER_URL: 'https://github.example',
            GITHUB_REPOSITORY: 'acme/routing',
            GITHUB_RUN_ID: '991',
          },
        }),
      ),
    );
    const err = await refusal(acquireSharedLock(bob, 'lab', opts()));
    expect(err.message).toContain('locked by deploy-bot on ');
    expect(err.message).toContain(', run https://github.example/acme/routing/actions/runs/991:');
    await held.release();
  });

  it('a remote that cannot be reached refuses (exit 5) and says what git said', async () => {
    const aliceDir = cloneAs('Alice');
    git(aliceDir, 'remote', 'set-url', 'origin', join(work, 'gone.git'));
    const err = await refusal(acquireSharedLock(await remoteOf(aliceDir), 'lab', opts()));
    expect(err.message).toMatch(
      /^cannot take the lock of target lab on git remote origin \(.*gone\.git\): .+; nothing was done$/,
    );
    expect(err.hint).toContain('KZOPS_SHARED_LOCK=off');
  });
});

describe('which remote carries the lock', () => {
  it("the current branch's upstream remote, else origin, else the only one", async () => {
    const dir = cloneAs('Alice');
    expect((await remoteOf(dir)).remote).toBe('origin');
    git(dir, 'remote', 'add', 'backup', bare);
    git(dir, 'checkout', '-q', '-b', 'work');
    git(dir, 'config', 'branch.work.remote', 'backup');
    expect((await remoteOf(dir)).remote).toBe('backup');
    git(dir, 'config', '--unset', 'branch.work.remote');
    expect((await remoteOf(dir)).remote).toBe('origin');
    git(dir, 'remote', 'remove', 'origin');
    expect((await remoteOf(dir)).remote).toBe('backup');
    git(dir, 'remote', 'add', 'mirror', bare);
    const found = await findLockRemote(dir, {});
    expect(found).toEqual({
      none: expect.stringMatching(/has several git remotes \(backup, mirror\), none named origin/) as unknown,
    });
  });

  it('no credentials from the remote URL appear in messages', async () => {
    const dir = cloneAs('Alice');
    git(dir, 'remote', 'set-url', 'origin', 'https://x-access-token:s3cr3t@git.invalid/acme/routing.git');
    const remote = await remoteOf(dir);
    expect(remote.url).toBe('https://git.invalid/acme/routing.git');
  });

  it('KZOPS_SHARED_LOCK=off turns it off', async () => {
    const dir = cloneAs('Alice');
    expect(await findLockRemote(dir, { KZOPS_SHARED_LOCK: 'off' })).toEqual({
      none: 'KZOPS_SHARED_LOCK is off',
    });
  });
});

describe("an apply's locks", { timeout: 60_000 }, () => {
  const choice = (workDir: string, sim = false) => ({ workDir, sim, policy: { name: 'lab' } });

  it('takes the local and the shared lock, and releases both', async () => {
    const dir = cloneAs('Alice');
    const workDir = join(dir, '.kzops');
    const locks = track(await acquireApplyLocks(choice(workDir), dir, opts()));
    expect(existsSync(lockPath(workDir, 'lab'))).toBe(true);
    expect(remoteLock()).toBe(locks.shared?.sha);
    expect(said).toEqual([]);
    await locks.release();
    expect(existsSync(lockPath(workDir, 'lab'))).toBe(false);
    expect(remoteLock()).toBe('');
  });

  it('a refused shared lock drops the local lock it took first', async () => {
    const held = track(await acquireSharedLock(await remoteOf(cloneAs('Alice')), 'lab', opts()));
    const bobDir = cloneAs('Bob');
    const workDir = join(bobDir, '.kzops');
    await refusal(acquireApplyLocks(choice(workDir), bobDir, opts()));
    expect(existsSync(lockPath(workDir, 'lab'))).toBe(false);
    await held.release();
  });

  it('without a remote there is only the local lock, and it says that no shared lock protects the apply', async () => {
    const dir = join(work, 'alone');
    await mkdir(dir);
    git(dir, 'init', '-q');
    const locks = track(await acquireApplyLocks(choice(join(dir, '.kzops')), dir, opts()));
    expect(locks.shared).toBeUndefined();
    expect(said).toEqual([
      `warning: no shared lock protects this apply of target lab: the git repository of ${dir} (${git(dir, 'rev-parse', '--show-toplevel')}) has no git remote, so an apply of it from another checkout or machine could run at the same time`,
    ]);
    await locks.release();

    said = [];
    const plain = join(work, 'plain');
    await mkdir(plain);
    const unversioned = track(await acquireApplyLocks(choice(join(plain, '.kzops')), plain, opts()));
    expect(said).toEqual([
      `warning: no shared lock protects this apply of target lab: ${plain} is not in a git repository, so an apply of it from another checkout or machine could run at the same time`,
    ]);
    await unversioned.release();
  });

  it('a simulator target takes only the local lock, silently', async () => {
    const dir = cloneAs('Alice');
    const locks = track(await acquireApplyLocks(choice(join(dir, '.kzops'), true), dir, opts()));
    expect(locks.shared).toBeUndefined();
    expect(remoteLock()).toBe('');
    expect(said).toEqual([]);
    await locks.release();
  });

  it('releaseSync drops both at once (a second Ctrl-C)', async () => {
    const dir = cloneAs('Alice');
    const workDir = join(dir, '.kzops');
    const locks = track(await acquireApplyLocks(choice(workDir), dir, opts()));
    locks.releaseSync();
    expect(existsSync(lockPath(workDir, 'lab'))).toBe(false);
    expect(remoteLock()).toBe('');
  });
});
