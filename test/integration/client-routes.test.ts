/**
 * The API client against the real simulator over HTTP: every typed method on its success
 * path, the error paths as `KazooApiError`s, authentication, and the retry policy against
 * the simulator's injected faults. One fresh simulator (port 0, default seed) per test.
 *
 * Every simulator runs on an injected clock that only moves when the client's injected
 * `sleep` is called: timestamps are exact, and back-off and `Retry-After` cost no real time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KazooClient, type KazooClientOptions } from '../../src/api/client.js';
import { KazooApiError, KazooAuthError, OutcomeUnknownError } from '../../src/api/errors.js';
import { KAZOO_BUCKET } from '../../src/api/rate-pacer.js';
import { resolveTarget, type Target } from '../../src/api/target.js';
import type { Body, CarrierSbc, MediaServer } from '../../src/api/types.js';
import { toGregorianSeconds } from '../../src/sim/model.js';
import { encodeStartKey } from '../../src/sim/routes/routing.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type RequestLogEntry, type SimHandle, type SimOptions } from '../../src/sim/server.js';

// ---------------------------------------------------------------------------------------
// Harness

const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const MASTER_KEY = 'feedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedfacefeedface';
const SEED_USER = { username: 'support', password: 'sim-password', accountName: 'Sim Master Account' };
const KEY_ENV = 'KZOPS_TEST_API_KEY';

/** 2017-01-20 12:00 UTC: the seed's usage data ends in 201701, so "this month" has usage. */
const START_MS = Date.UTC(2017, 0, 20, 12, 0, 0);

const ROUTING = '/v2/support/routing';
const CC_PATH = `${ROUTING}/customer_clusters`;
const SBC_PATH = `${ROUTING}/carrier_sbcs`;
const AUTH_PATHS = new Set(['/v2/api_auth', '/v2/user_auth']);
const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const { accounts: ACCOUNTS } = SEED_IDS;

interface ClientSetup {
  /** API key (default: the super_master key); ignored when `user` is set. */
  apiKey?: string;
  user?: { username: string; password: string; accountName: string };
  clusterId?: string;
  options?: KazooClientOptions;
}

interface Harness {
  sim: SimHandle;
  /** The simulator's clock, Unix ms; advanced by the clients' `sleep`. */
  clock: { ms: number };
  /** Every delay a client of this harness asked to sleep, in order. */
  sleeps: number[];
  /** A client of this simulator (closed after the test). */
  client: (setup?: ClientSetup) => KazooClient;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Clients first (they wait for requests in flight), then the simulators.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startHarness(opts: Omit<SimOptions, 'port' | 'now'> = {}): Promise<Harness> {
  const clock = { ms: START_MS };
  const sleeps: number[] = [];
  const sim = await startSim({ port: 0, now: () => clock.ms, log: () => undefined, ...opts });
  cleanups.push(() => sim.close());
  const client = (setup: ClientSetup = {}): KazooClient => {
    const c = new KazooClient(resolveTarget(targetConfig(sim.url, setup), targetEnv(setup)), {
      debug: false,
      random: () => 0.5,
      now: () => clock.ms,
      sleep: (ms) => {
        sleeps.push(ms);
        clock.ms += ms;
        return Promise.resolve();
      },
      ...setup.options,
    });
    cleanups.push(() => c.close());
    return c;
  };
  return { sim, clock, sleeps, client };
}

function targetConfig(url: string, setup: ClientSetup): Target {
  const target: Target = setup.user
    ? {
        url,
        user_env: 'KZOPS_TEST_USER',
        password_env: 'KZOPS_TEST_PASSWORD',
        account_name: setup.user.accountName,
      }
    : { url, api_key_env: KEY_ENV };
  if (setup.clusterId !== undefined) target.cluster_id = setup.clusterId;
  return target;
}

function targetEnv(setup: ClientSetup): NodeJS.ProcessEnv {
  return setup.user
    ? { KZOPS_TEST_USER: setup.user.username, KZOPS_TEST_PASSWORD: setup.user.password }
    : { [KEY_ENV]: setup.apiKey ?? SUPER_KEY };
}

/** A harness and its default (super_master, api key) client. */
async function setup(opts: Omit<SimOptions, 'port' | 'now'> = {}) {
  const h = await startHarness(opts);
  return { ...h, c: h.client() };
}

/** The rejection of `promise`, which must be a `KazooApiError`. */
/** The error `promise` rejects with, checked to be an instance of `Class`. */
async function rejectsWith<E>(
  promise: Promise<unknown>,
  Class: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Class);
  return error as E;
}

const apiError = (promise: Promise<unknown>): Promise<KazooApiError> => rejectsWith(promise, KazooApiError);
const authError = (promise: Promise<unknown>): Promise<KazooAuthError> =>
  rejectsWith(promise, KazooAuthError);

function authRequests(sim: SimHandle): RequestLogEntry[] {
  return sim.requests.filter((r) => AUTH_PATHS.has(r.path));
}

function apiRequests(sim: SimHandle): RequestLogEntry[] {
  return sim.requests.filter((r) => !AUTH_PATHS.has(r.path));
}

function requestsTo(sim: SimHandle, method: string, path: string): RequestLogEntry[] {
  return sim.requests.filter((r) => r.method === method && r.path === path);
}

const gregorian = (h: Harness) => toGregorianSeconds(h.clock.ms);

/** A valid new carrier SBC (its media server is seeded). */
function newSbc(name = 'Test SBC'): Body<CarrierSbc> {
  return {
    name,
    carrier: 'sprint',
    location: { zone: 'east', state: 'NJ', city: 'Newark' },
    ips: ['192.0.2.91'],
    mobile_media_server: SEED_IDS.mediaServers.east,
  };
}

/** A valid new media server (its SBCs are seeded). */
function newMediaServer(name = 'Test Media Server'): Body<MediaServer> {
  return {
    name,
    location: { zone: 'west', state: 'OR', city: 'Portland' },
    interfaces: { carrier_mpls: { sprint: 'sipinterface_sprint' } },
    carrier_sbc_priority: { sprint: [SEED_IDS.carrierSbcs.west, SEED_IDS.carrierSbcs.east] },
    top_ips: ['10.26.9.254'],
  };
}

// ---------------------------------------------------------------------------------------
// Devices

describe('devices', () => {
  it('importDevice creates a device from the carrier record; mdn takes precedence over esn', async () => {
    const { sim, c } = await setup();
    const byMdn = SEED_NUMBERS.pendingByMdn;
    const byEsn = SEED_NUMBERS.pendingByEsn;
    const res = await c.importDevice(
      ACCOUNTS.joe,
      { mdn: byMdn.mdn, esn: byEsn.esn, name: 'Imported Phone' },
      { carrier: 'sprint' },
    );
    expect(res.data.id).toMatch(HEX32);
    expect(res.data.name).toBe('Imported Phone');
    // The mdn's record was imported, not the esn's.
    expect(res.data.subscription).toMatchObject({ mdn: byMdn.mdn, esn: byMdn.esn, sim: byMdn.sim });
    expect(res.data.model?.manufacturer).toBe('SAMSUNG');
    expect(res.envelope.carrier).toBe('sprint');
    expect(res.revision).toMatch(/^1-/);

    const stored = sim.state.devices[res.data.id];
    expect(stored?.pvt_account_id).toBe(ACCOUNTS.joe);
    const holdsEsnRecord = Object.values(sim.state.devices).some(
      (d) => (d.subscription as { esn?: string } | undefined)?.esn === byEsn.esn,
    );
    expect(holdsEsnRecord).toBe(false);
  });

  it('getDeviceByMdn finds the device in any account (the MDN path segment is encoded)', async () => {
    const { sim, c } = await setup();
    const res = await c.getDeviceByMdn(SEED_NUMBERS.joe.mdn);
    expect(res.data.id).toBe(SEED_IDS.devices.joe);
    expect(res.data.name).toBe("Joe's Mobile Phone");
    expect(res.data.subscription?.esn).toBe(SEED_NUMBERS.joe.esn);
    expect(res.envelope).toMatchObject({ account_id: ACCOUNTS.joe, carrier: 'sprint' });
    // `+` is sent percent-encoded (the log keeps the raw path).
    expect(sim.requests.at(-1)?.path).toBe('/v2/support/phone_numbers/%2B15550001111/device');
  });

  it("getNumberSubscription returns the carrier's view of a number", async () => {
    const { sim, c } = await setup();
    const res = await c.getNumberSubscription(SEED_NUMBERS.joe.mdn);
    expect(res.data).toMatchObject({
      mdn: SEED_NUMBERS.joe.mdn,
      esn: SEED_NUMBERS.joe.esn,
      sim: SEED_NUMBERS.joe.sim,
      plan: '260PLAN21',
      features: ['international', 'sip', 'mms', 'lte'],
    });
    expect(res.envelope.carrier).toBe('sprint');
    expect(sim.requests.at(-1)?.query).toEqual({});

    const narrowed = await apiError(c.getNumberSubscription(SEED_NUMBERS.joe.mdn, { carrier: 'verizon' }));
    expect(narrowed.status).toBe(404);
    expect(sim.requests.at(-1)?.query).toEqual({ carrier: 'verizon' });
  });

  it("getDeviceSubscription returns the carrier's view of a device, narrowed by carrier", async () => {
    const { sim, c } = await setup();
    const res = await c.getDeviceSubscription(SEED_NUMBERS.hotspot.esn, { carrier: 'sprint' });
    expect(res.data).toMatchObject({
      esn: SEED_NUMBERS.hotspot.esn,
      mdn: SEED_NUMBERS.hotspot.mdn,
      sim: null,
      plan: '260PLAN1',
    });
    expect(res.data.features).toContain('tethering');
    expect(res.envelope.carrier).toBe('sprint');
    expect(sim.requests.at(-1)?.query).toEqual({ carrier: 'sprint' });

    // Another carrier does not have it: the query string really narrows the lookup.
    const err = await apiError(c.getDeviceSubscription(SEED_NUMBERS.hotspot.esn, { carrier: 'verizon' }));
    expect(err.status).toBe(404);
  });

  it('patchDevice merges shallowly by default and recursively on request, stamping last_manual_update', async () => {
    const h = await startHarness();
    const c = h.client();
    const shallow = await c.patchDevice(ACCOUNTS.joe, SEED_IDS.devices.joe, {
      name: "Bob's Mobile Phone",
      model: { manufacturer: 'MOTOROLA' },
    });
    // Shallow: `model` is replaced whole.
    expect(shallow.data.name).toBe("Bob's Mobile Phone");
    expect(shallow.data.model).toEqual({ manufacturer: 'MOTOROLA' });
    expect(shallow.data.additional_properties?.last_manual_update).toBe(gregorian(h));
    expect(shallow.envelope.carrier).toBe('sprint');

    h.clock.ms += 60_000;
    const recursive = await c.patchDevice(
      ACCOUNTS.hotspot,
      SEED_IDS.devices.hotspot,
      { model: { manufacturer: 'MOTOROLA' } },
      { recursive: true },
    );
    // Recursive: `model`'s other keys survive.
    expect(recursive.data.model).toEqual({
      name: 'FRANKLIN R850 HOTSPOT',
      number: 'FRKR850',
      manufacturer: 'MOTOROLA',
    });
    expect(recursive.data.additional_properties?.last_manual_update).toBe(gregorian(h));
    expect(h.sim.state.devices[SEED_IDS.devices.hotspot]?.model).toEqual(recursive.data.model);
    expect(h.sim.state.devices[SEED_IDS.devices.joe]?.model).toEqual({ manufacturer: 'MOTOROLA' });
  });
});

// ---------------------------------------------------------------------------------------
// Usage

describe('usage', () => {
  const UNKNOWN_201611 = { '+15550123456': 150_000_000, '+15556541490': 30_000_000 };
  const UNKNOWN_201701 = { '+15550003331': 800_000, '+15550003332': 4_800_000, '+15550123456': 12_000_000 };

  it('getUnknownNumbersUsage reports a single month with {month}', async () => {
    const { sim, c } = await setup();
    const res = await c.getUnknownNumbersUsage({ month: '201611' });
    expect(res.data).toEqual({ from: '201611', to: '201611', total: 180_000_000, per_mdn: UNKNOWN_201611 });
    expect(sim.requests.at(-1)?.query).toEqual({ month: '201611' });
  });

  it('getUnknownNumbersUsage reports a range with {from, to} and lists the empty months', async () => {
    const { sim, c } = await setup();
    const res = await c.getUnknownNumbersUsage({ from: '201610', to: '201612' });
    expect(res.data).toEqual({
      from: '201610',
      to: '201612',
      total: 180_000_000,
      per_mdn: UNKNOWN_201611,
      empty_months: ['201610', '201612'],
    });
    expect(sim.requests.at(-1)?.query).toEqual({ from: '201610', to: '201612' });
  });

  it("getUnknownNumbersUsage defaults to the server's current month", async () => {
    const { sim, c } = await setup();
    const res = await c.getUnknownNumbersUsage();
    expect(res.data).toEqual({ from: '201701', to: '201701', total: 17_600_000, per_mdn: UNKNOWN_201701 });
    expect(sim.requests.at(-1)?.query).toEqual({});
  });

  it('getUnknownNumbersUsageForMonth puts the month in the path', async () => {
    const { sim, c } = await setup();
    const res = await c.getUnknownNumbersUsageForMonth('201701');
    expect(res.data).toEqual({ from: '201701', to: '201701', total: 17_600_000, per_mdn: UNKNOWN_201701 });
    expect(sim.requests.at(-1)?.path).toBe('/v2/support/usage/unknown_numbers/201701');
  });

  it('getUsageAudit groups a month of usage by account', async () => {
    const { sim, c } = await setup();
    const res = await c.getUsageAudit({ month: '201610' });
    expect(res.data).toEqual({
      from: '201610',
      to: '201610',
      total: 746_250_000,
      accounts: {
        [ACCOUNTS.joe]: { '+15550001111': 1_250_000, '+15550001112': 730_000_000 },
        [ACCOUNTS.hotspot]: { '+15550002221': 15_000_000 },
      },
    });
    expect(sim.requests.at(-1)?.query).toEqual({ month: '201610' });
  });

  it('getUsageAuditForMonth puts unknown accounts under unknown_account', async () => {
    const { sim, c } = await setup();
    const res = await c.getUsageAuditForMonth('201701');
    expect(res.data.from).toBe('201701');
    expect(res.data.to).toBe('201701');
    expect(res.data.total).toBe(5_347_600_000);
    expect(Object.keys(res.data.accounts)).toEqual([ACCOUNTS.joe, ACCOUNTS.hotspot, 'unknown_account']);
    expect(res.data.accounts.unknown_account).toEqual(UNKNOWN_201701);
    expect(sim.requests.at(-1)?.path).toBe('/v2/support/usage/audit/201701');
  });

  it('getUsageAuditCsv returns the month as CSV text', async () => {
    const { sim, c } = await setup();
    const csv = await c.getUsageAuditCsv('201701');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('account_id,mdn,bytes');
    expect(lines).toContain(`${ACCOUNTS.joe},+15550001111,2000000`);
    expect(lines).toContain(`${ACCOUNTS.hotspot},+15550002222,2100000000`);
    expect(lines).toContain('unknown_account,+15550123456,12000000');
    expect(lines.filter((l) => l !== '')).toHaveLength(11);
    const entry = sim.requests.at(-1);
    expect(entry?.path).toBe('/v2/support/usage/audit/201701/csv');
    expect(entry?.headers.accept).toContain('text/csv');
  });
});

// ---------------------------------------------------------------------------------------
// Ports (level master)

describe('ports', () => {
  it('pollPorts records the poll', async () => {
    const h = await startHarness();
    const res = await h.client().pollPorts();
    expect(res.data).toEqual({ polled: true, timestamp: gregorian(h) });
    expect(h.sim.state.ports_polled_at).toBe(gregorian(h));
  });

  it('setPortStatus forces the status (forced_update: true) and updates the device', async () => {
    const h = await startHarness();
    const res = await h.client().setPortStatus(SEED_IDS.ports.joe, { code: 'completed', source: 'carrier' });
    expect(res.data).toMatchObject({
      id: SEED_IDS.ports.joe,
      mdn: SEED_NUMBERS.joe.mdn,
      status: { code: 'completed', source: 'carrier', forced_update: true, timestamp: gregorian(h) },
    });
    expect(h.sim.state.ports[SEED_IDS.ports.joe]?.status).toMatchObject({ forced_update: true });
    expect(h.sim.state.devices[SEED_IDS.devices.joe]?.additional_properties).toMatchObject({
      port_in: { status: 'completed' },
    });
  });

  it('the master key may use the port routes', async () => {
    const h = await startHarness();
    const c = h.client({ apiKey: MASTER_KEY });
    const polled = await c.pollPorts();
    expect(polled.data).toMatchObject({ polled: true });
    const status = await c.setPortStatus(SEED_IDS.ports.joe, { code: 'canceled' });
    expect(status.data).toMatchObject({ status: { code: 'canceled', source: 'top', forced_update: true } });
  });
});

// ---------------------------------------------------------------------------------------
// Subscriptions

describe('subscriptions', () => {
  it('lookupSubscription returns the carrier data and the TOP document when there is one', async () => {
    const { c } = await setup();
    const known = await c.lookupSubscription({ mdn: SEED_NUMBERS.joe.mdn });
    expect(known.data.carrier_data).toMatchObject({
      esn: SEED_NUMBERS.joe.esn,
      plan: '260PLAN21',
      carrier: 'sprint',
      suspended: false,
    });
    expect(known.data.account_id).toBe(ACCOUNTS.joe);
    expect(known.data.document?._id).toBe(SEED_IDS.subscriptions.joe);
    expect(known.envelope.carrier).toBe('sprint');

    const pending = await c.lookupSubscription({ sim: SEED_NUMBERS.pendingBySim.sim }, { carrier: 'sprint' });
    expect(pending.data.carrier_data).toMatchObject({ mdn: SEED_NUMBERS.pendingBySim.mdn, suspended: true });
    expect(pending.data.account_id).toBeUndefined();
    expect(pending.data.document).toBeUndefined();
  });

  it('importSubscription creates the subscription and its device', async () => {
    const { sim, c } = await setup();
    const numbers = SEED_NUMBERS.pendingByMdn;
    const res = await c.importSubscription(
      ACCOUNTS.hotspot,
      { mdn: numbers.mdn, device_data: { name: 'Imported With Subscription' } },
      { carrier: 'sprint' },
    );
    expect(res.data.id).toMatch(HEX32);
    expect(res.data).toMatchObject({
      mdn: numbers.mdn,
      esn: numbers.esn,
      sim: numbers.sim,
      plan: '260PLAN21',
      carrier_name: 'sprint',
    });
    expect(res.envelope.carrier).toBe('sprint');
    expect(sim.state.subscriptions[res.data.id]?.pvt_account_id).toBe(ACCOUNTS.hotspot);
    const device = Object.values(sim.state.devices).find((d) => d.name === 'Imported With Subscription');
    expect(device?.pvt_account_id).toBe(ACCOUNTS.hotspot);
  });

  it('deleteSubscription with cascade also deletes the device; without it the device stays', async () => {
    const { sim, c } = await setup();
    const res = await c.deleteSubscription(ACCOUNTS.joe, SEED_IDS.subscriptions.joe, { cascade: true });
    expect(res.data).toMatchObject({ id: SEED_IDS.subscriptions.joe, mdn: SEED_NUMBERS.joe.mdn });
    expect(sim.requests.at(-1)?.query).toEqual({ cascade: 'true' });
    expect(sim.state.subscriptions[SEED_IDS.subscriptions.joe]).toBeUndefined();
    expect(sim.state.devices[SEED_IDS.devices.joe]).toBeUndefined();

    await c.deleteSubscription(ACCOUNTS.hotspot, SEED_IDS.subscriptions.hotspot);
    expect(sim.requests.at(-1)?.query).toEqual({});
    expect(sim.state.subscriptions[SEED_IDS.subscriptions.hotspot]).toBeUndefined();
    expect(sim.state.devices[SEED_IDS.devices.hotspot]).toBeDefined();
  });

  it('patchSubscription patches any field and stamps last_manual_update', async () => {
    const h = await startHarness();
    const res = await h
      .client()
      .patchSubscription(
        ACCOUNTS.joe,
        SEED_IDS.subscriptions.joe,
        { plan: 'fakeplan', additional_properties: { name: 'New Subscription Name' } },
        { recursive: true },
      );
    expect(res.data).toMatchObject({
      id: SEED_IDS.subscriptions.joe,
      plan: 'fakeplan',
      carrier_name: 'sprint',
      additional_properties: { name: 'New Subscription Name', last_manual_update: gregorian(h) },
    });
    expect(h.sim.state.subscriptions[SEED_IDS.subscriptions.joe]?.plan).toBe('fakeplan');
  });

  it('moveSubscription moves the subscription and carries its device along', async () => {
    const { sim, c } = await setup();
    const res = await c.moveSubscription(ACCOUNTS.hotspot, SEED_IDS.subscriptions.hotspot, {
      target_account_id: ACCOUNTS.joe,
    });
    expect(res.data).toMatchObject({ id: SEED_IDS.subscriptions.hotspot, carrier_name: 'sprint' });
    expect(sim.state.subscriptions[SEED_IDS.subscriptions.hotspot]?.pvt_account_id).toBe(ACCOUNTS.joe);
    expect(sim.state.devices[SEED_IDS.devices.hotspot]?.pvt_account_id).toBe(ACCOUNTS.joe);
    // Joe's own device was not touched.
    expect(sim.state.devices[SEED_IDS.devices.joe]?.pvt_account_id).toBe(ACCOUNTS.joe);
  });
});

// ---------------------------------------------------------------------------------------
// Cluster documents

describe('cluster documents', () => {
  const NEW_CLUSTER = 'c1a5e7000000000000000000000000aa';
  const CLEAR_KEY = 'cluster-key-in-clear-4711';

  it('createCluster stores the api_key encrypted and never returns it in clear; deleteCluster removes it', async () => {
    const { sim, c } = await setup();
    const created = await c.createCluster(NEW_CLUSTER, {
      mvno_id: 'test_mvno',
      api_url: 'https://test.sim.example.com:8443/v2',
      api_key: CLEAR_KEY,
      hosted_billing_account_id: ACCOUNTS.master,
    });
    expect(created.data).toMatchObject({
      id: NEW_CLUSTER,
      mvno_id: 'test_mvno',
      hosted_billing_account_id: ACCOUNTS.master,
    });
    expect(created.data.api_key).not.toBe(CLEAR_KEY);
    expect(created.data.api_key.length).toBeGreaterThan(0);
    expect(JSON.stringify(created.envelope)).not.toContain(CLEAR_KEY);
    expect(JSON.stringify(sim.state.clusters[NEW_CLUSTER])).not.toContain(CLEAR_KEY);

    const deleted = await c.deleteCluster(NEW_CLUSTER);
    expect(deleted.data.id).toBe(NEW_CLUSTER);
    expect(deleted.data.api_key).toBe(created.data.api_key);
    expect(sim.state.clusters[NEW_CLUSTER]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// Routing documents

describe('routing: customer clusters', () => {
  const { hosted, sandbox } = SEED_IDS.customerClusters;

  it('listCustomerClusters returns the summaries', async () => {
    const { c } = await setup();
    const res = await c.listCustomerClusters();
    expect(res.data).toEqual([
      { id: hosted, name: 'Kazoo Hosted', owner: '2600hz' },
      { id: sandbox, name: 'Kazoo Sandbox', owner: '2600hz' },
    ]);
  });

  it('getCustomerCluster returns the whole document and its revision', async () => {
    const { sim, c } = await setup();
    const res = await c.getCustomerCluster(hosted);
    expect(res.data).toMatchObject({ id: hosted, name: 'Kazoo Hosted', randomize_routing: false });
    expect(res.data.ips?.inbound?.east).toEqual(['198.51.100.11']);
    expect(res.revision).toBe(sim.state.customer_clusters[hosted]?._rev);
  });

  it('create, update, patch and delete a customer cluster', async () => {
    const { sim, c } = await setup();
    const created = await c.createCustomerCluster('acme-east', {
      name: 'Acme',
      owner: 'acme',
      ips: {
        inbound: { east: ['198.51.100.50'] },
        outbound: { east: ['198.51.100.60'], west: ['198.51.100.61'] },
      },
    });
    expect(created.data).toMatchObject({ id: 'acme-east', name: 'Acme', owner: 'acme' });
    expect(created.revision).toMatch(/^1-/);
    expect(sim.state.customer_clusters['acme-east']?.name).toBe('Acme');

    // POST replaces every public field: owner is gone.
    const updated = await c.updateCustomerCluster('acme-east', {
      name: 'Acme Corp',
      ips: { outbound: { east: ['198.51.100.60'], west: ['198.51.100.61'] } },
    });
    expect(updated.data).toEqual({
      id: 'acme-east',
      name: 'Acme Corp',
      ips: { outbound: { east: ['198.51.100.60'], west: ['198.51.100.61'] } },
    });
    expect(updated.revision).toMatch(/^2-/);

    const patched = await c.patchCustomerCluster('acme-east', {
      ips: { outbound: { east: ['198.51.100.70'] } },
      randomize_routing: true,
    });
    expect(patched.data.ips?.outbound).toEqual({ east: ['198.51.100.70'], west: ['198.51.100.61'] });
    expect(patched.data).toMatchObject({ name: 'Acme Corp', randomize_routing: true });

    // recursive: false asks for a shallow merge: `ips` is replaced whole.
    const shallow = await c.patchCustomerCluster(
      'acme-east',
      { ips: { inbound: { central: ['198.51.100.80'] } } },
      { recursive: false },
    );
    expect(shallow.data.ips).toEqual({ inbound: { central: ['198.51.100.80'] } });
    expect(sim.requests.at(-1)?.method).toBe('PATCH');

    const deleted = await c.deleteCustomerCluster('acme-east');
    expect(deleted.data).toMatchObject({ id: 'acme-east', name: 'Acme Corp' });
    expect(sim.state.customer_clusters['acme-east']).toBeUndefined();
    expect((await apiError(c.getCustomerCluster('acme-east'))).status).toBe(404);
  });
});

describe('routing: carrier SBCs', () => {
  const { east, west, central } = SEED_IDS.carrierSbcs;

  it('listCarrierSbcs returns the summaries', async () => {
    const { c } = await setup();
    const res = await c.listCarrierSbcs();
    expect(res.data.map((s) => s.id)).toEqual([east, west, central]);
    expect(res.data[0]).toEqual({
      id: east,
      name: 'Sprint East SBC',
      carrier: 'sprint',
      location: { zone: 'east', state: 'NY', city: 'New York City' },
      mobile_media_server: SEED_IDS.mediaServers.east,
    });
  });

  it('getCarrierSbc returns the whole document', async () => {
    const { c } = await setup();
    const res = await c.getCarrierSbc(west);
    expect(res.data).toMatchObject({ id: west, name: 'Sprint West SBC', ips: ['192.0.2.21', '192.0.2.22'] });
    expect(res.data.call_directions).toHaveLength(2);
  });

  it('create (server-assigned id), update, patch and delete a carrier SBC', async () => {
    const { sim, c } = await setup();
    const created = await c.createCarrierSbc(newSbc());
    const id = created.data.id;
    expect(id).toMatch(HEX32);
    expect(created.data).toMatchObject({ ...newSbc(), id });
    expect(sim.state.carrier_sbcs[id]?.name).toBe('Test SBC');

    const updated = await c.updateCarrierSbc(id, { name: 'Renamed SBC', ips: ['2001:db8::1'] });
    expect(updated.data).toEqual({ id, name: 'Renamed SBC', ips: ['2001:db8::1'] });

    const patched = await c.patchCarrierSbc(id, { location: { zone: 'west' } });
    expect(patched.data).toEqual({
      id,
      name: 'Renamed SBC',
      ips: ['2001:db8::1'],
      location: { zone: 'west' },
    });

    const deleted = await c.deleteCarrierSbc(id);
    expect(deleted.data.id).toBe(id);
    expect(sim.state.carrier_sbcs[id]).toBeUndefined();
    expect(Object.keys(sim.state.carrier_sbcs)).toHaveLength(3);
  });
});

describe('routing: media servers', () => {
  const { east, west, central } = SEED_IDS.mediaServers;

  it('listMediaServers returns the summaries', async () => {
    const { c } = await setup();
    const res = await c.listMediaServers();
    expect(res.data.map((m) => m.id)).toEqual([east, west, central]);
    expect(res.data[1]).toEqual({
      id: west,
      name: 'SV4 Mobile Media Server',
      location: { zone: 'west', state: 'CA', city: 'Santa Clara' },
      carrier_sbc_priority: {
        sprint: [SEED_IDS.carrierSbcs.west, SEED_IDS.carrierSbcs.central, SEED_IDS.carrierSbcs.east],
      },
    });
  });

  it('getMediaServer returns the whole document', async () => {
    const { c } = await setup();
    const res = await c.getMediaServer(central);
    expect(res.data).toMatchObject({ id: central, name: 'CH2 Mobile Media Server' });
    expect(res.data.top_ips).toEqual(['10.26.2.254', '10.26.2.253']);
    expect(res.data.interfaces?.carrier_mpls).toEqual({ sprint: 'sipinterface_sprint' });
  });

  it('create (server-assigned id), update, patch and delete a media server', async () => {
    const { sim, c } = await setup();
    const created = await c.createMediaServer(newMediaServer());
    const id = created.data.id;
    expect(id).toMatch(HEX32);
    expect(created.data).toMatchObject({ ...newMediaServer(), id });
    expect(sim.state.media_servers[id]?.name).toBe('Test Media Server');

    const updated = await c.updateMediaServer(id, { name: 'Renamed MS', top_ips: ['10.26.9.1'] });
    expect(updated.data).toEqual({ id, name: 'Renamed MS', top_ips: ['10.26.9.1'] });

    const patched = await c.patchMediaServer(id, {
      carrier_sbc_priority: { sprint: [SEED_IDS.carrierSbcs.central] },
    });
    expect(patched.data).toEqual({
      id,
      name: 'Renamed MS',
      top_ips: ['10.26.9.1'],
      carrier_sbc_priority: { sprint: [SEED_IDS.carrierSbcs.central] },
    });

    const deleted = await c.deleteMediaServer(id);
    expect(deleted.data.id).toBe(id);
    expect(sim.state.media_servers[id]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// Errors

describe('errors', () => {
  it('400: a validation error names every bad field', async () => {
    const { sim, c } = await setup();
    const bad = { ips: ['999.1.2.3'] } as unknown as Body<CarrierSbc>;
    const err = await apiError(c.createCarrierSbc(bad));
    expect(err.status).toBe(400);
    expect(err.apiCode).toBe('validation error');
    expect(Object.keys(err.fieldErrors ?? {}).sort()).toEqual(['ips.0', 'name']);
    expect(err.fieldErrors?.['ips.0']?.format?.value).toBe('999.1.2.3');
    expect(err.fieldErrors?.name?.required).toBeDefined();
    expect(err.method).toBe('PUT');
    expect(err.path).toBe(SBC_PATH);
    expect(err.attempts).toBe(1);
    expect(err.requestId).toMatch(UUID);
    expect(err.requestId).toBe(sim.requests.at(-1)?.request_id);

    const summary = err.summary();
    expect(summary).toMatch(/^PUT \/v2\/support\/routing\/carrier_sbcs: 400 validation error: /);
    expect(summary).toContain('ips.0 format');
    expect(summary).toContain('name required');
    expect(summary).toContain(`(request ${err.requestId?.slice(0, 8)}…)`);
    // Nothing was created.
    expect(Object.keys(sim.state.carrier_sbcs)).toHaveLength(3);
  });

  it('403: the master key on a super_master route', async () => {
    const { sim, client } = await startHarness();
    const c = client({ apiKey: MASTER_KEY });
    const err = await apiError(c.listCustomerClusters());
    expect(err.status).toBe(403);
    expect(err.apiCode).toBe('forbidden');
    expect(err.message).toContain('super_master');
    expect(err.path).toBe(CC_PATH);
    expect(err.requestId).toBe(sim.requests.at(-1)?.request_id);
    expect(err.message).toMatch(/requires auth level super_master/); // the server explains, so no guessed hint
    expect(err.hint).toBeUndefined();
    expect(err.summary()).toMatch(/^GET \/v2\/support\/routing\/customer_clusters: 403 forbidden: /);
    // Authenticated fine (once), just not allowed.
    expect(authRequests(sim)).toHaveLength(1);
  });

  it('404: an unknown id', async () => {
    const { sim, c } = await setup();
    const missing = 'fffffffffffffffffffffffffffffff0';
    const err = await apiError(c.getCarrierSbc(missing));
    expect(err.status).toBe(404);
    expect(err.apiCode).toBe('bad_identifier');
    expect(err.message).toBe('bad identifier');
    expect(err.details).toEqual({ message: 'bad identifier', cause: missing });
    expect(err.fieldErrors).toBeUndefined();
    expect(err.requestId).toBe(sim.requests.at(-1)?.request_id);
    expect(err.summary()).toBe(
      `GET ${SBC_PATH}/${missing}: 404 bad_identifier: bad identifier (request ${err.requestId?.slice(0, 8)}…)`,
    );
  });

  it('409: creating a customer cluster whose id exists', async () => {
    const { sim, c } = await setup();
    const id = SEED_IDS.customerClusters.hosted;
    const err = await apiError(c.createCustomerCluster(id, { name: 'Duplicate' }));
    expect(err.status).toBe(409);
    expect(err.apiCode).toBe('datastore_conflict');
    expect(err.message).toBe('conflicting documents');
    expect(err.earlierAttemptMayHaveApplied).toBe(false);
    expect(err.summary()).toContain(`PUT ${CC_PATH}/${id}: 409 datastore_conflict: conflicting documents`);
    expect(sim.state.customer_clusters[id]?.name).toBe('Kazoo Hosted');
  });

  it('the master cluster cannot be deleted', async () => {
    const { sim, c } = await setup();
    const master = SEED_IDS.clusters.master;
    const err = await apiError(c.deleteCluster(master));
    expect(err.status).toBe(403);
    expect(err.apiCode).toBe('forbidden');
    expect(err.message).toContain('master cluster');
    expect(err.path).toBe(`/v2/support/clusters/${master}`);
    expect(sim.state.clusters[master]).toBeDefined();
  });

  // crossbar: an unknown (well-formed) key is 404 "bad identifier" with the key echoed in data
  it('an unknown api key is an authentication failure, never a "not found", and never shows the key', async () => {
    const badKey = '9f8e7d6c'.repeat(8);
    const { sim, client } = await startHarness();
    const c = client({ apiKey: badKey });
    const auth = await authError(c.listCustomerClusters());
    expect(auth).not.toBeInstanceOf(KazooApiError);
    expect(auth.status).toBe(404);
    expect(auth.code).toBe('auth_failed');
    expect([auth.method, auth.path]).toEqual(['PUT', '/v2/api_auth']);
    expect(auth.message).toContain(`environment variable ${KEY_ENV}`);
    expect(auth.hint).toContain(`environment variable ${KEY_ENV}`);
    for (const text of [auth.message, auth.summary(), auth.hint ?? '', JSON.stringify(auth)]) {
      expect(text).not.toContain(badKey);
    }
    // One authentication attempt, and the API route was never called.
    expect(authRequests(sim)).toHaveLength(1);
    expect(apiRequests(sim)).toHaveLength(0);
  });

  it('a malformed api key (not 64 characters) is an authentication failure too (crossbar: 400)', async () => {
    const { client } = await startHarness();
    const err = await authError(client({ apiKey: 'short-key' }).listCarrierSbcs());
    expect(err.status).toBe(400);
  });

  it('a key revoked mid-run fails the next re-authentication as an auth error, not as a 404 of the route', async () => {
    const { sim, client } = await startHarness();
    const c = client();
    await c.getCarrierSbc(SEED_IDS.carrierSbcs.east);
    sim.faults.revokeKey(SUPER_KEY);
    sim.revokeTokens();
    const err = await authError(c.deleteCarrierSbc('f'.repeat(32)));
    expect(err.status).toBe(404);
    expect(err.path).toBe('/v2/api_auth');
  });
});

// ---------------------------------------------------------------------------------------
// Authentication

describe('authentication', () => {
  it('api-key auth: one token serves many calls, concurrent first calls included', async () => {
    const { sim, c } = await setup();
    const burst = await Promise.all([
      c.listCustomerClusters(),
      c.listCarrierSbcs(),
      c.listMediaServers(),
      c.getCustomerCluster(SEED_IDS.customerClusters.hosted),
    ]);
    expect(burst.map((r) => r.data !== undefined)).toEqual([true, true, true, true]);
    await c.getUsageAuditForMonth('201701');
    await c.getDeviceByMdn(SEED_NUMBERS.joe.mdn);

    expect(authRequests(sim).map((r) => r.path)).toEqual(['/v2/api_auth']);
    const api = apiRequests(sim);
    expect(api).toHaveLength(6);
    const tokens = new Set(api.map((r) => r.headers['x-auth-token']));
    expect(tokens.size).toBe(1);
    expect(api.every((r) => r.status === 200)).toBe(true);
  });

  it('user auth: md5 credentials and the account name get a token', async () => {
    const { sim, client } = await startHarness();
    const c = client({ user: SEED_USER });
    const res = await c.listCustomerClusters();
    expect(res.data).toHaveLength(2);
    await c.getUsageAudit({ month: '201610' });
    expect(authRequests(sim).map((r) => r.path)).toEqual(['/v2/user_auth']);
    expect(apiRequests(sim).every((r) => r.status === 200)).toBe(true);

    // The password really is checked.
    const wrong = client({ user: { ...SEED_USER, password: 'wrong-password' } });
    const err = await authError(wrong.listCustomerClusters());
    expect(err.status).toBe(401);
    expect(err.path).toBe('/v2/user_auth');
    expect(err.hint).toContain(SEED_USER.accountName);
    expect(err.summary()).not.toContain('wrong-password');
  });

  it('after the tokens are revoked, the next call re-authenticates once and succeeds', async () => {
    const { sim, c } = await setup();
    await c.listCustomerClusters();
    expect(authRequests(sim)).toHaveLength(1);
    const oldToken = sim.requests.at(-1)?.headers['x-auth-token'];

    sim.revokeTokens();
    const res = await c.getCustomerCluster(SEED_IDS.customerClusters.sandbox);
    expect(res.data.name).toBe('Kazoo Sandbox');
    expect(authRequests(sim)).toHaveLength(2);
    const tail = sim.requests.slice(-3);
    expect(tail.map((r) => [r.method, r.status])).toEqual([
      ['GET', 401],
      ['PUT', 201],
      ['GET', 200],
    ]);
    expect(tail[0]?.headers['x-auth-token']).toBe(oldToken);
    expect(tail[2]?.headers['x-auth-token']).not.toBe(oldToken);
    // Same logical request: the same X-Request-ID on both attempts.
    expect(tail[2]?.request_id).toBe(tail[0]?.request_id);

    // And the new token is kept for the calls after it.
    await c.listMediaServers();
    expect(authRequests(sim)).toHaveLength(2);
  });

  it('X-Kazoo-Cluster-ID reaches the server on every request when the target has a cluster id', async () => {
    const { sim, client } = await startHarness();
    const clusterId = SEED_IDS.clusters.sandbox;
    const c = client({ clusterId });
    await c.listCustomerClusters();
    await c.createCarrierSbc(newSbc());
    await apiError(c.getMediaServer('fffffffffffffffffffffffffffffff1'));
    expect(sim.requests).toHaveLength(4);
    expect(sim.requests.map((r) => r.cluster_id)).toEqual([clusterId, clusterId, clusterId, clusterId]);
  });

  it('no X-Kazoo-Cluster-ID is sent when the target has none', async () => {
    const { sim, c } = await setup();
    await c.listCustomerClusters();
    await c.createCarrierSbc(newSbc());
    expect(sim.requests).toHaveLength(3);
    for (const r of sim.requests) {
      expect(r.cluster_id).toBeUndefined();
      expect(r.headers).not.toHaveProperty('x-kazoo-cluster-id');
    }
  });
});

// ---------------------------------------------------------------------------------------
// Retries against injected faults

describe('retries', () => {
  it('a GET answered 503 once succeeds on the retry', async () => {
    const { sim, sleeps, c } = await setup();
    const path = `${CC_PATH}/${SEED_IDS.customerClusters.hosted}`;
    sim.faults.failNext({ method: 'GET', path }, { kind: 'status', status: 503 });
    const res = await c.getCustomerCluster(SEED_IDS.customerClusters.hosted);
    expect(res.data.name).toBe('Kazoo Hosted');
    const attempts = requestsTo(sim, 'GET', path);
    expect(attempts.map((r) => r.status)).toEqual([503, 200]);
    expect(attempts[0]?.fault).toBe('status');
    expect(attempts[1]?.request_id).toBe(attempts[0]?.request_id);
    expect(sleeps).toHaveLength(1);
    expect(sim.faults.pending).toBe(0);
  });

  it('an idempotent DELETE whose connection is reset is retried and succeeds', async () => {
    const { sim, c } = await setup();
    const id = SEED_IDS.customerClusters.sandbox;
    const path = `${CC_PATH}/${id}`;
    sim.faults.failNext({ method: 'DELETE', path }, { kind: 'reset' });
    const res = await c.deleteCustomerCluster(id);
    expect(res.data).toMatchObject({ id, name: 'Kazoo Sandbox' });
    const attempts = requestsTo(sim, 'DELETE', path);
    expect(attempts.map((r) => [r.status, r.fault])).toEqual([
      [0, 'reset'],
      [200, undefined],
    ]);
    expect(sim.state.customer_clusters[id]).toBeUndefined();
  });

  it('createCarrierSbc whose response is dropped throws OutcomeUnknownError and is not retried', async () => {
    const { sim, sleeps, c } = await setup();
    sim.faults.failNext({ method: 'PUT', path: SBC_PATH }, { kind: 'drop_response' });
    const error = await c.createCarrierSbc(newSbc('Dropped SBC')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    const err = error as OutcomeUnknownError;
    expect(err.code).toBe('outcome_unknown');
    expect(err.method).toBe('PUT');
    expect(err.path).toBe(SBC_PATH);
    expect(err.attempts).toBe(1);
    expect(err.hint).toMatch(/before retrying/);

    // Applied exactly once, sent exactly once, no back-off.
    const named = Object.values(sim.state.carrier_sbcs).filter((d) => d.name === 'Dropped SBC');
    expect(named).toHaveLength(1);
    const puts = requestsTo(sim, 'PUT', SBC_PATH);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.fault).toBe('drop_response');
    expect(sleeps).toEqual([]);
    // The listing shows it once.
    const listed = await c.listCarrierSbcs();
    expect(listed.data.filter((s) => s.name === 'Dropped SBC')).toHaveLength(1);
  });

  // crossbar: kz_buckets, 100 tokens refilled 10 a second, 35 for api_auth, no Retry-After
  it('without pacing, a burst against a rate-limited simulator waits out each 429 for a refill and completes', async () => {
    const h = await startHarness({ rateLimit: 100 });
    const c = h.client();
    const ids = [SEED_IDS.carrierSbcs.east, SEED_IDS.carrierSbcs.west, SEED_IDS.carrierSbcs.central];
    const burst = Array.from({ length: 90 }, (_, i) => ids[i % 3] ?? '');
    const results = await Promise.all(burst.map((id) => c.getCarrierSbc(id)));
    expect(results.map((r) => r.data.id)).toEqual(burst);
    const rejected = h.sim.requests.filter((r) => r.status === 429);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((r) => r.fault === undefined)).toBe(true);
    expect(c.rateLimitedResponses).toBe(rejected.length);
    // No Retry-After to go by: each wait after a 429 covers at least one refill block.
    const waits = h.sleeps.filter((ms) => ms > 0);
    expect(waits.length).toBeGreaterThan(0);
    for (const ms of waits) expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it('paced with the KAZOO bucket, 200 requests get no 429 and take about the refill time', async () => {
    const h = await startHarness({ rateLimit: 100 });
    const c = h.client({ options: { rateLimit: KAZOO_BUCKET } });
    const started = h.clock.ms;
    // One after the other: the harness clock moves by each sleep as it is asked for, so only
    // sequential waits keep it true (the concurrent case is rate-pacer.test.ts's, in virtual time).
    for (let i = 0; i < 200; i++) await c.getCarrierSbc(SEED_IDS.carrierSbcs.east);
    expect(h.sim.requests.filter((r) => r.status === 429)).toHaveLength(0);
    // 35 (auth) + 200 tokens from a bucket of 100 refilled 10/s: at least 13.5 s; the pacer
    // runs one refill block behind the bucket, so about a second more.
    const elapsed = h.clock.ms - started;
    expect(elapsed).toBeGreaterThanOrEqual(13_500);
    expect(elapsed).toBeLessThanOrEqual(13_500 * 1.2);
  });

  it('honours Retry-After when the server (or a proxy) sends it', async () => {
    const h = await startHarness({ rateLimit: 36, retryAfter: true });
    const c = h.client();
    await c.getCarrierSbc(SEED_IDS.carrierSbcs.east); // auth 35 + 1: empty
    await c.getCarrierSbc(SEED_IDS.carrierSbcs.east);
    const limited = h.sim.requests.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    expect(h.sleeps.some((ms) => ms >= 1000)).toBe(true);
  });

  it('gives up on a request after the rate-limit wait bound, and says so', async () => {
    const h = await startHarness({ rateLimit: 100 });
    h.sim.faults.failNext({ method: 'GET' }, { kind: 'status', status: 429 }, 1000);
    const c = h.client({ options: { maxRateLimitWaitMs: 10_000 } });
    const err = await apiError(c.getCarrierSbc(SEED_IDS.carrierSbcs.east));
    expect(err.status).toBe(429);
    expect(err.summary()).toMatch(/rate limited: gave up after waiting \d+s in all/);
  });

  it('pagination: a listing larger than the page size is fetched page by page, in order', async () => {
    const { sim, c } = await setup();
    const created = ['page-01', 'page-02', 'page-03', 'page-04', 'page-05', 'page-06', 'page-07'];
    for (const id of created) await c.createCustomerCluster(id, { name: `Cluster ${id}` });
    const expected = [SEED_IDS.customerClusters.hosted, SEED_IDS.customerClusters.sandbox, ...created];
    expect(Object.keys(sim.state.customer_clusters).sort()).toEqual(expected);

    const before = sim.requests.length;
    const res = await c.listCustomerClusters({ pageSize: 2 });
    expect(res.data.map((d) => d.id)).toEqual(expected);
    expect(res.data[2]).toEqual({ id: 'page-01', name: 'Cluster page-01' });
    expect(res.envelope.next_start_key).toBeUndefined();

    const pages = sim.requests.slice(before);
    expect(pages).toHaveLength(5);
    expect(pages.every((r) => r.method === 'GET' && r.path === CC_PATH && r.status === 200)).toBe(true);
    expect(pages.map((r) => r.query.page_size)).toEqual(['2', '2', '2', '2', '2']);
    // Each page after the first starts at the key the previous page handed out.
    expect(pages.map((r) => r.query.start_key)).toEqual([
      undefined,
      encodeStartKey(expected[2] ?? ''),
      encodeStartKey(expected[4] ?? ''),
      encodeStartKey(expected[6] ?? ''),
      encodeStartKey(expected[8] ?? ''),
    ]);
  });
});
