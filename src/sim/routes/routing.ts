/**
 * Routing documents: customer clusters, carrier SBCs and media servers (all super_master).
 *
 * Customer clusters are created with the client's id (`PUT .../customer_clusters/{id}`);
 * SBCs and media servers get a server-assigned id (`PUT` on the collection). All three
 * support GET (one and the paged listing), POST (replace), PATCH (merge) and DELETE.
 */
import type { Schema } from 'ajv/dist/2020.js';
import {
  KIND_TABLE,
  RESOURCE_KINDS,
  isRoutingKind,
  referencesIn,
  type RoutingKind,
} from '../../core/model/kinds.js';
import { SimError, fieldError, notFound, validationError, type FieldErrors } from '../errors.js';
import {
  isPrivateKey,
  mergePatch,
  nextRev,
  publicView,
  toGregorianSeconds,
  withoutPrivate,
  type Doc,
  type JsonObject,
  type SimContext,
  type SimState,
} from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';
import { carrierSbcSchema, customerClusterSchema, mediaServerSchema } from '../routing-schemas.js';
import { compileValidator, flag, requireData, type Validator } from '../validate.js';

/** A routing kind as the simulator serves it: its row of the kinds table, plus its validator. */
interface Kind {
  collection: RoutingKind;
  /** Human name for messages. */
  label: string;
  pvtType: string;
  base: string;
  /** Who picks the id on create. */
  ids: 'client' | 'server';
  /** Listing fields besides `id` (only those the document has are shown). */
  summary: readonly string[];
  validate: Validator;
}

/** What only the simulator knows of each routing kind: its listing's fields and its request schema. */
const SIM_KINDS: Record<RoutingKind, { summary: readonly string[]; schema: Schema }> = {
  customer_clusters: { summary: ['name', 'owner'], schema: customerClusterSchema },
  carrier_sbcs: { summary: ['name', 'carrier', 'location', 'mobile_media_server'], schema: carrierSbcSchema },
  media_servers: { summary: ['name', 'location', 'carrier_sbc_priority'], schema: mediaServerSchema },
};

/*
 * Referential integrity is a deliberate strictness of the simulator: the reference documents
 * no such checks, but refusing dangling references (and deletes that would create them) lets
 * tests prove that the reconciler orders its writes correctly (media server before the SBC that
 * names it, priority lists emptied before the SBCs they list are deleted). Where a document
 * refers to another is the kinds table's `references`.
 */

/** Field errors for references (to routing documents) that do not exist. */
function danglingRefs(kind: Kind, state: SimState, doc: JsonObject): FieldErrors {
  const errors: FieldErrors = {};
  for (const { path, value, to } of referencesIn(kind.collection, doc)) {
    if (typeof value !== 'string' || !isRoutingKind(to) || state[to][value]) continue;
    errors[path.join('.')] = {
      not_found: { message: `${KIND_TABLE[to].noun} ${value} does not exist`, value },
    };
  }
  return errors;
}

/** Ids of documents that reference document `id` of `kind` (which then cannot be deleted). */
function referencedBy(kind: Kind, state: SimState, id: string): string[] {
  return RESOURCE_KINDS.filter(isRoutingKind).flatMap((other) =>
    Object.values(state[other])
      .filter((doc) => referencesIn(other, doc).some((ref) => ref.to === kind.collection && ref.value === id))
      .map((doc) => doc._id),
  );
}

const KINDS: Kind[] = RESOURCE_KINDS.filter(isRoutingKind).map((collection) => {
  const spec = KIND_TABLE[collection];
  return {
    collection,
    label: spec.noun,
    pvtType: spec.singular,
    base: spec.path,
    ids: spec.ids,
    summary: SIM_KINDS[collection].summary,
    validate: compileValidator(SIM_KINDS[collection].schema),
  };
});

/** Client-chosen ids (customer clusters). */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

// ---------------------------------------------------------------------------------------------
// Pagination

const PAGE_SIZE_DEFAULT = 50;
const PAGE_SIZE_MAX = 1000;
/** Start keys are `base64url("k1:" + first id of the page)`: opaque to clients, checkable here. */
const START_KEY_TAG = 'k1:';

export function encodeStartKey(id: string): string {
  return Buffer.from(START_KEY_TAG + id, 'utf8').toString('base64url');
}

function decodeStartKey(key: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(key) ? Buffer.from(key, 'base64url').toString('utf8') : '';
  const id = text.slice(START_KEY_TAG.length);
  // Re-encoding must give the key back: rejects padding tricks and non-canonical encodings.
  if (!text.startsWith(START_KEY_TAG) || !CLIENT_ID.test(id) || encodeStartKey(id) !== key) {
    throw fieldError('start_key', 'format', 'Value is not a start_key this server issued', key);
  }
  return id;
}

/**
 * `page_size`: a whole number from 1 to the maximum. crossbar answers anything else with
 * `404 faulty_request` (not a 400 naming the field).
 */
function pageSize(query: URLSearchParams): number {
  const raw = query.get('page_size');
  if (raw === null) return PAGE_SIZE_DEFAULT;
  const n = /^[0-9]{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= PAGE_SIZE_MAX)) {
    throw new SimError(404, 'faulty_request', {
      message: `faulty request: page_size must be a whole number from 1 to ${PAGE_SIZE_MAX}`,
      cause: raw,
    });
  }
  return n;
}

function paginateFlag(query: URLSearchParams): boolean {
  const raw = query.get('paginate');
  if (raw === null || raw === 'true') return true;
  if (raw === 'false') return false;
  throw fieldError('paginate', 'type', 'Value is not of type boolean', raw);
}

/**
 * One page of `items` (which must be sorted by id). A start key names the first id of its page;
 * the page starts at the first id at or after it, so a client paging while documents are
 * deleted neither fails nor skips anything.
 */
/** A listing entry: a summary that always has its id. */
export type Summary = JsonObject & { id: string };

export function paginate(query: URLSearchParams, items: Summary[]): SimResult {
  if (!paginateFlag(query)) return { data: items };
  const size = pageSize(query);
  const startKey = query.get('start_key');
  let from = 0;
  if (startKey !== null) {
    const startId = decodeStartKey(startKey);
    from = items.findIndex((item) => item.id >= startId);
    if (from < 0) from = items.length;
  }
  const page = items.slice(from, from + size);
  const envelope: JsonObject = { page_size: page.length };
  if (startKey !== null) envelope.start_key = startKey;
  const next = items[from + size];
  if (next) envelope.next_start_key = encodeStartKey(next.id);
  return { data: page, envelope };
}

// ---------------------------------------------------------------------------------------------
// Handlers

function docs(ctx: SimContext, kind: Kind): Record<string, Doc> {
  return ctx.state[kind.collection];
}

function existing(ctx: SimContext, kind: Kind, id: string): Doc {
  const doc = Object.hasOwn(docs(ctx, kind), id) ? docs(ctx, kind)[id] : undefined;
  if (!doc) throw notFound(id);
  return doc;
}

function summary(kind: Kind, doc: Doc): Summary {
  const out: Summary = { id: doc._id };
  for (const key of kind.summary) {
    const v = doc[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function byId(a: Doc, b: Doc): number {
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

/** Schema first; references only once the shapes are right (so their paths mean something). */
function check(ctx: SimContext, kind: Kind, fields: JsonObject): void {
  kind.validate(fields);
  const dangling = danglingRefs(kind, ctx.state, fields);
  if (Object.keys(dangling).length > 0) throw validationError(dangling);
}

function privateFields(doc: Doc): JsonObject {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => isPrivateKey(k)));
}

/** Writes a document's new public fields, keeping its private ones and bumping `_rev`. */
function store(ctx: SimContext, kind: Kind, id: string, fields: JsonObject, previous?: Doc): SimResult {
  const now = toGregorianSeconds(ctx.now());
  const doc: Doc = {
    ...(previous ? privateFields(previous) : { pvt_type: kind.pvtType, pvt_created: now }),
    ...fields,
    _id: id,
    _rev: nextRev(previous?._rev),
    pvt_modified: now,
  };
  // defineProperty, not assignment: a client may choose the id `__proto__`, which assignment
  // would turn into a prototype change instead of a stored document.
  Object.defineProperty(docs(ctx, kind), id, {
    value: doc,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return { status: previous ? 200 : 201, data: publicView(doc), revision: doc._rev, mutated: true };
}

function list(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const items = Object.values(docs(ctx, kind)).sort(byId);
    return paginate(
      req.query,
      items.map((d) => summary(kind, d)),
    );
  };
}

function read(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const doc = existing(ctx, kind, req.params.id ?? '');
    return { data: publicView(doc), revision: doc._rev };
  };
}

function create(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const fields = withoutPrivate(requireData(req));
    let id: string;
    if (kind.ids === 'client') {
      id = req.params.id ?? '';
      if (!CLIENT_ID.test(id)) {
        throw fieldError('id', 'pattern', 'Id must be 1-64 characters of A-Z, a-z, 0-9, _ and -', id);
      }
    } else {
      do id = ctx.newId();
      while (Object.hasOwn(docs(ctx, kind), id));
    }
    check(ctx, kind, fields);
    if (Object.hasOwn(docs(ctx, kind), id)) {
      throw new SimError(409, 'datastore_conflict', { message: 'conflicting documents', cause: id });
    }
    return store(ctx, kind, id, fields);
  };
}

function replace(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const previous = existing(ctx, kind, req.params.id ?? '');
    const fields = withoutPrivate(requireData(req));
    check(ctx, kind, fields);
    return store(ctx, kind, previous._id, fields, previous);
  };
}

/*
 * PATCH merges recursively by default on the routing routes. The reference's own example sends
 * only `ips.outbound.east` and its response keeps the other zones, which only a recursive merge
 * does. That contradicts the "shallow unless `recursive: true`" wording documented for the TOP
 * PATCH routes (devices, subscriptions); for routing documents the example wins, and an explicit
 * `"recursive": false` still asks for a shallow merge.
 */
function recursiveFlag(req: SimRequest): boolean {
  const absent = req.body?.recursive === undefined && req.query.get('recursive') === null;
  return absent ? true : flag(req, 'recursive');
}

function patch(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const previous = existing(ctx, kind, req.params.id ?? '');
    const changes = withoutPrivate(requireData(req));
    const merged = mergePatch(withoutPrivate(previous), changes, recursiveFlag(req));
    check(ctx, kind, merged);
    return store(ctx, kind, previous._id, merged, previous);
  };
}

function remove(kind: Kind) {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    const doc = existing(ctx, kind, req.params.id ?? '');
    const referrers = referencedBy(kind, ctx.state, doc._id);
    if (referrers.length > 0) {
      throw new SimError(409, 'datastore_conflict', {
        message: `${kind.label} ${doc._id} is still referenced by ${referrers.join(', ')}`,
        cause: doc._id,
      });
    }
    delete docs(ctx, kind)[doc._id];
    // A delete is a write too: CouchDB answers it with the tombstone's (bumped) revision.
    return { data: publicView(doc), revision: nextRev(doc._rev), mutated: true };
  };
}

function kindRoutes(kind: Kind): RouteDef[] {
  const item = `${kind.base}/:id`;
  const route = (method: RouteDef['method'], path: string, handler: RouteDef['handler']): RouteDef => ({
    method,
    path,
    level: 'super_master',
    handler,
  });
  return [
    route('GET', kind.base, list(kind)),
    kind.ids === 'client' ? route('PUT', item, create(kind)) : route('PUT', kind.base, create(kind)),
    route('GET', item, read(kind)),
    route('POST', item, replace(kind)),
    route('PATCH', item, patch(kind)),
    route('DELETE', item, remove(kind)),
  ];
}

export const routingRoutes: RouteDef[] = KINDS.flatMap(kindRoutes);
