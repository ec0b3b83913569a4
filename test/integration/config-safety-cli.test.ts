/**
 * The config entries kzops cannot use, through the built CLI: a file that cannot be read is
 * an invalid config (exit 3), never a resource to delete; a link out of the config directory
 * is never followed, so nothing outside it can end up in the output; sizes are limited before
 * anything is parsed. `npm test` builds dist/ first; run `npm run build` before this file alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshExampleConfig, requireBuilt, runKzops, type RunResult } from './cli-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-0b8e2f3c9d4a7e61';
const FAKE_KEY = 'FAKE-PRIVATE-KEY-kzops-7c5e1a90d3b4';
/** Set in the child's environment: a link to /proc/self/environ must not print it. */
const ENV_SECRET = 'env-secret-kzops-52f7aa19c0de';
const PASSWORD = 'url-password-kzops-e9d1';

let work: string;
let dir: string;
let outside: string;

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, {
    cwd: work,
    env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY, KZOPS_TEST_ENV_SECRET: ENV_SECRET, ...env },
    timeoutMs: 30_000,
  });

function output(run: RunResult): string {
  return run.stdout + run.stderr;
}

function expectNothingLeaked(run: RunResult): void {
  for (const secret of [FAKE_KEY, ENV_SECRET, PASSWORD, CLUSTER_KEY])
    expect(output(run)).not.toContain(secret);
}

/** A carrier SBC nothing else references: when its file vanishes, a plan would delete it. */
const LONELY = `name: Lonely SBC
carrier: sprint
location:
  zone: west
ips: [203.0.113.90]
mobile_media_server: sv4
`;

async function liveSbcNames(): Promise<string[]> {
  const run = await kzops(['routing', 'list', 'carrier-sbcs', '--json']);
  expect(run.code, output(run)).toBe(0);
  return (JSON.parse(run.stdout) as { name: string }[]).map((d) => d.name).sort();
}

beforeAll(async () => {
  requireBuilt('validate');
  requireBuilt('plan');
  requireBuilt('apply');
  work = await mkdtemp(join(tmpdir(), 'kzops-config-safety-'));
  outside = await mkdtemp(join(tmpdir(), 'kzops-outside-'));
  await writeFile(join(outside, 'id_fake.yaml'), `key: ${FAKE_KEY}\n`);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

describe('kzops validate on entries that are not readable files inside the tree', { timeout: 60_000 }, () => {
  it('a dangling link is an error naming it (exit 3)', async () => {
    await symlink('../../submodule/lonely.yaml', join(dir, 'carrier_sbcs', 'lonely.yaml'));
    const run = await kzops(['validate']);
    expect(run.code, output(run)).toBe(3);
    expect(run.stdout).toContain(
      'config/carrier_sbcs/lonely.yaml:1:1  unreadable_entry  a symbolic link to ../../submodule/lonely.yaml, which does not exist',
    );
  });

  it('a directory named like a YAML file is an error (exit 3)', async () => {
    await mkdir(join(dir, 'carrier_sbcs', 'lonely.yaml'));
    const run = await kzops(['validate', '--json']);
    expect(run.code, output(run)).toBe(3);
    const out = JSON.parse(run.stdout) as { problems: { file: string; code: string }[] };
    expect(out.problems.map((p) => `${p.file} ${p.code}`)).toEqual([
      'config/carrier_sbcs/lonely.yaml unreadable_entry',
    ]);
  });

  it('a named pipe is an error, and validate does not hang on it (exit 3)', async (ctx) => {
    try {
      execFileSync('mkfifo', [join(dir, 'carrier_sbcs', 'lonely.yaml')], { stdio: 'ignore' });
    } catch {
      ctx.skip('mkfifo(1) is not available here, so no named pipe can be made');
      return;
    }
    const run = await kzops(['validate']);
    expect(run.code, output(run)).toBe(3);
    expect(run.stdout).toContain(
      'config/carrier_sbcs/lonely.yaml:1:1  unreadable_entry  a named pipe (FIFO)',
    );
  });

  it('a link to a file outside the tree is an error, and its content is never printed', async () => {
    await symlink(join(outside, 'id_fake.yaml'), join(dir, 'carrier_sbcs', 'leak.yaml'));
    await symlink('/proc/self/environ', join(dir, 'media_servers', 'environ.yaml'));
    for (const args of [['validate'], ['validate', '--json'], ['validate', '--format', 'github'], ['plan']]) {
      const run = await kzops(args);
      expect(run.code, `${args.join(' ')}\n${output(run)}`).toBe(3);
      expect(output(run)).toContain('symlink_outside');
      expectNothingLeaked(run);
    }
  });

  it('a file over KZOPS_MAX_FILE_BYTES is an error before it is parsed (exit 3)', async () => {
    const big = `${LONELY}notes: |\n${'  padding padding padding padding\n'.repeat(200)}`;
    await writeFile(join(dir, 'carrier_sbcs', 'lonely.yaml'), big);
    const run = await kzops(['validate'], { KZOPS_MAX_FILE_BYTES: '4096' });
    expect(run.code, output(run)).toBe(3);
    expect(run.stdout).toContain(
      `config/carrier_sbcs/lonely.yaml:1:1  file_too_large  the file is ${Buffer.byteLength(big).toLocaleString('en-US')} bytes, over the limit of 4,096 bytes a file (KZOPS_MAX_FILE_BYTES); it was not read`,
    );
    // No line of the file is echoed: it was never read.
    expect(run.stdout).not.toContain('padding');
    // The same file passes the default limit of 1 MiB (and is then merely an unknown field).
    const again = await kzops(['validate']);
    expect(again.stdout).not.toContain('file_too_large');
  });

  it('a config over KZOPS_MAX_CONFIG_BYTES is an error (exit 3)', async () => {
    const run = await kzops(['validate'], { KZOPS_MAX_CONFIG_BYTES: '2k' });
    expect(run.code, output(run)).toBe(3);
    expect(run.stdout).toMatch(
      /config_too_large {2}the YAML files of the config directory add up to [\d,]+ bytes, over the limit of 2,048 bytes \(KZOPS_MAX_CONFIG_BYTES\); this file and the \d+ after it were not read/,
    );
  });

  it('a limit that is not a size is a usage error (exit 64)', async () => {
    const run = await kzops(['validate'], { KZOPS_MAX_FILE_BYTES: 'lots' });
    expect(run.code, output(run)).toBe(64);
    expect(run.stderr).toContain('KZOPS_MAX_FILE_BYTES');
  });

  it('invalid UTF-8 is an error with the byte offset (exit 3)', async () => {
    const path = join(dir, 'carrier_sbcs', 'sprint-west.yaml');
    const text = await readFile(path);
    const at = text.indexOf('Los Angeles');
    await writeFile(path, Buffer.concat([text.subarray(0, at), Buffer.from([0xe9]), text.subarray(at)]));
    const before = text.subarray(0, at).toString('utf8').split('\n');
    const line = before.length;
    const col = (before.at(-1) ?? '').length + 1;
    const run = await kzops(['validate']);
    expect(run.code, output(run)).toBe(3);
    expect(run.stdout).toContain(
      `config/carrier_sbcs/sprint-west.yaml:${line}:${col}  invalid_utf8  not valid UTF-8: byte 0xe9 at offset ${at} does not start a valid sequence`,
    );
  });

  it('credentials in a target URL are an error that does not print them (exit 3)', async () => {
    const path = join(dir, 'targets.yaml');
    const text = await readFile(path, 'utf8');
    await writeFile(
      path,
      text.replace('https://sandbox.example.net:8443', `https://ops:${PASSWORD}@sandbox.example.net:8443`),
    );
    for (const args of [['validate'], ['validate', '--json'], ['validate', '--format', 'github']]) {
      const run = await kzops(args);
      expect(run.code, output(run)).toBe(3);
      expect(output(run)).toContain('url_credentials');
      expectNothingLeaked(run);
    }
  });
});

describe('plan and apply never delete what could not be read', { timeout: 120_000 }, () => {
  it('a dangling link under carrier_sbcs/ makes plan and apply --allow-deletes exit 3, and nothing is deleted', async () => {
    await writeFile(join(dir, 'carrier_sbcs', 'lonely.yaml'), LONELY);
    const first = await kzops(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    expect(await liveSbcNames()).toContain('Lonely SBC');

    // The file becomes a link into a submodule that is not checked out.
    await rm(join(dir, 'carrier_sbcs', 'lonely.yaml'));
    await symlink('../../vendor/sbcs/lonely.yaml', join(dir, 'carrier_sbcs', 'lonely.yaml'));

    const plan = await kzops(['plan']);
    expect(plan.code, output(plan)).toBe(3);
    expect(output(plan)).not.toContain('(delete)');
    expect(output(plan)).toContain('unreadable_entry');

    const apply = await kzops(['apply', '--allow-deletes', '--yes']);
    expect(apply.code, output(apply)).toBe(3);
    expect(output(apply)).not.toContain('(delete)');
    expect(await liveSbcNames()).toContain('Lonely SBC');
  });

  it('the same for a directory where the file was', async () => {
    await writeFile(join(dir, 'carrier_sbcs', 'lonely.yaml'), LONELY);
    const first = await kzops(['apply', '--yes']);
    expect(first.code, output(first)).toBe(0);
    await rm(join(dir, 'carrier_sbcs', 'lonely.yaml'));
    await mkdir(join(dir, 'carrier_sbcs', 'lonely.yaml'));
    const apply = await kzops(['apply', '--allow-deletes', '--yes']);
    expect(apply.code, output(apply)).toBe(3);
    expect(await liveSbcNames()).toContain('Lonely SBC');
  });
});

describe('commands that read config without validating it first', { timeout: 60_000 }, () => {
  it('export refuses a config with an entry it cannot read (exit 3), and writes nothing', async () => {
    requireBuilt('export');
    await symlink(join(outside, 'id_fake.yaml'), join(dir, 'carrier_sbcs', 'outside.yaml'));
    await symlink('../../submodule/gone.yaml', join(dir, 'carrier_sbcs', 'gone.yaml'));
    const before = await readFile(join(outside, 'id_fake.yaml'), 'utf8');
    const run = await kzops(['export', '--dir', dir]);
    expect(run.code, output(run)).toBe(3);
    expect(run.stderr).toMatch(/2 entries cannot be read .*nothing was exported/);
    expect(await readFile(join(outside, 'id_fake.yaml'), 'utf8')).toBe(before);
    expectNothingLeaked(run);
  });

  it('a targets.yaml linked out of the tree is refused by every command that connects (exit 3)', async () => {
    await writeFile(
      join(outside, 'targets.yaml'),
      `default: local\ntargets:\n  local:\n    url: sim\n# ${FAKE_KEY}\n`,
    );
    await rm(join(dir, 'targets.yaml'));
    await symlink(join(outside, 'targets.yaml'), join(dir, 'targets.yaml'));
    const run = await kzops(['routing', 'list', 'carrier-sbcs', '--dir', dir]);
    expect(run.code, output(run)).toBe(3);
    expect(run.stderr).toContain('symlink_outside');
    expectNothingLeaked(run);
  });
});
