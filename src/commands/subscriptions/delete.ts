import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { changeInput, writeFlags, yesFlag } from '../../cli/support-flags.js';
import { finish, printView } from '../../cli/support-output.js';
import { processUi } from '../../cli/ui.js';
import { renderSubscription } from '../../render/support-views.js';
import { deleteSubscription } from '../../services/support/subscriptions.js';

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
    const ui = processUi({ json: this.jsonEnabled() });
    const input = {
      ...changeInput(flags),
      ...flags,
      accountId: args.account_id,
      subscriptionId: args.subscription_id,
    };
    const result = await deleteSubscription(input, ui);
    return finish(ui, result, (sub) => {
      ui.out(`Deleted from account ${result.accountId}${flags.cascade ? ', with its device' : ''}:`);
      printView(ui, renderSubscription(sub, ui));
    });
  }
}
