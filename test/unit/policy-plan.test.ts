/**
 * Ignore rules in the planner and in drift, and the unmanaged policy: against plain objects.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  baselineFingerprint,
  buildPlan,
  fingerprintDoc,
  NOTE_ADOPTED,
  type PlanInput,
} from '../../src/core/plan/build-plan.js';
import { classifyDrift, driftJson, driftOutcome, type DriftReport } from '../../src/core/plan/drift.js';
import type { IgnoreRule, UnmanagedPolicy } from '../../src/core/policy/rules.js';
import { hex, live, res, state, type Doc } from './plan-fixtures.js';

const MS1 = hex(0xa1);
const SBC1 = hex(0xb1);
const SBC2 = hex(0xb2);
const SBC3 = hex(0xb3);

const sbc = (name: string, over: Doc = {}): Doc => ({
  name,
  carrier: 'sprint',
  mobile_media_server: `id:${MS1}`,
  ...over,
});
const liveSbc = (name: string, over: Doc = {}): Doc => ({
  name,
  carrier: 'sprint',
  mobile_media_server: MS1,
  ...over,
});

function plan(partial: Partial<PlanInput>) {
  return buildPlan({ target: 't', desired: [], live: [], state: undefined, protect: [], ...partial });
}

function drift(partial: Partial<PlanInput>, unmanaged?: UnmanagedPolicy): DriftReport {
  const input: PlanInput = { target: 't', desired: [], live: [], state: undefined, protect: [], ...partial };
  const { plan: p } = buildPlan(input);
  return classifyDrift({
    plan: p,
    live: input.live,
    state: input.state,
    desired: input.desired,
    ...(unmanaged === undefined ? {} : { unmanaged }),
    ...(input.ignore === undefined ? {} : { ignore: input.ignore }),
  });
}

const LEGACY: IgnoreRule[] = [{ kind: 'carrier_sbcs', name: 'Legacy *' }];

describe('buildPlan with ignore rules', () => {
  it('an ignored live document is never listed as unmanaged (and the others still are)', () => {
    const liveDocs = [
      live('carrier_sbcs', SBC1, liveSbc('Legacy East')),
      live('carrier_sbcs', SBC2, liveSbc('Stray')),
    ];
    expect(plan({ live: liveDocs }).plan.unmanaged.map((u) => u.id)).toEqual([SBC1, SBC2]);
    expect(plan({ live: liveDocs, ignore: LEGACY }).plan.unmanaged.map((u) => u.id)).toEqual([SBC2]);
  });

  it('never deleted: a state entry whose file is gone and whose live document a rule covers', () => {
    const input = {
      live: [live('carrier_sbcs', SBC1, liveSbc('Legacy East'))],
      state: state({ 'carrier_sbcs/legacy-east': { id: SBC1 } }),
    };
    expect(plan(input).plan.changes.map((c) => c.action)).toEqual(['delete']);
    expect(plan({ ...input, ignore: LEGACY }).plan.changes).toEqual([]);
    // By id too, and for a cluster document (never live, only in the state).
    expect(plan({ ...input, ignore: [{ kind: 'carrier_sbcs', id: SBC1 }] }).plan.changes).toEqual([]);
    const cl = hex(0xd1);
    const clusters = { state: state({ [`clusters/${cl}`]: { id: cl } }) };
    expect(plan(clusters).plan.changes.map((c) => c.action)).toEqual(['delete']);
    expect(plan({ ...clusters, ignore: [{ kind: 'clusters', id: cl }] }).plan.changes).toEqual([]);
  });

  it('never adopted: a config resource named like an ignored live document is refused, not created twice', () => {
    const input = {
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [live('carrier_sbcs', SBC1, liveSbc('East'))],
    };
    expect(plan(input).plan.changes[0]?.notes).toContain(NOTE_ADOPTED);
    expect(() => plan({ ...input, ignore: [{ kind: 'carrier_sbcs', id: SBC1 }] })).toThrow(
      /carrier_sbcs\/east has the name of carrier_sbcs 0+b1, which an ignore rule covers/,
    );
  });

  it('the overlap is a ConfigError (exit 3: fix the config), never a partial plan', () => {
    let thrown: unknown;
    try {
      plan({ desired: [res('carrier_sbcs', 'legacy', sbc('Legacy A'))], ignore: LEGACY });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).hint).toContain('narrow the ignore rule');
  });

  it('refuses a config resource a rule covers through the state (its live name changed)', () => {
    expect(() =>
      plan({
        desired: [res('carrier_sbcs', 'east', sbc('East'))],
        live: [live('carrier_sbcs', SBC1, liveSbc('Legacy East'))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
        ignore: LEGACY,
      }),
    ).toThrow(/carrier_sbcs\/east is covered by the ignore rule \{kind: carrier_sbcs, name: "Legacy \*"\}/);
  });

  it('refuses a config that sets an ignored field (only for the resources the rule picks)', () => {
    const desired = [
      res('carrier_sbcs', 'east', sbc('East', { notes: 'x' })),
      res('carrier_sbcs', 'west', sbc('West')),
    ];
    expect(() => plan({ desired, ignore: [{ kind: 'carrier_sbcs', fields: ['notes'] }] })).toThrow(
      /carrier_sbcs\/east sets notes, which an ignore rule leaves to another system/,
    );
    expect(() =>
      plan({ desired, ignore: [{ kind: 'carrier_sbcs', key: 'west', fields: ['notes'] }] }),
    ).not.toThrow();
  });

  it("ignored fields are left out of liveFingerprint; without rules it is the whole document's", () => {
    const doc = liveSbc('East', { top_note: 'a' });
    const input = {
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [live('carrier_sbcs', SBC1, doc)],
      state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
    };
    const whole = plan(input).plan.changes[0]!;
    expect(whole.liveFingerprint).toBe(fingerprintDoc({ id: SBC1, ...doc }));
    const rules: IgnoreRule[] = [{ kind: 'carrier_sbcs', fields: ['top_note'] }];
    const a = plan({ ...input, ignore: rules }).plan.changes[0]!;
    const b = plan({
      ...input,
      live: [live('carrier_sbcs', SBC1, { ...doc, top_note: 'changed by another system' })],
      ignore: rules,
    }).plan.changes[0]!;
    expect(a.liveFingerprint).toBe(baselineFingerprint({ id: SBC1, ...doc }, ['top_note']));
    expect(a.liveFingerprint).not.toBe(whole.liveFingerprint);
    expect(b.liveFingerprint).toBe(a.liveFingerprint);
  });
});

describe('classifyDrift: the unmanaged policy', () => {
  const input = {
    desired: [res('carrier_sbcs', 'east', sbc('East'))],
    live: [live('carrier_sbcs', SBC1, liveSbc('East')), live('carrier_sbcs', SBC2, liveSbc('Stray'))],
    state: state({
      'carrier_sbcs/east': { id: SBC1, fingerprint: fingerprintDoc({ id: SBC1, ...liveSbc('East') }) },
    }),
  };

  it('fail (and absent, as before the setting): listed, drift', () => {
    for (const report of [drift(input, 'fail'), drift(input)]) {
      expect(report.findings.map((f) => f.class)).toEqual(['unmanaged']);
      expect(report.inSync).toBe(false);
      expect(driftOutcome(report).drifted).toBe(true);
    }
  });

  it('report: listed, not drift (exit 0)', () => {
    const report = drift(input, 'report');
    expect(report.findings.map((f) => `${f.class} ${f.id}`)).toEqual([`unmanaged ${SBC2}`]);
    expect(report.inSync).toBe(true);
    expect(report.summary.unmanaged).toBe(1);
    expect(driftOutcome(report)).toEqual({ drifted: false, drifting: [] });
    // The same findings judged under fail are drift.
    expect(driftOutcome(report, 'fail').drifted).toBe(true);
    expect(driftJson(report)).toMatchObject({ in_sync: true, unmanaged_policy: 'report' });
  });

  it('ignore: not listed, not counted', () => {
    const report = drift(input, 'ignore');
    expect(report.findings).toEqual([]);
    expect(report.summary.unmanaged).toBe(0);
    expect(report.inSync).toBe(true);
  });

  it('the other classes are drift under every policy', () => {
    const edited = { ...input, desired: [res('carrier_sbcs', 'east', sbc('East', { carrier: 'att' }))] };
    for (const policy of ['ignore', 'report', 'fail'] as const) {
      const report = drift(edited, policy);
      expect(report.findings.some((f) => f.class === 'pending')).toBe(true);
      expect(report.inSync).toBe(false);
    }
  });
});

describe('classifyDrift with ignore rules', () => {
  it('a change to ignored fields alone is not a change outside kzops (state fingerprint with or without them)', () => {
    const before = liveSbc('East', { top_note: 'a' });
    const after = { ...before, top_note: 'b' };
    const rules: IgnoreRule[] = [{ kind: 'carrier_sbcs', fields: ['top_note'] }];
    const desired = [res('carrier_sbcs', 'east', sbc('East'))];
    const withFp = (fingerprint: string) => state({ 'carrier_sbcs/east': { id: SBC1, fingerprint } });
    const stripped = baselineFingerprint({ id: SBC1, ...before }, ['top_note']);
    // As a state written with ignored fields left out records it: in sync after the change.
    const ok = drift({
      desired,
      live: [live('carrier_sbcs', SBC1, after)],
      state: withFp(stripped),
      ignore: rules,
    });
    expect(ok.findings).toEqual([]);
    expect(ok.summary.verified).toBe(1);
    // Without the rule the same change is drift.
    const red = drift({ desired, live: [live('carrier_sbcs', SBC1, after)], state: withFp(stripped) });
    expect(red.findings.map((f) => f.class)).toEqual(['changed_outside']);
    // An older state (whole-document fingerprint) still matches when nothing changed.
    const whole = fingerprintDoc({ id: SBC1, ...before });
    const same = drift({
      desired,
      live: [live('carrier_sbcs', SBC1, before)],
      state: withFp(whole),
      ignore: rules,
    });
    expect(same.findings).toEqual([]);
    // A change to a field that is not ignored is still a change outside kzops.
    const other = drift({
      desired,
      live: [live('carrier_sbcs', SBC1, { ...after, pvt_x: 1 })],
      state: withFp(stripped),
      ignore: rules,
    });
    expect(other.findings.map((f) => f.class)).toEqual(['changed_outside']);
  });

  it('a state entry for a document a rule covers gives no finding', () => {
    const report = drift(
      {
        live: [live('carrier_sbcs', SBC3, liveSbc('Legacy West'))],
        state: state({ 'carrier_sbcs/legacy-west': { id: SBC3, fingerprint: 'x'.repeat(64) } }),
        ignore: LEGACY,
      },
      'fail',
    );
    expect(report.findings).toEqual([]);
    expect(report.inSync).toBe(true);
  });
});
