/**
 * `--dir` and `--target`: how a command picks its server from targets.yaml, as a user runs it
 * (`node bin/run.js`; `npm test` builds dist/ first).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops } from './cli-harness.js';

const CLUSTER = 'c1a5c1a5c1a5c1a5c1a5c1a5c1a5c1a5';

const kzops = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKzops(args, { env, cwd: tmpdir() });

let lab: SimHandle;
let work: string;
let dir: string;

beforeAll(async () => {
  requireBuilt('routing/list');
  lab = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-targets-'));
  dir = join(work, 'config');
  await writeConfig(
    dir,
    [
      'default: local',
      'targets:',
      '  local:',
      '    url: sim',
      '  lab:',
      `    url: ${lab.url}/v2`,
      `    cluster_id: ${CLUSTER}`,
      '    api_key_env: LAB_KEY',
    ].join('\n'),
  );
});

afterAll(async () => {
  await lab.close();
  await rm(work, { recursive: true, force: true });
});

async function writeConfig(at: string, targets: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'targets.yaml'), targets + '\n');
}

const list = ['routing', 'list', 'customer-clusters'];

describe('choosing the target', () => {
  it("uses targets.yaml's default (here the embedded simulator)", async () => {
    const run = await kzops([...list, '--dir', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('customer-clusters on local (embedded simulator): 2');
  });

  it('--target picks a real server, with its key from the named variable and its cluster id', async () => {
    const before = lab.requests.length;
    const run = await kzops([...list, '--dir', dir, '--target', 'lab'], {
      LAB_KEY: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`customer-clusters on lab (${lab.url}): 2`);
    const sent = lab.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual(['/v2/api_auth', '/v2/support/routing/customer_clusters']);
    expect(sent.every((r) => r.cluster_id === CLUSTER)).toBe(true);
  });

  it('KZOPS_TARGET picks the target when --target is not given', async () => {
    const run = await kzops([...list, '--dir', dir], {
      KZOPS_TARGET: 'lab',
      LAB_KEY: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`on lab (${lab.url})`);
  });

  it('--target wins over KZOPS_TARGET', async () => {
    const run = await kzops([...list, '--dir', dir, '--target', 'local'], { KZOPS_TARGET: 'lab' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('on local (embedded simulator)');
  });
});

describe('refusals', () => {
  it('a target whose key variable is unset: exit 3, naming the variable, nothing sent', async () => {
    const before = lab.requests.length;
    const run = await kzops([...list, '--dir', dir, '--target', 'lab']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('LAB_KEY');
    expect(lab.requests.length).toBe(before);
  });

  it('an unknown target: exit 64 with the known ones', async () => {
    const run = await kzops([...list, '--dir', dir, '--target', 'prod']);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/--target prod: no such target/);
    expect(run.stderr).toMatch(/known targets: local, lab/);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a target named like a property every object has (%s) is unknown too: exit 64',
    async (name) => {
      const run = await kzops([...list, '--dir', dir, '--target', name]);
      expect(run.code, run.stderr).toBe(64);
      expect(run.stderr).toContain(`--target ${name}: no such target`);
    },
  );

  it('an invalid targets.yaml: exit 3 pointing at file:line:col', async () => {
    const bad = join(work, 'bad');
    await writeConfig(bad, 'default: local\ntargets:\n  local:\n    url: ftp://example.net\n');
    const run = await kzops([...list, '--dir', bad]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`${join(bad, 'targets.yaml')}:4:10`);
  });

  it('--dir that does not exist: exit 64', async () => {
    const run = await kzops([...list, '--dir', join(work, 'missing')]);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/--dir .*missing: no such directory/);
  });

  it('--target with no targets.yaml in the directory: exit 64', async () => {
    const run = await kzops([...list, '--dir', work, '--target', 'lab']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('there is no targets.yaml');
  });
});
