import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState } from '../../src/sim/model.js';
import { writeFileAtomic } from '../../src/io/atomic-write.js';
import { GroupCommitter, loadState, saveState } from '../../src/sim/persist.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-sim-persist-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const file = join(dir, 'state.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('cleans up its temporary file when it fails', async () => {
    const file = join(dir, 'missing-dir', 'state.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('saveState / loadState', () => {
  it('round-trips a state, creating the directory', async () => {
    const file = join(dir, 'nested', 'state.json');
    const state = emptyState();
    state.customer_clusters.c1 = { _id: 'c1', _rev: '1-a', name: 'one' };
    await saveState(file, state);
    expect(await loadState(file)).toEqual(state);
  });

  it('answers undefined when the file does not exist', async () => {
    expect(await loadState(join(dir, 'nope.json'))).toBeUndefined();
  });

  it('names the file when it is not JSON', async () => {
    const file = join(dir, 'state.json');
    await writeFile(file, '{"version": 1, "encryp');
    await expect(loadState(file)).rejects.toThrow(`simulator state file ${file} is not valid JSON`);
  });

  it('names the file and the field when it is JSON but not a state', async () => {
    const file = join(dir, 'state.json');
    const bad = { ...emptyState(), media_servers: { m1: { _id: 'other', _rev: '1-a' } } };
    await writeFile(file, JSON.stringify(bad));
    await expect(loadState(file)).rejects.toThrow(`${file} is not a simulator state: media_servers.m1`);
    await writeFile(file, JSON.stringify({ ...emptyState(), version: 2 }));
    await expect(loadState(file)).rejects.toThrow(/version must be 1/);
    await writeFile(file, '[]');
    await expect(loadState(file)).rejects.toThrow(/top level is not an object/);
  });

  it('reports an unreadable path (a directory) with its name', async () => {
    await expect(loadState(dir)).rejects.toThrow(`cannot read simulator state file ${dir}`);
  });
});

describe('GroupCommitter', () => {
  it('coalesces commits made during a write into one following write', async () => {
    const file = join(dir, 'state.json');
    let version = 0;
    let snapshots = 0;
    const committer = new GroupCommitter(file, () => {
      snapshots++;
      return JSON.stringify({ version });
    });
    version = 1;
    const first = committer.commit(); // starts writing {version: 1} now
    const later: Promise<void>[] = [];
    for (let i = 2; i <= 10; i++) {
      version = i;
      later.push(committer.commit()); // all wait for the single next write
    }
    await Promise.all([first, ...later]);
    expect(snapshots).toBe(2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 10 });
  });

  it('resolves a commit only after a write that includes its change', async () => {
    const file = join(dir, 'state.json');
    let value = 'a';
    const committer = new GroupCommitter(file, () => value);
    const first = committer.commit();
    value = 'b';
    await committer.commit();
    expect(await readFile(file, 'utf8')).toBe('b');
    await first;
    await committer.idle();
  });

  it('rejects the commits of a failed write and recovers for the next ones', async () => {
    const file = join(dir, 'no-such-dir', 'state.json');
    const committer = new GroupCommitter(file, () => 'x');
    await expect(committer.commit()).rejects.toThrow(/ENOENT/);
    const good = new GroupCommitter(join(dir, 'ok.json'), () => 'y');
    await good.commit();
    expect(await readFile(join(dir, 'ok.json'), 'utf8')).toBe('y');
  });
});
