/**
 * The whole CLI as one function: `runCli(argv)` runs one kzops command and returns its exit
 * code instead of exiting. bin/run.js calls it once and sets process.exitCode; the tests call
 * it in-process (test/inprocess.ts), many times in one worker.
 *
 * It does what oclif's `execute` does (run, flush, and on an error oclif's `handle`, which
 * prints the error and picks the code), except that `handle`'s process.exit is caught through
 * the stub oclif provides for it (`Exit`). The code is then, in order: the one `handle` chose
 * (an oclif ExitError's code, 2 for an unknown command, oclif's parse errors' own codes), the
 * one the command left in process.exitCode (BaseCommand.catch and the commands set it from
 * exit-codes.ts), else 0. process.exitCode is cleared before and after, so runs do not leak
 * codes into each other.
 */
import { fileURLToPath } from 'node:url';
import { Config, flush, run } from '@oclif/core';
import { Exit, handle } from '@oclif/core/handle';
import { installOutputScrub } from '../core/secret-registry.js';
import { takeExitCode } from './exit-codes.js';

/** The package root: dist/cli/main.js and src/cli/main.ts both sit two levels below it. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const configs = new Map<string, Promise<Config>>();

/** oclif's Config (package.json, plugins, the command list) is read once per root. */
function loadConfig(root: string): Promise<Config> {
  let config = configs.get(root);
  if (config === undefined) {
    config = Config.load(root);
    configs.set(root, config);
    // A failed load is not cached: the next run tries again (and reports its own error).
    config.catch(() => configs.delete(root));
  }
  return config;
}

export interface RunCliOptions {
  /** The package root oclif reads package.json from (default: this package). */
  root?: string;
}

/** Runs `kzops ARGV` and returns the exit code; never calls process.exit. */
export async function runCli(argv: string[], opts: RunCliOptions = {}): Promise<number> {
  // Before anything can print: every secret kzops learns is scrubbed from stdout and stderr.
  installOutputScrub();
  takeExitCode();
  let handled: number | undefined;
  try {
    const config = await loadConfig(opts.root ?? ROOT);
    await run(argv, config);
    await flush();
  } catch (err) {
    const stub = Object.getOwnPropertyDescriptor(Exit, 'exit');
    // oclif's handle prints the error as `execute` would, then "exits": the first code wins
    // (for a SIGINT error handle asks for 1 and would carry on to a second call).
    Exit.exit = ((code = 0) => {
      handled ??= code;
    }) as typeof Exit.exit;
    try {
      await handle(err as Error);
    } finally {
      if (stub) Object.defineProperty(Exit, 'exit', stub);
    }
    handled ??= 1;
  }
  const left = takeExitCode();
  return handled ?? left;
}
