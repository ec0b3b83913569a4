/**
 * `kzops conformance` as a user runs it (`node bin/run.js`; run `npm run build` first): the
 * exit code, `--json` on stdout, and the table. The checks themselves are proven in
 * conformance.test.ts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceJson } from '../../src/core/conformance/catalog.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { REPO, SIM_SUPER_MASTER_KEY, requireBuilt, runKzops } from './cli-harness.js';
import { startDeviantProxy, type DeviantProxy } from './deviant-proxy.js';

const CLUSTER = 'c1a5c1a5c1a5c1a5c1a5c1a5c1a5c1a5';

let work: string;
let dir: string;
let lab: SimHandle;
let proxy: DeviantProxy;

beforeAll(async () => {
  requireBuilt('conformance');
  work = await mkdtemp(join(tmpdir(), 'kzops-conformance-'));
  lab = await startSim({ port: 0, log: () => undefined });
  proxy = await startDeviantProxy(lab.url, 'unknown-key-401');
  dir = join(work, 'config');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'targets.yaml'),
    [
      'default: deviant',
      'targets:',
      '  deviant:',
      `    url: ${proxy.url}`,
      `    cluster_id: ${CLUSTER}`,
      '    api_key_env: LAB_KEY',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await proxy.close();
  await lab.close();
  await rm(work, { recursive: true, force: true });
});

describe('kzops conformance', () => {
  it('--json against the embedded simulator: schema-valid JSON on stdout, nothing failed, exit 0', async () => {
    const empty = join(work, 'no-config');
    await mkdir(empty, { recursive: true });
    const run = await runKzops(['conformance', '--allow-writes', '--json'], {
      cwd: empty,
      timeoutMs: 30_000,
    });
    const report = JSON.parse(run.stdout) as ConformanceJson;
    const schema = JSON.parse(
      await readFile(join(REPO, 'schemas', 'output', 'conformance.schema.json'), 'utf8'),
    ) as object;
    const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.checks.filter((c) => c.result === 'fail')).toEqual([]);
    expect(report).toMatchObject({ target: 'embedded simulator', failed: 0, skipped: 0 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('exits 1 with the failing check in the table when the server deviates, and never prints the key', async () => {
    const run = await runKzops(['conformance', '--dir', dir], {
      cwd: work,
      env: { LAB_KEY: SIM_SUPER_MASTER_KEY },
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`conformance of deviant (${proxy.url}) (read-only checks)`);
    expect(lines).toContainEqual(expect.stringMatching(/^CHECK +RESULT +EVIDENCE$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^auth\.unknown-key +fail +PUT \/v2\/api_auth → 401 .*\[request /),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^write\.delete +skip +not run: read-only/));
    expect(lines.at(-2)).toMatch(/^\d+ passed, 1 failed, 9 skipped$/);
    expect(run.stdout + run.stderr).not.toContain(SIM_SUPER_MASTER_KEY);
    // The target's cluster id went with every request.
    const sent = lab.requests.filter((r) => r.path.startsWith('/v2/'));
    expect(sent.length).toBeGreaterThan(20);
    expect(sent.every((r) => r.cluster_id === CLUSTER)).toBe(true);
  });
});
