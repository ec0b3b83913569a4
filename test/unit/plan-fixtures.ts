/** Builders for planner inputs as plain objects, shared by the planner's unit tests. */
import type { LiveDoc } from '../../src/core/plan/build-plan.js';
import type { Action, Kind, Plan, PlannedChange, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';

export type Doc = Record<string, unknown>;

/** A 32-hex-digit id from a number. */
export const hex = (n: number): string => n.toString(16).padStart(32, '0');

/** A config resource as validation loads it from `<kind>/<key>.yaml`. */
export const res = (kind: Kind, key: string, doc: Doc): LoadedResource => ({
  kind,
  key,
  file: `${kind}/${key}.yaml`,
  doc,
});

/** A live document as the reader returns it (its id also in the document). */
export const live = (kind: Kind, id: string, doc: Doc): LiveDoc => ({ kind, id, doc: { id, ...doc } });

/** A state file of target `t` with these resources. */
export const state = (resources: TargetState['resources']): TargetState => ({
  version: 1,
  target: 't',
  resources,
});

/** A planned change of carrier_sbcs/sprint-east, with `over` on top. */
export function change(over: Partial<PlannedChange> & { action: Action }): PlannedChange {
  return { kind: 'carrier_sbcs', key: 'sprint-east', fields: [], notes: [], protected: false, ...over };
}

/** A plan of these changes for `target`, its summary counted from them. */
export function planOf(changes: PlannedChange[], unmanaged: Plan['unmanaged'] = [], target = 'lab'): Plan {
  const summary: Plan['summary'] = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  return { target, changes, unmanaged, summary };
}
