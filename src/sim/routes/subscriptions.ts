/**
 * TOP subscription routes of the support API: carrier lookup, import, delete, patch, move.
 *
 * A subscription document shows its carrier as `carrier_name` but stores it privately as
 * `pvt_carrier_name`; `subscriptionView` is the one place that turns one into the other.
 */
import { conflict, notFound, SimError, validationError, type FieldErrors } from '../errors.js';
import { carrierLookupInfo, findCarrierRecord, pickQuery, sameEsn, sameMdn, sameSim } from '../mdn.js';
import {
  publicView,
  type CarrierSubscription,
  type Doc,
  type JsonObject,
  type SimContext,
  type SimState,
} from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';
import { DOC_TYPES } from '../seed.js';
import { compileValidator, flag, type Validator } from '../validate.js';
import {
  accountDoc,
  CARRIER_FLAG_SCHEMA,
  carrierFlag,
  DEVICE_FIELDS_SCHEMA,
  deviceFields,
  deviceHolding,
  devicesTiedTo,
  ID_SCHEMA,
  manualPatch,
  MDN_SCHEMA,
  newDevice,
  newTopDoc,
  patchBodySchema,
  requireAccount,
  touch,
} from './devices.js';
import { isRecord } from '../../core/json.js';

// ---------------------------------------------------------------------------------------
// Helpers

/** The subscription as the API shows it: public fields plus `carrier_name`. */
export function subscriptionView(doc: Doc): JsonObject {
  return { ...publicView(doc), carrier_name: doc.pvt_carrier_name ?? null };
}

function carrierEnvelope(doc: Doc): JsonObject {
  return typeof doc.pvt_carrier_name === 'string' ? { carrier: doc.pvt_carrier_name } : {};
}

/** A TOP subscription (in any account) for this carrier subscription: same ESN, MDN or SIM. */
function topSubscriptionFor(state: SimState, record: CarrierSubscription): Doc | undefined {
  return Object.values(state.subscriptions).find(
    (s) => sameEsn(s.esn, record.esn) || sameMdn(s.mdn, record.mdn) || sameSim(s.sim, record.sim),
  );
}

/** The carrier record a lookup or import names (precedence mdn > esn > sim), or 404. */
function carrierRecordFor(state: SimState, req: SimRequest): CarrierSubscription {
  const data = req.body?.data as JsonObject;
  const query = pickQuery(data, ['mdn', 'esn', 'sim']);
  const record = query && findCarrierRecord(state, query, carrierFlag(req));
  if (!query || !record) throw notFound(query?.value ?? '');
  return record;
}

/** The field errors a validator reports, instead of throwing them, so they can be combined. */
function schemaErrors(validate: Validator, value: unknown): FieldErrors {
  try {
    validate(value);
    return {};
  } catch (e) {
    if (e instanceof SimError && e.status === 400) return e.data as FieldErrors;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// Request schemas

/** esn, sim, mdn: at least one names the subscription. */
const IDENTIFIERS = {
  esn: { type: 'string', minLength: 1 },
  sim: { type: 'string', minLength: 1 },
  mdn: MDN_SCHEMA,
};
const AT_LEAST_ONE = [
  { properties: { esn: true }, required: ['esn'] },
  { properties: { sim: true }, required: ['sim'] },
  { properties: { mdn: true }, required: ['mdn'] },
];

const validateLookup = compileValidator({
  type: 'object',
  required: ['data'],
  properties: {
    data: { type: 'object', additionalProperties: false, properties: IDENTIFIERS, anyOf: AT_LEAST_ONE },
    carrier: CARRIER_FLAG_SCHEMA,
  },
});

const validateImport = compileValidator({
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...IDENTIFIERS,
        device_data: { type: 'object', additionalProperties: false, properties: DEVICE_FIELDS_SCHEMA },
      },
      anyOf: AT_LEAST_ONE,
    },
    carrier: CARRIER_FLAG_SCHEMA,
  },
});

// `carrier_name` is public but stored privately, so a patch may set it but not remove it.
const validatePatch = compileValidator(patchBodySchema({ carrier_name: { type: 'string', minLength: 1 } }));

const MOVE_FIELDS = { target_account_id: ID_SCHEMA, target_cluster_id: ID_SCHEMA };
const validateMove = compileValidator({
  type: 'object',
  properties: {
    data: { type: 'object', additionalProperties: false, properties: MOVE_FIELDS },
    ...MOVE_FIELDS,
  },
});

// ---------------------------------------------------------------------------------------
// Handlers

function lookup(ctx: SimContext, req: SimRequest): SimResult {
  validateLookup(req.body ?? {});
  const record = carrierRecordFor(ctx.state, req);
  const data: JsonObject = { carrier_data: carrierLookupInfo(record) };
  const doc = topSubscriptionFor(ctx.state, record);
  if (doc) {
    data.account_id = doc.pvt_account_id ?? null;
    // The full stored document, private fields included, as the reference's example shows it
    // (which has `_id` but no `_rev`).
    const { _rev: _ignored, ...document } = structuredClone(doc);
    data.document = document;
  }
  return { data, envelope: { carrier: record.carrier } };
}

function importSubscription(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  validateImport(req.body ?? {});
  const record = carrierRecordFor(ctx.state, req);
  const existing = topSubscriptionFor(ctx.state, record);
  if (existing) throw conflict(existing._id);
  // Only a subscription with a device (an ESN) gets a device document.
  const withDevice = record.esn !== null;
  if (withDevice && deviceHolding(ctx.state, record)) throw conflict(record.esn ?? '');

  const subscription = newTopDoc(ctx, ctx.state.subscriptions, DOC_TYPES.subscription, accountId, {
    esn: record.esn,
    sim: record.sim,
    mdn: record.mdn,
    imsi: record.imsi,
    plan: record.plan,
    features: [...record.features],
    suspended: record.suspended,
    carrier_data: structuredClone(record.carrier_data),
    pvt_carrier_name: record.carrier,
  });
  ctx.state.subscriptions[subscription._id] = subscription;
  if (withDevice) {
    const deviceData = (req.body?.data as JsonObject).device_data;
    const fields = deviceFields(isRecord(deviceData) ? deviceData : {});
    const device = newDevice(ctx, accountId, record, fields);
    ctx.state.devices[device._id] = device;
  }
  return {
    status: 201,
    data: subscriptionView(subscription),
    envelope: { carrier: record.carrier },
    revision: subscription._rev,
    mutated: true,
  };
}

function deleteSubscription(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  const subscription = accountDoc(ctx.state.subscriptions, accountId, req.params.subscription_id);
  // A body such as `{"data": {}}` may come with the DELETE; it carries nothing and is ignored.
  const cascade = flag({ ...req, body: undefined }, 'cascade');
  if (cascade) {
    for (const device of devicesTiedTo(ctx.state, subscription)) delete ctx.state.devices[device._id];
  }
  delete ctx.state.subscriptions[subscription._id];
  return { data: subscriptionView(subscription), envelope: carrierEnvelope(subscription), mutated: true };
}

function patchSubscription(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  const subscription = accountDoc(ctx.state.subscriptions, accountId, req.params.subscription_id);
  const body = req.body ?? {};
  validatePatch(body);
  const { carrier_name: carrierName, ...patch } = body.data as JsonObject;
  const patched = manualPatch(ctx, subscription, patch, flag(req, 'recursive'));
  if (typeof carrierName === 'string') patched.pvt_carrier_name = carrierName;
  ctx.state.subscriptions[patched._id] = patched;
  return {
    data: subscriptionView(patched),
    envelope: carrierEnvelope(patched),
    revision: patched._rev,
    mutated: true,
  };
}

interface Located {
  value: string;
  /** Where the client put it: `data.<name>` or `<name>`, so errors point there. */
  path: string;
}

/**
 * A move parameter. The reference contradicts itself: its schema table puts
 * `target_account_id`/`target_cluster_id` inside `data`, its curl example sends
 * `target_account_id` beside `data`. Both are accepted; if both are sent they must agree.
 */
function locate(body: JsonObject, name: string, errors: FieldErrors): Located | undefined {
  const inData = isRecord(body.data) ? body.data[name] : undefined;
  const beside = body[name];
  if (errors[`data.${name}`] || errors[name]) return undefined; // already wrong in type or form
  if (typeof inData === 'string' && typeof beside === 'string' && inData !== beside) {
    errors[name] = { conflict: { message: `Disagrees with data.${name}`, value: beside } };
    return undefined;
  }
  if (typeof inData === 'string') return { value: inData, path: `data.${name}` };
  if (typeof beside === 'string') return { value: beside, path: name };
  return undefined;
}

/** The move's target, checked against the state; every problem is added to `errors`. */
function moveTarget(state: SimState, subscription: Doc, body: JsonObject) {
  const errors = schemaErrors(validateMove, body);
  const account = locate(body, 'target_account_id', errors);
  const cluster = locate(body, 'target_cluster_id', errors);
  const accountNamed = account !== undefined || errors['data.target_account_id'] || errors.target_account_id;
  if (!accountNamed) {
    errors['data.target_account_id'] = { required: { message: 'Field is required but missing' } };
  }
  if (account && !state.accounts.some((a) => a.id === account.value)) {
    errors[account.path] = { not_found: { message: 'Account not found', value: account.value } };
  }
  const clusterChanges = cluster !== undefined && cluster.value !== subscription.pvt_cluster_id;
  if (account && account.value === subscription.pvt_account_id && !clusterChanges) {
    errors[account.path] = {
      same_account: { message: 'The subscription is already in this account', value: account.value },
    };
  }
  if (Object.keys(errors).length > 0 || !account) throw validationError(errors);
  return { accountId: account.value, clusterId: cluster?.value };
}

function moveSubscription(ctx: SimContext, req: SimRequest): SimResult {
  const accountId = requireAccount(ctx.state, req.params.account_id);
  const subscription = accountDoc(ctx.state.subscriptions, accountId, req.params.subscription_id);
  const target = moveTarget(ctx.state, subscription, req.body ?? {});
  // Collect the devices before the subscription moves: the tie includes the account.
  const moving = [subscription, ...devicesTiedTo(ctx.state, subscription)];
  for (const doc of moving) {
    doc.pvt_account_id = target.accountId;
    if (target.clusterId !== undefined) doc.pvt_cluster_id = target.clusterId;
    touch(ctx, doc);
  }
  return {
    data: subscriptionView(subscription),
    envelope: carrierEnvelope(subscription),
    revision: subscription._rev,
    mutated: true,
  };
}

export const subscriptionRoutes: RouteDef[] = [
  { method: 'POST', path: '/v2/support/subscriptions/lookup', level: 'super_master', handler: lookup },
  {
    method: 'PUT',
    path: '/v2/support/accounts/:account_id/subscriptions/import',
    level: 'super_master',
    handler: importSubscription,
  },
  {
    method: 'DELETE',
    path: '/v2/support/accounts/:account_id/subscriptions/:subscription_id',
    level: 'super_master',
    handler: deleteSubscription,
  },
  {
    method: 'PATCH',
    path: '/v2/support/accounts/:account_id/subscriptions/:subscription_id',
    level: 'super_master',
    handler: patchSubscription,
  },
  {
    method: 'POST',
    path: '/v2/support/accounts/:account_id/subscriptions/:subscription_id/move',
    level: 'super_master',
    handler: moveSubscription,
  },
];
