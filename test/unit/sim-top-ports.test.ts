import { describe, expect, it } from 'vitest';
import { toGregorianSeconds, type JsonObject, type SimContext } from '../../src/sim/model.js';
import type { RouteDef } from '../../src/sim/route.js';
import { deviceRoutes } from '../../src/sim/routes/devices.js';
import { portRoutes } from '../../src/sim/routes/ports.js';
import { subscriptionRoutes } from '../../src/sim/routes/subscriptions.js';
import { usageRoutes } from '../../src/sim/routes/usage.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { makeCtx, NOW, rejects, routeCaller } from './sim-handler-harness.js';

const PORT = SEED_IDS.ports.joe;
// The port routes require master, not super_master.
const call = routeCaller(portRoutes, 'master');
const post = (ctx: SimContext, path: string, params: Record<string, string>, body?: JsonObject) =>
  call(ctx, 'POST', path, params, body);

const POLL = '/v2/support/ports/poll';
const STATUS = '/v2/support/ports/in/:port_id/status';
const setStatus = (ctx: SimContext, data: JsonObject, port: string = PORT) =>
  post(ctx, STATUS, { port_id: port }, { data });

describe('POST /v2/support/ports/poll', () => {
  it('records the poll time, with or without a body', () => {
    const ctx = makeCtx();
    expect(ctx.state.ports_polled_at).toBeUndefined();
    const res = post(ctx, POLL, {}, { data: {} });
    expect(res.data).toEqual({ polled: true, timestamp: toGregorianSeconds(NOW) });
    expect(res.mutated).toBe(true);
    expect(ctx.state.ports_polled_at).toBe(toGregorianSeconds(NOW));
    expect(post(makeCtx(), POLL, {}).data).toEqual({ polled: true, timestamp: toGregorianSeconds(NOW) });
  });

  it('rejects a body whose data is not an object', () => {
    const ctx = makeCtx();
    expect(rejects(ctx, 400, () => post(ctx, POLL, {}, { data: 'now' })).data).toHaveProperty('data');
  });
});

describe('POST /v2/support/ports/in/:port_id/status', () => {
  it('sets the status with forced_update: true, which the request cannot override', () => {
    const ctx = makeCtx();
    const res = setStatus(ctx, { code: 'scheduled', source: 'carrier', forced_update: false });
    const expected = {
      code: 'scheduled',
      source: 'carrier',
      forced_update: true,
      timestamp: toGregorianSeconds(NOW),
    };
    expect(res.data).toEqual({ id: PORT, mdn: SEED_NUMBERS.joe.mdn, status: expected });
    expect(ctx.state.ports[PORT]?.status).toEqual(expected);
    expect(ctx.state.ports[PORT]?._rev.startsWith('2-')).toBe(true);
    expect(res.mutated).toBe(true);
  });

  it('defaults the source to top', () => {
    const ctx = makeCtx();
    expect((setStatus(ctx, { code: 'pending' }).data as JsonObject).status).toMatchObject({
      code: 'pending',
      source: 'top',
      forced_update: true,
    });
  });

  it('leaves the device alone for a non-final status', () => {
    const ctx = makeCtx();
    const before = structuredClone(ctx.state.devices);
    setStatus(ctx, { code: 'rejected' });
    expect(ctx.state.devices).toEqual(before);
  });

  it.each(['completed', 'canceled'])('records %s on the device using the number', (code) => {
    const ctx = makeCtx();
    const otherBefore = structuredClone(ctx.state.devices[SEED_IDS.devices.hotspot]);
    setStatus(ctx, { code, source: 'carrier' });
    const device = ctx.state.devices[SEED_IDS.devices.joe];
    expect((device?.additional_properties as JsonObject).port_in).toEqual({
      status: code,
      timestamp: toGregorianSeconds(NOW),
    });
    expect(device?._rev.startsWith('2-')).toBe(true);
    expect(ctx.state.devices[SEED_IDS.devices.hotspot]).toEqual(otherBefore);
  });

  it('answers 404 for an unknown port', () => {
    const ctx = makeCtx();
    expect(
      rejects(ctx, 404, () => setStatus(ctx, { code: 'completed' }, 'ffffffffffffffffffffffffffffffff')).code,
    ).toBe('bad_identifier');
  });

  it('rejects bad codes and sources together, changing nothing', () => {
    const ctx = makeCtx();
    const err = rejects(ctx, 400, () => setStatus(ctx, { code: 'done', source: 'me', note: 1 }));
    expect(Object.keys(err.data).sort()).toEqual(['data.code', 'data.note', 'data.source']);
    expect(err.data['data.code']).toHaveProperty('enum');
    expect(rejects(ctx, 400, () => setStatus(ctx, {})).data['data.code']).toHaveProperty('required');
  });
});

describe('TOP route levels', () => {
  const levels = (routes: RouteDef[]) => routes.map((r) => r.level);

  it('requires master for the port routes and super_master for the rest', () => {
    expect(levels(portRoutes)).toEqual(['master', 'master']);
    for (const level of [...levels(deviceRoutes), ...levels(subscriptionRoutes), ...levels(usageRoutes)]) {
      expect(level).toBe('super_master');
    }
    expect(deviceRoutes).toHaveLength(5);
    expect(subscriptionRoutes).toHaveLength(5);
  });
});
