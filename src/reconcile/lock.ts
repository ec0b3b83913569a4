/**
 * One apply per target at a time, in this checkout: a lock file `.kzops/locks/<target>.lock`
 * beside the config, created exclusively (O_EXCL) and removed when the apply ends. A second
 * apply waits up to its timeout for the first to finish, then refuses (exit 5) naming the
 * holder. A lock left by a process that died on this host is taken over, and so is a lock file
 * that stayed empty or unreadable past a short grace period (its writer died between creating
 * it and writing it); both say so.
 *
 * The lock file lives in the checkout, so it cannot see an apply running from another clone
 * or machine: for that, apply also takes a lock on the config repository's git remote (see
 * shared-lock.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
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

export interface AcquireLockOptions {
  /** How long to wait for another holder (0: do not wait). */
  timeoutMs: number;
  command: string;
  pollMs?: number;
  /**
   * How old an empty or unreadable lock file must be before it counts as abandoned. A holder
   * writes its line right after creating the file, so a few seconds is plenty.
   */
  graceMs?: number;
  /** Told about a lock taken over (one line, no newline). Default: stderr as a warning. */
  report?: (line: string) => void;
}

/** How long an empty or unreadable lock file is taken for one being written. */
export const EMPTY_LOCK_GRACE_MS = 10_000;

export function lockPath(workDir: string, target: string): string {
  return join(workDir, 'locks', `${target}.lock`);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const stderrReport = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    if (typeof value?.pid !== 'number' || typeof value.host !== 'string') return undefined;
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

/** What a lock file holds, as found. */
export interface LocalLockState {
  path: string;
  /** Undefined when the file is empty or not a holder line. */
  holder: LockHolder | undefined;
  /** `empty` or `unreadable` when there is no holder. */
  content: 'holder' | 'empty' | 'unreadable';
  ageMs: number;
  /**
   * `held`: a live holder (or one on another host, which cannot be checked); `dead`: its
   * process on this host is gone; `abandoned`: empty or unreadable past the grace period;
   * `being-written`: empty or unreadable, but younger than that.
   */
  status: 'held' | 'dead' | 'abandoned' | 'being-written';
  /** Identifies this very file, so a takeover never removes a newer one. */
  identity: string;
}

/** The lock file at `path`, or undefined when there is none. */
export async function inspectLocalLock(
  path: string,
  graceMs = EMPTY_LOCK_GRACE_MS,
): Promise<LocalLockState | undefined> {
  let text: string;
  let identity: string;
  let mtimeMs: number;
  try {
    const st = await stat(path, { bigint: true });
    identity = `${st.ino}:${st.mtimeNs}`;
    mtimeMs = Number(st.mtimeMs);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const holder = parseHolder(text);
  const ageMs = Math.max(0, Date.now() - mtimeMs);
  const content = holder ? 'holder' : text.trim() === '' ? 'empty' : 'unreadable';
  let status: LocalLockState['status'];
  if (holder) status = holder.host === hostname() && !alive(holder.pid) ? 'dead' : 'held';
  else status = ageMs >= graceMs ? 'abandoned' : 'being-written';
  return { path, holder, content, ageMs, status, identity };
}

/**
 * Removes the lock file if it is still the one `seen` described: it is first moved aside, so
 * that a lock another process created meanwhile is put back rather than deleted.
 */
export async function removeLocalLock(seen: LocalLockState): Promise<boolean> {
  const aside = `${seen.path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(seen.path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const st = await stat(aside, { bigint: true });
  if (`${st.ino}:${st.mtimeNs}` === seen.identity) {
    await unlink(aside).catch(() => undefined);
    return true;
  }
  // Someone took the lock between our look and the move: give it back (unless yet another
  // process has created one since, which then holds it).
  await link(aside, seen.path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return false;
}

export function describeLocalHolder(state: LocalLockState): string {
  if (state.holder) {
    const { holder } = state;
    return `${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
  }
  return `another kzops process (its lock file is ${state.content}, ${Math.round(state.ageMs / 1000)} s old)`;
}

/**
 * Removes this process's own lock file at once, for a last-moment exit (a second Ctrl-C):
 * only when the file names this process.
 */
export function removeOwnLockFileSync(path: string): void {
  try {
    const holder = parseHolder(readFileSync(path, 'utf8'));
    if (holder?.pid === process.pid && holder.host === hostname()) unlinkSync(path);
  } catch {
    // gone already, or unreadable: nothing of ours to remove
  }
}

/**
 * Takes the target's lock, waiting up to `timeoutMs` (0: do not wait) for another holder.
 * Throws RefusedError when it stays taken.
 */
export async function acquireLock(path: string, target: string, opts: AcquireLockOptions): Promise<Lock> {
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + opts.timeoutMs;
  const graceMs = opts.graceMs ?? EMPTY_LOCK_GRACE_MS;
  const report = opts.report ?? stderrReport;
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
    const seen = await inspectLocalLock(path, graceMs);
    if (seen === undefined) continue; // released meanwhile: try again at once
    if (seen.status === 'dead' || seen.status === 'abandoned') {
      if (await removeLocalLock(seen)) {
        report(
          seen.status === 'dead'
            ? `warning: took over the lock of target ${target} (${path}): its holder, ${describeLocalHolder(seen)}, is no longer running`
            : `warning: took over the lock of target ${target} (${path}): the file was ${seen.content} for ${Math.round(seen.ageMs / 1000)} s (a kzops that stopped while taking it)`,
        );
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new RefusedError(`target ${target} is locked by ${describeLocalHolder(seen)}; nothing was done`, {
        hint: `wait for it to finish (or pass --lock-timeout SECONDS to wait); if no kzops is running, kzops lock release --target ${target} removes it`,
      });
    }
    await delay(Math.min(opts.pollMs ?? 200, Math.max(1, deadline - Date.now())));
  }
}
