import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { previewAffected, subscriptionKeyInput } from '../../cli/subscription-target.js';
import { confirmOrRefuse, dryRunOutput, openChange, shown, writeFlags, yesFlag } from '../../cli/support.js';
import { carrierInput, idInput } from '../../core/support/input.js';
import { renderSubscription } from '../../render/support-views.js';

export default class SubscriptionsDelete extends BaseCommand {
  static override summary = 'Delete a subscription document from TOP (the carrier is untouched)';
  static override description = `Deletes the subscription's document from the account; --cascade also deletes its device document. The subscription stays active at the carrier.

Before asking, kzops shows what will be deleted. The support API cannot read a subscription by id, so give its --mdn, --esn or --sim to have it looked up: kzops then shows the subscription and its device, and refuses (exit 5) if the key names another subscription. Asks for confirmation at a terminal; without one, --yes is needed.

Under --dry-run the request is printed as curl and not sent (the look-ups still are); otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions delete 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --mdn 555-000-1111',
    '<%= config.bin %> subscriptions delete 0123456789abcdef0123456789abcdef 50b5c000000000000000000000000001 --cascade --yes',
  ];
  static override flags = {
    ...writeFlags,
    ...yesFlag,
    cascade: Flags.boolean({
      description: 'also delete the device document tied to the subscription',
      default: false,
    }),
    esn: Flags.string({ description: "the subscription's ESN, to look it up and check it before deleting" }),
    sim: Flags.string({
      description: "the subscription's SIM number, to look it up and check it before deleting",
    }),
    mdn: Flags.string({
      description: "the subscription's number, to look it up and check it before deleting",
    }),
    carrier: Flags.string({ description: 'the carrier to look the subscription up at (e.g. sprint)' }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account that holds the subscription (32 hex characters)',
      required: true,
    }),
    subscription_id: Args.string({ description: 'the subscription (32 hex characters)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(SubscriptionsDelete);
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const subscriptionId = idInput('SUBSCRIPTION_ID', args.subscription_id);
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
        effect: flags.cascade ? 'delete-cascade' : 'delete',
        showSecrets: flags['show-secrets'],
        color: useColor(),
      });
      if (!json) {
        if (preview.views !== '') process.stdout.write(preview.views);
        this.log(`Deleting on ${conn.label}:`);
        // At a terminal the confirmation lists them; with --yes or --dry-run, this does.
        if (flags.yes || dryRun) for (const line of preview.what) this.log(`  ${line}`);
      }
      // Nothing is sent under --dry-run, so there is nothing to confirm.
      if (!dryRun) {
        await confirmOrRefuse(
          `Delete subscription ${subscriptionId}${flags.cascade ? ' and its device' : ''}?`,
          {
            yes: flags.yes,
            what: preview.what,
          },
        );
      }
      const result = await conn.client.deleteSubscription(accountId, subscriptionId, {
        cascade: flags.cascade ? true : undefined,
      });
      if (dryRun) return dryRunOutput(change, json);
      const sub = shown(result.data, flags['show-secrets']);
      if (!json) {
        this.log(`Deleted from account ${accountId}${flags.cascade ? ', with its device' : ''}:`);
        process.stdout.write(renderSubscription(sub, { color: useColor() }));
      }
      return sub;
    } finally {
      await conn.close();
    }
  }
}
