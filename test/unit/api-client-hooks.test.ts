/**
 * The client's `dryRun` and `audit` hooks (src/api/client.ts), against an in-process
 * simulator: a held-back request never reaches the server and prints without credentials;
 * reads still go; every change sent is reported once, failed or not, and reads never are.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KazooClient, type AuditEvent, type KazooClientOptions } from '../../src/api/client.js';
import { KazooApiError, OutcomeUnknownError } from '../../src/api/errors.js';
import { resolveTarget } from '../../src/api/target.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';

const API_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const SIP_SECRET = 'hunter2-sip-secret';
const { accounts, devices } = SEED_IDS;
const DEVICE_PATH = `/v2/support/accounts/${accounts.joe}/devices/${devices.joe}`;

let sim: SimHandle;
const clients: KazooClient[] = [];

beforeEach(async () => {
  sim = await startSim({ port: 0 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await sim.close();
});

function client(opts: KazooClientOptions): KazooClient {
  const c = new KazooClient(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: API_KEY }), {
    sleep: () => Promise.resolve(),
    ...opts,
  });
  clients.push(c);
  return c;
}

/** API requests the simulator saw, authentication left out. */
function sent(): { method: string; path: string }[] {
  return sim.requests
    .filter((r) => r.path !== '/v2/api_auth')
    .map((r) => ({ method: r.method, path: r.path }));
}

const mutating = () => sent().filter((r) => r.method !== 'GET');

describe('dryRun', () => {
  it('holds back a PATCH: not sent, the state unchanged, resolves with empty data marked dry_run', async () => {
    const curls: string[] = [];
    const c = client({ dryRun: (line) => curls.push(line) });
    const before = structuredClone(sim.state.devices[devices.joe]);
    const result = await c.patchDevice(accounts.joe, devices.joe, { name: 'Changed' }, { recursive: true });
    expect(result.data).toEqual({});
    expect(result.envelope.dry_run).toBe(true);
    expect(curls).toHaveLength(1);
    expect(sim.state.devices[devices.joe]).toEqual(before);
    // Nothing at all reached the server: not even authentication.
    expect(sim.requests).toEqual([]);
  });

  it('the curl line is the exact request: method, URL, body with the flags', async () => {
    const curls: string[] = [];
    const c = client({ dryRun: (line) => curls.push(line) });
    await c.patchDevice(accounts.joe, devices.joe, { name: 'Changed' }, { recursive: true });
    const [curl] = curls;
    expect(curl).toMatch(/^curl -sS -X PATCH /);
    expect(curl).toContain(`'${sim.url}${DEVICE_PATH}'`);
    expect(curl).toContain(`-d '{"data":{"name":"Changed"},"recursive":true}'`);
    expect(curl).toContain("-H 'Content-Type: application/json'");
  });

  it('the curl line carries no token, API key or secret from the body, even after a real request', async () => {
    const curls: string[] = [];
    const c = client({ dryRun: (line) => curls.push(line) });
    await c.getDeviceByMdn(SEED_NUMBERS.joe.mdn); // authenticates: the client now holds a token
    const token = sim.requests.find((r) => r.method === 'GET')?.headers['x-auth-token'];
    expect(token).toMatch(/.{8,}/);
    await c.patchDevice(accounts.joe, devices.joe, {
      voice: { sip: { username: 'joe', password: SIP_SECRET } },
    });
    const curl = curls.join('\n');
    expect(curl).not.toContain(token);
    expect(curl).not.toContain(API_KEY);
    expect(curl).not.toContain(SIP_SECRET);
    expect(curl).toContain("-H 'X-Auth-Token: <redacted>'");
    expect(curl).toContain('"password":"<redacted>"');
    expect(curl).toContain('"username":"joe"');
  });

  it('GETs still go out, and a lookup (a read-only POST) too, with real answers', async () => {
    const curls: string[] = [];
    const c = client({ dryRun: (line) => curls.push(line) });
    const device = await c.getDeviceByMdn(SEED_NUMBERS.joe.mdn);
    expect(device.data.id).toBe(devices.joe);
    const lookup = await c.lookupSubscription({ mdn: SEED_NUMBERS.joe.mdn });
    expect(lookup.data.account_id).toBe(accounts.joe);
    expect(curls).toEqual([]);
    expect(sent()).toEqual([
      { method: 'GET', path: `/v2/support/phone_numbers/${encodeURIComponent(SEED_NUMBERS.joe.mdn)}/device` },
      { method: 'POST', path: '/v2/support/subscriptions/lookup' },
    ]);
  });

  it('holds back every kind of change: import, delete, move, port status, poll', async () => {
    const curls: string[] = [];
    const c = client({ dryRun: (line) => curls.push(line) });
    const devicesBefore = Object.keys(sim.state.devices).length;
    await c.importDevice(accounts.joe, { mdn: SEED_NUMBERS.pendingByMdn.mdn });
    await c.deleteSubscription(accounts.joe, SEED_IDS.subscriptions.joe, { cascade: true });
    await c.moveSubscription(accounts.joe, SEED_IDS.subscriptions.joe, {
      target_account_id: accounts.hotspot,
    });
    await c.setPortStatus(SEED_IDS.ports.joe, { code: 'completed' });
    await c.pollPorts();
    expect(curls.map((l) => l.split(' ')[3])).toEqual(['PUT', 'DELETE', 'POST', 'POST', 'POST']);
    expect(curls[1]).toContain('?cascade=true');
    expect(sim.requests).toEqual([]);
    expect(Object.keys(sim.state.devices)).toHaveLength(devicesBefore);
    expect(sim.state.subscriptions[SEED_IDS.subscriptions.joe]?.pvt_account_id).toBe(accounts.joe);
  });

  it('takes precedence over audit: a held-back request is not audited', async () => {
    const events: AuditEvent[] = [];
    const c = client({ dryRun: () => undefined, audit: (e) => events.push(e) });
    await c.patchDevice(accounts.joe, devices.joe, { name: 'x' });
    expect(events).toEqual([]);
  });
});

describe('audit', () => {
  it('is called once per change sent, with method, path, data, status and the request id', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    const result = await c.patchDevice(accounts.joe, devices.joe, { name: 'Audited' });
    expect(sim.state.devices[devices.joe]?.name).toBe('Audited');
    expect(events).toHaveLength(1);
    const [event] = events;
    const logged = sim.requests.find((r) => r.method === 'PATCH');
    expect(event).toEqual({
      method: 'PATCH',
      path: DEVICE_PATH,
      data: { name: 'Audited' },
      requestId: logged?.request_id,
      status: 200,
    });
    expect(result.requestId).toBe(logged?.request_id);
  });

  it('reports the data as sent: redacting it is the caller’s job (the audit file does it)', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    await c.patchDevice(accounts.joe, devices.joe, { voice: { sip: { password: SIP_SECRET } } });
    expect(events[0]?.data).toEqual({ voice: { sip: { password: SIP_SECRET } } });
  });

  it('is never called for GETs or lookups', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    await c.getDeviceByMdn(SEED_NUMBERS.joe.mdn);
    await c.getNumberSubscription(SEED_NUMBERS.joe.mdn);
    await c.getDeviceSubscription(SEED_NUMBERS.joe.esn);
    await c.lookupSubscription({ esn: SEED_NUMBERS.joe.esn });
    await c.getUsageAudit({ month: '201701' });
    await c.listCarrierSbcs();
    expect(sent()).toHaveLength(6);
    expect(events).toEqual([]);
  });

  it('a failed change is reported too: the error status, the request id and the one-line error', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    const missing = 'de71ce000000000000000000000000ff';
    const err = await c.patchDevice(accounts.joe, missing, { name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KazooApiError);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.status).toBe(404);
    expect(event?.requestId).toBe(sim.requests.find((r) => r.method === 'PATCH')?.request_id);
    expect(event?.requestId).toBe((err as KazooApiError).requestId);
    expect(event?.error).toBe((err as KazooApiError).summary());
    expect(event?.error).toContain('404');
  });

  it('a 409 on an import is reported with its status', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    await expect(c.importDevice(accounts.joe, { mdn: SEED_NUMBERS.joe.mdn })).rejects.toBeInstanceOf(
      KazooApiError,
    );
    expect(events.map((e) => [e.method, e.status])).toEqual([['PUT', 409]]);
  });

  it('a change retried after a 429 is reported once, with the final status', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    sim.faults.failNext({ method: 'PATCH' }, { kind: 'status', status: 429 });
    await c.patchDevice(accounts.joe, devices.joe, { name: 'After retry' });
    expect(mutating()).toHaveLength(2);
    expect(events).toHaveLength(1);
    expect(events[0]?.status).toBe(200);
  });

  it('a change whose connection was lost is reported with no status and says so', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    sim.faults.failNext({ method: 'PATCH' }, { kind: 'reset' });
    const err = await c.patchDevice(accounts.joe, devices.joe, { name: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(events).toHaveLength(1);
    expect(events[0]?.status).toBeUndefined();
    expect(events[0]?.requestId).toMatch(/.{8,}/);
    expect(events[0]?.error).toBe((err as OutcomeUnknownError).summary());
  });

  it('reports each change of a sequence, in order, and no read between them', async () => {
    const events: AuditEvent[] = [];
    const c = client({ audit: (e) => events.push(e) });
    await c.importDevice(accounts.joe, { mdn: SEED_NUMBERS.pendingByMdn.mdn, name: 'New' });
    await c.getDeviceByMdn(SEED_NUMBERS.pendingByMdn.mdn);
    await c.setPortStatus(SEED_IDS.ports.joe, { code: 'completed' });
    await c.pollPorts();
    expect(events.map((e) => `${e.method} ${e.status}`)).toEqual(['PUT 201', 'POST 200', 'POST 200']);
    expect(events.map((e) => e.path)).toEqual([
      `/v2/support/accounts/${accounts.joe}/devices/import`,
      `/v2/support/ports/in/${SEED_IDS.ports.joe}/status`,
      '/v2/support/ports/poll',
    ]);
  });
});
