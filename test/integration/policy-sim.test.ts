/**
 * Ignore rules, the unmanaged policy and a targeted apply against the simulator, through the
 * same read live → buildPlan → (select) → applyPlan path the commands take (no CLI).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/core/plan/build-plan.js';
import { classifyDrift } from '../../src/core/plan/drift.js';
import { selectPlan } from '../../src/core/plan/targeting.js';
import type { TargetState } from '../../src/core/plan/types.js';
import type { IgnoreRule } from '../../src/core/policy/rules.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { readLive } from '../../src/reconcile/read-live.js';
import {
  idNamed,
  pending,
  reconcile,
  res,
  routingWrites,
  simAndClient,
  TARGET,
  type Doc,
} from './reconcile-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups.length = 0;
});

const ms = (name: string, priority: string[]): Doc => ({ name, carrier_sbc_priority: { sprint: priority } });
const sbc = (name: string, media: string, city = 'New York'): Doc => ({
  name,
  carrier: 'sprint',
  location: { zone: 'east', state: 'NY', city },
  ips: [],
  mobile_media_server: media,
});

const base = () => [
  res('media_servers', 'ny2', ms('NY2 Media Server', ['sprint-east'])),
  res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2')),
];

describe('ignore rules and the unmanaged policy against the simulator', () => {
  it("another team's SBC is not unmanaged once ignored, and drift stays green under report", async () => {
    const { sim, client } = await simAndClient(cleanups);
    const first = await reconcile(client, base(), undefined);
    expect(first.result.steps.every((s) => s.status === 'done')).toBe(true);
    const st: TargetState = first.result.state;
    const ny2 = idNamed(sim, 'media_servers', 'NY2 Media Server');
    await client.createCarrierSbc({
      name: 'Legacy West SBC',
      carrier: 'sprint',
      location: { zone: 'west', state: 'CA', city: 'Fresno' },
      ips: ['198.51.100.7'],
      mobile_media_server: ny2,
    });
    const legacy = idNamed(sim, 'carrier_sbcs', 'Legacy West SBC');

    const live = await readLive(client);
    const plain = buildPlan({ target: TARGET, desired: base(), live, state: st, protect: [] });
    expect(plain.plan.unmanaged.map((u) => u.id)).toEqual([legacy]);
    // As before the setting (fail): drift.
    expect(classifyDrift({ plan: plain.plan, live, state: st, desired: base() }).inSync).toBe(false);
    // report: listed, not drift.
    const reported = classifyDrift({
      plan: plain.plan,
      live,
      state: st,
      desired: base(),
      unmanaged: 'report',
    });
    expect(reported.inSync).toBe(true);
    expect(reported.findings.map((f) => `${f.class} ${f.id}`)).toEqual([`unmanaged ${legacy}`]);

    const ignore: IgnoreRule[] = [{ kind: 'carrier_sbcs', name: 'legacy *' }];
    const ignored = buildPlan({ target: TARGET, desired: base(), live, state: st, protect: [], ignore });
    expect(ignored.plan.unmanaged).toEqual([]);
    const report = classifyDrift({
      plan: ignored.plan,
      live,
      state: st,
      desired: base(),
      unmanaged: 'fail',
      ignore,
    });
    expect(report.findings).toEqual([]);
    expect(report.inSync).toBe(true);
  });

  it('a field another system owns: changing it is not drift once the state records it without that field', async () => {
    const { sim, client } = await simAndClient(cleanups);
    const ignore: IgnoreRule[] = [{ kind: 'media_servers', fields: ['top_ips'] }];
    const first = await reconcile(client, base(), undefined);
    // A second run plans noops; the state then records the fingerprints the plan made,
    // which leave ignored fields out.
    const live1 = await readLive(client);
    const again = buildPlan({
      target: TARGET,
      desired: base(),
      live: live1,
      state: first.result.state,
      protect: [],
      ignore,
    });
    expect(pending(again.plan)).toEqual([]);
    const second = await applyPlan({
      client,
      plan: again.plan,
      state: again.state,
      desired: base(),
      live: live1,
      secrets: {},
      concurrency: 2,
    });
    const ny2 = idNamed(sim, 'media_servers', 'NY2 Media Server');
    await client.patchMediaServer(ny2, { top_ips: ['10.99.0.1'] });

    const live2 = await readLive(client);
    const st = second.state;
    const made = buildPlan({ target: TARGET, desired: base(), live: live2, state: st, protect: [], ignore });
    expect(pending(made.plan)).toEqual([]);
    const green = classifyDrift({ plan: made.plan, live: live2, state: st, desired: base(), ignore });
    expect(green.findings).toEqual([]);
    // Without the rule, the same live change is a change made outside kzops.
    const red = classifyDrift({ plan: made.plan, live: live2, state: st, desired: base() });
    expect(red.findings.map((f) => `${f.class} ${f.kind}/${f.key}`)).toEqual([
      'changed_outside media_servers/ny2',
    ]);
  });
});

describe('a targeted apply against the simulator', () => {
  it('--only one new SBC: its new media server comes along, the other edits are left alone', async () => {
    const { sim, client } = await simAndClient(cleanups);
    const first = await reconcile(client, base(), undefined);
    const desired = [
      res('media_servers', 'ny2', ms('NY2 Media Server', ['sprint-east'])),
      res('media_servers', 'ch2', ms('CH2 Media Server', [])),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', 'Brooklyn')),
      res('carrier_sbcs', 'sprint-central', sbc('Sprint Central SBC', 'ch2', 'Chicago')),
    ];
    const live = await readLive(client);
    const full = buildPlan({ target: TARGET, desired, live, state: first.result.state, protect: [] });
    expect(pending(full.plan)).toEqual([
      'create carrier_sbcs/sprint-central',
      'create media_servers/ch2',
      'update carrier_sbcs/sprint-east',
    ]);
    const targeted = selectPlan({ plan: full.plan, desired, live }, { only: ['carrier_sbcs/sprint-c*'] });
    expect(targeted.changes.find((c) => c.key === 'ch2')?.includedAsDependency).toEqual([
      'carrier_sbcs/sprint-central',
    ]);
    const writesBefore = routingWrites(sim).length;
    const result = await applyPlan({
      client,
      plan: targeted,
      state: full.state,
      desired,
      live,
      secrets: {},
      concurrency: 2,
    });
    expect(result.steps.map((s) => `${s.op} ${s.kind}/${s.key} ${s.status}`).sort()).toEqual([
      'create carrier_sbcs/sprint-central done',
      'create media_servers/ch2 done',
    ]);
    expect(
      routingWrites(sim)
        .slice(writesBefore)
        .every((w) => w.startsWith('PUT')),
    ).toBe(true);
    const east = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    expect(sim.state.carrier_sbcs[east]?.location).toMatchObject({ city: 'New York' });
    // The state keeps sprint-east as it was, and the next full plan still has its update.
    const after = buildPlan({
      target: TARGET,
      desired,
      live: await readLive(client),
      state: result.state,
      protect: [],
    });
    expect(pending(after.plan)).toEqual(['update carrier_sbcs/sprint-east']);
  });
});
