/**
 * The retry policy, as pure functions so every branch is testable without a server.
 *
 * The one rule that matters: a request that may change state is sent again only when we
 * *know* the previous attempt did not take effect (a 429, or a connection that never
 * opened). Anything else after sending leaves the outcome unknown, and we say so instead of
 * risking a double application.
 */
import type { NetworkPhase } from './errors.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  random: () => number;
}

export type Failure =
  | { kind: 'status'; status: number; retryAfterMs?: number }
  | { kind: 'network'; phase: NetworkPhase; transient: boolean };

export type Decision =
  | { retry: true; delayMs: number }
  | {
      retry: false;
      why: 'final' | 'exhausted' | 'retry_after_too_long' | 'outcome_unknown' | 'rate_limit_wait';
    };

/** Statuses that mean "try again later"; only 429 guarantees nothing was applied. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Statuses that honour `Retry-After` (the ones whose servers send it deliberately). */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * Answers after which a write may have been saved. A gateway (502, 504) lost track of the
 * upstream request; and crossbar maps a datastore error after `save_doc` exactly as one before
 * it (`crossbar_doc:save_jobj`), so its 503 too leaves a non-idempotent request's outcome as
 * unknown as after a connection reset.
 */
const UNKNOWN_OUTCOME_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * What to do after a failed attempt. `attemptsMade` counts attempts that used the retry
 * budget so far (the failed one included).
 */
export function decide(
  failure: Failure,
  idempotent: boolean,
  attemptsMade: number,
  policy: RetryPolicy,
): Decision {
  if (!isRetryable(failure, idempotent)) {
    return { retry: false, why: isOutcomeUnknown(failure, idempotent) ? 'outcome_unknown' : 'final' };
  }
  const retryAfterMs = failure.kind === 'status' ? failure.retryAfterMs : undefined;
  if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) {
    return { retry: false, why: 'retry_after_too_long' };
  }
  if (attemptsMade >= policy.maxAttempts) return { retry: false, why: 'exhausted' };
  const delayMs = Math.max(backoffDelay(attemptsMade - 1, policy), retryAfterMs ?? 0);
  return { retry: true, delayMs };
}

function isRetryable(failure: Failure, idempotent: boolean): boolean {
  if (failure.kind === 'status') {
    return failure.status === 429 || (idempotent && RETRYABLE_STATUSES.has(failure.status));
  }
  return failure.transient && (idempotent || failure.phase === 'connect');
}

/** A non-idempotent request whose attempt may have been applied by the server. */
export function isOutcomeUnknown(failure: Failure, idempotent: boolean): boolean {
  return !idempotent && mayHaveApplied(failure);
}

/** The attempt reached (or may have reached) the server without a definite answer. */
export function mayHaveApplied(failure: Failure): boolean {
  return failure.kind === 'network' ? failure.phase === 'sent' : UNKNOWN_OUTCOME_STATUSES.has(failure.status);
}

/** Full jitter: uniform in [0, min(maxDelay, base·2^retryIndex)). */
export function backoffDelay(retryIndex: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.floor(policy.random() * ceiling);
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (relative to `nowMs`). Dates in the
 * past give 0; unparseable values are ignored (undefined) rather than trusted.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // An HTTP date always has a day or month name; Date.parse alone would read "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
