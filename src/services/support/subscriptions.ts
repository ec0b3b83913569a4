/**
 * Subscription operations of the support API: look one up at the carrier, import one, patch,
 * delete and move one (bulk patches and moves from a CSV file are ./bulk.ts).
 */
import type {
  ApiResult,
  LookupResult,
  SubscriptionImport,
  SubscriptionMove,
  SubscriptionPatch,
  TopSubscription,
} from '../../api/types.js';
import type { KazooClient } from '../../api/client.js';
import { InvalidInputError } from '../../core/errors.js';
import { idInput } from '../../core/support/input.js';
import type { Ui } from '../ui.js';
import { carrierOption } from './devices.js';
import { runBulk, type BulkInput, type BulkResult } from './bulk.js';
import { checkInput, fileInput, patchInput, shallowPatchNotes } from './input-files.js';
import {
  confirmOrRefuse,
  openChange,
  readOnce,
  sendChange,
  shown,
  type ChangeInput,
  type SupportResult,
  type TargetInput,
} from './session.js';
import { previewAffected, subscriptionKeyInput, type KeyFlags } from './subscription-target.js';

/** `subscriptions lookup`: the carrier's and TOP's view of one subscription, by ESN, SIM or MDN. */
export async function lookupSubscription(
  input: TargetInput & KeyFlags & { carrier?: string | undefined; showSecrets: boolean },
): Promise<SupportResult<LookupResult> & { outcome: 'done' }> {
  const key = subscriptionKeyInput(input, true);
  const carrier = carrierOption(input.carrier);
  return readOnce(input, (conn) => conn.client.lookupSubscription(key, { carrier }));
}

export interface SubscriptionImportInput extends ChangeInput, KeyFlags {
  accountId: string;
  carrier?: string | undefined;
  /** `--device-file`: the device made with the subscription. */
  deviceFile?: string | undefined;
  showSecrets: boolean;
}

/** `subscriptions import`: creates the TOP subscription from the carrier's record. */
export async function importSubscription(
  input: SubscriptionImportInput,
): Promise<SupportResult<TopSubscription> & { accountId: string }> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const key = subscriptionKeyInput(input, true);
  const carrier = carrierOption(input.carrier);
  const deviceData =
    input.deviceFile === undefined
      ? undefined
      : await fileInput('--device-file', input.deviceFile, 'device data');
  const body: SubscriptionImport = {
    ...key,
    ...(deviceData === undefined ? {} : { device_data: deviceData }),
  };
  const result = await sendChange(input, ({ conn }) =>
    conn.client.importSubscription(accountId, body, { carrier }),
  );
  return { ...result, accountId };
}

export interface SubscriptionPatchInput extends ChangeInput {
  accountId: string;
  subscriptionId: string;
  file?: string | undefined;
  set?: string[] | undefined;
  recursive: boolean;
  showSecrets: boolean;
}

/** `subscriptions patch` of one subscription: `--file` or `--set`, checked first. */
export async function patchSubscription(
  input: SubscriptionPatchInput,
  ui: Ui,
): Promise<SupportResult<TopSubscription>> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const subscriptionId = idInput('SUBSCRIPTION_ID', input.subscriptionId);
  const body = (await patchInput(input, 'subscription')) as SubscriptionPatch;
  for (const note of shallowPatchNotes(body, input.recursive)) ui.err(note);
  return sendChange(input, ({ conn }) =>
    // Only --recursive is sent; without it the server's default (shallow) applies.
    conn.client.patchSubscription(accountId, subscriptionId, body, {
      recursive: input.recursive ? true : undefined,
    }),
  );
}

interface DestructiveInput extends ChangeInput, KeyFlags {
  accountId: string;
  subscriptionId: string;
  carrier?: string | undefined;
  yes: boolean;
  showSecrets: boolean;
}

export interface SubscriptionDeleteInput extends DestructiveInput {
  cascade: boolean;
}

/** A delete or a move of one subscription: what it affects is shown, and confirmed, first. */
interface DestructiveOp {
  accountId: string;
  subscriptionId: string;
  effect: 'delete' | 'delete-cascade' | 'move';
  /** `Deleting`, `Moving`: the heading above what is affected. */
  heading: string;
  /** The confirmation question at a terminal. */
  question: string;
  /** Lines listed after what the preview found (a move's destination). */
  extraWhat?: string[];
  send(client: KazooClient): Promise<ApiResult<TopSubscription>>;
}

/**
 * Shows what `op` affects (looked up when a key is given), asks (or needs --yes), sends.
 * Nothing is asked under --dry-run, since nothing is sent.
 */
async function destructive(
  input: DestructiveInput,
  ui: Ui,
  op: DestructiveOp,
): Promise<SupportResult<TopSubscription>> {
  const key = subscriptionKeyInput(input, false);
  const carrier = carrierOption(input.carrier);
  const change = await openChange(input);
  const { conn, dryRun } = change;
  try {
    const preview = await previewAffected(conn.client, {
      accountId: op.accountId,
      subscriptionId: op.subscriptionId,
      key,
      carrier,
      effect: op.effect,
      showSecrets: input.showSecrets,
      color: ui.color,
    });
    const what = [...preview.what, ...(op.extraWhat ?? [])];
    showPreview(ui, preview.views, `${op.heading} on ${conn.label}:`, what, input.yes || dryRun);
    if (!dryRun) await confirmOrRefuse(ui, op.question, { yes: input.yes, what });
    const result = await op.send(conn.client);
    if (dryRun) return { outcome: 'dry_run', requests: change.held };
    const data = shown(result.data, input.showSecrets);
    return { outcome: 'done', data, label: conn.label, envelope: result.envelope };
  } finally {
    await conn.close();
  }
}

/** `subscriptions delete`: shows what will be deleted, asks (or needs --yes), deletes. */
export async function deleteSubscription(
  input: SubscriptionDeleteInput,
  ui: Ui,
): Promise<SupportResult<TopSubscription> & { accountId: string }> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const subscriptionId = idInput('SUBSCRIPTION_ID', input.subscriptionId);
  const result = await destructive(input, ui, {
    accountId,
    subscriptionId,
    effect: input.cascade ? 'delete-cascade' : 'delete',
    heading: 'Deleting',
    question: `Delete subscription ${subscriptionId}${input.cascade ? ' and its device' : ''}?`,
    send: (client) =>
      client.deleteSubscription(accountId, subscriptionId, { cascade: input.cascade ? true : undefined }),
  });
  return { ...result, accountId };
}

export interface SubscriptionMoveInput extends DestructiveInput {
  toAccount: string | undefined;
  toCluster: string | undefined;
}

/** `subscriptions move` of one subscription: shows what will move, asks (or needs --yes), moves. */
export async function moveSubscription(
  input: SubscriptionMoveInput,
  ui: Ui,
): Promise<SupportResult<TopSubscription> & { accountId: string; where: string }> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const subscriptionId = idInput('SUBSCRIPTION_ID', input.subscriptionId);
  if (input.toAccount === undefined)
    throw new InvalidInputError('--to-account is required (or --from-csv FILE)');
  const move: SubscriptionMove = { target_account_id: idInput('--to-account', input.toAccount) };
  if (input.toCluster !== undefined) move.target_cluster_id = idInput('--to-cluster', input.toCluster);
  if (move.target_account_id === accountId && move.target_cluster_id === undefined) {
    throw new InvalidInputError(
      `--to-account ${accountId} is the account the subscription is in: give another account, or --to-cluster`,
    );
  }
  const where =
    `account ${move.target_account_id}` +
    (move.target_cluster_id === undefined ? '' : `, cluster ${move.target_cluster_id}`);
  const result = await destructive(input, ui, {
    accountId,
    subscriptionId,
    effect: 'move',
    heading: 'Moving',
    question: `Move subscription ${subscriptionId} to ${where}?`,
    extraWhat: [`to ${where}`],
    send: (client) => client.moveSubscription(accountId, subscriptionId, move),
  });
  return { ...result, accountId, where };
}

/**
 * The views of what a destructive operation affects, and its heading. At a terminal the
 * confirmation lists `what`; with --yes or --dry-run (no question asked), this does.
 */
function showPreview(ui: Ui, views: string, heading: string, what: string[], listWhat: boolean): void {
  if (views !== '') ui.out(views.replace(/\n$/, ''));
  ui.out(heading);
  if (listWhat) for (const line of what) ui.out(`  ${line}`);
}

export type BulkFileInput = Omit<BulkInput, 'kind' | 'checkRow' | 'recursive'>;

/** `subscriptions move --from-csv FILE`. */
export function moveSubscriptionsFromCsv(input: BulkFileInput, ui: Ui): Promise<BulkResult> {
  return runBulk({ ...input, kind: 'move' }, ui);
}

/**
 * `subscriptions patch --from-csv FILE`: each row's patch is checked as a subscription patch,
 * and a shallow patch's note is said once per field, not once per row (a column like
 * carrier_data.csa replaces carrier_data whole on every row unless --recursive).
 */
export function patchSubscriptionsFromCsv(
  input: BulkFileInput & { recursive: boolean },
  ui: Ui,
): Promise<BulkResult> {
  const noted = new Set<string>();
  return runBulk(
    {
      ...input,
      kind: 'patch',
      recursive: input.recursive ? true : undefined,
      checkRow: (row) => {
        if (row.kind !== 'patch') return;
        checkInput(`line ${row.line}`, 'subscription patch', row.patch);
        for (const note of shallowPatchNotes(row.patch, input.recursive)) {
          if (!noted.has(note)) ui.err(note);
          noted.add(note);
        }
      },
    },
    ui,
  );
}
