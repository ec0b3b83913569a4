/**
 * Day-2 rules of a target through the reconciling services, in-process against a simulator
 * (issue 13): `unmanaged` and `ignore` in plan and drift, `--only`/`--exclude` in plan, apply
 * and drift, `frozen` and `change_windows` refusing apply before any request, `--emergency`
 * overriding them, and the audit line every apply appends. The exit codes at the process
 * boundary are checked in day2-cli.test.ts.
 */
import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { RefusedError, UsageError } from '../../src/core/errors.js';
import type { AuditRecord } from '../../src/core/policy/audit.js';
import { renderPlanMarkdown } from '../../src/render/plan-markdown.js';
import { renderPlanText } from '../../src/render/plan-text.js';
import { apply, type ApplyOptions } from '../../src/services/apply.js';
import { drift } from '../../src/services/drift.js';
import type { InterruptWatch } from '../../src/services/interrupts.js';
import { plan, type SavedPlan } from '../../src/services/plan.js';
import { captureUi } from '../../src/services/ui.js';
import type { SimHandle } from '../../src/sim/server.js';
import { REPO, writeLabTargets } from './cli-harness.js';
import { idNamed, ROUTING, simClient, SUPER_KEY, labForEachTest } from './reconcile-harness.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const CLUSTER_SECRET = 'cluster-secret-day2-7f3e';
const ENV = { LAB_KEY: SUPER_KEY, KZOPS_SANDBOX_CLUSTER_API_KEY: CLUSTER_SECRET };
const OPERATOR = 'Ada Lovelace <ada@example.net>';

let work: string;
let dir: string;
let sim: SimHandle;

labForEachTest('kzops-day2-', (lab) => ({ work, dir, sim } = lab));

/** Lines added under the `lab` target of targets.yaml (each indented by four spaces). */
async function labRules(...lines: string[]): Promise<void> {
  await appendFile(join(dir, 'targets.yaml'), lines.map((l) => `    ${l}\n`).join(''));
}

const quietWatch = (): InterruptWatch => ({
  signal: new AbortController().signal,
  received: undefined,
  onForce: () => undefined,
  dispose: () => undefined,
});

const applyOptions = (more: Partial<ApplyOptions> = {}): ApplyOptions => ({
  dir,
  concurrency: 4,
  env: { ...ENV, KZOPS_OPERATOR: OPERATOR },
  yes: true,
  allowDeletes: false,
  force: false,
  commit: false,
  lockTimeoutMs: 0,
  watchInterrupts: () => quietWatch(),
  ...more,
});

const auditPath = () => join(work, '.kzops', 'audit.jsonl');
async function auditLines(): Promise<AuditRecord[]> {
  const text = await readFile(auditPath(), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord);
}

const routingWrites = () =>
  sim.requests.filter((r) => r.method !== 'GET' && r.path.startsWith(ROUTING)).map((r) => r.method);

async function schema(name: string): Promise<(data: unknown) => void> {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // All added first: apply's schema refers to plan's.
  const out = join(REPO, 'schemas', 'output');
  for (const file of await readdir(out)) {
    if (file.endsWith('.schema.json'))
      ajv.addSchema(JSON.parse(await readFile(join(out, file), 'utf8')) as object, file);
  }
  const check = ajv.getSchema(`${name}.schema.json`);
  if (check === undefined) throw new Error(`no schema ${name}`);
  return (data) => {
    if (!check(data)) throw new Error(JSON.stringify(check.errors, null, 2));
  };
}

/**
 * After a full apply of the example config, the config moves on: sprint-east now points at a
 * new media server ny3 (which lists only it), and sprint-west's city changes. A full plan then
 * creates ny3 and updates both SBCs.
 */
async function appliedThenEdited(): Promise<void> {
  expect(
    (await apply(applyOptions({ auditLog: join(work, 'setup-audit.jsonl') }), captureUi())).outcome,
  ).toBe('ok');
  await writeFile(
    join(dir, 'media_servers', 'ny3.yaml'),
    [
      'name: NY3 Mobile Media Server',
      'location: {zone: east, state: NY, city: New York}',
      'carrier_sbc_priority:',
      '  sprint: [sprint-east]',
      '',
    ].join('\n'),
  );
  const east = join(dir, 'carrier_sbcs', 'sprint-east.yaml');
  await writeFile(
    east,
    (await readFile(east, 'utf8')).replace('mobile_media_server: ny2', 'mobile_media_server: ny3'),
  );
  const west = join(dir, 'carrier_sbcs', 'sprint-west.yaml');
  const westText = await readFile(west, 'utf8');
  const edited = westText.replace(/city: .*/, 'city: Sacramento');
  expect(edited).not.toBe(westText);
  await writeFile(west, edited);
}

/** An outside SBC (another team's), made through the API, not through kzops. */
async function outsideSbc(name: string): Promise<string> {
  const client = simClient(sim);
  try {
    const ny2 = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    const made = await client.createCarrierSbc({
      name,
      carrier: 'sprint',
      location: { zone: 'west', state: 'CA', city: 'Fresno' },
      ips: ['198.51.100.7'],
      mobile_media_server: ny2,
    });
    return made.data.id;
  } finally {
    await client.close();
  }
}

/** Weekday (mon…sun) and HH:MM of `instant` on the wall clock of `tz`. */
function wall(instant: Date, tz: string): { day: string; hhmm: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: get('weekday').toLowerCase(), hhmm: `${get('hour')}:${get('minute')}` };
}

/** A change window from `fromMs` to `toMs` (relative to now), written for targets.yaml in `tz`. */
function windowLine(now: Date, fromMs: number, toMs: number, tz: string): string {
  const from = wall(new Date(now.getTime() + fromMs), tz);
  const to = wall(new Date(now.getTime() + toMs), tz);
  return `  - {days: [${from.day}], from: "${from.hhmm}", to: "${to.hhmm}", tz: ${tz}}`;
}

const HOUR = 3_600_000;

describe('unmanaged and ignore rules', () => {
  it('an unmanaged SBC: drift lists it and stays green by default, exits 2 under unmanaged: fail', async () => {
    expect((await apply(applyOptions(), captureUi())).outcome).toBe('ok');
    const id = await outsideSbc('Hand-made SBC');

    const report = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(report.outcome).toBe('ok');
    expect(report.json.unmanaged_policy).toBe('report');
    expect(report.json.findings.filter((f) => f.class === 'unmanaged').map((f) => f.id)).toEqual([id]);
    (await schema('drift'))(report.json);

    await labRules('unmanaged: fail');
    const failing = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(failing.outcome).toBe('changes');
    expect(failing.json.unmanaged_policy).toBe('fail');
    expect(failing.json.findings.filter((f) => f.class === 'unmanaged').map((f) => f.id)).toEqual([id]);
  });

  it('an ignore rule by name hides the live SBC from plan and drift, even under unmanaged: fail', async () => {
    expect((await apply(applyOptions(), captureUi())).outcome).toBe('ok');
    const id = await outsideSbc('Legacy West SBC');
    await labRules('unmanaged: fail', 'ignore:', '  - {kind: carrier_sbcs, name: "Legacy *"}');

    const planned = await plan({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(planned.outcome).toBe('ok');
    expect(planned.plan.unmanaged).toEqual([]);
    expect(JSON.stringify(planned.json)).not.toContain(id);

    const report = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(report.outcome).toBe('ok');
    expect(JSON.stringify(report.json)).not.toContain(id);
  });

  it('an ignored field changed by another system is neither drift nor a stale saved plan', async () => {
    await labRules('ignore:', '  - {kind: media_servers, fields: [interfaces.carrier_mpls.att]}');
    expect((await apply(applyOptions(), captureUi())).outcome).toBe('ok');
    const out = join(work, 'plan.json');
    await plan({ dir, concurrency: 4, env: ENV, out }, captureUi());
    const ny2 = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    const client = simClient(sim);
    try {
      await client.patchMediaServer(ny2, { interfaces: { carrier_mpls: { att: 'sipinterface_att' } } });
    } finally {
      await client.close();
    }

    const report = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(report.json.findings.filter((f) => f.class === 'changed_outside')).toEqual([]);
    expect(report.outcome).toBe('ok');
    const saved = await apply(applyOptions({ planFile: out }), captureUi());
    expect(saved.json.result).toBe('no_changes');

    // The same outside change without the rule is drift: the rule is what hides it.
    await writeLabTargets(dir, sim.url);
    const unruled = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(unruled.outcome).toBe('changes');
    expect(unruled.json.findings.filter((f) => f.class === 'changed_outside').map((f) => f.key)).toEqual([
      'ny2',
    ]);
  });
});

describe('--only and --exclude', () => {
  it('--only one SBC brings the new media server it points at, marked as a dependency in text, markdown and JSON', async () => {
    await appliedThenEdited();
    const full = await plan({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(
      full.plan.changes
        .filter((c) => c.action !== 'noop')
        .map((c) => `${c.action} ${c.kind}/${c.key}`)
        .sort(),
    ).toEqual([
      'create media_servers/ny3',
      'update carrier_sbcs/sprint-east',
      'update carrier_sbcs/sprint-west',
    ]);

    const ui = captureUi();
    const run = await plan({ dir, concurrency: 4, env: ENV, only: ['carrier_sbcs/sprint-east'] }, ui);
    const acting = run.plan.changes.filter((c) => c.action !== 'noop');
    expect(acting.map((c) => `${c.action} ${c.kind}/${c.key}`).sort()).toEqual([
      'create media_servers/ny3',
      'update carrier_sbcs/sprint-east',
    ]);
    expect(run.json.changes.find((c) => c.key === 'ny3')?.included_as_dependency).toEqual([
      'carrier_sbcs/sprint-east',
    ]);
    expect(run.json.changes.find((c) => c.key === 'sprint-east')?.included_as_dependency).toBeUndefined();
    expect(run.json.targeting).toEqual({
      only: ['carrier_sbcs/sprint-east'],
      exclude: [],
      left_out: ['update carrier_sbcs/sprint-west'],
    });
    expect(run.fingerprint).not.toBe(full.fingerprint);
    (await schema('plan'))(run.json);

    const text = renderPlanText(run.plan, { color: false });
    expect(text).toContain('note: included as a dependency of carrier_sbcs/sprint-east');
    expect(text).toContain(
      'Targeted (--only carrier_sbcs/sprint-east): 1 change left out (a full plan shows them).',
    );
    expect(renderPlanMarkdown(run.plan)).toContain('included as a dependency of carrier\\_sbcs/sprint-east');

    // Applied: ny3 is created and sprint-east updated; sprint-west is not touched.
    const writesBefore = routingWrites().length;
    const applied = await apply(applyOptions({ only: ['carrier_sbcs/sprint-east'] }), captureUi());
    expect(applied.outcome).toBe('ok');
    expect([...new Set(applied.json.steps.map((s) => `${s.kind}/${s.key}`))].sort()).toEqual([
      'carrier_sbcs/sprint-east',
      'media_servers/ny3',
    ]);
    expect(routingWrites().length).toBeGreaterThan(writesBefore);
    const [line] = await auditLines();
    expect(line?.targeting).toEqual({ only: ['carrier_sbcs/sprint-east'], exclude: [] });
    expect(line?.planned).toEqual({ create: 1, update: 1, replace: 0, delete: 0 });

    // What was left out is still there for the next full plan.
    const rest = await plan({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(
      rest.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind}/${c.key}`),
    ).toEqual(['update carrier_sbcs/sprint-west']);
  });

  it('--exclude leaves one SBC out; a glob --only with an --exclude keeps the rest', async () => {
    await appliedThenEdited();
    const run = await plan(
      { dir, concurrency: 4, env: ENV, exclude: ['carrier_sbcs/sprint-west'] },
      captureUi(),
    );
    expect(
      run.plan.changes
        .filter((c) => c.action !== 'noop')
        .map((c) => `${c.action} ${c.kind}/${c.key}`)
        .sort(),
    ).toEqual(['create media_servers/ny3', 'update carrier_sbcs/sprint-east']);
    expect(run.json.targeting).toEqual({
      only: [],
      exclude: ['carrier_sbcs/sprint-west'],
      left_out: ['update carrier_sbcs/sprint-west'],
    });
    // Neither is a dependency here: both were selected.
    expect(run.json.changes.some((c) => c.included_as_dependency !== undefined)).toBe(false);

    const glob = await plan(
      {
        dir,
        concurrency: 4,
        env: ENV,
        only: ['carrier_sbcs/sprint-*'],
        exclude: ['carrier_sbcs/sprint-east'],
      },
      captureUi(),
    );
    expect(
      glob.plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind}/${c.key}`),
    ).toEqual(['update carrier_sbcs/sprint-west']);
  });

  it('a ref that matches nothing is a usage error naming it, in plan, apply and drift, and apply sends no write', async () => {
    const ref = 'carrier_sbcs/no-such-sbc';
    await expect(plan({ dir, concurrency: 4, env: ENV, only: [ref] }, captureUi())).rejects.toThrow(
      new RegExp(`--only ${ref}: matches no resource`),
    );
    await expect(apply(applyOptions({ exclude: [ref] }), captureUi())).rejects.toBeInstanceOf(UsageError);
    expect(routingWrites()).toEqual([]);
    await expect(drift({ dir, concurrency: 4, env: ENV, only: [ref] }, captureUi())).rejects.toThrow(ref);
    await expect(
      plan({ dir, concurrency: 4, env: ENV, only: ['carrier_sbc/sprint-east'] }, captureUi()),
    ).rejects.toThrow(/--only carrier_sbc\/sprint-east: not a resource reference/);
  });

  it('a saved targeted plan records its targeting; apply re-selects with it and carries out only that', async () => {
    await appliedThenEdited();
    const out = join(work, 'plan.json');
    await plan({ dir, concurrency: 4, env: ENV, out, only: ['carrier_sbcs/sprint-east'] }, captureUi());
    const saved = JSON.parse(await readFile(out, 'utf8')) as SavedPlan;
    expect(saved.plan.targeting?.only).toEqual(['carrier_sbcs/sprint-east']);

    await expect(
      apply(applyOptions({ planFile: out, only: ['carrier_sbcs/sprint-west'] }), captureUi()),
    ).rejects.toBeInstanceOf(UsageError);
    const run = await apply(applyOptions({ planFile: out }), captureUi());
    expect(run.outcome).toBe('ok');
    expect([...new Set(run.json.steps.map((s) => `${s.kind}/${s.key}`))].sort()).toEqual([
      'carrier_sbcs/sprint-east',
      'media_servers/ny3',
    ]);
    expect(run.json.plan.targeting?.left_out).toEqual(['update carrier_sbcs/sprint-west']);
  });

  it('drift --only reports only the findings it names', async () => {
    expect((await apply(applyOptions(), captureUi())).outcome).toBe('ok');
    const client = simClient(sim);
    try {
      const east = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
      await client.patchCarrierSbc(east, { location: { city: 'Boston' } });
    } finally {
      await client.close();
    }
    const all = await drift({ dir, concurrency: 4, env: ENV }, captureUi());
    expect(all.outcome).toBe('changes');
    const other = await drift({ dir, concurrency: 4, env: ENV, only: ['media_servers/ny2'] }, captureUi());
    expect(other.outcome).toBe('ok');
    expect(other.json.findings).toEqual([]);
    const excluded = await drift(
      { dir, concurrency: 4, env: ENV, exclude: ['carrier_sbcs/sprint-east'] },
      captureUi(),
    );
    expect(excluded.outcome).toBe('ok');
    const named = await drift(
      { dir, concurrency: 4, env: ENV, only: ['carrier_sbcs/sprint-e*'] },
      captureUi(),
    );
    expect(named.outcome).toBe('changes');
    expect(named.json.findings.map((f) => `${f.class} ${f.key ?? ''}`)).toEqual([
      'changed_outside sprint-east',
    ]);
  });
});

describe('freezes, change windows and --emergency', () => {
  it('a window open now lets apply proceed; the audit line records the run', async () => {
    const now = new Date();
    await labRules('change_windows:', windowLine(now, -HOUR, HOUR, 'UTC'));
    const run = await apply(applyOptions(), captureUi());
    expect(run.outcome).toBe('ok');
    expect(run.json.result).toBe('applied');
    const [line] = await auditLines();
    expect(line).toMatchObject({ target: 'lab', operator: OPERATOR, outcome: 'applied' });
    expect(line?.emergency).toBeUndefined();
  });

  it('a window closed now: apply refuses naming the next window (its zone and UTC), sends nothing, logs nothing; plan notes it', async () => {
    const now = new Date();
    await labRules('change_windows:', windowLine(now, 2 * HOUR, 3 * HOUR, 'America/New_York'));
    const opens = wall(new Date(now.getTime() + 2 * HOUR), 'America/New_York').hhmm;
    const opensUtc = wall(new Date(now.getTime() + 2 * HOUR), 'UTC').hhmm;

    const ui = captureUi();
    const refused = apply(applyOptions(), ui);
    await expect(refused).rejects.toBeInstanceOf(RefusedError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `target lab is outside its change windows; the next opens \\w{3} \\d{4}-\\d\\d-\\d\\d ${opens} America/New_York \\(${opensUtc} UTC\\)`,
      ),
    );
    expect(sim.requests).toEqual([]);
    expect(existsSync(auditPath())).toBe(false);

    const planUi = captureUi();
    const planned = await plan({ dir, concurrency: 4, env: ENV }, planUi);
    expect(planned.notes).toHaveLength(1);
    expect(planUi.stderr.join('\n')).toMatch(
      /^note: target lab is outside its change windows; the next opens/,
    );
    // So do --json (a field its schema allows) and the pull-request comment.
    expect(planned.json.apply_refused_now).toEqual(planned.notes);
    (await schema('plan'))(planned.json);
    expect(renderPlanMarkdown(planned.plan, { notes: planned.notes })).toMatch(
      /\n\n> \*\*Note:\*\* target lab is outside its change windows; the next opens/,
    );
  });

  it('a frozen target: refused with the reason, nothing sent; --emergency applies, warns, and the audit line carries the reason', async () => {
    await labRules('frozen: "carrier maintenance until Friday"');
    await expect(apply(applyOptions(), captureUi())).rejects.toThrow(
      /target lab is frozen: carrier maintenance until Friday; nothing was done/,
    );
    // An empty reason is no emergency.
    await expect(apply(applyOptions({ emergency: '  ' }), captureUi())).rejects.toBeInstanceOf(RefusedError);
    expect(sim.requests).toEqual([]);
    expect(existsSync(auditPath())).toBe(false);

    const reason = 'SBC east down, ticket INC-4411';
    const ui = captureUi();
    const before = Date.now();
    const run = await apply(applyOptions({ emergency: reason }), ui);
    expect(run.outcome).toBe('ok');
    expect(run.json.emergency).toBe(reason);
    expect(run.json.audit_log).toBe(auditPath());
    (await schema('apply'))(run.json);
    expect(ui.stderr.join('\n')).toContain('warning: --emergency overrides: target lab is frozen');

    const lines = await auditLines();
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toEqual({
      time: expect.any(String) as string,
      operator: OPERATOR,
      target: 'lab',
      fingerprint: run.json.plan.fingerprint,
      planned: {
        create: run.json.plan.summary.create,
        update: 0,
        replace: 0,
        delete: 0,
      },
      steps: run.json.summary,
      outcome: 'applied',
      emergency: reason,
      overrode: ['frozen'],
    });
    expect(Date.parse(line?.time ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(run.json.summary.done).toBeGreaterThan(0);
    const text = await readFile(auditPath(), 'utf8');
    expect(text).not.toContain(CLUSTER_SECRET);
    expect(text).not.toContain(SUPER_KEY);

    // A second emergency apply has nothing to do, and is logged as such.
    await apply(applyOptions({ emergency: reason }), captureUi());
    expect((await auditLines()).map((l) => l.outcome)).toEqual(['applied', 'nothing_to_do']);
  });

  it("--commit's message carries the emergency reason", async () => {
    const { simpleGit } = await import('simple-git');
    const git = simpleGit(work);
    await git.init();
    await git.addConfig('user.name', 'Test');
    await git.addConfig('user.email', 'test@example.net');
    await git.add('.');
    await git.commit('config');
    await labRules('frozen: "carrier maintenance until Friday"');
    const run = await apply(
      applyOptions({ emergency: 'SBC east down,\n INC-4411', commit: true }),
      captureUi(),
    );
    expect(run.outcome).toBe('ok');
    expect(run.json.commit).toBeDefined();
    const message = (await git.log({ maxCount: 1 })).latest;
    expect(`${message?.message ?? ''}\n${message?.body ?? ''}`).toContain(
      'Emergency: SBC east down, INC-4411',
    );
  });

  it('--audit-log writes the line to the file given', async () => {
    const file = join(work, 'logs', 'kzops-audit.jsonl');
    const run = await apply(applyOptions({ auditLog: file }), captureUi());
    expect(run.json.audit_log).toBe(file);
    const [line] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(line ?? '{}')).toMatchObject({ target: 'lab', outcome: 'applied' });
    expect(existsSync(auditPath())).toBe(false);
  });
});
