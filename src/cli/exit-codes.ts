/**
 * The one table of outcomes and their process exit codes. A command ends in an outcome; the
 * exit code follows from it here (`exitCodeFor`) and is set only here (`setOutcome`, called by
 * the base command for errors and by commands for results). Commands never call process.exit.
 * The `EXIT CODES` section of every command's `--help` is generated from this table.
 */
import { InterruptedError, KzopsError, type KzopsErrorCode } from '../core/errors.js';

/** Each outcome, its code and the line `--help` shows for it, in the order shown. */
export const OUTCOMES = {
  ok: { code: 0, help: 'success' },
  /** A request failed, the server answered an error, or kzops hit a bug. */
  failure: { code: 1, help: 'failure: a request failed or the server answered an error' },
  /** `plan --detailed-exitcode` / `drift`: there are changes. */
  changes: { code: 2, help: 'changes present (plan --detailed-exitcode, drift)' },
  /** The configuration is invalid; nothing was sent. */
  invalid: { code: 3, help: 'invalid configuration; nothing was sent' },
  /** Some operations failed; the rest were done. */
  partial: { code: 4, help: 'partial failure: some operations failed, the rest were done' },
  /** A safety rule refused the operation (protect list, threshold, stale plan). */
  refused: { code: 5, help: 'refused by a safety rule' },
  /** Bad flags or arguments (BSD EX_USAGE). */
  usage: { code: 64, help: 'bad flags or arguments' },
  /** Stopped by Ctrl-C (SIGINT, 128 + 2): what had finished is recorded. */
  interrupted: { code: 130, help: 'interrupted (Ctrl-C): what had finished is recorded' },
  /** Stopped by SIGTERM (128 + 15): what had finished is recorded. */
  terminated: { code: 143, help: 'terminated (SIGTERM): what had finished is recorded' },
} as const satisfies Record<string, { code: number; help: string }>;

export type Outcome = keyof typeof OUTCOMES;

/** The exit code of each outcome: `EXIT.partial` is 4. */
export const EXIT = Object.freeze(
  Object.fromEntries(Object.entries(OUTCOMES).map(([outcome, { code }]) => [outcome, code])),
) as { readonly [O in Outcome]: (typeof OUTCOMES)[O]['code'] };

export type ExitCode = (typeof EXIT)[Outcome];

/** The one mapping from an outcome to the process's exit code. */
export function exitCodeFor(outcome: Outcome): ExitCode {
  return OUTCOMES[outcome].code;
}

/** Ends the process with `outcome`'s exit code once it returns: the only writer of process.exitCode. */
export function setOutcome(outcome: Outcome): void {
  process.exitCode = exitCodeFor(outcome);
}

/**
 * The exit code a command left (0 when none), clearing it, so runs in one process (the
 * in-process test runner) do not leak their codes into each other.
 */
export function takeExitCode(): number {
  const code = process.exitCode;
  process.exitCode = undefined;
  if (code === undefined || code === null || code === '') return 0;
  const n = Number(code);
  return Number.isInteger(n) ? n : 1;
}

/** The outcome of a stop signal: Ctrl-C is `interrupted` (130), SIGTERM `terminated` (143). */
export function signalOutcome(signal: 'SIGINT' | 'SIGTERM'): Outcome {
  return signal === 'SIGTERM' ? 'terminated' : 'interrupted';
}

/** The outcome of a kzops error, by its closed code. */
export function errorCodeOutcome(code: KzopsErrorCode): Outcome {
  switch (code) {
    case 'usage':
    case 'invalid_input':
      return 'usage';
    case 'config_invalid':
      return 'invalid';
    case 'refused':
      return 'refused';
    case 'interrupted':
      return 'interrupted';
    case 'api_error':
    case 'auth_failed':
    case 'network_error':
    case 'outcome_unknown':
    case 'protocol_error':
    case 'internal':
      return 'failure';
  }
}

/** The outcome of anything a command threw: a kzops error by its code, anything else a failure (a bug). */
export function errorOutcome(err: unknown): Outcome {
  if (err instanceof InterruptedError) return signalOutcome(err.signal);
  if (err instanceof KzopsError) return errorCodeOutcome(err.code);
  return 'failure';
}

/** The `EXIT CODES` section of `--help`, generated from OUTCOMES. */
export const EXIT_CODES_HELP = [
  'EXIT CODES',
  ...Object.values(OUTCOMES).map(({ code, help }) => `  ${String(code).padEnd(4)}${help}`),
].join('\n');

/** The same table as Markdown, for the README (`| code | meaning |`). */
export function exitCodesMarkdown(): string {
  const width = Math.max(...Object.values(OUTCOMES).map(({ help }) => help.length));
  const row = (code: string, meaning: string) => `| ${code.padEnd(4)} | ${meaning.padEnd(width)} |`;
  return [
    row('code', 'meaning'),
    `| ---- | ${'-'.repeat(width)} |`,
    ...Object.values(OUTCOMES).map(({ code, help }) => row(String(code), help)),
  ].join('\n');
}
