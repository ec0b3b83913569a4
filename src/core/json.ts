/**
 * A JSON object or YAML mapping: a plain object (not null, not an array, not a Date or other
 * class instance). The one object type guard: documents, API bodies, the simulator's store
 * and state files all go through it.
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
