/**
 * The composite action's driver (scripts/kzops-action.mjs) with the real kzops (bin/run.js
 * from dist/) on a copy of the example config, against the embedded simulator: one `kzops
 * plan` run per target gives the pull-request comment and the saved plan, and the comment's
 * fingerprint is the plan's. Run `npm run build` before running this file alone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO, freshExampleConfig, requireBuilt, runKzops } from './cli-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-5a1e0c3d9b7f2e11';
const SLOW = 90_000;

let work: string;

beforeAll(async () => {
  requireBuilt('plan');
  work = await mkdtemp(join(tmpdir(), 'kzops-gh-action-'));
  await freshExampleConfig(work);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the action driver with the real kzops', { timeout: SLOW }, () => {
  it('plan: one run writes the comment and the saved plan, with the same fingerprint as --json', async () => {
    const output = join(work, 'github-output');
    const summary = join(work, 'summary');
    await writeFile(output, '');
    await writeFile(summary, '');
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(REPO, 'scripts', 'kzops-action.mjs'), 'plan'],
        {
          cwd: work,
          timeout: 60_000,
          env: {
            PATH: process.env.PATH ?? '',
            KZOPS_BIN: BIN,
            KZOPS_HOME: REPO,
            [CLUSTER_KEY_ENV]: CLUSTER_KEY,
            GITHUB_OUTPUT: output,
            GITHUB_STEP_SUMMARY: summary,
            INPUT_TARGETS: 'local',
            INPUT_REPORT_DIR: 'plans',
          },
        },
        (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code ?? 1), stdout, stderr }),
      );
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // kzops plan ran once, for the one target.
    expect(run.stdout.match(/::group::kzops plan /g)).toHaveLength(1);
    const comment = await readFile(join(work, 'plans', 'comment.md'), 'utf8');
    const saved = JSON.parse(await readFile(join(work, 'plans', 'local.plan.json'), 'utf8')) as {
      target: string;
      plan: { summary: Record<string, number> };
    };
    expect(saved.target).toBe('local');
    expect(comment).toContain('**local**: 1 to create, 8 to update, 0 to replace, 0 to delete');
    expect(comment).toContain('| action | resource | fields |');
    expect(saved.plan.summary).toMatchObject({ create: 1, update: 8 });

    const json = await runKzops(['plan', '--json'], { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY } });
    const { fingerprint } = JSON.parse(json.stdout) as { fingerprint: string };
    expect(comment).toContain(`<!-- kzops-plan-fingerprint: local ${fingerprint} -->`);
    expect(await readFile(output, 'utf8')).toMatch(
      new RegExp(`^fingerprint<<(\\S+)\\n${fingerprint}\\n\\1$`, 'm'),
    );
    expect(await readFile(summary, 'utf8')).toBe(comment);
    for (const text of [comment, run.stdout, run.stderr]) expect(text).not.toContain(CLUSTER_KEY);
  });
});
