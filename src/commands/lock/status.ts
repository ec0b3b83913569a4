import { BaseCommand } from '../../cli/base-command.js';
import { prepareConnection } from '../../cli/connect.js';
import { targetFlags } from '../../cli/target-flags.js';
import { describeLocalHolder, inspectLocalLock, lockPath, type LockHolder } from '../../reconcile/lock.js';
import {
  describeHolder,
  findLockRemote,
  lockRef,
  readSharedLock,
  sharedLockIsStale,
  type LockRemote,
  type SharedLockRecord,
  type SharedLockState,
} from '../../reconcile/shared-lock.js';

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

export async function lockTarget(flags: {
  dir?: string | undefined;
  target?: string | undefined;
}): Promise<LockTarget> {
  const dir = flags.dir ?? 'config';
  // The same choice of target as apply; no connection is made, so the target's API key is not
  // needed (KZOPS_API_KEY stands in for it and is never used).
  const prepared = await prepareConnection({
    dir: flags.dir,
    target: flags.target,
    env: { ...process.env, KZOPS_API_KEY: process.env.KZOPS_API_KEY || 'unused-by-kzops-lock' },
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

export async function readLocks(
  t: LockTarget,
): Promise<{ shared: SharedLockState | undefined; json: LockStatusJson }> {
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

export default class LockStatus extends BaseCommand {
  static override summary = "Show who holds a target's apply lock";
  static override description = `An apply takes two locks on its target: a lock file in this checkout (.kzops/locks/<target>.lock) and, when the config directory is in a git repository with a remote, a ref on that remote (refs/kzops/locks/<target>) that every clone and CI runner sees. This shows both: who holds them, on which host, since when, and when the shared one expires unless its apply renews it.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> lock status --target sandbox',
    '<%= config.bin %> lock status --json',
  ];
  static override flags = { ...targetFlags };

  async run(): Promise<LockStatusJson> {
    const { flags } = await this.parseInput(LockStatus);
    const t = await lockTarget(flags);
    const { shared, json } = await readLocks(t);
    if (!this.jsonEnabled()) {
      const lines = [`Target ${t.target}:`];
      const s = json.shared;
      if (s.remote === null) lines.push(`  shared lock: none (${s.reason})`);
      else if (shared === undefined) lines.push(`  shared lock (${s.remote}, ${s.ref}): free`);
      else {
        const state = s.expired
          ? `expired at ${s.expires ?? '?'}`
          : `expires at ${s.expires ?? '?'} unless renewed`;
        const gone = s.holder_gone ? '; its process is no longer running' : '';
        lines.push(
          `  shared lock (${s.remote}, ${s.ref}): held by ${describeHolder(shared)}; ${state}${gone}`,
        );
      }
      const local = await inspectLocalLock(t.localPath);
      lines.push(
        local === undefined
          ? `  local lock (${t.localPath}): free`
          : `  local lock (${t.localPath}): held by ${describeLocalHolder(local)}${local.status === 'dead' ? '; its process is no longer running' : local.status === 'abandoned' ? '; abandoned' : ''}`,
      );
      this.log(lines.join('\n'));
    }
    return json;
  }
}
