/**
 * Phone numbers (MDNs) and the carrier's side of a subscription, as the TOP routes need them.
 *
 * People and scripts write the same number many ways (`+1 555-000-1111`, `5550001111`,
 * `(555) 000-1111`); the simulator stores E.164 (`+15550001111`) and compares normalised
 * forms, so any spelling a client might send finds the same record.
 */
import { type CarrierSubscription, type Json, type JsonObject, type SimState } from './model.js';

export { MDN_INPUT_PATTERN, normalizeMdn } from '../core/mdn.js';
import { normalizeMdn } from '../core/mdn.js';
import { isRecord } from '../core/json.js';

/** True when both are the same number, however each was written. */
export function sameMdn(a: Json | undefined, b: Json | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const na = normalizeMdn(a) ?? a;
  return na === (normalizeMdn(b) ?? b);
}

/** ESNs/MEIDs/IMEIs are often hex and their case varies between systems; compare without it. */
export function sameEsn(a: Json | undefined, b: Json | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

export function sameSim(a: Json | undefined, b: Json | undefined): boolean {
  return typeof a === 'string' && typeof b === 'string' && a === b;
}

/** The identifiers a subscription can be found by, in the precedence the reference gives. */
export type SubscriptionKey = 'mdn' | 'esn' | 'sim';

export interface SubscriptionQuery {
  key: SubscriptionKey;
  value: string;
}

/**
 * The identifier a request names, by precedence (mdn, then esn, then sim), among the
 * `keys` the route accepts. Callers validate first, so at least one is present.
 */
export function pickQuery(data: JsonObject, keys: readonly SubscriptionKey[]): SubscriptionQuery | null {
  for (const key of keys) {
    const value = data[key];
    if (typeof value === 'string') return { key, value };
  }
  return null;
}

function matches(record: CarrierSubscription, query: SubscriptionQuery): boolean {
  switch (query.key) {
    case 'mdn':
      return sameMdn(record.mdn, query.value);
    case 'esn':
      return sameEsn(record.esn, query.value);
    case 'sim':
      return sameSim(record.sim, query.value);
  }
}

/** The carrier's record for a number/device/SIM; `carrier` narrows to one carrier when given. */
export function findCarrierRecord(
  state: SimState,
  query: SubscriptionQuery,
  carrier?: string,
): CarrierSubscription | undefined {
  return state.carrier_subscriptions.find(
    (r) => (carrier === undefined || r.carrier === carrier) && matches(r, query),
  );
}

/** The carrier record as the "subscription info from a carrier" routes show it. */
export function carrierInfo(record: CarrierSubscription): JsonObject {
  return {
    esn: record.esn,
    mdn: record.mdn,
    sim: record.sim,
    imsi: record.imsi,
    plan: record.plan,
    features: [...record.features],
    carrier_data: structuredClone(record.carrier_data),
  };
}

/** The carrier record as the subscription lookup shows it: the info plus carrier-side state. */
export function carrierLookupInfo(record: CarrierSubscription): JsonObject {
  return {
    ...carrierInfo(record),
    carrier: record.carrier,
    activation_date: record.activation_date,
    suspended: record.suspended,
  };
}

/** A string field of a JSON object, or undefined. */
export function stringField(obj: Json | undefined, key: string): string | undefined {
  if (!isRecord(obj)) return undefined;
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}
