import { Args, Flags } from '@oclif/core';
import type { DeviceImport } from '../../api/types.js';
import { BaseCommand } from '../../cli/base-command.js';
import { useColor } from '../../cli/color.js';
import { fileInput } from '../../cli/patch-input.js';
import { dryRunOutput, openChange, shown, writeFlags } from '../../cli/support.js';
import { InvalidInputError } from '../../core/errors.js';
import { carrierInput, esnInput, exactlyOne, idInput, mdnInput } from '../../core/support/input.js';
import { renderDevice } from '../../render/support-views.js';

interface ImportFlags {
  mdn?: string | undefined;
  esn?: string | undefined;
  name?: string | undefined;
  file?: string | undefined;
}

/**
 * The import body: the file's fields, then the flags over them. A flag that names the device
 * (--mdn or --esn) replaces the file's identifier entirely, since the server would pick the
 * MDN if both were sent and quietly ignore an ESN the user meant.
 */
async function importBody(flags: ImportFlags): Promise<DeviceImport> {
  const file = flags.file === undefined ? {} : await fileInput('--file', flags.file, 'device import');
  const { mdn: fileMdn, esn: fileEsn, name: fileName, ...rest } = file;
  let id: { mdn: string } | { esn: string };
  if (flags.mdn !== undefined || flags.esn !== undefined || flags.file === undefined) {
    const { name, value } = exactlyOne({ mdn: flags.mdn, esn: flags.esn }, ['mdn', 'esn']);
    id = name === 'mdn' ? { mdn: mdnInput('--mdn', value) } : { esn: esnInput('--esn', value) };
  } else if (typeof fileMdn === 'string' && typeof fileEsn === 'string') {
    throw new InvalidInputError(`${flags.file}: give mdn or esn, not both (the server would ignore the esn)`);
  } else if (typeof fileMdn === 'string') {
    id = { mdn: mdnInput(`${flags.file}: mdn`, fileMdn) };
  } else if (typeof fileEsn === 'string') {
    id = { esn: esnInput(`${flags.file}: esn`, fileEsn) };
  } else {
    throw new InvalidInputError(
      `${flags.file}: names no device: set mdn or esn in it, or pass --mdn or --esn`,
    );
  }
  if (flags.name !== undefined && flags.name.trim() === '') {
    throw new InvalidInputError('--name must not be empty');
  }
  const name = flags.name ?? (typeof fileName === 'string' ? fileName : undefined);
  return {
    ...(rest as Omit<DeviceImport, 'mdn' | 'esn' | 'name'>),
    ...id,
    ...(name === undefined ? {} : { name }),
  };
}

export default class DevicesImport extends BaseCommand {
  static override summary = 'Import a device that is already active at the carrier into an account';
  static override description = `Creates the device document from the carrier's record of the number (--mdn) or device (--esn). --file DEVICE.yaml (YAML or JSON) gives the rest of the body: name, voice (SIP credentials) and data (blocking and throttling caps); flags win over the file, and --mdn/--esn replace the file's mdn/esn. The file is checked before anything is sent. Answers 409 when a device already holds that number or ESN.

Under --dry-run the request is printed as curl and not sent; otherwise it is recorded in the audit trail.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --mdn 555-000-4441 --name "Front desk"',
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --esn 270113180000004442 --carrier sprint',
    '<%= config.bin %> devices import 0123456789abcdef0123456789abcdef --file device.yaml --dry-run',
  ];
  static override flags = {
    ...writeFlags,
    mdn: Flags.string({
      description: "the device's phone number (5550004441, 555-000-4441 or +15550004441)",
    }),
    esn: Flags.string({ description: "the device's ESN, MEID or IMEI" }),
    name: Flags.string({ description: 'the device name [default: the server names it after its number]' }),
    carrier: Flags.string({ description: 'look the device up at this carrier only (e.g. sprint)' }),
    file: Flags.string({
      description: 'a YAML or JSON file with the import body (mdn or esn, name, voice, data)',
    }),
  };
  static override args = {
    account_id: Args.string({
      description: 'the account to import into (32 hex characters)',
      required: true,
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(DevicesImport);
    const accountId = idInput('ACCOUNT_ID', args.account_id);
    const carrier = flags.carrier === undefined ? undefined : carrierInput('--carrier', flags.carrier);
    const body = await importBody(flags);
    const change = await openChange(flags);
    const { conn, dryRun } = change;
    try {
      const result = await conn.client.importDevice(accountId, body, { carrier });
      if (dryRun) return dryRunOutput(change, this.jsonEnabled());
      const device = shown(result.data, flags['show-secrets']);
      if (!this.jsonEnabled()) {
        this.log(`Imported into account ${accountId} on ${conn.label}:`);
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
