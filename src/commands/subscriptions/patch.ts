import { Args, Flags } from '@oclif/core';
import type { SubscriptionPatch } from '../../api/types.js';
import { BaseCommand } from '../../cli/base-command.js';
import { runBulkCommand } from '../../cli/bulk.js';
import { useColor } from '../../cli/color.js';
import { checkInput, patchInput, shallowPatchNotes } from '../../cli/patch-input.js';
import { connectSupport, shown, writeFlags, yesFlag } from '../../cli/support.js';
import { concurrencyFlag } from '../../cli/target-flags.js';
import { UsageError } from '../../core/errors.js';
import { idInput } from '../../core/support/input.js';
import { renderDryRun, renderSubscription } from '../../render/support-views.js';

export default class SubscriptionsPatch extends BaseCommand {
  static override summary = 'Change fields of a subscription document (not at the carrier)';
  static override description = `Patches one subscription (ACCOUNT_ID SUBSCRIPTION_ID with --file PATCH.yaml or --set path=value ...), or every row of a CSV file (--from-csv FILE, without the arguments). The value of --set is JSON, or a bare word taken as text; null removes a field. The patch is checked against the subscription's shape before anything is sent. The server stamps additional_properties.last_manual_update; the carrier is not told.

The merge is shallow unless --recursive: a nested field such as carrier_data is replaced whole, so its keys that the patch leaves out are removed (kzops says so before sending).

A CSV file has the columns account_id,subscription_id, then one column per field path (plan, suspended, additional_properties.name), each cell read as a --set value; an empty cell leaves that field alone for that row. Every row is checked first: an invalid row is reported by line and skipped, the others run, --concurrency at a time, after one confirmation for the whole file (--yes without a terminal). A row answered 503 or 429 (not processed) is tried again, up to 5 times; a row whose answer was lost is reported failed and not resent. Rows done are recorded in a journal (.kzops/journal/ beside the config directory, named by the file's content), so running the same file again skips them. --json prints {done, failed, skipped, rows: [{line, status, reason, request_id}]}; the exit code is 4 when a row failed or was invalid.

Under --dry-run the requests are printed as curl and not sent; otherwise each is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    `<%= config.bin %> subscriptions patch 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --set plan='"260PLAN1"'`,
    `<%= config.bin %> subscriptions patch 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --set 'additional_properties.name="Joe mobile"' --recursive`,
    '<%= config.bin %> subscriptions patch --from-csv fixes.csv --yes',
  ];
  static override flags = {
    ...writeFlags,
    ...yesFlag,
    ...concurrencyFlag,
    file: Flags.string({ description: 'a YAML or JSON file with the fields to change' }),
    set: Flags.string({
      description: `path=value to change (repeatable): --set suspended=true --set plan='"260PLAN1"'`,
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
    const csv = flags['from-csv'];
    if (csv !== undefined) {
      const extra = [
        args.account_id === undefined ? undefined : 'ACCOUNT_ID',
        flags.file === undefined ? undefined : '--file',
        flags.set === undefined ? undefined : '--set',
      ].filter((x): x is string => x !== undefined);
      if (extra.length > 0) {
        throw new UsageError(
          `--from-csv takes the subscriptions and fields from the file: drop ${extra.join(', ')}`,
          {
            hint: 'see kzops subscriptions patch --help',
          },
        );
      }
      const noted = new Set<string>();
      return runBulkCommand({
        kind: 'patch',
        file: csv,
        dir: flags.dir,
        target: flags.target,
        auditLog: flags['audit-log'],
        dryRun: flags['dry-run'],
        yes: flags.yes,
        json: this.jsonEnabled(),
        concurrency: flags.concurrency,
        recursive: flags.recursive ? true : undefined,
        log: (line) => this.log(line),
        checkRow: (row) => {
          if (row.kind !== 'patch') return;
          checkInput(`line ${row.line}`, 'subscription patch', row.patch);
          // Said once per field, not once per row: a column like carrier_data.csa replaces
          // carrier_data whole on every row unless --recursive.
          for (const note of shallowPatchNotes(row.patch, flags.recursive)) {
            if (!noted.has(note)) process.stderr.write(`${note}\n`);
            noted.add(note);
          }
        },
      });
    }
    if (args.account_id === undefined || args.subscription_id === undefined) {
      throw new UsageError('give ACCOUNT_ID and SUBSCRIPTION_ID, or --from-csv FILE', {
        hint: 'see kzops subscriptions patch --help',
      });
    }
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const subscriptionId = idInput('SUBSCRIPTION_ID', args.subscription_id);
    const body = (await patchInput(flags, 'subscription')) as SubscriptionPatch;
    for (const note of shallowPatchNotes(body, flags.recursive)) process.stderr.write(`${note}\n`);
    const dryRun = flags['dry-run'];
    const held: string[] = [];
    const conn = await connectSupport({
      dir: flags.dir,
      target: flags.target,
      dryRun,
      auditLog: flags['audit-log'],
      print: (line) => held.push(line),
    });
    try {
      // Only --recursive is sent; without it the server's default (shallow) applies.
      const result = await conn.client.patchSubscription(accountId, subscriptionId, body, {
        recursive: flags.recursive ? true : undefined,
      });
      if (dryRun) {
        if (!this.jsonEnabled()) process.stdout.write(renderDryRun(held));
        return { dry_run: true, requests: held };
      }
      const sub = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled()) {
        this.log(`Patched on ${conn.label}:`);
        process.stdout.write(renderSubscription(sub, { color: useColor() }));
      }
      return sub;
    } finally {
      await conn.close();
    }
  }
}
