import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPlan, type LiveDoc } from '../../src/core/plan/build-plan.js';
import { stalePlan } from '../../src/core/plan/saved.js';
import { schedule, type Step } from '../../src/core/plan/schedule.js';
import type { Kind, Plan, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { hex, live, res, state, type Doc } from './plan-fixtures.js';

const MS1 = hex(0xa1);
const SBC1 = hex(0xb1);
const SBC2 = hex(0xb2);

const ms = (name: string, priority: string[]): Doc => ({ name, carrier_sbc_priority: { sprint: priority } });
const sbc = (name: string, media: string): Doc => ({ name, carrier: 'sprint', mobile_media_server: media });

function plan(desired: LoadedResource[], liveDocs: LiveDoc[] = [], st?: TargetState) {
  const { plan: p } = buildPlan({ target: 't', desired, live: liveDocs, state: st, protect: [] });
  return { plan: p, steps: schedule({ plan: p, desired, live: liveDocs }).steps };
}

const find = (steps: Step[], op: Step['op'], kind: Kind, key: string): Step => {
  const hits = steps.filter((s) => s.op === op && s.kind === kind && s.key === key);
  expect(hits, `${op} ${kind}/${key}`).toHaveLength(1);
  return hits[0]!;
};

/** A topological order exists and every dependency comes before its dependant. */
function runOrder(steps: Step[]): number[] {
  const order: number[] = [];
  const done = new Set<number>();
  while (order.length < steps.length) {
    const ready = steps.filter((s) => !done.has(s.n) && s.deps.every((d) => done.has(d)));
    expect(ready.length, 'no step is ready: the schedule has a cycle').toBeGreaterThan(0);
    for (const s of ready) {
      done.add(s.n);
      order.push(s.n);
    }
  }
  return order;
}

describe('schedule: creates', () => {
  it('breaks the cycle of a new media server and new SBCs: create it bare, create the SBCs, then link', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', ['east', 'west'])),
      res('carrier_sbcs', 'east', sbc('East', 'ny2')),
      res('carrier_sbcs', 'west', sbc('West', 'ny2')),
    ];
    const { steps } = plan(desired);
    const create = find(steps, 'create', 'media_servers', 'ny2');
    expect(create.body?.carrier_sbc_priority).toEqual({ sprint: [] });
    expect(create.deps).toEqual([]);
    const east = find(steps, 'create', 'carrier_sbcs', 'east');
    const west = find(steps, 'create', 'carrier_sbcs', 'west');
    expect(east.deps).toEqual([create.n]);
    expect(west.deps).toEqual([create.n]);
    const link = find(steps, 'link', 'media_servers', 'ny2');
    expect(link.body).toEqual({ carrier_sbc_priority: { sprint: ['east', 'west'] } });
    expect(link.deps).toEqual([create.n, east.n, west.n].sort((a, b) => a - b));
    runOrder(steps);
  });

  it('keeps priority entries that name existing SBCs in the create, and needs no link for them', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', ['old'])),
      res('carrier_sbcs', 'old', sbc('Old', `id:${MS1}`)),
    ];
    const { steps } = plan(
      desired,
      [live('carrier_sbcs', SBC1, sbc('Old', MS1)), live('media_servers', MS1, ms('X', []))],
      state({
        'carrier_sbcs/old': { id: SBC1 },
      }),
    );
    const create = find(steps, 'create', 'media_servers', 'ny2');
    expect(create.body?.carrier_sbc_priority).toEqual({ sprint: ['old'] });
    expect(steps.filter((s) => s.op === 'link')).toHaveLength(0);
  });

  it('an update waits for the create of what it newly refers to', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', [])),
      res('media_servers', 'ch2', ms('CH2', [])),
      res('carrier_sbcs', 'east', sbc('East', 'ch2')),
    ];
    const liveDocs = [
      live('media_servers', MS1, ms('NY2', [])),
      live('carrier_sbcs', SBC1, sbc('East', MS1)),
    ];
    const { steps } = plan(
      desired,
      liveDocs,
      state({ 'media_servers/ny2': { id: MS1 }, 'carrier_sbcs/east': { id: SBC1 } }),
    );
    const create = find(steps, 'create', 'media_servers', 'ch2');
    const update = find(steps, 'update', 'carrier_sbcs', 'east');
    expect(update.deps).toEqual([create.n]);
    expect(update.body).toEqual({ mobile_media_server: 'ch2' });
  });

  it('an update carries only the top-level fields that differ', () => {
    const desired = [
      res('carrier_sbcs', 'east', { ...sbc('East', `id:${MS1}`), location: { city: 'NYC', zone: 'east' } }),
    ];
    const liveDocs = [
      live('carrier_sbcs', SBC1, { ...sbc('East', MS1), location: { city: 'New York', zone: 'east' } }),
    ];
    const { steps } = plan(desired, liveDocs, state({ 'carrier_sbcs/east': { id: SBC1 } }));
    expect(find(steps, 'update', 'carrier_sbcs', 'east').body).toEqual({
      location: { city: 'NYC', zone: 'east' },
    });
  });
});

describe('schedule: deletes', () => {
  const liveDocs = [
    live('media_servers', MS1, ms('NY2', [SBC1, SBC2])),
    live('carrier_sbcs', SBC1, sbc('East', MS1)),
    live('carrier_sbcs', SBC2, sbc('West', MS1)),
  ];
  const managed = state({
    'media_servers/ny2': { id: MS1 },
    'carrier_sbcs/east': { id: SBC1 },
    'carrier_sbcs/west': { id: SBC2 },
  });

  it('a delete waits for the update that drops the reference to it', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', ['east'])),
      res('carrier_sbcs', 'east', sbc('East', 'ny2')),
    ];
    const { steps } = plan(desired, liveDocs, managed);
    const del = find(steps, 'delete', 'carrier_sbcs', 'west');
    const update = find(steps, 'update', 'media_servers', 'ny2');
    expect(del.deps).toEqual([update.n]);
    expect(del.blocked).toBeUndefined();
  });

  it('deleting a media server and the SBCs that point at each other: unlink, SBC deletes, then the media server', () => {
    const { steps } = plan([], liveDocs, managed);
    const unlink = find(steps, 'unlink', 'media_servers', 'ny2');
    expect(unlink.body).toEqual({ carrier_sbc_priority: { sprint: [] } });
    const east = find(steps, 'delete', 'carrier_sbcs', 'east');
    const west = find(steps, 'delete', 'carrier_sbcs', 'west');
    const media = find(steps, 'delete', 'media_servers', 'ny2');
    expect(east.deps).toEqual([unlink.n]);
    expect(west.deps).toEqual([unlink.n]);
    expect(media.deps).toEqual([unlink.n, east.n, west.n].sort((a, b) => a - b));
    const order = runOrder(steps);
    expect(order.indexOf(media.n)).toBeGreaterThan(order.indexOf(east.n));
  });

  it('a delete whose referrer stays as it is is blocked, naming the referrer', () => {
    // ny2 is unmanaged (no state entry, not in config) and still lists west.
    const desired = [res('carrier_sbcs', 'east', sbc('East', `id:${MS1}`))];
    const { steps } = plan(
      desired,
      liveDocs,
      state({ 'carrier_sbcs/east': { id: SBC1 }, 'carrier_sbcs/west': { id: SBC2 } }),
    );
    expect(find(steps, 'delete', 'carrier_sbcs', 'west').blocked).toBe(
      `still referenced by media_servers ${MS1}, which stays`,
    );
  });

  it('a replace (cluster document) deletes before it creates', () => {
    const key = hex(0xd1);
    const desired = [res('clusters', key, { mvno_id: 'm2', api_url: 'https://x.example' })];
    const { plan: p, steps } = plan(
      desired,
      [],
      state({ [`clusters/${key}`]: { id: key, fingerprint: '0'.repeat(64) } }),
    );
    expect(p.summary.replace).toBe(1);
    const del = find(steps, 'delete', 'clusters', key);
    expect(find(steps, 'create', 'clusters', key).deps).toEqual([del.n]);
  });
});

describe('schedule: property', () => {
  it('for any mix of new and existing SBCs and media servers, the steps have an order and cover every change', () => {
    const arb = fc.record({
      media: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 5 }),
      sbcs: fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { maxLength: 8 }),
      existing: fc.func(fc.boolean()),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arb, ({ media, sbcs, existing, seed }) => {
        if (media.length === 0) return;
        const msKey = (i: number) => `m${i}`;
        const sbcKey = (i: number) => `s${i}`;
        const pick = (i: number) => media[Math.abs(seed + i) % media.length]!;
        const desired = [
          ...media.map((m) =>
            res('media_servers', msKey(m), ms(`M${m}`, sbcs.filter((s) => (s + m) % 2 === 0).map(sbcKey))),
          ),
          ...sbcs.map((s) => res('carrier_sbcs', sbcKey(s), sbc(`S${s}`, msKey(pick(s))))),
        ];
        // Some exist already (with other values), registered in the state.
        const liveDocs: LiveDoc[] = [];
        const st = state({});
        for (const m of media) {
          if (!existing(`m${m}`)) continue;
          liveDocs.push(live('media_servers', hex(0x100 + m), ms(`M${m}`, [])));
          st.resources[`media_servers/${msKey(m)}`] = { id: hex(0x100 + m) };
        }
        for (const s of sbcs) {
          if (!existing(`s${s}`)) continue;
          liveDocs.push(live('carrier_sbcs', hex(0x200 + s), sbc(`S${s}`, hex(0x999))));
          st.resources[`carrier_sbcs/${sbcKey(s)}`] = { id: hex(0x200 + s) };
        }
        const { plan: p, steps } = plan(desired, liveDocs, st);
        runOrder(steps);
        for (const change of p.changes.filter((c) => c.action !== 'noop')) {
          expect(steps.some((s) => s.kind === change.kind && s.key === change.key)).toBe(true);
        }
        // A create never waits for an SBC create when it is a media server (that is the link's job).
        for (const s of steps.filter((x) => x.op === 'create' && x.kind === 'media_servers')) {
          expect(s.deps.every((d) => steps[d]!.kind !== 'carrier_sbcs')).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('stalePlan', () => {
  const base = (): Plan => ({
    target: 't',
    changes: [
      {
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        action: 'update',
        fields: [{ path: 'name', before: 'a', after: 'b' }],
        notes: [],
        protected: false,
        liveFingerprint: 'f1',
      },
      {
        kind: 'media_servers',
        key: 'ny2',
        id: MS1,
        action: 'noop',
        fields: [],
        notes: [],
        protected: false,
        liveFingerprint: 'f2',
      },
    ],
    unmanaged: [],
    summary: { create: 0, update: 1, replace: 0, delete: 0, noop: 1 },
  });

  it('accepts an identical plan', () => {
    expect(stalePlan(base(), base())).toEqual([]);
  });

  it('refuses when a live document moved, when an action changed, and when a new change appeared', () => {
    const now = base();
    now.changes[0]!.liveFingerprint = 'f1-moved';
    now.changes[1]!.action = 'update';
    expect(stalePlan(base(), now)).toEqual([
      { ref: 'carrier_sbcs/east', reason: 'the live document changed since the plan was made' },
      { ref: 'media_servers/ny2', reason: 'planned noop, now update' },
    ]);
    const extra = base();
    extra.changes.push({
      kind: 'carrier_sbcs',
      key: 'west',
      action: 'create',
      fields: [],
      notes: [],
      protected: false,
    });
    expect(stalePlan(base(), extra)).toEqual([
      { ref: 'carrier_sbcs/west', reason: 'create is not in the saved plan' },
    ]);
  });

  it('refuses when the fields of a change differ', () => {
    const now = base();
    now.changes[0]!.fields = [{ path: 'name', before: 'a', after: 'c' }];
    expect(stalePlan(base(), now)).toEqual([
      { ref: 'carrier_sbcs/east', reason: 'the update differs from the one planned' },
    ]);
  });
});
