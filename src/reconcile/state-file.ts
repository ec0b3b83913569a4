/**
 * The target's state file, `<dir>/state/<target>.json`: which server id each config key was
 * applied as, and fingerprints of the secrets last applied. Committed with the config. This
 * module only reads it; `kzops apply` writes it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { KINDS, type StateEntry, type TargetState } from '../core/plan/types.js';

/** Where the state of `target` lives under the config directory. */
export function statePath(dir: string, target: string): string {
  return join(dir, 'state', `${target}.json`);
}

/** sha256 and HMAC-SHA256 digests, as the planner writes them. */
const HEX64 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first thing wrong with the shape of a parsed state file, or undefined. */
export function stateProblem(value: unknown, target: string): string | undefined {
  if (!isRecord(value)) return 'the top level is not an object';
  if (value.version !== 1) return `version must be 1 (got ${JSON.stringify(value.version)})`;
  if (value.target !== target) {
    return `target must be ${JSON.stringify(target)} (got ${JSON.stringify(value.target)})`;
  }
  if (!isRecord(value.resources)) return 'resources must be an object';
  for (const [ref, entry] of Object.entries(value.resources)) {
    const [kind, key, ...rest] = ref.split('/');
    if (rest.length > 0 || !key || !(KINDS as readonly string[]).includes(kind ?? '')) {
      return `resources: ${JSON.stringify(ref)} is not <kind>/<key>`;
    }
    if (!isRecord(entry)) return `resources.${ref} must be an object`;
    if (typeof entry.id !== 'string' || entry.id === '')
      return `resources.${ref}.id must be a non-empty string`;
    if (
      entry.fingerprint !== undefined &&
      (typeof entry.fingerprint !== 'string' || !HEX64.test(entry.fingerprint))
    ) {
      return `resources.${ref}.fingerprint must be 64 lowercase hex characters`;
    }
    if (entry.secrets !== undefined) {
      if (!isRecord(entry.secrets)) return `resources.${ref}.secrets must be an object`;
      for (const [path, mac] of Object.entries(entry.secrets)) {
        if (typeof mac !== 'string' || !HEX64.test(mac)) {
          return `resources.${ref}.secrets.${path} must be 64 lowercase hex characters`;
        }
      }
    }
  }
  return undefined;
}

/** The state of `target`, or undefined when it has none yet (never applied). */
export async function readState(dir: string, target: string): Promise<TargetState | undefined> {
  const path = statePath(dir, target);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`state file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`state file ${path} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
      hint: 'restore it from git (git checkout -- the file); kzops apply writes it',
    });
  }
  const problem = stateProblem(value, target);
  if (problem !== undefined) {
    throw new ConfigError(`state file ${path} is corrupt: ${problem}`, {
      hint: 'restore it from git (git checkout -- the file); kzops apply writes it',
    });
  }
  const state = value as TargetState;
  // A copy with only the known fields, so stray keys cannot reach the planner.
  const resources: Record<string, StateEntry> = {};
  for (const [ref, entry] of Object.entries(state.resources)) {
    const copy: StateEntry = { id: entry.id };
    if (entry.secrets !== undefined) copy.secrets = { ...entry.secrets };
    if (entry.fingerprint !== undefined) copy.fingerprint = entry.fingerprint;
    resources[ref] = copy;
  }
  return { version: 1, target, resources };
}
