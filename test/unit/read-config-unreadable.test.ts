/**
 * A file the reader may not open, and a folder it may not list, come back as entries that say
 * so. Tests usually run as root, which reads a chmod 000 file anyway, so the permission error
 * is injected into node:fs here; the chmod test runs only where it means something.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** Paths whose open (or listing) fails with EACCES, as for a file or folder without read permission. */
const denied = new Set<string>();

function eacces(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EACCES: permission denied, ${syscall} '${path}'`), {
    code: 'EACCES',
    errno: -13,
    syscall,
    path,
  });
}

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const openSync = (path: import('node:fs').PathLike, ...rest: unknown[]): number => {
    if (denied.has(String(path))) throw eacces('open', String(path));
    return (real.openSync as (...a: unknown[]) => number)(path, ...rest);
  };
  const readdirSync = (path: import('node:fs').PathLike, ...rest: unknown[]): unknown => {
    if (denied.has(String(path))) throw eacces('scandir', String(path));
    return (real.readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  };
  return { ...real, default: { ...real, openSync, readdirSync }, openSync, readdirSync };
});

const { readConfigDir, DEFAULT_LIMITS } = await import('../../src/config/read-config-dir.js');

const isRoot = process.getuid?.() === 0;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-read-denied-'));
  await mkdir(join(dir, 'carrier_sbcs'));
  await mkdir(join(dir, 'media_servers'));
  await writeFile(join(dir, 'targets.yaml'), 'targets:\n  local:\n    url: sim\n');
  await writeFile(join(dir, 'carrier_sbcs', 'ok.yaml'), 'name: OK\n');
  await writeFile(join(dir, 'carrier_sbcs', 'locked.yaml'), 'name: Locked\n');
  await writeFile(join(dir, 'media_servers', 'ny2.yaml'), 'name: NY2\n');
});

afterAll(async () => {
  denied.clear();
  await chmod(join(dir, 'carrier_sbcs', 'locked.yaml'), 0o644).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('readConfigDir: unreadable entries', () => {
  it('returns a file it may not open as an entry with the error, not as a missing file', async () => {
    denied.add(join(dir, 'carrier_sbcs', 'locked.yaml'));
    try {
      const files = await readConfigDir(dir, DEFAULT_LIMITS);
      expect(files.map((f) => f.path)).toEqual([
        'carrier_sbcs/locked.yaml',
        'carrier_sbcs/ok.yaml',
        'media_servers/ny2.yaml',
        'targets.yaml',
      ]);
      expect(files[0]).toEqual({
        path: 'carrier_sbcs/locked.yaml',
        text: '',
        unusable: { reason: 'unreadable', error: 'EACCES' },
      });
      expect(files[1]?.text).toBe('name: OK\n');
    } finally {
      denied.clear();
    }
  });

  it('returns a kind folder it may not list, so its resources are not taken for deleted', async () => {
    denied.add(join(dir, 'media_servers'));
    try {
      const files = await readConfigDir(dir, DEFAULT_LIMITS);
      const entry = files.find((f) => f.path === 'media_servers');
      expect(entry?.unusable).toEqual({ reason: 'unreadable', error: 'EACCES' });
      expect(files.some((f) => f.path === 'media_servers/ny2.yaml')).toBe(false);
    } finally {
      denied.clear();
    }
  });

  it.skipIf(isRoot)(
    'a chmod 000 file is an unreadable entry (skipped as root: root reads a chmod 000 file anyway)',
    async () => {
      const locked = join(dir, 'carrier_sbcs', 'locked.yaml');
      await chmod(locked, 0o000);
      try {
        const files = await readConfigDir(dir, DEFAULT_LIMITS);
        expect(files.find((f) => f.path === 'carrier_sbcs/locked.yaml')?.unusable).toEqual({
          reason: 'unreadable',
          error: 'EACCES',
        });
      } finally {
        await chmod(locked, 0o644);
      }
    },
  );
});
