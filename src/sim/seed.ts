/**
 * The simulator's seed: the initial state written in public form (YAML or JSON), checked
 * against `schemas/sim-seed.schema.json`, then turned into stored documents with ids,
 * revisions and private fields.
 *
 * `defaultSeed()` is the reference's example objects made concrete, so every route has
 * something to act on out of the box; its ids are exported as `SEED_IDS` so docs and tests
 * can name them.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Schema } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { KIND_TABLE, RESOURCE_KINDS, isRoutingKind } from '../core/model/kinds.js';
import { SimError, SimInputError, type FieldErrors } from './errors.js';
import {
  emptyState,
  nextRev,
  toGregorianSeconds,
  type Account,
  type ApiKeyRecord,
  type CarrierSubscription,
  type Doc,
  type JsonObject,
  type SimState,
  type UsageRecord,
  type UserRecord,
} from './model.js';
import { SIM_API_KEYS } from './keys.js';
import { encryptSecret } from './secrets.js';
import { compileValidator, type Validator } from './validate.js';

/** `pvt_type` of each kind of stored document. */
export const DOC_TYPES = {
  subscription: 'subscription',
  device: 'device',
  port: 'port_request',
  customerCluster: KIND_TABLE.customer_clusters.singular,
  carrierSbc: KIND_TABLE.carrier_sbcs.singular,
  mediaServer: KIND_TABLE.media_servers.singular,
  cluster: KIND_TABLE.clusters.singular,
} as const;

/** Fixed ids in the default seed. All are 32 lowercase hex characters, as KAZOO ids are. */
export const SEED_IDS = {
  accounts: {
    /** "Sim Master Account": owns both seeded API keys and the seeded user. */
    master: 'acc00000000000000000000000000001',
    /** The first account of the reference's audit example; holds Joe's device. */
    joe: '0123456789abcdef0123456789abcdef',
    /** The second account of the reference's audit example; holds the tethering subscription. */
    hotspot: 'fedcba9876543210fedcba9876543210',
  },
  subscriptions: {
    joe: '50b5c000000000000000000000000001',
    hotspot: '50b5c000000000000000000000000002',
  },
  devices: {
    joe: 'de71ce00000000000000000000000001',
    hotspot: 'de71ce00000000000000000000000002',
  },
  ports: {
    joe: 'b0470000000000000000000000000001',
  },
  customerClusters: {
    hosted: '8a901bea1d3297ef7d4c8d34809472c2',
    sandbox: 'aa2b36ac6a5edb290159cd1298283322',
  },
  carrierSbcs: {
    east: '5bc00000000000000000000000000001',
    west: '5bc00000000000000000000000000002',
    central: '5bc00000000000000000000000000003',
  },
  mediaServers: {
    east: 'ed1a0000000000000000000000000001',
    west: 'ed1a0000000000000000000000000002',
    central: 'ed1a0000000000000000000000000003',
  },
  clusters: {
    master: '8a901bea1d3297ef7d4c8d34809472c2',
    sandbox: 'aa2b36ac6a5edb290159cd1298283322',
  },
  /** An account id that usage records name but no account has: its numbers are unknown numbers. */
  missingAccount: 'deadbeefdeadbeefdeadbeefdeadbeef',
} as const;

/** Numbers in the default seed's carrier records. */
export const SEED_NUMBERS = {
  joe: { mdn: '+15550001111', esn: '270113180000001111', sim: '89011200000000001111' },
  hotspot: { mdn: '+14157487153', esn: '270113180000007153' },
  /** At the carrier, not yet in TOP: has mdn, esn and sim (import by mdn). */
  pendingByMdn: { mdn: '+15550004441', esn: '270113180000004441', sim: '89011200000000004441' },
  /** At the carrier, not yet in TOP: a device with a number but no SIM on record (import by esn). */
  pendingByEsn: { mdn: '+15550004442', esn: '270113180000004442' },
  /** At the carrier, not yet in TOP: a data-only SIM without a device (import by sim; no device is made). */
  pendingBySim: { mdn: '+15550004443', sim: '89011200000000004443' },
} as const;

// ---------------------------------------------------------------------------------------
// The seed's shape once the schema has accepted it.

interface SeedDoc extends JsonObject {
  id: string;
}

interface SeedTopDoc extends SeedDoc {
  account_id: string;
}

interface SeedCarrierSubscription extends Partial<Omit<CarrierSubscription, 'carrier' | 'plan'>> {
  carrier: string;
  plan: string;
}

interface SeedCluster {
  id: string;
  mvno_id: string;
  api_url: string;
  api_key: string;
  hosted_billing_account_id: string;
  master?: boolean;
}

interface Seed {
  api_keys?: ApiKeyRecord[];
  users?: UserRecord[];
  accounts?: Account[];
  carrier_subscriptions?: SeedCarrierSubscription[];
  subscriptions?: SeedTopDoc[];
  devices?: SeedTopDoc[];
  ports?: SeedTopDoc[];
  usage?: UsageRecord[];
  customer_clusters?: SeedDoc[];
  carrier_sbcs?: SeedDoc[];
  media_servers?: SeedDoc[];
  clusters?: SeedCluster[];
}

// ---------------------------------------------------------------------------------------
// Validation

// The schema sits at the package root; this module runs from src/sim (vitest) or dist/sim
// (built), both two levels down, so one relative URL serves both. It is read rather than
// imported because the build's rootDir is src/.
const SCHEMA_URL = new URL('../../schemas/sim-seed.schema.json', import.meta.url);

let seedValidator: Validator | undefined;

function schemaValidator(): Validator {
  seedValidator ??= compileValidator(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Schema);
  return seedValidator;
}

interface Problem {
  path: string;
  message: string;
}

function describeRule(rule: string, message: string): string {
  if (rule === 'false schema') return 'private fields (_*, pvt_*) are not allowed in a seed';
  return message;
}

function schemaProblems(seed: unknown): Problem[] {
  try {
    schemaValidator()(seed);
    return [];
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    const fields = e.data as FieldErrors;
    return Object.entries(fields).flatMap(([path, rules]) =>
      Object.entries(rules).map(([rule, detail]) => ({
        path: path || '(root)',
        message: describeRule(rule, typeof detail.message === 'string' ? detail.message : rule),
      })),
    );
  }
}

/** Problems the schema cannot see: duplicates and references between collections. */
function referenceProblems(seed: Seed): Problem[] {
  const problems: Problem[] = [];
  const accountIds = new Set((seed.accounts ?? []).map((a) => a.id));
  const accountNames = new Set((seed.accounts ?? []).map((a) => a.name));

  const unique = <T>(name: string, items: T[] | undefined, field: string, key: (item: T) => unknown) => {
    const seen = new Set<unknown>();
    (items ?? []).forEach((item, i) => {
      const value = key(item);
      if (value === null || value === undefined) return;
      if (seen.has(value)) problems.push({ path: `${name}.${i}.${field}`, message: `duplicate ${field}` });
      seen.add(value);
    });
  };
  const knownAccount = <T extends { account_id: string }>(name: string, items: T[] | undefined) => {
    (items ?? []).forEach((item, i) => {
      if (!accountIds.has(item.account_id)) {
        problems.push({ path: `${name}.${i}.account_id`, message: `no seeded account ${item.account_id}` });
      }
    });
  };

  unique('accounts', seed.accounts, 'id', (a) => a.id);
  unique('api_keys', seed.api_keys, 'api_key', (k) => k.api_key);
  unique('users', seed.users, 'username', (u) => u.username);
  for (const name of ['subscriptions', 'devices', 'ports'] as const) {
    unique(name, seed[name], 'id', (d) => d.id);
    knownAccount(name, seed[name]);
  }
  const otherDocs: [string, { id: string }[] | undefined][] = RESOURCE_KINDS.map((kind) => [
    kind,
    seed[kind],
  ]);
  for (const [name, docs] of otherDocs) unique(name, docs, 'id', (d) => d.id);
  // A number, device or SIM is one carrier subscription; two would make lookups ambiguous.
  for (const field of ['esn', 'mdn', 'sim'] as const) {
    unique('carrier_subscriptions', seed.carrier_subscriptions, field, (c) => c[field]);
  }
  knownAccount('api_keys', seed.api_keys);
  (seed.users ?? []).forEach((u, i) => {
    if (!accountNames.has(u.account_name)) {
      problems.push({
        path: `users.${i}.account_name`,
        message: `no seeded account named ${u.account_name}`,
      });
    }
  });
  let masters = 0;
  (seed.clusters ?? []).forEach((c, i) => {
    if (c.master === true && ++masters > 1) {
      problems.push({ path: `clusters.${i}.master`, message: 'only one cluster may be the master' });
    }
  });
  return problems;
}

function validSeed(seed: unknown, source: string): Seed {
  let problems = schemaProblems(seed);
  if (problems.length === 0) problems = referenceProblems(seed as Seed);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new SimInputError(`${source}: invalid seed: ${list}`);
  }
  return seed as Seed;
}

// ---------------------------------------------------------------------------------------
// Building the state

/** A stored document: the public fields as given, then the simulator's private ones. */
function storedDoc(
  id: string,
  type: string,
  now: number,
  fields: JsonObject,
  privateFields: JsonObject = {},
): Doc {
  return {
    ...structuredClone(fields),
    ...privateFields,
    pvt_type: type,
    pvt_created: now,
    pvt_modified: now,
    _id: id,
    _rev: nextRev(),
  };
}

/** The fields of a seed entry minus the keys the seed uses to describe, not to store. */
function without(doc: JsonObject, ...keys: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(doc)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function topDoc(seedDoc: SeedTopDoc, type: string, now: number): Doc {
  return storedDoc(seedDoc.id, type, now, without(seedDoc, 'id', 'account_id'), {
    pvt_account_id: seedDoc.account_id,
  });
}

function subscriptionDoc(seedDoc: SeedTopDoc, now: number): Doc {
  const fields = without(seedDoc, 'id', 'account_id', 'carrier_name', 'cluster_id');
  const privateFields: JsonObject = {
    pvt_account_id: seedDoc.account_id,
    pvt_carrier_name: seedDoc.carrier_name ?? null,
  };
  if (typeof seedDoc.cluster_id === 'string') privateFields.pvt_cluster_id = seedDoc.cluster_id;
  return storedDoc(seedDoc.id, DOC_TYPES.subscription, now, fields, privateFields);
}

function carrierRecord(c: SeedCarrierSubscription, now: number): CarrierSubscription {
  const record: CarrierSubscription = {
    carrier: c.carrier,
    esn: c.esn ?? null,
    mdn: c.mdn ?? null,
    sim: c.sim ?? null,
    imsi: c.imsi ?? null,
    plan: c.plan,
    features: [...(c.features ?? [])],
    carrier_data: structuredClone(c.carrier_data ?? {}),
    activation_date: c.activation_date ?? now,
    suspended: c.suspended ?? false,
  };
  if (c.model) record.model = structuredClone(c.model);
  return record;
}

function byId(docs: Doc[]): Record<string, Doc> {
  return Object.fromEntries(docs.map((d) => [d._id, d]));
}

/**
 * Validates a seed and builds the simulator state from it. Throws an Error naming `source`
 * (e.g. the seed file's path) and every failing field path.
 */
export function stateFromSeed(seed: unknown, source: string): SimState {
  const valid = validSeed(seed, source);
  const state = emptyState();
  const now = toGregorianSeconds(Date.now());

  state.api_keys = structuredClone(valid.api_keys ?? []);
  state.users = structuredClone(valid.users ?? []);
  state.accounts = structuredClone(valid.accounts ?? []);
  state.usage = structuredClone(valid.usage ?? []);
  state.carrier_subscriptions = (valid.carrier_subscriptions ?? []).map((c) => carrierRecord(c, now));
  state.subscriptions = byId((valid.subscriptions ?? []).map((s) => subscriptionDoc(s, now)));
  state.devices = byId((valid.devices ?? []).map((d) => topDoc(d, DOC_TYPES.device, now)));
  state.ports = byId((valid.ports ?? []).map((p) => topDoc(p, DOC_TYPES.port, now)));
  // The routing collections: one per routing kind of the kinds table.
  for (const kind of RESOURCE_KINDS.filter(isRoutingKind)) {
    const docs = valid[kind] ?? [];
    state[kind] = byId(docs.map((d) => storedDoc(d.id, KIND_TABLE[kind].singular, now, without(d, 'id'))));
  }
  state.clusters = byId(
    (valid.clusters ?? []).map((c) => {
      const fields: JsonObject = {
        mvno_id: c.mvno_id,
        api_url: c.api_url,
        api_key: encryptSecret(c.api_key, state.encryption_key),
        hosted_billing_account_id: c.hosted_billing_account_id,
      };
      return storedDoc(c.id, DOC_TYPES.cluster, now, fields, c.master === true ? { pvt_master: true } : {});
    }),
  );
  return state;
}

// ---------------------------------------------------------------------------------------
// Reading seed files

function parseJsonOrYaml(text: string): unknown {
  // Content decides, not the file name. Text that opens like JSON is parsed as JSON first so
  // its errors point at the JSON mistake; YAML flow style (`{accounts: [...]}`) also opens
  // that way, so YAML gets a second chance before the JSON error is reported.
  if (!/^\s*[{[]/.test(text)) return parseYamlOrThrow(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (jsonError) {
    try {
      return parseYaml(text) as unknown;
    } catch {
      throw new SimInputError(`invalid JSON: ${(jsonError as Error).message}`);
    }
  }
}

function parseYamlOrThrow(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (e) {
    throw new SimInputError(`invalid YAML: ${(e as Error).message}`);
  }
}

/** A seed file's content, YAML or JSON (told apart by content); errors name the file. */
export async function readSeedFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SimInputError(`${path}: cannot read seed file: ${(e as Error).message}`);
  }
  try {
    return parseJsonOrYaml(text);
  } catch (e) {
    throw new SimInputError(`${path}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------
// The default seed

const SIP_REALM = 'sip.sim.example.com';

/** Sprint's SBC headers and number rewrites, the same for every seeded SBC. */
function sprintSbcRules(): JsonObject {
  const strip467 = { to_number: { pattern: '/^(?:467)?([0-9]+)$/', replace: '$1' } };
  return {
    call_directions: [
      { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
      { direction: 'from_pstn', headers: { 'variable_sip_h_P-Served-User': 'sescase=term' } },
    ],
    number_formatting: {
      from_mobile_device: strip467,
      from_pstn: structuredClone(strip467),
      to_mobile_device: { to_number: { pattern: '/^([0-9]+)$/', replace: '99999$1' } },
    },
  };
}

function mediaServerInterfaces(): JsonObject {
  return {
    carrier_mpls: { sprint: 'sipinterface_sprint' },
    authenticated_connection: 'sipinterface_to_customer',
    unauthenticated_connection: 'sipinterface_sprint_did',
  };
}

/** One address per zone in a documentation /24 (`net`), hosts `base+1` (east) to `base+3` (west). */
function zoneIps(net: string, base: number): JsonObject {
  return { east: [`${net}.${base + 1}`], central: [`${net}.${base + 2}`], west: [`${net}.${base + 3}`] };
}

function defaultRouting(): JsonObject {
  const { carrierSbcs: sbc, mediaServers: ms } = SEED_IDS;
  return {
    customer_clusters: [
      {
        id: SEED_IDS.customerClusters.hosted,
        name: 'Kazoo Hosted',
        owner: '2600hz',
        ips: { inbound: zoneIps('198.51.100', 10), outbound: zoneIps('198.51.100', 20) },
        randomize_routing: false,
      },
      {
        id: SEED_IDS.customerClusters.sandbox,
        name: 'Kazoo Sandbox',
        owner: '2600hz',
        ips: { inbound: zoneIps('203.0.113', 10), outbound: zoneIps('203.0.113', 20) },
        randomize_routing: false,
      },
    ],
    carrier_sbcs: [
      {
        id: sbc.east,
        name: 'Sprint East SBC',
        carrier: 'sprint',
        location: { zone: 'east', state: 'NY', city: 'New York City' },
        ips: ['192.0.2.11', '192.0.2.12'],
        mobile_media_server: ms.east,
        ...sprintSbcRules(),
      },
      {
        id: sbc.west,
        name: 'Sprint West SBC',
        carrier: 'sprint',
        location: { zone: 'west', state: 'CA', city: 'Los Angeles' },
        ips: ['192.0.2.21', '192.0.2.22'],
        mobile_media_server: ms.west,
        ...sprintSbcRules(),
      },
      {
        id: sbc.central,
        name: 'Sprint Central SBC',
        carrier: 'sprint',
        location: { zone: 'central', state: 'IL', city: 'Chicago' },
        ips: ['192.0.2.31', '192.0.2.32'],
        mobile_media_server: ms.central,
        ...sprintSbcRules(),
      },
    ],
    // Priorities follow the reference: the local SBC first, then the others by distance.
    media_servers: [
      {
        id: ms.east,
        name: 'NY2 Mobile Media Server',
        location: { zone: 'east', state: 'NY', city: 'New York' },
        interfaces: mediaServerInterfaces(),
        carrier_sbc_priority: { sprint: [sbc.east, sbc.central, sbc.west] },
        top_ips: ['10.26.1.254', '10.26.1.253'],
      },
      {
        id: ms.west,
        name: 'SV4 Mobile Media Server',
        location: { zone: 'west', state: 'CA', city: 'Santa Clara' },
        interfaces: mediaServerInterfaces(),
        carrier_sbc_priority: { sprint: [sbc.west, sbc.central, sbc.east] },
        top_ips: ['10.26.3.254', '10.26.3.253'],
      },
      {
        id: ms.central,
        name: 'CH2 Mobile Media Server',
        location: { zone: 'central', state: 'IL', city: 'Chicago' },
        interfaces: mediaServerInterfaces(),
        carrier_sbc_priority: { sprint: [sbc.central, sbc.east, sbc.west] },
        top_ips: ['10.26.2.254', '10.26.2.253'],
      },
    ],
  };
}

const JOE_MODEL = { name: 'SAMSUNG L300 HANDSET KIT', number: 'SPHL300KTS', manufacturer: 'SAMSUNG' };
const HOTSPOT_MODEL = { name: 'FRANKLIN R850 HOTSPOT', number: 'FRKR850', manufacturer: 'FRANKLIN' };
const LTE_FEATURES = ['international', 'sip', 'mms', 'lte'];
const TETHERING_FEATURES = ['international', 'sip', 'mms', 'tethering'];
const NO_CAP = { caps: { blocking: { cap: 0 }, throttling: { cap: 0, rate: '256k' } } };

function defaultCarrierSubscriptions(): JsonObject[] {
  const n = SEED_NUMBERS;
  return [
    {
      carrier: 'sprint',
      ...n.joe,
      imsi: '310120000001111',
      plan: '260PLAN21',
      features: LTE_FEATURES,
      carrier_data: { msid: '000005550001111', csa: 'SFRSFR415' },
      activation_date: 63_648_000_000,
      suspended: false,
      model: JOE_MODEL,
    },
    {
      carrier: 'sprint',
      ...n.hotspot,
      sim: null,
      imsi: null,
      plan: '260PLAN1',
      features: TETHERING_FEATURES,
      carrier_data: { msid: '000004157487153', csa: 'SFRSFR415' },
      activation_date: 63_746_000_000,
      suspended: false,
      model: HOTSPOT_MODEL,
    },
    {
      carrier: 'sprint',
      ...n.pendingByMdn,
      imsi: '310120000004441',
      plan: '260PLAN21',
      features: LTE_FEATURES,
      carrier_data: { msid: '000005550004441', csa: 'SFRSFR415' },
      activation_date: 63_850_000_000,
      suspended: false,
      model: JOE_MODEL,
    },
    {
      carrier: 'sprint',
      ...n.pendingByEsn,
      sim: null,
      imsi: null,
      plan: '260PLAN1',
      features: TETHERING_FEATURES,
      carrier_data: { msid: '000005550004442', csa: 'SFRSFR415' },
      activation_date: 63_850_100_000,
      suspended: false,
      model: HOTSPOT_MODEL,
    },
    {
      carrier: 'sprint',
      esn: null,
      ...n.pendingBySim,
      imsi: '310120000004443',
      plan: '260DATA1',
      features: ['lte'],
      carrier_data: { msid: '000005550004443', csa: 'SFRSFR415' },
      activation_date: 63_850_200_000,
      suspended: true,
    },
  ];
}

function defaultTop(): JsonObject {
  const { accounts, subscriptions, devices } = SEED_IDS;
  const n = SEED_NUMBERS;
  const joeCarrier = { msid: '000005550001111', csa: 'SFRSFR415' };
  const hotspotCarrier = { msid: '000004157487153', csa: 'SFRSFR415' };
  return {
    subscriptions: [
      {
        id: subscriptions.joe,
        account_id: accounts.joe,
        ...n.joe,
        imsi: '310120000001111',
        plan: '260PLAN21',
        features: LTE_FEATURES,
        suspended: false,
        carrier_data: joeCarrier,
        carrier_name: 'sprint',
      },
      {
        id: subscriptions.hotspot,
        account_id: accounts.hotspot,
        ...n.hotspot,
        sim: null,
        imsi: null,
        plan: '260PLAN1',
        features: TETHERING_FEATURES,
        suspended: false,
        carrier_data: hotspotCarrier,
        carrier_name: 'sprint',
        cluster_id: SEED_IDS.clusters.sandbox,
      },
    ],
    devices: [
      {
        id: devices.joe,
        account_id: accounts.joe,
        name: "Joe's Mobile Phone",
        model: JOE_MODEL,
        subscription: {
          ...n.joe,
          imsi: '310120000001111',
          plan: '260PLAN21',
          features: LTE_FEATURES,
          carrier_data: joeCarrier,
          activation_date: 63_648_000_000,
        },
        data: NO_CAP,
        voice: {
          protocol: 'sip',
          sip: { realm: SIP_REALM, username: 'joe_mobile', password: 'sim-sip-joe' },
        },
      },
      {
        id: devices.hotspot,
        account_id: accounts.hotspot,
        name: 'Front Desk Hotspot',
        model: HOTSPOT_MODEL,
        subscription: {
          ...n.hotspot,
          sim: null,
          imsi: null,
          plan: '260PLAN1',
          features: TETHERING_FEATURES,
          carrier_data: hotspotCarrier,
          activation_date: 63_746_000_000,
        },
        data: { blocking: { cap: 2_000_000_000 }, throttling: { cap: 1_800_000_000, rate: '256k' } },
      },
    ],
    ports: [
      {
        id: SEED_IDS.ports.joe,
        account_id: accounts.joe,
        mdn: n.joe.mdn,
        status: { code: 'submitted', source: 'carrier' },
      },
    ],
  };
}

/**
 * Usage for 201610..201701: 201610 has only known accounts, 201611 adds unknown numbers,
 * 201612 has nothing at all, 201701 is the audit example (known, null and missing accounts).
 */
function defaultUsage(): JsonObject[] {
  const { joe, hotspot } = SEED_IDS.accounts;
  const missing = SEED_IDS.missingAccount;
  const row = (month: string, mdn: string, account_id: string | null, bytes: number): JsonObject => ({
    month,
    mdn,
    account_id,
    bytes,
  });
  return [
    row('201610', '+15550001111', joe, 1_250_000),
    row('201610', '+15550001112', joe, 730_000_000),
    row('201610', '+15550002221', hotspot, 15_000_000),
    row('201611', '+15550001111', joe, 2_500_000),
    row('201611', '+15550123456', null, 150_000_000),
    row('201611', '+15556541490', null, 30_000_000),
    row('201701', '+15550001111', joe, 2_000_000),
    row('201701', '+15550001112', joe, 1_900_000_000),
    row('201701', '+15550001113', joe, 400_000_000),
    row('201701', '+15550002221', hotspot, 28_000_000),
    row('201701', '+15550002222', hotspot, 2_100_000_000),
    row('201701', '+15550002223', hotspot, 700_000_000),
    row('201701', '+15550002224', hotspot, 200_000_000),
    row('201701', '+15550003331', null, 800_000),
    row('201701', '+15550003332', missing, 4_800_000),
    row('201701', '+15550123456', null, 12_000_000),
  ];
}

/** The default seed, as a fresh plain object each call (callers may mutate it). */
export function defaultSeed(): unknown {
  const { accounts } = SEED_IDS;
  const seed = {
    api_keys: [
      { api_key: SIM_API_KEYS.super_master, account_id: accounts.master, level: 'super_master' },
      { api_key: SIM_API_KEYS.master, account_id: accounts.master, level: 'master' },
    ],
    users: [
      {
        username: 'support',
        password: 'sim-password',
        account_name: 'Sim Master Account',
        phone_number: '+15550009999',
        level: 'super_master',
      },
    ],
    accounts: [
      { id: accounts.master, name: 'Sim Master Account', realm: 'master.sim.example.com' },
      { id: accounts.joe, name: 'Joe Example Co' },
      { id: accounts.hotspot, name: 'Hotspot Example Inc' },
    ],
    carrier_subscriptions: defaultCarrierSubscriptions(),
    ...defaultTop(),
    usage: defaultUsage(),
    ...defaultRouting(),
    clusters: [
      {
        id: SEED_IDS.clusters.master,
        mvno_id: '2600hz',
        api_url: 'https://hosted.sim.example.com:8443/v2',
        api_key: 'sim-cluster-hosted-key',
        hosted_billing_account_id: accounts.master,
        master: true,
      },
      {
        id: SEED_IDS.clusters.sandbox,
        mvno_id: '2600hz_sandbox',
        api_url: 'https://sandbox.sim.example.com:8443/v2',
        api_key: 'sim-cluster-sandbox-key',
        hosted_billing_account_id: accounts.master,
      },
    ],
  };
  // Deep copy: the constants above are shared between calls and must not leak mutations.
  return structuredClone(seed);
}
