/**
 * Day-2 rules at the process boundary (issue 13): `node bin/run.js` against a simulator
 * started here, for the exit codes and the flags as oclif parses them. The logic is checked
 * through the services in day2-services.test.ts. Run `npm run build` before this file alone.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/policy/audit.js';
import type { PlanJson } from '../../src/services/plan.js';
import type { SimHandle } from '../../src/sim/server.js';
import { requireBuilt, runKzops, SIM_SUPER_MASTER_KEY } from './cli-harness.js';
import { ROUTING, labForEachTest } from './reconcile-harness.js';

const ENV = {
  LAB_KEY: SIM_SUPER_MASTER_KEY,
  KZOPS_SANDBOX_CLUSTER_API_KEY: 'cluster-secret-day2-cli',
  KZOPS_OPERATOR: 'Grace Hopper',
  KZOPS_TARGET: undefined,
};

let work: string;
let dir: string;
let sim: SimHandle;

const kzops = (args: string[]) => runKzops(args, { cwd: work, env: ENV, timeoutMs: 30_000 });

beforeAll(() => requireBuilt('apply'));

labForEachTest('kzops-day2-cli-', (lab) => ({ work, dir, sim } = lab));

describe('kzops apply on a frozen target', () => {
  it('exits 5 naming the reason and sends nothing; --emergency applies (exit 0) and appends the audit line', async () => {
    await appendFile(join(dir, 'targets.yaml'), '    frozen: "carrier maintenance until Friday"\n');
    const refused = await kzops(['apply', '--dir', dir, '--yes']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(5);
    expect(refused.stderr).toContain('target lab is frozen: carrier maintenance until Friday');
    expect(refused.stderr).toContain('--emergency');
    expect(sim.requests).toEqual([]);

    const plan = await kzops(['plan', '--dir', dir]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('note: target lab is frozen: carrier maintenance until Friday');

    const run = await kzops(['apply', '--dir', dir, '--yes', '--emergency', 'SBC east down, INC-4411']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: --emergency overrides');
    const lines = (await readFile(join(work, '.kzops', 'audit.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '{}') as AuditRecord;
    expect(line).toMatchObject({
      operator: 'Grace Hopper',
      target: 'lab',
      outcome: 'applied',
      emergency: 'SBC east down, INC-4411',
      overrode: ['frozen'],
    });
    expect(line.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const text of [run.stdout, run.stderr, lines.join('\n')]) {
      expect(text).not.toContain(SIM_SUPER_MASTER_KEY);
      expect(text).not.toContain(ENV.KZOPS_SANDBOX_CLUSTER_API_KEY);
    }
  });
});

describe('--only and --exclude on the command line', () => {
  it('repeated --only flags are all kept; a ref that matches nothing exits 64 naming it', async () => {
    const run = await kzops([
      'plan',
      '--dir',
      dir,
      '--json',
      '--only',
      'carrier_sbcs/sprint-east',
      '--only',
      'media_servers/ny2',
      '--exclude',
      'customer_clusters/*',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as PlanJson;
    expect(json.targeting?.only).toEqual(['carrier_sbcs/sprint-east', 'media_servers/ny2']);
    expect(json.targeting?.exclude).toEqual(['customer_clusters/*']);

    const missing = await kzops(['plan', '--dir', dir, '--only', 'carrier_sbcs/sprint-nowhere']);
    expect(missing.code, missing.stderr).toBe(64);
    expect(missing.stderr).toContain('--only carrier_sbcs/sprint-nowhere: matches no resource');
    const drift = await kzops(['drift', '--dir', dir, '--exclude', 'nonsense']);
    expect(drift.code, drift.stderr).toBe(64);
    expect(drift.stderr).toContain('--exclude nonsense: not a resource reference');
    const apply = await kzops(['apply', '--dir', dir, '--yes', '--only', 'media_servers/zz9']);
    expect(apply.code, apply.stderr).toBe(64);
    expect(apply.stderr).toContain('media_servers/zz9');
    expect(sim.requests.filter((r) => r.method !== 'GET' && r.path.startsWith(ROUTING))).toEqual([]);
  });
});
