/**
 * `kzops validate` as a user and CI run it: `node bin/run.js` on a copy of the example config.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO, requireBuilt, runKzops } from './cli-harness.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PROBLEM_CODES } from '../../src/core/validate/problem.js';

const EXAMPLE = join(REPO, 'config');

const kzops = (args: string[], cwd: string) => runKzops(args, { cwd });

let work: string;
let dir: string;

beforeAll(async () => {
  requireBuilt('validate');
  work = await mkdtemp(join(tmpdir(), 'kzops-validate-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = join(work, 'config');
  await rm(dir, { recursive: true, force: true });
  await cp(EXAMPLE, dir, { recursive: true });
});

/** Replaces text in a file of the copied config. */
async function edit(file: string, from: string, to: string): Promise<void> {
  const path = join(dir, file);
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  await writeFile(path, text.replace(from, to));
}

describe('kzops validate', () => {
  it('exits 0 on the example config and says so', async () => {
    const run = await kzops(['validate'], work);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^config is valid: \d+ files checked\n$/);
    expect(run.code).toBe(0);
  });

  it('exits 3 and points at file:line:col when a file is broken', async () => {
    await edit('carrier_sbcs/sprint-east.yaml', 'zone: east', 'zone: north');
    await edit('media_servers/ny2.yaml', 'sprint: [sprint-east,', 'sprint: [sprint-eats,');
    const run = await kzops(['validate', '--dir', 'config'], work);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain(
      'config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum  location.zone: must be one of east, central, west (got "north")\n    6 |   zone: north\n      |         ^\n',
    );
    expect(run.stdout).toContain('config/media_servers/ny2.yaml:14:12  unresolved_reference  ');
    expect(run.stdout).toContain('did you mean sprint-east?');
    // Colour only on a terminal: this is a pipe.
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^2 errors in 2 files \(\d+ files checked\)$/);
  });

  it('--json output matches its published schema (schemas/output/validate.schema.json)', async () => {
    const schema = JSON.parse(
      await readFile(join(REPO, 'schemas', 'output', 'validate.schema.json'), 'utf8'),
    ) as {
      properties: { problems: { items: { properties: { code: { enum: string[] } } } } };
    };
    // The schema's code list is the engine's, so a new code cannot ship undocumented.
    expect(schema.properties.problems.items.properties.code.enum).toEqual([...PROBLEM_CODES]);
    const check = new Ajv2020({ allErrors: true }).compile(schema);
    await edit('carrier_sbcs/sprint-east.yaml', 'zone: east', 'zone: north');
    await writeFile(join(dir, 'stray.yaml'), 'name: x\n');
    for (const [target, valid] of [
      [dir, false],
      [EXAMPLE, true],
    ] as const) {
      const run = await kzops(['validate', '--dir', target, '--json'], REPO);
      const out = JSON.parse(run.stdout) as { valid: boolean };
      expect(check(out), JSON.stringify(check.errors)).toBe(true);
      expect(out.valid).toBe(valid);
    }
  });

  it('--json prints only {valid, problems}', async () => {
    await edit(
      'clusters/aa2b36ac6a5edb290159cd1298283322.yaml',
      'api_key:\n  env: KZOPS_SANDBOX_CLUSTER_API_KEY',
      'api_key: hunter2',
    );
    const run = await kzops(['validate', '--dir', dir, '--json'], REPO);
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain('hunter2');
    const out = JSON.parse(run.stdout) as { valid: boolean; problems: Record<string, unknown>[] };
    expect(out.valid).toBe(false);
    expect(out.problems).toEqual([
      {
        file: join(dir, 'clusters/aa2b36ac6a5edb290159cd1298283322.yaml'),
        line: 6,
        col: 10,
        code: 'plain_secret',
        message: expect.stringContaining('write {env: NAME}') as unknown,
        path: 'api_key',
        severity: 'error',
      },
    ]);
  });

  it('--format github prints workflow commands', async () => {
    await edit('targets.yaml', 'default: local', 'default: locl');
    const run = await kzops(['validate', '--format', 'github'], work);
    expect(run.code).toBe(3);
    expect(run.stdout.split('\n')[0]).toBe(
      '::error file=config/targets.yaml,line=4,col=10,title=kzops unknown_target::default: no target named "locl" under targets; did you mean local? (targets: local, sandbox)',
    );
  });

  it('exits 64 naming the flag when the directory does not exist', async () => {
    const run = await kzops(['validate', '--dir', '/nonexistent/kzops-config'], work);
    expect(run.code).toBe(64);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--dir /nonexistent/kzops-config: the config directory does not exist');
  });

  it('exits 64 on a bad --format', async () => {
    const run = await kzops(['validate', '--format', 'xml'], work);
    expect(run.code).toBe(64);
  });
});
