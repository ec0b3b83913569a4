/**
 * A live routing document as the config file that describes it: only the fields a config
 * file owns, references as keys, secrets as `{env: NAME}` placeholders.
 *
 * - Server-owned fields (`id`, `_id`, `_rev`, `pvt_*`, anything else starting with `_`) are
 *   dropped silently: the server assigns them and the file name already says the id.
 * - Top-level fields the kind's schema does not know are dropped and reported: a config file
 *   cannot hold them (its schema is closed), and the planner ignores fields the file does not
 *   mention, so leaving them out keeps "config matches live" true without touching them.
 * - `null` mapping values are dropped: KAZOO's PATCH reads null as "remove the key", so a null
 *   field is one the document does not have, and no config schema accepts null.
 * - References (an SBC's `mobile_media_server`, a media server's `carrier_sbc_priority`) are
 *   written as the key of the exported resource with that id, or `id:<hex>` when none has it.
 * - A secret field (isSecretField) is never written: it becomes `{env: KZOPS_<KIND>_<KEY>_<FIELD>}`,
 *   or keeps the `{env}`/`{file}` source the existing file already names.
 */
import { KIND_TABLE, referencesIn, type RoutingKind } from '../model/kinds.js';
import { isSecretField } from '../validate/secrets.js';
import { isRecord } from '../json.js';

/** The routing kinds (in dependency order) and their schemas (named on each file's first line): the kinds table's. */
export { ROUTING_KINDS, SCHEMA_OF, type RoutingKind } from '../model/kinds.js';

/** Assigned by the server: never part of a config file. */
export function isServerOwned(key: string): boolean {
  return key === 'id' || key.startsWith('_') || key.startsWith('pvt_');
}

/** The top-level fields a schema allows, in the schema's order (the order new files use). */
export function schemaFields(schema: object): string[] {
  const properties = (schema as { properties?: unknown }).properties;
  return isRecord(properties) ? Object.keys(properties) : [];
}

/** `sprint-east` → `SPRINT_EAST`: capital letters, digits and `_`, as an env variable name. */
function upperSnake(text: string): string {
  return text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** The variable a secret of an exported resource is read from: `KZOPS_CARRIER_SBC_SPRINT_EAST_API_KEY`. */
export function secretVariable(kind: RoutingKind, key: string, path: readonly (string | number)[]): string {
  return ['KZOPS', KIND_TABLE[kind].singular, key, path.map(String).join('_')].map(upperSnake).join('_');
}

/** A secret's source as a config file writes it: exactly one of `env` or `file`, a string. */
function secretSource(value: unknown): { env: string } | { file: string } | undefined {
  if (!isRecord(value) || Object.keys(value).length !== 1) return undefined;
  if (typeof value.env === 'string') return { env: value.env };
  if (typeof value.file === 'string') return { file: value.file };
  return undefined;
}

export interface SecretField {
  /** Dotted path of the field in the document. */
  path: string;
  /** The variable to set; undefined when the existing file reads it from a file instead. */
  variable?: string;
}

export interface ConfigDoc {
  /** The file's content as plain data. */
  value: Record<string, unknown>;
  /** Top-level fields of the live document that a config file of this kind cannot hold. */
  dropped: string[];
  secrets: SecretField[];
}

export interface ConfigDocOptions {
  kind: RoutingKind;
  key: string;
  /** The fields the kind's schema allows (schemaFields), in order. */
  fields: readonly string[];
  /** The key under which the document with this id of this kind is exported, if any. */
  keyOf(kind: RoutingKind, id: string): string | undefined;
  /** The existing file's content, whose secret sources are kept. */
  existing?: Record<string, unknown> | undefined;
}

/** A deep copy without null mapping values (arrays keep their nulls: positions matter there). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

function referenceTo(kind: RoutingKind, value: unknown, opts: ConfigDocOptions): unknown {
  if (typeof value !== 'string') return value;
  return opts.keyOf(kind, value) ?? `id:${value}`;
}

/** Server ids → keys (or `id:<hex>`), at the places each kind holds references. */
function withKeys(kind: RoutingKind, doc: Record<string, unknown>, opts: ConfigDocOptions): void {
  for (const { path, value, to } of referencesIn(kind, doc)) {
    if (to === 'clusters') continue;
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((at, seg) => (at as Record<string | number, unknown>)[seg], doc);
    (parent as Record<string | number, unknown>)[path[path.length - 1]!] = referenceTo(to, value, opts);
  }
}

/** Replaces every secret field's value, at any depth, with its source. */
function withSecretSources(
  value: unknown,
  existing: unknown,
  path: (string | number)[],
  opts: ConfigDocOptions,
  found: SecretField[],
): unknown {
  if (Array.isArray(value)) {
    const before = Array.isArray(existing) ? existing : [];
    return value.map((v, i) => withSecretSources(v, before[i], [...path, i], opts, found));
  }
  if (!isRecord(value)) return value;
  const before = isRecord(existing) ? existing : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const here = [...path, k];
    if (isSecretField(k)) {
      const kept = secretSource(Object.hasOwn(before, k) ? before[k] : undefined);
      const source = kept ?? { env: secretVariable(opts.kind, opts.key, here) };
      out[k] = source;
      found.push({ path: here.join('.'), ...('env' in source ? { variable: source.env } : {}) });
    } else {
      out[k] = withSecretSources(v, Object.hasOwn(before, k) ? before[k] : undefined, here, opts, found);
    }
  }
  return out;
}

/** The config file content for one live document (see the module comment). */
export function configDocument(live: Record<string, unknown>, opts: ConfigDocOptions): ConfigDoc {
  const known = new Set(opts.fields);
  const dropped: string[] = [];
  const picked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(live)) {
    if (isServerOwned(k) || v === null || v === undefined) continue;
    if (!known.has(k)) dropped.push(k);
    else picked[k] = v;
  }
  // The schema's order, which is the order of the example files.
  const ordered: Record<string, unknown> = {};
  for (const field of opts.fields) if (Object.hasOwn(picked, field)) ordered[field] = picked[field];
  const doc = withoutNulls(ordered) as Record<string, unknown>;
  withKeys(opts.kind, doc, opts);
  const secrets: SecretField[] = [];
  const value = withSecretSources(doc, opts.existing, [], opts, secrets) as Record<string, unknown>;
  return { value, dropped: dropped.sort(), secrets };
}
