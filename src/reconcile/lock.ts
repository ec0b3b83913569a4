/**
 * One apply per target at a time, on this machine: a lock file `.kzops/locks/<target>.lock`
 * beside the config, created exclusively (O_EXCL) and removed when the apply ends. A second
 * apply waits up to its timeout for the first to finish, then refuses (exit 5) naming the
 * holder. A lock left by a process that died on this host is taken over.
 *
 * The lock file lives in the checkout, so it cannot see an apply running from another
 * clone or machine; CI should serialise applies per target (a workflow concurrency group).
 * The stale-plan check of a saved plan still catches what such a run changed.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { RefusedError } from '../core/errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601. */
  since: string;
  command: string;
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

export function lockPath(workDir: string, target: string): string {
  return join(workDir, 'locks', `${target}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      since: String(value.since ?? '?'),
      command: String(value.command ?? '?'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Takes the target's lock, waiting up to `timeoutMs` (0: do not wait) for another holder.
 * Throws RefusedError when it stays taken.
 */
export async function acquireLock(
  path: string,
  target: string,
  opts: { timeoutMs: number; command: string; pollMs?: number },
): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + opts.timeoutMs;
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: opts.command,
  };
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder && holder.host === me.host && !alive(holder.pid)) {
      // Its process is gone: the lock is stale. Remove it and try again.
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`
        : 'another kzops process';
      throw new RefusedError(`target ${target} is locked by ${who}; nothing was done`, {
        hint: `wait for it to finish (or pass --lock-timeout SECONDS to wait); if no kzops is running, remove ${path}`,
      });
    }
    await delay(Math.min(opts.pollMs ?? 200, Math.max(1, deadline - Date.now())));
  }
}
