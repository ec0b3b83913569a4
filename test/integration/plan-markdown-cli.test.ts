/**
 * `kzops plan --format markdown` (the pull-request comment) and the plan fingerprint, as CI
 * runs them: `node bin/run.js` on a copy of the example config, against the embedded simulator.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshExampleConfig, requireBuilt, runKzops, type RunResult } from './cli-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_KEY = 'cluster-secret-9e107d9d372bb682';

/** Each test runs the CLI several times, each a Node start-up: more than the default 20 s on a busy machine. */
const SLOW = 90_000;

let work: string;
let dir: string;

const kzops = (args: string[]) =>
  runKzops(args, { cwd: work, env: { [CLUSTER_KEY_ENV]: CLUSTER_KEY }, timeoutMs: 30_000 });

async function jsonFingerprint(): Promise<string> {
  const run = await kzops(['plan', '--json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { fingerprint: string }).fingerprint;
}

function expectClean(run: RunResult): void {
  expect(run.stdout).not.toContain(CLUSTER_KEY);
  expect(run.stderr).not.toContain(CLUSTER_KEY);
  expect(run.stdout).not.toContain('\u001b[');
}

const CHANGED = [
  'clusters/aa2b36ac6a5edb290159cd1298283322',
  'customer_clusters/8a901bea1d3297ef7d4c8d34809472c2',
  'customer_clusters/aa2b36ac6a5edb290159cd1298283322',
  'media_servers/ch2',
  'media_servers/ny2',
  'media_servers/sv4',
  'carrier_sbcs/sprint-central',
  'carrier_sbcs/sprint-east',
  'carrier_sbcs/sprint-west',
];

beforeAll(async () => {
  requireBuilt('plan');
  work = await mkdtemp(join(tmpdir(), 'kzops-plan-md-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

describe('kzops plan --format markdown on the example config', { timeout: SLOW }, () => {
  it('prints the summary, a row per change, the routing picture, details and the fingerprint', async () => {
    const run = await kzops(['plan', '--format', 'markdown']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expectClean(run);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('**local**: 1 to create, 8 to update, 0 to replace, 0 to delete');
    expect(lines[2]).toBe('| action | resource | fields |');
    for (const ref of CHANGED) expect(run.stdout).toContain(`| \`${ref}\` |`);
    expect(run.stdout).toContain(
      '| 🟡 update 🔒 protected | `customer_clusters/8a901bea1d3297ef7d4c8d34809472c2` |',
    );
    expect(run.stdout).toContain('- `api_key`: *(sensitive, changes)*');
    // Every SBC and media server changes, so each is marked in the picture.
    expect(run.stdout).toContain('```mermaid\nflowchart LR\n');
    expect(run.stdout).toMatch(/\n {2}class [a-z0-9_,]*\bms_ny2\b[a-z0-9_,]* changed\n/);
    expect(run.stdout).toContain('  ms_ny2 -.->|1| sbc_sprint_east\n');
    expect((run.stdout.match(/<details><summary>/g) ?? []).length).toBe(CHANGED.length);
    expect(run.stdout).not.toContain('Plan trimmed');
    const fingerprint = await jsonFingerprint();
    expect(run.stdout.endsWith(`<!-- kzops-plan-fingerprint: local ${fingerprint} -->\n`)).toBe(true);
    expect(run.stdout).toContain(`Plan fingerprint: \`${fingerprint.slice(0, 12)}\`\n`);
  });

  it('is the same on a second run (no dates), and says no changes once applied', async () => {
    const first = await kzops(['plan', '--format', 'markdown']);
    const second = await kzops(['plan', '--format', 'markdown']);
    expect(second.stdout).toBe(first.stdout);
    const apply = await kzops(['apply', '--yes']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const after = await kzops(['plan', '--format', 'markdown', '--detailed-exitcode']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout.split('\n')[0]).toBe('**local**: no changes');
    expect(after.stdout).not.toContain('| resource |');
    expect(after.stdout).not.toContain('```mermaid');
    expect(after.stdout).toContain(`<!-- kzops-plan-fingerprint: local ${await jsonFingerprint()} -->`);
  });

  it('--max-chars keeps the comment under the limit, with the table, a note and the fingerprint', async () => {
    const full = await kzops(['plan', '--format', 'markdown']);
    const max = 4000;
    expect(full.stdout.length).toBeGreaterThan(max);
    const run = await kzops(['plan', '--format', 'markdown', '--max-chars', String(max)]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.length).toBeLessThanOrEqual(max);
    for (const ref of CHANGED) expect(run.stdout).toContain(`| \`${ref}\` |`);
    const shown = (run.stdout.match(/<details><summary>/g) ?? []).length;
    expect(shown).toBeLessThan(CHANGED.length);
    expect(run.stdout).toContain(
      `Plan trimmed: ${shown} of ${CHANGED.length} resources shown; the full plan is in the workflow artifact`,
    );
    expect(run.stdout).toContain(`<!-- kzops-plan-fingerprint: local ${await jsonFingerprint()} -->`);
  });

  it('--max-chars is for markdown only, and has a floor: exit 64', async () => {
    const text = await kzops(['plan', '--max-chars', '60000']);
    expect(text.code).toBe(64);
    expect(text.stderr).toContain('--max-chars applies to --format markdown only');
    expect(text.stdout).toBe('');
    const tiny = await kzops(['plan', '--format', 'markdown', '--max-chars', '10']);
    expect(tiny.code).toBe(64);
    const format = await kzops(['plan', '--format', 'html']);
    expect(format.code).toBe(64);
  });
});

describe('the plan fingerprint', { timeout: SLOW }, () => {
  it('is in the text footer, just above the summary line, and in --json', async () => {
    const run = await kzops(['plan']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const fingerprint = await jsonFingerprint();
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(lines.at(-2)).toBe(`Plan fingerprint: ${fingerprint.slice(0, 12)}`);
    expect(lines.at(-1)).toBe('Plan: 1 to create, 8 to update, 0 to replace, 0 to delete.');
  });

  it('is the same when planning again, and changes with the config', async () => {
    const first = await jsonFingerprint();
    // A saved plan records live fingerprints and a date; neither is part of the plan fingerprint.
    expect((await kzops(['plan', '--out', join(work, 'plan.json')])).code).toBe(0);
    expect(await jsonFingerprint()).toBe(first);
    const path = join(dir, 'media_servers', 'ny2.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('city: New York', 'city: Brooklyn'));
    const edited = await jsonFingerprint();
    expect(edited).not.toBe(first);
  });
});
