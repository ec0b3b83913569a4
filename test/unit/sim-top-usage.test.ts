import { describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim/errors.js';
import type { JsonObject, SimContext } from '../../src/sim/model.js';
import type { SimResult } from '../../src/sim/route.js';
import { currentMonth, usageRoutes } from '../../src/sim/routes/usage.js';
import { SEED_IDS } from '../../src/sim/seed.js';
import { callRoute, makeCtx as seededCtx, rejects } from './sim-handler-harness.js';

const JAN_2017 = Date.UTC(2017, 0, 15, 12, 0, 0);
const { joe, hotspot } = SEED_IDS.accounts;

const makeCtx = (now = JAN_2017) => seededCtx({ now });

const get = (ctx: SimContext, path: string, params: Record<string, string> = {}, query = ''): SimResult =>
  callRoute(usageRoutes, ctx, 'GET', path, params, undefined, query);

/** Asserts the call fails with a 400 validation error and leaves the state exactly as it was. */
function rejectsInvalid(ctx: SimContext, fn: () => unknown): SimError {
  const err = rejects(ctx, 400, fn);
  expect(err.code).toBe('validation error');
  return err;
}

const UNKNOWN = '/v2/support/usage/unknown_numbers';
const UNKNOWN_MONTH = '/v2/support/usage/unknown_numbers/:month';
const AUDIT = '/v2/support/usage/audit';
const AUDIT_MONTH = '/v2/support/usage/audit/:month';
const AUDIT_CSV = '/v2/support/usage/audit/:month/csv';

const data = (res: SimResult) => res.data as JsonObject;

describe('GET /v2/support/usage/unknown_numbers', () => {
  it('defaults to the current UTC month of the injected clock', () => {
    const res = get(makeCtx(), UNKNOWN);
    expect(res.data).toEqual({
      from: '201701',
      to: '201701',
      total: 800_000 + 4_800_000 + 12_000_000,
      // null accounts and an account id that no account has are both unknown
      per_mdn: { '+15550003331': 800_000, '+15550003332': 4_800_000, '+15550123456': 12_000_000 },
    });
    expect(res.mutated).toBeFalsy();
  });

  it('uses UTC for the current month', () => {
    // 23:30 on 31 Dec 2016 in UTC is already January in UTC+1: the report must say 201612.
    expect(currentMonth(Date.UTC(2016, 11, 31, 23, 30))).toBe('201612');
    expect(currentMonth(Date.UTC(2017, 0, 1, 0, 0))).toBe('201701');
    const res = get(makeCtx(Date.UTC(2016, 11, 31, 23, 30)), UNKNOWN);
    expect(res.data).toEqual({
      from: '201612',
      to: '201612',
      total: 0,
      per_mdn: {},
      empty_months: ['201612'],
    });
  });

  it('sums per number across a range and lists the months without unknown usage', () => {
    const res = get(makeCtx(), UNKNOWN, {}, 'from=201610&to=201701');
    expect(data(res).per_mdn).toEqual({
      '+15550003331': 800_000,
      '+15550003332': 4_800_000,
      '+15550123456': 162_000_000,
      '+15556541490': 30_000_000,
    });
    expect(data(res).total).toBe(197_600_000);
    expect(data(res).empty_months).toEqual(['201610', '201612']);
  });

  it('lets month override from and to, even invalid ones', () => {
    const res = get(makeCtx(), UNKNOWN, {}, 'from=bad&to=201701&month=201611');
    expect(data(res)).toMatchObject({ from: '201611', to: '201611', total: 180_000_000 });
    expect(data(res)).not.toHaveProperty('empty_months');
  });

  it('takes a single month from the path, over any query month', () => {
    const res = get(makeCtx(), UNKNOWN_MONTH, { month: '201611' }, 'month=201701');
    expect(data(res)).toMatchObject({ from: '201611', to: '201611' });
    expect(data(res).per_mdn).toEqual({ '+15550123456': 150_000_000, '+15556541490': 30_000_000 });
  });

  it('rejects bad months, naming each field', () => {
    const ctx = makeCtx();
    const both = rejectsInvalid(ctx, () => get(ctx, UNKNOWN, {}, 'from=201613&to=2017-01'));
    expect(Object.keys(both.data).sort()).toEqual(['from', 'to']);
    expect(both.data.from).toHaveProperty('pattern');
    expect(rejectsInvalid(ctx, () => get(ctx, UNKNOWN, {}, 'month=201600')).data).toHaveProperty('month');
    expect(rejectsInvalid(ctx, () => get(ctx, UNKNOWN_MONTH, { month: 'jan' })).data).toHaveProperty('month');
  });

  it('rejects from after to, and ranges over 36 months', () => {
    const ctx = makeCtx();
    expect(rejectsInvalid(ctx, () => get(ctx, UNKNOWN, {}, 'from=201702&to=201701')).data).toHaveProperty(
      'from',
    );
    expect(rejectsInvalid(ctx, () => get(ctx, UNKNOWN, {}, 'from=201401&to=201701')).data).toHaveProperty(
      'to',
    );
    // from defaults to the current month, so a far-back `from` alone can be too long as well
    expect(rejectsInvalid(ctx, () => get(ctx, UNKNOWN, {}, 'from=201001')).data).toHaveProperty('to');
    const exactly36 = get(ctx, UNKNOWN, {}, 'from=201402&to=201701');
    expect(data(exactly36)).toMatchObject({ from: '201402', to: '201701' });
    expect(data(exactly36).empty_months).toHaveLength(36 - 2);
  });
});

describe('GET /v2/support/usage/audit', () => {
  it('groups the current month by account, unknown usage under unknown_account', () => {
    const res = get(makeCtx(), AUDIT);
    expect(res.data).toEqual({
      from: '201701',
      to: '201701',
      total: 5_347_600_000,
      accounts: {
        [joe]: { '+15550001111': 2_000_000, '+15550001112': 1_900_000_000, '+15550001113': 400_000_000 },
        [hotspot]: {
          '+15550002221': 28_000_000,
          '+15550002222': 2_100_000_000,
          '+15550002223': 700_000_000,
          '+15550002224': 200_000_000,
        },
        unknown_account: { '+15550003331': 800_000, '+15550003332': 4_800_000, '+15550123456': 12_000_000 },
      },
    });
  });

  it('omits unknown_account when every number is known', () => {
    const res = get(makeCtx(), AUDIT_MONTH, { month: '201610' });
    expect(Object.keys(data(res).accounts as JsonObject)).toEqual([joe, hotspot]);
    expect(data(res)).not.toHaveProperty('empty_months');
  });

  it('lists only months with no usage at all as empty', () => {
    const res = get(makeCtx(), AUDIT, {}, 'from=201610&to=201701');
    expect(data(res).empty_months).toEqual(['201612']);
    expect((data(res).accounts as Record<string, JsonObject>)[joe]?.['+15550001111']).toBe(
      1_250_000 + 2_500_000 + 2_000_000,
    );
  });

  it('applies month over from/to here too', () => {
    const res = get(makeCtx(), AUDIT, {}, 'from=201610&to=201701&month=201612');
    expect(res.data).toEqual({
      from: '201612',
      to: '201612',
      total: 0,
      accounts: {},
      empty_months: ['201612'],
    });
  });
});

describe('GET /v2/support/usage/audit/:month/csv', () => {
  it('returns sorted CSV rows per account and number, unknown ones last', () => {
    const res = get(makeCtx(), AUDIT_CSV, { month: '201701' });
    expect(res.raw?.contentType).toBe('text/csv; charset=utf-8');
    expect(res.raw?.body).toBe(
      [
        'account_id,mdn,bytes',
        `${joe},+15550001111,2000000`,
        `${joe},+15550001112,1900000000`,
        `${joe},+15550001113,400000000`,
        `${hotspot},+15550002221,28000000`,
        `${hotspot},+15550002222,2100000000`,
        `${hotspot},+15550002223,700000000`,
        `${hotspot},+15550002224,200000000`,
        'unknown_account,+15550003331,800000',
        'unknown_account,+15550003332,4800000',
        'unknown_account,+15550123456,12000000',
        '',
      ].join('\r\n'),
    );
  });

  it('is just the header for an empty month, and rejects a bad month', () => {
    const ctx = makeCtx();
    expect(get(ctx, AUDIT_CSV, { month: '201612' }).raw?.body).toBe('account_id,mdn,bytes\r\n');
    expect(rejectsInvalid(ctx, () => get(ctx, AUDIT_CSV, { month: '2016-12' })).data).toHaveProperty('month');
  });
});

describe('usage route table', () => {
  it('serves all five paths at super_master', () => {
    expect(usageRoutes.map((r) => `${r.method} ${r.path} ${r.level}`).sort()).toEqual(
      [UNKNOWN, UNKNOWN_MONTH, AUDIT, AUDIT_MONTH, AUDIT_CSV].map((p) => `GET ${p} super_master`).sort(),
    );
  });
});
