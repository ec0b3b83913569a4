/**
 * Device operations of the support API: import a device active at the carrier, patch one, and
 * read the carrier's record of a device (by ESN).
 */
import type { CarrierSubscription, Device, DeviceImport, DevicePatch } from '../../api/types.js';
import { InvalidInputError } from '../../core/errors.js';
import { carrierInput, esnInput, exactlyOne, idInput, mdnInput } from '../../core/support/input.js';
import type { Ui } from '../ui.js';
import { fileInput, patchInput, shallowPatchNotes } from './input-files.js';
import { readOnce, sendChange, type ChangeInput, type SupportResult, type TargetInput } from './session.js';

/** What `--carrier` gives, checked; undefined when not given. */
export function carrierOption(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : carrierInput('--carrier', raw);
}

export interface DeviceImportInput extends ChangeInput {
  accountId: string;
  mdn?: string | undefined;
  esn?: string | undefined;
  name?: string | undefined;
  carrier?: string | undefined;
  /** `--file`: the import body (YAML or JSON). */
  file?: string | undefined;
  showSecrets: boolean;
}

export type DeviceImportResult = SupportResult<Device> & {
  accountId: string;
  /** Said before sending (on stderr): e.g. that the MDN wins over the ESN. */
  notes: string[];
};

/** The note when a device is named both ways: the server uses the MDN. */
export function mdnWinsNote(source: string): string {
  return `note: ${source}: both an MDN and an ESN given; the MDN wins (the server looks the device up by its number)`;
}

/**
 * The import body: the file's fields, then the flags over them. A flag that names the device
 * (--mdn or --esn) replaces the file's identifier entirely. Both an MDN and an ESN may be
 * given (the reference allows it); the server looks the device up by the MDN, and a note
 * says so.
 */
export async function deviceImportBody(
  input: Pick<DeviceImportInput, 'mdn' | 'esn' | 'name' | 'file'>,
): Promise<{ body: DeviceImport; notes: string[] }> {
  const file = input.file === undefined ? {} : await fileInput('--file', input.file, 'device import');
  const { mdn: fileMdn, esn: fileEsn, name: fileName, ...rest } = file;
  const fromFlags = input.mdn !== undefined || input.esn !== undefined || input.file === undefined;
  const source = fromFlags ? '--mdn and --esn' : (input.file as string);
  const rawMdn = fromFlags ? input.mdn : typeof fileMdn === 'string' ? fileMdn : undefined;
  const rawEsn = fromFlags ? input.esn : typeof fileEsn === 'string' ? fileEsn : undefined;
  if (rawMdn === undefined && rawEsn === undefined) {
    // Throws exactlyOne's usual message, naming both flags.
    if (fromFlags) exactlyOne({ mdn: input.mdn, esn: input.esn }, ['mdn', 'esn']);
    throw new InvalidInputError(
      `${input.file}: names no device: set mdn or esn in it, or pass --mdn or --esn`,
    );
  }
  const id: { mdn?: string; esn?: string } = {};
  if (rawMdn !== undefined) id.mdn = mdnInput(fromFlags ? '--mdn' : `${input.file}: mdn`, rawMdn);
  if (rawEsn !== undefined) id.esn = esnInput(fromFlags ? '--esn' : `${input.file}: esn`, rawEsn);
  const notes = id.mdn !== undefined && id.esn !== undefined ? [mdnWinsNote(source)] : [];
  if (input.name !== undefined && input.name.trim() === '') {
    throw new InvalidInputError('--name must not be empty');
  }
  const name = input.name ?? (typeof fileName === 'string' ? fileName : undefined);
  const body = {
    ...(rest as Omit<DeviceImport, 'mdn' | 'esn' | 'name'>),
    ...id,
    ...(name === undefined ? {} : { name }),
  };
  return { body, notes };
}

/** `devices import`: creates the device document from the carrier's record. */
export async function importDevice(input: DeviceImportInput, ui: Ui): Promise<DeviceImportResult> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const carrier = carrierOption(input.carrier);
  const { body, notes } = await deviceImportBody(input);
  for (const note of notes) ui.err(note);
  const result = await sendChange(input, ({ conn }) =>
    conn.client.importDevice(accountId, body, { carrier }),
  );
  return { ...result, accountId, notes };
}

export interface DevicePatchInput extends ChangeInput {
  accountId: string;
  deviceId: string;
  file?: string | undefined;
  set?: string[] | undefined;
  recursive: boolean;
  showSecrets: boolean;
}

/** `devices patch`: a PATCH of `--file` or `--set`, checked first; shallow unless `recursive`. */
export async function patchDevice(
  input: DevicePatchInput,
  ui: Ui,
): Promise<SupportResult<Device> & { accountId: string }> {
  const accountId = idInput('ACCOUNT_ID', input.accountId);
  const deviceId = idInput('DEVICE_ID', input.deviceId);
  const body = (await patchInput(input, 'device')) as DevicePatch;
  for (const note of shallowPatchNotes(body, input.recursive)) ui.err(note);
  const result = await sendChange(input, ({ conn }) =>
    // Only --recursive is sent; without it the server's default (shallow) applies.
    conn.client.patchDevice(accountId, deviceId, body, { recursive: input.recursive ? true : undefined }),
  );
  return { ...result, accountId };
}

export interface CarrierReadInput extends TargetInput {
  carrier?: string | undefined;
  showSecrets: boolean;
}

/** `devices subscription ESN`: the carrier's record of a device. */
export async function deviceSubscription(
  input: CarrierReadInput & { esn: string },
): Promise<SupportResult<CarrierSubscription> & { outcome: 'done' }> {
  const esn = esnInput('ESN', input.esn);
  const carrier = carrierOption(input.carrier);
  return readOnce(input, (conn) => conn.client.getDeviceSubscription(esn, { carrier }));
}

/** `numbers subscription MDN`: the carrier's record of a number. */
export async function numberSubscription(
  input: CarrierReadInput & { mdn: string },
): Promise<SupportResult<CarrierSubscription> & { outcome: 'done' }> {
  const mdn = mdnInput('MDN', input.mdn);
  const carrier = carrierOption(input.carrier);
  return readOnce(input, (conn) => conn.client.getNumberSubscription(mdn, { carrier }));
}

/** `numbers device MDN`: the device document that holds a number. */
export async function numberDevice(
  input: TargetInput & { mdn: string; showSecrets: boolean },
): Promise<SupportResult<Device> & { outcome: 'done' }> {
  const mdn = mdnInput('MDN', input.mdn);
  return readOnce(input, (conn) => conn.client.getDeviceByMdn(mdn));
}
