/**
 * The reconciling services (plan, apply, drift, export) driven directly, in-process: a
 * simulator on a loopback port, the example config pointed at it, and a captured Ui. What the
 * spawned *-cli tests check at the process boundary (flags, exit codes, stdio) stays there;
 * these check the logic, and what each service prints or asks.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, RefusedError } from '../../src/core/errors.js';
import { apply, type ApplyOptions } from '../../src/services/apply.js';
import { drift } from '../../src/services/drift.js';
import { exportTarget } from '../../src/services/export.js';
import type { InterruptWatch } from '../../src/services/interrupts.js';
import { configDigest, plan, type SavedPlan } from '../../src/services/plan.js';
import { captureUi, type Ui } from '../../src/services/ui.js';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import type { DriftJson } from '../../src/core/plan/drift.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { writeLabTargets } from './cli-harness.js';
import { ROUTING, simClient, SUPER_KEY, labForEachTest } from './reconcile-harness.js';

const ENV = { LAB_KEY: SUPER_KEY, KZOPS_SANDBOX_CLUSTER_API_KEY: 'cluster-secret-services-1' };

let work: string;
let dir: string;
let sim: SimHandle;

labForEachTest('kzops-services-', (lab) => ({ work, dir, sim } = lab));

/** A watch no signal reaches; `stop()` plays the first Ctrl-C. */
function fakeWatch(): InterruptWatch & { stop(): void } {
  const controller = new AbortController();
  let received: 'SIGINT' | undefined;
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    onForce: () => undefined,
    dispose: () => undefined,
    stop() {
      received = 'SIGINT';
      controller.abort(new Error('SIGINT received'));
    },
  };
}

const applyOptions = (more: Partial<ApplyOptions> = {}): ApplyOptions => ({
  dir,
  concurrency: 4,
  env: ENV,
  yes: true,
  allowDeletes: false,
  force: false,
  commit: false,
  lockTimeoutMs: 0,
  watchInterrupts: () => fakeWatch(),
  ...more,
});

const routingWrites = () => sim.requests.filter((r) => r.method !== 'GET' && r.path.startsWith(ROUTING));

describe('the plan service', () => {
  it('plans the example config against an empty target: creates only, printed nothing, saved with the config digest', async () => {
    const ui = captureUi();
    const out = join(work, 'plan.json');
    const run = await plan({ dir, concurrency: 4, env: ENV, out }, ui);
    expect(run.outcome).toBe('changes');
    expect(run.label).toBe(`lab (${sim.url})`);
    expect(run.json.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(run.json.fingerprint).toBe(run.fingerprint);
    expect(run.plan.changes.filter((c) => c.action !== 'create' && c.action !== 'noop')).toEqual([]);
    expect(run.plan.summary.create).toBeGreaterThan(0);
    expect(ui.stdout).toEqual([]);
    expect(ui.stderr).toEqual([]);
    expect(routingWrites()).toEqual([]);
    const saved = JSON.parse(await readFile(out, 'utf8')) as SavedPlan;
    expect(saved.target).toBe('lab');
    expect(saved.configDigest).toBe(configDigest(await readConfigDir(dir)));
    // The cluster secret is in the environment, never in the saved file.
    expect(await readFile(out, 'utf8')).not.toContain(ENV.KZOPS_SANDBOX_CLUSTER_API_KEY);
  });

  it('an invalid config: problems on out (on err for a JSON caller), ConfigError, nothing sent', async () => {
    await writeFile(join(dir, 'carrier_sbcs', 'broken.yaml'), 'name: [\n');
    const text = captureUi();
    await expect(plan({ dir, concurrency: 4, env: ENV }, text)).rejects.toBeInstanceOf(ConfigError);
    expect(text.stdout.join('\n')).toMatch(/carrier_sbcs\/broken\.yaml:\d+:\d+/);
    expect(text.stderr).toEqual([]);
    const json = captureUi();
    await expect(plan({ dir, concurrency: 4, env: ENV, json: true }, json)).rejects.toBeInstanceOf(
      ConfigError,
    );
    expect(json.stdout).toEqual([]);
    expect(json.stderr.join('\n')).toMatch(/carrier_sbcs\/broken\.yaml:\d+:\d+/);
    expect(sim.requests).toEqual([]);
  });
});

describe('the apply service', () => {
  it('without --yes and without a terminal refuses after showing the plan, and sends no write', async () => {
    const ui = captureUi({ interactive: false });
    await expect(apply(applyOptions({ yes: false }), ui)).rejects.toThrow(
      /apply needs --yes when it cannot ask/,
    );
    expect(ui.stdout.join('\n')).toMatch(/to create/);
    expect(ui.questions).toEqual([]);
    expect(routingWrites()).toEqual([]);
  });

  it('at a terminal asks once; "no" refuses and sends nothing', async () => {
    const ui = captureUi({ interactive: true, answers: [false] });
    await expect(apply(applyOptions({ yes: false }), ui)).rejects.toBeInstanceOf(RefusedError);
    expect(ui.questions).toHaveLength(1);
    expect(ui.questions[0]).toMatch(/^Apply \d+ change\(s\) to lab\?$/);
    expect(routingWrites()).toEqual([]);
  });

  it('"yes" applies everything; plan and drift then find nothing, and a second apply has no changes', async () => {
    const ui = captureUi({ interactive: true, answers: [true] });
    const run = await apply(applyOptions({ yes: false }), ui);
    expect(run.outcome).toBe('ok');
    expect(run.json.result).toBe('applied');
    expect(run.json.summary.failed + run.json.summary.skipped).toBe(0);
    expect(run.json.summary.done).toBe(run.json.steps.length);
    expect(run.json.state_file).toBe(join(dir, 'state', 'lab.json'));
    expect(existsSync(run.json.state_file)).toBe(true);
    const printed = ui.stdout.join('\n');
    expect(printed).toContain(`Applying to lab (${sim.url}):`);
    expect(printed).toMatch(/✓/);
    expect(routingWrites().length).toBeGreaterThan(0);
    // The lock is released.
    expect(await readdir(join(work, '.kzops', 'locks')).catch(() => [])).toEqual([]);

    expect((await plan({ dir, concurrency: 4, env: ENV }, captureUi())).outcome).toBe('ok');
    expect((await drift({ dir, concurrency: 4, env: ENV }, captureUi())).outcome).toBe('ok');
    const again = await apply(applyOptions(), captureUi());
    expect(again).toMatchObject({ outcome: 'ok', json: { result: 'no_changes', steps: [] } });
  });

  it('a saved plan whose config changed is refused before any request', async () => {
    const out = join(work, 'plan.json');
    await plan({ dir, concurrency: 4, env: ENV, out }, captureUi());
    const before = sim.requests.length;
    await writeFile(
      join(dir, 'media_servers', 'ny2.yaml'),
      `${await readFile(join(dir, 'media_servers', 'ny2.yaml'), 'utf8')}# edited\n`,
    );
    await expect(apply(applyOptions({ planFile: out }), captureUi())).rejects.toThrow(
      /the config changed since the plan was made/,
    );
    expect(sim.requests.length).toBe(before);
  });

  it("a fingerprint that is not the plan's is refused, nothing written", async () => {
    await expect(apply(applyOptions({ expectFingerprint: '000000000000' }), captureUi())).rejects.toThrow(
      /is not the one reviewed \(000000000000\)/,
    );
    expect(routingWrites()).toEqual([]);
    expect(existsSync(join(dir, 'state', 'lab.json'))).toBe(false);
  });

  it('stopped after its first step: outcome interrupted, the rest not started, the state recorded', async () => {
    const watch = fakeWatch();
    const base = captureUi();
    // Plays Ctrl-C as soon as the first step reports.
    const ui: Ui = {
      ...base,
      out(text) {
        base.out(text);
        if (/✓/.test(text) && watch.received === undefined) watch.stop();
      },
    };
    const run = await apply(applyOptions({ concurrency: 1, watchInterrupts: () => watch }), ui);
    expect(run.outcome).toBe('interrupted');
    expect(run.json.result).toBe('interrupted');
    expect(run.json.summary.done).toBeGreaterThanOrEqual(1);
    expect(run.json.summary.skipped).toBeGreaterThan(0);
    expect(base.stderr.join('\n')).toMatch(
      /^Interrupted: the steps done are recorded in .*lab\.json; \d+ were not started/m,
    );
    const state = JSON.parse(await readFile(join(dir, 'state', 'lab.json'), 'utf8')) as {
      resources: Record<string, unknown>;
    };
    expect(Object.keys(state.resources).length).toBeGreaterThanOrEqual(1);
    // The next run finishes the work.
    expect((await apply(applyOptions(), captureUi())).json.result).toBe('applied');
  });
});

// Moved from apply-cli.test.ts: the change threshold is the service's rule, not the CLI's.
describe("the apply service's change threshold", () => {
  const edit = async (path: string, from: string | RegExp, to: string): Promise<void> => {
    const text = await readFile(path, 'utf8');
    const next = text.replace(from, to);
    expect(next, `${path} has ${String(from)}`).not.toBe(text);
    await writeFile(path, next);
  };

  it('refuses a plan that changes more than max_change_percent of 10+ resources, unless forced', async () => {
    for (const n of [1, 2]) {
      await writeFile(
        join(dir, 'carrier_sbcs', `extra-${n}.yaml`),
        (await readFile(join(dir, 'carrier_sbcs', 'sprint-east.yaml'), 'utf8'))
          .replace('name: Sprint East SBC', `name: Extra SBC ${n}`)
          .replace('[203.0.113.10, 203.0.113.11]', `[198.18.0.${n}]`),
      );
    }
    expect((await apply(applyOptions(), captureUi())).json.result).toBe('applied');
    // 11 existing resources; 4 updates is 36%, over the default 30%.
    for (const key of ['sprint-east', 'sprint-west', 'extra-1', 'extra-2']) {
      await edit(join(dir, 'carrier_sbcs', `${key}.yaml`), /city: .*/, 'city: Elsewhere');
    }
    const writes = routingWrites().length;
    await expect(apply(applyOptions(), captureUi())).rejects.toThrow(
      'the plan changes 4 of 11 existing resources (36%), more than max_change_percent 30%',
    );
    expect(routingWrites().length).toBe(writes);
    const forced = await apply(applyOptions({ force: true }), captureUi());
    expect(forced.outcome).toBe('ok');
    expect(forced.json.summary).toEqual({ done: 4, failed: 0, skipped: 0 });
  });
});

describe('the drift service', () => {
  it('a document changed outside kzops after an apply: outcome changes, classified changed outside', async () => {
    await apply(applyOptions(), captureUi());
    const doc = Object.values(sim.state.media_servers)[0] as Record<string, unknown>;
    doc.name = `${String(doc.name)} (edited)`;
    const run = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(run.outcome).toBe('changes');
    expect(run.report.inSync).toBe(false);
    expect(run.json.summary.changed_outside).toBe(1);
  });
});

// Moved from drift-cli.test.ts: the classes of drift against the default seed (the example
// config's documents exist there, with other values), through the service.
describe('the drift service against the default seed', () => {
  const SANDBOX = 'aa2b36ac6a5edb290159cd1298283322';
  let seeded: SimHandle;

  beforeEach(async () => {
    seeded = await startSim({ port: 0, log: () => undefined });
    await writeLabTargets(dir, seeded.url);
  });

  afterEach(async () => {
    await seeded.close();
  });

  it('a document deleted outside kzops: changes, missing live', async () => {
    const applied = await apply(applyOptions(), captureUi());
    expect(applied.outcome).toBe('ok');
    const state = JSON.parse(await readFile(join(dir, 'state', 'lab.json'), 'utf8')) as {
      resources: Record<string, { id?: string }>;
    };
    expect(state.resources[`customer_clusters/${SANDBOX}`]?.id).toBe(SANDBOX);
    const client = simClient(seeded);
    try {
      await client.deleteCustomerCluster(SANDBOX);
    } finally {
      await client.close();
    }
    const run = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(run.outcome).toBe('changes');
    const report: DriftJson = run.json;
    expect(report.findings.filter((f) => f.class !== 'not_verifiable')).toEqual([
      {
        class: 'missing_live',
        kind: 'customer_clusters',
        key: SANDBOX,
        id: SANDBOX,
        name: 'Kazoo Sandbox',
        note: 'deleted outside kzops: apply will create it again',
      },
    ]);
    expect(report.summary).toMatchObject({ missing_live: 1, changed_outside: 0, pending: 0, verified: 7 });
  });

  it('with no state file (never applied): every config resource is pending', async () => {
    const run = await drift({ dir, concurrency: 4, env: ENV, json: true }, captureUi());
    expect(run.outcome).toBe('changes');
    const report: DriftJson = run.json;
    expect(report.in_sync).toBe(false);
    // The example config differs from the seed in every resource, and nothing has a baseline.
    expect(report.summary).toEqual({
      changed_outside: 0,
      missing_live: 0,
      unmanaged: 0,
      pending: 9,
      unknown_baseline: 0,
      not_verifiable: 1,
      verified: 0,
    });
    expect(JSON.stringify(report)).not.toContain(ENV.KZOPS_SANDBOX_CLUSTER_API_KEY);
  });
});

describe('the export service', () => {
  it('a dry run into a new directory lists every live document, writes nothing and removes what it made', async () => {
    await apply(applyOptions(), captureUi());
    const into = join(work, 'exported');
    const env = { ...ENV };
    // The new directory has no targets.yaml: name the server by KZOPS_URL.
    const run = await exportTarget({
      dir: into,
      concurrency: 4,
      dryRun: true,
      env: { ...env, KZOPS_URL: sim.url, KZOPS_API_KEY: SUPER_KEY },
    });
    expect(run.outcome).toBe('ok');
    expect(run.json.dry_run).toBe(true);
    expect(run.json.files.map((f) => f.status)).toEqual(run.json.files.map(() => 'created'));
    expect(run.json.files.map((f) => f.kind).sort()).toEqual(
      [
        ...Object.keys(sim.state.customer_clusters).map(() => 'customer_clusters'),
        ...Object.keys(sim.state.carrier_sbcs).map(() => 'carrier_sbcs'),
        ...Object.keys(sim.state.media_servers).map(() => 'media_servers'),
      ].sort(),
    );
    expect(existsSync(into)).toBe(false);
  });

  it('exporting into the config it was applied from changes no file', async () => {
    await apply(applyOptions(), captureUi());
    const run = await exportTarget({ dir, concurrency: 4, env: ENV });
    expect(run.json.files.length).toBeGreaterThan(0);
    expect(run.json.files.filter((f) => f.status !== 'unchanged')).toEqual([]);
  });
});
