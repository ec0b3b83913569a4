import { scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  clusterFingerprint,
  fingerprintDoc,
  NOTE_ADOPTED,
  NOTE_CLUSTER_UNREADABLE,
  NOTE_PROTECTED,
  resolveReferences,
  isCurrentSecretFingerprint,
  legacySecretFingerprint,
  SECRET_KDF,
  secretFingerprint,
  secretFingerprintProblem,
  secretMatches,
  SENSITIVE,
  SENSITIVE_CHANGED,
  type LiveDoc,
  type PlanInput,
} from '../../src/core/plan/build-plan.js';
import type { Kind, PlannedChange, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';

type Doc = Record<string, unknown>;

const hex = (n: number) => n.toString(16).padStart(32, '0');
const MS1 = hex(0xa1);
const MS2 = hex(0xa2);
const SBC1 = hex(0xb1);
const SBC2 = hex(0xb2);
const CC1 = hex(0xc1);
const CL1 = hex(0xd1);

function res(kind: Kind, key: string, doc: Doc): LoadedResource {
  return { kind, key, file: `${kind}/${key}.yaml`, doc };
}
function live(kind: Kind, id: string, doc: Doc): LiveDoc {
  return { kind, id, doc: { id, ...doc } };
}
function state(resources: TargetState['resources']): TargetState {
  return { version: 1, target: 't', resources };
}
function input(partial: Partial<PlanInput>): PlanInput {
  return { target: 't', desired: [], live: [], state: undefined, protect: [], ...partial };
}
function only(changes: PlannedChange[], kind: Kind, key: string): PlannedChange {
  const found = changes.filter((c) => c.kind === kind && c.key === key);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const ms = (name: string, priority: string[]): Doc => ({
  name,
  location: { zone: 'east' },
  carrier_sbc_priority: { sprint: priority },
  top_ips: ['10.0.0.1'],
});
const sbc = (name: string, media: string): Doc => ({
  name,
  carrier: 'sprint',
  ips: ['203.0.113.10'],
  mobile_media_server: media,
});
const cc = (name: string): Doc => ({ name, owner: '2600hz', ips: { inbound: { east: ['192.0.2.1'] } } });
const cluster = (url = 'https://a.example.net'): Doc => ({
  mvno_id: 'm',
  api_url: url,
  api_key: { env: 'K' },
  hosted_billing_account_id: hex(1),
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('fingerprints', () => {
  it('fingerprintDoc ignores key order at every depth and is sha256 hex', () => {
    const a = fingerprintDoc({ a: 1, b: { c: [1, { d: 2, e: 3 }] } });
    const b = fingerprintDoc({ b: { c: [1, { e: 3, d: 2 }] }, a: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintDoc({ a: [1, 2] })).not.toBe(fingerprintDoc({ a: [2, 1] }));
  });
  it('secretFingerprint is salted scrypt (N=2^15, r=8, p=1), tagged with its parameters', () => {
    expect(SECRET_KDF).toEqual({ N: 32_768, r: 8, p: 1 });
    const fp = secretFingerprint('k1', 's');
    expect(fp).toMatch(/^scrypt\$N=32768,r=8,p=1\$[0-9a-f]{64}$/);
    expect(fp.split('$')[2]).toBe(
      scryptSync('s', 'k1', 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex'),
    );
    expect(secretFingerprint('k2', 's')).not.toBe(fp);
    expect(secretFingerprint('k1', 's')).toBe(fp);
    // Nothing in it is the fast HMAC older states held.
    expect(fp).not.toContain(legacySecretFingerprint('k1', 's'));
  });

  it('secretMatches reads the current form, other scrypt parameters and the older HMAC form', () => {
    const fast = `scrypt$N=1024,r=1,p=1$${scryptSync('s', 'k1', 32, { N: 1024, r: 1, p: 1 }).toString('hex')}`;
    for (const stored of [secretFingerprint('k1', 's'), fast, legacySecretFingerprint('k1', 's')]) {
      expect(secretMatches('k1', 's', stored), stored).toBe(true);
      expect(secretMatches('k1', 'other', stored), stored).toBe(false);
      expect(secretMatches('k2', 's', stored), stored).toBe(false);
    }
    expect(isCurrentSecretFingerprint(secretFingerprint('k1', 's'))).toBe(true);
    expect(isCurrentSecretFingerprint(fast)).toBe(false);
    expect(isCurrentSecretFingerprint(legacySecretFingerprint('k1', 's'))).toBe(false);
  });

  it('secretFingerprintProblem refuses what it cannot read, or could not afford to', () => {
    expect(secretFingerprintProblem(secretFingerprint('k1', 's'))).toBeUndefined();
    expect(secretFingerprintProblem('a'.repeat(64))).toBeUndefined();
    for (const bad of [
      'A'.repeat(64),
      'scrypt$N=32768,r=8,p=1$xyz',
      `scrypt$N=1000,r=8,p=1$${'a'.repeat(64)}`,
      `scrypt$N=16777216,r=8,p=1$${'a'.repeat(64)}`,
      `scrypt$N=32768,r=0,p=1$${'a'.repeat(64)}`,
      42,
    ]) {
      expect(secretFingerprintProblem(bad), String(bad)).toBeDefined();
      if (typeof bad === 'string') expect(secretMatches('k1', 's', bad)).toBe(false);
    }
  });
});

describe('buildPlan: actions', () => {
  it('create, update and noop for customer clusters (id = key)', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('customer_clusters', CC1, cc('One')), res('customer_clusters', hex(0xc2), cc('Two'))],
        live: [live('customer_clusters', CC1, { ...cc('One'), name: 'Old' })],
      }),
    );
    const update = only(plan.changes, 'customer_clusters', CC1);
    expect(update).toMatchObject({ action: 'update', id: CC1, protected: false });
    expect(update.fields).toEqual([{ path: 'name', before: 'Old', after: 'One' }]);
    expect(update.liveFingerprint).toBe(fingerprintDoc({ id: CC1, ...cc('One'), name: 'Old' }));
    const create = only(plan.changes, 'customer_clusters', hex(0xc2));
    expect(create).toMatchObject({ action: 'create', id: hex(0xc2) });
    expect(create.fields.map((f) => f.path)).toEqual(['ips', 'name', 'owner']);
    expect(create.liveFingerprint).toBeUndefined();
    expect(plan.summary).toEqual({ create: 1, update: 1, replace: 0, delete: 0, noop: 0 });

    const again = buildPlan(
      input({
        desired: [res('customer_clusters', CC1, cc('One'))],
        live: [live('customer_clusters', CC1, cc('One'))],
      }),
    );
    expect(again.plan.changes).toMatchObject([{ action: 'noop', fields: [] }]);
    expect(again.plan.summary.noop).toBe(1);
  });

  it('uses the state id for server-assigned kinds', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('media_servers', 'ny2', ms('NY2', []))],
        live: [live('media_servers', MS1, ms('Renamed', []))],
        state: state({ 'media_servers/ny2': { id: MS1 } }),
      }),
    );
    expect(plan.changes).toMatchObject([{ action: 'update', id: MS1, notes: [] }]);
    expect(out).toEqual(state({ 'media_servers/ny2': { id: MS1 } }));
  });

  it('a state id gone live is a create, with a note', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('media_servers', 'ny2', ms('NY2', []))],
        state: state({ 'media_servers/ny2': { id: MS1 } }),
      }),
    );
    const change = only(plan.changes, 'media_servers', 'ny2');
    expect(change.action).toBe('create');
    expect(change.id).toBeUndefined();
    expect(change.notes).toEqual([`was ${MS1} in state, gone live`]);
  });
});

describe('buildPlan: adoption by name', () => {
  it('adopts the one live document with the same name (trimmed, any case) and records it in the state', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('media_servers', 'ny2', ms('NY2 Media', []))],
        live: [
          live('media_servers', MS1, ms('  ny2 media ', [])),
          live('media_servers', MS2, ms('Other', [])),
        ],
      }),
    );
    const change = only(plan.changes, 'media_servers', 'ny2');
    expect(change).toMatchObject({ action: 'update', id: MS1, notes: [NOTE_ADOPTED] });
    expect(change.fields).toEqual([{ path: 'name', before: '  ny2 media ', after: 'NY2 Media' }]);
    expect(out).toEqual({ version: 1, target: 't', resources: { 'media_servers/ny2': { id: MS1 } } });
    expect(plan.unmanaged).toEqual([{ kind: 'media_servers', id: MS2, name: 'Other' }]);
  });

  it('does not adopt a document another state entry claims', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('media_servers', 'ny2', ms('NY2', [])), res('media_servers', 'old', ms('Old', []))],
        live: [live('media_servers', MS1, ms('NY2', []))],
        state: state({ 'media_servers/old': { id: MS1 } }),
      }),
    );
    expect(only(plan.changes, 'media_servers', 'ny2')).toMatchObject({ action: 'create', notes: [] });
    expect(out.resources['media_servers/ny2']).toBeUndefined();
  });

  it('two live documents with the name: no adoption, a create, and notes', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('media_servers', 'ny2', ms('NY2', []))],
        live: [live('media_servers', MS1, ms('NY2', [])), live('media_servers', MS2, ms('ny2', []))],
      }),
    );
    const change = only(plan.changes, 'media_servers', 'ny2');
    expect(change.action).toBe('create');
    expect(change.notes[0]).toBe('2 live documents are named "NY2"; not adopting');
    expect(change.notes[1]).toMatch(/refuse/);
    expect(out.resources).toEqual({});
    expect(plan.unmanaged.map((u) => u.id)).toEqual([MS1, MS2]);
  });
});

describe('buildPlan: references', () => {
  it('compares with ids and shows keys', () => {
    const desired = [
      res('media_servers', 'ny2', ms('NY2', ['east', 'west'])),
      res('media_servers', 'sv4', ms('SV4', [])),
      res('carrier_sbcs', 'east', sbc('East', 'ny2')),
      res('carrier_sbcs', 'west', sbc('West', 'sv4')),
    ];
    const st = state({
      'media_servers/ny2': { id: MS1 },
      'media_servers/sv4': { id: MS2 },
      'carrier_sbcs/east': { id: SBC1 },
      'carrier_sbcs/west': { id: SBC2 },
    });
    const same = [
      live('media_servers', MS1, ms('NY2', [SBC1, SBC2])),
      live('media_servers', MS2, ms('SV4', [])),
      live('carrier_sbcs', SBC1, sbc('East', MS1)),
      live('carrier_sbcs', SBC2, sbc('West', MS2)),
    ];
    expect(buildPlan(input({ desired, live: same, state: st })).plan.summary.noop).toBe(4);

    const drifted = [
      live('media_servers', MS1, ms('NY2', [SBC2, SBC1])),
      live('media_servers', MS2, ms('SV4', [])),
      live('carrier_sbcs', SBC1, sbc('East', MS2)),
      live('carrier_sbcs', SBC2, sbc('West', hex(0xee))),
    ];
    const { plan } = buildPlan(input({ desired, live: drifted, state: st }));
    expect(only(plan.changes, 'media_servers', 'ny2').fields).toEqual([
      { path: 'carrier_sbc_priority.sprint', before: ['west', 'east'], after: ['east', 'west'] },
    ]);
    expect(only(plan.changes, 'carrier_sbcs', 'east').fields).toEqual([
      { path: 'mobile_media_server', before: 'sv4', after: 'ny2' },
    ]);
    expect(only(plan.changes, 'carrier_sbcs', 'west').fields).toEqual([
      { path: 'mobile_media_server', before: `id:${hex(0xee)}`, after: 'sv4' },
    ]);
  });

  it('a reference to a resource to be created stays a placeholder, shown as its key', () => {
    const { plan } = buildPlan(
      input({
        desired: [
          res('media_servers', 'ny2', ms('NY2', [])),
          res('carrier_sbcs', 'east', sbc('East', 'ny2')),
        ],
        live: [live('carrier_sbcs', SBC1, sbc('East', MS1))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
      }),
    );
    expect(only(plan.changes, 'media_servers', 'ny2').action).toBe('create');
    const east = only(plan.changes, 'carrier_sbcs', 'east');
    expect(east.action).toBe('update');
    expect(east.fields).toEqual([{ path: 'mobile_media_server', before: `id:${MS1}`, after: 'ny2' }]);
    expect(JSON.stringify(plan)).not.toContain('"ref"');
    expect(
      resolveReferences('carrier_sbcs', sbc('East', 'ny2'), () => undefined).mobile_media_server,
    ).toEqual({
      ref: 'media_servers/ny2',
    });
  });

  it('id:<hex> references resolve to the id and show as id:<hex> when unmanaged', () => {
    const other = hex(0x77);
    const { plan } = buildPlan(
      input({
        desired: [res('carrier_sbcs', 'east', sbc('East', `id:${other}`))],
        live: [live('carrier_sbcs', SBC1, sbc('East', other)), live('media_servers', other, ms('X', []))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
      }),
    );
    expect(only(plan.changes, 'carrier_sbcs', 'east').action).toBe('noop');
    const changed = buildPlan(
      input({
        desired: [res('carrier_sbcs', 'east', sbc('East', `id:${other}`))],
        live: [live('carrier_sbcs', SBC1, sbc('East', MS1))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 }, 'media_servers/ny2': { id: MS1 } }),
      }),
    ).plan;
    expect(only(changed.changes, 'carrier_sbcs', 'east').fields).toEqual([
      { path: 'mobile_media_server', before: 'ny2', after: `id:${other}` },
    ]);
    expect(plan.unmanaged).toEqual([{ kind: 'media_servers', id: other, name: 'X' }]);
  });

  it('resolveReferences does not touch its input', () => {
    const doc = deepFreeze(ms('NY2', ['a', 'id:' + SBC2]));
    const out = resolveReferences('media_servers', doc, (_k, key) => (key === 'a' ? SBC1 : undefined));
    expect(out.carrier_sbc_priority).toEqual({ sprint: [SBC1, SBC2] });
  });
});

describe('buildPlan: deletes, unmanaged, protect', () => {
  it('deletes a state entry with no file when it is live; ignores one already gone', () => {
    const { plan } = buildPlan(
      input({
        live: [live('carrier_sbcs', SBC1, sbc('East', MS1)), live('carrier_sbcs', SBC2, sbc('Stray', MS1))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 }, 'carrier_sbcs/gone': { id: hex(0x99) } }),
      }),
    );
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ kind: 'carrier_sbcs', key: 'east', id: SBC1, action: 'delete' });
    expect(plan.changes[0]?.liveFingerprint).toBe(fingerprintDoc({ id: SBC1, ...sbc('East', MS1) }));
    expect(plan.unmanaged).toEqual([{ kind: 'carrier_sbcs', id: SBC2, name: 'Stray' }]);
    expect(plan.summary.delete).toBe(1);
  });

  it('protect entries by key or id mark changes; a protected delete keeps its action with a note', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('customer_clusters', CC1, cc('A'))],
        live: [live('carrier_sbcs', SBC1, sbc('East', MS1)), live('customer_clusters', CC1, cc('B'))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
        protect: ['carrier_sbcs/east', `customer_clusters/${CC1}`],
      }),
    );
    expect(only(plan.changes, 'carrier_sbcs', 'east')).toMatchObject({
      action: 'delete',
      protected: true,
      notes: [NOTE_PROTECTED],
    });
    // An update of a protected resource is allowed: no note.
    expect(only(plan.changes, 'customer_clusters', CC1)).toMatchObject({
      action: 'update',
      protected: true,
      notes: [],
    });
    const byId = buildPlan(
      input({
        live: [live('carrier_sbcs', SBC1, sbc('East', MS1))],
        state: state({ 'carrier_sbcs/east': { id: SBC1 } }),
        protect: [`carrier_sbcs/${SBC1}`],
      }),
    );
    expect(byId.plan.changes[0]?.protected).toBe(true);
  });

  it('the master cluster is protected', () => {
    const { plan } = buildPlan(
      input({
        state: state({ [`clusters/${CL1}`]: { id: CL1 }, [`customer_clusters/${CL1}`]: { id: CL1 } }),
        live: [live('customer_clusters', CL1, cc('Master'))],
        masterClusterId: CL1,
      }),
    );
    expect(plan.changes.map((c) => [c.kind, c.action, c.protected, c.notes.at(-1)])).toEqual([
      ['clusters', 'delete', true, NOTE_PROTECTED],
      ['customer_clusters', 'delete', true, NOTE_PROTECTED],
    ]);
  });
});

describe('buildPlan: cluster documents', () => {
  const SECRET = 'sup3r-s3cret-api-key-value';
  const KEY = 'per-target-hmac-key';
  const ref = `clusters/${CL1}`;
  const applied = (doc: Doc, secret = SECRET) =>
    state({
      [ref]: {
        id: CL1,
        fingerprint: clusterFingerprint(doc),
        secrets: { api_key: secretFingerprint(KEY, secret) },
      },
    });

  it('no state entry: create, the secret shown as sensitive', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster())],
        secrets: { [ref]: { api_key: SECRET } },
        hmacKey: KEY,
      }),
    );
    const change = only(plan.changes, 'clusters', CL1);
    expect(change).toMatchObject({ action: 'create', id: CL1 });
    expect(change.fields.find((f) => f.path === 'api_key')).toEqual({
      path: 'api_key',
      before: undefined,
      after: SENSITIVE,
      sensitive: true,
    });
    expect(JSON.stringify(plan)).not.toContain(SECRET);
  });

  it('unchanged since the last apply: noop with a note', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster())],
        state: applied(cluster()),
        secrets: { [ref]: { api_key: SECRET } },
        hmacKey: KEY,
      }),
    );
    expect(plan.changes).toMatchObject([{ action: 'noop', fields: [], notes: [NOTE_CLUSTER_UNREADABLE] }]);
  });

  it('a secret stored as an older HMAC: unchanged is a noop whose state gets the scrypt form', () => {
    const legacy = state({
      [ref]: {
        id: CL1,
        fingerprint: clusterFingerprint(cluster()),
        secrets: { api_key: legacySecretFingerprint(KEY, SECRET) },
      },
    });
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster())],
        state: legacy,
        secrets: { [ref]: { api_key: SECRET } },
        hmacKey: KEY,
      }),
    );
    expect(plan.changes).toMatchObject([{ action: 'noop', fields: [] }]);
    expect(out.resources[ref]?.secrets?.api_key).toBe(secretFingerprint(KEY, SECRET));
    // The input is left as it was.
    expect(legacy.resources[ref]?.secrets?.api_key).toBe(legacySecretFingerprint(KEY, SECRET));
  });

  it('a secret stored as an older HMAC that no longer matches: a replace, the state left to apply', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster())],
        state: state({
          [ref]: {
            id: CL1,
            fingerprint: clusterFingerprint(cluster()),
            secrets: { api_key: legacySecretFingerprint(KEY, 'the-old-secret') },
          },
        }),
        secrets: { [ref]: { api_key: SECRET } },
        hmacKey: KEY,
      }),
    );
    expect(only(plan.changes, 'clusters', CL1).action).toBe('replace');
    expect(out.resources[ref]?.secrets?.api_key).toBe(legacySecretFingerprint(KEY, 'the-old-secret'));
  });

  it('a changed secret is a replace, without the value', () => {
    const { plan, state: out } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster())],
        state: applied(cluster(), 'the-old-secret'),
        secrets: { [ref]: { api_key: SECRET } },
        hmacKey: KEY,
      }),
    );
    const change = only(plan.changes, 'clusters', CL1);
    expect(change.action).toBe('replace');
    expect(change.fields.find((f) => f.sensitive)).toEqual({
      path: 'api_key',
      before: SENSITIVE,
      after: SENSITIVE_CHANGED,
      sensitive: true,
    });
    const text = JSON.stringify({ plan, out });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('the-old-secret');
    expect(plan.summary.replace).toBe(1);
  });

  it('a changed field is a replace; without secrets the key is not checked', () => {
    const { plan } = buildPlan(
      input({ desired: [res('clusters', CL1, cluster('https://b.example.net'))], state: applied(cluster()) }),
    );
    const change = only(plan.changes, 'clusters', CL1);
    expect(change.action).toBe('replace');
    expect(change.notes).toEqual([NOTE_CLUSTER_UNREADABLE, 'api_key not checked (secret not available)']);
    expect(change.fields.find((f) => f.path === 'api_url')?.after).toBe('https://b.example.net');
    expect(change.fields.find((f) => f.path === 'api_key')).toMatchObject({
      after: SENSITIVE,
      sensitive: true,
    });
  });

  it('the master cluster document planned for replace is protected', () => {
    const { plan } = buildPlan(
      input({
        desired: [res('clusters', CL1, cluster('https://b.example.net'))],
        state: applied(cluster()),
        masterClusterId: CL1,
      }),
    );
    expect(plan.changes[0]).toMatchObject({ action: 'replace', protected: true });
    expect(plan.changes[0]?.notes).toContain(NOTE_PROTECTED);
  });
});

describe('buildPlan: ordering', () => {
  it('sorts changes by KINDS order then key, and unmanaged likewise', () => {
    const { plan } = buildPlan(
      input({
        desired: [
          res('carrier_sbcs', 'b', sbc('B', 'm')),
          res('carrier_sbcs', 'a', sbc('A', 'm')),
          res('media_servers', 'm', ms('M', ['a', 'b'])),
          res('customer_clusters', CC1, cc('C')),
          res('clusters', CL1, cluster()),
        ],
        live: [live('carrier_sbcs', SBC2, sbc('Z', MS1)), live('media_servers', MS2, ms('Y', []))],
      }),
    );
    expect(plan.changes.map((c) => `${c.kind}/${c.key}`)).toEqual([
      `clusters/${CL1}`,
      `customer_clusters/${CC1}`,
      'media_servers/m',
      'carrier_sbcs/a',
      'carrier_sbcs/b',
    ]);
    expect(plan.unmanaged.map((u) => u.kind)).toEqual(['media_servers', 'carrier_sbcs']);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

const keyArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const idArb = fc.stringMatching(/^[0-9a-f]{32}$/);
const ipArb = fc.ipV4();

interface World {
  desired: LoadedResource[];
  /** Live documents as the server would hold them (references as ids). */
  live: LiveDoc[];
  state: TargetState;
}

/** SBCs and media servers with valid cross references, and the same documents live. */
const worldArb: fc.Arbitrary<World> = fc
  .record({
    media: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 4 }),
    sbcs: fc.uniqueArray(keyArb, { maxLength: 5 }),
    ids: fc.uniqueArray(idArb, { minLength: 9, maxLength: 9 }),
    seed: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
    ips: fc.array(ipArb, { minLength: 1, maxLength: 3 }),
  })
  .map(({ media, sbcs, ids, seed, ips }) => {
    const idOf = new Map<string, string>();
    media.forEach((k, i) => idOf.set(`media_servers/${k}`, ids[i]!));
    sbcs.forEach((k, i) => idOf.set(`carrier_sbcs/${k}`, ids[4 + i]!));
    const pick = (i: number) => seed[i % seed.length]!;
    const desired: LoadedResource[] = [];
    const liveDocs: LiveDoc[] = [];
    media.forEach((k, i) => {
      const priority = sbcs.filter((_s, j) => (pick(i + j) + j) % 2 === 0);
      desired.push(res('media_servers', k, { ...ms(`Media ${k}`, priority), top_ips: ips }));
      const id = idOf.get(`media_servers/${k}`)!;
      liveDocs.push(
        live('media_servers', id, {
          ...ms(
            `Media ${k}`,
            priority.map((s) => idOf.get(`carrier_sbcs/${s}`)!),
          ),
          top_ips: [...ips].reverse(),
          pvt_modified: 1,
        }),
      );
    });
    sbcs.forEach((k, i) => {
      const target = media[pick(i) % media.length]!;
      desired.push(res('carrier_sbcs', k, sbc(`SBC ${k}`, target)));
      const id = idOf.get(`carrier_sbcs/${k}`)!;
      liveDocs.push(live('carrier_sbcs', id, sbc(`SBC ${k}`, idOf.get(`media_servers/${target}`)!)));
    });
    const st = state(Object.fromEntries([...idOf].map(([ref, id]) => [ref, { id }])));
    return { desired, live: liveDocs, state: st };
  });

describe('buildPlan: properties', () => {
  it('(a) desired equal to live (references as ids) is all noop', () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), ({ desired, live: liveDocs, state: st }, adopt) => {
        // Without a state, every document is adopted by (unique) name: still all noop.
        const { plan } = buildPlan(input({ desired, live: liveDocs, state: adopt ? undefined : st }));
        expect(plan.changes.every((c) => c.action === 'noop')).toBe(true);
        expect(plan.summary.noop).toBe(desired.length);
        expect(plan.unmanaged).toEqual([]);
      }),
    );
  });

  it('(b) never mutates its input', () => {
    fc.assert(
      fc.property(
        worldArb,
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        ({ desired, live: liveDocs, state: st }, mask) => {
          const raw: PlanInput = {
            target: 't',
            desired: [...desired.filter((_d, i) => mask[i] ?? true), res('clusters', CL1, cluster())],
            live: liveDocs.filter((_d, i) => mask[(i + 3) % mask.length] ?? true),
            state: state({
              ...st.resources,
              [`clusters/${CL1}`]: { id: CL1, fingerprint: 'x', secrets: { api_key: 'y' } },
              [`clusters/${hex(5)}`]: { id: hex(5) },
            }),
            protect: ['media_servers/x'],
            masterClusterId: CL1,
            secrets: { [`clusters/${CL1}`]: { api_key: 's' } },
            hmacKey: 'k',
          };
          const before = structuredClone(raw);
          const frozen = deepFreeze(structuredClone(raw));
          const first = buildPlan(frozen);
          expect(frozen).toEqual(before);
          // Deterministic too.
          expect(buildPlan(structuredClone(raw))).toEqual(first);
        },
      ),
    );
  });

  it('(c) with nothing live and no state, everything is a create and nothing else is planned', () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), ({ desired }, withCluster) => {
        const all = withCluster ? [...desired, res('clusters', CL1, cluster())] : desired;
        const { plan, state: out } = buildPlan(input({ desired: all }));
        expect(plan.changes).toHaveLength(all.length);
        expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
        expect(plan.summary).toEqual({ create: all.length, update: 0, replace: 0, delete: 0, noop: 0 });
        expect(plan.unmanaged).toEqual([]);
        expect(out).toEqual({ version: 1, target: 't', resources: {} });
      }),
    );
  });
});
