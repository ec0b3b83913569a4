/**
 * The real `Ui` (src/services/ui.ts) of a command run from a shell: results on stdout, messages
 * on stderr, questions through @inquirer/confirm, progress bars through cli-progress, colour
 * as `useColor` decides, and the terminal's width.
 */
import { InterruptedError } from '../core/errors.js';
import { scrub } from '../core/secret-registry.js';
import type { ProgressBar, Ui } from '../services/ui.js';
import { outputWidth, useColor } from './color.js';

export interface ProcessUiOptions {
  /**
   * The command prints a JSON document as its result (`--json`): stdout is for it alone, so
   * `out` prints nothing and colour is off.
   */
  json?: boolean;
}

export function processUi(opts: ProcessUiOptions = {}): Ui {
  const json = opts.json === true;
  return {
    out: (text) => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    // Messages on stderr are scrubbed of registered secrets here too (as BaseCommand's errors).
    err: (text) => void process.stderr.write(`${scrub(text)}\n`),
    confirm: ask,
    progress: (total, label) => (process.stderr.isTTY === true ? bar(total, label) : undefined),
    // A question is asked on stdout and answered on stdin: both must be a terminal.
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    color: !json && useColor(),
    width: outputWidth(),
  };
}

/** A yes/no question at a terminal, "no" by default. */
async function ask(message: string): Promise<boolean> {
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

/**
 * A bar on stderr. `label` may use cli-progress's tokens ({value}, {total}, {eta_formatted});
 * without `{bar}` the bar is drawn after it.
 */
function bar(total: number, label: string): ProgressBar {
  // Loaded only when a bar is drawn: most runs never need it.
  let stopped = false;
  let pending: [number, Record<string, number | string> | undefined] | undefined;
  let instance: { update(n: number, values?: object): void; stop(): void } | undefined;
  const ready = import('cli-progress').then(({ default: cliProgress }) => {
    if (stopped) return;
    const format = label.includes('{bar}')
      ? label
      : `${label} |{bar}| {value}/{total} | {eta_formatted} left`;
    const b = new cliProgress.SingleBar(
      { format, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    b.start(total, pending?.[0] ?? 0, pending?.[1]);
    instance = b;
  });
  void ready.catch(() => undefined);
  return {
    update(done, values) {
      if (instance) instance.update(done, values);
      else pending = [done, values];
    },
    stop() {
      stopped = true;
      instance?.stop();
    },
  };
}
