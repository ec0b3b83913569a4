/**
 * The lock commands as services: which target's locks (the lock file of this checkout and the
 * ref on the config repository's git remote), who holds them, and releasing them.
 */
import { RefusedError } from '../core/errors.js';
import {
  describeLocalHolder,
  inspectLocalLock,
  lockPath,
  removeLocalLock,
  type LockHolder,
} from '../reconcile/lock.js';
import {
  describeHolder,
  findLockRemote,
  lockRef,
  readSharedLock,
  removeSharedLock,
  sharedLockIsStale,
  type LockRemote,
  type SharedLockRecord,
  type SharedLockState,
} from '../reconcile/shared-lock.js';
import { prepareConnection } from './connect.js';
import type { Ui } from './ui.js';

export interface LockStatusJson {
  target: string;
  /** The lock on the config repository's git remote; `remote: null` and a reason when there is none. */
  shared:
    | {
        remote: string;
        url: string;
        ref: string;
        held: boolean;
        sha?: string;
        holder?: SharedLockRecord | null;
        expires?: string;
        expired?: boolean;
        /** Its process is known to be gone (same host, no such pid). */
        holder_gone?: boolean;
      }
    | { remote: null; reason: string };
  /** The lock file in this checkout (.kzops/locks/<target>.lock). */
  local: {
    path: string;
    held: boolean;
    holder?: LockHolder | null;
    /** `held`, `dead` (its process is gone), `abandoned` or `being-written` (empty or unreadable). */
    status?: string;
  };
}

/** What the lock commands need: the target, where its locks are, and whether it is a simulator. */
export interface LockTarget {
  target: string;
  dir: string;
  workDir: string;
  sim: boolean;
  localPath: string;
  /** Undefined for a simulator target. */
  remote: { remote: LockRemote } | { none: string } | undefined;
}

export async function lockTarget(opts: {
  dir?: string | undefined;
  target?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<LockTarget> {
  const dir = opts.dir ?? 'config';
  const env = opts.env ?? process.env;
  // The same choice of target as apply; no connection is made, so the target's API key is not
  // needed (KZOPS_API_KEY stands in for it and is never used).
  const prepared = await prepareConnection({
    dir: opts.dir,
    target: opts.target,
    env: { ...env, KZOPS_API_KEY: env.KZOPS_API_KEY || 'unused-by-kzops-lock' },
  });
  const target = prepared.policy.name;
  return {
    target,
    dir,
    workDir: prepared.workDir,
    sim: prepared.sim,
    localPath: lockPath(prepared.workDir, target),
    remote: prepared.sim ? undefined : await findLockRemote(dir),
  };
}

export async function readLocks(t: LockTarget): Promise<{
  shared: SharedLockState | undefined;
  local: Awaited<ReturnType<typeof inspectLocalLock>>;
  json: LockStatusJson;
}> {
  let shared: SharedLockState | undefined;
  let sharedJson: LockStatusJson['shared'];
  if (t.remote === undefined) {
    sharedJson = {
      remote: null,
      reason: `target ${t.target} is a simulator: its documents are in this checkout`,
    };
  } else if ('none' in t.remote) {
    sharedJson = { remote: null, reason: t.remote.none };
  } else {
    const { remote } = t.remote;
    shared = await readSharedLock(remote, t.target);
    const stale = shared === undefined ? undefined : sharedLockIsStale(shared);
    sharedJson = {
      remote: remote.remote,
      url: remote.url,
      ref: lockRef(t.target),
      held: shared !== undefined,
      ...(shared === undefined
        ? {}
        : {
            sha: shared.sha,
            holder: shared.record ?? null,
            expires: shared.expires.toISOString(),
            expired: stale === 'expired',
            holder_gone: stale === 'dead',
          }),
    };
  }
  const local = await inspectLocalLock(t.localPath);
  return {
    shared,
    local,
    json: {
      target: t.target,
      shared: sharedJson,
      local: {
        path: t.localPath,
        held: local !== undefined,
        ...(local === undefined ? {} : { holder: local.holder ?? null, status: local.status }),
      },
    },
  };
}

export interface LockReleaseJson {
  target: string;
  released: (
    | {
        lock: 'shared';
        remote: string;
        ref: string;
        sha: string;
        holder: SharedLockRecord | null;
        why: string;
      }
    | { lock: 'local'; path: string; holder: LockHolder | null; why: string }
  )[];
}

export interface ReleaseOptions {
  dir?: string | undefined;
  target?: string | undefined;
  /** Also remove a lock whose apply may still be running. */
  force: boolean;
  /** Do not ask (needed with `force` without a terminal). */
  yes: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Removes the target's locks; prints what it removed (and, before asking, what it would). */
export async function releaseLocks(opts: ReleaseOptions, ui: Ui): Promise<LockReleaseJson> {
  const t = await lockTarget(opts);
  const remote = t.remote !== undefined && 'remote' in t.remote ? t.remote.remote : undefined;
  const shared = remote === undefined ? undefined : await readSharedLock(remote, t.target);
  const local = await inspectLocalLock(t.localPath);
  const out = (line: string) => ui.out(line);
  const result: LockReleaseJson = { target: t.target, released: [] };
  if (shared === undefined && local === undefined) {
    out(`Target ${t.target} is not locked.`);
    return result;
  }

  const sharedStale = shared === undefined ? undefined : sharedLockIsStale(shared);
  const live: string[] = [];
  if (shared !== undefined && sharedStale === undefined) {
    live.push(`the shared lock on ${shared.remote.remote}: ${describeHolder(shared)}`);
  }
  if (local !== undefined && (local.status === 'held' || local.status === 'being-written')) {
    live.push(`the lock file ${local.path}: ${describeLocalHolder(local)}`);
  }
  if (live.length > 0) {
    if (!opts.force) {
      throw new RefusedError(
        `target ${t.target} is locked, and its apply may still be running (${live.join('; ')}); nothing was released`,
        {
          hint: `if that apply is gone (a cancelled CI job, a closed laptop), run kzops lock release --target ${t.target} --force`,
        },
      );
    }
    if (!opts.yes) {
      if (!ui.interactive) {
        throw new RefusedError(
          'kzops lock release --force needs --yes when it cannot ask (no terminal); nothing was released',
          { hint: `it would remove ${live.join('; ')}` },
        );
      }
      for (const line of live) ui.out(`  ${line}`);
      if (
        !(await ui.confirm(
          `Remove the lock of target ${t.target}? An apply still holding it would go on unprotected.`,
        ))
      ) {
        throw new RefusedError('not confirmed; nothing was released');
      }
    }
  }

  if (shared !== undefined) {
    if (!(await removeSharedLock(shared))) {
      const now = await readSharedLock(shared.remote, t.target);
      throw new RefusedError(
        `the shared lock of target ${t.target} changed while it was being released (${now === undefined ? 'it is gone' : `now held by ${describeHolder(now)}`}); it was left alone`,
        { hint: `look again with kzops lock status --target ${t.target}` },
      );
    }
    const why =
      sharedStale === 'expired'
        ? `expired at ${shared.expires.toISOString()}`
        : sharedStale === 'dead'
          ? 'its process is no longer running'
          : 'forced';
    out(
      `Released the shared lock of target ${t.target} on ${shared.remote.remote}, held by ${describeHolder(shared)} (${why}).`,
    );
    result.released.push({
      lock: 'shared',
      remote: shared.remote.remote,
      ref: shared.ref,
      sha: shared.sha,
      holder: shared.record ?? null,
      why,
    });
  }
  if (local !== undefined) {
    if (await removeLocalLock(local)) {
      const why =
        local.status === 'dead'
          ? 'its process is no longer running'
          : local.status === 'abandoned'
            ? `it was ${local.content}`
            : 'forced';
      out(`Removed the lock file ${local.path}, held by ${describeLocalHolder(local)} (${why}).`);
      result.released.push({ lock: 'local', path: local.path, holder: local.holder ?? null, why });
    } else {
      out(
        `The lock file ${local.path} changed while it was being removed (another apply took it); left alone.`,
      );
    }
  }
  return result;
}
