/**
 * Whether apply may run now on a target: `frozen` refuses outright, `change_windows` outside
 * their hours; `apply --emergency "REASON"` overrides both, and the reason is recorded (audit
 * log, commit message). Pure: the caller passes the instant.
 */
import type { TargetRules } from './rules.js';
import { describeInstant, windowStatus, type WindowOccurrence } from './windows.js';

export type GateRefusal =
  { kind: 'frozen'; reason: string } | { kind: 'outside_window'; next?: WindowOccurrence };

export interface GateOutcome {
  /** Apply may go on (no rule refuses, or an emergency overrides). */
  allowed: boolean;
  /** What would refuse (also when an emergency overrides it), for messages and the audit line. */
  refusals: GateRefusal[];
  /** The emergency reason, when one was given and was needed. */
  overriddenBy?: string;
  /** One sentence per refusal, for the error message (exit 5) or the override notice. */
  messages: string[];
}

/**
 * `emergency`: the text of `--emergency` (trimmed; empty counts as not given). It is only
 * recorded as an override when something would have refused.
 */
export function applyGate(
  target: string,
  rules: Pick<TargetRules, 'frozen' | 'changeWindows'>,
  now: Date,
  emergency?: string,
): GateOutcome {
  const refusals: GateRefusal[] = [];
  const messages: string[] = [];
  if (rules.frozen !== undefined) {
    refusals.push({ kind: 'frozen', reason: rules.frozen });
    messages.push(`target ${target} is frozen: ${rules.frozen}`);
  }
  const status = windowStatus(rules.changeWindows, now);
  if (!status.open) {
    const { next } = status;
    refusals.push(next === undefined ? { kind: 'outside_window' } : { kind: 'outside_window', next });
    const w = next === undefined ? undefined : rules.changeWindows[next.window];
    messages.push(
      next === undefined || w === undefined
        ? `target ${target} is outside its change windows, and none of them ever opens`
        : `target ${target} is outside its change windows; the next opens ${describeInstant(next.start, w.tz)} and closes ${describeInstant(next.end, w.tz)}`,
    );
  }
  const reason = emergency?.trim();
  if (refusals.length === 0) return { allowed: true, refusals, messages };
  if (reason !== undefined && reason !== '')
    return { allowed: true, refusals, overriddenBy: reason, messages };
  return { allowed: false, refusals, messages };
}
