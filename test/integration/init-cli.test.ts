/**
 * `kzops init` as a user runs it: `node bin/run.js init DIR` into temporary directories, then
 * the generated repository checked with kzops itself. `npm test` builds dist/ first; run
 * `npm run build` before running this file alone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InitJson } from '../../src/services/init.js';
import { REPO, requireBuilt, runKzops } from './cli-harness.js';

let work: string;

const kzops = (args: string[], cwd = work) => runKzops(args, { cwd, timeoutMs: 30_000 });

/** Every file under `dir`, relative, `/`-separated, sorted; .git/ and .kzops/ left out. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .filter((p) => !p.startsWith('.git/') && !p.startsWith('.kzops/'))
    .sort();
}

beforeAll(async () => {
  requireBuilt('init');
  work = await mkdtemp(join(tmpdir(), 'kzops-init-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('kzops init', () => {
  it('creates a repository that validates and plans, and makes it a git repository', async () => {
    const run = await kzops(['init', 'team-config']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const root = join(work, 'team-config');
    const files = await listFiles(root);
    expect(files).toContain('config/targets.yaml');
    expect(files).toContain('.github/workflows/kzops-pr.yml');
    expect(files).toContain('schemas/carrier-sbc.schema.json');
    expect(files).toHaveLength(15);
    // The human output lists each file written.
    for (const f of files) expect(run.stdout).toContain(`  ${f}\n`);
    expect(run.stdout).toContain('Initialized a git repository (branch main).');

    // A git work tree on main, nothing committed yet.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    expect(git('rev-parse', '--is-inside-work-tree')).toBe('true');
    expect(git('symbolic-ref', '--short', 'HEAD')).toBe('main');
    // The workflows as kzops ships them, for this repository's branch.
    for (const name of ['kzops-pr.yml', 'kzops-apply.yml', 'kzops-drift.yml']) {
      const shipped = await readFile(join(REPO, '.github', 'workflow-templates', name), 'utf8');
      const installed = await readFile(join(root, '.github', 'workflows', name), 'utf8');
      expect(installed).toBe(shipped.replaceAll('$default-branch', 'main'));
    }
    expect(await readFile(join(root, '.github', 'workflows', 'kzops-apply.yml'), 'utf8')).toContain(
      'branches: [main]',
    );

    const validate = await kzops(['validate', '--dir', join(root, 'config')]);
    expect(validate.code, validate.stdout).toBe(0);
    expect(validate.stdout).toContain('config is valid: 5 files checked');
    // Run from the new repository's root, as its README says: the embedded simulator.
    const plan = await kzops(['plan', '--json'], root);
    expect(plan.code, plan.stderr).toBe(0);
    expect((JSON.parse(plan.stdout) as { summary: Record<string, number> }).summary).toMatchObject({
      create: 4,
      update: 0,
      delete: 0,
    });
    // The simulator's working directory is the one the .gitignore names.
    expect(existsSync(join(root, '.kzops'))).toBe(true);
    expect(git('status', '--porcelain', '--ignored', '.kzops')).toBe('!! .kzops/');
  }, 90_000);

  it('--json reports the directory, the files and whether git init ran; --no-git skips it', async () => {
    const run = await kzops(['init', 'plain', '--no-git', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as InitJson;
    const root = join(work, 'plain');
    expect(out.dir).toBe(root);
    expect(out.git_init).toBe(false);
    expect(out.files).toEqual(await listFiles(root));
    expect(existsSync(join(root, '.git'))).toBe(false);
  });

  it('does not run git init inside an existing work tree, and uses its branch in the apply workflow', async () => {
    const outer = join(work, 'outer');
    await mkdir(outer);
    execFileSync('git', ['init', '-q'], { cwd: outer });
    execFileSync('git', ['symbolic-ref', 'HEAD', 'refs/heads/trunk'], { cwd: outer });
    const run = await kzops(['init', join(outer, 'routing'), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as InitJson).git_init).toBe(false);
    expect(existsSync(join(outer, 'routing', '.git'))).toBe(false);
    expect(
      await readFile(join(outer, 'routing', '.github', 'workflows', 'kzops-apply.yml'), 'utf8'),
    ).toContain('branches: [trunk]');
  });

  it('refuses (exit 5) to overwrite any file and writes nothing; --force overwrites', async () => {
    const root = join(work, 'existing');
    await mkdir(join(root, 'config'), { recursive: true });
    await writeFile(join(root, 'README.md'), 'our own readme\n');
    await writeFile(join(root, 'config', 'targets.yaml'), 'targets: {}\n');
    const before = await listFiles(root);

    const refused = await kzops(['init', 'existing']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('already has 2 of the files kzops init writes; nothing was written');
    expect(refused.stderr).toContain('  README.md\n');
    expect(refused.stderr).toContain('  config/targets.yaml\n');
    expect(refused.stderr).toContain('hint: pass --force');
    expect(await listFiles(root)).toEqual(before);
    expect(existsSync(join(root, '.git'))).toBe(false);
    expect(await readFile(join(root, 'README.md'), 'utf8')).toBe('our own readme\n');

    const forced = await kzops(['init', 'existing', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('  README.md (overwritten)\n');
    expect(await readFile(join(root, 'README.md'), 'utf8')).toContain('# KAZOO routing config');
    expect(await listFiles(root)).toHaveLength(15);
    expect((await kzops(['validate', '--dir', join(root, 'config')])).code).toBe(0);
  }, 90_000);

  it('--action names the action the workflows call; without it the text says the placeholder must be replaced', async () => {
    const pinned = await kzops(['init', 'pinned', '--no-git', '--json', '--action', 'my-org/kzops@v1']);
    expect(pinned.code, pinned.stderr).toBe(0);
    expect((JSON.parse(pinned.stdout) as InitJson).action).toBe('my-org/kzops@v1');
    const pr = await readFile(join(work, 'pinned', '.github', 'workflows', 'kzops-pr.yml'), 'utf8');
    expect(pr).toContain('uses: my-org/kzops@v1');
    expect(pr).not.toContain('kzops/kzops@v0');

    const plain = await kzops(['init', 'placeholder', '--no-git']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('the workflows call the action kzops/kzops@v0, a placeholder');

    const bad = await kzops(['init', 'bad', '--no-git', '--action', 'kzops@v1']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--action kzops@v1: not an action reference (OWNER/REPO@REF)');
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });

  it('a DIR that is a file is a usage error (exit 64)', async () => {
    await writeFile(join(work, 'a-file'), 'x');
    const run = await kzops(['init', 'a-file']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('exists and is not a directory');
  });
});
