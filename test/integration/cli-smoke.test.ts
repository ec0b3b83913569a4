/**
 * Each command once as a real process (`node bin/run.js`, run `npm run build` first): its exit
 * code as the shell sees it, its output on stdout and nothing on stderr, or its error on stderr
 * and nothing on stdout. Everything else about the commands is tested in-process (runKzops in
 * cli-harness.ts); `kzops sim` as a process in sim-lifecycle.test.ts and cli.test.ts.
 *
 * One work directory with a copy of the example config, whose default target is the embedded
 * simulator; the runs go in table order (plan sees changes, apply makes them, drift finds none).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/seed.js';
import { freshExampleConfig, requireBuilt, runKzopsSpawned } from './cli-harness.js';

let work: string;

beforeAll(async () => {
  requireBuilt('validate');
  work = await mkdtemp(join(tmpdir(), 'kzops-smoke-'));
  await freshExampleConfig(work);
  await mkdir(join(work, 'bad'));
  await writeFile(join(work, 'bad', 'targets.yaml'), 'default: [\n');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const J = SEED_IDS.accounts.joe;
const SUB = SEED_IDS.subscriptions.joe;

interface Case {
  args: string[];
  code: number;
  /** What stdout starts with (a success), or undefined: stdout is empty and stderr is not. */
  stdout?: RegExp;
  /** What stderr holds when the run fails. */
  stderr?: RegExp;
}

const CASES: Case[] = [
  { args: ['--version'], code: 0, stdout: /^kzops\/\d+\.\d+\.\d+ / },
  { args: ['--help'], code: 0, stdout: /^GitOps config-as-code/ },
  // A mistyped command (issue 12 item 7 changes this to a suggestion and 64).
  { args: ['nope'], code: 64, stderr: /nope is not a kzops command/ },
  { args: ['validate'], code: 0, stdout: /^config is valid: \d+ files checked/ },
  { args: ['validate', '--bogus'], code: 64, stderr: /^error: Nonexistent flag: --bogus\nhint: / },
  { args: ['validate', '--dir', 'bad'], code: 3, stdout: /bad\/targets\.yaml/ },
  { args: ['plan', '--detailed-exitcode'], code: 2, stdout: /^Plan for target local \(embedded simulator\)/ },
  { args: ['apply', '--yes'], code: 0, stdout: /^Plan for target local \(embedded simulator\)/ },
  { args: ['drift'], code: 0, stdout: /^Drift for target local \(embedded simulator\)/ },
  { args: ['graph'], code: 0, stdout: /^flowchart LR/ },
  { args: ['export', '--dry-run'], code: 0, stdout: /^Export from local \(embedded simulator\)/ },
  { args: ['init', 'newcfg', '--no-git'], code: 0, stdout: /^Created a kzops config repository in newcfg/ },
  { args: ['schema', 'carrier-sbc'], code: 0, stdout: /^\{\n {2}"\$schema"/ },
  {
    args: ['routing', 'list', 'carrier-sbcs'],
    code: 0,
    stdout: /^carrier-sbcs on local \(embedded simulator\): 3/,
  },
  {
    args: ['routing', 'get', 'carrier-sbcs', SEED_IDS.carrierSbcs.east],
    code: 0,
    stdout: new RegExp(`^id: ${SEED_IDS.carrierSbcs.east}\n`),
  },
  { args: ['lock', 'status'], code: 0, stdout: /^Target local:/ },
  { args: ['lock', 'release'], code: 0, stdout: /^Target local is not locked\./ },
  {
    args: ['devices', 'subscription', '270113180000001111'],
    code: 0,
    stdout: /^Carrier subscription \(sprint\)/,
  },
  {
    args: ['devices', 'import', J, '--mdn', '555-000-4441', '--name', 'Front desk', '--dry-run'],
    code: 0,
    stdout: /^curl -sS -X PUT /,
  },
  {
    args: ['devices', 'patch', J, SEED_IDS.devices.joe, '--set', 'name="Joe mobile"', '--dry-run'],
    code: 0,
    stdout: /^curl -sS -X PATCH /,
  },
  {
    args: ['numbers', 'device', '555-000-1111'],
    code: 0,
    stdout: new RegExp(`^Device ${SEED_IDS.devices.joe} `),
  },
  { args: ['numbers', 'subscription', '415-748-7153'], code: 0, stdout: /^Carrier subscription \(sprint\)/ },
  {
    args: ['subscriptions', 'lookup', '--mdn', '415-748-7153'],
    code: 0,
    stdout: /^Carrier subscription \(sprint\)/,
  },
  {
    args: ['subscriptions', 'import', J, '--mdn', '555-000-4441', '--dry-run'],
    code: 0,
    stdout: /^curl -sS -X PUT /,
  },
  {
    args: ['subscriptions', 'patch', J, SUB, '--set', 'plan="260PLAN1"', '--dry-run'],
    code: 0,
    stdout: /^curl -sS -X PATCH /,
  },
  {
    args: [
      'subscriptions',
      'move',
      J,
      SUB,
      '--to-account',
      SEED_IDS.accounts.hotspot,
      '--mdn',
      '555-000-1111',
      '--dry-run',
    ],
    code: 0,
    stdout: /^Carrier subscription \(sprint\)[\s\S]*\ncurl -sS -X /,
  },
  {
    args: ['subscriptions', 'delete', J, SUB, '--mdn', '555-000-1111', '--dry-run'],
    code: 0,
    stdout: /^Carrier subscription \(sprint\)[\s\S]*\ncurl -sS -X DELETE /,
  },
  {
    args: ['usage', 'audit', '--month', '201701'],
    code: 0,
    stdout: /^Usage audit on local \(embedded simulator\): 201701/,
  },
  {
    args: ['usage', 'unknown-numbers', '--month', '201611'],
    code: 0,
    stdout: /^Usage of unknown numbers on local \(embedded simulator\): 201611/,
  },
  { args: ['ports', 'poll', '--dry-run'], code: 0, stdout: /^curl -sS -X POST / },
  {
    args: ['ports', 'status', SEED_IDS.ports.joe, '--code', 'completed', '--dry-run'],
    code: 0,
    stdout: /^curl -sS -X POST /,
  },
  {
    args: ['conformance'],
    code: 0,
    stdout: /^conformance of local \(embedded simulator\) \(read-only checks\)/,
  },
];

describe('every command as a process: exit code, stdout and stderr', () => {
  it.each(CASES.map((c) => [c.args.join(' '), c] as const))(
    'kzops %s',
    async (_, c) => {
      const run = await runKzopsSpawned(c.args, {
        cwd: work,
        env: { KZOPS_SANDBOX_CLUSTER_API_KEY: 'demo-cluster-key' },
        timeoutMs: 45_000,
      });
      expect(run.signal).toBeNull();
      expect(run.code, run.stderr).toBe(c.code);
      if (c.stdout !== undefined) {
        expect(run.stdout).toMatch(c.stdout);
        if (c.stderr === undefined) expect(run.stderr).toBe('');
      } else {
        expect(run.stdout).toBe('');
      }
      if (c.stderr !== undefined) expect(run.stderr).toMatch(c.stderr);
    },
    60_000,
  );
});
