/**
 * Errors a handler throws; the server turns them into KAZOO error envelopes:
 * `{status: "error", error: "<http status>", message: "<code name>", data: {...}}`.
 */
import type { Json, JsonObject } from './model.js';

export class SimError extends Error {
  constructor(
    readonly status: number,
    /** KAZOO code name, e.g. `bad_identifier`, `validation error`. */
    readonly code: string,
    readonly data: JsonObject = {},
    /** The answer's `data` when it is not `data` itself (crossbar's "bad identifier": an array). */
    readonly answerData?: Json,
  ) {
    super(`${status} ${code}`);
    this.name = 'SimError';
  }
}

/** Per-field validation failures: dotted path → rule → {message, value?}. */
export type FieldErrors = Record<string, Record<string, JsonObject>>;

export function validationError(fields: FieldErrors): SimError {
  return new SimError(400, 'validation error', fields);
}

export function fieldError(path: string, rule: string, message: string, value?: Json): SimError {
  const detail: JsonObject = { message };
  if (value !== undefined) detail.value = value;
  return validationError({ [path]: { [rule]: detail } });
}

export function notFound(cause: string, message = 'bad identifier'): SimError {
  return new SimError(404, 'bad_identifier', { message, cause });
}

export function conflict(cause: string): SimError {
  return new SimError(409, 'datastore_conflict', { message: 'conflicting documents', cause });
}

export function forbidden(message: string): SimError {
  return new SimError(403, 'forbidden', { message });
}
