/** How the support commands print a service's result: views through the Ui, JSON returned. */
import type { SupportResult, DryRunJson } from '../services/support/session.js';
import type { Ui } from '../services/ui.js';
import { UsageError } from '../core/errors.js';
import { renderDryRun } from '../render/support-views.js';
import type { BulkResult } from '../services/support/bulk.js';
import { setOutcome, signalOutcome } from './exit-codes.js';
import { watchInterrupts, type InterruptWatch, type StopSignal } from './interrupts.js';

/** A rendered view (which ends in a newline) through `ui.out` (which adds one). */
export function printView(ui: Ui, text: string): void {
  ui.out(text.replace(/\n$/, ''));
}

/** The held-back requests of --dry-run: printed, and what --json prints. */
export function dryRunOutput(ui: Ui, requests: string[]): DryRunJson {
  printView(ui, renderDryRun(requests));
  return { dry_run: true, requests };
}

/**
 * The usual ending of a support command: under --dry-run the held-back requests; otherwise
 * `view` prints the data, which is what --json prints.
 */
export function finish<T>(
  ui: Ui,
  result: SupportResult<T>,
  view: (data: T, done: Extract<SupportResult<T>, { outcome: 'done' }>) => void,
): T | DryRunJson {
  if (result.outcome === 'dry_run') return dryRunOutput(ui, result.requests);
  view(result.data, result);
  return result.data;
}

/** A bulk run's exit code: 4 when a row failed or was invalid, 130/143 when interrupted. */
export function bulkExit(result: BulkResult): void {
  if (result.outcome === 'interrupted' && result.signal !== undefined)
    setOutcome(signalOutcome(result.signal));
  else if (result.outcome === 'partial') setOutcome('partial');
}

/** Under --from-csv the file gives the subscriptions: the arguments and `others` must not be given too. */
export function refuseWithCsv(what: string, command: string, given: Record<string, unknown>): void {
  const extra = Object.entries(given)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (extra.length > 0) {
    throw new UsageError(
      `--from-csv takes the subscriptions and ${what} from the file: drop ${extra.join(', ')}`,
      {
        hint: `see kzops subscriptions ${command} --help`,
      },
    );
  }
}

/** Ctrl-C and SIGTERM for a bulk run: `onFirst` is told of the first signal. */
export function interruptWatch(onFirst: (signal: StopSignal) => void): InterruptWatch {
  return watchInterrupts({ onFirst });
}
