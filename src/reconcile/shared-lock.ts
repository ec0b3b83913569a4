/**
 * The apply lock every applier of a config repository sees: a ref on the repository's git
 * remote. CI runners, laptops and a teammate's clone are different checkouts, so a lock file
 * in one of them (lock.ts) cannot stop an apply from another; the remote is the one place
 * they all share.
 *
 * - The lock of target T is the ref `refs/kzops/locks/T` on the remote (the current branch's
 *   upstream remote, else `origin`, else the only remote). It points at a commit of the empty
 *   tree whose message holds a JSON record: holder (KZOPS_OPERATOR, else git's user.name, else
 *   the login name), host, pid, command, started, renewed, expires and, in CI, the run's URL.
 * - Taking it is `git push --force-with-lease=REF: SHA:REF`: the empty lease means "only if
 *   the ref does not exist", which the server checks under its ref lock, so of two applies
 *   pushing at once exactly one gets it.
 * - The holder renews it (a new commit, pushed with a lease on its own previous one) every
 *   fifth of its lifetime, so a long apply keeps it; an apply that dies stops renewing and its
 *   lock expires after `DEFAULT_TTL_MS`. An expired lock is replaced (with a lease on its
 *   commit, so two takers do not both win), and the taker says whose lock it took over.
 * - Releasing deletes the ref with a lease on the holder's own commit: a lock that someone
 *   has taken over (or released by hand) is never deleted by the apply that lost it.
 *
 * Without a remote there is no shared lock, and apply says so. Simulator targets (`url: sim`)
 * keep their documents in the checkout, so they only need the local lock.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { RefusedError } from '../core/errors.js';
import { acquireLock, alive, lockPath, removeOwnLockFileSync, stderrReport, type Lock } from './lock.js';

/** How long a lock lasts without renewal: how long a crashed apply blocks the target. */
export const DEFAULT_TTL_MS = 10 * 60_000;
/** How often waiting applies look at the remote again. */
const DEFAULT_POLL_MS = 2_000;
/** The longest a git command may take (a remote that does not answer). */
const GIT_TIMEOUT_MS = 60_000;
const REF_PREFIX = 'refs/kzops/locks/';
/** An identity for the lock commits: who holds the lock is in the message, not here. */
const COMMIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'kzops',
  GIT_AUTHOR_EMAIL: 'kzops@localhost',
  GIT_COMMITTER_NAME: 'kzops',
  GIT_COMMITTER_EMAIL: 'kzops@localhost',
};

/** The JSON record in a lock commit's message. */
export interface SharedLockRecord {
  kzops_lock: 1;
  target: string;
  /** Who runs the apply: KZOPS_OPERATOR, else git's user.name, else the login name. */
  holder: string;
  host: string;
  pid: number;
  command: string;
  /** ISO 8601: when the apply took the lock. */
  started: string;
  /** ISO 8601: the last renewal. */
  renewed: string;
  /** ISO 8601: when others may take it over unless it is renewed before. */
  expires: string;
  /** The CI run holding it, when there is one. */
  run_url?: string;
  /** Random, so that no two lock commits are the same commit. */
  nonce?: string;
}

/** The git remote that carries the locks of a config directory. */
export interface LockRemote {
  /** The repository's top level (where git commands run). */
  top: string;
  /** The remote's name, e.g. origin. */
  remote: string;
  /** Its URL, with any user name and password removed, for messages. */
  url: string;
}

export type LockRemoteLookup = { remote: LockRemote } | { none: string };

/** A lock as found on the remote. */
export interface SharedLockState {
  remote: LockRemote;
  ref: string;
  sha: string;
  /** Undefined when the commit's message is not a kzops lock record. */
  record: SharedLockRecord | undefined;
  /** The record's expiry; for a foreign commit, its commit time plus the default lifetime. */
  expires: Date;
}

export interface SharedLock {
  remote: LockRemote;
  ref: string;
  /** The lock commit now on the remote (changes with each renewal). */
  readonly sha: string;
  /** Stops renewing and deletes the ref if it is still ours; never throws (it reports). */
  release(): Promise<void>;
  /** The same, synchronously and briefly, for a last-moment exit. */
  releaseSync(): void;
}

export interface SharedLockOptions {
  /** How long to wait for another holder (0: do not wait). */
  timeoutMs: number;
  command: string;
  /** Lifetime of the lock without renewal (default DEFAULT_TTL_MS). */
  ttlMs?: number;
  /** Renewal interval (default a fifth of the lifetime; 0: never renew). */
  renewMs?: number;
  pollMs?: number;
  /** Where lines for the user go (takeovers, waiting, release problems). Default: stderr. */
  report?: (line: string) => void;
  /** For KZOPS_OPERATOR, KZOPS_SHARED_LOCK and the CI run's URL (default process.env). */
  env?: NodeJS.ProcessEnv;
}

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runGit(
  cwd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string> } = {},
): Promise<GitResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn('git', args, {
        cwd,
        // Messages in English, so the few we read are the ones we expect.
        env: { ...process.env, LC_ALL: 'C', ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: GIT_TIMEOUT_MS,
      });
    } catch (err) {
      resolve({ code: -1, stdout: '', stderr: (err as Error).message });
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: stderr + err.message }));
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr: signal === null ? stderr : `${stderr}git ${args[0] ?? ''} stopped (${signal})`,
      }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The last line git wrote on stderr, for messages (no secrets: URLs are not in it). */
function gitProblem(res: GitResult): string {
  const lines = res.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('hint:') && l !== 'Done');
  return stripCredentials(lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? `exit ${res.code}`);
}

function stripCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/** The lock ref of a target (names outside [A-Za-z0-9_-] are made safe for git). */
export function lockRef(target: string): string {
  return `${REF_PREFIX}${target.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * The remote that carries the locks of `dir`'s repository: the current branch's upstream
 * remote, else `origin`, else the only one. `{none}` says why there is none.
 */
export async function findLockRemote(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LockRemoteLookup> {
  if (env.KZOPS_SHARED_LOCK === 'off') return { none: 'KZOPS_SHARED_LOCK is off' };
  if (!existsSync(dir)) return { none: `${dir} is not in a git repository` };
  const topRes = await runGit(dir, ['rev-parse', '--show-toplevel']);
  if (topRes.code !== 0) {
    return {
      none: `${dir} is not in a git repository${topRes.code === -1 ? ` (git: ${gitProblem(topRes)})` : ''}`,
    };
  }
  const top = topRes.stdout.trim();
  const remotes = (await runGit(top, ['remote'])).stdout.split('\n').filter((r) => r !== '');
  if (remotes.length === 0) return { none: `the git repository of ${dir} (${top}) has no git remote` };
  let remote: string | undefined;
  const branch = await runGit(top, ['symbolic-ref', '-q', '--short', 'HEAD']);
  if (branch.code === 0) {
    const upstream = (await runGit(top, ['config', `branch.${branch.stdout.trim()}.remote`])).stdout.trim();
    if (remotes.includes(upstream)) remote = upstream;
  }
  remote ??= remotes.includes('origin') ? 'origin' : remotes.length === 1 ? remotes[0] : undefined;
  if (remote === undefined) {
    return {
      none: `the git repository of ${dir} (${top}) has several git remotes (${remotes.join(', ')}), none named origin, and the current branch tracks none of them`,
    };
  }
  const url = (await runGit(top, ['remote', 'get-url', remote])).stdout.trim();
  return { remote: { top, remote, url: stripCredentials(url) } };
}

async function identity(top: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (env.KZOPS_OPERATOR) return env.KZOPS_OPERATOR;
  const name = (await runGit(top, ['config', 'user.name'])).stdout.trim();
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The CI run's page, when the environment names one (GitHub Actions, GitLab CI). */
export function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  if (GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID) {
    return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
  }
  return env.CI_JOB_URL || undefined;
}

/** "Alice on host (kzops apply, pid 42) since ..., run URL" */
export function describeHolder(state: SharedLockState): string {
  const r = state.record;
  if (r === undefined) return `an unknown holder (commit ${state.sha.slice(0, 12)} is not a kzops lock)`;
  return `${r.holder} on ${r.host} (${r.command}, pid ${r.pid}) since ${r.started}${r.run_url ? `, run ${r.run_url}` : ''}`;
}

function parseRecord(message: string): SharedLockRecord | undefined {
  // The record is the one line of JSON after the summary line.
  const line = message.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) return undefined;
  try {
    const v = JSON.parse(line) as Partial<SharedLockRecord> | null;
    if (
      v?.kzops_lock !== 1 ||
      typeof v.holder !== 'string' ||
      typeof v.host !== 'string' ||
      typeof v.pid !== 'number' ||
      typeof v.started !== 'string' ||
      typeof v.expires !== 'string' ||
      Number.isNaN(Date.parse(v.expires))
    ) {
      return undefined;
    }
    return {
      kzops_lock: 1,
      target: String(v.target ?? ''),
      holder: v.holder,
      host: v.host,
      pid: v.pid,
      command: String(v.command ?? 'kzops'),
      started: v.started,
      renewed: String(v.renewed ?? v.started),
      expires: v.expires,
      ...(typeof v.run_url === 'string' ? { run_url: v.run_url } : {}),
    };
  } catch {
    return undefined;
  }
}

async function hasCommit(top: string, sha: string): Promise<boolean> {
  return (await runGit(top, ['cat-file', '-e', `${sha}^{commit}`])).code === 0;
}

/** The remote's lock of `target`, or undefined when there is none. */
export async function readSharedLock(
  remote: LockRemote,
  target: string,
): Promise<SharedLockState | undefined> {
  const ref = lockRef(target);
  for (let attempt = 0; attempt < 5; attempt++) {
    const listed = await runGit(remote.top, ['ls-remote', remote.remote, ref]);
    if (listed.code !== 0) {
      throw new RefusedError(
        `cannot read the lock of target ${target} on git remote ${remote.remote} (${remote.url}): ${gitProblem(listed)}; nothing was done`,
        { hint: lockHint(target) },
      );
    }
    const line = listed.stdout.split('\n').find((l) => l.endsWith(`\t${ref}`));
    if (line === undefined) return undefined;
    const sha = line.split('\t')[0] ?? '';
    if (!(await hasCommit(remote.top, sha))) {
      // Only the lock commit comes over; FETCH_HEAD and the branches are left alone.
      let fetched = await runGit(remote.top, [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        remote.remote,
        ref,
      ]);
      if (fetched.code !== 0 && /no-write-fetch-head/.test(fetched.stderr)) {
        fetched = await runGit(remote.top, ['fetch', '--quiet', '--no-tags', remote.remote, ref]);
      }
      // The ref may have moved or gone meanwhile: look again.
      if (!(await hasCommit(remote.top, sha))) continue;
    }
    const shown = await runGit(remote.top, ['show', '-s', '--format=%ct%n%B', sha]);
    const [time = '0', ...body] = shown.stdout.split('\n');
    const record = parseRecord(body.join('\n'));
    const expires = record ? new Date(record.expires) : new Date(Number(time) * 1000 + DEFAULT_TTL_MS);
    return { remote, ref, sha, record, expires };
  }
  throw new RefusedError(
    `the lock of target ${target} on git remote ${remote.remote} keeps changing; nothing was done`,
    { hint: lockHint(target) },
  );
}

function lockHint(target: string): string {
  return `apply locks the target on the config repository's remote (ref ${lockRef(target)}) so that applies from other checkouts wait for each other: check that this checkout can fetch from and push to it; set KZOPS_SHARED_LOCK=off to go without (then make sure no other apply of ${target} runs)`;
}

async function makeLockCommit(top: string, record: SharedLockRecord): Promise<string> {
  const tree = await runGit(top, ['mktree']);
  if (tree.code !== 0) throw new Error(`git mktree: ${gitProblem(tree)}`);
  const message = `kzops lock ${record.target}: ${record.holder} on ${record.host}\n\n${JSON.stringify(record)}\n`;
  const commit = await runGit(top, ['commit-tree', tree.stdout.trim(), '-F', '-'], {
    input: message,
    env: COMMIT_IDENTITY,
  });
  if (commit.code !== 0) throw new Error(`git commit-tree: ${gitProblem(commit)}`);
  return commit.stdout.trim();
}

type PushOutcome = { ok: true } | { ok: false; rejected: string } | { ok: false; error: string };

/**
 * Sets the remote's `ref` to `sha` (or deletes it, for `sha` ''), only if it is now `expect`
 * ('' for "absent"). Hooks are not run: the lock ref is not a branch anyone pushes to.
 */
async function pushRef(remote: LockRemote, ref: string, sha: string, expect: string): Promise<PushOutcome> {
  const res = await runGit(remote.top, [
    'push',
    '--porcelain',
    '--no-verify',
    `--force-with-lease=${ref}:${expect}`,
    remote.remote,
    `${sha}:${ref}`,
  ]);
  const line = res.stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${ref}`));
  if (line === undefined) return { ok: false, error: gitProblem(res) };
  if (line.startsWith('!')) return { ok: false, rejected: line.split('\t')[2] ?? 'rejected' };
  return { ok: true };
}

function pushSync(remote: LockRemote, ref: string, sha: string, expect: string): void {
  execFileSync(
    'git',
    ['push', '--quiet', '--no-verify', `--force-with-lease=${ref}:${expect}`, remote.remote, `${sha}:${ref}`],
    { cwd: remote.top, stdio: 'ignore', timeout: 5_000, env: { ...process.env, LC_ALL: 'C' } },
  );
}

/**
 * Deletes the remote's lock if it is still `state` (a lease on its commit). False when it
 * changed meanwhile; throws RefusedError when git cannot reach the remote.
 */
export async function removeSharedLock(state: SharedLockState): Promise<boolean> {
  const res = await pushRef(state.remote, state.ref, '', state.sha);
  if ('error' in res) {
    throw new RefusedError(
      `cannot remove the lock on git remote ${state.remote.remote} (${state.remote.url}): ${res.error}`,
    );
  }
  return res.ok;
}

/** Whether the lock on the remote is known to be over: past its expiry, or its process gone here. */
export function sharedLockIsStale(state: SharedLockState, now = Date.now()): 'expired' | 'dead' | undefined {
  if (now > state.expires.getTime()) return 'expired';
  const r = state.record;
  if (r && r.host === hostname() && !alive(r.pid)) return 'dead';
  return undefined;
}

/**
 * Takes the lock of `target` on `remote`, waiting up to `timeoutMs` for another holder.
 * Throws RefusedError (exit 5) naming the holder when it stays taken, or when git cannot
 * reach the remote.
 */
export async function acquireSharedLock(
  remote: LockRemote,
  target: string,
  opts: SharedLockOptions,
): Promise<SharedLock> {
  const env = opts.env ?? process.env;
  const report = opts.report ?? stderrReport;
  const ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  const renewMs = opts.renewMs ?? Math.floor(ttlMs / 5);
  const deadline = Date.now() + opts.timeoutMs;
  const ref = lockRef(target);
  const base = {
    kzops_lock: 1 as const,
    target,
    holder: await identity(remote.top, env),
    host: hostname(),
    pid: process.pid,
    command: opts.command,
  };
  const url = runUrl(env);
  const recordAt = (started: Date, now: Date): SharedLockRecord => {
    return {
      ...base,
      started: started.toISOString(),
      renewed: now.toISOString(),
      expires: new Date(now.getTime() + ttlMs).toISOString(),
      ...(url === undefined ? {} : { run_url: url }),
      nonce: randomBytes(6).toString('hex'),
    };
  };
  const cannot = (why: string) =>
    new RefusedError(
      `cannot take the lock of target ${target} on git remote ${remote.remote} (${remote.url}): ${why}; nothing was done`,
      { hint: lockHint(target) },
    );

  const newCommit = async (): Promise<{ sha: string; record: SharedLockRecord }> => {
    const now = new Date();
    const record = recordAt(now, now);
    try {
      return { sha: await makeLockCommit(remote.top, record), record };
    } catch (err) {
      throw cannot((err as Error).message);
    }
  };
  const hold = (mine: { sha: string; record: SharedLockRecord }) =>
    holdLock(remote, ref, mine.sha, mine.record, { renewMs, report, recordAt });

  let waitingSaid = false;
  let vanished = 0;
  // The lock as last seen on the remote; undefined: free, so try to take it.
  let current: SharedLockState | undefined;
  for (;;) {
    if (current === undefined) {
      const mine = await newCommit();
      const taken = await pushRef(remote, ref, mine.sha, '');
      if (taken.ok) return hold(mine);
      if ('error' in taken) throw cannot(taken.error);
      current = await readSharedLock(remote, target);
      if (current === undefined) {
        // Released between our push and our look; a remote that refuses the ref altogether
        // looks the same, so not forever.
        if (++vanished >= 3) throw cannot(`the remote rejected the ref (${taken.rejected})`);
        continue;
      }
      vanished = 0;
    }
    if (sharedLockIsStale(current) === 'expired') {
      const mine = await newCommit();
      const over = await pushRef(remote, ref, mine.sha, current.sha);
      if (over.ok) {
        report(
          `warning: took over a stale shared lock of target ${target} on ${remote.remote} from ${describeHolder(current)}: it expired at ${current.expires.toISOString()} (its apply stopped without releasing it?)`,
        );
        return hold(mine);
      }
      if ('error' in over) throw cannot(over.error);
      // Someone else took it over (or it was renewed, or released) first: look again.
      current = await readSharedLock(remote, target);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new RefusedError(
        `target ${target} is locked by ${describeHolder(current)}: a shared lock on git remote ${remote.remote} (${lockRef(target)}); nothing was done`,
        {
          hint: `wait for that apply to finish (--lock-timeout SECONDS waits for it); unless renewed, the lock expires at ${current.expires.toISOString()}; if that apply is gone, kzops lock release --target ${target} --force removes it`,
        },
      );
    }
    if (!waitingSaid) {
      waitingSaid = true;
      report(
        `target ${target} is locked by ${describeHolder(current)}; waiting up to ${Math.ceil((deadline - Date.now()) / 1000)} s`,
      );
    }
    await delay(Math.min(opts.pollMs ?? DEFAULT_POLL_MS, Math.max(1, deadline - Date.now())));
    // Waiting only reads the remote (ls-remote; the commit is fetched when it changed).
    current = await readSharedLock(remote, target);
  }
}

function holdLock(
  remote: LockRemote,
  ref: string,
  firstSha: string,
  first: SharedLockRecord,
  opts: {
    renewMs: number;
    report: (line: string) => void;
    recordAt: (started: Date, now: Date) => SharedLockRecord;
  },
): SharedLock {
  const started = new Date(first.started);
  let sha = firstSha;
  let expires = first.expires;
  let lost = false;
  let released = false;
  let failedRenewals = 0;
  // The renewal under way, if any: the release waits for it.
  let queue: Promise<void> = Promise.resolve();

  const whoHasIt = async (): Promise<string> => {
    const now = await readSharedLock(remote, first.target).catch(() => undefined);
    return now === undefined ? 'nobody holds it now' : `now held by ${describeHolder(now)}`;
  };

  const renew = async (): Promise<void> => {
    if (lost || released) return;
    const record = opts.recordAt(started, new Date());
    let next: string;
    try {
      next = await makeLockCommit(remote.top, record);
    } catch (err) {
      opts.report(
        `warning: could not renew the shared lock of target ${first.target}: ${(err as Error).message}`,
      );
      return;
    }
    const res = await pushRef(remote, ref, next, sha);
    if (res.ok) {
      sha = next;
      expires = record.expires;
      failedRenewals = 0;
    } else if ('rejected' in res) {
      lost = true;
      clearInterval(timer);
      opts.report(
        `warning: the shared lock of target ${first.target} on ${remote.remote} is no longer held by this apply (it was removed or taken over; ${await whoHasIt()}): another apply may be running at the same time`,
      );
    } else if (++failedRenewals === 1) {
      opts.report(
        `warning: could not renew the shared lock of target ${first.target} on ${remote.remote} (${res.error}); it expires at ${expires} unless a later renewal gets through`,
      );
    }
  };

  // One renewal at a time: a tick that finds one still under way (a slow remote) is skipped.
  let renewing = false;
  const timer =
    opts.renewMs > 0
      ? setInterval(() => {
          if (renewing) return;
          renewing = true;
          queue = renew()
            .catch(() => undefined)
            .finally(() => {
              renewing = false;
            });
        }, opts.renewMs)
      : undefined;
  timer?.unref();

  return {
    remote,
    ref,
    get sha() {
      return sha;
    },
    release: async () => {
      if (released) return;
      clearInterval(timer);
      await queue.catch(() => undefined);
      released = true;
      if (lost) return;
      const res = await pushRef(remote, ref, '', sha);
      if (res.ok) return;
      if ('rejected' in res) {
        opts.report(
          `warning: the shared lock of target ${first.target} on ${remote.remote} was no longer held by this apply (${await whoHasIt()}); left as it is`,
        );
      } else {
        opts.report(
          `warning: could not release the shared lock of target ${first.target} on ${remote.remote}: ${res.error}; it expires at ${expires}, or remove it with kzops lock release --target ${first.target}`,
        );
      }
    },
    releaseSync: () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (lost) return;
      try {
        pushSync(remote, ref, '', sha);
      } catch {
        // Exiting anyway: the lock expires on its own.
      }
    },
  };
}

/** The locks of an apply: the checkout's lock file and, when there is a remote, the shared lock. */
export interface ApplyLocks extends Lock {
  shared: SharedLock | undefined;
  /** Removes both at once, for a last-moment exit (a second Ctrl-C). */
  releaseSync(): void;
}

/**
 * Takes the target's local lock, then (for a server, not a simulator) its shared lock on the
 * config repository's remote, both within `timeoutMs`. Without a remote it reports that no
 * shared lock protects this apply. Release drops the shared lock, then the local one.
 */
export async function acquireApplyLocks(
  choice: { workDir: string; sim: boolean; policy: { name: string } },
  dir: string,
  opts: Omit<SharedLockOptions, 'ttlMs' | 'renewMs'>,
): Promise<ApplyLocks> {
  const target = choice.policy.name;
  const report = opts.report ?? stderrReport;
  const deadline = Date.now() + opts.timeoutMs;
  const local = await acquireLock(lockPath(choice.workDir, target), target, {
    timeoutMs: opts.timeoutMs,
    command: opts.command,
    report,
  });
  const localOnly = (): ApplyLocks => ({
    path: local.path,
    shared: undefined,
    release: () => local.release(),
    releaseSync: () => removeOwnLockFileSync(local.path),
  });
  if (choice.sim) return localOnly();
  let shared: SharedLock;
  try {
    const found = await findLockRemote(dir, opts.env ?? process.env);
    if ('none' in found) {
      report(
        `warning: no shared lock protects this apply of target ${target}: ${found.none}, so an apply of it from another checkout or machine could run at the same time`,
      );
      return localOnly();
    }
    shared = await acquireSharedLock(found.remote, target, {
      ...opts,
      report,
      timeoutMs: Math.max(0, deadline - Date.now()),
    });
  } catch (err) {
    await local.release();
    throw err;
  }
  return {
    path: local.path,
    shared,
    release: async () => {
      try {
        await shared.release();
      } finally {
        await local.release();
      }
    },
    releaseSync: () => {
      shared.releaseSync();
      removeOwnLockFileSync(local.path);
    },
  };
}
