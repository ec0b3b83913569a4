/**
 * Stage 6: secrets are never written in config. A secret field holds `{env: NAME}` or
 * `{file: PATH}` (targets.yaml names variables instead: `api_key_env`, `password_env`), read
 * when applying; validation reads neither. A value written in clear is reported without ever
 * being repeated, here or by any other stage: problems end up in CI logs.
 */
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import { RESOURCE_KINDS, type Check, type LoadedFile, type Segment } from './types.js';
import { isRecord } from '../json.js';

/**
 * Field names that hold a secret, wherever they appear, in any file: a `password:` added to a
 * target by mistake is as much a leak as a cluster's `api_key`. Exact names, so that
 * `api_key_env` (a variable's name) is not one.
 */
const SECRET_FIELD = /^(api_key|apikey|password|passwd|secret|token|auth_token|credentials?|private_key)$/i;

/** Whether a field of this name holds a secret. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** Whether a value at `path` may be secret: then no message may quote it. */
export function isSecretPath(path: readonly Segment[]): boolean {
  return path.some((s) => typeof s === 'string' && isSecretField(s));
}

/** Text, a number, true/false: anything but the `{env}`/`{file}` mapping (or nothing). */
function isClearValue(value: unknown): boolean {
  return value !== null && value !== undefined && typeof value !== 'object';
}

/** Paths of secret fields written in clear, anywhere in a document. */
function clearSecrets(value: unknown, path: Segment[] = []): Segment[][] {
  if (Array.isArray(value)) return (value as unknown[]).flatMap((v, i) => clearSecrets(v, [...path, i]));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    isSecretField(key) && isClearValue(v) ? [[...path, key]] : clearSecrets(v, [...path, key]),
  );
}

function plainSecrets(file: LoadedFile): Problem[] {
  return clearSecrets(file.value).map((path) => {
    const text =
      'a secret must not be written in the config: write {env: NAME} to read it from an environment variable, or {file: PATH} to read it from a file kept out of git';
    return problemAt(file, path, 'plain_secret', fieldMessage(path, text));
  });
}

export const checkSecrets: Check = (ctx) => {
  const files = RESOURCE_KINDS.flatMap((kind) => ctx.resources[kind]);
  return [...files, ...(ctx.targets ? [ctx.targets] : [])].flatMap(plainSecrets);
};
