import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, type SimState } from '../../src/sim/model.js';
import { isEncrypted } from '../../src/sim/secrets.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/server.js';

const ACCOUNT = 'acc00000000000000000000000000001';
const CC = '/v2/support/routing/customer_clusters';
const SBC = '/v2/support/routing/carrier_sbcs';
const MS = '/v2/support/routing/media_servers';
const CLUSTERS = '/v2/support/clusters';
const HEX32 = /^[0-9a-f]{32}$/;

type Obj = Record<string, unknown>;
interface Res {
  status: number;
  headers: Headers;
  body: Obj & { data: Obj & Obj[] };
}

function testState(): SimState {
  const state = emptyState();
  state.accounts.push({ id: ACCOUNT, name: 'Test Account' });
  state.api_keys.push({ api_key: 'super-key'.padEnd(64, '0'), account_id: ACCOUNT, level: 'super_master' });
  return state;
}

const sims: SimHandle[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** A simulator with its own state and a super_master token; `call` sends JSON with the token. */
async function boot(opts: SimOptions = {}) {
  const sim = await startSim({ port: 0, state: testState(), ...opts });
  sims.push(sim);
  const auth = await fetch(`${sim.url}/v2/api_auth`, {
    method: 'PUT',
    body: JSON.stringify({ data: { api_key: 'super-key'.padEnd(64, '0') } }),
  });
  const token = ((await auth.json()) as { auth_token: string }).auth_token;
  const call = async (method: string, path: string, body?: unknown): Promise<Res> => {
    const res = await fetch(sim.url + path, {
      method,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Res['body'] };
  };
  return { sim, call };
}

const clusterDoc = () => ({
  owner: '2600hz',
  name: 'Test Cluster',
  ips: {
    inbound: { east: ['0.0.0.1'], central: ['0.0.1.1'], west: ['0.0.2.1'] },
    outbound: { east: ['0.0.0.2'], central: ['0.0.1.2'], west: ['0.0.2.2'] },
  },
  randomize_routing: false,
});

const sbcDoc = (mediaServer?: string): Obj => ({
  name: 'Dummy SBC',
  carrier: 'sprint',
  location: { zone: 'west', state: 'CA', city: 'San Francisco' },
  ips: ['1.2.3.4', '2001:db8::1'],
  ...(mediaServer ? { mobile_media_server: mediaServer } : {}),
  call_directions: [
    { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
  ],
  number_formatting: { to_mobile_device: { to_number: { pattern: '/^([0-9]+)$/', replace: '99999$1' } } },
});

const mediaServerDoc = (sbcs: string[] = []): Obj => ({
  name: 'Dummy Media Server',
  location: { zone: 'west', state: 'CA', city: 'San Francisco' },
  interfaces: {
    carrier_mpls: { sprint: 'sipinterface_sprint' },
    authenticated_connection: 'sipinterface_to_customer',
    unauthenticated_connection: 'sipinterface_sprint_did',
  },
  ...(sbcs.length ? { carrier_sbc_priority: { sprint: sbcs } } : {}),
  top_ips: ['10.26.254.254'],
});

const revNumber = (rev: unknown): number => Number(String(rev).split('-')[0]);

describe('customer clusters', () => {
  it('creates with the client id and answers the document with a revision and ETag', async () => {
    const { sim, call } = await boot();
    const res = await call('PUT', `${CC}/test-cluster_1`, { data: clusterDoc() });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ id: 'test-cluster_1', ...clusterDoc() });
    expect(res.body.revision).toMatch(/^1-[0-9a-f]{32}$/);
    expect(res.headers.get('etag')).toBe(`"${String(res.body.revision)}"`);
    const stored = sim.state.customer_clusters['test-cluster_1'];
    expect(stored).toMatchObject({ _id: 'test-cluster_1', pvt_type: 'customer_cluster' });
    expect(typeof stored?.pvt_created).toBe('number');
    expect(stored?.pvt_created).toBeGreaterThan(62_167_219_200);
  });

  it('gets a document; unknown ids are 404', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const got = await call('GET', `${CC}/c1`);
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual({ id: 'c1', ...clusterDoc() });
    expect(got.headers.get('etag')).toBe(`"${String(got.body.revision)}"`);
    const missing = await call('GET', `${CC}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: '404', message: 'bad_identifier', data: { cause: 'nope' } });
  });

  it('refuses to create an id that exists (409) and ids outside [A-Za-z0-9_-]{1,64} (400)', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const dup = await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: '409', message: 'datastore_conflict' });
    for (const id of ['has.dot', 'x'.repeat(65), 'sp%20ace']) {
      const bad = await call('PUT', `${CC}/${id}`, { data: clusterDoc() });
      expect(bad.status).toBe(400);
      expect(bad.body.data).toHaveProperty('id.pattern');
    }
  });

  it('stores a document whose client id is __proto__ as a plain document', async () => {
    const { sim, call } = await boot();
    expect((await call('PUT', `${CC}/__proto__`, { data: { name: 'tricky' } })).status).toBe(201);
    expect(Object.keys(sim.state.customer_clusters)).toEqual(['__proto__']);
    expect((await call('GET', `${CC}/__proto__`)).body.data).toEqual({ id: '__proto__', name: 'tricky' });
    expect((await call('GET', CC)).body.data).toEqual([{ id: '__proto__', name: 'tricky' }]);
    expect((await call('GET', `${CC}/constructor`)).status).toBe(404);
  });

  it('lists summaries (id, name, owner) sorted by id', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/b`, { data: clusterDoc() });
    await call('PUT', `${CC}/a`, { data: { name: 'No Owner' } });
    const res = await call('GET', CC);
    expect(res.body.data).toEqual([
      { id: 'a', name: 'No Owner' },
      { id: 'b', name: 'Test Cluster', owner: '2600hz' },
    ]);
    expect(res.body.revision).toBeUndefined();
  });

  it('POST replaces every public field, keeps private ones and bumps the revision', async () => {
    const { sim, call } = await boot();
    const created = await call('PUT', `${CC}/c1`, { data: { ...clusterDoc(), extra: 1 } });
    const createdAt = sim.state.customer_clusters.c1?.pvt_created;
    const res = await call('POST', `${CC}/c1`, { data: { name: 'Renamed' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: 'c1', name: 'Renamed' });
    expect(revNumber(res.body.revision)).toBe(revNumber(created.body.revision) + 1);
    expect(sim.state.customer_clusters.c1?.pvt_created).toBe(createdAt);
    expect((await call('POST', `${CC}/nope`, { data: { name: 'x' } })).status).toBe(404);
  });

  it('PATCH merges recursively by default (the reference example keeps the other zones)', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const res = await call('PATCH', `${CC}/c1`, {
      data: { ips: { outbound: { east: ['1.1.1.2', '1.1.1.3'] } }, randomize_routing: true },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      ...clusterDoc(),
      id: 'c1',
      ips: {
        inbound: clusterDoc().ips.inbound,
        outbound: { east: ['1.1.1.2', '1.1.1.3'], central: ['0.0.1.2'], west: ['0.0.2.2'] },
      },
      randomize_routing: true,
    });
    expect(revNumber(res.body.revision)).toBe(2);
  });

  it('PATCH with "recursive": false replaces top-level keys whole; null removes a key', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const res = await call('PATCH', `${CC}/c1`, {
      data: { ips: { outbound: { east: ['1.1.1.2'] } }, owner: null },
      recursive: false,
    });
    expect(res.body.data).toEqual({
      id: 'c1',
      name: 'Test Cluster',
      ips: { outbound: { east: ['1.1.1.2'] } },
      randomize_routing: false,
    });
  });

  it('PATCH validates the merged document (removing the name is a 400)', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const res = await call('PATCH', `${CC}/c1`, { data: { name: null } });
    expect(res.status).toBe(400);
    expect(res.body.data).toHaveProperty('name.required');
    expect((await call('GET', `${CC}/c1`)).body.data.name).toBe('Test Cluster');
  });

  it('DELETE answers the deleted document; it is then gone', async () => {
    const { call } = await boot();
    await call('PUT', `${CC}/c1`, { data: clusterDoc() });
    const res = await call('DELETE', `${CC}/c1`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: 'c1', ...clusterDoc() });
    expect(revNumber(res.body.revision)).toBe(2);
    expect((await call('GET', `${CC}/c1`)).status).toBe(404);
    expect((await call('DELETE', `${CC}/c1`)).status).toBe(404);
  });

  it('reports every validation error at once, per field', async () => {
    const { call } = await boot();
    const res = await call('PUT', `${CC}/c1`, {
      data: { owner: 7, ips: { inbound: { east: ['1.2.3'] }, outbond: {} }, randomize_routing: 'yes' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: '400', message: 'validation error' });
    expect(Object.keys(res.body.data).sort()).toEqual(
      ['ips.inbound.east.0', 'ips.outbond', 'name', 'owner', 'randomize_routing'].sort(),
    );
    expect(res.body.data['ips.inbound.east.0']).toEqual({
      format: { message: 'must match format "ipv4"', value: '1.2.3' },
    });
  });

  it('stores unknown top-level fields and ignores private fields and id in the request', async () => {
    const { sim, call } = await boot();
    const res = await call('PUT', `${CC}/c1`, {
      data: { name: 'n', custom: { a: 1 }, id: 'other', _id: 'other', _rev: '9-x', pvt_type: 'hack' },
    });
    expect(res.body.data).toEqual({ id: 'c1', name: 'n', custom: { a: 1 } });
    expect(sim.state.customer_clusters.c1).toMatchObject({ _id: 'c1', pvt_type: 'customer_cluster' });
    expect(revNumber(sim.state.customer_clusters.c1?._rev)).toBe(1);
  });

  it('answers 400 when data is missing or not an object', async () => {
    const { call } = await boot();
    const missing = await call('PUT', `${CC}/c1`, { name: 'no envelope' });
    expect(missing.status).toBe(400);
    expect(missing.body.data).toEqual({ data: { required: { message: 'Field is required but missing' } } });
    const wrong = await call('PUT', `${CC}/c1`, { data: ['x'] });
    expect(wrong.body.data).toHaveProperty('data.type');
  });
});

describe('carrier SBCs and media servers', () => {
  it('create on the collection with a server-assigned 32-hex id, then get, list, replace, patch, delete', async () => {
    const { call } = await boot();
    const ms = await call('PUT', MS, { data: mediaServerDoc() });
    expect(ms.status).toBe(201);
    const msId = ms.body.data.id as string;
    expect(msId).toMatch(HEX32);
    expect(ms.body.data).toEqual({ id: msId, ...mediaServerDoc() });

    const sbc = await call('PUT', SBC, { data: sbcDoc(msId) });
    const sbcId = sbc.body.data.id as string;
    expect(sbcId).toMatch(HEX32);
    expect(sbcId).not.toBe(msId);
    expect((await call('GET', `${SBC}/${sbcId}`)).body.data).toEqual({ id: sbcId, ...sbcDoc(msId) });

    expect((await call('GET', SBC)).body.data).toEqual([
      {
        id: sbcId,
        name: 'Dummy SBC',
        carrier: 'sprint',
        location: sbcDoc().location,
        mobile_media_server: msId,
      },
    ]);

    const patched = await call('PATCH', `${MS}/${msId}`, {
      data: { carrier_sbc_priority: { sprint: [sbcId] } },
    });
    expect(patched.body.data).toMatchObject({
      top_ips: ['10.26.254.254'],
      carrier_sbc_priority: { sprint: [sbcId] },
    });
    expect((await call('GET', MS)).body.data).toEqual([
      {
        id: msId,
        name: 'Dummy Media Server',
        location: mediaServerDoc().location,
        carrier_sbc_priority: { sprint: [sbcId] },
      },
    ]);

    const sbcPatch = await call('PATCH', `${SBC}/${sbcId}`, { data: { ips: ['1.2.3.4', '1.2.3.5'] } });
    expect(sbcPatch.body.data).toEqual({ id: sbcId, ...sbcDoc(msId), ips: ['1.2.3.4', '1.2.3.5'] });

    const replaced = await call('POST', `${SBC}/${sbcId}`, {
      data: { name: 'Renamed', mobile_media_server: msId },
    });
    expect(replaced.body.data).toEqual({ id: sbcId, name: 'Renamed', mobile_media_server: msId });
    expect(revNumber(replaced.body.revision)).toBe(3);

    // unlink, then both deletes succeed
    await call('PATCH', `${MS}/${msId}`, { data: { carrier_sbc_priority: null } });
    const delSbc = await call('DELETE', `${SBC}/${sbcId}`);
    expect(delSbc.body.data).toMatchObject({ id: sbcId, name: 'Renamed' });
    expect((await call('DELETE', `${MS}/${msId}`)).status).toBe(200);
    expect((await call('GET', MS)).body.data).toEqual([]);
  });

  it('PUT on an SBC or media server id is not a create (405); PUT on the cluster collection is 405', async () => {
    const { call } = await boot();
    const res = await call('PUT', `${SBC}/5bc00000000000000000000000000001`, { data: sbcDoc() });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBeNull(); // crossbar's 405 names no Allow header
    expect((await call('PUT', CC, { data: clusterDoc() })).status).toBe(405);
  });

  it('PATCH honours "recursive": false on SBCs too', async () => {
    const { call } = await boot();
    const sbc = await call('PUT', SBC, { data: sbcDoc() });
    const id = sbc.body.data.id as string;
    const deep = await call('PATCH', `${SBC}/${id}`, { data: { location: { city: 'Oakland' } } });
    expect(deep.body.data.location).toEqual({ zone: 'west', state: 'CA', city: 'Oakland' });
    const shallow = await call('PATCH', `${SBC}/${id}`, {
      data: { location: { city: 'Fresno' } },
      recursive: false,
    });
    expect(shallow.body.data.location).toEqual({ city: 'Fresno' });
    const badFlag = await call('PATCH', `${SBC}/${id}`, { data: {}, recursive: 'no' });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.data).toHaveProperty('recursive.type');
  });

  it('accepts an SBC without carrier (the reference create example has none)', async () => {
    const { call } = await boot();
    const { carrier: _carrier, ...withoutCarrier } = sbcDoc();
    expect((await call('PUT', SBC, { data: withoutCarrier })).status).toBe(201);
  });

  it('validates SBC fields', async () => {
    const { call } = await boot();
    const res = await call('PUT', SBC, {
      data: {
        location: { zone: 'north' },
        ips: ['1.2.3.4', '999.1.1.1', 'fe80::zz'],
        mobile_media_server: 'ABC',
        call_directions: [{ direction: 'sideways', headers: { a: 1 } }],
        number_formatting: { from_pstn: { to_number: { pattern: '/x/' } }, elsewhere: {} },
      },
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data).sort()).toEqual(
      [
        'name',
        'location.zone',
        'ips.1',
        'ips.2',
        'mobile_media_server',
        'call_directions.0.direction',
        'call_directions.0.headers.a',
        'number_formatting.from_pstn.to_number.replace',
        'number_formatting.elsewhere',
      ].sort(),
    );
    expect(res.body.data['ips.2']).toHaveProperty('format.message', 'must match format "ipv6"');
  });

  it('validates media server fields', async () => {
    const { call } = await boot();
    const res = await call('PUT', MS, {
      data: {
        name: 5,
        interfaces: { carrier_mpls: { sprint: 1 }, authenticated_connection: [] },
        carrier_sbc_priority: { sprint: 'not-a-list' },
        top_ips: ['::1'],
      },
    });
    expect(Object.keys(res.body.data).sort()).toEqual(
      [
        'name',
        'interfaces.carrier_mpls.sprint',
        'interfaces.authenticated_connection',
        'carrier_sbc_priority.sprint',
        'top_ips.0',
      ].sort(),
    );
  });
});

describe('referential integrity', () => {
  it('refuses an SBC naming a media server that does not exist', async () => {
    const { sim, call } = await boot();
    const ghost = 'ed1a0000000000000000000000000009';
    const res = await call('PUT', SBC, { data: sbcDoc(ghost) });
    expect(res.status).toBe(400);
    expect(res.body.data).toEqual({
      mobile_media_server: { not_found: { message: `media server ${ghost} does not exist`, value: ghost } },
    });
    expect(sim.state.carrier_sbcs).toEqual({});
  });

  it('refuses a media server whose priority lists a missing SBC, naming the exact entry', async () => {
    const { call } = await boot();
    const sbc = await call('PUT', SBC, { data: sbcDoc() });
    const ghost = '5bc00000000000000000000000000009';
    const res = await call('PUT', MS, { data: mediaServerDoc([sbc.body.data.id as string, ghost]) });
    expect(res.status).toBe(400);
    expect(res.body.data).toEqual({
      'carrier_sbc_priority.sprint.1': {
        not_found: { message: `carrier SBC ${ghost} does not exist`, value: ghost },
      },
    });
  });

  it('checks references on PATCH and POST too', async () => {
    const { call } = await boot();
    const sbc = await call('PUT', SBC, { data: sbcDoc() });
    const id = sbc.body.data.id as string;
    const ghost = 'ed1a0000000000000000000000000009';
    expect((await call('PATCH', `${SBC}/${id}`, { data: { mobile_media_server: ghost } })).status).toBe(400);
    expect((await call('POST', `${SBC}/${id}`, { data: sbcDoc(ghost) })).status).toBe(400);
  });

  it('refuses to delete an SBC still in a priority list, or a media server still named by an SBC', async () => {
    const { call } = await boot();
    const ms = (await call('PUT', MS, { data: mediaServerDoc() })).body.data.id as string;
    const sbc = (await call('PUT', SBC, { data: sbcDoc(ms) })).body.data.id as string;
    await call('PATCH', `${MS}/${ms}`, { data: { carrier_sbc_priority: { sprint: [sbc] } } });

    const delSbc = await call('DELETE', `${SBC}/${sbc}`);
    expect(delSbc.status).toBe(409);
    expect(delSbc.body).toMatchObject({ error: '409', message: 'datastore_conflict' });
    expect(delSbc.body.data.message).toContain(ms);

    const delMs = await call('DELETE', `${MS}/${ms}`);
    expect(delMs.status).toBe(409);
    expect(delMs.body.data.message).toContain(sbc);

    // the reconciler's order: drop the SBC's reference, delete the media server, then the SBC
    await call('PATCH', `${SBC}/${sbc}`, { data: { mobile_media_server: null } });
    expect((await call('DELETE', `${MS}/${ms}`)).status).toBe(200);
    expect((await call('DELETE', `${SBC}/${sbc}`)).status).toBe(200);
  });
});

describe('pagination', () => {
  async function fiveClusters() {
    const booted = await boot();
    for (const id of ['e', 'c', 'a', 'd', 'b'])
      await booted.call('PUT', `${CC}/${id}`, { data: { name: id } });
    return booted;
  }
  const ids = (res: Res) => res.body.data.map((d) => d.id);

  it('pages by page_size, following next_start_key to the end', async () => {
    const { call } = await fiveClusters();
    const p1 = await call('GET', `${CC}?page_size=2`);
    expect(ids(p1)).toEqual(['a', 'b']);
    expect(p1.body.page_size).toBe(2);
    expect(p1.body.start_key).toBeUndefined();
    const k2 = p1.body.next_start_key as string;
    const p2 = await call('GET', `${CC}?page_size=2&start_key=${k2}`);
    expect(ids(p2)).toEqual(['c', 'd']);
    expect(p2.body.start_key).toBe(k2);
    const p3 = await call('GET', `${CC}?page_size=2&start_key=${String(p2.body.next_start_key)}`);
    expect(ids(p3)).toEqual(['e']);
    expect(p3.body.page_size).toBe(1);
    expect(p3.body).not.toHaveProperty('next_start_key');
  });

  it('defaults to pages of 50 and returns everything with paginate=false', async () => {
    const { sim, call } = await boot();
    for (let i = 0; i < 60; i++) {
      const id = `m${String(i).padStart(2, '0')}`;
      sim.state.customer_clusters[id] = { _id: id, _rev: '1-x', name: id };
    }
    const first = await call('GET', CC);
    expect(first.body.data).toHaveLength(50);
    expect(first.body.next_start_key).toBeDefined();
    const all = await call('GET', `${CC}?paginate=false`);
    expect(all.body.data).toHaveLength(60);
    expect(all.body).not.toHaveProperty('next_start_key');
  });

  it('keeps paging when the document a start key names was deleted meanwhile', async () => {
    const { call } = await fiveClusters();
    const p1 = await call('GET', `${CC}?page_size=2`);
    await call('DELETE', `${CC}/c`);
    const p2 = await call('GET', `${CC}?page_size=2&start_key=${String(p1.body.next_start_key)}`);
    expect(ids(p2)).toEqual(['d', 'e']);
  });

  // crossbar: a page_size it cannot use is 404 faulty_request
  it('answers 404 faulty_request on a bad page_size', async () => {
    const { call } = await fiveClusters();
    for (const query of ['page_size=0', 'page_size=1001', 'page_size=two', 'page_size=-1']) {
      const res = await call('GET', `${SBC}?${query}`);
      expect(res.status, query).toBe(404);
      expect(res.body.message, query).toBe('faulty_request');
    }
  });

  it('answers 400 on a bad start_key or paginate', async () => {
    const { call } = await fiveClusters();
    for (const [query, field] of [
      ['start_key=garbage!', 'start_key'],
      [`start_key=${Buffer.from('a').toString('base64url')}`, 'start_key'],
      ['paginate=maybe', 'paginate'],
    ] as const) {
      const res = await call('GET', `${SBC}?${query}`);
      expect(res.status, query).toBe(400);
      expect(Object.keys(res.body.data), query).toEqual([field]);
    }
  });
});

describe('cluster documents', () => {
  const CID = '0123456789abcdef0123456789abcdef';
  const cluster = () => ({
    mvno_id: 'acme',
    api_url: 'https://acme.example.com:8443/v2',
    api_key: 'plain-secret-key',
    hosted_billing_account_id: ACCOUNT.replace('acc', 'abc'),
  });

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kzops-sim-clusters-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a cluster whose api_key is encrypted in the response and in the state file', async () => {
    const statePath = join(dir, 'state.json');
    const { call } = await boot({ statePath });
    const res = await call('PUT', `${CLUSTERS}/${CID}`, { data: cluster() });
    expect(res.status).toBe(201);
    const data = res.body.data;
    expect(data).toMatchObject({ ...cluster(), id: CID, api_key: expect.any(String) as string });
    expect(isEncrypted(data.api_key as string)).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('plain-secret-key');
    expect(await readFile(statePath, 'utf8')).not.toContain('plain-secret-key');
  });

  it('validates the id and every field, and never echoes the api_key', async () => {
    const { call } = await boot();
    const badId = await call('PUT', `${CLUSTERS}/ABCDEF0123456789abcdef0123456789`, { data: cluster() });
    expect(badId.status).toBe(400);
    expect(badId.body.data).toHaveProperty('id.pattern');
    const res = await call('PUT', `${CLUSTERS}/${CID}`, {
      data: { api_url: 'not a uri', api_key: 5, hosted_billing_account_id: 'short' },
    });
    expect(Object.keys(res.body.data).sort()).toEqual(
      ['api_key', 'api_url', 'hosted_billing_account_id', 'mvno_id'].sort(),
    );
    expect(res.body.data.api_key).not.toHaveProperty('type.value');
  });

  it('refuses to create an existing cluster (409)', async () => {
    const { call } = await boot();
    await call('PUT', `${CLUSTERS}/${CID}`, { data: cluster() });
    expect((await call('PUT', `${CLUSTERS}/${CID}`, { data: cluster() })).status).toBe(409);
  });

  it('deletes a cluster, answering it; unknown is 404; the master cluster is 403', async () => {
    const { sim, call } = await boot();
    await call('PUT', `${CLUSTERS}/${CID}`, { data: cluster() });
    const del = await call('DELETE', `${CLUSTERS}/${CID}`);
    expect(del.status).toBe(200);
    expect(del.body.data).toMatchObject({ id: CID, mvno_id: 'acme' });
    expect(sim.state.clusters).toEqual({});
    expect((await call('DELETE', `${CLUSTERS}/${CID}`)).status).toBe(404);

    const master = 'fedcba9876543210fedcba9876543210';
    sim.state.clusters[master] = { _id: master, _rev: '1-x', mvno_id: 'main', pvt_master: true };
    const refused = await call('DELETE', `${CLUSTERS}/${master}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: '403', message: 'forbidden' });
    expect(refused.body.data.message).toMatch(/^the master cluster cannot be deleted/);
    expect(sim.state.clusters[master]).toBeDefined();
  });

  it('has no GET: 405 on a cluster, 404 on the collection', async () => {
    const { call } = await boot();
    const one = await call('GET', `${CLUSTERS}/${CID}`);
    expect(one.status).toBe(405);
    expect(one.body.message).toBe('invalid_method');
    expect((await call('GET', CLUSTERS)).status).toBe(404);
  });
});
