/**
 * Request bodies the support commands read from files (`--file`, `--device-file`) or build
 * from `--set path=value`, checked against the reference's shapes before anything is sent.
 * A problem is an InvalidInputError (exit 64) that names the file (or `--set`) and the field:
 * `patch.yaml: voice.sip: must be a mapping`.
 *
 * The checks are JSON Schemas kept small on purpose: they catch what the server would refuse
 * or, worse, silently ignore (private fields, an 18-digit ESN that YAML read as a rounded
 * number), and let through fields the reference does not describe, since the PATCH routes
 * accept any public field.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { isSecretPath, registerSecretsIn } from '../../api/redact.js';
import { InvalidInputError } from '../../core/errors.js';
import { exactlyOne, setInput } from '../../core/support/input.js';
import { dataPolicySchema, MDN_SCHEMA, nullable, voiceSchema } from '../../core/support/shapes.js';
import { isRecord } from '../../core/json.js';

type JsonSchema = Record<string, unknown>;

const TEXT: JsonSchema = { type: 'string', minLength: 1 };
const MDN = MDN_SCHEMA;
const STRINGS: JsonSchema = { type: 'array', items: { type: 'string' } };
const dataPolicy = dataPolicySchema;
const voice = voiceSchema;

/** The device fields an import (or a subscription import's `device_data`) may carry. */
const DEVICE_FIELDS: Record<string, JsonSchema> = {
  name: TEXT,
  voice: voice(false),
  data: dataPolicy(false),
};

/** The kinds of input checked here, and the shape of each. */
const SCHEMAS = {
  /** `devices import --file`: the import body. */
  'device import': {
    type: 'object',
    additionalProperties: false,
    properties: { esn: TEXT, mdn: MDN, ...DEVICE_FIELDS },
  },
  /** `subscriptions import --device-file`: the device made with the subscription. */
  'device data': { type: 'object', additionalProperties: false, properties: DEVICE_FIELDS },
  'device patch': {
    type: 'object',
    properties: {
      name: nullable(TEXT),
      model: nullable({
        type: 'object',
        properties: { name: nullable(TEXT), number: nullable(TEXT), manufacturer: nullable(TEXT) },
      }),
      subscription: nullable({
        type: 'object',
        properties: {
          esn: nullable(TEXT),
          mdn: nullable(MDN),
          sim: nullable(TEXT),
          imsi: nullable(TEXT),
          csa: nullable(TEXT),
          plan: nullable(TEXT),
          features: nullable(STRINGS),
          carrier_data: nullable({ type: 'object' }),
          activation_date: nullable({ type: 'integer' }),
        },
      }),
      data: nullable(dataPolicy(true)),
      voice: nullable(voice(true)),
      // The server stamps last_manual_update into it, so it must stay a mapping.
      additional_properties: nullable({ type: 'object' }),
    },
  },
  'subscription patch': {
    type: 'object',
    properties: {
      esn: nullable(TEXT),
      mdn: nullable(MDN),
      sim: nullable(TEXT),
      imsi: nullable(TEXT),
      plan: TEXT,
      features: STRINGS,
      suspended: { type: 'boolean' },
      carrier_data: nullable({ type: 'object' }),
      // Stored privately by the server: it can be changed but not removed.
      carrier_name: TEXT,
      additional_properties: nullable({ type: 'object' }),
    },
  },
} satisfies Record<string, JsonSchema>;

export type InputKind = keyof typeof SCHEMAS;

// verbose: errors carry their parent schema, whose known fields an unknown-field message lists.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const validators = new Map<InputKind, ValidateFunction>();

function validator(kind: InputKind): ValidateFunction {
  let fn = validators.get(kind);
  if (fn === undefined) {
    fn = ajv.compile(SCHEMAS[kind]);
    validators.set(kind, fn);
  }
  return fn;
}

function describeType(value: unknown, withValue = true): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return withValue ? `${typeof value} ${JSON.stringify(value)}` : `a ${typeof value}`;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let cur = root;
  for (const s of segments) {
    if (Array.isArray(cur)) cur = cur[Number(s)];
    else if (isRecord(cur)) cur = cur[s];
    else return undefined;
  }
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  object: 'a mapping',
  array: 'a list',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null (to remove it)',
};

/** One ajv error as `field: problem`, or undefined for errors that only repeat another. */
function describeError(kind: InputKind, e: ErrorObject, root: unknown): string | undefined {
  const segments = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const value = valueAt(root, segments);
  // A wrong secret is still a secret: its value is never repeated in the message.
  const secret = isSecretPath(segments.join('.'));
  const field = (extra?: string) =>
    [...segments, ...(extra === undefined ? [] : [extra])].join('.') || '(top)';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return `${field(extra)}: not a field of a ${kind} here (known: ${allowed.join(', ')})`;
    }
    case 'required':
      return `${field((e.params as { missingProperty: string }).missingProperty)}: required`;
    case 'type': {
      const want = ([] as string[]).concat((e.params as { type: string | string[] }).type);
      const hint =
        typeof value === 'number' && want.includes('string')
          ? ' (quote it: YAML reads digits as a number, and long ones lose digits)'
          : '';
      return `${field()}: must be ${want.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}, not ${describeType(value, !secret)}${hint}`;
    }
    case 'minLength':
      return `${field()}: must not be empty`;
    case 'minimum':
      return `${field()}: must not be negative`;
    case 'pattern':
      return segments.at(-1) === 'mdn'
        ? `${field()}: ${JSON.stringify(value)} is not a phone number (10 digits or E.164, e.g. +14157487153)`
        : `${field()}: ${JSON.stringify(value)} is not valid (a number with an optional k, m or g, e.g. 256k)`;
    default:
      return `${field()}: ${e.message ?? 'invalid'}`;
  }
}

/**
 * Checks `value` (read from `source`: a file name or `--set`) against the shape of `kind`;
 * throws an InvalidInputError listing every problem by field.
 */
export function checkInput(source: string, kind: InputKind, value: unknown): Record<string, unknown> {
  // A SIP password from a file or --set: scrubbed from every output from here on.
  registerSecretsIn(value);
  if (!isRecord(value)) {
    throw new InvalidInputError(
      `${source}: must be a mapping of fields (a ${kind}), not ${describeType(value)}`,
    );
  }
  // The server drops these without a word: a patch of them would "succeed" and change nothing.
  const serverOwned = Object.keys(value).filter(
    (k) => k === 'id' || k.startsWith('_') || k.startsWith('pvt_'),
  );
  const problems = serverOwned.map((key) => `${key}: is set by the server and cannot be sent`);
  const fn = validator(kind);
  if (!fn(value)) {
    for (const e of fn.errors ?? []) {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      if (e.instancePath === '' && extra !== undefined && serverOwned.includes(extra)) continue;
      const line = describeError(kind, e, value);
      if (line !== undefined && !problems.includes(line)) problems.push(line);
    }
  }
  if (problems.length > 0) throw new InvalidInputError(`${source}: ${problems.join('; ')}`);
  return value;
}

/**
 * A YAML or JSON file (JSON is YAML) that must hold one mapping. `flag` names where the path
 * came from, for errors about the file as a whole.
 */
export async function readInputFile(flag: string, path: string): Promise<unknown> {
  let textContent: string;
  try {
    textContent = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (err as Error).message;
    throw new InvalidInputError(`${flag} ${path}: cannot read it: ${why}`);
  }
  try {
    return parseYaml(textContent) as unknown;
  } catch (err) {
    // yaml's messages carry the line and column.
    throw new InvalidInputError(`${path}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** `--file F` read and checked as `kind`. */
export async function fileInput(
  flag: string,
  path: string,
  kind: InputKind,
): Promise<Record<string, unknown>> {
  return checkInput(path, kind, await readInputFile(flag, path));
}

export interface PatchFlags {
  file?: string | undefined;
  set?: string[] | undefined;
}

/**
 * The PATCH body of `devices patch` / `subscriptions patch`: `--file F` or `--set path=value
 * ...` (exactly one of them), checked as a device or subscription patch. An empty patch is
 * refused: the server would only stamp `last_manual_update`, which nobody means to do.
 */
export async function patchInput(
  flags: PatchFlags,
  kind: 'device' | 'subscription',
): Promise<Record<string, unknown>> {
  const sets = flags.set ?? [];
  const { name } = exactlyOne({ file: flags.file, set: sets.length > 0 ? sets.join(' ') : undefined }, [
    'file',
    'set',
  ]);
  const source = name === 'file' ? (flags.file as string) : '--set';
  const body =
    name === 'file'
      ? checkInput(source, `${kind} patch`, await readInputFile('--file', source))
      : checkInput(source, `${kind} patch`, setInput(sets));
  if (Object.keys(body).length === 0) {
    throw new InvalidInputError(`${source}: the patch changes nothing (it has no fields)`);
  }
  return body;
}

/**
 * Notes for a shallow PATCH (the default of devices and subscriptions): a nested mapping
 * replaces the whole field on the server, so its other keys are lost. Said before sending,
 * because `--set voice.sip.password=x` looks like it changes one key.
 */
export function shallowPatchNotes(body: Record<string, unknown>, recursive: boolean): string[] {
  if (recursive) return [];
  return Object.entries(body)
    .filter(([, value]) => isRecord(value))
    .map(
      ([key]) =>
        `note: without --recursive the server replaces ${key} whole; its fields not in this patch are removed`,
    );
}
