/**
 * The base of every kzops command: one place that turns errors into output and an exit code
 * (see exit-codes.ts). Commands never call process.exit; they return their result (printed by
 * oclif for --json) or throw.
 */
import { Command, Errors, type Interfaces } from '@oclif/core';
import { KzopsError, UsageError } from '../core/errors.js';
import { revealValuesOnStdout, scrub, valuesRevealedOnStdout } from '../core/secret-registry.js';
import { EXIT_CODES_HELP, errorOutcome, setOutcome } from './exit-codes.js';

/**
 * `--show-secrets` (support commands): the secret values the command prints on stdout pass the
 * output scrubber; credentials and everything on stderr or in files are still scrubbed.
 */
function revealIfAsked<T extends { flags: object }>(parsed: T): T {
  if ((parsed.flags as Record<string, unknown>)['show-secrets'] === true) revealValuesOnStdout();
  return parsed;
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /** Appended to each command's description so the exit-code table is one `--help` away. */
  static exitCodesHelp = EXIT_CODES_HELP;

  /**
   * `this.parse`, with oclif's flag and argument errors turned into usage errors (exit 64).
   * oclif does not export its parser error classes, so everything `parse` throws counts.
   */
  /* eslint-disable @typescript-eslint/no-explicit-any -- the same bounds as oclif's own parse() */
  protected async parseInput<
    F extends Interfaces.OutputFlags<any>,
    B extends Interfaces.OutputFlags<any>,
    A extends Interfaces.OutputArgs<any>,
  >(options: Interfaces.Input<F, B, A>): Promise<Interfaces.ParserOutput<F, B, A>> {
    /* eslint-enable @typescript-eslint/no-explicit-any */
    try {
      return revealIfAsked(await this.parse(options));
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(
        /\nSee more help with --help$/,
        '',
      );
      throw new UsageError(message, {
        // Command ids use ':' inside oclif; users type the space-separated form.
        hint: `see kzops ${(this.id ?? '').replaceAll(':', ' ')} --help`.replace(/ +--help/, ' --help'),
      });
    }
  }

  /**
   * Errors always reach stderr, also under --json (oclif's logToStderr is silent then): a
   * script reading stdout gets nothing it could mistake for a result, a person still sees why.
   */
  private stderr(line: string): void {
    // Scrubbed here too, not only by the stream (bin/run.js): errors are where echoes land.
    process.stderr.write(`${scrub(line)}\n`);
  }

  /**
   * `--json` output: plain JSON, two-space indented. oclif's default colourises it token by
   * token, which costs seconds on a large plan and is never wanted in a pipe.
   */
  protected override logJson(json: unknown): void {
    process.stdout.write(scrub(`${JSON.stringify(json, null, 2)}\n`, { reveal: valuesRevealedOnStdout() }));
  }

  protected override catch(err: Error): Promise<void> {
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof KzopsError) {
      this.stderr(`error: ${err.summary()}`);
      if (err.hint) this.stderr(`hint: ${err.hint}`);
      if (err.kind === 'bug' || process.env.KZOPS_DEBUG?.includes('stack')) this.stderr(err.stack ?? '');
      setOutcome(errorOutcome(err));
      return Promise.resolve();
    }
    // Anything else is a bug in kzops: say so, with the stack, and fail.
    this.stderr(`error: unexpected failure (a bug in kzops): ${err.message}`);
    this.stderr(err.stack ?? '');
    setOutcome('failure');
    return Promise.resolve();
  }
}
