import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { isRecord } from '../../src/core/json.js';
import { publicView, type JsonObject } from '../../src/sim/model.js';
import { isEncrypted } from '../../src/sim/secrets.js';
import { defaultSeed, readSeedFile, SEED_IDS, SEED_NUMBERS, stateFromSeed } from '../../src/sim/seed.js';

const HEX32 = /^[0-9a-f]{32}$/;

/** A deep copy of the default seed to break on purpose. */
function seed(): Record<string, JsonObject[]> {
  return defaultSeed() as Record<string, JsonObject[]>;
}

function seedError(value: unknown, source = 'my-seed.yaml'): string {
  try {
    stateFromSeed(value, source);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the seed to be rejected');
}

function collectIds(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (isRecord(value) || Array.isArray(value)) return Object.values(value as object).flatMap(collectIds);
  return [];
}

describe('defaultSeed', () => {
  it('validates and builds a state', () => {
    const state = stateFromSeed(defaultSeed(), 'the default seed');
    expect(state.version).toBe(1);
    expect(state.api_keys.map((k) => [k.api_key, k.level])).toEqual([
      ['c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00', 'super_master'],
      ['feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface', 'master'],
    ]);
    expect(state.users).toEqual([
      {
        username: 'support',
        password: 'sim-password',
        account_name: 'Sim Master Account',
        phone_number: '+15550009999',
        level: 'super_master',
      },
    ]);
    expect(state.accounts.map((a) => a.id)).toEqual([
      SEED_IDS.accounts.master,
      '0123456789abcdef0123456789abcdef',
      'fedcba9876543210fedcba9876543210',
    ]);
  });

  it('returns a fresh object each call', () => {
    const a = seed();
    a.accounts?.splice(0);
    expect((seed().accounts ?? []).length).toBe(3);
    expect(defaultSeed()).toEqual(defaultSeed());
  });

  it('uses 32-character lowercase hex ids everywhere', () => {
    for (const id of collectIds(SEED_IDS)) expect(id).toMatch(HEX32);
  });

  it('holds the reference examples: routing names, clusters, Joe’s device', () => {
    const state = stateFromSeed(defaultSeed(), 'default');
    expect(state.customer_clusters[SEED_IDS.customerClusters.hosted]).toMatchObject({
      name: 'Kazoo Hosted',
      owner: '2600hz',
    });
    expect(state.customer_clusters[SEED_IDS.customerClusters.sandbox]).toMatchObject({
      name: 'Kazoo Sandbox',
    });
    expect(Object.values(state.carrier_sbcs).map((s) => s.name)).toEqual([
      'Sprint East SBC',
      'Sprint West SBC',
      'Sprint Central SBC',
    ]);
    expect(Object.values(state.media_servers).map((s) => s.name)).toEqual([
      'NY2 Mobile Media Server',
      'SV4 Mobile Media Server',
      'CH2 Mobile Media Server',
    ]);
    expect(state.devices[SEED_IDS.devices.joe]).toMatchObject({
      name: "Joe's Mobile Phone",
      pvt_account_id: SEED_IDS.accounts.joe,
    });
    const tethering = state.carrier_subscriptions.find((c) => c.mdn === SEED_NUMBERS.hotspot.mdn);
    expect(tethering).toMatchObject({ plan: '260PLAN1' });
    expect(tethering?.features).toContain('tethering');
    const port = state.ports[SEED_IDS.ports.joe];
    expect(['completed', 'canceled']).not.toContain((port?.status as JsonObject).code);
  });

  it('keeps some carrier subscriptions out of TOP, findable by mdn, esn and sim', () => {
    const state = stateFromSeed(defaultSeed(), 'default');
    const topMdns = Object.values(state.subscriptions).map((s) => s.mdn);
    const deviceMdns = Object.values(state.devices).map((d) => (d.subscription as JsonObject).mdn);
    for (const pending of [SEED_NUMBERS.pendingByMdn, SEED_NUMBERS.pendingByEsn, SEED_NUMBERS.pendingBySim]) {
      expect(topMdns).not.toContain(pending.mdn);
      expect(deviceMdns).not.toContain(pending.mdn);
      expect(state.carrier_subscriptions.some((c) => c.mdn === pending.mdn)).toBe(true);
    }
    expect(state.carrier_subscriptions.find((c) => c.mdn === SEED_NUMBERS.pendingBySim.mdn)?.esn).toBeNull();
  });

  it('resolves its references: SBC media servers, priorities, accounts, device ties', () => {
    const state = stateFromSeed(defaultSeed(), 'default');
    for (const sbc of Object.values(state.carrier_sbcs)) {
      const ms = state.media_servers[sbc.mobile_media_server as string];
      expect(ms, `media server of ${sbc._id}`).toBeDefined();
      expect((ms?.location as JsonObject).zone).toBe((sbc.location as JsonObject).zone);
    }
    for (const ms of Object.values(state.media_servers)) {
      for (const ids of Object.values(ms.carrier_sbc_priority as JsonObject)) {
        for (const id of ids as string[]) expect(state.carrier_sbcs[id], `SBC ${id}`).toBeDefined();
      }
    }
    const accountIds = new Set(state.accounts.map((a) => a.id));
    for (const doc of [
      ...Object.values(state.subscriptions),
      ...Object.values(state.devices),
      ...Object.values(state.ports),
    ]) {
      expect(accountIds.has(doc.pvt_account_id as string)).toBe(true);
    }
    for (const key of state.api_keys) expect(accountIds.has(key.account_id)).toBe(true);
    for (const device of Object.values(state.devices)) {
      const sub = device.subscription as JsonObject;
      const tied = Object.values(state.subscriptions).filter(
        (s) => s.pvt_account_id === device.pvt_account_id && (s.esn === sub.esn || s.mdn === sub.mdn),
      );
      expect(tied, `subscription of ${device._id}`).toHaveLength(1);
    }
  });

  it('orders media server SBC priorities as the reference does', () => {
    const state = stateFromSeed(defaultSeed(), 'default');
    const { east, west, central } = SEED_IDS.carrierSbcs;
    const priority = (id: string) => (state.media_servers[id]?.carrier_sbc_priority as JsonObject).sprint;
    expect(priority(SEED_IDS.mediaServers.east)).toEqual([east, central, west]);
    expect(priority(SEED_IDS.mediaServers.west)).toEqual([west, central, east]);
    expect(priority(SEED_IDS.mediaServers.central)).toEqual([central, east, west]);
  });

  it('has usage for 201610..201701 with known, null and missing accounts and one empty month', () => {
    const state = stateFromSeed(defaultSeed(), 'default');
    const months = new Set(state.usage.map((u) => u.month));
    expect([...months].sort()).toEqual(['201610', '201611', '201701']);
    const known = new Set(state.accounts.map((a) => a.id));
    expect(state.usage.some((u) => u.account_id === null)).toBe(true);
    expect(state.usage.some((u) => u.account_id !== null && !known.has(u.account_id))).toBe(true);
    expect(state.usage.some((u) => u.account_id !== null && known.has(u.account_id))).toBe(true);
  });
});

describe('stateFromSeed: stored form', () => {
  const state = stateFromSeed(defaultSeed(), 'default');

  it('adds _id, _rev, pvt_type and Gregorian pvt_created/pvt_modified', () => {
    const sub = state.subscriptions[SEED_IDS.subscriptions.joe];
    expect(sub?._id).toBe(SEED_IDS.subscriptions.joe);
    expect(sub?._rev).toMatch(/^1-[0-9a-f]{32}$/);
    expect(sub?.pvt_type).toBe('subscription');
    const created = sub?.pvt_created as number;
    expect(Math.abs(created - (Math.floor(Date.now() / 1000) + 62_167_219_200))).toBeLessThan(60);
    expect(sub?.pvt_modified).toBe(created);
    expect(state.devices[SEED_IDS.devices.joe]?.pvt_type).toBe('device');
    expect(state.carrier_sbcs[SEED_IDS.carrierSbcs.east]?.pvt_type).toBe('carrier_sbc');
  });

  it('keeps ids and account ids out of the public fields', () => {
    const sub = state.subscriptions[SEED_IDS.subscriptions.hotspot];
    expect(sub).not.toHaveProperty('id');
    expect(sub).not.toHaveProperty('account_id');
    expect(sub).not.toHaveProperty('carrier_name');
    expect(sub).not.toHaveProperty('cluster_id');
    expect(sub).toMatchObject({
      pvt_account_id: SEED_IDS.accounts.hotspot,
      pvt_carrier_name: 'sprint',
      pvt_cluster_id: SEED_IDS.clusters.sandbox,
    });
    expect(publicView(sub!)).not.toHaveProperty('pvt_carrier_name');
  });

  it('encrypts cluster api keys and marks the one master cluster privately', () => {
    const master = state.clusters[SEED_IDS.clusters.master];
    const sandbox = state.clusters[SEED_IDS.clusters.sandbox];
    expect(master?.pvt_master).toBe(true);
    expect(sandbox).not.toHaveProperty('pvt_master');
    expect(master).not.toHaveProperty('master');
    for (const c of [master, sandbox]) {
      expect(isEncrypted(c?.api_key as string)).toBe(true);
      expect(c?.api_key).not.toContain('sim-cluster');
    }
    expect(state.encryption_key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fills carrier record defaults', () => {
    const s = stateFromSeed(
      { carrier_subscriptions: [{ carrier: 'sprint', plan: 'P', mdn: '+15551230000' }] },
      'x',
    );
    expect(s.carrier_subscriptions[0]).toMatchObject({
      esn: null,
      sim: null,
      imsi: null,
      features: [],
      carrier_data: {},
      suspended: false,
    });
    expect(typeof s.carrier_subscriptions[0]?.activation_date).toBe('number');
  });

  it('accepts an empty seed and a $schema pointer', () => {
    const s = stateFromSeed({ $schema: '../schemas/sim-seed.schema.json' }, 'x');
    expect(s.accounts).toEqual([]);
    expect(s.devices).toEqual({});
  });

  it('does not alias the seed object', () => {
    const input = seed();
    const s = stateFromSeed(input, 'x');
    ((input.devices?.[0] as JsonObject).model as JsonObject).name = 'changed';
    expect((s.devices[SEED_IDS.devices.joe]?.model as JsonObject).name).toBe('SAMSUNG L300 HANDSET KIT');
  });
});

describe('stateFromSeed: bad seeds', () => {
  it('names the source and the field path', () => {
    const bad = seed();
    (bad.accounts?.[1] as JsonObject).id = 'NOT-HEX';
    const msg = seedError(bad);
    expect(msg).toMatch(/^my-seed\.yaml: invalid seed: /);
    expect(msg).toContain('accounts.1.id');
  });

  it('reports every schema problem at once', () => {
    const msg = seedError({
      nonsense: 1,
      usage: [{ month: '201613', mdn: '5550001111', account_id: null, bytes: -1 }],
      clusters: [{ id: SEED_IDS.clusters.master }],
    });
    for (const path of ['nonsense', 'usage.0.month', 'usage.0.mdn', 'usage.0.bytes', 'clusters.0.api_key']) {
      expect(msg).toContain(path);
    }
  });

  it.each([null, 'a string', [1, 2]])('rejects a non-object seed %j, naming the source', (value) => {
    expect(seedError(value, 'seed.json')).toMatch(/^seed\.json: invalid seed/);
  });

  it('rejects private fields in a seed document', () => {
    const bad = seed();
    (bad.devices?.[0] as JsonObject).pvt_account_id = SEED_IDS.accounts.master;
    expect(seedError(bad)).toMatch(/devices\.0\.pvt_account_id: private fields/);
  });

  it('rejects references to accounts the seed does not have', () => {
    const bad = seed();
    (bad.ports?.[0] as JsonObject).account_id = 'ffffffffffffffffffffffffffffffff';
    (bad.users?.[0] as JsonObject).account_name = 'Nobody';
    const msg = seedError(bad);
    expect(msg).toContain('ports.0.account_id');
    expect(msg).toContain('users.0.account_name');
  });

  it('rejects duplicate ids and numbers, and a second master cluster', () => {
    const bad = seed();
    bad.devices?.push({ ...(bad.devices[0] as JsonObject) });
    bad.carrier_subscriptions?.push({ ...(bad.carrier_subscriptions[0] as JsonObject) });
    (bad.clusters?.[1] as JsonObject).master = true;
    const msg = seedError(bad);
    expect(msg).toContain('devices.2.id: duplicate id');
    expect(msg).toContain('carrier_subscriptions.5.mdn: duplicate mdn');
    expect(msg).toContain('clusters.1.master');
  });

  it('requires a carrier subscription to have an esn, mdn or sim', () => {
    const msg = seedError({ carrier_subscriptions: [{ carrier: 'sprint', plan: 'P', esn: null }] });
    expect(msg).toContain('carrier_subscriptions.0.mdn');
  });
});

describe('readSeedFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kzops-seed-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads YAML and JSON to the same value', async () => {
    const yamlPath = join(dir, 'seed.yaml');
    const jsonPath = join(dir, 'seed.json');
    await writeFile(yamlPath, `# a comment\n${toYaml(defaultSeed())}`);
    await writeFile(jsonPath, JSON.stringify(defaultSeed(), null, 2));
    expect(await readSeedFile(yamlPath)).toEqual(defaultSeed());
    expect(await readSeedFile(jsonPath)).toEqual(defaultSeed());
    expect(() => stateFromSeed(defaultSeed(), yamlPath)).not.toThrow();
  });

  it('reads YAML flow style even though it opens like JSON', async () => {
    const flowPath = join(dir, 'flow.yaml');
    await writeFile(flowPath, "{accounts: [{id: '0123456789abcdef0123456789abcdef', name: Flow}]}\n");
    expect(await readSeedFile(flowPath)).toEqual({
      accounts: [{ id: '0123456789abcdef0123456789abcdef', name: 'Flow' }],
    });
  });

  it('names the file when it is broken or missing', async () => {
    const badYaml = join(dir, 'bad.yaml');
    const badJson = join(dir, 'bad.json');
    await writeFile(badYaml, 'accounts: [\n  - id: x\n  bad: : :\n');
    await writeFile(badJson, '{"accounts": [}');
    await expect(readSeedFile(badYaml)).rejects.toThrow(new RegExp(`^${badYaml}: invalid YAML`));
    await expect(readSeedFile(badJson)).rejects.toThrow(new RegExp(`^${badJson}: invalid JSON`));
    await expect(readSeedFile(join(dir, 'missing.yaml'))).rejects.toThrow(
      /missing\.yaml: cannot read seed file/,
    );
  });

  it('passes the schema file the package ships', async () => {
    const schema = JSON.parse(
      await readFile(new URL('../../schemas/sim-seed.schema.json', import.meta.url), 'utf8'),
    ) as JsonObject;
    expect(schema.$id).toBeTypeOf('string');
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    // Every property the schema declares is described.
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!isRecord(node)) return;
      const obj = node;
      for (const [name, sub] of Object.entries((obj.properties as JsonObject | undefined) ?? {})) {
        if (isRecord(sub) && typeof sub.description !== 'string') {
          undescribed.push(`${path}.${name}`);
        }
        walk(sub, `${path}.${name}`);
      }
      for (const [name, sub] of Object.entries((obj.$defs as JsonObject | undefined) ?? {}))
        walk(sub, `$defs.${name}`);
      if (obj.items) walk(obj.items, `${path}[]`);
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });
});
