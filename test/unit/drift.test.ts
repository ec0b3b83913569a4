import { stripVTControlCharacters } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  clusterFingerprint,
  fingerprintDoc,
  secretFingerprint,
  type LiveDoc,
  type PlanInput,
} from '../../src/core/plan/build-plan.js';
import {
  classifyDrift,
  DRIFT_CLASSES,
  DRIFTING,
  driftJson,
  NOTE_CLUSTER_NOT_VERIFIABLE,
  NOTE_CLUSTER_PENDING_CREATE,
  NOTE_CLUSTER_PENDING_REPLACE,
  NOTE_DELETED_OUTSIDE,
  NOTE_DELETED_OUTSIDE_CONFIG_GONE,
  NOTE_NO_FINGERPRINT,
  NOTE_NO_STATE_ENTRY,
  NOTE_OUTSIDE_CONFIG_GONE,
  NOTE_OUTSIDE_UNMANAGED_FIELDS,
  NOTE_PENDING_CREATE,
  NOTE_PENDING_DELETE,
  NOTE_PENDING_UPDATE,
  type DriftClass,
  type DriftFinding,
  type DriftReport,
} from '../../src/core/plan/drift.js';
import type { Kind, StateEntry, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { driftSummaryLine, renderDriftText } from '../../src/render/drift-text.js';

type Doc = Record<string, unknown>;

const hex = (n: number) => n.toString(16).padStart(32, '0');
const SBC1 = hex(0xb1);
const SBC2 = hex(0xb2);
const SBC3 = hex(0xb3);
const MS1 = hex(0xa1);
const CC1 = hex(0xc1);
const CL1 = hex(0xd1);
const HMAC = 'ab'.repeat(32);
const SECRET = 'cluster-secret-never-printed';

const sbc = (name: string, over: Doc = {}): Doc => ({
  name,
  carrier: 'sprint',
  location: { zone: 'east', city: 'New York' },
  ips: ['203.0.113.10'],
  // An id reference, so a test needs no media server resource.
  mobile_media_server: `id:${MS1}`,
  ...over,
});
/** The SBC as the server returns it: the reference resolved to an id, plus a field the config does not set. */
const liveSbc = (id: string, name: string, over: Doc = {}): Doc => ({
  id,
  ...sbc(name),
  mobile_media_server: MS1,
  pvt_created: 1,
  ...over,
});
const cluster = (url = 'https://a.example.net'): Doc => ({
  mvno_id: 'm',
  api_url: url,
  api_key: { env: 'K' },
  hosted_billing_account_id: hex(1),
});

function res(kind: Kind, key: string, doc: Doc): LoadedResource {
  return { kind, key, file: `${kind}/${key}.yaml`, doc };
}
function live(kind: Kind, id: string, doc: Doc): LiveDoc {
  return { kind, id, doc };
}
/** A state entry recording `doc` as what kzops last read back after applying it. */
function applied(id: string, doc: Doc): StateEntry {
  return { id, fingerprint: fingerprintDoc(doc) };
}
function state(resources: TargetState['resources']): TargetState {
  return { version: 1, target: 't', hmac_key: HMAC, resources };
}

/** buildPlan then classifyDrift, as the command runs them. */
function drift(partial: Partial<PlanInput>): DriftReport {
  const input: PlanInput = { target: 't', desired: [], live: [], state: undefined, protect: [], ...partial };
  const { plan } = buildPlan(input);
  return classifyDrift({ plan, live: input.live, state: input.state, desired: input.desired });
}

function only(report: DriftReport, kind: Kind, keyOrId: string): DriftFinding {
  const found = report.findings.filter((f) => f.kind === kind && (f.key ?? f.id) === keyOrId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function classes(report: DriftReport): DriftClass[] {
  return report.findings.map((f) => f.class);
}

describe('classifyDrift: routing documents', () => {
  it('live as last applied and matching the config: no finding, counted as verified, in sync', () => {
    const doc = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [live('carrier_sbcs', SBC1, doc)],
      state: state({ 'carrier_sbcs/east': applied(SBC1, doc) }),
    });
    expect(report.findings).toEqual([]);
    expect(report.inSync).toBe(true);
    expect(report.summary).toEqual({
      changed_outside: 0,
      missing_live: 0,
      unmanaged: 0,
      pending: 0,
      unknown_baseline: 0,
      not_verifiable: 0,
      verified: 1,
    });
  });

  it('a field the config sets, changed outside kzops: changed_outside with the field, live → config', () => {
    const before = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [
        live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East', { location: { zone: 'east', city: 'Boston' } })),
      ],
      state: state({ 'carrier_sbcs/east': applied(SBC1, before) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'changed_outside',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'East',
        fields: [{ path: 'location.city', before: 'Boston', after: 'New York' }],
      },
    ]);
    expect(report.inSync).toBe(false);
    expect(report.summary.changed_outside).toBe(1);
    expect(report.summary.verified).toBe(0);
  });

  it('a field the config does not set, changed outside kzops: changed_outside without fields, with a note', () => {
    const before = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East', { pvt_created: 2, notes: 'hand edit' }))],
      state: state({ 'carrier_sbcs/east': applied(SBC1, before) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'changed_outside',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'East',
        note: NOTE_OUTSIDE_UNMANAGED_FIELDS,
      },
    ]);
    expect(report.inSync).toBe(false);
  });

  it('changed outside kzops and its config file gone: changed_outside, noting apply would delete it', () => {
    const report = drift({
      live: [live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East', { name: 'Renamed by hand' }))],
      state: state({ 'carrier_sbcs/east': applied(SBC1, liveSbc(SBC1, 'East')) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'changed_outside',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'Renamed by hand',
        note: NOTE_OUTSIDE_CONFIG_GONE,
      },
    ]);
  });

  it('a state id gone live is missing_live, with or without its config file and its fingerprint', () => {
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [],
      state: state({
        'carrier_sbcs/east': applied(SBC1, liveSbc(SBC1, 'East')),
        'carrier_sbcs/gone': applied(SBC2, liveSbc(SBC2, 'Gone')),
        // An entry written without a fingerprint: the document it names is gone all the same.
        'media_servers/ny2': { id: MS1 },
      }),
    });
    expect(only(report, 'carrier_sbcs', 'east')).toEqual({
      class: 'missing_live',
      kind: 'carrier_sbcs',
      key: 'east',
      id: SBC1,
      name: 'East',
      note: NOTE_DELETED_OUTSIDE,
    });
    expect(only(report, 'carrier_sbcs', 'gone')).toEqual({
      class: 'missing_live',
      kind: 'carrier_sbcs',
      key: 'gone',
      id: SBC2,
      note: NOTE_DELETED_OUTSIDE_CONFIG_GONE,
    });
    expect(only(report, 'media_servers', 'ny2').class).toBe('missing_live');
    // Not also pending: the plan's create of east is the consequence of the deletion.
    expect(classes(report)).toEqual(['missing_live', 'missing_live', 'missing_live']);
    expect(report.inSync).toBe(false);
  });

  it('a live document neither the config nor the state claims is unmanaged (no key, its id and name)', () => {
    const doc = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      live: [live('carrier_sbcs', SBC1, doc), live('carrier_sbcs', SBC2, liveSbc(SBC2, 'Stray'))],
      state: state({ 'carrier_sbcs/east': applied(SBC1, doc) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'unmanaged',
        kind: 'carrier_sbcs',
        id: SBC2,
        name: 'Stray',
        note: 'neither the config nor the state claims it',
      },
    ]);
    expect(report.inSync).toBe(false);
    expect(report.summary).toMatchObject({ unmanaged: 1, verified: 1 });
  });

  it('the config edited, live still as last applied: pending with the fields', () => {
    const doc = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East', { ips: ['203.0.113.99'] }))],
      live: [live('carrier_sbcs', SBC1, doc)],
      state: state({ 'carrier_sbcs/east': applied(SBC1, doc) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'pending',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'East',
        fields: [{ path: 'ips', before: ['203.0.113.10'], after: ['203.0.113.99'] }],
        note: NOTE_PENDING_UPDATE,
      },
    ]);
    expect(report.inSync).toBe(false);
  });

  it('a config file removed, live still as last applied: pending delete', () => {
    const doc = liveSbc(SBC1, 'East');
    const report = drift({
      live: [live('carrier_sbcs', SBC1, doc)],
      state: state({ 'carrier_sbcs/east': applied(SBC1, doc) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'pending',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'East',
        note: NOTE_PENDING_DELETE,
      },
    ]);
  });

  it('a new config file (no state entry, nothing live by that name): pending create, named from the config', () => {
    const report = drift({ desired: [res('carrier_sbcs', 'east', sbc('East'))] });
    expect(report.findings).toEqual([
      { class: 'pending', kind: 'carrier_sbcs', key: 'east', name: 'East', note: NOTE_PENDING_CREATE },
    ]);
    expect(report.inSync).toBe(false);
  });

  it('no state entry but adopted by name: pending when the config differs, unknown_baseline when it matches', () => {
    const report = drift({
      desired: [
        res('carrier_sbcs', 'east', sbc('East')),
        res('carrier_sbcs', 'west', sbc('West', { ips: ['203.0.113.20'] })),
      ],
      live: [
        live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East')),
        live('carrier_sbcs', SBC2, liveSbc(SBC2, 'West')),
      ],
    });
    expect(only(report, 'carrier_sbcs', 'east')).toEqual({
      class: 'unknown_baseline',
      kind: 'carrier_sbcs',
      key: 'east',
      id: SBC1,
      name: 'East',
      note: NOTE_NO_STATE_ENTRY,
    });
    const west = only(report, 'carrier_sbcs', 'west');
    expect(west).toMatchObject({ class: 'pending', id: SBC2 });
    expect(west.fields).toEqual([{ path: 'ips', before: ['203.0.113.10'], after: ['203.0.113.20'] }]);
    expect(west.note).toContain(NOTE_NO_STATE_ENTRY);
    expect(report.summary).toMatchObject({ pending: 1, unknown_baseline: 1, verified: 0 });
  });

  it('a state entry without a fingerprint: unknown_baseline (not drift) unless the plan changes it', () => {
    const noChange = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East'))],
      // Live differs from anything kzops could have applied, in a field the config does not
      // set: without a baseline that cannot be told apart from an outside change.
      live: [live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East', { extra: true }))],
      state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
    });
    expect(noChange.findings).toEqual([
      {
        class: 'unknown_baseline',
        kind: 'carrier_sbcs',
        key: 'east',
        id: SBC1,
        name: 'East',
        note: NOTE_NO_FINGERPRINT,
      },
    ]);
    expect(noChange.inSync).toBe(true);
    expect(noChange.summary).toMatchObject({ unknown_baseline: 1, verified: 0 });

    const changed = drift({
      desired: [res('carrier_sbcs', 'east', sbc('East', { carrier: 'att' }))],
      live: [live('carrier_sbcs', SBC1, liveSbc(SBC1, 'East'))],
      state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
    });
    expect(classes(changed)).toEqual(['pending']);
    expect(changed.findings[0]?.fields).toEqual([{ path: 'carrier', before: 'sprint', after: 'att' }]);
    expect(changed.inSync).toBe(false);
  });

  it('customer clusters are keyed by id: the id is reported, and it equals the key', () => {
    const doc = { id: CC1, name: 'Hosted', owner: '2600hz' };
    const report = drift({
      desired: [res('customer_clusters', CC1, { name: 'Hosted', owner: '2600hz' })],
      live: [live('customer_clusters', CC1, { ...doc, owner: 'someone' })],
      state: state({ [`customer_clusters/${CC1}`]: applied(CC1, doc) }),
    });
    expect(report.findings).toEqual([
      {
        class: 'changed_outside',
        kind: 'customer_clusters',
        key: CC1,
        id: CC1,
        name: 'Hosted',
        fields: [{ path: 'owner', before: 'someone', after: '2600hz' }],
      },
    ]);
  });
});

describe('classifyDrift: cluster documents', () => {
  const appliedCluster = (doc: Doc): StateEntry => ({
    id: CL1,
    fingerprint: clusterFingerprint(doc),
    secrets: { api_key: secretFingerprint(HMAC, SECRET) },
  });

  it('as last applied: not_verifiable only, which is not drift', () => {
    const report = drift({
      desired: [res('clusters', CL1, cluster())],
      state: state({ [`clusters/${CL1}`]: appliedCluster(cluster()) }),
      hmacKey: HMAC,
      secrets: { [`clusters/${CL1}`]: { api_key: SECRET } },
    });
    expect(report.findings).toEqual([
      { class: 'not_verifiable', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_NOT_VERIFIABLE },
    ]);
    expect(report.inSync).toBe(true);
    expect(report.summary).toMatchObject({ not_verifiable: 1, pending: 0, verified: 0 });
  });

  it('its config differs from what kzops last applied: pending replace, and still not_verifiable', () => {
    const report = drift({
      desired: [res('clusters', CL1, cluster('https://b.example.net'))],
      state: state({ [`clusters/${CL1}`]: appliedCluster(cluster()) }),
      hmacKey: HMAC,
      secrets: { [`clusters/${CL1}`]: { api_key: SECRET } },
    });
    expect(report.findings).toEqual([
      { class: 'pending', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_PENDING_REPLACE },
      { class: 'not_verifiable', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_NOT_VERIFIABLE },
    ]);
    expect(report.inSync).toBe(false);
  });

  it('a changed secret is pending too, and its value never reaches the report', () => {
    const report = drift({
      desired: [res('clusters', CL1, cluster())],
      state: state({ [`clusters/${CL1}`]: appliedCluster(cluster()) }),
      hmacKey: HMAC,
      secrets: { [`clusters/${CL1}`]: { api_key: 'a-rotated-secret' } },
    });
    expect(classes(report)).toEqual(['pending', 'not_verifiable']);
    const text = JSON.stringify(driftJson(report)) + renderDriftText(report, { color: false });
    expect(text).not.toContain('a-rotated-secret');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(secretFingerprint(HMAC, SECRET));
  });

  it('in the config, not in the state: pending create and not_verifiable', () => {
    const report = drift({ desired: [res('clusters', CL1, cluster())] });
    expect(report.findings).toEqual([
      { class: 'pending', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_PENDING_CREATE },
      { class: 'not_verifiable', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_NOT_VERIFIABLE },
    ]);
  });

  it('in the state, its config file gone: pending delete and not_verifiable', () => {
    const report = drift({ state: state({ [`clusters/${CL1}`]: appliedCluster(cluster()) }) });
    expect(report.findings).toEqual([
      { class: 'pending', kind: 'clusters', key: CL1, id: CL1, note: NOTE_PENDING_DELETE },
      { class: 'not_verifiable', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_NOT_VERIFIABLE },
    ]);
  });

  it('a secret that is not available is not checked: not drift', () => {
    const report = drift({
      desired: [res('clusters', CL1, cluster())],
      state: state({ [`clusters/${CL1}`]: appliedCluster(cluster()) }),
      hmacKey: HMAC,
    });
    expect(classes(report)).toEqual(['not_verifiable']);
    expect(report.inSync).toBe(true);
  });
});

describe('classifyDrift: the report', () => {
  it('sorts by class, then kind (apply order), then key or id; the summary counts each class', () => {
    const east = liveSbc(SBC1, 'East');
    const report = drift({
      desired: [
        res('carrier_sbcs', 'east', sbc('East')),
        res('carrier_sbcs', 'new', sbc('New')),
        res('clusters', CL1, cluster()),
        res('media_servers', 'ny2', { name: 'NY2', location: { zone: 'east' } }),
      ],
      live: [
        live('carrier_sbcs', SBC1, { ...east, name: 'Edited' }),
        live('carrier_sbcs', SBC3, liveSbc(SBC3, 'Stray 3')),
        live('carrier_sbcs', SBC2, liveSbc(SBC2, 'Stray 2')),
        live('media_servers', hex(0xa9), { id: hex(0xa9), name: 'Stray MS' }),
      ],
      state: state({ 'carrier_sbcs/east': applied(SBC1, east), 'media_servers/ny2': applied(MS1, {}) }),
    });
    expect(report.findings.map((f) => `${f.class} ${f.kind}/${f.key ?? f.id ?? ''}`)).toEqual([
      'changed_outside carrier_sbcs/east',
      'missing_live media_servers/ny2',
      `unmanaged media_servers/${hex(0xa9)}`,
      `unmanaged carrier_sbcs/${SBC2}`,
      `unmanaged carrier_sbcs/${SBC3}`,
      `pending clusters/${CL1}`,
      'pending carrier_sbcs/new',
      `not_verifiable clusters/${CL1}`,
    ]);
    const counts = Object.fromEntries(
      DRIFT_CLASSES.map((c) => [c, classes(report).filter((x) => x === c).length]),
    );
    expect(report.summary).toEqual({ ...counts, verified: 0 });
  });

  it('inSync is false exactly when a drifting class is present (property)', () => {
    // Each SBC gets one scenario; the classifier must give exactly the class the scenario means.
    const scenarios = [
      'in_sync',
      'outside_managed',
      'outside_unmanaged',
      'deleted_live',
      'config_edited',
      'config_removed',
      'no_fingerprint',
      'new_in_config',
      'stray_live',
    ] as const;
    type Scenario = (typeof scenarios)[number];
    const expected: Record<Scenario, DriftClass | undefined> = {
      in_sync: undefined,
      outside_managed: 'changed_outside',
      outside_unmanaged: 'changed_outside',
      deleted_live: 'missing_live',
      config_edited: 'pending',
      config_removed: 'pending',
      no_fingerprint: 'unknown_baseline',
      new_in_config: 'pending',
      stray_live: 'unmanaged',
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...scenarios), { maxLength: 12 }), (picked) => {
        const desired: LoadedResource[] = [];
        const liveDocs: LiveDoc[] = [];
        const resources: TargetState['resources'] = {};
        picked.forEach((scenario, i) => {
          const key = `sbc-${i}`;
          const id = hex(0x1000 + i);
          const name = `SBC ${i}`;
          const doc = liveSbc(id, name);
          const inConfig = scenario !== 'config_removed' && scenario !== 'stray_live';
          if (inConfig) {
            desired.push(
              res('carrier_sbcs', key, sbc(name, scenario === 'config_edited' ? { carrier: 'att' } : {})),
            );
          }
          if (scenario === 'stray_live' || scenario === 'new_in_config') {
            // A stray has a name no config file uses; a new one is not live at all.
            if (scenario === 'stray_live') liveDocs.push(live('carrier_sbcs', id, liveSbc(id, `Stray ${i}`)));
            return;
          }
          resources[`carrier_sbcs/${key}`] = scenario === 'no_fingerprint' ? { id } : applied(id, doc);
          if (scenario === 'deleted_live') return;
          const now =
            scenario === 'outside_managed'
              ? { ...doc, ips: ['198.51.100.1'] }
              : scenario === 'outside_unmanaged'
                ? { ...doc, pvt_created: 99 }
                : doc;
          liveDocs.push(live('carrier_sbcs', id, now));
        });
        const report = drift({ desired, live: liveDocs, state: state(resources) });
        picked.forEach((scenario, i) => {
          const mine = report.findings.filter((f) => f.key === `sbc-${i}` || f.id === hex(0x1000 + i));
          const want = expected[scenario];
          expect(mine.map((f) => f.class)).toEqual(want === undefined ? [] : [want]);
        });
        expect(report.inSync).toBe(!report.findings.some((f) => DRIFTING.has(f.class)));
        expect(report.inSync).toBe(picked.every((s) => s === 'in_sync' || s === 'no_fingerprint'));
        expect(report.summary.verified).toBe(picked.filter((s) => s === 'in_sync').length);
      }),
      { numRuns: 150 },
    );
  });

  it('does not mutate its inputs', () => {
    const doc = liveSbc(SBC1, 'East');
    const input: PlanInput = {
      target: 't',
      desired: [res('carrier_sbcs', 'east', sbc('East', { ips: ['203.0.113.99'] }))],
      live: [live('carrier_sbcs', SBC1, doc)],
      state: state({ 'carrier_sbcs/east': applied(SBC1, doc) }),
      protect: [],
    };
    const { plan } = buildPlan(input);
    const copy = structuredClone({ plan, live: input.live, state: input.state });
    classifyDrift({ plan, live: input.live, state: input.state });
    expect({ plan, live: input.live, state: input.state }).toEqual(copy);
  });
});

describe('driftJson', () => {
  const report: DriftReport = {
    target: 'lab',
    inSync: false,
    findings: [
      {
        class: 'changed_outside',
        kind: 'clusters',
        key: CL1,
        id: CL1,
        fields: [
          { path: 'api_key', before: '(sensitive)', after: '(sensitive, changed)', sensitive: true },
          { path: 'token', before: SECRET, after: SECRET, sensitive: true },
          { path: 'mvno_id', before: undefined, after: 'm' },
        ],
      },
      { class: 'unmanaged', kind: 'carrier_sbcs', id: SBC1 },
    ],
    summary: {
      changed_outside: 1,
      missing_live: 0,
      unmanaged: 1,
      pending: 0,
      unknown_baseline: 0,
      not_verifiable: 0,
      verified: 3,
    },
  };

  it('renames inSync, and shows a sensitive field only as whether it changes', () => {
    const json = driftJson(report);
    expect(json.in_sync).toBe(false);
    expect(json.findings[0]?.fields).toEqual([
      { path: 'api_key', sensitive: true, changes: true },
      { path: 'token', sensitive: true, changes: false },
      { path: 'mvno_id', before: undefined, after: 'm' },
    ]);
    expect(JSON.stringify(json)).not.toContain(SECRET);
    expect(json.findings[1]).toEqual({ class: 'unmanaged', kind: 'carrier_sbcs', id: SBC1 });
    expect(json.summary).toEqual(report.summary);
  });
});

describe('renderDriftText', () => {
  const base: DriftReport['summary'] = {
    changed_outside: 0,
    missing_live: 0,
    unmanaged: 0,
    pending: 0,
    unknown_baseline: 0,
    not_verifiable: 0,
    verified: 0,
  };

  it('groups findings by class, one line each with notes and field rows; secrets never shown', () => {
    const report: DriftReport = {
      target: 'lab',
      inSync: false,
      findings: [
        {
          class: 'changed_outside',
          kind: 'carrier_sbcs',
          key: 'sprint-east',
          id: SBC1,
          name: 'Sprint East SBC',
          fields: [{ path: 'location.city', before: 'Boston', after: 'New York' }],
        },
        { class: 'missing_live', kind: 'media_servers', key: 'ny2', id: MS1, note: NOTE_DELETED_OUTSIDE },
        { class: 'unmanaged', kind: 'carrier_sbcs', id: SBC2, name: 'Stray' },
        {
          class: 'pending',
          kind: 'clusters',
          key: CL1,
          id: CL1,
          fields: [{ path: 'api_key', before: SECRET, after: 'other-secret', sensitive: true }],
        },
        { class: 'not_verifiable', kind: 'clusters', key: CL1, id: CL1, note: NOTE_CLUSTER_NOT_VERIFIABLE },
      ],
      summary: { ...base, changed_outside: 1, missing_live: 1, unmanaged: 1, pending: 1, not_verifiable: 1 },
    };
    const text = renderDriftText(report, { color: false, label: 'lab (https://kazoo.example.net)' });
    expect(text).toBe(
      [
        'Drift for target lab (https://kazoo.example.net)',
        '',
        `[changed outside kzops] carrier_sbcs/sprint-east (id ${SBC1})  "Sprint East SBC"`,
        '    location.city: "Boston" → "New York"',
        '',
        `[missing live] media_servers/ny2 (id ${MS1})`,
        `    note: ${NOTE_DELETED_OUTSIDE}`,
        '',
        `[unmanaged] carrier_sbcs/${SBC2}  "Stray"`,
        '',
        `[pending] clusters/${CL1}`,
        '    api_key: (sensitive, changes)',
        '',
        `[not verifiable] clusters/${CL1}`,
        `    note: ${NOTE_CLUSTER_NOT_VERIFIABLE}`,
        '',
        'Drift: 1 changed outside kzops, 1 missing live, 1 unmanaged, 1 pending (1 not verifiable).',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('\u001b[');
  });

  it('a nested change fits the width on one row, or else is shown as a line diff', () => {
    const before = { sprint: [SBC1, SBC2] };
    const after = { sprint: [SBC2, SBC1] };
    const report: DriftReport = {
      target: 'lab',
      inSync: false,
      findings: [
        {
          class: 'changed_outside',
          kind: 'media_servers',
          key: 'ny2',
          id: MS1,
          fields: [{ path: 'carrier_sbc_priority', before, after }],
        },
      ],
      summary: { ...base, changed_outside: 1 },
    };
    const row = `carrier_sbc_priority: {"sprint": ["${SBC1}", "${SBC2}"]} → {"sprint": ["${SBC2}", "${SBC1}"]}`;
    // Exactly as wide as the row: one line.
    expect(renderDriftText(report, { color: false, width: row.length })).toContain(`\n    ${row}\n`);
    // One column narrower: the line diff of the pretty JSON, as kzops plan shows it.
    const narrow = renderDriftText(report, { color: false, width: row.length - 1 });
    expect(narrow).not.toContain(row);
    expect(narrow).toContain('    carrier_sbc_priority:\n        @@ -1,6 +1,6 @@\n');
    expect(narrow).toContain([`        -     "${SBC1}",`, `        -     "${SBC2}"`].join('\n'));
    expect(narrow).toContain([`        +     "${SBC2}",`, `        +     "${SBC1}"`].join('\n'));
  });

  it('in sync: the in-sync line, the verified count, and the informational counts', () => {
    const report: DriftReport = {
      target: 'lab',
      inSync: true,
      findings: [],
      summary: { ...base, verified: 8 },
    };
    expect(renderDriftText(report, { color: false })).toBe(
      [
        'Drift for target lab',
        '',
        '8 resources live as kzops last applied.',
        'In sync: the live state matches what kzops last applied and the config.',
        '',
      ].join('\n'),
    );
    expect(
      driftSummaryLine({ ...report, summary: { ...base, not_verifiable: 1, unknown_baseline: 2 } }),
    ).toBe(
      'In sync: the live state matches what kzops last applied and the config (1 not verifiable, 2 without a baseline).',
    );
  });

  it('a long nested value is a line diff of its JSON', () => {
    const long = Array.from({ length: 12 }, (_, i) => `203.0.113.${i}`);
    const report: DriftReport = {
      target: 'lab',
      inSync: false,
      findings: [
        {
          class: 'pending',
          kind: 'carrier_sbcs',
          key: 'east',
          id: SBC1,
          fields: [{ path: 'ips', before: long, after: [...long, '203.0.113.99'] }],
        },
      ],
      summary: { ...base, pending: 1 },
    };
    const text = renderDriftText(report, { color: false });
    expect(text).toContain('    ips:\n        @@ -10,5 +10,6 @@\n');
    expect(text).toContain('        +   "203.0.113.99"\n');
  });

  it('colours only when asked', () => {
    const report: DriftReport = {
      target: 'lab',
      inSync: false,
      findings: [{ class: 'unmanaged', kind: 'carrier_sbcs', id: SBC1 }],
      summary: { ...base, unmanaged: 1 },
    };
    const coloured = renderDriftText(report, { color: true });
    expect(coloured).toContain('\u001b[');
    expect(stripVTControlCharacters(coloured)).toBe(renderDriftText(report, { color: false }));
  });
});
