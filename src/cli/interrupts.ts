/**
 * Ctrl-C and SIGTERM for a command run from a shell: the watch of src/services/interrupts.ts,
 * whose second signal exits the process with 130 (SIGINT) or 143 (SIGTERM).
 */
import { watchInterrupts as watch, type InterruptWatch, type StopSignal } from '../services/interrupts.js';
import { EXIT } from './exit-codes.js';

export { settleOrGiveUp, type InterruptWatch, type StopSignal } from '../services/interrupts.js';

/** 130 for Ctrl-C, 143 for SIGTERM. */
export function exitCodeOf(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export function watchInterrupts(opts: {
  /** Told once, on the first signal (e.g. a line on stderr saying what happens now). */
  onFirst?: (signal: StopSignal) => void;
  /** For tests: where a second signal exits (default process.exit). */
  exit?: (code: number) => void;
}): InterruptWatch {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  return watch({
    ...(opts.onFirst ? { onFirst: opts.onFirst } : {}),
    exit: (signal) => exit(exitCodeOf(signal)),
  });
}
