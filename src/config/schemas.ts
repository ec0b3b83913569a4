/**
 * The JSON Schemas shipped in `schemas/` at the package root: one per config file kind, plus
 * the simulator's seed. They are JSON files rather than TypeScript so editors can use them
 * directly (each config file names its schema on its first line); this module reads them.
 *
 * Each schema stands alone (no references between files), so callers can compile them one
 * by one.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../core/errors.js';
import { SCHEMA_OF, type ResourceKind } from '../core/model/kinds.js';

/** Every schema kzops ships, as `kzops schema KIND` names them. */
export const SCHEMA_KINDS = [
  'customer-cluster',
  'carrier-sbc',
  'media-server',
  'cluster',
  'targets',
  'sim-seed',
] as const;

export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** The config folder whose files each resource schema describes (targets.yaml is `targets`). */
export const RESOURCE_FOLDER_SCHEMAS = SCHEMA_OF satisfies Record<ResourceKind, SchemaKind>;

// This module runs from src/config (vitest) or dist/config (built): both two levels below
// the package root, so one relative URL serves both.
const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

export function isSchemaKind(value: string): value is SchemaKind {
  return (SCHEMA_KINDS as readonly string[]).includes(value);
}

/** Absolute path of a schema file. */
export function schemaPath(kind: SchemaKind): string {
  return fileURLToPath(new URL(`${kind}.schema.json`, SCHEMA_DIR));
}

/**
 * Reads and parses one schema. A missing or unreadable file means a broken installation
 * (`schemas/` ships with the package), so it is reported as a kzops fault, naming the file.
 */
export async function loadSchema(kind: SchemaKind): Promise<object> {
  const path = schemaPath(kind);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const what = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(err)})`;
    throw new InternalError(`the ${kind} schema ${what}: ${path}`, {
      cause: err,
      hint: 'the schemas/ folder ships with kzops; reinstall it, or restore schemas/ in a checkout',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InternalError(`the ${kind} schema is not valid JSON: ${path}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InternalError(`the ${kind} schema is not a JSON object: ${path}`);
  }
  return parsed;
}

/** Every schema, by kind. Fresh objects on each call: callers may keep or change them. */
export async function loadSchemas(): Promise<Record<SchemaKind, object>> {
  const loaded = await Promise.all(SCHEMA_KINDS.map(async (kind) => [kind, await loadSchema(kind)] as const));
  return Object.fromEntries(loaded) as Record<SchemaKind, object>;
}
