/**
 * Every curl example of the support-API reference, with its placeholders filled from the
 * default seed, sent over HTTP to the simulator exactly as the example sends it (method, path,
 * headers, body placement). Each must succeed and return the documented shape: the keys of
 * `data` (and of envelope extras) that the reference's response shows.
 *
 * Request bodies here are written in this project's own values, not copied from the reference.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';

type Obj = Record<string, unknown>;

const ACCOUNT = SEED_IDS.accounts.joe;
const OTHER_ACCOUNT = SEED_IDS.accounts.hotspot;
const CLUSTER = SEED_IDS.clusters.master;
const HEX = /^[0-9a-f]{32}$/;

let sim: SimHandle;
let token: string;

beforeEach(async () => {
  sim = await startSim({ port: 0 });
  const res = await fetch(`${sim.url}/v2/api_auth`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      data: { api_key: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00' },
    }),
  });
  expect(res.status).toBeLessThan(300);
  token = ((await res.json()) as { auth_token: string }).auth_token;
});

afterEach(async () => {
  await sim.close();
});

/** Sends a request the way the reference's curl examples do. */
async function curl(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Obj; text: string }> {
  const res = await fetch(sim.url + path, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'X-Auth-Token': token,
      'X-Kazoo-Cluster-ID': CLUSTER,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Obj = {};
  if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text) as Obj;
  return { status: res.status, body: parsed, text };
}

function expectSuccess(res: { status: number; body: Obj }): Obj {
  expect(res.body.status, JSON.stringify(res.body)).toBe('success');
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(300);
  expect(res.body.request_id).toEqual(expect.any(String));
  return res.body;
}

function dataOf(res: { status: number; body: Obj }): Obj {
  return expectSuccess(res).data as Obj;
}

const DEVICE_KEYS = ['id', 'name', 'model', 'subscription', 'data', 'voice'];
const CARRIER_SUB_KEYS = ['esn', 'mdn', 'sim', 'imsi', 'plan', 'features', 'carrier_data'];
const TOP_SUB_KEYS = [
  'id',
  'esn',
  'sim',
  'mdn',
  'imsi',
  'plan',
  'features',
  'suspended',
  'carrier_data',
  'carrier_name',
];
const CLUSTER_DOC_KEYS = ['id', 'mvno_id', 'api_url', 'api_key', 'hosted_billing_account_id'];
const CUSTOMER_CLUSTER_KEYS = ['id', 'owner', 'name', 'ips', 'randomize_routing'];
const SBC_KEYS = [
  'id',
  'name',
  'location',
  'ips',
  'mobile_media_server',
  'call_directions',
  'number_formatting',
];
const MEDIA_SERVER_KEYS = ['id', 'name', 'location', 'interfaces', 'carrier_sbc_priority', 'top_ips'];

function expectKeys(obj: Obj, keys: string[]): void {
  for (const k of keys) expect(obj, `missing "${k}" in ${JSON.stringify(obj)}`).toHaveProperty(k);
}

const zones = (a: string, b: string, c: string) => ({ east: [a], central: [b], west: [c] });
const customerCluster = {
  owner: 'mvno-ops',
  name: 'Example Customer Cluster',
  ips: {
    inbound: zones('192.0.2.1', '192.0.2.2', '192.0.2.3'),
    outbound: zones('192.0.2.11', '192.0.2.12', '192.0.2.13'),
  },
  randomize_routing: false,
};

function sbcBody(mediaServer: string): Obj {
  return {
    name: 'Example Edge SBC',
    location: { zone: 'west', state: 'OR', city: 'Portland' },
    ips: ['198.51.100.7'],
    mobile_media_server: mediaServer,
    call_directions: [
      { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
      { direction: 'from_pstn', headers: { 'variable_sip_h_P-Served-User': 'sescase=term' } },
    ],
    number_formatting: {
      from_mobile_device: { to_number: { pattern: '/^(?:1)?([0-9]{10})$/', replace: '$1' } },
      to_mobile_device: { to_number: { pattern: '/^([0-9]+)$/', replace: '1$1' } },
    },
  };
}

function mediaServerBody(sbcs: string[]): Obj {
  return {
    name: 'Example PDX Media Server',
    location: { zone: 'west', state: 'OR', city: 'Portland' },
    interfaces: {
      carrier_mpls: { sprint: 'if_sprint_mpls' },
      authenticated_connection: 'if_customers',
      unauthenticated_connection: 'if_sprint_dids',
    },
    carrier_sbc_priority: { sprint: sbcs },
    top_ips: ['203.0.113.20', '203.0.113.21'],
  };
}

const SBCS = SEED_IDS.carrierSbcs;
const MEDIA = SEED_IDS.mediaServers;

describe('devices and phone numbers', () => {
  it('imports an already active device (mdn and esn given, carrier beside data)', async () => {
    const n = SEED_NUMBERS.pendingByMdn;
    const res = await curl('PUT', `/v2/support/accounts/${ACCOUNT}/devices/import`, {
      data: {
        esn: n.esn,
        mdn: n.mdn,
        name: "Dana's phone",
        voice: {
          protocol: 'sip',
          sip: { realm: 'sip.example.org', username: 'dana', password: 'not-a-real-pass' },
        },
      },
      carrier: 'sprint',
    });
    const data = dataOf(res);
    expectKeys(data, DEVICE_KEYS);
    expect(data.id).toMatch(HEX);
    expect(res.body.carrier).toBe('sprint');
  });

  it('looks up a device by MDN in any account', async () => {
    const res = await curl(
      'GET',
      `/v2/support/phone_numbers/${encodeURIComponent(SEED_NUMBERS.joe.mdn)}/device`,
    );
    expectKeys(dataOf(res), DEVICE_KEYS);
    expect(res.body.account_id).toBe(ACCOUNT);
    expect(res.body.carrier).toBe('sprint');
  });

  it("gets a phone number's subscription from the carrier", async () => {
    const res = await curl(
      'GET',
      `/v2/support/phone_numbers/${encodeURIComponent(SEED_NUMBERS.joe.mdn)}/subscription`,
    );
    expectKeys(dataOf(res), CARRIER_SUB_KEYS);
    expect(res.body.carrier).toBe('sprint');
  });

  it("gets a device's subscription from the carrier, with the carrier query option", async () => {
    const res = await curl('GET', `/v2/support/devices/${SEED_NUMBERS.joe.esn}/subscription?carrier=sprint`);
    expectKeys(dataOf(res), CARRIER_SUB_KEYS);
  });

  it('patches a device document recursively and stamps last_manual_update', async () => {
    const res = await curl('PATCH', `/v2/support/accounts/${ACCOUNT}/devices/${SEED_IDS.devices.joe}`, {
      data: { name: "Joe's work phone", model: { manufacturer: 'MOTOROLA' } },
      recursive: true,
    });
    const data = dataOf(res);
    expectKeys(data, [...DEVICE_KEYS, 'additional_properties']);
    expect((data.model as Obj).manufacturer).toBe('MOTOROLA');
    expect((data.model as Obj).name).toEqual(expect.any(String)); // recursive: the rest of model kept
    expect((data.additional_properties as Obj).last_manual_update).toEqual(expect.any(Number));
  });
});

describe('usage', () => {
  it('reports unknown numbers (default range, and the /{MONTH} form)', async () => {
    expectKeys(dataOf(await curl('GET', '/v2/support/usage/unknown_numbers')), [
      'from',
      'to',
      'total',
      'per_mdn',
    ]);
    const month = dataOf(await curl('GET', '/v2/support/usage/unknown_numbers/201611'));
    expect(month).toMatchObject({ from: '201611', to: '201611' });
    expect(month.total).toBeGreaterThan(0);
  });

  it('audits usage across accounts (default range, ?from&to, and the /{MONTH} form)', async () => {
    expectKeys(dataOf(await curl('GET', '/v2/support/usage/audit')), ['from', 'to', 'total', 'accounts']);
    const range = dataOf(await curl('GET', '/v2/support/usage/audit?from=201610&to=201701'));
    expect(Object.keys(range.accounts as Obj)).toContain('unknown_account');
    expect(dataOf(await curl('GET', '/v2/support/usage/audit/201701'))).toMatchObject({
      from: '201701',
      to: '201701',
    });
  });

  it('serves a single month of the audit as CSV', async () => {
    const res = await curl('GET', '/v2/support/usage/audit/201701/csv');
    expect(res.status).toBe(200);
    expect(res.text.split(/\r?\n/)[0]).toBe('account_id,mdn,bytes');
    expect(res.text).toContain(ACCOUNT);
  });
});

describe('ports', () => {
  it('forces a poll of port messages (master level is enough)', async () => {
    expectSuccess(await curl('POST', '/v2/support/ports/poll', { data: {} }));
  });

  it('updates a port-in status and marks it forced', async () => {
    const res = await curl('POST', `/v2/support/ports/in/${SEED_IDS.ports.joe}/status`, {
      data: { code: 'completed', source: 'carrier' },
    });
    expect((dataOf(res).status as Obj).forced_update).toBe(true);
  });
});

describe('subscriptions', () => {
  it('looks up a carrier subscription, with the TOP document when there is one', async () => {
    const res = await curl('POST', '/v2/support/subscriptions/lookup', {
      data: { esn: SEED_NUMBERS.joe.esn },
      carrier: 'sprint',
    });
    const data = dataOf(res);
    expectKeys(data, ['carrier_data', 'account_id', 'document']);
    expect((data.document as Obj)._id).toBe(SEED_IDS.subscriptions.joe);
  });

  it('imports an active subscription and its device', async () => {
    const res = await curl('PUT', `/v2/support/accounts/${ACCOUNT}/subscriptions/import`, {
      data: {
        mdn: SEED_NUMBERS.pendingByEsn.mdn,
        device_data: {
          name: 'Field tablet 7',
          voice: { sip: { realm: 'sip.example.org', username: 'tablet7', password: 'not-a-real-pass' } },
          data: { blocking: { cap: 0 }, throttling: { cap: 0, rate: '64k' } },
        },
      },
      carrier: 'sprint',
    });
    expectKeys(dataOf(res), TOP_SUB_KEYS);
    expect(res.body.carrier).toBe('sprint');
  });

  it('deletes a subscription document (a body beside DELETE, as the example sends)', async () => {
    const res = await curl(
      'DELETE',
      `/v2/support/accounts/${ACCOUNT}/subscriptions/${SEED_IDS.subscriptions.joe}`,
      {
        data: {},
      },
    );
    expectKeys(dataOf(res), TOP_SUB_KEYS);
  });

  it('patches a subscription document', async () => {
    const res = await curl(
      'PATCH',
      `/v2/support/accounts/${ACCOUNT}/subscriptions/${SEED_IDS.subscriptions.joe}`,
      {
        data: { additional_properties: { name: 'Joe (renamed)' }, mdn: '+15550009999', plan: 'TESTPLAN' },
        recursive: true,
      },
    );
    const data = dataOf(res);
    expectKeys(data, [...TOP_SUB_KEYS, 'additional_properties']);
    expect(data).toMatchObject({ mdn: '+15550009999', plan: 'TESTPLAN' });
  });

  it('moves a subscription with target_account_id beside data, as the curl example does', async () => {
    const res = await curl(
      'POST',
      `/v2/support/accounts/${ACCOUNT}/subscriptions/${SEED_IDS.subscriptions.joe}/move`,
      {
        target_account_id: OTHER_ACCOUNT,
      },
    );
    expectKeys(dataOf(res), TOP_SUB_KEYS);
  });

  it('moves a subscription with data.target_account_id, as the request table says', async () => {
    const res = await curl(
      'POST',
      `/v2/support/accounts/${ACCOUNT}/subscriptions/${SEED_IDS.subscriptions.joe}/move`,
      {
        data: { target_account_id: OTHER_ACCOUNT },
      },
    );
    expectKeys(dataOf(res), TOP_SUB_KEYS);
  });
});

describe('cluster documents', () => {
  it('creates a cluster document with an encrypted api_key, then deletes it', async () => {
    const id = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const created = dataOf(
      await curl('PUT', `/v2/support/clusters/${id}`, {
        data: {
          mvno_id: 'example_mvno',
          api_url: 'https://carrier-api.example.net/v1',
          api_key: 'plain-example-key',
          hosted_billing_account_id: ACCOUNT,
        },
      }),
    );
    expectKeys(created, CLUSTER_DOC_KEYS);
    expect(created.api_key).not.toBe('plain-example-key');
    expectKeys(dataOf(await curl('DELETE', `/v2/support/clusters/${id}`)), CLUSTER_DOC_KEYS);
  });
});

describe('routing customer clusters', () => {
  const base = '/v2/support/routing/customer_clusters';
  it('lists, gets, creates, updates, patches and deletes', async () => {
    const list = dataOf(await curl('GET', base)) as unknown as Obj[];
    expect(list.length).toBeGreaterThanOrEqual(2);
    for (const row of list) expectKeys(row, ['id', 'name', 'owner']);
    expectKeys(
      dataOf(await curl('GET', `${base}/${SEED_IDS.customerClusters.sandbox}`)),
      CUSTOMER_CLUSTER_KEYS,
    );

    const id = 'b1a2c3d4e5f60718293a4b5c6d7e8f90';
    expectKeys(dataOf(await curl('PUT', `${base}/${id}`, { data: customerCluster })), CUSTOMER_CLUSTER_KEYS);
    const updated = {
      ...customerCluster,
      ips: { ...customerCluster.ips, outbound: zones('192.0.2.21', '192.0.2.22', '192.0.2.23') },
    };
    expectKeys(dataOf(await curl('POST', `${base}/${id}`, { data: updated })), CUSTOMER_CLUSTER_KEYS);
    const patched = dataOf(
      await curl('PATCH', `${base}/${id}`, {
        data: { ips: { outbound: { east: ['192.0.2.31'] } }, randomize_routing: true },
      }),
    );
    expect(patched).toMatchObject({
      randomize_routing: true,
      ips: {
        inbound: customerCluster.ips.inbound,
        outbound: { east: ['192.0.2.31'], central: ['192.0.2.22'] },
      },
    });
    expectKeys(dataOf(await curl('DELETE', `${base}/${id}`)), CUSTOMER_CLUSTER_KEYS);
  });
});

describe('routing carrier SBCs', () => {
  const base = '/v2/support/routing/carrier_sbcs';
  it('lists, gets, creates, updates, patches and deletes', async () => {
    const list = dataOf(await curl('GET', base)) as unknown as Obj[];
    expect(list).toHaveLength(3);
    for (const row of list) expectKeys(row, ['id', 'name', 'carrier', 'location', 'mobile_media_server']);
    expectKeys(dataOf(await curl('GET', `${base}/${SBCS.west}`)), SBC_KEYS);

    const created = dataOf(await curl('PUT', base, { data: sbcBody(MEDIA.west) }));
    expectKeys(created, SBC_KEYS);
    expect(created.id).toMatch(HEX);
    const id = created.id as string;
    const body = sbcBody(MEDIA.west);
    delete (body.number_formatting as Obj).from_mobile_device;
    expectKeys(dataOf(await curl('POST', `${base}/${id}`, { data: body })), SBC_KEYS);
    const patched = dataOf(
      await curl('PATCH', `${base}/${id}`, { data: { ips: ['198.51.100.7', '198.51.100.8'] } }),
    );
    expect(patched.ips).toEqual(['198.51.100.7', '198.51.100.8']);
    expectKeys(dataOf(await curl('DELETE', `${base}/${id}`)), SBC_KEYS);
  });
});

describe('routing media servers', () => {
  const base = '/v2/support/routing/media_servers';
  it('lists, gets, creates, updates, patches and deletes', async () => {
    const list = dataOf(await curl('GET', base)) as unknown as Obj[];
    expect(list).toHaveLength(3);
    for (const row of list) expectKeys(row, ['id', 'name', 'location', 'carrier_sbc_priority']);
    expectKeys(dataOf(await curl('GET', `${base}/${MEDIA.west}`)), MEDIA_SERVER_KEYS);

    const order = [SBCS.west, SBCS.central, SBCS.east];
    const created = dataOf(await curl('PUT', base, { data: mediaServerBody(order) }));
    expectKeys(created, MEDIA_SERVER_KEYS);
    const id = created.id as string;
    const body = mediaServerBody(order);
    body.interfaces = {
      carrier_mpls: { sprint: 'if_sprint_mpls_b' },
      authenticated_connection: 'a',
      unauthenticated_connection: 'b',
    };
    expect(
      (dataOf(await curl('POST', `${base}/${id}`, { data: body })).interfaces as Obj)
        .authenticated_connection,
    ).toBe('a');
    const patched = dataOf(
      await curl('PATCH', `${base}/${id}`, { data: { top_ips: ['203.0.113.30', '203.0.113.31'] } }),
    );
    expect(patched.top_ips).toEqual(['203.0.113.30', '203.0.113.31']);
    expect((patched.carrier_sbc_priority as Obj).sprint).toEqual(order);
    expectKeys(dataOf(await curl('DELETE', `${base}/${id}`)), MEDIA_SERVER_KEYS);
  });
});
