/**
 * The checkout's lock file (.kzops/locks/<target>.lock): what is taken over and what is
 * waited for. An empty or unreadable file must not block forever, and one still being
 * written by its holder must not be taken from it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RefusedError } from '../../src/core/errors.js';
import {
  acquireLock,
  inspectLocalLock,
  lockPath,
  removeLocalLock,
  removeOwnLockFileSync,
} from '../../src/reconcile/lock.js';

let work: string;
let path: string;
let said: string[];

const report = (line: string) => said.push(line);
const holderLine = (pid: number) =>
  JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'kzops apply' });
/** A pid that no process has: above Linux's pid_max. */
const GONE_PID = 2 ** 22 + 12345;

async function backdate(file: string, seconds: number): Promise<void> {
  const then = new Date(Date.now() - seconds * 1000);
  await utimes(file, then, then);
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'kzops-lock-'));
  path = lockPath(work, 'lab');
  await mkdir(join(work, 'locks'), { recursive: true });
  said = [];
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the local lock file', () => {
  it('an empty lock file older than the grace period is taken over, and says so', async () => {
    await writeFile(path, '');
    await backdate(path, 60);
    const lock = await acquireLock(path, 'lab', { timeoutMs: 0, command: 'kzops apply', report });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /^warning: took over the lock of target lab \(.*lab\.lock\): the file was empty for 6\d s/,
    );
    await lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('an unreadable lock file older than the grace period is taken over too', async () => {
    await writeFile(path, '{"pid": 12');
    await backdate(path, 30);
    const lock = await acquireLock(path, 'lab', { timeoutMs: 0, command: 'kzops apply', report });
    expect(said.join('\n')).toContain('the file was unreadable for');
    await lock.release();
  });

  it('a fresh empty lock file (a holder between creating and writing it) is not taken: refused at once', async () => {
    await writeFile(path, '');
    const err = await acquireLock(path, 'lab', { timeoutMs: 0, command: 'kzops apply', report }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as RefusedError).message).toMatch(
      /^target lab is locked by another kzops process \(its lock file is empty, \d+ s old\); nothing was done$/,
    );
    expect((err as RefusedError).hint).toContain('kzops lock release --target lab');
    expect(await readFile(path, 'utf8')).toBe('');
    expect(said).toEqual([]);
  });

  it('a fresh empty lock file is waited for: its holder writes it, finishes, and then the lock is ours', async () => {
    await writeFile(path, '');
    const started = Date.now();
    setTimeout(() => void writeFile(path, holderLine(process.pid)), 100);
    setTimeout(() => void unlink(path), 400);
    const lock = await acquireLock(path, 'lab', {
      timeoutMs: 5_000,
      command: 'kzops apply',
      pollMs: 20,
      graceMs: 60_000,
      report,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    // Nothing was taken over: the holder finished on its own.
    expect(said).toEqual([]);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('an empty lock file that stays empty is taken over once it is older than the grace period', async () => {
    await writeFile(path, '');
    const lock = await acquireLock(path, 'lab', {
      timeoutMs: 5_000,
      command: 'kzops apply',
      pollMs: 20,
      graceMs: 300,
      report,
    });
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('the file was empty for');
    await lock.release();
  });

  it('a lock whose process is gone from this host is taken over, naming it', async () => {
    await writeFile(path, holderLine(GONE_PID));
    const lock = await acquireLock(path, 'lab', { timeoutMs: 0, command: 'kzops apply', report });
    expect(said).toEqual([
      `warning: took over the lock of target lab (${path}): its holder, kzops apply (pid ${GONE_PID} on ${hostname()}, since 2026-01-01T00:00:00.000Z), is no longer running`,
    ]);
    await lock.release();
  });

  it('a live holder is not taken over: refused naming it', async () => {
    await writeFile(path, holderLine(process.pid));
    await backdate(path, 3600);
    await expect(acquireLock(path, 'lab', { timeoutMs: 0, command: 'kzops apply', report })).rejects.toThrow(
      `target lab is locked by kzops apply (pid ${process.pid} on ${hostname()}`,
    );
    expect(said).toEqual([]);
  });

  it('removing a stale lock never removes a newer one put there meanwhile', async () => {
    await writeFile(path, '');
    await backdate(path, 60);
    const seen = await inspectLocalLock(path);
    expect(seen?.status).toBe('abandoned');
    // Another kzops takes the lock over first and writes its own.
    await unlink(path);
    await writeFile(path, holderLine(process.pid));
    expect(await removeLocalLock(seen!)).toBe(false);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    // Nothing is left beside it.
    expect(await readdir(join(work, 'locks'))).toEqual(['lab.lock']);
  });

  it('the last-moment removal only removes a lock file of this process', async () => {
    await writeFile(path, holderLine(GONE_PID));
    removeOwnLockFileSync(path);
    expect(existsSync(path)).toBe(true);
    await writeFile(path, holderLine(process.pid));
    removeOwnLockFileSync(path);
    expect(existsSync(path)).toBe(false);
  });
});
