/**
 * The simulator's errors. SimError: what a handler throws; the server turns it into a KAZOO
 * error envelope: `{status: "error", error: "<http status>", message: "<code name>", data: {...}}`.
 * SimInputError: the simulator cannot start from its seed or state file.
 */
import { KzopsError } from '../core/errors.js';
import type { Json, JsonObject } from './model.js';

/**
 * The simulator cannot start from what it was given: a seed file or a saved state file that
 * is unreadable or invalid. The user fixes it, as they would a config (hence its code and exit
 * status); a simulator error of its own, so the simulator does not borrow the CLI's.
 */
export class SimInputError extends KzopsError {
  readonly code = 'config_invalid';
  readonly kind = 'user';
}

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
