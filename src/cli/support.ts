/**
 * A yes/no question at a terminal, for commands not yet on the Ui port (apply, lock release).
 * The support commands' flags are in ./support-flags.ts, their services in src/services/support/.
 */
import { InterruptedError } from '../core/errors.js';

/** A yes/no question at a terminal, "no" by default. */
export async function ask(message: string): Promise<boolean> {
  const { default: confirm } = await import('@inquirer/confirm');
  try {
    return await confirm({ message, default: false });
  } catch (err) {
    // Ctrl-C at the prompt (the terminal is in raw mode, so it arrives as a key, not a signal).
    if (err instanceof Error && err.name === 'ExitPromptError') {
      throw new InterruptedError('interrupted at the prompt; nothing was done');
    }
    throw err;
  }
}
