import { Args, Flags } from '@oclif/core';
import type { SubscriptionMove } from '../../api/types.js';
import { BaseCommand } from '../../cli/base-command.js';
import { runBulkCommand } from '../../cli/bulk.js';
import { useColor } from '../../cli/color.js';
import { previewAffected, subscriptionKeyInput } from '../../cli/subscription-target.js';
import { confirmOrRefuse, dryRunOutput, openChange, shown, writeFlags, yesFlag } from '../../cli/support.js';
import { concurrencyFlag } from '../../cli/target-flags.js';
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { carrierInput, idInput } from '../../core/support/input.js';
import { renderSubscription } from '../../render/support-views.js';

export default class SubscriptionsMove extends BaseCommand {
  static override summary = 'Move a subscription, with its device, to another account and/or cluster';
  static override description = `Moves one subscription (ACCOUNT_ID SUBSCRIPTION_ID --to-account ID [--to-cluster ID]), or every row of a CSV file (--from-csv FILE, without the arguments).

One subscription: before asking, kzops shows what will move. The support API cannot read a subscription by id, so give its --mdn, --esn or --sim to have it looked up: kzops then shows the subscription and its device, and refuses (exit 5) if the key names another subscription. Asks for confirmation at a terminal; without one, --yes is needed.

A CSV file has the columns account_id,subscription_id,to_account[,to_cluster], one row per subscription. Every row is checked first: an invalid row is reported by line and skipped, the others run, --concurrency at a time, after one confirmation for the whole file. A row answered 503 or 429 (not processed) is tried again, up to 5 times; a row whose answer was lost is reported failed and not resent. Rows done are recorded in a journal (.kzops/journal/ beside the config directory, named by the file's content), so running the same file again skips them and retries only the rest. --json prints {done, failed, skipped, rows: [{line, status, reason, request_id}]}; the exit code is 4 when a row failed or was invalid.

Under --dry-run the requests are printed as curl and not sent; otherwise each is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions move 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --to-account fedcba9876543210fedcba9876543210 --mdn 555-000-1111',
    '<%= config.bin %> subscriptions move --from-csv moves.csv --dry-run',
    '<%= config.bin %> subscriptions move --from-csv moves.csv --yes --concurrency 16 --json',
  ];
  static override flags = {
    ...writeFlags,
    ...yesFlag,
    ...concurrencyFlag,
    'to-account': Flags.string({
      description: 'the account to move the subscription to (32 hex characters)',
    }),
    'to-cluster': Flags.string({
      description: 'the cluster to move the subscription to (32 hex characters)',
    }),
    'from-csv': Flags.string({
      description: 'move every row of this CSV file: account_id,subscription_id,to_account[,to_cluster]',
    }),
    esn: Flags.string({ description: "the subscription's ESN, to look it up and check it before moving" }),
    sim: Flags.string({
      description: "the subscription's SIM number, to look it up and check it before moving",
    }),
    mdn: Flags.string({ description: "the subscription's number, to look it up and check it before moving" }),
    carrier: Flags.string({ description: 'the carrier to look the subscription up at (e.g. sprint)' }),
  };
  // Optional, because --from-csv replaces them; run() requires one or the other.
  static override args = {
    account_id: Args.string({ description: 'the account that holds the subscription (32 hex characters)' }),
    subscription_id: Args.string({ description: 'the subscription (32 hex characters)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(SubscriptionsMove);
    const csv = flags['from-csv'];
    if (csv !== undefined) {
      const extra = [
        args.account_id === undefined ? undefined : 'ACCOUNT_ID',
        flags['to-account'] === undefined ? undefined : '--to-account',
        flags['to-cluster'] === undefined ? undefined : '--to-cluster',
        ...(['esn', 'sim', 'mdn', 'carrier'] as const).map((f) =>
          flags[f] === undefined ? undefined : `--${f}`,
        ),
      ].filter((x): x is string => x !== undefined);
      if (extra.length > 0) {
        throw new UsageError(
          `--from-csv takes the subscriptions and targets from the file: drop ${extra.join(', ')}`,
          {
            hint: 'see kzops subscriptions move --help',
          },
        );
      }
      return runBulkCommand({
        kind: 'move',
        file: csv,
        dir: flags.dir,
        target: flags.target,
        auditLog: flags['audit-log'],
        dryRun: flags['dry-run'],
        yes: flags.yes,
        json: this.jsonEnabled(),
        concurrency: flags.concurrency,
        log: (line) => this.log(line),
      });
    }
    if (args.account_id === undefined || args.subscription_id === undefined) {
      throw new UsageError('give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE', {
        hint: 'see kzops subscriptions move --help',
      });
    }
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const subscriptionId = idInput('SUBSCRIPTION_ID', args.subscription_id);
    if (flags['to-account'] === undefined)
      throw new InvalidInputError('--to-account is required (or --from-csv FILE)');
    const move: SubscriptionMove = { target_account_id: idInput('--to-account', flags['to-account']) };
    if (flags['to-cluster'] !== undefined)
      move.target_cluster_id = idInput('--to-cluster', flags['to-cluster']);
    if (move.target_account_id === accountId && move.target_cluster_id === undefined) {
      throw new InvalidInputError(
        `--to-account ${accountId} is the account the subscription is in: give another account, or --to-cluster`,
      );
    }
    const key = subscriptionKeyInput(flags, false);
    const carrier = flags.carrier === undefined ? undefined : carrierInput('--carrier', flags.carrier);
    const json = this.jsonEnabled();
    const change = await openChange(flags);
    const { conn, dryRun } = change;
    try {
      const preview = await previewAffected(conn.client, {
        accountId,
        subscriptionId,
        key,
        carrier,
        effect: 'move',
        showSecrets: flags['show-secrets'],
        color: useColor(),
      });
      const where =
        `account ${move.target_account_id}` +
        (move.target_cluster_id === undefined ? '' : `, cluster ${move.target_cluster_id}`);
      const what = [...preview.what, `to ${where}`];
      if (!json) {
        if (preview.views !== '') process.stdout.write(preview.views);
        this.log(`Moving on ${conn.label}:`);
        // At a terminal the confirmation lists them; with --yes or --dry-run, this does.
        if (flags.yes || dryRun) for (const line of what) this.log(`  ${line}`);
      }
      if (!dryRun) {
        await confirmOrRefuse(`Move subscription ${subscriptionId} to ${where}?`, { yes: flags.yes, what });
      }
      const result = await conn.client.moveSubscription(accountId, subscriptionId, move);
      if (dryRun) return dryRunOutput(change, json);
      const sub = shown(result.data, flags['show-secrets']);
      if (!json) {
        this.log(`Moved from account ${accountId} to ${where}:`);
        process.stdout.write(renderSubscription(sub, { color: useColor() }));
      }
      return sub;
    } finally {
      await conn.close();
    }
  }
}
