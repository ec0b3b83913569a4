/** The one atomic file write: the state files' owner-only mode, and export's kept mode. */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('creates private files owner-only, and leaves no temporary file', async () => {
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, '{"a":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('shared: keeps the mode of the file it replaces, and names the temporary file as asked', async () => {
    const path = join(dir, 'sbc.yaml');
    await writeFile(path, 'old\n');
    await chmod(path, 0o640);
    const names: string[] = [];
    await writeFileAtomic(path, 'new\n', {
      mode: 'shared',
      tmpName: (name, unique) => {
        const tmp = `.${name}.kzops-${unique}.tmp`;
        names.push(tmp);
        return tmp;
      },
    });
    expect(await readFile(path, 'utf8')).toBe('new\n');
    expect(await modeOf(path)).toBe(0o640);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.sbc\.yaml\.kzops-\d+-\d+\.tmp$/);
    expect(await readdir(dir)).toEqual(['sbc.yaml']);
  });

  it('shared: a new file gets the usual mode (0666 less the umask), not owner-only', async () => {
    const path = join(dir, 'new.yaml');
    await writeFileAtomic(path, 'x\n', { mode: 'shared' });
    expect(await modeOf(path)).toBe(0o666 & ~process.umask());
  });
});
