/**
 * oclif's `command_not_found` hook: a mistyped command suggests the nearest one and exits 64
 * (bad usage), never 2, which kzops reserves for "changes present" (a drift job with a typo
 * must not read as drifted), nor @oclif/plugin-not-found's own 127.
 *
 * At a terminal (stdin and stderr are TTYs) @oclif/plugin-not-found asks "Did you mean ...?"
 * and runs the suggestion on yes, as oclif CLIs do; its refusal exits 64 here. Anywhere else
 * (CI, scripts) nothing is asked: one `error:` line names the nearest command, if one is close.
 */
import { toConfiguredId, type Hook } from '@oclif/core';
import { closest } from '../core/validate/suggest.js';
import { EXIT } from './exit-codes.js';

/** What @oclif/plugin-not-found exits with when nothing ran. */
const PLUGIN_EXIT = 127;

/** The nearest visible command or alias to `id` (both in oclif's `a:b` form), if any is close. */
export function suggestCommand(id: string, config: Hook.Context['config']): string | undefined {
  const hidden = new Set(config.commands.filter((c) => c.hidden).map((c) => c.id));
  const ids = [...config.commandIDs, ...config.commands.flatMap((c) => c.aliases)].filter(
    (c) => !hidden.has(c),
  );
  return closest(id, ids);
}

const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY === true && process.stderr.isTTY === true) {
    const { default: prompt } = await import('@oclif/plugin-not-found');
    try {
      return await prompt.call(this, opts);
    } catch (err) {
      const exit = (err as { oclif?: { exit?: number } }).oclif?.exit;
      if (exit !== PLUGIN_EXIT) throw err;
      process.stderr.write(`${(err as Error).message}\n`);
      return this.exit(EXIT.usage);
    }
  }
  // With spaces between topic and command, oclif joins the arguments into the id too
  // (`routing lst carrier-sbcs` arrives as routing:lst:carrier-sbcs): the word mistyped is the
  // first one after the longest known topic.
  const words = opts.id.split(':');
  let depth = 0;
  while (depth < words.length - 1 && opts.config.findTopic(words.slice(0, depth + 1).join(':'))) depth++;
  const typed = words.slice(0, depth + 1).join(':');
  const nearest = suggestCommand(typed, opts.config);
  const suggestion = nearest === undefined ? '' : `; did you mean ${toConfiguredId(nearest, opts.config)}?`;
  process.stderr.write(`error: ${toConfiguredId(typed, opts.config)} is not a kzops command${suggestion}\n`);
  process.stderr.write(`hint: see ${opts.config.bin} help for the list of commands\n`);
  return this.exit(EXIT.usage);
};

export default hook;
