/**
 * Ctrl-C and SIGTERM while a command is changing a server. The first signal asks the command
 * to stop starting work (its `signal` aborts) and to finish, record and report what is under
 * way; a second signal runs the command's last-moment hooks (synchronous: write what is known,
 * drop the lock file) and exits at once. Without a watch, Node's default applies (exit at once).
 * Services take a watch from their caller; the CLI's (src/cli/interrupts.ts) exits 130 or 143.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface InterruptWatch {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: StopSignal | undefined;
  /** Runs (synchronously, in order) before the process exits on a second signal. */
  onForce(hook: () => void): void;
  /** Removes the handlers: signals get Node's default behaviour again. */
  dispose(): void;
}

export function watchInterrupts(opts: {
  /** Told once, on the first signal (e.g. a line on stderr saying what happens now). */
  onFirst?: (signal: StopSignal) => void;
  /** Ends the process on a second signal (the CLI exits 130 or 143: see src/cli/interrupts.ts). */
  exit: (signal: StopSignal) => void;
}): InterruptWatch {
  const controller = new AbortController();
  const hooks: (() => void)[] = [];
  let received: StopSignal | undefined;
  const handler = (signal: StopSignal): void => {
    if (received === undefined) {
      received = signal;
      controller.abort(new Error(`${signal} received`));
      opts.onFirst?.(signal);
      return;
    }
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // a last-moment hook must not keep the process from exiting
      }
    }
    opts.exit(received);
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    onForce: (hook) => hooks.push(hook),
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/**
 * `work`'s result; or, once `signal` aborts, `undefined` if `work` has not settled within
 * `graceMs` (the caller records what it knows and exits). Without an abort it simply waits.
 */
export async function settleOrGiveUp<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    const start = () => {
      timer = setTimeout(() => resolve(undefined), graceMs);
    };
    if (signal.aborted) start();
    else signal.addEventListener('abort', start, { once: true });
  });
  try {
    return await Promise.race([work, gaveUp]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
