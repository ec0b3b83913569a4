import { Args, Flags } from '@oclif/core';
import type { SubscriptionImport } from '../../api/types.js';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { fileInput } from '../../cli/patch-input.js';
import { subscriptionKeyInput } from '../../cli/subscription-target.js';
import { dryRunOutput, openChange, shown, writeFlags } from '../../cli/support.js';
import { carrierInput, idInput } from '../../core/support/input.js';
import { renderSubscription } from '../../render/support-views.js';

export default class SubscriptionsImport extends BaseCommand {
  static override summary = 'Import a subscription that is active at the carrier into an account';
  static override description = `Creates the subscription document in TOP from the carrier's record of the device (--esn), SIM card (--sim) or number (--mdn). A subscription with a device also gets a device document; --device-file DEVICE.yaml (YAML or JSON: name, voice, data) gives its settings, checked before anything is sent. Answers 409 when TOP already has the subscription or a device holds its ESN.

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --mdn 555-000-4441',
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --esn 270113180000004442 --device-file device.yaml',
    '<%= config.bin %> subscriptions import 0123456789abcdef0123456789abcdef --sim 89011200000000004443 --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    esn: Flags.string({ description: "the device's ESN, MEID or IMEI" }),
    sim: Flags.string({ description: 'the SIM card number (ICCID)' }),
    mdn: Flags.string({ description: 'the phone number (5550004441, 555-000-4441 or +15550004441)' }),
    'device-file': Flags.string({
      description: 'a YAML or JSON file with the device settings: name, voice (SIP), data (caps)',
    }),
    carrier: Flags.string({ description: 'import from this carrier only (e.g. sprint)' }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account to import into (32 hex characters)',
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(SubscriptionsImport);
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const key = subscriptionKeyInput(flags, true);
    const carrier = flags.carrier === undefined ? undefined : carrierInput('--carrier', flags.carrier);
    const deviceData =
      flags['device-file'] === undefined
        ? undefined
        : await fileInput('--device-file', flags['device-file'], 'device data');
    const body: SubscriptionImport = {
      ...key,
      ...(deviceData === undefined ? {} : { device_data: deviceData }),
    };
    const change = await openChange(flags);
    const { conn, dryRun } = change;
    try {
      const result = await conn.client.importSubscription(accountId, body, { carrier });
      if (dryRun) return dryRunOutput(change, this.jsonEnabled());
      const sub = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled()) {
        this.log(`Imported into account ${accountId} on ${conn.label}:`);
        process.stdout.write(renderSubscription(sub, { color: useColor() }));
      }
      return sub;
    } finally {
      await conn.close();
    }
  }
}
