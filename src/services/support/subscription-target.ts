/**
 * What `subscriptions delete` and `subscriptions move` show before they ask: the subscription
 * and its device.
 *
 * The support API has no route that reads a subscription by its id: only the carrier lookup
 * (by ESN, SIM or MDN) returns the TOP document, with its id and account. So these commands
 * take an optional --esn/--sim/--mdn: given one, kzops looks the subscription up, refuses if
 * it is not SUBSCRIPTION_ID in ACCOUNT_ID (a wrong id in a destructive command is exactly
 * what a preview is for), and finds its device by number. Without one, the confirmation says
 * plainly that the subscription could not be shown.
 */
import type { KazooClient } from '../../api/client.js';
import { KazooApiError } from '../../api/errors.js';
import type { Device, LookupResult, SubscriptionKey } from '../../api/types.js';
import { RefusedError } from '../../core/errors.js';
import { esnInput, exactlyOne, mdnInput, simInput } from '../../core/support/input.js';
import { renderDevice, renderLookup } from '../../render/support-views.js';
import { shown } from './session.js';

export interface KeyFlags {
  esn?: string | undefined;
  sim?: string | undefined;
  mdn?: string | undefined;
}

/** `--esn | --sim | --mdn`, checked; undefined when none is given and none is required. */
export function subscriptionKeyInput(flags: KeyFlags, required: true): SubscriptionKey;
export function subscriptionKeyInput(flags: KeyFlags, required: boolean): SubscriptionKey | undefined;
export function subscriptionKeyInput(flags: KeyFlags, required: boolean): SubscriptionKey | undefined {
  if (!required && flags.esn === undefined && flags.sim === undefined && flags.mdn === undefined) {
    return undefined;
  }
  const { name, value } = exactlyOne(flags, ['esn', 'sim', 'mdn']);
  switch (name) {
    case 'esn':
      return { esn: esnInput('--esn', value) };
    case 'sim':
      return { sim: simInput('--sim', value) };
    case 'mdn':
      return { mdn: mdnInput('--mdn', value) };
  }
}

function keyText(key: SubscriptionKey): string {
  const [name, value] = Object.entries(key)[0] ?? ['key', ''];
  return `--${name} ${String(value)}`;
}

export type Effect = 'delete' | 'delete-cascade' | 'move';

export interface Preview {
  /** One line each for the confirmation: the subscription, then its device. */
  what: string[];
  /** The lookup and device views, for a person (empty without a key). */
  views: string;
}

export interface PreviewOptions {
  accountId: string;
  subscriptionId: string;
  key: SubscriptionKey | undefined;
  carrier: string | undefined;
  effect: Effect;
  showSecrets: boolean;
  color: boolean;
}

const DEVICE_FATE: Record<Effect, string> = {
  delete: 'stays (pass --cascade to delete it too)',
  'delete-cascade': 'is deleted too (--cascade)',
  move: 'moves with it',
};

/**
 * Reads what the change will affect (GETs and the read-only lookup, sent also under
 * --dry-run). Refuses (exit 5, nothing changed) when the key names another subscription.
 */
export async function previewAffected(client: KazooClient, opts: PreviewOptions): Promise<Preview> {
  const { accountId, subscriptionId, key, effect } = opts;
  if (key === undefined) {
    const device =
      effect === 'move'
        ? 'its device document, if it has one, moves with it'
        : effect === 'delete-cascade'
          ? 'its device document, if it has one, is deleted too (--cascade)'
          : 'its device document, if it has one, stays (pass --cascade to delete it too)';
    return {
      what: [
        `subscription ${subscriptionId} in account ${accountId} (not shown: the support API cannot read a subscription by id; pass --mdn, --esn or --sim to have kzops look it up and check it first)`,
        device,
      ],
      views: '',
    };
  }
  const lookup = shown(
    (await client.lookupSubscription(key, { carrier: opts.carrier })).data,
    opts.showSecrets,
  );
  const doc = lookup.document;
  const foundId = typeof doc?._id === 'string' ? doc._id : undefined;
  if (foundId === undefined) {
    throw new RefusedError(
      `${keyText(key)}: the carrier has this subscription but TOP has no document for it, so it is not ${subscriptionId}; nothing was sent`,
    );
  }
  const foundAccount =
    lookup.account_id ?? (typeof doc?.pvt_account_id === 'string' ? doc.pvt_account_id : '');
  if (foundId !== subscriptionId || foundAccount !== accountId) {
    throw new RefusedError(
      `${keyText(key)} is subscription ${foundId} in account ${foundAccount}, not ${subscriptionId} in account ${accountId}; nothing was sent`,
      { hint: 'check the ids (kzops subscriptions lookup shows where the subscription is)' },
    );
  }
  const facts = (['mdn', 'esn', 'sim'] as const)
    .map((k) => (typeof doc?.[k] === 'string' ? `${k} ${doc[k]}` : undefined))
    .filter((s): s is string => s !== undefined);
  if (typeof doc?.plan === 'string') facts.push(`plan ${doc.plan}`);
  const what = [`subscription ${subscriptionId} in account ${accountId}: ${facts.join(', ')}`];
  const device = await tiedDevice(client, lookup, accountId);
  let views = renderLookup(lookup, { color: opts.color });
  if (device === undefined) {
    what.push('no device document holds its number');
  } else {
    const named = typeof device.name === 'string' ? ` "${device.name}"` : '';
    what.push(`device ${device.id}${named} ${DEVICE_FATE[effect]}`);
    views += renderDevice(shown(device, opts.showSecrets), { account_id: accountId }, { color: opts.color });
  }
  return { what, views };
}

/** The device of the same account holding the subscription's number, if any. */
async function tiedDevice(
  client: KazooClient,
  lookup: LookupResult,
  accountId: string,
): Promise<Device | undefined> {
  const mdn = lookup.document?.mdn;
  if (typeof mdn !== 'string' || mdn === '') return undefined;
  try {
    const result = await client.getDeviceByMdn(mdn);
    return result.envelope.account_id === accountId ? result.data : undefined;
  } catch (err) {
    if (err instanceof KazooApiError && err.status === 404) return undefined;
    throw err;
  }
}
