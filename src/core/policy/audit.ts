/**
 * The audit line every apply appends to `.kzops/audit.jsonl` (or `--audit-log`): one JSON
 * object per line, built here from plain values (the caller supplies the time, the operator
 * and the outcome; this module does no I/O and reads no clock or environment).
 */
import type { Action } from '../plan/types.js';

export interface AuditRecord {
  /** ISO 8601, UTC. */
  time: string;
  /** KZOPS_OPERATOR, else the git user (`name <email>`), else `unknown`. */
  operator: string;
  target: string;
  /** The plan fingerprint (64 hex) of what was applied. */
  fingerprint: string;
  /** Planned changes by action (noops left out). */
  planned: Record<Exclude<Action, 'noop'>, number>;
  /** Steps by outcome. */
  steps: { done: number; failed: number; skipped: number };
  /** `--emergency`'s reason, when the apply overrode a freeze or a change window. */
  emergency?: string;
  /** What the emergency overrode (`frozen`, `outside_window`). */
  overrode?: string[];
  /** `--only`/`--exclude`, when the apply was targeted. */
  targeting?: { only: string[]; exclude: string[] };
  /** How the run ended. */
  outcome: 'applied' | 'partial' | 'failed' | 'interrupted' | 'nothing_to_do';
}

export interface AuditInput {
  now: Date;
  /** The operator as configured (KZOPS_OPERATOR, or the git user); blank counts as unknown. */
  operator: string | undefined;
  target: string;
  fingerprint: string;
  planned: Partial<Record<Action, number>>;
  steps?: readonly { status: 'done' | 'failed' | 'skipped' }[];
  emergency?: string | undefined;
  overrode?: readonly string[];
  targeting?: { only: readonly string[]; exclude: readonly string[] } | undefined;
  interrupted?: boolean;
}

/** One line's worth: no line breaks can come from any field (JSON escapes them). */
export function auditRecord(input: AuditInput): AuditRecord {
  const steps = { done: 0, failed: 0, skipped: 0 };
  for (const s of input.steps ?? []) steps[s.status]++;
  const planned = {
    create: input.planned.create ?? 0,
    update: input.planned.update ?? 0,
    replace: input.planned.replace ?? 0,
    delete: input.planned.delete ?? 0,
  };
  const total = planned.create + planned.update + planned.replace + planned.delete;
  const outcome: AuditRecord['outcome'] = input.interrupted
    ? 'interrupted'
    : total === 0
      ? 'nothing_to_do'
      : steps.failed === 0 && steps.skipped === 0
        ? 'applied'
        : steps.done > 0
          ? 'partial'
          : 'failed';
  const operator = input.operator?.trim();
  const record: AuditRecord = {
    time: input.now.toISOString(),
    operator: operator === undefined || operator === '' ? 'unknown' : operator,
    target: input.target,
    fingerprint: input.fingerprint,
    planned,
    steps,
    outcome,
  };
  const emergency = input.emergency?.trim();
  if (emergency !== undefined && emergency !== '') record.emergency = emergency;
  if (input.overrode !== undefined && input.overrode.length > 0) record.overrode = [...input.overrode];
  if (input.targeting !== undefined && input.targeting.only.length + input.targeting.exclude.length > 0) {
    record.targeting = { only: [...input.targeting.only], exclude: [...input.targeting.exclude] };
  }
  return record;
}

/** The line to append (with its newline). */
export function auditLine(record: AuditRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** The `--commit` message's trailer lines for an emergency apply (empty when none). */
export function emergencyTrailer(reason: string | undefined): string {
  const text = reason?.trim();
  return text === undefined || text === '' ? '' : `Emergency: ${text.replace(/\s+/g, ' ')}`;
}
