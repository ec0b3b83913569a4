/**
 * readConfigDir on entries it cannot use: every one comes back as an entry with the reason,
 * never silently left out (a resource whose file vanished from the list would be planned as a
 * delete), and nothing outside the config directory or over the size limits is ever read.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  limitsFromEnv,
  readConfigDir,
  readConfigEntry,
  type ReadLimits,
} from '../../src/config/read-config-dir.js';
import { loadSchemas } from '../../src/config/schemas.js';
import { checkFile } from '../../src/core/validate/index.js';
import { UsageError } from '../../src/core/errors.js';
import type { ConfigFile } from '../../src/core/validate/problem.js';

const FAKE_KEY = '-----BEGIN FAKE KEY----- kzops-test-outside-4d1c9e -----END FAKE KEY-----';

let root: string;
let outside: string;
let sockets: Server[] = [];

/** mkfifo(1) where it exists: Node has no API of its own for named pipes. */
function mkfifo(path: string): boolean {
  try {
    execFileSync('mkfifo', [path], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function listen(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    sockets.push(server);
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
}

function byPath(files: readonly ConfigFile[]): Record<string, ConfigFile> {
  return Object.fromEntries(files.map((f) => [f.path, f]));
}

const LIMITS: ReadLimits = { ...DEFAULT_LIMITS };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kzops-read-safety-'));
  outside = join(root, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'key.yaml'), `${FAKE_KEY}\n`);
  await writeFile(join(outside, 'notes.txt'), `${FAKE_KEY}\n`);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  sockets = [];
  await rm(root, { recursive: true, force: true });
});

/** A fresh config directory inside the test's root. */
async function configDir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'carrier_sbcs'), { recursive: true });
  await writeFile(join(dir, 'targets.yaml'), 'targets:\n  local:\n    url: sim\n');
  await writeFile(join(dir, 'carrier_sbcs', 'ok.yaml'), 'name: OK\n');
  return dir;
}

describe('readConfigDir: entries that are not readable regular files inside the tree', () => {
  it('returns a dangling symbolic link as an entry that says so, not as a missing file', async () => {
    const dir = await configDir('dangling');
    await symlink('../submodule/lonely.yaml', join(dir, 'carrier_sbcs', 'lonely.yaml'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/lonely.yaml']).toEqual({
      path: 'carrier_sbcs/lonely.yaml',
      text: '',
      unusable: { reason: 'broken_link', target: '../submodule/lonely.yaml', error: 'ENOENT' },
    });
    expect(files['carrier_sbcs/ok.yaml']).toEqual({ path: 'carrier_sbcs/ok.yaml', text: 'name: OK\n' });
  });

  it('reports a link that loops', async () => {
    const dir = await configDir('loop');
    await symlink('b.yaml', join(dir, 'carrier_sbcs', 'a.yaml'));
    await symlink('a.yaml', join(dir, 'carrier_sbcs', 'b.yaml'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/a.yaml']?.unusable).toEqual({
      reason: 'broken_link',
      target: 'b.yaml',
      error: 'ELOOP',
    });
  });

  it('reads a link to a regular file inside the tree', async () => {
    const dir = await configDir('inside-link');
    await mkdir(join(dir, 'shared'));
    await writeFile(join(dir, 'shared', 'base.txt'), 'name: Shared\n');
    await symlink('../shared/base.txt', join(dir, 'carrier_sbcs', 'shared.yaml'));
    await symlink(join(dir, 'carrier_sbcs', 'ok.yaml'), join(dir, 'carrier_sbcs', 'absolute.yaml'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/shared.yaml']).toEqual({
      path: 'carrier_sbcs/shared.yaml',
      text: 'name: Shared\n',
    });
    expect(files['carrier_sbcs/absolute.yaml']?.text).toBe('name: OK\n');
  });

  it('reads a config directory that is itself reached through a link', async () => {
    const dir = await configDir('real-config');
    const linked = join(root, 'linked-config');
    await symlink(dir, linked);
    await symlink('ok.yaml', join(dir, 'carrier_sbcs', 'alias.yaml'));
    const files = byPath(await readConfigDir(linked, LIMITS));
    expect(files['carrier_sbcs/alias.yaml']).toEqual({ path: 'carrier_sbcs/alias.yaml', text: 'name: OK\n' });
  });

  it('never reads a link to a file outside the tree, and never returns its content', async () => {
    const dir = await configDir('outside-link');
    await symlink(join(outside, 'key.yaml'), join(dir, 'carrier_sbcs', 'leak.yaml'));
    await symlink('../outside/key.yaml', join(dir, 'targets-extra.yaml'));
    // A link with a name that is not YAML is not config: skipped, and not read either.
    await symlink(join(outside, 'notes.txt'), join(dir, 'carrier_sbcs', 'notes.txt'));
    const files = await readConfigDir(dir, LIMITS);
    const got = byPath(files);
    expect(got['carrier_sbcs/leak.yaml']).toEqual({
      path: 'carrier_sbcs/leak.yaml',
      text: '',
      unusable: { reason: 'outside_link', target: join(outside, 'key.yaml') },
    });
    expect(got['targets-extra.yaml']?.unusable).toEqual({
      reason: 'outside_link',
      target: '../outside/key.yaml',
    });
    expect(got['carrier_sbcs/notes.txt']).toBeUndefined();
    expect(JSON.stringify(files)).not.toContain('FAKE KEY');
  });

  it('returns a directory named like a YAML file, anywhere, and any folder inside a kind folder', async () => {
    const dir = await configDir('dirs');
    await mkdir(join(dir, 'carrier_sbcs', 'lonely.yaml'));
    await mkdir(join(dir, 'carrier_sbcs', 'archive'));
    await writeFile(join(dir, 'carrier_sbcs', 'archive', 'old.yaml'), 'name: Old\n');
    await mkdir(join(dir, 'docs', 'example.yml'), { recursive: true });
    // A folder of another name outside the kind folders is nobody's business.
    await mkdir(join(dir, 'docs', 'images'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/lonely.yaml']?.unusable).toEqual({ reason: 'not_a_file', type: 'directory' });
    expect(files['carrier_sbcs/archive']?.unusable).toEqual({ reason: 'not_a_file', type: 'directory' });
    expect(files['docs/example.yml']?.unusable).toEqual({ reason: 'not_a_file', type: 'directory' });
    expect(files['docs/images']).toBeUndefined();
    // The YAML inside a reported folder is still read (the layout reports it as misplaced).
    expect(files['carrier_sbcs/archive/old.yaml']?.text).toBe('name: Old\n');
  });

  it('returns a kind folder that is a link, a file or broken instead of silently reading nothing', async () => {
    const dir = await configDir('kind-folder');
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'ny2.yaml'), 'name: NY2\n');
    await symlink('elsewhere', join(dir, 'media_servers'));
    await symlink('nowhere', join(dir, 'clusters'));
    await writeFile(join(dir, 'customer_clusters'), 'not a folder\n');
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files.media_servers?.unusable).toEqual({ reason: 'not_a_file', type: 'directory_link' });
    expect(files.clusters?.unusable).toEqual({ reason: 'broken_link', target: 'nowhere', error: 'ENOENT' });
    expect(files.customer_clusters?.unusable).toEqual({ reason: 'not_a_file', type: 'file' });
  });

  it('returns a named pipe without opening it (opening one would wait for a writer)', async (ctx) => {
    const dir = await configDir('fifo');
    if (!mkfifo(join(dir, 'carrier_sbcs', 'pipe.yaml'))) {
      ctx.skip('mkfifo(1) is not available here, so no named pipe can be made');
      return;
    }
    mkfifo(join(dir, 'carrier_sbcs', 'queue'));
    // Outside the kind folders only a YAML name matters.
    mkfifo(join(dir, 'fifo-notes'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/pipe.yaml']?.unusable).toEqual({ reason: 'not_a_file', type: 'fifo' });
    expect(files['carrier_sbcs/queue']?.unusable).toEqual({ reason: 'not_a_file', type: 'fifo' });
    expect(files['fifo-notes']).toBeUndefined();
  });

  it('returns a socket and a dangling link of any name inside a kind folder', async () => {
    const dir = await configDir('socket');
    await listen(join(dir, 'carrier_sbcs', 'agent.sock'));
    await symlink('gone', join(dir, 'carrier_sbcs', 'README'));
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/agent.sock']?.unusable).toEqual({ reason: 'not_a_file', type: 'socket' });
    expect(files['carrier_sbcs/README']?.unusable).toEqual({
      reason: 'broken_link',
      target: 'gone',
      error: 'ENOENT',
    });
  });
});

describe('readConfigDir: limits', () => {
  it('does not read a file over the per-file limit', async () => {
    const dir = await configDir('big-file');
    const big = `name: Big\nnotes: ${'x'.repeat(4000)}\n`;
    await writeFile(join(dir, 'carrier_sbcs', 'big.yaml'), big);
    const files = byPath(await readConfigDir(dir, { maxFileBytes: 1000, maxConfigBytes: 1_000_000 }));
    expect(files['carrier_sbcs/big.yaml']).toEqual({
      path: 'carrier_sbcs/big.yaml',
      text: '',
      unusable: { reason: 'too_large', size: Buffer.byteLength(big), limit: 1000 },
    });
    expect(files['carrier_sbcs/ok.yaml']?.text).toBe('name: OK\n');
  });

  it('a file exactly at the limit is read', async () => {
    const dir = await configDir('at-limit');
    const text = `name: ${'y'.repeat(993)}\n`;
    expect(Buffer.byteLength(text)).toBe(1000);
    await writeFile(join(dir, 'carrier_sbcs', 'edge.yaml'), text);
    const files = byPath(await readConfigDir(dir, { maxFileBytes: 1000, maxConfigBytes: 1_000_000 }));
    expect(files['carrier_sbcs/edge.yaml']).toEqual({ path: 'carrier_sbcs/edge.yaml', text });
  });

  it('reads a file larger than the first read whole, and refuses one over the limit', async () => {
    const dir = await configDir('large-files');
    const line = '  - a line of padding that makes the file larger than the reader reads at first\n';
    const fits = `name: Fits\nnotes:\n${line.repeat(2500)}`; // about 200 kB
    const over = `name: Over\nnotes:\n${line.repeat(4000)}`; // about 320 kB
    await writeFile(join(dir, 'carrier_sbcs', 'fits.yaml'), fits);
    await writeFile(join(dir, 'carrier_sbcs', 'over.yaml'), over);
    const files = byPath(await readConfigDir(dir, { maxFileBytes: 300_000, maxConfigBytes: 1_000_000 }));
    expect(files['carrier_sbcs/fits.yaml']?.text).toBe(fits);
    expect(files['carrier_sbcs/over.yaml']?.unusable).toEqual({
      reason: 'too_large',
      size: Buffer.byteLength(over),
      limit: 300_000,
    });
  });

  it('stops reading when the files add up to more than the total, and says by how much', async () => {
    const dir = await configDir('big-total');
    const text = `name: ${'z'.repeat(393)}\n`; // 400 bytes
    for (const k of ['a', 'b', 'c', 'd']) await writeFile(join(dir, 'carrier_sbcs', `${k}.yaml`), text);
    // In path order: a, b, c, d, ok (9 bytes), targets.yaml (31 bytes).
    const files = await readConfigDir(dir, { maxFileBytes: 1000, maxConfigBytes: 1000 });
    expect(files.map((f) => [f.path, f.unusable?.reason ?? 'read'])).toEqual([
      ['carrier_sbcs/a.yaml', 'read'],
      ['carrier_sbcs/b.yaml', 'read'],
      ['carrier_sbcs/c.yaml', 'config_too_large'],
      ['carrier_sbcs/d.yaml', 'not_read'],
      ['carrier_sbcs/ok.yaml', 'not_read'],
      ['targets.yaml', 'not_read'],
    ]);
    expect(files[2]?.unusable).toEqual({
      reason: 'config_too_large',
      total: 4 * 400 + 9 + 31,
      limit: 1000,
      unread: 3,
    });
    expect(files.slice(2).every((f) => f.text === '')).toBe(true);
  });

  it('reports invalid UTF-8 with the byte offset, line and column of the first bad byte', async () => {
    const dir = await configDir('utf8');
    const bytes = Buffer.concat([
      Buffer.from('name: Caf\u00e9\ncity: M'), // é is two bytes
      Buffer.from([0xff]),
      Buffer.from('nchen\n'),
    ]);
    await writeFile(join(dir, 'carrier_sbcs', 'latin1.yaml'), bytes);
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/latin1.yaml']).toEqual({
      path: 'carrier_sbcs/latin1.yaml',
      text: '',
      unusable: { reason: 'invalid_utf8', offset: 19, byte: 0xff, line: 2, col: 8 },
    });
  });

  it('finds the first bad byte of truncated, overlong and surrogate sequences', async () => {
    const dir = await configDir('utf8-forms');
    const cases: [string, number[], number][] = [
      ['truncated', [0x61, 0x62, 0xe2, 0x82], 2], // a b then two of three bytes of €
      ['overlong', [0x61, 0xc0, 0xaf], 1],
      ['surrogate', [0x61, 0x0a, 0xed, 0xa0, 0x80], 2],
      ['bad-continuation', [0xe2, 0x28, 0xa1], 0],
      ['above-max', [0x61, 0xf4, 0x90, 0x80, 0x80], 1],
      ['lone-continuation', [0x61, 0xe2, 0x82, 0xac, 0x80], 4],
    ];
    for (const [name, bytes] of cases) {
      await writeFile(join(dir, 'carrier_sbcs', `${name}.yaml`), Buffer.from(bytes));
    }
    const files = byPath(await readConfigDir(dir, LIMITS));
    for (const [name, , offset] of cases) {
      const u = files[`carrier_sbcs/${name}.yaml`]?.unusable;
      expect(u?.reason === 'invalid_utf8' ? u.offset : u, name).toBe(offset);
    }
  });

  it('keeps a byte order mark and reads valid multi-byte text as it is', async () => {
    const dir = await configDir('utf8-ok');
    const text = '\ufeffname: \u00c5rhus \u20ac \u{1f4de}\n';
    await writeFile(join(dir, 'carrier_sbcs', 'intl.yaml'), text);
    const files = byPath(await readConfigDir(dir, LIMITS));
    expect(files['carrier_sbcs/intl.yaml']).toEqual({ path: 'carrier_sbcs/intl.yaml', text });
  });
});

describe('limitsFromEnv', () => {
  it('defaults to 1 MiB a file and 256 MiB in all', () => {
    expect(limitsFromEnv({})).toEqual({ maxFileBytes: 1024 * 1024, maxConfigBytes: 256 * 1024 * 1024 });
    expect(DEFAULT_LIMITS).toEqual(limitsFromEnv({}));
  });

  it('reads KZOPS_MAX_FILE_BYTES and KZOPS_MAX_CONFIG_BYTES as bytes, or with K, M or G', () => {
    expect(limitsFromEnv({ KZOPS_MAX_FILE_BYTES: '2048', KZOPS_MAX_CONFIG_BYTES: '1G' })).toEqual({
      maxFileBytes: 2048,
      maxConfigBytes: 1024 ** 3,
    });
    expect(limitsFromEnv({ KZOPS_MAX_FILE_BYTES: '4MiB' }).maxFileBytes).toBe(4 * 1024 ** 2);
    expect(limitsFromEnv({ KZOPS_MAX_FILE_BYTES: '16k' }).maxFileBytes).toBe(16 * 1024);
    expect(limitsFromEnv({ KZOPS_MAX_FILE_BYTES: '' }).maxFileBytes).toBe(1024 * 1024);
  });

  it('refuses a value that is not a positive size, naming the variable (exit 64)', () => {
    for (const bad of ['abc', '0', '-5', '1.5M', '12 TB']) {
      expect(() => limitsFromEnv({ KZOPS_MAX_CONFIG_BYTES: bad })).toThrow(UsageError);
      expect(() => limitsFromEnv({ KZOPS_MAX_CONFIG_BYTES: bad })).toThrow(/KZOPS_MAX_CONFIG_BYTES/);
    }
  });

  it('readConfigDir takes its limits from the environment by default', async () => {
    const dir = await configDir('env-limit');
    const saved = process.env.KZOPS_MAX_FILE_BYTES;
    process.env.KZOPS_MAX_FILE_BYTES = '20';
    try {
      const files = byPath(await readConfigDir(dir));
      expect(files['targets.yaml']?.unusable).toEqual({ reason: 'too_large', size: 31, limit: 20 });
      expect(files['carrier_sbcs/ok.yaml']?.text).toBe('name: OK\n');
    } finally {
      if (saved === undefined) delete process.env.KZOPS_MAX_FILE_BYTES;
      else process.env.KZOPS_MAX_FILE_BYTES = saved;
    }
  });
});

describe('readConfigEntry: one file by the same rules (targets.yaml for the support commands)', () => {
  it('reads a regular file, and gives undefined when there is none', async () => {
    const dir = await configDir('entry-plain');
    expect(readConfigEntry(dir, 'targets.yaml', LIMITS)).toEqual({
      path: 'targets.yaml',
      text: 'targets:\n  local:\n    url: sim\n',
    });
    expect(readConfigEntry(dir, 'targets.yml', LIMITS)).toBeUndefined();
  });

  it('refuses a link outside the tree, a dangling link, a folder and a file over the limit', async () => {
    const schemas = await loadSchemas();
    const cases: [string, (path: string) => Promise<void>, string][] = [
      ['entry-outside', (p) => symlink(join(outside, 'key.yaml'), p), 'symlink_outside'],
      ['entry-dangling', (p) => symlink('nowhere.yaml', p), 'unreadable_entry'],
      ['entry-folder', (p) => mkdir(p), 'unreadable_entry'],
      ['entry-large', (p) => writeFile(p, `default: local\n${'#'.repeat(5000)}\n`), 'file_too_large'],
    ];
    for (const [name, make, code] of cases) {
      const dir = await configDir(name);
      await rm(join(dir, 'targets.yaml'));
      await make(join(dir, 'targets.yaml'));
      const entry = readConfigEntry(dir, 'targets.yaml', { maxFileBytes: 4096, maxConfigBytes: 1_000_000 });
      expect(entry?.text, name).toBe('');
      const outcome = checkFile(entry ?? { path: 'targets.yaml', text: '' }, schemas);
      expect(
        outcome.problems.map((p) => p.code),
        name,
      ).toEqual([code]);
      expect(outcome.value, name).toBeUndefined();
      expect(JSON.stringify(outcome), name).not.toContain('FAKE KEY');
    }
  });
});
