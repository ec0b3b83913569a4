/**
 * The base of every kzops command: one place that turns errors into output and an exit code
 * (see exit-codes.ts). Commands never call process.exit; they return their result (printed by
 * oclif for --json) or throw.
 */
import { Command, Errors, type Interfaces } from '@oclif/core';
import { KzopsError, UsageError } from '../core/errors.js';
import { EXIT, EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';

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
      return await this.parse(options);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(
        /\nSee more help with --help$/,
        '',
      );
      throw new UsageError(message, {
        hint: `see kzops ${this.id ?? ''} --help`.replace(/ +--help/, ' --help'),
      });
    }
  }

  protected override catch(err: Error): Promise<void> {
    if (err instanceof Errors.ExitError) throw err;
    if (err instanceof KzopsError) {
      this.logToStderr(`error: ${err.summary()}`);
      if (err.hint) this.logToStderr(`hint: ${err.hint}`);
      if (err.kind === 'bug' || process.env.KZOPS_DEBUG?.includes('stack')) this.logToStderr(err.stack ?? '');
      process.exitCode = exitCodeFor(err.code);
      return Promise.resolve();
    }
    // Anything else is a bug in kzops: say so, with the stack, and fail.
    this.logToStderr(`error: unexpected failure (a bug in kzops): ${err.message}`);
    this.logToStderr(err.stack ?? '');
    process.exitCode = EXIT.failure;
    return Promise.resolve();
  }
}
