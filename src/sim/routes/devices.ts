/**
 * TOP device routes of the support API (import, lookup by number, carrier info, patch),
 * plus the helpers the other TOP route modules share: account and document lookups, the
 * support PATCH, and the tie between a subscription and its device.
 *
 * A device is tied to a subscription by its `subscription.esn` / `subscription.mdn`; the
 * carrier's own records (`state.carrier_subscriptions`) are what imports and lookups read.
 */
import { dataPolicySchema, MDN_SCHEMA, voiceSchema } from '../../core/support/shapes.js';
import { conflict, notFound } from '../errors.js';
import {
  findCarrierRecord,
  carrierInfo,
  normalizeMdn,
  pickQuery,
  sameEsn,
  sameMdn,
  stringField,
} from '../mdn.js';
import {
  mergePatch,
  nextRev,
  publicView,
  toGregorianSeconds,
  withoutPrivate,
  type CarrierSubscription,
  type Doc,
  type JsonObject,
  type SimContext,
  type SimState,
} from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';
import { DOC_TYPES } from '../seed.js';
import { compileValidator, flag } from '../validate.js';
import { isRecord } from '../../core/json.js';

// ---------------------------------------------------------------------------------------
// Shared TOP helpers

/** 404 unless the account exists: every account-scoped TOP route starts here. */
export function requireAccount(state: SimState, accountId: string | undefined): string {
  if (accountId === undefined || !state.accounts.some((a) => a.id === accountId)) {
    throw notFound(accountId ?? '');
  }
  return accountId;
}

/** The document `id` of `collection` held by `accountId`; 404 when missing or held elsewhere. */
export function accountDoc(collection: Record<string, Doc>, accountId: string, id: string | undefined): Doc {
  const doc = id === undefined ? undefined : collection[id];
  if (!doc || doc.pvt_account_id !== accountId) throw notFound(id ?? '');
  return doc;
}

export function gregorianNow(ctx: SimContext): number {
  return toGregorianSeconds(ctx.now());
}

/** Marks a document changed: a new revision and modification time, as CouchDB/KAZOO do. */
export function touch(ctx: SimContext, doc: Doc): void {
  doc.pvt_modified = gregorianNow(ctx);
  doc._rev = nextRev(doc._rev);
}

/** A new account-held document with a server-assigned id. */
export function newTopDoc(
  ctx: SimContext,
  collection: Record<string, Doc>,
  type: string,
  accountId: string,
  fields: JsonObject,
): Doc {
  const id = ctx.newId();
  // Ids are random; a repeat means a broken id source, which must not overwrite a document.
  if (collection[id]) throw conflict(id);
  const now = gregorianNow(ctx);
  return {
    ...fields,
    pvt_account_id: accountId,
    pvt_type: type,
    pvt_created: now,
    pvt_modified: now,
    _id: id,
    _rev: nextRev(),
  };
}

/** The envelope's optional `carrier` flag (body) or `?carrier=` (query), already validated. */
export function carrierFlag(req: SimRequest): string | undefined {
  const inBody = req.body?.carrier;
  if (typeof inBody === 'string') return inBody;
  return req.query.get('carrier') ?? undefined;
}

/**
 * The support PATCH: any public field may change (private ones in the request are ignored),
 * `null` removes, `recursive` chooses a deep merge over the default shallow one. Then
 * `additional_properties.last_manual_update` records when support last touched the document.
 */
export function manualPatch(ctx: SimContext, doc: Doc, patch: JsonObject, recursive: boolean): Doc {
  const merged = mergePatch(doc, withoutPrivate(patch), recursive) as Doc;
  const extra = merged.additional_properties;
  merged.additional_properties = {
    ...(isRecord(extra) ? extra : {}),
    last_manual_update: gregorianNow(ctx),
  };
  touch(ctx, merged);
  return merged;
}

/** Schema of the support PATCH body; `extraData` adds rules for particular `data` fields. */
export function patchBodySchema(extraData: JsonObject = {}): JsonObject {
  return {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'object',
        properties: {
          // The route writes `last_manual_update` into it, so it must stay an object.
          additional_properties: { type: ['object', 'null'] },
          ...extraData,
        },
      },
      recursive: { type: 'boolean' },
    },
  };
}

function deviceSub(device: Doc): JsonObject {
  return isRecord(device.subscription) ? device.subscription : {};
}

/** Devices tied to a subscription: same account, and the same ESN or MDN. */
export function devicesTiedTo(state: SimState, subscription: Doc): Doc[] {
  return Object.values(state.devices).filter((d) => {
    if (d.pvt_account_id !== subscription.pvt_account_id) return false;
    const s = deviceSub(d);
    return sameEsn(s.esn, subscription.esn) || sameMdn(s.mdn, subscription.mdn);
  });
}

/** A device anywhere that already carries this carrier subscription's ESN or MDN. */
export function deviceHolding(state: SimState, record: CarrierSubscription): Doc | undefined {
  return Object.values(state.devices).find((d) => {
    const s = deviceSub(d);
    return sameEsn(s.esn, record.esn) || sameMdn(s.mdn, record.mdn);
  });
}

/** The carrier a device is with: its tied subscription's, else the carrier's own record's. */
function carrierOfDevice(state: SimState, device: Doc): string | undefined {
  const s = deviceSub(device);
  const tied = Object.values(state.subscriptions).find(
    (sub) =>
      sub.pvt_account_id === device.pvt_account_id && (sameEsn(sub.esn, s.esn) || sameMdn(sub.mdn, s.mdn)),
  );
  const name = tied?.pvt_carrier_name;
  if (typeof name === 'string') return name;
  return state.carrier_subscriptions.find((r) => sameEsn(r.esn, s.esn) || sameMdn(r.mdn, s.mdn))?.carrier;
}

/** A device's data policy when the request gives none: no cap (the reference's default). */
function noCap(): JsonObject {
  return { caps: { blocking: { cap: 0 }, throttling: { cap: 0, rate: '256k' } } };
}

export interface DeviceFields {
  name?: string;
  voice?: JsonObject;
  data?: JsonObject;
}

/** The `name`, `voice` and `data` a request gives for a device (as `DEVICE_FIELDS_SCHEMA` validates them). */
export function deviceFields(source: JsonObject): DeviceFields {
  return {
    name: stringField(source, 'name'),
    voice: isRecord(source.voice) ? source.voice : undefined,
    data: isRecord(source.data) ? source.data : undefined,
  };
}

/** A device document for a carrier subscription: the carrier's facts plus the client's settings. */
export function newDevice(
  ctx: SimContext,
  accountId: string,
  record: CarrierSubscription,
  fields: DeviceFields,
): Doc {
  const doc: JsonObject = {
    // The reference always shows a name; a device imported without one is named after its number.
    name: fields.name ?? `Device ${record.mdn ?? record.esn ?? ''}`.trim(),
  };
  if (record.model) doc.model = structuredClone(record.model);
  doc.subscription = { ...carrierInfo(record), activation_date: record.activation_date };
  // Stored as sent: the reference shows both `data.caps.{blocking,throttling}` and
  // `data.{blocking,throttling}`, so both shapes are accepted and neither is rewritten.
  doc.data = fields.data ? structuredClone(fields.data) : noCap();
  if (fields.voice) doc.voice = structuredClone(fields.voice);
  return newTopDoc(ctx, ctx.state.devices, DOC_TYPES.device, accountId, doc);
}

// ---------------------------------------------------------------------------------------
// Request schemas

/** A device data policy in either shape the reference shows (`caps.*` or flat). */
export const DATA_POLICY_SCHEMA = dataPolicySchema();

export const VOICE_SCHEMA = voiceSchema();

/** `name`, `voice`, `data` of a device, as an import sends them. */
export const DEVICE_FIELDS_SCHEMA = {
  name: { type: 'string', minLength: 1 },
  voice: VOICE_SCHEMA,
  data: DATA_POLICY_SCHEMA,
};

export const CARRIER_FLAG_SCHEMA = { type: 'string', minLength: 1 };
export { MDN_SCHEMA };
/** A KAZOO id: 32 lowercase hex characters. */
export const ID_SCHEMA = { type: 'string', pattern: '^[0-9a-f]{32}$' };

const validateImport = compileValidator({
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      additionalProperties: false,
      properties: { esn: { type: 'string', minLength: 1 }, mdn: MDN_SCHEMA, ...DEVICE_FIELDS_SCHEMA },
      // Either identifies the device; with both, mdn wins (see the handler).
      anyOf: [
        { properties: { esn: true }, required: ['esn'] },
        { properties: { mdn: true }, required: ['mdn'] },
      ],
    },
    carrier: CARRIER_FLAG_SCHEMA,
  },
});

const validateCarrierQuery = compileValidator({
  type: 'object',
  properties: { carrier: CARRIER_FLAG_SCHEMA },
});

const validatePatch = compileValidator(patchBodySchema());

// ---------------------------------------------------------------------------------------
// Handlers

function importDevice(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  const body = req.body ?? {};
  validateImport(body);
  const data = body.data as JsonObject;
  const query = pickQuery(data, ['mdn', 'esn']);
  const record = query && findCarrierRecord(ctx.state, query, carrierFlag(req));
  if (!query || !record) throw notFound(query?.value ?? '');
  if (deviceHolding(ctx.state, record)) throw conflict(query.value);

  const device = newDevice(ctx, accountId, record, deviceFields(data));
  ctx.state.devices[device._id] = device;
  return {
    status: 201,
    data: publicView(device),
    envelope: { carrier: record.carrier },
    revision: device._rev,
    mutated: true,
  };
}

function deviceByNumber(ctx: SimContext, req: SimRequest): SimResult {
  const raw = req.params.mdn ?? '';
  const mdn = normalizeMdn(raw);
  const device = mdn
    ? Object.values(ctx.state.devices).find((d) => sameMdn(deviceSub(d).mdn, mdn))
    : undefined;
  if (!device) throw notFound(raw);
  const envelope: JsonObject = {};
  const carrier = carrierOfDevice(ctx.state, device);
  if (carrier !== undefined) envelope.carrier = carrier;
  envelope.account_id = device.pvt_account_id ?? null;
  return { data: publicView(device), envelope, revision: device._rev };
}

/** "Subscription info from a carrier", by MDN or by ESN. */
function carrierSubscriptionBy(key: 'mdn' | 'esn') {
  return (ctx: SimContext, req: SimRequest): SimResult => {
    validateCarrierQuery(Object.fromEntries(req.query));
    const value = req.params[key] ?? '';
    const record = findCarrierRecord(ctx.state, { key, value }, req.query.get('carrier') ?? undefined);
    if (!record) throw notFound(value);
    return { data: carrierInfo(record), envelope: { carrier: record.carrier } };
  };
}

function patchDevice(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  const device = accountDoc(ctx.state.devices, accountId, req.params.device_id);
  const body = req.body ?? {};
  validatePatch(body);
  const patched = manualPatch(ctx, device, body.data as JsonObject, flag(req, 'recursive'));
  ctx.state.devices[patched._id] = patched;
  const envelope: JsonObject = {};
  const carrier = carrierOfDevice(ctx.state, patched);
  if (carrier !== undefined) envelope.carrier = carrier;
  return { data: publicView(patched), envelope, revision: patched._rev, mutated: true };
}

export const deviceRoutes: RouteDef[] = [
  {
    method: 'PUT',
    path: '/v2/support/accounts/:account_id/devices/import',
    level: 'super_master',
    handler: importDevice,
  },
  {
    method: 'GET',
    path: '/v2/support/phone_numbers/:mdn/device',
    level: 'super_master',
    handler: deviceByNumber,
  },
  {
    method: 'GET',
    path: '/v2/support/phone_numbers/:mdn/subscription',
    level: 'super_master',
    handler: carrierSubscriptionBy('mdn'),
  },
  {
    method: 'GET',
    path: '/v2/support/devices/:esn/subscription',
    level: 'super_master',
    handler: carrierSubscriptionBy('esn'),
  },
  {
    method: 'PATCH',
    path: '/v2/support/accounts/:account_id/devices/:device_id',
    level: 'super_master',
    handler: patchDevice,
  },
];
