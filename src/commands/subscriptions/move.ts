import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags, yesFlag } from '../../cli/support-flags.js';
import { bulkExit, finish, interruptWatch, printView, refuseWithCsv } from '../../cli/support-output.js';
import { concurrencyFlag } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { UsageError } from '../../core/errors.js';
import { renderSubscription } from '../../render/support-views.js';
import { moveSubscription, moveSubscriptionsFromCsv } from '../../services/support/subscriptions.js';

export default class SubscriptionsMove extends BaseCommand {
  static override summary = 'Move a subscription, with its device, to another account and/or cluster';
  static override description = `Moves one subscription (ACCOUNT_ID SUBSCRIPTION_ID --to-account ID [--to-cluster ID]), or every row of a CSV file (--from-csv FILE, without the arguments).

One subscription: before asking, kzops shows what will move. The support API cannot read a subscription by id, so give its --mdn, --esn or --sim to have it looked up: kzops then shows the subscription and its device, and refuses (exit 5) if the key names another subscription. Asks for confirmation at a terminal; without one, --yes is needed.

A CSV file has the columns account_id,subscription_id,to_account[,to_cluster], one row per subscription. Every row is checked first: an invalid row is reported by line and skipped, the others run, --concurrency at a time, after one confirmation for the whole file. A row answered 429 (not processed) is sent again; a row whose answer was lost (a dropped connection, 502, 503 or 504) is sent again to verify it (a move applies only from the source account, a patch sets the same values), up to 5 sends in all, then reported failed. Rows done are recorded in a journal (.kzops/journal/ beside the config directory, named by the file's content), so running the same file again skips them and retries only the rest. --json prints {done, failed, skipped, rows: [{line, status, reason, request_id}]}; the exit code is 4 when a row failed or was invalid.

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
    const ui = processUi({ json: this.jsonEnabled() });
    const base = { ...changeInput(flags), yes: flags.yes };
    const csv = flags['from-csv'];
    if (csv !== undefined) {
      refuseWithCsv('targets', 'move', {
        ACCOUNT_ID: args.account_id,
        '--to-account': flags['to-account'],
        '--to-cluster': flags['to-cluster'],
        '--esn': flags.esn,
        '--sim': flags.sim,
        '--mdn': flags.mdn,
        '--carrier': flags.carrier,
      });
      const input = { ...base, file: csv, concurrency: flags.concurrency, watch: interruptWatch };
      const result = await moveSubscriptionsFromCsv(input, ui);
      bulkExit(result);
      return result.report;
    }
    if (args.account_id === undefined || args.subscription_id === undefined) {
      throw new UsageError('give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE', {
        hint: 'see kzops subscriptions move --help',
      });
    }
    const input = {
      ...base,
      ...flags,
      accountId: args.account_id,
      subscriptionId: args.subscription_id,
      toAccount: flags['to-account'],
      toCluster: flags['to-cluster'],
    };
    const result = await moveSubscription(input, ui);
    return finish(ui, result, (sub) => {
      ui.out(`Moved from account ${result.accountId} to ${result.where}:`);
      printView(ui, renderSubscription(sub, ui));
    });
  }
}
