import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { ask } from '../../cli/support.js';
import { targetFlags } from '../../cli/target-flags.js';
import { RefusedError } from '../../core/errors.js';
import {
  describeLocalHolder,
  inspectLocalLock,
  removeLocalLock,
  type LockHolder,
} from '../../reconcile/lock.js';
import {
  describeHolder,
  readSharedLock,
  removeSharedLock,
  sharedLockIsStale,
  type SharedLockRecord,
} from '../../reconcile/shared-lock.js';
import { lockTarget } from './status.js';

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

export default class LockRelease extends BaseCommand {
  static override summary = "Remove a target's apply lock left by an apply that is gone";
  static override description = `Removes the target's shared lock (the ref refs/kzops/locks/<target> on the config repository's git remote) and its lock file in this checkout (.kzops/locks/<target>.lock), and says whose they were.

A lock whose apply is known to be over (the shared lock is past its expiry, or the holder was a process on this host that is no longer running) is removed as is. A lock that may still be in use needs --force, and a confirmation (or --yes without a terminal): removing the lock of a running apply lets a second one run beside it. A lock that changes while it is being removed (taken by another apply) is left alone.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> lock release --target sandbox',
    '<%= config.bin %> lock release --target sandbox --force --yes',
  ];
  static override flags = {
    ...targetFlags,
    force: Flags.boolean({
      description: 'also remove a lock whose apply may still be running',
      default: false,
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'do not ask for confirmation (needed with --force without a terminal)',
      default: false,
    }),
  };

  async run(): Promise<LockReleaseJson> {
    const { flags } = await this.parseInput(LockRelease);
    const t = await lockTarget(flags);
    const remote = t.remote !== undefined && 'remote' in t.remote ? t.remote.remote : undefined;
    const shared = remote === undefined ? undefined : await readSharedLock(remote, t.target);
    const local = await inspectLocalLock(t.localPath);
    const out = (line: string) => {
      if (!this.jsonEnabled()) this.log(line);
    };
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
      if (!flags.force) {
        throw new RefusedError(
          `target ${t.target} is locked, and its apply may still be running (${live.join('; ')}); nothing was released`,
          {
            hint: `if that apply is gone (a cancelled CI job, a closed laptop), run kzops lock release --target ${t.target} --force`,
          },
        );
      }
      if (!flags.yes) {
        const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
        if (!tty) {
          throw new RefusedError(
            'kzops lock release --force needs --yes when it cannot ask (no terminal); nothing was released',
            { hint: `it would remove ${live.join('; ')}` },
          );
        }
        for (const line of live) process.stdout.write(`  ${line}\n`);
        if (
          !(await ask(
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
}
