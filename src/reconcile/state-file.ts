/**
 * The target's state file: which server id each config key was applied as, fingerprints of
 * what was last applied, and of the secrets (scrypt, salted with the per-target random
 * `hmac_key`; see secretFingerprint). `kzops apply` writes it; plan, drift and export read it.
 *
 * Where it lives: for a real server, `<dir>/state/<target>.json`, committed with the config.
 * For a `url: sim` target, `.kzops/state/<target>.json` beside the config directory, next to
 * the simulator's own state and git-ignored like it: the state of a throwaway server is not
 * worth a commit, and a fresh clone must not inherit ids its fresh simulator never had.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { secretFingerprintProblem } from '../core/plan/build-plan.js';
import { KINDS, type StateEntry, type TargetState } from '../core/plan/types.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { isRecord } from '../core/json.js';

/**
 * The working directory kzops keeps beside the config directory (`<dir>/../.kzops`): the
 * embedded simulator's state, the state of sim targets and the apply locks. Git-ignored.
 */
export function workDir(dir: string): string {
  return join(dirname(resolve(dir)), '.kzops');
}

/** Where the state of `target` lives (see the module comment). */
export function statePath(dir: string, target: string, sim = false): string {
  return sim ? join(workDir(dir), 'state', `${target}.json`) : join(dir, 'state', `${target}.json`);
}

/** sha256 digests (document fingerprints) and the random `hmac_key`. */
const HEX64 = /^[0-9a-f]{64}$/;

/** The first thing wrong with the shape of a parsed state file, or undefined. */
export function stateProblem(value: unknown, target: string): string | undefined {
  if (!isRecord(value)) return 'the top level is not an object';
  if (value.version !== 1) return `version must be 1 (got ${JSON.stringify(value.version)})`;
  if (value.target !== target) {
    return `target must be ${JSON.stringify(target)} (got ${JSON.stringify(value.target)})`;
  }
  if (value.hmac_key !== undefined && (typeof value.hmac_key !== 'string' || !HEX64.test(value.hmac_key))) {
    return 'hmac_key must be 64 lowercase hex characters';
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
      for (const [path, fingerprint] of Object.entries(entry.secrets)) {
        const wrong = secretFingerprintProblem(fingerprint);
        if (wrong !== undefined) return `resources.${ref}.secrets.${path} ${wrong}`;
      }
    }
  }
  return undefined;
}

/** The state of `target` in the file at `path`, or undefined when there is none yet (never applied). */
export async function readState(path: string, target: string): Promise<TargetState | undefined> {
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
  const out: TargetState = { version: 1, target, resources };
  if (state.hmac_key !== undefined) out.hmac_key = state.hmac_key;
  return out;
}

/** The state as written: keys in a stable order, so its git diffs show only real changes. */
export function serializeTargetState(state: TargetState): string {
  const resources: Record<string, StateEntry> = {};
  for (const ref of Object.keys(state.resources).sort()) {
    const entry = state.resources[ref];
    if (entry === undefined) continue;
    const copy: StateEntry = { id: entry.id };
    if (entry.fingerprint !== undefined) copy.fingerprint = entry.fingerprint;
    if (entry.secrets !== undefined && Object.keys(entry.secrets).length > 0) {
      copy.secrets = Object.fromEntries(Object.entries(entry.secrets).sort(([a], [b]) => (a < b ? -1 : 1)));
    }
    resources[ref] = copy;
  }
  const out: TargetState = {
    version: 1,
    target: state.target,
    ...(state.hmac_key === undefined ? {} : { hmac_key: state.hmac_key }),
    resources,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Writes the state atomically (a crash leaves the old file or the new one, never half). */
export async function writeState(path: string, state: TargetState): Promise<void> {
  const problem = stateProblem(JSON.parse(serializeTargetState(state)), state.target);
  if (problem !== undefined) throw new Error(`refusing to write a corrupt state file ${path}: ${problem}`);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, serializeTargetState(state));
}

/**
 * The same, synchronously: for the last moment before the process exits on a second Ctrl-C,
 * when nothing asynchronous will run any more. Temp file, fsync, rename.
 */
export function writeStateSync(path: string, state: TargetState): void {
  const text = serializeTargetState(state);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-sync`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
