/**
 * The one error base of kzops. Its closed `code` and its `kind` let the CLI pick an exit
 * status and a tone ("fix your input" vs "the server said no" vs "this is a bug") without
 * `instanceof` chains or message matching. Errors are data: a message, an optional hint
 * with the next step, and a cause.
 */

export type KzopsErrorCode =
  | 'config_invalid'
  | 'invalid_input'
  | 'usage'
  | 'api_error'
  | 'auth_failed'
  | 'network_error'
  | 'outcome_unknown'
  | 'protocol_error'
  | 'refused'
  | 'interrupted'
  | 'internal';

/** `user`: the user can fix it; `api`: the server or network failed or refused; `bug`: ours. */
export type KzopsErrorKind = 'user' | 'api' | 'bug';

export interface KzopsErrorOptions {
  hint?: string;
  cause?: unknown;
}

export abstract class KzopsError extends Error {
  abstract readonly code: KzopsErrorCode;
  abstract readonly kind: KzopsErrorKind;
  /** What the user could do about it, when we know. */
  readonly hint: string | undefined;

  constructor(message: string, opts: KzopsErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
  }

  /** One line for humans; subclasses add request context. */
  summary(): string {
    return this.message;
  }
}

/** Bad or missing configuration (targets, environment variables). */
export class ConfigError extends KzopsError {
  readonly code = 'config_invalid';
  readonly kind = 'user';
}

/** A caller passed an invalid argument (a malformed month, an empty id, ...). */
export class InvalidInputError extends KzopsError {
  readonly code = 'invalid_input';
  readonly kind = 'user';
}

/** Something that should not happen: reported as a bug. */
export class InternalError extends KzopsError {
  readonly code = 'internal';
  readonly kind = 'bug';
}

/** Bad flags or arguments on the command line. */
export class UsageError extends KzopsError {
  readonly code = 'usage';
  readonly kind = 'user';
}

/**
 * A safety rule said no before anything was changed: the protect list, the change threshold,
 * a stale saved plan, deletes without --allow-deletes, another apply holding the lock.
 */
export class RefusedError extends KzopsError {
  readonly code = 'refused';
  readonly kind = 'user';
}

/** The user stopped the command (Ctrl-C at a prompt, or a signal) before it changed anything more. */
export class InterruptedError extends KzopsError {
  readonly code = 'interrupted';
  readonly kind = 'user';

  constructor(
    message: string,
    /** The signal that stopped it: SIGTERM exits 143, anything else 130. */
    readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT',
  ) {
    super(message);
  }
}
