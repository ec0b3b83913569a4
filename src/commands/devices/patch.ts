import { Args, Flags } from '@oclif/core';
import type { DevicePatch } from '../../api/types.js';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { patchInput, shallowPatchNotes } from '../../cli/patch-input.js';
import { dryRunOutput, openChange, shown, writeFlags } from '../../cli/support.js';
import { idInput } from '../../core/support/input.js';
import { renderDevice } from '../../render/support-views.js';

export default class DevicesPatch extends BaseCommand {
  static override summary = 'Change fields of a device';
  static override description = `Sends a PATCH with the fields of --file PATCH.yaml (YAML or JSON) or of --set path=value (repeatable; the value is JSON, or a bare word taken as text). null removes a field. The patch is checked against the device's shape before anything is sent. The server stamps additional_properties.last_manual_update.

The merge is shallow unless --recursive: a nested field such as voice is replaced whole, so its keys that the patch leaves out are removed (kzops says so before sending).

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    `<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --set 'name="Joe mobile"'`,
    '<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --set data.blocking.cap=0 --recursive',
    '<%= config.bin %> devices patch 0123456789abcdef0123456789abcdef de71ce00000000000000000000000001 --file patch.yaml --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    file: Flags.string({ description: 'a YAML or JSON file with the fields to change' }),
    set: Flags.string({
      description: 'path=value to change (repeatable): --set name=Joe --set voice.sip.username=joe',
      multiple: true,
      multipleNonGreedy: true,
    }),
    recursive: Flags.boolean({
      description: 'merge nested fields key by key instead of replacing them whole',
      default: false,
    }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account that holds the device (32 hex characters)',
      required: true,
    }),
    device_id: Args.string({ description: 'the device (32 hex characters)', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(DevicesPatch);
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const deviceId = idInput('DEVICE_ID', args.device_id);
    const body = (await patchInput(flags, 'device')) as DevicePatch;
    for (const note of shallowPatchNotes(body, flags.recursive)) process.stderr.write(`${note}\n`);
    const change = await openChange(flags);
    const { conn, dryRun } = change;
    try {
      // Only --recursive is sent; without it the server's default (shallow) applies.
      const result = await conn.client.patchDevice(accountId, deviceId, body, {
        recursive: flags.recursive ? true : undefined,
      });
      if (dryRun) return dryRunOutput(change, this.jsonEnabled());
      const device = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled()) {
        this.log(`Patched on ${conn.label}:`);
        process.stdout.write(
          renderDevice(device, { account_id: accountId, ...result.envelope }, { color: useColor() }),
        );
      }
      return device;
    } finally {
      await conn.close();
    }
  }
}
