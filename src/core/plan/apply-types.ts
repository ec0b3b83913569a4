/**
 * What an apply run reports, step by step: plain data, so the reconciler (src/reconcile/apply.ts)
 * produces it and the renderers (src/render/apply-text.ts) print it without depending on each other.
 */
import type { StepOp } from './schedule.js';
import type { Kind } from './types.js';

export type StepStatus = 'done' | 'failed' | 'skipped';

export interface StepReport {
  n: number;
  op: StepOp;
  kind: Kind;
  key: string;
  /** The server id (for a create, the one the server gave). */
  id?: string;
  status: StepStatus;
  /** failed: what went wrong. skipped: which earlier step failed. */
  reason?: string;
  /** Something the reader should know about a step that succeeded (adopted after a lost response, ...). */
  note?: string;
}

/** A field that did not read back as it was written. */
export interface Divergence {
  kind: Kind;
  key: string;
  id: string;
  path: string;
  written: unknown;
  read: unknown;
}
