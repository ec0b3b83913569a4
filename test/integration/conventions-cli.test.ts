/**
 * What oclif users expect of a CLI: `kzops help`, `kzops version`, shell completion, a
 * did-you-mean for a mistyped command that exits 64 (never 2, "changes present"), and a
 * command manifest (oclif.manifest.json, written by `npm run build`) that lists every command
 * in src/commands, so a stale one cannot hide a new command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, requireBuilt, runKzops } from './cli-harness.js';

requireBuilt('validate');

function sourceCommandIds(dir = join(REPO, 'src', 'commands')): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(join(REPO, 'src', 'commands'), join(e.parentPath, e.name)))
    .map((f) => f.replace(/\.ts$/, '').split(sep).join(':'))
    .sort();
}

describe('the command manifest', () => {
  it('lists exactly the commands in src/commands, at the package version', () => {
    const manifest = JSON.parse(readFileSync(join(REPO, 'oclif.manifest.json'), 'utf8')) as {
      version: string;
      commands: Record<string, unknown>;
    };
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.version).toBe(pkg.version);
    expect(Object.keys(manifest.commands).sort()).toEqual(sourceCommandIds());
  });
});

describe('conventions', () => {
  const cwd = REPO;

  it('kzops help lists the commands, and the plugins', async () => {
    const run = await runKzops(['help'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('COMMANDS');
    for (const id of ['apply', 'validate', 'plan', 'version', 'autocomplete']) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${id}( |$)`, 'm'));
    }
  });

  it('kzops version and --version print the same version line', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const [version, flag] = await Promise.all([
      runKzops(['version'], { cwd }),
      runKzops(['--version'], { cwd }),
    ]);
    expect(version.code).toBe(0);
    expect(flag.code).toBe(0);
    expect(version.stdout).toMatch(new RegExp(`^kzops/${pkg.version.replaceAll('.', '\\.')} `));
    expect(version.stdout).toBe(flag.stdout);
  });

  it('a mistyped command suggests the nearest one and exits 64, with nothing on stdout', async () => {
    const run = await runKzops(['aply', '--yes'], { cwd });
    expect(run.code).toBe(64);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error: aply is not a kzops command; did you mean apply?');
    expect(run.stderr).toContain('hint: see kzops help');
  });

  it('a mistyped subcommand suggests in the space-separated form', async () => {
    const run = await runKzops(['routing', 'lst', 'carrier-sbcs'], { cwd });
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('routing lst is not a kzops command; did you mean routing list?');
  });

  it('a word near no command exits 64 without a suggestion', async () => {
    const run = await runKzops(['zzzzzzzz'], { cwd });
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('error: zzzzzzzz is not a kzops command\n');
    expect(run.stderr).not.toContain('did you mean');
  });

  it('kzops autocomplete bash writes the completion script and explains the setup', async () => {
    // The script goes to the cache directory: a temporary home, not the developer's.
    const home = await mkdtemp(join(tmpdir(), 'kzops-complete-'));
    try {
      const env = { HOME: home, XDG_CACHE_HOME: join(home, '.cache') };
      const run = await runKzops(['autocomplete', 'bash'], { cwd, env, timeoutMs: 30_000 });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('.bashrc');
      const script = readFileSync(
        join(home, '.cache', 'kzops', 'autocomplete', 'functions', 'bash', 'kzops.bash'),
        'utf8',
      );
      expect(script).toContain('validate');
      expect(script).toContain('subscriptions');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
