import { describe, expect, it } from 'vitest';
import { toGregorianSeconds, type JsonObject, type SimContext } from '../../src/sim/model.js';
import { subscriptionRoutes } from '../../src/sim/routes/subscriptions.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { makeCtx, NOW, rejects, routeCaller } from './sim-handler-harness.js';

const { accounts, devices, subscriptions } = SEED_IDS;
const NOBODY = 'ffffffffffffffffffffffffffffffff';
const NEW_ID_1 = 'f0000000000000000000000000000001';
const NEW_ID_2 = 'f0000000000000000000000000000002';
const call = routeCaller(subscriptionRoutes);

const LOOKUP = '/v2/support/subscriptions/lookup';
const IMPORT = '/v2/support/accounts/:account_id/subscriptions/import';
const ONE = '/v2/support/accounts/:account_id/subscriptions/:subscription_id';
const MOVE = '/v2/support/accounts/:account_id/subscriptions/:subscription_id/move';

const lookup = (ctx: SimContext, data: JsonObject, extra: JsonObject = {}) =>
  call(ctx, 'POST', LOOKUP, {}, { data, ...extra });
const importInto = (
  ctx: SimContext,
  data: JsonObject,
  account: string = accounts.joe,
  extra: JsonObject = {},
) => call(ctx, 'PUT', IMPORT, { account_id: account }, { data, ...extra });
const remove = (ctx: SimContext, sub: string, account: string, query = '', body?: JsonObject) =>
  call(ctx, 'DELETE', ONE, { account_id: account, subscription_id: sub }, body, query);
const patch = (ctx: SimContext, sub: string, account: string, body: JsonObject) =>
  call(ctx, 'PATCH', ONE, { account_id: account, subscription_id: sub }, body);
const move = (ctx: SimContext, sub: string, account: string, body: JsonObject) =>
  call(ctx, 'POST', MOVE, { account_id: account, subscription_id: sub }, body);

const PUBLIC_KEYS = [
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

describe('POST /v2/support/subscriptions/lookup', () => {
  it('returns the carrier record, and the TOP document and account when imported', () => {
    const ctx = makeCtx();
    const res = lookup(ctx, { esn: SEED_NUMBERS.hotspot.esn }, { carrier: 'sprint' });
    const data = res.data as JsonObject;
    expect(data.carrier_data).toEqual({
      esn: SEED_NUMBERS.hotspot.esn,
      mdn: SEED_NUMBERS.hotspot.mdn,
      sim: null,
      imsi: null,
      plan: '260PLAN1',
      features: ['international', 'sip', 'mms', 'tethering'],
      carrier: 'sprint',
      carrier_data: { msid: '000004157487153', csa: 'SFRSFR415' },
      activation_date: 63_746_000_000,
      suspended: false,
    });
    expect(data.account_id).toBe(accounts.hotspot);
    const doc = data.document as JsonObject;
    expect(doc._id).toBe(subscriptions.hotspot);
    expect(doc.pvt_carrier_name).toBe('sprint');
    expect(doc.pvt_cluster_id).toBe(SEED_IDS.clusters.sandbox);
    expect(doc.pvt_type).toBe('subscription');
    expect(doc).not.toHaveProperty('_rev');
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    expect(res.mutated).toBeFalsy();
  });

  it('uses mdn over esn over sim', () => {
    const ctx = makeCtx();
    const all = lookup(ctx, {
      sim: SEED_NUMBERS.joe.sim,
      esn: SEED_NUMBERS.hotspot.esn,
      mdn: SEED_NUMBERS.pendingByMdn.mdn,
    });
    expect(((all.data as JsonObject).carrier_data as JsonObject).mdn).toBe(SEED_NUMBERS.pendingByMdn.mdn);
    expect(all.data as JsonObject).not.toHaveProperty('account_id');
    expect(all.data as JsonObject).not.toHaveProperty('document');
    const esnSim = lookup(ctx, { sim: SEED_NUMBERS.joe.sim, esn: SEED_NUMBERS.hotspot.esn });
    expect((esnSim.data as JsonObject).account_id).toBe(accounts.hotspot);
    const sim = lookup(ctx, { sim: SEED_NUMBERS.joe.sim });
    expect((sim.data as JsonObject).account_id).toBe(accounts.joe);
  });

  it('requires one of esn, sim, mdn', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () => lookup(ctx, {}));
    expect(Object.keys(err.data).sort()).toEqual(['data.esn', 'data.mdn', 'data.sim']);
    expect(rejects(ctx, 400, () => call(ctx, 'POST', LOOKUP, {}, undefined)).data).toHaveProperty('data');
  });

  it('answers 404 when the carrier has no such subscription (or it is with another carrier)', () => {
    const ctx = makeCtx();
    rejects(ctx, 404, () => lookup(ctx, { mdn: '+15559999999' }));
    rejects(ctx, 404, () => lookup(ctx, { mdn: SEED_NUMBERS.joe.mdn }, { carrier: 'verizon' }));
  });
});

describe('PUT /v2/support/accounts/:account_id/subscriptions/import', () => {
  it('creates the subscription and, for a record with an ESN, its device', () => {
    const ctx = makeCtx();
    const deviceData = {
      name: 'Samsung 013',
      voice: { sip: { realm: 'sip.example.com', username: 'soft', password: 'pw' } },
      data: { blocking: { cap: 0 }, throttling: { cap: 0, rate: '64k' } },
    };
    const res = importInto(
      ctx,
      { mdn: SEED_NUMBERS.pendingByMdn.mdn, device_data: deviceData },
      accounts.joe,
      {
        carrier: 'sprint',
      },
    );
    expect(res.status).toBe(201);
    expect(res.mutated).toBe(true);
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    const data = res.data as JsonObject;
    expect(Object.keys(data).sort()).toEqual([...PUBLIC_KEYS].sort());
    expect(data).toMatchObject({
      id: NEW_ID_1,
      mdn: SEED_NUMBERS.pendingByMdn.mdn,
      esn: SEED_NUMBERS.pendingByMdn.esn,
      carrier_name: 'sprint',
    });
    const stored = ctx.state.subscriptions[NEW_ID_1];
    expect(stored).toMatchObject({
      pvt_account_id: accounts.joe,
      pvt_carrier_name: 'sprint',
      pvt_type: 'subscription',
    });
    expect(stored).not.toHaveProperty('carrier_name');
    const device = ctx.state.devices[NEW_ID_2];
    expect(device).toMatchObject({ ...deviceData, pvt_account_id: accounts.joe });
    expect(device?.subscription).toMatchObject({
      esn: SEED_NUMBERS.pendingByMdn.esn,
      mdn: SEED_NUMBERS.pendingByMdn.mdn,
    });
  });

  it('creates no device for a subscription without an ESN', () => {
    const ctx = makeCtx();
    const before = Object.keys(ctx.state.devices).length;
    const res = importInto(ctx, { sim: SEED_NUMBERS.pendingBySim.sim, device_data: { name: 'unused' } });
    expect((res.data as JsonObject).esn).toBeNull();
    expect((res.data as JsonObject).suspended).toBe(true);
    expect(Object.keys(ctx.state.devices)).toHaveLength(before);
  });

  it('answers 409 when the subscription is already in TOP, in any account', () => {
    const ctx = makeCtx();
    rejects(ctx, 409, () => importInto(ctx, { mdn: SEED_NUMBERS.joe.mdn }, accounts.hotspot));
    rejects(ctx, 409, () => importInto(ctx, { esn: SEED_NUMBERS.hotspot.esn }, accounts.joe));
    importInto(ctx, { esn: SEED_NUMBERS.pendingByEsn.esn });
    rejects(ctx, 409, () => importInto(ctx, { mdn: SEED_NUMBERS.pendingByEsn.mdn }));
  });

  it('answers 409 when a device already holds the ESN even if its subscription is gone', () => {
    const ctx = makeCtx();
    remove(ctx, subscriptions.joe, accounts.joe);
    rejects(ctx, 409, () => importInto(ctx, { mdn: SEED_NUMBERS.joe.mdn }));
  });

  it('answers 404 for an unknown account or a number the carrier lacks', () => {
    const ctx = makeCtx();
    rejects(ctx, 404, () => importInto(ctx, { mdn: SEED_NUMBERS.pendingByMdn.mdn }, NOBODY));
    rejects(ctx, 404, () => importInto(ctx, { mdn: '+15559999999' }));
  });

  it('rejects bad input naming every field, and changes nothing', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () =>
      importInto(ctx, { device_data: { name: '', colour: 'red' } }, accounts.joe, { carrier: '' }),
    );
    expect(Object.keys(err.data).sort()).toEqual(
      [
        'carrier',
        'data.device_data.colour',
        'data.device_data.name',
        'data.esn',
        'data.mdn',
        'data.sim',
      ].sort(),
    );
  });
});

describe('DELETE /v2/support/accounts/:account_id/subscriptions/:subscription_id', () => {
  it('deletes only the subscription by default, returning it', () => {
    const ctx = makeCtx();
    const res = remove(ctx, subscriptions.joe, accounts.joe, '', { data: {} });
    expect((res.data as JsonObject).id).toBe(subscriptions.joe);
    expect((res.data as JsonObject).carrier_name).toBe('sprint');
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    expect(res.mutated).toBe(true);
    expect(ctx.state.subscriptions[subscriptions.joe]).toBeUndefined();
    expect(ctx.state.devices[devices.joe]).toBeDefined();
  });

  it('also deletes the tied device with ?cascade=true', () => {
    const ctx = makeCtx();
    remove(ctx, subscriptions.joe, accounts.joe, 'cascade=true', { data: {} });
    expect(ctx.state.subscriptions[subscriptions.joe]).toBeUndefined();
    expect(ctx.state.devices[devices.joe]).toBeUndefined();
    expect(ctx.state.devices[devices.hotspot]).toBeDefined();
  });

  it('answers 404 for a subscription of another account, and 400 for a bad cascade flag', () => {
    const ctx = makeCtx();
    rejects(ctx, 404, () => remove(ctx, subscriptions.joe, accounts.hotspot));
    rejects(ctx, 404, () => remove(ctx, subscriptions.joe, NOBODY));
    const err = rejects(ctx, 400, () => remove(ctx, subscriptions.joe, accounts.joe, 'cascade=maybe'));
    expect(err.data).toHaveProperty('cascade');
  });
});

describe('PATCH /v2/support/accounts/:account_id/subscriptions/:subscription_id', () => {
  it('patches any field and stamps last_manual_update from the clock', () => {
    const ctx = makeCtx();
    const res = patch(ctx, subscriptions.hotspot, accounts.hotspot, {
      data: {
        additional_properties: { name: 'New Subscription Name' },
        mdn: '+15555555555',
        plan: 'fakeplan',
      },
      recursive: true,
    });
    const data = res.data as JsonObject;
    expect(data).toMatchObject({ mdn: '+15555555555', plan: 'fakeplan', carrier_name: 'sprint' });
    expect(data.additional_properties).toEqual({
      name: 'New Subscription Name',
      last_manual_update: toGregorianSeconds(NOW),
    });
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    expect(ctx.state.subscriptions[subscriptions.hotspot]?.pvt_cluster_id).toBe(SEED_IDS.clusters.sandbox);
  });

  it('is shallow unless recursive', () => {
    const ctx = makeCtx();
    const shallow = patch(ctx, subscriptions.joe, accounts.joe, {
      data: { carrier_data: { csa: 'NEWCSA' } },
    });
    expect((shallow.data as JsonObject).carrier_data).toEqual({ csa: 'NEWCSA' });
    const deep = patch(ctx, subscriptions.hotspot, accounts.hotspot, {
      data: { carrier_data: { csa: 'NEWCSA' } },
      recursive: true,
    });
    expect((deep.data as JsonObject).carrier_data).toEqual({ msid: '000004157487153', csa: 'NEWCSA' });
  });

  it('stores carrier_name privately and ignores private fields', () => {
    const ctx = makeCtx();
    patch(ctx, subscriptions.joe, accounts.joe, {
      data: { carrier_name: 'tmobile', pvt_account_id: accounts.hotspot },
    });
    const stored = ctx.state.subscriptions[subscriptions.joe];
    expect(stored?.pvt_carrier_name).toBe('tmobile');
    expect(stored).not.toHaveProperty('carrier_name');
    expect(stored?.pvt_account_id).toBe(accounts.joe);
  });

  it('rejects bad input and unknown documents without changes', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () =>
      patch(ctx, subscriptions.joe, accounts.joe, {
        data: { carrier_name: null, additional_properties: [] },
      }),
    );
    expect(Object.keys(err.data).sort()).toEqual(['data.additional_properties', 'data.carrier_name']);
    rejects(ctx, 404, () => patch(ctx, subscriptions.joe, accounts.hotspot, { data: {} }));
  });
});

describe('POST /v2/support/accounts/:account_id/subscriptions/:subscription_id/move', () => {
  it('moves the subscription and its device, with the target inside data', () => {
    const ctx = makeCtx();
    const res = move(ctx, subscriptions.joe, accounts.joe, { data: { target_account_id: accounts.hotspot } });
    expect((res.data as JsonObject).id).toBe(subscriptions.joe);
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    expect(res.mutated).toBe(true);
    expect(ctx.state.subscriptions[subscriptions.joe]?.pvt_account_id).toBe(accounts.hotspot);
    expect(ctx.state.devices[devices.joe]?.pvt_account_id).toBe(accounts.hotspot);
    expect(ctx.state.devices[devices.joe]?._rev.startsWith('2-')).toBe(true);
    expect(ctx.state.devices[devices.hotspot]?.pvt_account_id).toBe(accounts.hotspot);
  });

  it('accepts the target beside data (as the reference curl sends it) and a target cluster', () => {
    const ctx = makeCtx();
    move(ctx, subscriptions.hotspot, accounts.hotspot, {
      target_account_id: accounts.master,
      target_cluster_id: SEED_IDS.clusters.master,
    });
    expect(ctx.state.subscriptions[subscriptions.hotspot]).toMatchObject({
      pvt_account_id: accounts.master,
      pvt_cluster_id: SEED_IDS.clusters.master,
    });
    expect(ctx.state.devices[devices.hotspot]?.pvt_account_id).toBe(accounts.master);
  });

  it('allows a cluster-only move within the same account', () => {
    const ctx = makeCtx();
    move(ctx, subscriptions.joe, accounts.joe, {
      data: { target_account_id: accounts.joe, target_cluster_id: SEED_IDS.clusters.sandbox },
    });
    expect(ctx.state.subscriptions[subscriptions.joe]?.pvt_cluster_id).toBe(SEED_IDS.clusters.sandbox);
  });

  it('rejects a move to the same account without a cluster change', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, { target_account_id: accounts.joe }),
    );
    expect(err.data.target_account_id).toHaveProperty('same_account');
    rejects(ctx, 400, () =>
      move(ctx, subscriptions.hotspot, accounts.hotspot, {
        data: { target_account_id: accounts.hotspot, target_cluster_id: SEED_IDS.clusters.sandbox },
      }),
    );
  });

  it('rejects an unknown target account with rule not_found where it was sent', () => {
    const ctx = makeCtx();
    const inData = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, { data: { target_account_id: NOBODY } }),
    );
    expect(inData.data['data.target_account_id']).toHaveProperty('not_found');
    const beside = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, { target_account_id: NOBODY }),
    );
    expect(beside.data.target_account_id).toHaveProperty('not_found');
  });

  it('reports every problem at once: missing target, bad cluster id, disagreeing copies', () => {
    const ctx = makeCtx();
    const missing = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, { data: { target_cluster_id: 'XYZ' } }),
    );
    expect(Object.keys(missing.data).sort()).toEqual(['data.target_account_id', 'data.target_cluster_id']);
    expect(missing.data['data.target_account_id']).toHaveProperty('required');
    const both = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, {
        data: { target_account_id: NOBODY },
        target_cluster_id: 'short',
      }),
    );
    expect(Object.keys(both.data).sort()).toEqual(['data.target_account_id', 'target_cluster_id']);
    const disagree = rejects(ctx, 400, () =>
      move(ctx, subscriptions.joe, accounts.joe, {
        data: { target_account_id: accounts.hotspot },
        target_account_id: accounts.master,
      }),
    );
    expect(disagree.data).toHaveProperty('target_account_id');
  });

  it('answers 404 for an unknown subscription or account', () => {
    const ctx = makeCtx();
    rejects(ctx, 404, () => move(ctx, NOBODY, accounts.joe, { target_account_id: accounts.hotspot }));
    rejects(ctx, 404, () => move(ctx, subscriptions.joe, NOBODY, { target_account_id: accounts.hotspot }));
  });
});
