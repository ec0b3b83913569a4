/**
 * Atomic file replacement: write a temporary file beside the target, fsync it, rename it over
 * the target, fsync the directory. A crash or a SIGKILL at any moment leaves either the old or
 * the new complete file, never a torn one.
 *
 * Neutral ground: the simulator's state (src/sim/persist.ts) and the reconciler's state files
 * (src/reconcile/state-file.ts) both use it, and neither depends on the other. Not in src/core:
 * it is I/O.
 */
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let tmpCounter = 0;

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable. Best effort: some platforms cannot open a directory.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* not supported here; the rename is still atomic */
  }
}

export interface AtomicWriteOptions {
  /**
   * `private` (the default): a new file is owner-only (0600), for kzops' own state.
   * `shared`: the mode of the file replaced is kept, and a new file gets the usual mode
   * (0666 less the umask), for files people commit such as exported config.
   */
  mode?: 'private' | 'shared';
  /**
   * The temporary file's name beside the target (default `<name>.tmp-<pid>-<n>`, which
   * removeStaleTempFiles knows). Export uses a dot file without a .yaml ending, so a leftover
   * is never read as config.
   */
  tmpName?: (name: string, unique: string) => string;
}

/** Atomically replaces `path` with `text`. */
export async function writeFileAtomic(
  path: string,
  text: string,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const unique = `${process.pid}-${++tmpCounter}`;
  const tmp = opts.tmpName
    ? join(dirname(path), opts.tmpName(basename(path), unique))
    : `${path}.tmp-${unique}`;
  const keep =
    opts.mode === 'shared'
      ? await stat(path).then(
          (s) => s.mode & 0o777,
          () => undefined,
        )
      : undefined;
  try {
    const handle = await open(tmp, 'w', opts.mode === 'shared' ? 0o666 : 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      if (keep !== undefined) await handle.chmod(keep);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Removes the temporary files (`<state>.tmp-<pid>-<n>`, see writeFileAtomic) that a process
 * killed between write and rename left beside `path`. Files of a process that still runs are
 * left alone: it may be about to rename one. Returns how many were removed.
 */
export async function removeStaleTempFiles(path: string): Promise<number> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0; // no directory yet: nothing left over
  }
  let removed = 0;
  for (const name of names) {
    const pid = /^(\d+)-\d+$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '')?.[1];
    if (pid === undefined || processRuns(Number(pid))) continue;
    await unlink(join(dir, name)).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it runs, as another user
  }
}
