/**
 * Writes a target's state while apply runs: one write at a time, the latest state wins (a
 * state that arrives while a write is under way replaces any that was waiting). Each write is
 * atomic, so a process killed at any moment leaves a whole state file: the last one written.
 */
import type { TargetState } from '../core/plan/types.js';
import { writeState, writeStateSync } from './state-file.js';

export interface StateSaver {
  /** Queues `state` to be written (only the newest queued state is). */
  save(state: TargetState): void;
  /** Resolves when nothing is being written or waiting. */
  idle(): Promise<void>;
  /** Writes the newest state not yet written, synchronously (the process is about to exit). */
  flushSync(): void;
}

export function stateSaver(path: string): StateSaver {
  let waiting: TargetState | undefined;
  let writing: Promise<void> | undefined;
  let lastError: unknown;
  const pump = (): void => {
    if (writing !== undefined || waiting === undefined) return;
    const next = waiting;
    waiting = undefined;
    writing = writeState(path, next)
      .catch((err: unknown) => {
        lastError = err;
        // Not lost: the next state, or the final write, tries again.
        waiting ??= next;
      })
      .finally(() => {
        writing = undefined;
        if (lastError === undefined) pump();
      });
  };
  return {
    save(state) {
      waiting = state;
      lastError = undefined;
      pump();
    },
    async idle() {
      while (writing !== undefined) await writing;
    },
    flushSync() {
      if (waiting !== undefined) writeStateSync(path, waiting);
      waiting = undefined;
    },
  };
}
