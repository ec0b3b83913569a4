/**
 * The one table of process exit codes. Commands never call process.exit; the base command
 * sets process.exitCode from this table. Shown in `--help` of every command.
 */
import type { KzopsErrorCode } from '../core/errors.js';
export const EXIT = {
  ok: 0,
  /** A request failed, the server answered an error, or kzops hit a bug. */
  failure: 1,
  /** `plan --detailed-exitcode` / `drift`: there are changes. */
  changes: 2,
  /** The configuration is invalid; nothing was sent. */
  invalid: 3,
  /** Some operations failed; the rest were done. */
  partial: 4,
  /** A safety rule refused the operation (protect list, threshold, stale plan). */
  refused: 5,
  /** Bad flags or arguments (BSD EX_USAGE). */
  usage: 64,
  /** Stopped by Ctrl-C (SIGINT, 128 + 2): what had finished is recorded. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15): what had finished is recorded. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = [
  'EXIT CODES',
  '  0   success',
  '  1   failure: a request failed or the server answered an error',
  '  2   changes present (plan --detailed-exitcode, drift)',
  '  3   invalid configuration; nothing was sent',
  '  4   partial failure: some operations failed, the rest were done',
  '  5   refused by a safety rule',
  '  64  bad flags or arguments',
  '  130 interrupted (Ctrl-C); 143 terminated (SIGTERM): what had finished is recorded',
].join('\n');

/** The exit code for a kzops error, by its closed code. */
export function exitCodeFor(code: KzopsErrorCode): ExitCode {
  switch (code) {
    case 'usage':
    case 'invalid_input':
      return EXIT.usage;
    case 'config_invalid':
      return EXIT.invalid;
    case 'refused':
      return EXIT.refused;
    case 'interrupted':
      return EXIT.interrupted;
    case 'api_error':
    case 'auth_failed':
    case 'network_error':
    case 'outcome_unknown':
    case 'protocol_error':
    case 'internal':
      return EXIT.failure;
  }
}
