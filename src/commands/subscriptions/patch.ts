import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags, yesFlag } from '../../cli/support-flags.js';
import { bulkExit, finish, interruptWatch, printView, refuseWithCsv } from '../../cli/support-output.js';
import { concurrencyFlag } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { UsageError } from '../../core/errors.js';
import { renderSubscription } from '../../render/support-views.js';
import { patchSubscription, patchSubscriptionsFromCsv } from '../../services/support/subscriptions.js';

export default class SubscriptionsPatch extends BaseCommand {
  static override summary = 'Change fields of a subscription document (not at the carrier)';
  static override description = `Patches one subscription (ACCOUNT_ID SUBSCRIPTION_ID with --file PATCH.yaml or --set path=value ...), or every row of a CSV file (--from-csv FILE, without the arguments). A --set value that is a JSON literal (12, true, null, "12", [..], {..}) is that JSON value; anything else is text, as with gh api -F (--set plan=260PLAN1, --set additional_properties.name=Joe mobile); null removes a field. The patch is checked against the subscription's shape before anything is sent. The server stamps additional_properties.last_manual_update; the carrier is not told.

The merge is shallow unless --recursive: a nested field such as carrier_data is replaced whole, so its keys that the patch leaves out are removed (kzops says so before sending).

A CSV file has the columns account_id,subscription_id, then one column per field path (plan, suspended, additional_properties.name), each cell read as a --set value; an empty cell leaves that field alone for that row. Every row is checked first: an invalid row is reported by line and skipped, the others run, --concurrency at a time, after one confirmation for the whole file (--yes without a terminal). A row answered 429 (not processed) is sent again; a row whose answer was lost (a dropped connection, 502, 503 or 504) is sent again to verify it (a move applies only from the source account, a patch sets the same values), up to 5 sends in all, then reported failed. Rows done are recorded in a journal (.kzops/journal/ beside the config directory, named by the file's content), so running the same file again skips them. --json prints {done, failed, skipped, rows: [{line, status, reason, request_id}]}; the exit code is 4 when a row failed or was invalid.

Under --dry-run the requests are printed as curl and not sent; otherwise each is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions patch 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --set plan=260PLAN1',
    `<%= config.bin %> subscriptions patch 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --set 'additional_properties.name=Joe mobile' --recursive`,
    '<%= config.bin %> subscriptions patch --from-csv fixes.csv --yes',
  ];
  static override flags = {
    ...writeFlags,
    ...yesFlag,
    ...concurrencyFlag,
    file: Flags.string({ description: 'a YAML or JSON file with the fields to change' }),
    set: Flags.string({
      description: `path=value to change (repeatable): --set suspended=true --set plan=260PLAN1 (quote digits to keep them text: --set plan='"260"')`,
      multiple: true,
      multipleNonGreedy: true,
    }),
    recursive: Flags.boolean({
      description: 'merge nested fields key by key instead of replacing them whole',
      default: false,
    }),
    'from-csv': Flags.string({
      description:
        'patch every row of this CSV file: account_id,subscription_id, then one column per field path',
    }),
  };
  // Optional, because --from-csv replaces them; run() requires one or the other.
  static override args = {
    account_id: Args.string({ description: 'the account that holds the subscription (32 hex characters)' }),
    subscription_id: Args.string({ description: 'the subscription (32 hex characters)' }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(SubscriptionsPatch);
    const ui = processUi({ json: this.jsonEnabled() });
    const csv = flags['from-csv'];
    if (csv !== undefined) {
      refuseWithCsv('fields', 'patch', {
        ACCOUNT_ID: args.account_id,
        '--file': flags.file,
        '--set': flags.set,
      });
      const input = {
        ...changeInput(flags),
        yes: flags.yes,
        file: csv,
        concurrency: flags.concurrency,
        recursive: flags.recursive,
        watch: interruptWatch,
      };
      const result = await patchSubscriptionsFromCsv(input, ui);
      bulkExit(result);
      return result.report;
    }
    if (args.account_id === undefined || args.subscription_id === undefined) {
      throw new UsageError('give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE', {
        hint: 'see kzops subscriptions patch --help',
      });
    }
    const input = {
      ...changeInput(flags),
      ...flags,
      accountId: args.account_id,
      subscriptionId: args.subscription_id,
    };
    const result = await patchSubscription(input, ui);
    return finish(ui, result, (sub, done) => {
      ui.out(`Patched on ${done.label}:`);
      printView(ui, renderSubscription(sub, ui));
    });
  }
}
