/**
 * The apply engine against KAZOO's failure modes, on the real simulator: a create answered
 * 503 after it was saved (crossbar maps a datastore error after the save as before it), a key
 * revoked in the middle of a run, a rate-limited server, and a config that clears an object.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { OutcomeUnknownError } from '../../src/api/errors.js';
import { resolveTarget } from '../../src/api/target.js';
import type { ApiResult, Body, CarrierSbc } from '../../src/api/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { SEED_IDS } from '../../src/sim/seed.js';
import type { SimHandle, SimOptions } from '../../src/sim/server.js';
import {
  countNamed,
  pending,
  planAgainst,
  reconcile,
  res,
  ROUTING,
  simAndClient,
  stepLines,
  SUPER_KEY,
  TARGET,
  type Doc,
} from './reconcile-harness.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = (
  opts: Omit<SimOptions, 'port' | 'seed'> = {},
): Promise<{ sim: SimHandle; client: KazooClient }> => simAndClient(cleanups, opts);

const CC_ID = 'cc0000000000000000000000000000f1';
const CLUSTER_ID = 'c1a5000000000000000000000000fa01';

const location = { zone: 'east', state: 'NY', city: 'New York' };
const sbcDoc = (name: string, ip: string): Doc => ({ name, carrier: 'sprint', location, ips: [ip] });
const msDoc = (name: string): Doc => ({ name, location, top_ips: ['10.26.1.10'] });
const ccDoc = (name: string): Doc => ({
  name,
  owner: '2600hz',
  ips: { inbound: { east: ['192.0.2.10'] }, outbound: { east: ['192.0.2.11'] } },
});
const clusterDoc = (): Doc => ({
  mvno_id: 'mvno_faults',
  api_url: 'https://c1.example.net:8443',
  api_key: { env: 'X' },
  hosted_billing_account_id: SEED_IDS.accounts.master,
});

async function expectConverged(
  client: KazooClient,
  desired: LoadedResource[],
  state: Parameters<typeof planAgainst>[2],
  opts = {},
): Promise<void> {
  const again = await planAgainst(client, desired, state, opts);
  expect(pending(again.plan)).toEqual([]);
}

describe('a create answered 503 after the server saved it', () => {
  const cases: {
    kind: string;
    desired: LoadedResource;
    method: string;
    path: string;
    count: (sim: SimHandle) => number;
  }[] = [
    {
      kind: 'customer cluster (PUT with its id: retried, meets 409, read back and compared)',
      desired: res('customer_clusters', CC_ID, ccDoc('Faults Cluster')),
      method: 'PUT',
      path: `${ROUTING}/customer_clusters/${CC_ID}`,
      count: (sim) => Object.keys(sim.state.customer_clusters).length,
    },
    {
      kind: 'carrier SBC (PUT on the collection: not resent, found by name and compared)',
      desired: res('carrier_sbcs', 'sprint-east', sbcDoc('Faults East SBC', '203.0.113.40')),
      method: 'PUT',
      path: `${ROUTING}/carrier_sbcs`,
      count: (sim) => countNamed(sim, 'carrier_sbcs', 'Faults East SBC'),
    },
    {
      kind: 'media server (PUT on the collection: not resent, found by name and compared)',
      desired: res('media_servers', 'ny9', msDoc('Faults NY9 Media Server')),
      method: 'PUT',
      path: `${ROUTING}/media_servers`,
      count: (sim) => countNamed(sim, 'media_servers', 'Faults NY9 Media Server'),
    },
  ];

  it.each(cases)(
    '$kind: done, adopted, one document, converged',
    async ({ desired, method, path, count }) => {
      const { sim, client } = await setup();
      sim.faults.failNext({ method, path }, { kind: 'commit_then_status', status: 503 });
      const { result } = await reconcile(client, [desired], undefined);
      expect(sim.requests.some((r) => r.fault === 'commit_then_status')).toBe(true);
      const create = result.steps.find((s) => s.op === 'create');
      expect(create?.status, create?.reason).toBe('done');
      expect(create?.note).toMatch(/lost.*adopted/);
      expect(count(sim)).toBe(1);
      expect(result.divergences).toEqual([]);
      expect(result.state.resources[`${desired.kind}/${desired.key}`]?.id).toBeDefined();
      await expectConverged(client, [desired], result.state);
    },
  );

  it('cluster document (PUT with its id, no read route): the 409 after the lost answer is its own', async () => {
    const { sim, client } = await setup();
    const desired = [res('clusters', CLUSTER_ID, clusterDoc())];
    const secrets = { [`clusters/${CLUSTER_ID}`]: { api_key: 'faults-secret-value' } };
    sim.faults.failNext(
      { method: 'PUT', path: `/v2/support/clusters/${CLUSTER_ID}` },
      { kind: 'commit_then_status', status: 503 },
    );
    const { result } = await reconcile(client, desired, undefined, { secrets });
    const create = result.steps.find((s) => s.op === 'create');
    expect(create?.status, create?.reason).toBe('done');
    expect(create?.note).toMatch(/first answer was lost.*409/);
    // Not deleted and written again: one PUT saved, one retry answered 409, no DELETE.
    const writes = sim.requests.filter((r) => r.path === `/v2/support/clusters/${CLUSTER_ID}`);
    expect(writes.map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 503', 'PUT 409']);
    expect(sim.state.clusters[CLUSTER_ID]?.mvno_id).toBe('mvno_faults');
    expect(result.state.resources[`clusters/${CLUSTER_ID}`]).toBeDefined();
    await expectConverged(client, desired, result.state, { secrets });
  });

  it('a lost create whose namesake holds other content is not adopted, and says why', async () => {
    const { sim } = await setup();
    // The create is saved with other content than was sent (another writer got there), and
    // its answer is lost: the name matches, the content does not.
    class Racing extends KazooClient {
      override async createCarrierSbc(data: Body<CarrierSbc>): Promise<ApiResult<CarrierSbc>> {
        const saved = await super.createCarrierSbc({ ...data, ips: ['198.51.100.99'] });
        throw new OutcomeUnknownError({
          method: 'PUT',
          path: `${ROUTING}/carrier_sbcs`,
          attempts: 1,
          reason: 'the server answered 503 (test)',
          requestId: saved.requestId,
        });
      }
    }
    const client = new Racing(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SUPER_KEY }, TARGET), {
      maxAttempts: 2,
      baseDelayMs: 1,
      debug: false,
    });
    cleanups.push(() => client.close());
    const desired = [res('carrier_sbcs', 'sprint-east', sbcDoc('Racing East SBC', '203.0.113.41'))];
    const { result } = await reconcile(client, desired, undefined);
    const create = result.steps.find((s) => s.op === 'create');
    expect(create?.status).toBe('failed');
    expect(create?.reason).toMatch(/exists but differs from what was sent \(ips\): not adopted/);
    expect(result.state.resources['carrier_sbcs/sprint-east']).toBeUndefined();
  });
});

describe('a key revoked during an apply', () => {
  it('stops the run: nothing reported done that was not, the delete not done, the state still holds it', async () => {
    const { sim, client } = await setup();
    const keep = res('carrier_sbcs', 'sprint-east', sbcDoc('Revoke East SBC', '203.0.113.50'));
    const gone = res('carrier_sbcs', 'sprint-west', sbcDoc('Revoke West SBC', '203.0.113.51'));
    const first = await reconcile(client, [keep, gone], undefined);
    expect(stepLines(first.result)).toEqual([
      'create carrier_sbcs/sprint-east done',
      'create carrier_sbcs/sprint-west done',
    ]);
    const westId = first.result.state.resources['carrier_sbcs/sprint-west']?.id ?? '';

    // The next run deletes sprint-west and creates two more; the key is revoked after planning.
    const more = [
      keep,
      res('carrier_sbcs', 'sprint-north', sbcDoc('Revoke North SBC', '203.0.113.52')),
      res('carrier_sbcs', 'sprint-south', sbcDoc('Revoke South SBC', '203.0.113.53')),
    ];
    const planned = await planAgainst(client, more, first.result.state);
    expect(pending(planned.plan)).toEqual([
      'create carrier_sbcs/sprint-north',
      'create carrier_sbcs/sprint-south',
      'delete carrier_sbcs/sprint-west',
    ]);
    sim.faults.revokeKey(SUPER_KEY);
    sim.revokeTokens();
    const { applyPlan } = await import('../../src/reconcile/apply.js');
    const result = await applyPlan({
      client,
      plan: planned.plan,
      state: planned.state,
      desired: more,
      live: planned.live,
      secrets: {},
      concurrency: 1,
    });
    expect(result.halted?.code).toBe('auth_failed');
    expect(result.halted?.status).toBe(404); // crossbar's "bad identifier" for the unknown key
    expect(result.steps.filter((s) => s.status === 'done')).toEqual([]);
    const del = result.steps.find((s) => s.op === 'delete');
    expect(del?.status).not.toBe('done');
    expect(del?.reason ?? '').not.toMatch(/already gone/);
    expect(
      result.steps.some((s) => s.status === 'skipped' && /not started: authentication/.test(s.reason ?? '')),
    ).toBe(true);
    // The state is honest: sprint-west still exists live, and the state still holds it.
    expect(sim.state.carrier_sbcs[westId]).toBeDefined();
    expect(result.state.resources['carrier_sbcs/sprint-west']?.id).toBe(westId);
    expect(JSON.stringify(result)).not.toContain(SUPER_KEY);
  });
});

describe('a rate-limited server', () => {
  // A small bucket keeps the test short: 20 tokens refilled 2 a second, 5 per authentication.
  // Ten SBCs take 5 + 3 listings + 10 creates + 10 read-backs = 28 tokens: more than the bucket.
  const desired = Array.from({ length: 10 }, (_, i) =>
    res('carrier_sbcs', `paced-${i}`, sbcDoc(`Paced SBC ${i}`, `203.0.113.${60 + i}`)),
  );
  const bucket = { tokens: 20, perSecond: 2, authCost: 5 };

  async function rateLimited(rateLimit: typeof bucket | false) {
    const { sim } = await setup({ rateLimit: 20, authCost: 5 });
    const client = new KazooClient(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SUPER_KEY }, TARGET), {
      debug: false,
      rateLimit,
    });
    cleanups.push(() => client.close());
    const { result } = await reconcile(client, desired, undefined, { concurrency: 4 });
    return { sim, client, result };
  }

  it('an apply paced to the bucket finishes with no failed step and no 429', async () => {
    const { sim, client, result } = await rateLimited(bucket);
    expect(result.steps.every((s) => s.status === 'done')).toBe(true);
    expect(result.divergences).toEqual([]);
    expect(sim.requests.filter((r) => r.status === 429)).toEqual([]);
    expect(client.rateLimitedResponses).toBe(0);
  });

  it('unpaced, the same apply meets 429s (no Retry-After), waits them out, and still finishes', async () => {
    const { sim, client, result } = await rateLimited(false);
    expect(result.steps.every((s) => s.status === 'done')).toBe(true);
    const limited = sim.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(client.rateLimitedResponses).toBe(limited.length);
  });
});

describe('a config that clears an object with {}', () => {
  it('is one PATCH, then an empty plan', async () => {
    const { sim, client } = await setup();
    const full = res('customer_clusters', CC_ID, ccDoc('Clearing Cluster'));
    const first = await reconcile(client, [full], undefined);
    expect(stepLines(first.result)).toEqual([`create customer_clusters/${CC_ID} done`]);

    const cleared = res('customer_clusters', CC_ID, { ...ccDoc('Clearing Cluster'), ips: {} });
    const before = sim.requests.length;
    const second = await reconcile(client, [cleared], first.result.state);
    expect(pending(second.plan)).toEqual([`update customer_clusters/${CC_ID}`]);
    const patches = sim.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(sim.state.customer_clusters[CC_ID]?.ips).toEqual({});
    expect(second.result.divergences).toEqual([]);
    await expectConverged(client, [cleared], second.result.state);
  });
});
