/**
 * Property: for any two valid desired states A and B, applying A and then B to a simulator
 * with no routing documents leaves exactly B live (every resource of B reads back equal by
 * the planner's own differ, no other routing document exists) and a plan with nothing to do.
 *
 * Each run uses a fresh simulator. States are drawn from small pools (keys, names, zones,
 * addresses), so A and B share keys (updates), drop keys (deletes, with references between
 * what is deleted and what stays) and add keys (creates, with new SBC/media-server cycles).
 * Every generated state is checked valid by the project's own validator first.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadSchemas } from '../../src/config/schemas.js';
import { resolveReferences, rulesFor } from '../../src/core/plan/build-plan.js';
import { diffDocument } from '../../src/core/plan/diff.js';
import type { Kind, TargetState } from '../../src/core/plan/types.js';
import { validateConfig } from '../../src/core/validate/index.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { readLive } from '../../src/reconcile/read-live.js';
import type { OneShotFault } from '../../src/sim/faults.js';
import {
  pending,
  planAgainst,
  reconcile,
  res,
  ROUTING,
  ROUTING_KINDS,
  simClient,
  startEmptyRoutingSim,
  type Doc,
} from './reconcile-harness.js';

// ---------------------------------------------------------------------------------------
// Pools

const CC_IDS = [
  'cc0000000000000000000000000000a1',
  'cc0000000000000000000000000000a2',
  'cc0000000000000000000000000000a3',
];
const MS_KEYS = ['ny2', 'ch2', 'sv4', 'dc1'];
const SBC_KEYS = ['sbc-1', 'sbc-2', 'sbc-3', 'sbc-4', 'sbc-5', 'sbc-6'];
const NAMES = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf', 'Hotel'];
/** Every media server lists every carrier (possibly empty): see "limits" below. */
const CARRIERS = ['sprint', 'att'];
const ZONES = ['east', 'central', 'west'] as const;
const STATES = ['NY', 'IL', 'CA'];
const CITIES = ['New York', 'Chicago', 'Santa Clara'];
/**
 * SBC addresses: each SBC takes its own from a shuffled pool, so no address has two owners.
 * IPv6 ones come in two spellings of one address, chosen at random: they must compare equal.
 */
const SBC_IPS: readonly (readonly string[])[] = [
  ['203.0.113.1'],
  ['203.0.113.2'],
  ['203.0.113.3'],
  ['203.0.113.4'],
  ['198.51.100.5'],
  ['198.51.100.6'],
  ['2001:db8::a', '2001:db8:0:0:0:0:0:a'],
  ['2001:db8::b', '2001:0db8::000b'],
  ['2001:db8::c', '2001:DB8::C'],
  ['2001:db8:1::d', '2001:db8:1:0:0:0:0:d'],
  ['192.0.2.11'],
  ['192.0.2.12'],
];
const MS_IPS = ['10.26.1.10', '10.26.1.11', '10.26.2.10', '10.26.2.11'];
const CC_IPS = ['192.0.2.50', '192.0.2.51', '192.0.2.52', '198.51.100.50'];

// ---------------------------------------------------------------------------------------
// Generators

const location = fc.record(
  {
    zone: fc.constantFrom(...ZONES),
    state: fc.constantFrom(...STATES),
    city: fc.constantFrom(...CITIES),
  },
  { requiredKeys: [] },
);

const ccDoc = (name: string) =>
  fc
    .record(
      {
        owner: fc.constantFrom('2600hz', 'Example Co'),
        ips: fc.record(
          {
            inbound: fc.record(
              { east: fc.subarray(CC_IPS), west: fc.subarray(CC_IPS) },
              { requiredKeys: [] },
            ),
            outbound: fc.record({ central: fc.subarray(CC_IPS) }, { requiredKeys: [] }),
          },
          { requiredKeys: [] },
        ),
        randomize_routing: fc.boolean(),
      },
      { requiredKeys: [] },
    )
    .map((rest): Doc => ({ name, ...rest }));

const msRest = fc.record(
  {
    location,
    interfaces: fc.record(
      {
        carrier_mpls: fc.record(
          { sprint: fc.constantFrom('sipinterface_sprint', 'sipinterface_sprint_mpls') },
          { requiredKeys: [] },
        ),
        authenticated_connection: fc.constantFrom('sipinterface_to_customer', 'sip_auth'),
      },
      { requiredKeys: [] },
    ),
    top_ips: fc.subarray(MS_IPS),
  },
  { requiredKeys: [] },
);

const sbcRest = fc.record(
  {
    location,
    call_directions: fc.subarray([
      { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
      { direction: 'from_pstn' },
      { direction: 'to_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=term' } },
    ]),
    number_formatting: fc.record(
      {
        from_pstn: fc.constant({ to_number: { pattern: '/^\\+?1?([0-9]{10})$/', replace: '+1$1' } }),
        to_mobile_device: fc.constant({ from_number: { pattern: '/^([0-9]+)$/', replace: '$1' } }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

/** One desired state, as config resources. */
const desiredState: fc.Arbitrary<LoadedResource[]> = fc
  .record({
    ccIds: fc.subarray(CC_IDS),
    msKeys: fc.subarray(MS_KEYS),
    sbcKeys: fc.subarray(SBC_KEYS),
    ccNames: fc.shuffledSubarray(NAMES, { minLength: NAMES.length }),
    msNames: fc.shuffledSubarray(NAMES, { minLength: NAMES.length }),
    sbcNames: fc.shuffledSubarray(NAMES, { minLength: NAMES.length }),
    ips: fc.shuffledSubarray([...SBC_IPS.keys()], { minLength: SBC_IPS.length }),
  })
  .chain(({ ccIds, msKeys, sbcKeys: drawn, ccNames, msNames, sbcNames, ips }) => {
    // SBCs always point at a media server of the same state: none without one.
    const sbcKeys = msKeys.length === 0 ? [] : drawn;
    const ccs = fc.tuple(...ccIds.map((id, i) => ccDoc(ccNames[i] as string)));
    const sbcs = fc.tuple(
      ...sbcKeys.map((key, i) =>
        fc
          .record({
            carrier: fc.constantFrom(...CARRIERS),
            media: fc.constantFrom(...msKeys),
            ipCount: fc.integer({ min: 0, max: 2 }),
            spelling: fc.nat(1),
            rest: sbcRest,
          })
          .map(({ carrier, media, ipCount, spelling, rest }) => {
            const addresses = ips
              .slice(2 * i, 2 * i + ipCount)
              .map((n) => SBC_IPS[n]?.[spelling] ?? SBC_IPS[n]?.[0] ?? '');
            return {
              key,
              doc: {
                name: sbcNames[i],
                carrier,
                ...rest,
                ips: addresses,
                mobile_media_server: media,
              },
            };
          }),
      ),
    );
    return fc.tuple(ccs, sbcs).chain(([ccDocs, sbcDocs]) => {
      const byCarrier = (carrier: string) =>
        sbcDocs.filter((s) => s.doc.carrier === carrier).map((s) => s.key);
      const mss = fc.tuple(
        ...msKeys.map((key, i) =>
          fc
            .record({
              rest: msRest,
              priority: fc.record(
                Object.fromEntries(CARRIERS.map((c) => [c, fc.shuffledSubarray(byCarrier(c))])),
              ),
            })
            .map(({ rest, priority }) => ({
              key,
              doc: { name: msNames[i], ...rest, carrier_sbc_priority: priority },
            })),
        ),
      );
      return mss.map((msDocs) => [
        ...ccIds.map((id, i) => res('customer_clusters', id, ccDocs[i] as Doc)),
        ...msDocs.map(({ key, doc }) => res('media_servers', key, doc)),
        ...sbcDocs.map(({ key, doc }) => res('carrier_sbcs', key, doc)),
      ]);
    });
  });

// ---------------------------------------------------------------------------------------
// Checks

let schemas: Record<string, object>;
beforeAll(async () => {
  schemas = await loadSchemas();
});

/**
 * The state as config files through the whole validator: no problem at all. Returns the
 * resources as the validator loaded them from the YAML text (what the CLI hands the planner).
 */
function validated(desired: readonly LoadedResource[]): LoadedResource[] {
  const files = [
    { path: 'targets.yaml', text: stringify({ targets: { local: { url: 'sim' } } }) },
    ...desired.map((r) => ({ path: `${r.kind}/${r.key}.yaml`, text: stringify(r.doc) })),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
  const result = validateConfig(files, schemas);
  expect(
    result.problems.map((p) => `${p.file}:${p.line} ${p.code} ${p.message}`),
    files.map((f) => `--- ${f.path}\n${f.text}`).join(''),
  ).toEqual([]);
  expect(result.resources).toHaveLength(desired.length);
  return result.resources;
}

/** Live equals `desired` exactly: each resource reads back equal, and nothing else exists. */
async function expectLiveEquals(
  client: ReturnType<typeof simClient>,
  desired: readonly LoadedResource[],
  state: TargetState,
): Promise<void> {
  const live = await readLive(client, { concurrency: 4 });
  for (const kind of ROUTING_KINDS) {
    expect(live.filter((d) => d.kind === kind).length, kind).toBe(
      desired.filter((r) => r.kind === kind).length,
    );
  }
  const idOf = (kind: Kind, key: string) => state.resources[`${kind}/${key}`]?.id;
  for (const r of desired) {
    if (r.kind === 'clusters') continue;
    const id = idOf(r.kind, r.key);
    expect(id, `${r.kind}/${r.key} in the state`).toBeDefined();
    const doc = live.find((d) => d.kind === r.kind && d.id === id)?.doc;
    expect(doc, `${r.kind}/${r.key} live`).toBeDefined();
    expect(
      diffDocument(resolveReferences(r.kind, r.doc, idOf), doc, rulesFor(r.kind)),
      `${r.kind}/${r.key}`,
    ).toEqual([]);
  }
}

/** Applies `desired` and checks the run fully succeeded and converged. */
async function applyAndCheck(
  client: ReturnType<typeof simClient>,
  desired: LoadedResource[],
  state: TargetState | undefined,
  concurrency: number,
): Promise<TargetState> {
  const { result } = await reconcile(client, desired, state, { concurrency });
  expect(result.steps.filter((s) => s.status !== 'done')).toEqual([]);
  expect(result.divergences).toEqual([]);
  await expectLiveEquals(client, desired, result.state);
  const { plan } = await planAgainst(client, desired, result.state);
  expect(pending(plan)).toEqual([]);
  expect(plan.unmanaged).toEqual([]);
  expect(Object.keys(result.state.resources).sort()).toEqual(desired.map((r) => `${r.kind}/${r.key}`).sort());
  return result.state;
}

/** Runs per property; raise it (KZOPS_PROPERTY_RUNS=500) to hunt, keep it small for CI. */
const RUNS = Number(process.env.KZOPS_PROPERTY_RUNS ?? 25);

const transition = fc.record({
  a: desiredState,
  b: desiredState,
  concurrency: fc.integer({ min: 1, max: 6 }),
});

async function runTransition({
  a: rawA,
  b: rawB,
  concurrency,
}: {
  a: LoadedResource[];
  b: LoadedResource[];
  concurrency: number;
}): Promise<void> {
  const a = validated(rawA);
  const b = validated(rawB);
  const sim = await startEmptyRoutingSim();
  const client = simClient(sim);
  try {
    const afterA = await applyAndCheck(client, a, undefined, concurrency);
    await applyAndCheck(client, b, afterA, concurrency);
  } finally {
    await client.close();
    await sim.close();
  }
}

/** One-shot faults on the writes of B's first run: which requests, and what happens to them. */
const FAULT_PATHS = ['customer_clusters', 'media_servers', 'carrier_sbcs'].map((k) => `${ROUTING}/${k}*`);
const faultArb = fc.record({
  method: fc.constantFrom('PUT', 'PATCH', 'DELETE'),
  path: fc.constantFrom(...FAULT_PATHS),
  fault: fc.constantFrom<OneShotFault>(
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'drop_response' },
    { kind: 'reset' },
  ),
  times: fc.integer({ min: 1, max: 2 }),
});

type Fault = typeof faultArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Apply A; apply B with faults armed (whatever it reports); apply B again without faults:
 * that run fully succeeds and converges, and nothing was created twice (exact counts).
 */
async function runFaultedTransition({
  a: rawA,
  b: rawB,
  concurrency,
  faults,
}: {
  a: LoadedResource[];
  b: LoadedResource[];
  concurrency: number;
  faults: Fault[];
}): Promise<void> {
  const a = validated(rawA);
  const b = validated(rawB);
  const sim = await startEmptyRoutingSim();
  const client = simClient(sim);
  try {
    const afterA = await applyAndCheck(client, a, undefined, concurrency);
    for (const f of faults) sim.faults.failNext({ method: f.method, path: f.path }, f.fault, f.times);
    const { result } = await reconcile(client, b, afterA, { concurrency });
    sim.faults.clear();
    await applyAndCheck(client, b, result.state, concurrency);
  } finally {
    await client.close();
    await sim.close();
  }
}

// ---------------------------------------------------------------------------------------
// Properties

describe('apply A, then B', () => {
  it('the generator makes valid, varied states', () => {
    const samples = fc.sample(desiredState, { numRuns: 200, seed: 42 });
    for (const s of samples.slice(0, 40)) validated(s);
    // Some states have every kind, some SBC lists are non-empty, some are empty.
    expect(samples.some((s) => ROUTING_KINDS.every((k) => s.some((r) => r.kind === k)))).toBe(true);
    expect(samples.some((s) => s.length === 0)).toBe(true);
    expect(
      samples.some((s) =>
        s.some(
          (r) =>
            r.kind === 'media_servers' &&
            Object.values(r.doc.carrier_sbc_priority as Record<string, string[]>).some((l) => l.length > 1),
        ),
      ),
    ).toBe(true);
  });

  it('leaves exactly B live and nothing to do', async () => {
    await fc.assert(fc.asyncProperty(transition, runTransition), { numRuns: RUNS });
  }, 60_000);

  it('after a run with failures, the next run converges without duplicates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          a: desiredState,
          b: desiredState,
          concurrency: fc.integer({ min: 1, max: 6 }),
          faults: fc.array(faultArb, { minLength: 1, maxLength: 3 }),
        }),
        runFaultedTransition,
      ),
      { numRuns: RUNS },
    );
  }, 60_000);
});
