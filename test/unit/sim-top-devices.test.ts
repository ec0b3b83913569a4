import { describe, expect, it } from 'vitest';
import { normalizeMdn } from '../../src/sim/mdn.js';
import { toGregorianSeconds, type JsonObject, type SimContext } from '../../src/sim/model.js';
import { deviceRoutes } from '../../src/sim/routes/devices.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { makeCtx, NOW, rejects, routeCaller, simError } from './sim-handler-harness.js';

const { accounts, devices } = SEED_IDS;
const call = routeCaller(deviceRoutes);

const IMPORT = '/v2/support/accounts/:account_id/devices/import';
const BY_MDN = '/v2/support/phone_numbers/:mdn/device';
const SUB_BY_MDN = '/v2/support/phone_numbers/:mdn/subscription';
const SUB_BY_ESN = '/v2/support/devices/:esn/subscription';
const PATCH = '/v2/support/accounts/:account_id/devices/:device_id';

const importInto = (
  ctx: SimContext,
  data: JsonObject,
  extra: JsonObject = {},
  account: string = accounts.joe,
) => call(ctx, 'PUT', IMPORT, { account_id: account }, { data, ...extra });

describe('MDN normalisation', () => {
  it.each([
    ['+15550001111', '+15550001111'],
    ['15550001111', '+15550001111'],
    ['5550001111', '+15550001111'],
    ['555-000-1111', '+15550001111'],
    ['+1 (555) 000-1111', '+15550001111'],
    ['+442079460000', '+442079460000'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeMdn(raw)).toBe(expected);
  });

  it.each(['', '12345', 'abc5550001111', '+1555000111122334455'])('rejects %j', (raw) => {
    expect(normalizeMdn(raw)).toBeNull();
  });
});

describe('PUT /v2/support/accounts/:account_id/devices/import', () => {
  it('creates a device from the carrier record and answers 201 with the carrier', () => {
    const ctx = makeCtx();
    const voice = { protocol: 'sip', sip: { realm: 'sip.example.com', username: 'u1', password: 'p1' } };
    const res = importInto(
      ctx,
      { mdn: SEED_NUMBERS.pendingByMdn.mdn, name: 'New Phone', voice },
      { carrier: 'sprint' },
    );
    expect(res.status).toBe(201);
    expect(res.mutated).toBe(true);
    expect(res.envelope).toEqual({ carrier: 'sprint' });
    const id = 'f0000000000000000000000000000001';
    expect(res.data).toEqual({
      id,
      name: 'New Phone',
      model: { name: 'SAMSUNG L300 HANDSET KIT', number: 'SPHL300KTS', manufacturer: 'SAMSUNG' },
      subscription: {
        esn: SEED_NUMBERS.pendingByMdn.esn,
        mdn: SEED_NUMBERS.pendingByMdn.mdn,
        sim: SEED_NUMBERS.pendingByMdn.sim,
        imsi: '310120000004441',
        plan: '260PLAN21',
        features: ['international', 'sip', 'mms', 'lte'],
        carrier_data: { msid: '000005550004441', csa: 'SFRSFR415' },
        activation_date: 63_850_000_000,
      },
      data: { caps: { blocking: { cap: 0 }, throttling: { cap: 0, rate: '256k' } } },
      voice,
    });
    const stored = ctx.state.devices[id];
    expect(stored?.pvt_account_id).toBe(accounts.joe);
    expect(stored?.pvt_type).toBe('device');
    expect(stored?.pvt_created).toBe(toGregorianSeconds(NOW));
    expect(res.revision).toBe(stored?._rev);
  });

  it('prefers mdn over esn when both are given', () => {
    const ctx = makeCtx();
    const res = importInto(ctx, { esn: SEED_NUMBERS.pendingByEsn.esn, mdn: SEED_NUMBERS.pendingByMdn.mdn });
    const sub = (res.data as JsonObject).subscription as JsonObject;
    expect(sub.mdn).toBe(SEED_NUMBERS.pendingByMdn.mdn);
    expect(sub.esn).toBe(SEED_NUMBERS.pendingByMdn.esn);
  });

  it('finds the record by esn alone, and by an mdn written without +1 and with dashes', () => {
    const ctx = makeCtx();
    const byEsn = importInto(ctx, { esn: SEED_NUMBERS.pendingByEsn.esn });
    expect(((byEsn.data as JsonObject).subscription as JsonObject).mdn).toBe(SEED_NUMBERS.pendingByEsn.mdn);
    const byLocal = importInto(ctx, { mdn: '555-000-4441' });
    expect(((byLocal.data as JsonObject).subscription as JsonObject).mdn).toBe('+15550004441');
  });

  it('accepts both data policy shapes the reference shows and stores them as sent', () => {
    const ctx = makeCtx();
    const flat = { blocking: { cap: 100 }, throttling: { cap: 90, rate: '64k' } };
    const nested = { caps: { blocking: { cap: 5 }, throttling: { cap: 4, rate: '128k' } } };
    expect(
      (importInto(ctx, { mdn: SEED_NUMBERS.pendingByMdn.mdn, data: flat }).data as JsonObject).data,
    ).toEqual(flat);
    expect(
      (importInto(ctx, { esn: SEED_NUMBERS.pendingByEsn.esn, data: nested }).data as JsonObject).data,
    ).toEqual(nested);
  });

  it('requires esn or mdn, naming both fields', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () => importInto(ctx, { name: 'x' }));
    expect(err.code).toBe('validation error');
    expect(err.data['data.esn']).toHaveProperty('required');
    expect(err.data['data.mdn']).toHaveProperty('required');
  });

  it('reports every field error at once and changes nothing', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () =>
      importInto(
        ctx,
        { mdn: 'not a number', name: 7, data: { blocking: { cap: -1 } }, extra: 1 },
        { carrier: 3 },
      ),
    );
    expect(Object.keys(err.data).sort()).toEqual(
      ['carrier', 'data.data.blocking.cap', 'data.extra', 'data.mdn', 'data.name'].sort(),
    );
  });

  it('answers 404 for an unknown account, an unknown number, or another carrier', () => {
    const ctx = makeCtx();
    const account = rejects(ctx, 404, () =>
      importInto(ctx, { mdn: SEED_NUMBERS.pendingByMdn.mdn }, {}, 'ffffffffffffffffffffffffffffffff'),
    );
    expect(account.code).toBe('bad_identifier');
    rejects(ctx, 404, () => importInto(ctx, { mdn: '+15559999999' }));
    rejects(ctx, 404, () => importInto(ctx, { mdn: SEED_NUMBERS.pendingByMdn.mdn }, { carrier: 'verizon' }));
  });

  it('answers 409 when a device already holds the esn/mdn', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 409, () => importInto(ctx, { mdn: SEED_NUMBERS.joe.mdn }));
    expect(err.code).toBe('datastore_conflict');
    rejects(ctx, 409, () => importInto(ctx, { esn: SEED_NUMBERS.hotspot.esn }, {}, accounts.joe));
    importInto(ctx, { esn: SEED_NUMBERS.pendingByEsn.esn });
    rejects(ctx, 409, () => importInto(ctx, { mdn: SEED_NUMBERS.pendingByEsn.mdn }));
  });
});

describe('GET /v2/support/phone_numbers/:mdn/device', () => {
  it.each(['+15550001111', '15550001111', '5550001111', '555-000-1111', '(555) 000 1111'])(
    'finds the device by %j with its carrier and account',
    (mdn) => {
      const ctx = makeCtx();
      const res = call(ctx, 'GET', BY_MDN, { mdn });
      expect((res.data as JsonObject).id).toBe(devices.joe);
      expect((res.data as JsonObject).name).toBe("Joe's Mobile Phone");
      expect(
        Object.keys(res.data as JsonObject).filter((k) => k.startsWith('pvt_') || k.startsWith('_')),
      ).toEqual([]);
      expect(res.envelope).toEqual({ carrier: 'sprint', account_id: accounts.joe });
      expect(res.mutated).toBeFalsy();
    },
  );

  it('answers 404 for a number no device has', () => {
    const ctx = makeCtx();
    expect(simError(() => call(ctx, 'GET', BY_MDN, { mdn: '+15550004441' })).status).toBe(404);
    expect(simError(() => call(ctx, 'GET', BY_MDN, { mdn: 'garbage' })).status).toBe(404);
  });
});

describe('carrier subscription info', () => {
  const joeInfo = {
    esn: SEED_NUMBERS.joe.esn,
    mdn: SEED_NUMBERS.joe.mdn,
    sim: SEED_NUMBERS.joe.sim,
    imsi: '310120000001111',
    plan: '260PLAN21',
    features: ['international', 'sip', 'mms', 'lte'],
    carrier_data: { msid: '000005550001111', csa: 'SFRSFR415' },
  };

  it('answers by MDN and by ESN with the carrier record and the carrier', () => {
    const ctx = makeCtx();
    const byMdn = call(ctx, 'GET', SUB_BY_MDN, { mdn: '5550001111' });
    expect(byMdn.data).toEqual(joeInfo);
    expect(byMdn.envelope).toEqual({ carrier: 'sprint' });
    const byEsn = call(ctx, 'GET', SUB_BY_ESN, { esn: SEED_NUMBERS.joe.esn }, undefined, 'carrier=sprint');
    expect(byEsn.data).toEqual(joeInfo);
  });

  it('finds numbers not imported into TOP yet', () => {
    const ctx = makeCtx();
    const res = call(ctx, 'GET', SUB_BY_MDN, { mdn: SEED_NUMBERS.pendingBySim.mdn });
    expect((res.data as JsonObject).sim).toBe(SEED_NUMBERS.pendingBySim.sim);
  });

  it('filters by ?carrier= and rejects an empty one', () => {
    const ctx = makeCtx();
    expect(
      simError(() =>
        call(ctx, 'GET', SUB_BY_MDN, { mdn: SEED_NUMBERS.joe.mdn }, undefined, 'carrier=tmobile'),
      ).status,
    ).toBe(404);
    const err = simError(() =>
      call(ctx, 'GET', SUB_BY_ESN, { esn: SEED_NUMBERS.joe.esn }, undefined, 'carrier='),
    );
    expect(err.status).toBe(400);
    expect(err.data).toHaveProperty('carrier');
  });

  it('answers 404 for an unknown ESN', () => {
    const ctx = makeCtx();
    expect(simError(() => call(ctx, 'GET', SUB_BY_ESN, { esn: '999' })).status).toBe(404);
  });
});

describe('PATCH /v2/support/accounts/:account_id/devices/:device_id', () => {
  const patch = (
    ctx: SimContext,
    body: JsonObject,
    device: string = devices.joe,
    account: string = accounts.joe,
  ) => call(ctx, 'PATCH', PATCH, { account_id: account, device_id: device }, body);

  it('is shallow by default: a nested object is replaced whole', () => {
    const ctx = makeCtx();
    const res = patch(ctx, { data: { name: "Bob's Mobile Phone", model: { manufacturer: 'MOTOROLA' } } });
    const data = res.data as JsonObject;
    expect(data.name).toBe("Bob's Mobile Phone");
    expect(data.model).toEqual({ manufacturer: 'MOTOROLA' });
    expect(res.envelope).toEqual({ carrier: 'sprint' });
  });

  it('merges nested objects with recursive: true', () => {
    const ctx = makeCtx();
    const res = patch(ctx, { data: { model: { manufacturer: 'MOTOROLA' } }, recursive: true });
    expect((res.data as JsonObject).model).toEqual({
      name: 'SAMSUNG L300 HANDSET KIT',
      number: 'SPHL300KTS',
      manufacturer: 'MOTOROLA',
    });
  });

  it('stamps last_manual_update in Gregorian seconds from the clock, and bumps the revision', () => {
    const ctx = makeCtx();
    const oldRev = ctx.state.devices[devices.joe]?._rev;
    const res = patch(ctx, { data: { name: 'x' } });
    expect(((res.data as JsonObject).additional_properties as JsonObject).last_manual_update).toBe(
      toGregorianSeconds(NOW),
    );
    expect(toGregorianSeconds(NOW)).toBe(Math.floor(NOW / 1000) + 62_167_219_200);
    const stored = ctx.state.devices[devices.joe];
    expect(stored?._rev).not.toBe(oldRev);
    expect(stored?._rev.startsWith('2-')).toBe(true);
    expect(stored?.pvt_modified).toBe(toGregorianSeconds(NOW));
    expect(res.revision).toBe(stored?._rev);
    expect(res.mutated).toBe(true);
  });

  it('keeps other additional_properties keys unless a shallow patch replaces the object', () => {
    const ctx = makeCtx();
    patch(ctx, { data: { additional_properties: { note: 'keep me' } } });
    ctx.setNow(NOW + 60_000);
    const kept = patch(ctx, { data: { name: 'y' } });
    expect((kept.data as JsonObject).additional_properties).toEqual({
      note: 'keep me',
      last_manual_update: toGregorianSeconds(NOW + 60_000),
    });
    const merged = patch(ctx, { data: { additional_properties: { other: 1 } }, recursive: true });
    expect((merged.data as JsonObject).additional_properties).toMatchObject({ note: 'keep me', other: 1 });
    const replaced = patch(ctx, { data: { additional_properties: { other: 2 } } });
    expect((replaced.data as JsonObject).additional_properties).toEqual({
      other: 2,
      last_manual_update: toGregorianSeconds(NOW + 60_000),
    });
  });

  it('removes keys set to null and ignores private fields', () => {
    const ctx = makeCtx();
    const res = patch(ctx, {
      data: { voice: null, pvt_account_id: accounts.hotspot, _id: 'nope', id: 'nope', pvt_type: 'x' },
    });
    expect(res.data as JsonObject).not.toHaveProperty('voice');
    expect((res.data as JsonObject).id).toBe(devices.joe);
    const stored = ctx.state.devices[devices.joe];
    expect(stored?.pvt_account_id).toBe(accounts.joe);
    expect(stored?.pvt_type).toBe('device');
    expect(stored?._id).toBe(devices.joe);
  });

  it('answers 404 for a device in another account, an unknown device, or an unknown account', () => {
    const ctx = makeCtx();
    rejects(ctx, 404, () => patch(ctx, { data: { name: 'x' } }, devices.hotspot, accounts.joe));
    rejects(ctx, 404, () => patch(ctx, { data: { name: 'x' } }, 'ffffffffffffffffffffffffffffffff'));
    rejects(ctx, 404, () =>
      patch(ctx, { data: { name: 'x' } }, devices.joe, 'ffffffffffffffffffffffffffffffff'),
    );
  });

  it('rejects a bad body, naming every field, and changes nothing', () => {
    const ctx = makeCtx();
    const missing = rejects(ctx, 400, () => patch(ctx, {}));
    expect(missing.data).toHaveProperty('data');
    const bad = rejects(ctx, 400, () =>
      patch(ctx, { data: { additional_properties: 'x' }, recursive: 'yes' }),
    );
    expect(Object.keys(bad.data).sort()).toEqual(['data.additional_properties', 'recursive']);
  });
});
