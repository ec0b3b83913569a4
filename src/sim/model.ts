/**
 * The simulator's data model: the in-memory state every handler reads and writes, and the
 * small helpers (ids, revisions, time, public views) that all of them share.
 *
 * Stored documents look like KAZOO's: `_id`, `_rev` and `pvt_*` fields are private and are
 * stripped by `publicView`; everything else is public and is what the API returns.
 */
import { randomBytes } from 'node:crypto';
import { isRecord } from '../core/json.js';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** TOP auth levels, lowest to highest. */
export const AUTH_LEVELS = [
  'basic',
  'reseller',
  'parent_of',
  'reseller_of',
  'master',
  'super_master',
] as const;
export type AuthLevel = (typeof AUTH_LEVELS)[number];

export function levelAtLeast(have: AuthLevel, need: AuthLevel): boolean {
  return AUTH_LEVELS.indexOf(have) >= AUTH_LEVELS.indexOf(need);
}

export interface ApiKeyRecord {
  api_key: string;
  account_id: string;
  level: AuthLevel;
}

/** Users for `PUT /v2/user_auth` (a simulator seed extension: the reference names no user store). */
export interface UserRecord {
  username: string;
  password: string;
  account_name: string;
  /** A phone number of the user's account: `user_auth` may name the account by it. */
  phone_number?: string;
  level: AuthLevel;
}

export interface Account {
  id: string;
  name: string;
  /** The account's SIP realm: `user_auth` may name the account by it. */
  realm?: string;
}

/** The carrier's side of a subscription: what lookups and imports read. */
export interface CarrierSubscription {
  carrier: string;
  esn: string | null;
  mdn: string | null;
  sim: string | null;
  imsi: string | null;
  plan: string;
  features: string[];
  carrier_data: JsonObject;
  activation_date: number;
  suspended: boolean;
  model?: JsonObject;
}

export interface UsageRecord {
  month: string;
  mdn: string;
  account_id: string | null;
  bytes: number;
}

/** A stored document: private `_id`/`_rev`/`pvt_*` fields plus public ones. */
export type Doc = JsonObject & { _id: string; _rev: string };

export interface SimState {
  version: 1;
  /** Key (hex) that encrypts cluster documents' `api_key` at rest; made when the state is. */
  encryption_key: string;
  api_keys: ApiKeyRecord[];
  users: UserRecord[];
  accounts: Account[];
  carrier_subscriptions: CarrierSubscription[];
  /** TOP documents by id; each has `pvt_account_id`. */
  subscriptions: Record<string, Doc>;
  devices: Record<string, Doc>;
  /** Port-in documents by id; each has `pvt_account_id`, `mdn` and `status: {code, source, ...}`. */
  ports: Record<string, Doc>;
  usage: UsageRecord[];
  customer_clusters: Record<string, Doc>;
  carrier_sbcs: Record<string, Doc>;
  media_servers: Record<string, Doc>;
  /** Cluster documents; `pvt_master: true` marks the master cluster; `api_key` is stored encrypted. */
  clusters: Record<string, Doc>;
  /** When `POST /v2/support/ports/poll` last ran (Gregorian seconds); absent until the first poll. */
  ports_polled_at?: number;
}

export function emptyState(): SimState {
  return {
    version: 1,
    encryption_key: randomBytes(32).toString('hex'),
    api_keys: [],
    users: [],
    accounts: [],
    carrier_subscriptions: [],
    subscriptions: {},
    devices: {},
    ports: {},
    usage: [],
    customer_clusters: {},
    carrier_sbcs: {},
    media_servers: {},
    clusters: {},
  };
}

/** Unix seconds + this = Gregorian seconds (seconds since 0000-01-01), KAZOO's timestamp unit. */
export const GREGORIAN_OFFSET = 62_167_219_200;

export function toGregorianSeconds(unixMs: number): number {
  return Math.floor(unixMs / 1000) + GREGORIAN_OFFSET;
}

/** A new server-assigned id: 16 random bytes in hex (32 characters), as KAZOO assigns them. */
export function newId(): string {
  return randomBytes(16).toString('hex');
}

/** The next CouchDB-style revision: `<n>-<32 hex>`. */
export function nextRev(previous?: string): string {
  const n = previous ? Number.parseInt(previous.split('-', 1)[0] ?? '0', 10) || 0 : 0;
  return `${n + 1}-${randomBytes(16).toString('hex')}`;
}

export function isPrivateKey(key: string): boolean {
  return key.startsWith('_') || key.startsWith('pvt_');
}

/** The document as the API shows it: `id` first, private fields removed. */
export function publicView(doc: Doc): JsonObject {
  const out: JsonObject = { id: doc._id };
  for (const [k, v] of Object.entries(doc)) {
    if (!isPrivateKey(k)) out[k] = v;
  }
  return out;
}

/** Drops private fields from a request body (KAZOO ignores `_id`, `_rev`, `pvt_*` sent by clients). */
export function withoutPrivate(data: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(data)) {
    if (!isPrivateKey(k) && k !== 'id') out[k] = v;
  }
  return out;
}

/** Sets an own key; `defineProperty` because a key such as `__proto__` must stay a plain key. */
function setKey(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An object with every `null` removed at any depth (`kz_json:merge` of a one-sided object). */
function withoutNulls(obj: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null) setKey(out, k, isRecord(v) ? withoutNulls(v) : v);
  }
  return out;
}

/**
 * crossbar's PATCH: `kz_json:merge(fun kz_json:merge_left/2, Request, Existing)`, key by key:
 * - `null` in the request removes the key (at any depth); a key only one side has keeps its
 *   value, nested `null`s dropped (an existing `null` counts as a value: the request's object
 *   then replaces it as sent, nested `null`s included);
 * - an empty object `{}` in the request replaces an existing object (it clears it);
 * - two objects merge recursively; anything else (arrays, scalars, an object over a scalar) is
 *   the request's value as sent.
 */
export function mergeLeft(request: JsonObject, existing: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of new Set([...Object.keys(existing), ...Object.keys(request)])) {
    const left = Object.hasOwn(request, key) ? request[key] : undefined;
    const right = Object.hasOwn(existing, key) ? existing[key] : undefined;
    let merged: Json | undefined;
    if (left === undefined) merged = right === null || right === undefined ? undefined : oneSided(right);
    else if (left === null) merged = undefined;
    else if (right === undefined) merged = oneSided(left);
    else if (isRecord(left) && isRecord(right))
      merged = Object.keys(left).length === 0 ? {} : mergeLeft(left, right);
    else merged = left;
    if (merged !== undefined) setKey(out, key, merged);
  }
  return out;
}

function oneSided(v: Json): Json {
  return isRecord(v) ? withoutNulls(v) : v;
}

/**
 * KAZOO PATCH merge. Recursive: crossbar's deep merge (`mergeLeft`). Shallow (the default on
 * the support TOP routes, as the reference states): top-level keys are replaced whole, and
 * `null` removes one.
 */
export function mergePatch(target: JsonObject, patch: JsonObject, recursive: boolean): JsonObject {
  if (recursive) return mergeLeft(patch, target);
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setKey(out, k, v);
  }
  return out;
}

/** What every handler gets: the state plus the sources of time and randomness (injectable in tests). */
export interface SimContext {
  state: SimState;
  /** Current time in Unix milliseconds. */
  now(): number;
  newId(): string;
}
