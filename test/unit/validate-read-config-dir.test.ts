import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import { UsageError } from '../../src/core/errors.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-read-'));
  await mkdir(join(dir, 'carrier_sbcs'));
  await mkdir(join(dir, 'media_servers', 'deep'), { recursive: true });
  await writeFile(join(dir, 'targets.yaml'), 'targets: {}\n');
  await writeFile(join(dir, 'README.md'), '# not YAML\n');
  await writeFile(join(dir, 'carrier_sbcs', 'b.yaml'), 'name: B\n');
  await writeFile(join(dir, 'carrier_sbcs', 'a.yml'), 'name: A\n');
  await writeFile(join(dir, 'carrier_sbcs', 'notes.txt'), 'x\n');
  await writeFile(join(dir, 'media_servers', 'deep', 'c.yaml'), 'name: C\n');
  await symlink(join(dir, 'carrier_sbcs', 'b.yaml'), join(dir, 'carrier_sbcs', 'link.yaml'));
  await symlink(join(dir, 'nowhere.yaml'), join(dir, 'carrier_sbcs', 'dangling.yaml'));
  await symlink(dir, join(dir, 'media_servers', 'loop'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readConfigDir', () => {
  it('reads every .yaml and .yml file under the directory, relative paths with /, sorted', async () => {
    const files = await readConfigDir(dir);
    expect(files.filter((f) => !f.unusable).map((f) => f.path)).toEqual([
      'carrier_sbcs/a.yml',
      'carrier_sbcs/b.yaml',
      'carrier_sbcs/link.yaml',
      'media_servers/deep/c.yaml',
      'targets.yaml',
    ]);
    expect(files[0]?.text).toBe('name: A\n');
  });

  it('returns, in path order among the files, the entries it cannot use (and skips README.md, notes.txt)', async () => {
    const files = await readConfigDir(dir);
    expect(files.map((f) => [f.path, f.unusable?.reason ?? 'read'])).toEqual([
      ['carrier_sbcs/a.yml', 'read'],
      ['carrier_sbcs/b.yaml', 'read'],
      ['carrier_sbcs/dangling.yaml', 'broken_link'],
      ['carrier_sbcs/link.yaml', 'read'],
      ['media_servers/deep', 'not_a_file'],
      ['media_servers/deep/c.yaml', 'read'],
      ['media_servers/loop', 'not_a_file'],
      ['targets.yaml', 'read'],
    ]);
  });

  it('refuses a directory that does not exist, naming the flag (exit 64)', async () => {
    const missing = join(dir, 'missing');
    const err = await readConfigDir(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(`--dir ${missing}: the config directory does not exist`);
  });

  it('refuses a file given as the directory', async () => {
    const file = join(dir, 'targets.yaml');
    await expect(readConfigDir(file)).rejects.toThrow(`--dir ${file}: not a directory`);
  });
});
