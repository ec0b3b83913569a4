import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/core/plan/build-plan.js';
import { classifyDrift } from '../../src/core/plan/drift.js';
import { planFingerprint } from '../../src/core/plan/fingerprint.js';
import { schedule } from '../../src/core/plan/schedule.js';
import { knownIds, selectDrift, selectPlan } from '../../src/core/plan/targeting.js';
import { hex, live, res, state, type Doc } from './plan-fixtures.js';

const MS1 = hex(0xa1);
const SBC1 = hex(0xb1);
const SBC2 = hex(0xb2);
const STRAY = hex(0xbf);

const ms = (name: string, priority: string[], over: Doc = {}): Doc => ({
  name,
  carrier_sbc_priority: { sprint: priority },
  ...over,
});
const sbc = (name: string, media: string, over: Doc = {}): Doc => ({
  name,
  carrier: 'sprint',
  mobile_media_server: media,
  ...over,
});

/**
 * Live: media server ny2 (MS1) and SBCs sprint-east (SBC1), sprint-west (SBC2), and a stray.
 * Config: sprint-east edited, sprint-west edited, a new media server ch2 that a new SBC
 * sprint-central points at, and a new media server sv4 nothing points at.
 */
function fixture() {
  const desired = [
    res('media_servers', 'ny2', ms('NY2', ['sprint-east', 'sprint-west'])),
    res('media_servers', 'ch2', ms('CH2', [])),
    res('media_servers', 'sv4', ms('SV4', [])),
    res('carrier_sbcs', 'sprint-east', sbc('East', 'ny2', { carrier: 'att' })),
    res('carrier_sbcs', 'sprint-west', sbc('West', 'ny2', { carrier: 'att' })),
    res('carrier_sbcs', 'sprint-central', sbc('Central', 'ch2')),
  ];
  const liveDocs = [
    live('media_servers', MS1, ms('NY2', [SBC1, SBC2])),
    live('carrier_sbcs', SBC1, sbc('East', MS1)),
    live('carrier_sbcs', SBC2, sbc('West', MS1)),
    live('carrier_sbcs', STRAY, sbc('Stray', MS1)),
  ];
  const st = state({
    'media_servers/ny2': { id: MS1 },
    'carrier_sbcs/sprint-east': { id: SBC1 },
    'carrier_sbcs/sprint-west': { id: SBC2 },
  });
  const { plan } = buildPlan({ target: 't', desired, live: liveDocs, state: st, protect: [] });
  return { plan, desired, live: liveDocs, state: st };
}

const acting = (p: {
  changes: { kind: string; key: string; action: string; includedAsDependency?: string[] }[];
}) =>
  p.changes
    .filter((c) => c.action !== 'noop')
    .map(
      (c) =>
        `${c.action} ${c.kind}/${c.key}${c.includedAsDependency ? ` (for ${c.includedAsDependency.join(', ')})` : ''}`,
    )
    .sort();

describe('selectPlan', () => {
  it('no targeting: the plan itself', () => {
    const f = fixture();
    expect(selectPlan(f, {})).toBe(f.plan);
    expect(selectPlan(f, { only: [], exclude: [] })).toBe(f.plan);
  });

  it('--only with a glob: those changes, noops kept, the rest left out and recorded', () => {
    const f = fixture();
    const p = selectPlan(f, { only: ['carrier_sbcs/sprint-e*'] });
    expect(acting(p)).toEqual(['update carrier_sbcs/sprint-east']);
    expect(p.changes.filter((c) => c.action === 'noop').map((c) => c.key)).toEqual(['ny2']);
    expect(p.targeting).toMatchObject({ only: ['carrier_sbcs/sprint-e*'], exclude: [] });
    expect(p.targeting?.leftOut.map((c) => c.key).sort()).toEqual([
      'ch2',
      'sprint-central',
      'sprint-west',
      'sv4',
    ]);
    expect(p.summary).toEqual({ create: 0, update: 1, replace: 0, delete: 0, noop: 1 });
    // The fingerprint is of what this plan does: not the full plan's.
    expect(planFingerprint(p)).not.toBe(planFingerprint(f.plan));
  });

  it('what a targeted change needs first comes along, marked as a dependency', () => {
    const f = fixture();
    const p = selectPlan(f, { only: ['carrier_sbcs/sprint-central'] });
    expect(acting(p)).toEqual([
      'create carrier_sbcs/sprint-central',
      'create media_servers/ch2 (for carrier_sbcs/sprint-central)',
    ]);
  });

  it('a ref also matches by id; --exclude alone takes out what it names', () => {
    const f = fixture();
    expect(acting(selectPlan(f, { only: [`carrier_sbcs/${SBC2}`] }))).toEqual([
      'update carrier_sbcs/sprint-west',
    ]);
    expect(acting(selectPlan(f, { exclude: ['carrier_sbcs/sprint-*', 'media_servers/sv4'] }))).toEqual([
      'create media_servers/ch2',
    ]);
  });

  it('exclude wins over only; a needed change that --exclude names is an error naming both', () => {
    const f = fixture();
    expect(
      acting(selectPlan(f, { only: ['carrier_sbcs/*'], exclude: ['carrier_sbcs/sprint-west'] })),
    ).toEqual([
      'create carrier_sbcs/sprint-central',
      'create media_servers/ch2 (for carrier_sbcs/sprint-central)',
      'update carrier_sbcs/sprint-east',
    ]);
    expect(() =>
      selectPlan(f, { only: ['carrier_sbcs/sprint-central'], exclude: ['media_servers/ch2'] }),
    ).toThrow('carrier_sbcs/sprint-central needs create media_servers/ch2 first, which --exclude leaves out');
  });

  it('a ref that matches nothing, or is not kind/key, is an error naming it', () => {
    const f = fixture();
    expect(() => selectPlan(f, { only: ['carrier_sbcs/sprnt-*'] })).toThrow(
      '--only carrier_sbcs/sprnt-*: matches no resource of the plan',
    );
    expect(() => selectPlan(f, { exclude: ['sbcs/sprint-east'] })).toThrow(
      '--exclude sbcs/sprint-east: not a resource reference',
    );
    expect(() => selectPlan(f, { only: ['carrier_sbcs'] })).toThrow('not a resource reference');
    // A resource with nothing to do is not "nothing": the selection is just empty.
    expect(acting(selectPlan(f, { only: ['media_servers/ny2'] }))).toEqual([]);
  });

  it('a delete brings the update that stops a referrer pointing at it', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', ['sprint-east'])),
      res('carrier_sbcs', 'sprint-east', sbc('East', 'ny2')),
    ];
    const liveDocs = [
      live('media_servers', MS1, ms('NY2', [SBC1, SBC2])),
      live('carrier_sbcs', SBC1, sbc('East', MS1)),
      live('carrier_sbcs', SBC2, sbc('West', MS1)),
    ];
    const st = state({
      'media_servers/ny2': { id: MS1 },
      'carrier_sbcs/sprint-east': { id: SBC1 },
      'carrier_sbcs/sprint-west': { id: SBC2 },
    });
    const { plan } = buildPlan({ target: 't', desired, live: liveDocs, state: st, protect: [] });
    const p = selectPlan({ plan, desired, live: liveDocs }, { only: ['carrier_sbcs/sprint-west'] });
    expect(acting(p)).toEqual([
      'delete carrier_sbcs/sprint-west',
      'update media_servers/ny2 (for carrier_sbcs/sprint-west)',
    ]);
    expect(schedule({ plan: p, desired, live: liveDocs }).steps.every((s) => s.blocked === undefined)).toBe(
      true,
    );
  });

  it('the targeted plan schedules, and its references resolve through the ids of what it left out', () => {
    const f = fixture();
    // sprint-east refers to ny2, whose own change (noop here) stays; make ny2 change and leave it out.
    const desired = f.desired.map((r) =>
      r.key === 'ny2'
        ? res('media_servers', 'ny2', ms('NY2', ['sprint-east', 'sprint-west'], { top_ips: ['10.0.0.1'] }))
        : r,
    );
    const { plan } = buildPlan({ target: 't', desired, live: f.live, state: f.state, protect: [] });
    const p = selectPlan({ plan, desired, live: f.live }, { only: ['carrier_sbcs/sprint-east'] });
    expect(p.changes.find((c) => c.key === 'ny2')).toBeUndefined();
    expect(knownIds(p).get('media_servers/ny2')).toBe(MS1);
    const steps = schedule({ plan: p, desired, live: f.live }).steps;
    expect(steps.map((s) => `${s.op} ${s.kind}/${s.key}`)).toEqual(['update carrier_sbcs/sprint-east']);
  });
});

describe('selectDrift', () => {
  it('keeps the findings the refs name, recounts, and judges drift on what is left', () => {
    const f = fixture();
    const report = classifyDrift({
      plan: f.plan,
      live: f.live,
      state: f.state,
      desired: f.desired,
      unmanaged: 'report',
    });
    expect(report.inSync).toBe(false);
    const onlyStray = selectDrift(report, f.plan, { only: [`carrier_sbcs/${STRAY}`] });
    expect(onlyStray.findings.map((x) => `${x.class} ${x.id}`)).toEqual([`unmanaged ${STRAY}`]);
    expect(onlyStray.summary).toMatchObject({ unmanaged: 1, pending: 0 });
    expect(onlyStray.inSync).toBe(true);
    const east = selectDrift(report, f.plan, { only: ['carrier_sbcs/sprint-east'] });
    expect(east.findings.map((x) => `${x.class} ${x.key}`)).toEqual(['pending sprint-east']);
    expect(east.inSync).toBe(false);
    expect(() => selectDrift(report, f.plan, { exclude: ['media_servers/nope'] })).toThrow(
      'matches no resource',
    );
  });
});
