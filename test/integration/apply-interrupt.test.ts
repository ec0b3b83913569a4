/**
 * Ctrl-C and SIGTERM during `kzops apply`, at the process boundary: the first signal stops
 * starting steps, lets the ones under way finish, writes the state with what finished, releases
 * the lock and exits 130 (143 for SIGTERM); a second signal exits at once, still leaving a
 * whole state file and no lock. Either way the next apply finishes the work without duplicates.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  requireBuilt,
  runKzops,
  runKzopsAndSignal,
  writeLabTargets,
} from './cli-harness.js';
import { startEmptyRoutingSim, SUPER_KEY } from './reconcile-harness.js';

const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const ENV = { LAB_KEY: SUPER_KEY, [CLUSTER_KEY_ENV]: 'cluster-secret-interrupt-1' };

let work: string;
let dir: string;
let sim: SimHandle;

beforeAll(() => requireBuilt('apply'));

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'kzops-interrupt-'));
  dir = await freshExampleConfig(work);
  // Slow enough that a signal lands in the middle of the run.
  sim = await startEmptyRoutingSim({ latencyMs: 250 });
  await writeLabTargets(dir, sim.url);
});

afterEach(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

/** `kzops apply`, signalled `signals` (in order, `gapMs` apart) once its first step is done. */
const applyAndSignal = (signals: NodeJS.Signals[], gapMs = 0) =>
  runKzopsAndSignal(['apply', '--dir', dir, '--yes', '--concurrency', '1'], {
    cwd: work,
    env: ENV,
    // the first step line after "Applying to"
    when: /Applying to[^]*✓/,
    signals,
    gapMs,
  });

const statePath = () => join(dir, 'state', 'lab.json');
const lockFile = () => join(work, '.kzops', 'locks', 'lab.lock');
const countByName = (kind: 'carrier_sbcs' | 'media_servers') => {
  const names = Object.values(sim.state[kind]).map((d) => d.name as string);
  return { total: names.length, distinct: new Set(names).size };
};

async function expectFinishedBySecondApply(): Promise<void> {
  const again = await runKzops(['apply', '--dir', dir, '--yes', '--json'], {
    cwd: work,
    env: ENV,
    timeoutMs: 60_000,
  });
  expect(again.code, again.stderr).toBe(0);
  const plan = await runKzops(['plan', '--dir', dir, '--detailed-exitcode'], {
    cwd: work,
    env: ENV,
    timeoutMs: 60_000,
  });
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  for (const kind of ['carrier_sbcs', 'media_servers'] as const) {
    const { total, distinct } = countByName(kind);
    expect(total, `${kind}: no duplicate`).toBe(distinct);
  }
}

describe('kzops apply interrupted', () => {
  it('Ctrl-C once: finishes what is under way, records it, releases the lock, exits 130', async () => {
    const run = await applyAndSignal(['SIGINT']);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toMatch(/SIGINT received: starting nothing more/);
    expect(run.stderr).toMatch(
      /Interrupted: the steps done are recorded in .*lab\.json; \d+ were not started/,
    );
    expect(run.stderr).not.toMatch(/bug in kzops|at .*\.js:\d+/);
    expect(existsSync(lockFile())).toBe(false);
    // The state holds every created document that exists live, and nothing that does not.
    const state = JSON.parse(await readFile(statePath(), 'utf8')) as {
      resources: Record<string, { id: string }>;
    };
    const recorded = Object.entries(state.resources).filter(([ref]) => !ref.startsWith('clusters/'));
    expect(recorded.length).toBeGreaterThan(0);
    for (const [ref, entry] of recorded) {
      const kind = ref.split('/')[0] as 'carrier_sbcs' | 'media_servers' | 'customer_clusters';
      expect(sim.state[kind][entry.id], ref).toBeDefined();
    }
    const live = Object.keys(sim.state.carrier_sbcs).length + Object.keys(sim.state.media_servers).length;
    expect(live).toBeLessThan(9); // stopped before the end: 3 media servers and 6 SBCs in the example
    await expectFinishedBySecondApply();
  });

  it('SIGTERM exits 143 the same way', async () => {
    const run = await applyAndSignal(['SIGTERM']);
    expect(run.code, run.stderr).toBe(143);
    expect(run.stderr).toMatch(/SIGTERM received/);
    expect(existsSync(lockFile())).toBe(false);
    await expectFinishedBySecondApply();
  });

  it('a second Ctrl-C exits at once, leaving a whole state file and no lock', async () => {
    const run = await applyAndSignal(['SIGINT', 'SIGINT'], 20);
    expect(run.code).toBe(130);
    expect(run.ms).toBeLessThan(5_000);
    expect(existsSync(lockFile())).toBe(false);
    if (existsSync(statePath())) JSON.parse(await readFile(statePath(), 'utf8')); // whole, if written
    await expectFinishedBySecondApply();
  });
});
