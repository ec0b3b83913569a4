/**
 * A saved plan (`kzops plan --out`) is applied exactly as reviewed, or not at all. Apply
 * plans again from the same config and the live state of now, and compares: any change the
 * two plans do not share, and any resource whose live document moved since the saved plan
 * was made (its fingerprint), makes the saved plan stale.
 */
import type { Plan, PlannedChange } from './types.js';

export interface Staleness {
  /** `<kind>/<key>` */
  ref: string;
  reason: string;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const refOf = (c: PlannedChange) => `${c.kind}/${c.key}`;

/** Why `saved` may not be applied as it stands when `now` is the fresh plan; empty when it may. */
export function stalePlan(saved: Plan, now: Plan): Staleness[] {
  const out: Staleness[] = [];
  const nowByRef = new Map(now.changes.map((c) => [refOf(c), c]));
  const savedByRef = new Map(saved.changes.map((c) => [refOf(c), c]));
  for (const before of saved.changes) {
    const ref = refOf(before);
    const after = nowByRef.get(ref);
    if (!after) {
      if (before.action !== 'noop') out.push({ ref, reason: `planned ${before.action}, no longer planned` });
      continue;
    }
    if (before.liveFingerprint !== after.liveFingerprint) {
      out.push({
        ref,
        reason:
          after.liveFingerprint === undefined
            ? 'the live document is gone since the plan was made'
            : before.liveFingerprint === undefined
              ? 'a live document appeared since the plan was made'
              : 'the live document changed since the plan was made',
      });
    } else if (before.action !== after.action) {
      out.push({ ref, reason: `planned ${before.action}, now ${after.action}` });
    } else if (before.id !== after.id || !sameJson(before.fields, after.fields)) {
      out.push({ ref, reason: `the ${before.action} differs from the one planned` });
    }
  }
  for (const after of now.changes) {
    if (after.action !== 'noop' && !savedByRef.has(refOf(after))) {
      out.push({ ref: refOf(after), reason: `${after.action} is not in the saved plan` });
    }
  }
  return out;
}
