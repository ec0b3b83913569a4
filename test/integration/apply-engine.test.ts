/**
 * The apply engine (schedule + executor) against a real in-process simulator: new
 * SBC/media-server cycles, delete ordering and blocked deletes, partial failure and a
 * converging second run, lost create responses, a lost state file, cluster documents and
 * their secrets, read-back divergences, and that a finished apply leaves nothing to do.
 *
 * Every test starts its own simulator with the default accounts and no routing documents
 * (cluster documents from the default seed stay: they cannot be listed anyway).
 */
import { targetRulesOf } from '../../src/core/policy/rules.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import type { ApiResult, CarrierSbc } from '../../src/api/types.js';
import type { Connection } from '../../src/services/connect.js';
import {
  clusterFingerprint,
  NOTE_ADOPTED,
  secretFingerprint,
  SENSITIVE,
  SENSITIVE_CHANGED,
} from '../../src/core/plan/build-plan.js';
import type { PlannedChange, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { applyPlan, type StepReport } from '../../src/reconcile/apply.js';
import { makePlan } from '../../src/services/make-plan.js';
import { writeState } from '../../src/reconcile/state-file.js';
import { isEncrypted } from '../../src/sim/secrets.js';
import { SEED_IDS } from '../../src/sim/seed.js';
import type { SimHandle } from '../../src/sim/server.js';
import {
  countNamed,
  idNamed,
  pending,
  planAgainst,
  reconcile,
  res,
  ROUTING,
  routingWrites,
  simAndClient,
  simDocs,
  stepLines,
  SUPER_KEY,
  TARGET,
  type Doc,
} from './reconcile-harness.js';

// ---------------------------------------------------------------------------------------
// Harness

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = (): Promise<{ sim: SimHandle; client: KazooClient }> => simAndClient(cleanups);

/** A client whose requests can be intercepted by overriding methods (see the tests). */
function clientFor(sim: SimHandle, Class: typeof KazooClient): KazooClient {
  const client = new Class(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SUPER_KEY }, TARGET), {
    maxAttempts: 2,
    baseDelayMs: 1,
    debug: false,
  });
  cleanups.push(() => client.close());
  return client;
}

const LOCATIONS = {
  east: { zone: 'east', state: 'NY', city: 'New York' },
  central: { zone: 'central', state: 'IL', city: 'Chicago' },
  west: { zone: 'west', state: 'CA', city: 'Santa Clara' },
} as const;

const ms = (
  name: string,
  priority: Record<string, string[]>,
  zone: keyof typeof LOCATIONS = 'east',
): Doc => ({
  name,
  location: { ...LOCATIONS[zone] },
  interfaces: {
    carrier_mpls: { sprint: 'sipinterface_sprint_mpls' },
    authenticated_connection: 'sipinterface_to_customer',
  },
  carrier_sbc_priority: priority,
  top_ips: ['10.26.1.10', '10.26.1.11'],
});

const sbc = (
  name: string,
  media: string | undefined,
  ip: string,
  zone: keyof typeof LOCATIONS = 'east',
  carrier = 'sprint',
): Doc => ({
  name,
  carrier,
  location: { ...LOCATIONS[zone] },
  ips: [ip],
  ...(media === undefined ? {} : { mobile_media_server: media }),
  call_directions: [
    { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
  ],
});

const CC_ID = 'cc0000000000000000000000000000c1';
const cc = (name: string): Doc => ({
  name,
  owner: '2600hz',
  ips: { inbound: { east: ['192.0.2.10'] }, outbound: { east: ['192.0.2.11'] } },
  randomize_routing: false,
});

/** NY2 listing sprint-west then sprint-east; both SBCs point at NY2. */
function pairConfig(): LoadedResource[] {
  return [
    res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: ['sprint-west', 'sprint-east'] })),
    res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    res('carrier_sbcs', 'sprint-west', sbc('Sprint West SBC', 'ny2', '203.0.113.20', 'west')),
  ];
}

/**
 * A client class that arms a one-shot 500 right before the first create of the SBC named
 * `name` goes out. Used with concurrency 1, so no other SBC create can be in flight to catch it.
 */
function failOnce(sim: SimHandle, name: string): typeof KazooClient {
  let armed = false;
  return class extends KazooClient {
    override createCarrierSbc(data: Parameters<KazooClient['createCarrierSbc']>[0]) {
      if (data.name === name && !armed) {
        armed = true;
        sim.faults.failNext(
          { method: 'PUT', path: `${ROUTING}/carrier_sbcs` },
          { kind: 'status', status: 500 },
        );
      }
      return super.createCarrierSbc(data);
    }
  };
}

function report(steps: readonly StepReport[], op: string, ref: string): StepReport {
  const found = steps.filter((s) => s.op === op && `${s.kind}/${s.key}` === ref);
  expect(found, `${op} ${ref} in ${JSON.stringify(steps)}`).toHaveLength(1);
  return found[0] as StepReport;
}

function change(changes: readonly PlannedChange[], ref: string): PlannedChange {
  const found = changes.filter((c) => `${c.kind}/${c.key}` === ref);
  expect(found).toHaveLength(1);
  return found[0] as PlannedChange;
}

function requestIndex(sim: SimHandle, method: string, path: string): number {
  return sim.requests.findIndex((r) => r.method === method && r.path === path);
}

/** Applies `desired` to an empty simulator and checks it fully succeeded. */
async function applied(
  client: KazooClient,
  desired: LoadedResource[],
  state?: TargetState,
): Promise<TargetState> {
  const { result } = await reconcile(client, desired, state);
  expect(result.steps.filter((s) => s.status !== 'done')).toEqual([]);
  expect(result.divergences).toEqual([]);
  return result.state;
}

async function expectConverged(
  client: KazooClient,
  desired: LoadedResource[],
  state: TargetState,
  secrets?: Record<string, Record<string, string>>,
) {
  const { plan } = await planAgainst(client, desired, state, secrets === undefined ? {} : { secrets });
  expect(pending(plan)).toEqual([]);
  expect(plan.summary.noop).toBe(desired.length);
}

// ---------------------------------------------------------------------------------------
// 1. Cycles

describe('a new media server and the new SBCs it lists (a reference cycle)', () => {
  it('creates all of them in one run, then links the priority list in the config order', async () => {
    const { sim, client } = await setup();
    const desired = pairConfig();
    const { plan, result } = await reconcile(client, desired, undefined);

    expect(pending(plan)).toEqual([
      'create carrier_sbcs/sprint-east',
      'create carrier_sbcs/sprint-west',
      'create media_servers/ny2',
    ]);
    expect(stepLines(result)).toEqual([
      'create carrier_sbcs/sprint-east done',
      'create carrier_sbcs/sprint-west done',
      'create media_servers/ny2 done',
      'link media_servers/ny2 done',
    ]);
    expect(result.divergences).toEqual([]);

    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    const westId = idNamed(sim, 'carrier_sbcs', 'Sprint West SBC');
    // The server's own view: real ids, in the config's order (west first), SBCs pointing back.
    const { data: nyLive } = await client.getMediaServer(nyId);
    expect(nyLive.carrier_sbc_priority).toEqual({ sprint: [westId, eastId] });
    expect(sim.state.carrier_sbcs[eastId]?.mobile_media_server).toBe(nyId);
    expect(sim.state.carrier_sbcs[westId]?.mobile_media_server).toBe(nyId);

    // The media server went first (without the SBCs), the SBCs next, the link last.
    const writes = routingWrites(sim);
    expect(writes).toEqual([
      `PUT ${ROUTING}/media_servers`,
      `PUT ${ROUTING}/carrier_sbcs`,
      `PUT ${ROUTING}/carrier_sbcs`,
      `PATCH ${ROUTING}/media_servers/${nyId}`,
    ]);

    expect(result.state.resources).toMatchObject({
      'media_servers/ny2': { id: nyId },
      'carrier_sbcs/sprint-east': { id: eastId },
      'carrier_sbcs/sprint-west': { id: westId },
    });
    await expectConverged(client, desired, result.state);
  });

  it('a new media server listing an existing SBC next to new ones keeps the existing one at create', async () => {
    const { sim, client } = await setup();
    // First: NY2 with sprint-east only.
    const first = [
      res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: ['sprint-east'] })),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    ];
    const state = await applied(client, first);
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');

    // Then: a new CH2 listing [sprint-central (new), sprint-east (existing)], and the new
    // sprint-central pointing at CH2.
    const desired = [
      ...first,
      res(
        'media_servers',
        'ch2',
        ms('CH2 Mobile Media Server', { sprint: ['sprint-central', 'sprint-east'] }, 'central'),
      ),
      res('carrier_sbcs', 'sprint-central', sbc('Sprint Central SBC', 'ch2', '203.0.113.30', 'central')),
    ];
    sim.requests.length = 0;
    const { result } = await reconcile(client, desired, state);
    expect(stepLines(result)).toEqual([
      'create carrier_sbcs/sprint-central done',
      'create media_servers/ch2 done',
      'link media_servers/ch2 done',
    ]);
    const chId = idNamed(sim, 'media_servers', 'CH2 Mobile Media Server');
    const centralId = idNamed(sim, 'carrier_sbcs', 'Sprint Central SBC');
    expect(sim.state.media_servers[chId]?.carrier_sbc_priority).toEqual({ sprint: [centralId, eastId] });
    await expectConverged(client, desired, result.state);
  });
});

// ---------------------------------------------------------------------------------------
// 2. Deletes and the references to what they delete

describe('deletes', () => {
  it('an SBC dropped from config and from its media server: the PATCH runs before the DELETE', async () => {
    const { sim, client } = await setup();
    const state = await applied(client, pairConfig());
    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    const westId = idNamed(sim, 'carrier_sbcs', 'Sprint West SBC');

    const desired = [
      res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: ['sprint-east'] })),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    ];
    sim.requests.length = 0;
    const { plan, result } = await reconcile(client, desired, state);
    expect(pending(plan)).toEqual(['delete carrier_sbcs/sprint-west', 'update media_servers/ny2']);
    expect(stepLines(result)).toEqual([
      'delete carrier_sbcs/sprint-west done',
      'update media_servers/ny2 done',
    ]);

    const patchAt = requestIndex(sim, 'PATCH', `${ROUTING}/media_servers/${nyId}`);
    const deleteAt = requestIndex(sim, 'DELETE', `${ROUTING}/carrier_sbcs/${westId}`);
    expect(patchAt).toBeGreaterThanOrEqual(0);
    expect(deleteAt).toBeGreaterThan(patchAt);
    expect(sim.requests[deleteAt]?.status).toBe(200);

    expect(sim.state.carrier_sbcs[westId]).toBeUndefined();
    expect(sim.state.media_servers[nyId]?.carrier_sbc_priority).toEqual({ sprint: [eastId] });
    expect(result.state.resources['carrier_sbcs/sprint-west']).toBeUndefined();
    await expectConverged(client, desired, result.state);
  });

  // Regression: a delete depends on steps the schedule adds after it (an `unlink`, or the
  // delete of a referrer later in plan order); the executor once read those steps' promises
  // before they existed and threw after the unlink PATCH had gone out.
  it('an SBC and the media server it points at, which lists it, go together (unlink first)', async () => {
    const { sim, client } = await setup();
    const sv4 = res('media_servers', 'sv4', ms('SV4 Mobile Media Server', { sprint: [] }, 'west'));
    const state = await applied(client, [...pairConfig(), sv4]);
    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    const westId = idNamed(sim, 'carrier_sbcs', 'Sprint West SBC');

    sim.requests.length = 0;
    const { plan, result } = await reconcile(client, [sv4], state);
    expect(pending(plan)).toEqual([
      'delete carrier_sbcs/sprint-east',
      'delete carrier_sbcs/sprint-west',
      'delete media_servers/ny2',
    ]);
    expect(stepLines(result)).toEqual([
      'delete carrier_sbcs/sprint-east done',
      'delete carrier_sbcs/sprint-west done',
      'delete media_servers/ny2 done',
      'unlink media_servers/ny2 done',
    ]);
    // unlink (PATCH NY2) → both SBC deletes → NY2's delete.
    const unlinkAt = requestIndex(sim, 'PATCH', `${ROUTING}/media_servers/${nyId}`);
    const eastAt = requestIndex(sim, 'DELETE', `${ROUTING}/carrier_sbcs/${eastId}`);
    const westAt = requestIndex(sim, 'DELETE', `${ROUTING}/carrier_sbcs/${westId}`);
    const nyAt = requestIndex(sim, 'DELETE', `${ROUTING}/media_servers/${nyId}`);
    expect(unlinkAt).toBeGreaterThanOrEqual(0);
    expect(Math.min(eastAt, westAt)).toBeGreaterThan(unlinkAt);
    expect(nyAt).toBeGreaterThan(Math.max(eastAt, westAt));
    // No request was refused on the way.
    expect(sim.requests.filter((r) => r.status >= 400)).toEqual([]);

    expect(simDocs(sim, 'carrier_sbcs')).toEqual([]);
    expect(simDocs(sim, 'media_servers').map((d) => d.doc.name)).toEqual(['SV4 Mobile Media Server']);
    expect(Object.keys(result.state.resources)).toEqual(['media_servers/sv4']);
    await expectConverged(client, [sv4], result.state);
  });

  // The same, in its most common form: a media server and an SBC pointing at it both leave
  // the config (the media server's delete waits for the SBC's, a later step).
  it('a media server and an SBC that points at it (not listed) are deleted together', async () => {
    const { sim, client } = await setup();
    const sv4 = res('media_servers', 'sv4', ms('SV4 Mobile Media Server', { sprint: [] }, 'west'));
    const state = await applied(client, [
      sv4,
      res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: [] })),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    ]);
    const { result } = await reconcile(client, [sv4], state);
    expect(stepLines(result)).toEqual([
      'delete carrier_sbcs/sprint-east done',
      'delete media_servers/ny2 done',
    ]);
    expect(simDocs(sim, 'carrier_sbcs')).toEqual([]);
    expect(simDocs(sim, 'media_servers')).toHaveLength(1);
  });

  it('a delete whose referrer stays (an unmanaged media server lists it) fails without a DELETE', async () => {
    const { sim, client } = await setup();
    const state = await applied(client, pairConfig());
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    const westId = idNamed(sim, 'carrier_sbcs', 'Sprint West SBC');
    // A media server kzops does not manage lists sprint-west.
    const { data: rogue } = await client.createMediaServer({
      name: 'Rogue Media Server',
      carrier_sbc_priority: { sprint: [westId] },
    });

    const desired = [
      res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: ['sprint-east'] })),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    ];
    sim.requests.length = 0;
    const { plan, result } = await reconcile(client, desired, state);
    expect(plan.unmanaged).toEqual([{ kind: 'media_servers', id: rogue.id, name: 'Rogue Media Server' }]);
    expect(report(result.steps, 'update', 'media_servers/ny2').status).toBe('done');
    const del = report(result.steps, 'delete', 'carrier_sbcs/sprint-west');
    expect(del.status).toBe('failed');
    expect(del.reason).toContain(`media_servers ${rogue.id}`);
    expect(del.reason).toMatch(/still referenced/);

    // Never sent; the SBC is still there and still remembered, so the next plan tries again.
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(sim.state.carrier_sbcs[westId]).toBeDefined();
    expect(result.state.resources['carrier_sbcs/sprint-west']).toEqual(
      expect.objectContaining({ id: westId }),
    );
    expect(sim.state.carrier_sbcs[eastId]).toBeDefined();
    const { plan: next } = await planAgainst(client, desired, result.state);
    expect(pending(next)).toEqual(['delete carrier_sbcs/sprint-west']);
  });

  it('a delete whose referrer is a managed media server with no change is blocked too', async () => {
    const { sim, client } = await setup();
    const state = await applied(client, [
      ...pairConfig(),
      res('carrier_sbcs', 'sprint-central', sbc('Sprint Central SBC', 'ny2', '203.0.113.30', 'central')),
      res('media_servers', 'ch2', ms('CH2 Mobile Media Server', { sprint: ['sprint-central'] }, 'central')),
    ]);
    // sprint-central leaves the config, and ch2's config stops mentioning carrier_sbc_priority
    // at all: kzops owns only what the config says, so ch2 is unchanged (noop) and keeps
    // listing sprint-central live.
    const centralId = idNamed(sim, 'carrier_sbcs', 'Sprint Central SBC');
    const desired = [
      ...pairConfig(),
      res('media_servers', 'ch2', { name: 'CH2 Mobile Media Server', location: LOCATIONS.central }),
    ];
    sim.requests.length = 0;
    const { plan, result } = await reconcile(client, desired, state);
    expect(pending(plan)).toEqual(['delete carrier_sbcs/sprint-central']);
    const del = report(result.steps, 'delete', 'carrier_sbcs/sprint-central');
    expect(del.status).toBe('failed');
    expect(del.reason).toBe('still referenced by media_servers/ch2, which stays');
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(sim.state.carrier_sbcs[centralId]).toBeDefined();
  });

  // Routing PATCHes merge recursively: a media server whose config rewrites one carrier's
  // list and does not mention another keeps that other list live. The schedule must see the
  // reference survive and fail the delete unsent (a real KAZOO would leave a dangling id).
  it('a referrer whose update keeps the reference in a list the config omits blocks the delete', async () => {
    const { sim, client } = await setup();
    const state = await applied(client, [
      res(
        'media_servers',
        'ny2',
        ms('NY2 Mobile Media Server', { sprint: ['sprint-east'], att: ['att-east'] }),
      ),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
      res('carrier_sbcs', 'att-east', sbc('ATT East SBC', 'ny2', '203.0.113.40', 'east', 'att')),
    ]);
    const attId = idNamed(sim, 'carrier_sbcs', 'ATT East SBC');
    // att-east leaves the config; NY2's config drops its sprint entry and no longer mentions att.
    const desired = [
      res('media_servers', 'ny2', ms('NY2 Mobile Media Server', { sprint: [] })),
      res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', 'ny2', '203.0.113.10')),
    ];
    sim.requests.length = 0;
    const { result } = await reconcile(client, desired, state);
    expect(report(result.steps, 'update', 'media_servers/ny2').status).toBe('done');
    // The att list is still there after the (recursive) PATCH.
    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    expect(sim.state.media_servers[nyId]?.carrier_sbc_priority).toEqual({ sprint: [], att: [attId] });
    const del = report(result.steps, 'delete', 'carrier_sbcs/att-east');
    expect(del.status).toBe('failed');
    // What the scheduler promises: such a delete is failed without a request.
    expect(sim.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 3. Partial failure

describe('partial failure', () => {
  it('a failed SBC create fails only what needs it; a second run converges without duplicates', async () => {
    const { sim } = await setup();
    const client = clientFor(sim, failOnce(sim, 'Sprint West SBC'));
    const desired = [...pairConfig(), res('customer_clusters', CC_ID, cc('Test Cluster'))];
    const { result } = await reconcile(client, desired, undefined, { concurrency: 1 });

    expect(stepLines(result)).toEqual([
      'create carrier_sbcs/sprint-east done',
      'create carrier_sbcs/sprint-west failed',
      'create customer_clusters/cc0000000000000000000000000000c1 done',
      'create media_servers/ny2 done',
      'link media_servers/ny2 skipped',
    ]);
    expect(report(result.steps, 'create', 'carrier_sbcs/sprint-west').reason).toMatch(/500/);
    expect(report(result.steps, 'link', 'media_servers/ny2').reason).toBe(
      'needs create carrier_sbcs/sprint-west, which failed',
    );
    expect(sim.faults.pending).toBe(0);
    expect(countNamed(sim, 'carrier_sbcs', 'Sprint West SBC')).toBe(0);
    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    // Created without the SBCs that were new, never linked.
    expect(sim.state.media_servers[nyId]?.carrier_sbc_priority).toEqual({ sprint: [] });
    // The state records exactly what exists.
    expect(Object.keys(result.state.resources).sort()).toEqual([
      'carrier_sbcs/sprint-east',
      `customer_clusters/${CC_ID}`,
      'media_servers/ny2',
    ]);

    // Second run: only what is left, and then nothing.
    const second = await reconcile(client, desired, result.state);
    expect(pending(second.plan)).toEqual(['create carrier_sbcs/sprint-west', 'update media_servers/ny2']);
    expect(stepLines(second.result)).toEqual([
      'create carrier_sbcs/sprint-west done',
      'update media_servers/ny2 done',
    ]);
    expect(second.result.divergences).toEqual([]);
    expect(countNamed(sim, 'carrier_sbcs', 'Sprint West SBC')).toBe(1);
    expect(countNamed(sim, 'carrier_sbcs', 'Sprint East SBC')).toBe(1);
    expect(simDocs(sim, 'carrier_sbcs')).toHaveLength(2);
    expect(simDocs(sim, 'media_servers')).toHaveLength(1);
    const westId = idNamed(sim, 'carrier_sbcs', 'Sprint West SBC');
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    expect(sim.state.media_servers[nyId]?.carrier_sbc_priority).toEqual({ sprint: [westId, eastId] });
    await expectConverged(client, desired, second.result.state);
  });

  // A media server created without the priority entries left for a `link` that was then
  // skipped is checked against what was written, not against the whole config.
  it('a skipped link is not reported as a read-back divergence', async () => {
    const { sim } = await setup();
    const client = clientFor(sim, failOnce(sim, 'Sprint West SBC'));
    const { result } = await reconcile(client, pairConfig(), undefined, { concurrency: 1 });
    expect(report(result.steps, 'link', 'media_servers/ny2').status).toBe('skipped');
    expect(JSON.stringify(result.divergences)).not.toContain('"ref"');
    expect(result.divergences).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 4. Lost responses

describe('lost create responses', () => {
  it('an SBC created but never answered is found by name and adopted in the same run', async () => {
    const { sim, client } = await setup();
    const desired = pairConfig().filter((r) => r.key !== 'sprint-west');
    (desired[0] as LoadedResource).doc = ms('NY2 Mobile Media Server', { sprint: ['sprint-east'] });
    sim.faults.failNext({ method: 'PUT', path: `${ROUTING}/carrier_sbcs` }, { kind: 'drop_response' });

    const { result } = await reconcile(client, desired, undefined);
    expect(sim.faults.pending).toBe(0);
    expect(sim.requests.some((r) => r.fault === 'drop_response')).toBe(true);
    expect(stepLines(result)).toEqual([
      'create carrier_sbcs/sprint-east done',
      'create media_servers/ny2 done',
      'link media_servers/ny2 done',
    ]);
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    const create = report(result.steps, 'create', 'carrier_sbcs/sprint-east');
    expect(create.note).toMatch(/lost/);
    expect(create.note).toMatch(/adopted/);
    expect(create.note).toContain(eastId);
    expect(create.id).toBe(eastId);
    // Sent once, created once.
    expect(
      sim.requests.filter((r) => r.method === 'PUT' && r.path === `${ROUTING}/carrier_sbcs`),
    ).toHaveLength(1);
    expect(countNamed(sim, 'carrier_sbcs', 'Sprint East SBC')).toBe(1);
    expect(result.state.resources['carrier_sbcs/sprint-east']?.id).toBe(eastId);
    // The link used the adopted id.
    const nyId = idNamed(sim, 'media_servers', 'NY2 Mobile Media Server');
    expect(sim.state.media_servers[nyId]?.carrier_sbc_priority).toEqual({ sprint: [eastId] });
    expect(result.divergences).toEqual([]);
    await expectConverged(client, desired, result.state);
  });

  it('a create lost before the server saw it fails (nothing to adopt) and the next run creates it once', async () => {
    const { sim, client } = await setup();
    const desired = [res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', undefined, '203.0.113.10'))];
    sim.faults.failNext({ method: 'PUT', path: `${ROUTING}/carrier_sbcs` }, { kind: 'reset' });

    const { result } = await reconcile(client, desired, undefined);
    const create = report(result.steps, 'create', 'carrier_sbcs/sprint-east');
    expect(create.status).toBe('failed');
    expect(create.reason).toMatch(/none was adopted/);
    expect(simDocs(sim, 'carrier_sbcs')).toEqual([]);
    expect(result.state.resources).toEqual({});

    const second = await reconcile(client, desired, result.state);
    expect(stepLines(second.result)).toEqual(['create carrier_sbcs/sprint-east done']);
    expect(countNamed(sim, 'carrier_sbcs', 'Sprint East SBC')).toBe(1);
    await expectConverged(client, desired, second.result.state);
  });

  // A create with a client-chosen id is retried after a lost response and gets a 409 with
  // `earlierAttemptMayHaveApplied`: the executor must look for it by id, not call it failed.
  it('a lost customer cluster create is found by its id', async () => {
    const { sim, client } = await setup();
    const desired = [res('customer_clusters', CC_ID, cc('Test Cluster'))];
    sim.faults.failNext(
      { method: 'PUT', path: `${ROUTING}/customer_clusters/${CC_ID}` },
      { kind: 'drop_response' },
    );
    const { result } = await reconcile(client, desired, undefined);
    const create = report(result.steps, 'create', `customer_clusters/${CC_ID}`);
    expect(create.status).toBe('done');
    expect(create.note).toMatch(/lost.*adopted/);
    expect(Object.keys(sim.state.customer_clusters)).toEqual([CC_ID]);
    await expectConverged(client, desired, result.state);
  });
});

describe('the state after a failed create', () => {
  // The plan knows a customer cluster's id (its key) before it exists: a failed create must
  // still leave no state entry.
  it('a customer cluster whose create failed gets no state entry', async () => {
    const { sim, client } = await setup();
    const desired = [res('customer_clusters', CC_ID, cc('Test Cluster'))];
    sim.faults.failNext(
      { method: 'PUT', path: `${ROUTING}/customer_clusters/${CC_ID}` },
      { kind: 'status', status: 500 },
    );
    const { result } = await reconcile(client, desired, undefined);
    expect(stepLines(result)).toEqual([`create customer_clusters/${CC_ID} failed`]);
    expect(sim.state.customer_clusters[CC_ID]).toBeUndefined();
    expect(result.state.resources).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------
// 5. Lost state file

describe('a lost state file', () => {
  it('the next plan adopts everything by name and its apply creates nothing', async () => {
    const { sim, client } = await setup();
    const desired = [...pairConfig(), res('customer_clusters', CC_ID, cc('Test Cluster'))];
    const state = await applied(client, desired);
    const before = {
      sbcs: simDocs(sim, 'carrier_sbcs').length,
      media: simDocs(sim, 'media_servers').length,
      ccs: simDocs(sim, 'customer_clusters').length,
    };
    expect(before).toEqual({ sbcs: 2, media: 1, ccs: 1 });

    const planned = await planAgainst(client, desired, undefined);
    expect(planned.plan.summary).toEqual({ create: 0, update: 0, replace: 0, delete: 0, noop: 4 });
    for (const ref of ['media_servers/ny2', 'carrier_sbcs/sprint-east', 'carrier_sbcs/sprint-west']) {
      const c = change(planned.plan.changes, ref);
      expect(c.notes).toContain(NOTE_ADOPTED);
      expect(c.id).toBe(state.resources[ref]?.id);
    }
    // Customer clusters are named by their id: found, not adopted.
    expect(change(planned.plan.changes, `customer_clusters/${CC_ID}`).notes).toEqual([]);
    expect(planned.plan.unmanaged).toEqual([]);
    // The adoptions are in the state the plan hands to apply.
    expect(planned.state.resources).toEqual({
      'carrier_sbcs/sprint-east': { id: state.resources['carrier_sbcs/sprint-east']?.id },
      'carrier_sbcs/sprint-west': { id: state.resources['carrier_sbcs/sprint-west']?.id },
      'media_servers/ny2': { id: state.resources['media_servers/ny2']?.id },
    });

    sim.requests.length = 0;
    const result = await applyPlan({
      client,
      plan: planned.plan,
      state: planned.state,
      desired,
      live: planned.live,
      secrets: {},
      concurrency: 4,
    });
    expect(result.steps).toEqual([]);
    expect(routingWrites(sim)).toEqual([]);
    expect({
      sbcs: simDocs(sim, 'carrier_sbcs').length,
      media: simDocs(sim, 'media_servers').length,
      ccs: simDocs(sim, 'customer_clusters').length,
    }).toEqual(before);
    // The state is rebuilt: the same ids as the lost one.
    for (const ref of Object.keys(state.resources)) {
      expect(result.state.resources[ref]?.id).toBe(state.resources[ref]?.id);
    }
    expect(Object.keys(result.state.resources).sort()).toEqual(Object.keys(state.resources).sort());
    await expectConverged(client, desired, result.state);
  });
});

// ---------------------------------------------------------------------------------------
// 6. Cluster documents

describe('cluster documents', () => {
  const CLUSTER_ID = 'c1a5000000000000000000000000000e';
  const clusterDoc = (url = 'https://c1.example.net:8443'): Doc => ({
    mvno_id: 'mvno_test',
    api_url: url,
    api_key: { env: 'X' },
    hosted_billing_account_id: SEED_IDS.accounts.master,
  });
  const secretsOf = (value: string) => ({ [`clusters/${CLUSTER_ID}`]: { api_key: value } });

  it('are created with the secret, fingerprinted, then noop; a new secret value is a replace', async () => {
    const { sim, client } = await setup();
    expect(sim.state.clusters[CLUSTER_ID]).toBeUndefined();
    const desired = [res('clusters', CLUSTER_ID, clusterDoc())];

    const first = await reconcile(client, desired, undefined, { secrets: secretsOf('secret-value-1') });
    expect(pending(first.plan)).toEqual([`create clusters/${CLUSTER_ID}`]);
    expect(stepLines(first.result)).toEqual([`create clusters/${CLUSTER_ID} done`]);
    const stored = sim.state.clusters[CLUSTER_ID];
    expect(stored?.mvno_id).toBe('mvno_test');
    const cipher1 = stored?.api_key as string;
    expect(isEncrypted(cipher1)).toBe(true);

    const state1 = first.result.state;
    expect(state1.hmac_key).toMatch(/^[0-9a-f]{64}$/);
    const hmacKey = state1.hmac_key as string;
    expect(state1.resources[`clusters/${CLUSTER_ID}`]).toEqual({
      id: CLUSTER_ID,
      fingerprint: clusterFingerprint(clusterDoc()),
      secrets: { api_key: secretFingerprint(hmacKey, 'secret-value-1') },
    });

    // Same config, same secret: nothing to do (the planner gets the state's HMAC key).
    await expectConverged(client, desired, state1, secretsOf('secret-value-1'));

    // A new secret value: replace (delete, then create), shown without values.
    sim.requests.length = 0;
    const second = await reconcile(client, desired, state1, { secrets: secretsOf('secret-value-2') });
    const replace = change(second.plan.changes, `clusters/${CLUSTER_ID}`);
    expect(replace.action).toBe('replace');
    expect(replace.fields.find((f) => f.path === 'api_key')).toEqual({
      path: 'api_key',
      before: SENSITIVE,
      after: SENSITIVE_CHANGED,
      sensitive: true,
    });
    expect(stepLines(second.result)).toEqual([
      `create clusters/${CLUSTER_ID} done`,
      `delete clusters/${CLUSTER_ID} done`,
    ]);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        `DELETE /v2/support/clusters/${CLUSTER_ID}`,
        `PUT /v2/support/clusters/${CLUSTER_ID}`,
      ]),
    );
    const cipher2 = sim.state.clusters[CLUSTER_ID]?.api_key as string;
    expect(isEncrypted(cipher2)).toBe(true);
    expect(cipher2).not.toBe(cipher1);
    const state2 = second.result.state;
    expect(state2.hmac_key).toBe(hmacKey);
    expect(state2.resources[`clusters/${CLUSTER_ID}`]?.secrets).toEqual({
      api_key: secretFingerprint(hmacKey, 'secret-value-2'),
    });
    await expectConverged(client, desired, state2, secretsOf('secret-value-2'));

    // A non-secret change is a replace too.
    const changed = [res('clusters', CLUSTER_ID, clusterDoc('https://c2.example.net:8443'))];
    const { plan: third } = await planAgainst(client, changed, state2, {
      secrets: secretsOf('secret-value-2'),
    });
    expect(pending(third)).toEqual([`replace clusters/${CLUSTER_ID}`]);

    // No secret value anywhere in what kzops shows or stores.
    for (const shown of [first.plan, first.result, second.plan, second.result, third]) {
      const text = JSON.stringify(shown);
      expect(text).not.toContain('secret-value-1');
      expect(text).not.toContain('secret-value-2');
    }
  });

  it('a cluster document the server already has (no state entry) is replaced on 409', async () => {
    const { sim, client } = await setup();
    const id = SEED_IDS.clusters.sandbox;
    const before = sim.state.clusters[id]?.api_key;
    expect(before).toBeDefined();
    const desired = [res('clusters', id, { ...clusterDoc(), mvno_id: 'sandbox_again' })];
    const secrets = { [`clusters/${id}`]: { api_key: 'secret-value-3' } };
    const { result } = await reconcile(client, desired, undefined, { secrets });
    const create = report(result.steps, 'create', `clusters/${id}`);
    expect(create.status).toBe('done');
    expect(create.note).toMatch(/existed/);
    expect(sim.state.clusters[id]?.mvno_id).toBe('sandbox_again');
    expect(sim.state.clusters[id]?.api_key).not.toBe(before);
    expect(JSON.stringify(result)).not.toContain('secret-value-3');
    await expectConverged(client, desired, result.state, secrets);
  });

  it('a failed create on the server (a fault) is reported without the secret', async () => {
    const { sim, client } = await setup();
    const desired = [res('clusters', CLUSTER_ID, clusterDoc())];
    sim.faults.failNext(
      { method: 'PUT', path: `/v2/support/clusters/${CLUSTER_ID}` },
      { kind: 'status', status: 500 },
    );
    const { result } = await reconcile(client, desired, undefined, { secrets: secretsOf('secret-value-1') });
    expect(stepLines(result)).toEqual([`create clusters/${CLUSTER_ID} failed`]);
    expect(result.state.resources).toEqual({});
    expect(JSON.stringify(result)).not.toContain('secret-value-1');
    expect(sim.state.clusters[CLUSTER_ID]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------
// 7. Read-back

describe('read-back', () => {
  it('reports a field that does not read back as written, by path with both values', async () => {
    const { sim } = await setup();
    class Tampering extends KazooClient {
      tamper = false;
      override async getCarrierSbc(id: string): Promise<ApiResult<CarrierSbc>> {
        const result = await super.getCarrierSbc(id);
        if (!this.tamper) return result;
        const data = structuredClone(result.data);
        data.location = { ...data.location, zone: data.location?.zone ?? 'east', city: 'Somewhere Else' };
        return { ...result, data };
      }
    }
    const client = clientFor(sim, Tampering) as Tampering;
    const desired = [res('carrier_sbcs', 'sprint-east', sbc('Sprint East SBC', undefined, '203.0.113.10'))];
    const planned = await planAgainst(client, desired, undefined);
    client.tamper = true;
    const result = await applyPlan({
      client,
      plan: planned.plan,
      state: planned.state,
      desired,
      live: planned.live,
      secrets: {},
      concurrency: 2,
    });
    const eastId = idNamed(sim, 'carrier_sbcs', 'Sprint East SBC');
    expect(stepLines(result)).toEqual(['create carrier_sbcs/sprint-east done']);
    expect(result.divergences).toEqual([
      {
        kind: 'carrier_sbcs',
        key: 'sprint-east',
        id: eastId,
        path: 'location.city',
        written: 'New York',
        read: 'Somewhere Else',
      },
    ]);
    // The state's fingerprint is of what was read back.
    expect(result.state.resources['carrier_sbcs/sprint-east']?.id).toBe(eastId);
  });
});

// ---------------------------------------------------------------------------------------
// 8. Nothing is done twice

describe('after a completed apply', () => {
  it('makePlan (state file, live, secrets as the CLI reads them) finds nothing to do', async () => {
    const { sim, client } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'kzops-apply-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const statePath = join(dir, 'state', `${TARGET}.json`);
    const conn: Connection = {
      client,
      label: 'sim',
      close: () => Promise.resolve(),
      policy: {
        name: TARGET,
        protect: [],
        maxChangePercent: undefined,
        masterClusterId: undefined,
        rules: targetRulesOf({}),
      },
      sim: false,
      statePath,
      workDir: dir,
    };
    const CLUSTER_ID = 'c1a5000000000000000000000000000f';
    const desired = [
      ...pairConfig(),
      res('customer_clusters', CC_ID, cc('Test Cluster')),
      res('clusters', CLUSTER_ID, {
        mvno_id: 'mvno_test',
        api_url: 'https://c1.example.net:8443',
        api_key: { env: 'KZOPS_TEST_CLUSTER_KEY' },
        hosted_billing_account_id: SEED_IDS.accounts.master,
      }),
    ];
    const env = { KZOPS_TEST_CLUSTER_KEY: 'secret-value-4' };

    const made = await makePlan(conn, desired, { concurrency: 4, env });
    expect(made.prior).toBeUndefined();
    expect(made.plan.summary.create).toBe(5);
    const result = await applyPlan({ ...made, client, desired, concurrency: 4 });
    expect(result.steps.filter((s) => s.status !== 'done')).toEqual([]);
    await writeState(statePath, result.state);

    const again = await makePlan(conn, desired, { concurrency: 4, env });
    expect(again.prior?.resources).toEqual(result.state.resources);
    expect(pending(again.plan)).toEqual([]);
    expect(again.plan.unmanaged).toEqual([]);

    // Carrying out that empty plan sends no write and changes no id.
    sim.requests.length = 0;
    const noop = await applyPlan({ ...again, client, desired, concurrency: 4 });
    expect(noop.steps).toEqual([]);
    expect(sim.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('_auth'))).toEqual([]);
    for (const [ref, entry] of Object.entries(result.state.resources)) {
      expect(noop.state.resources[ref]?.id).toBe(entry.id);
    }
    expect(JSON.stringify(noop)).not.toContain('secret-value-4');
    expect(JSON.stringify(again.plan)).not.toContain('secret-value-4');
  });
});
