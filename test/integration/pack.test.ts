/**
 * The package as a user gets it: `npm pack` of the built checkout, installed from the tarball
 * into an empty directory, then the installed `kzops` runs init, validate and plan against the
 * embedded simulator init configures. Catches a package without dist/, without the command
 * manifest, the schemas or the workflow templates, and source maps pointing at files that do
 * not ship.
 *
 * Packs with --ignore-scripts: `prepack` would rebuild dist/ under the other test files that
 * run from it; `npm test` (and `npm run build` before a single run) has built it already.
 * Installs with --prefer-offline: the dependencies come from npm's cache when they are there
 * (after `npm ci` they are), from the registry otherwise.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, REPO, requireBuilt } from './cli-harness.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TIMEOUT = 120_000;

requireBuilt('validate');

describe('the packed package', () => {
  let tmp: string;
  let tarball: string;
  let files: string[];
  let kzopsBin: string;

  beforeAll(async () => {
    if (!existsSync(join(REPO, 'oclif.manifest.json'))) {
      throw new Error('oclif.manifest.json is missing: run `npm run build` before this test (npm test does)');
    }
    tmp = await mkdtemp(join(tmpdir(), 'kzops-pack-'));
    const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error(`npm pack printed no package: ${packed.stdout}`);
    tarball = join(tmp, info.filename);
    files = info.files.map((f) => f.path);

    const app = join(tmp, 'app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'kzops-pack-test', private: true }));
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
      cwd: app,
      maxBuffer: 64 * 1024 * 1024,
    });
    kzopsBin = join(app, 'node_modules', '.bin', 'kzops');
  }, TIMEOUT);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships the build, the manifest, the schemas, the workflow templates and the licence', () => {
    for (const f of [
      'LICENSE',
      'package.json',
      'bin/run.js',
      'oclif.manifest.json',
      'dist/commands/validate.js',
      'dist/commands/plan.js',
      'dist/cli/not-found.js',
      'schemas/carrier-sbc.schema.json',
      'schemas/output/plan.schema.json',
      '.github/workflow-templates/kzops-pr.yml',
    ]) {
      expect(files, f).toContain(f);
    }
  });

  it('ships no source maps, sources or tests', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /^(src|test|bench)\//.test(f))).toEqual([]);
  });

  it(
    'installs, and the installed kzops runs init, validate and plan',
    async () => {
      const work = join(tmp, 'work');
      await mkdir(work);
      const env = cliEnv();
      const kzops = (args: string[]) =>
        run(kzopsBin, args, { cwd: work, env, timeout: 60_000 }).then(
          (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
          (err: { code?: number; stdout?: string; stderr?: string }) => ({
            code: err.code ?? -1,
            stdout: err.stdout ?? '',
            stderr: err.stderr ?? '',
          }),
        );

      const version = await kzops(['--version']);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout).toMatch(/^kzops\/\d+\.\d+\.\d+ /);

      const init = await kzops(['init', '--no-git']);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain('config/targets.yaml');
      expect(await readdir(join(work, '.github', 'workflows'))).toContain('kzops-pr.yml');

      const validate = await kzops(['validate']);
      expect(validate.code, validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/^config is valid: \d+ files checked/);

      const plan = await kzops(['plan', '--detailed-exitcode']);
      // 2: changes present, the example resources are not on the fresh simulator yet.
      expect(plan.code, plan.stderr).toBe(2);
      expect(plan.stdout).toContain('Plan for target local');
      expect(plan.stdout).toMatch(/Plan: \d+ to create, 0 to update, 0 to replace, 0 to delete\./);

      const typo = await kzops(['valdate']);
      expect(typo.code).toBe(64);
      expect(typo.stderr).toContain('did you mean validate?');
    },
    TIMEOUT,
  );
});
