/** Builders for planner inputs as plain objects, shared by the planner's unit tests. */
import type { LiveDoc } from '../../src/core/plan/build-plan.js';
import type { Kind, TargetState } from '../../src/core/plan/types.js';
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
