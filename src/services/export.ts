/**
 * `kzops export` as a service: read every live routing document of the target and write one
 * config file for each (edited in place when it exists), plus the target's state file.
 * Nothing is printed: the caller renders the result (src/render/export-text.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { readConfigDir } from '../config/read-config-dir.js';
import { loadSchemas } from '../config/schemas.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { exportConfig, type ExportResult } from '../core/export/export-config.js';
import type { Problem } from '../core/validate/index.js';
import type { ExportJson } from '../render/export-text.js';
import { displayPath } from '../render/problems.js';
import { acquireLock, lockPath, type Lock } from '../reconcile/lock.js';
import { readLive } from '../reconcile/read-live.js';
import { readState, writeState } from '../reconcile/state-file.js';
import { prepareConnection } from './connect.js';
import { writeFileAtomic } from '../io/atomic-write.js';

export interface ExportOptions {
  /** The config directory, where the files go; undefined means `config` (created when absent only if given). */
  dir?: string | undefined;
  /** The target's name; undefined means KZOPS_TARGET, else targets.yaml's default. */
  target?: string | undefined;
  /** Requests in flight at once. */
  concurrency: number;
  /** Work out what would be written, write nothing. */
  dryRun?: boolean;
  /** The environment (the target's key); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface ExportRun {
  outcome: 'ok';
  json: ExportJson;
  /** What the target is, for headers of human output. */
  label: string;
  /** The config directory as shown (no trailing slash). */
  dir: string;
}

/** A path as a person would type it from here: relative when it lies under the working directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function problemLine(p: Problem, dir: string): string {
  return `${displayPath(p.file, dir)}:${p.line}:${p.col} ${p.code} ${p.message}`;
}

/**
 * The warnings of an export: its own, then what `kzops validate` would say about the files it
 * wrote (a live document that does not fit the config schema is written anyway), about a
 * missing targets.yaml, and how many problems other files have.
 */
function warningsOf(result: ExportResult, dir: string): string[] {
  const exported = new Set(result.files.map((f) => f.path));
  const out = result.warnings.map((w) =>
    w.file === undefined ? w.message : `${displayPath(w.file, dir)}: ${w.message}`,
  );
  for (const p of result.problems) if (exported.has(p.file)) out.push(problemLine(p, dir));
  if (result.problems.some((p) => p.code === 'missing_file')) {
    out.push(
      `${dir} has no targets.yaml: kzops validate and plan need one that names this server (export does not write it)`,
    );
  }
  const others = result.problems.filter(
    (p) => p.severity === 'error' && !exported.has(p.file) && p.code !== 'missing_file',
  );
  if (others.length > 0) {
    const files = new Set(others.map((p) => p.file)).size;
    out.push(
      `${others.length} problem${others.length === 1 ? '' : 's'} in ${files} other file${files === 1 ? '' : 's'} of ${dir}: run kzops validate --dir ${dir}`,
    );
  }
  return out;
}

export async function exportTarget(opts: ExportOptions): Promise<ExportRun> {
  // Without trailing slashes, so that displayed paths read config/..., not config//...
  const dir = (opts.dir ?? 'config').replace(/(.)\/+$/, '$1');
  const dryRun = opts.dryRun === true;
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new UsageError(`--dir ${dir}: not a directory`);
  }
  const existed = existsSync(dir);
  // connect() refuses a --dir that does not exist, and the directory is where the export
  // goes: create it first. A dry run removes what it created (see the finally below).
  const created = existed || opts.dir === undefined ? undefined : await mkdir(dir, { recursive: true });

  let result: ExportResult;
  let target: string;
  let label: string;
  let statePath: string;
  let lock: Lock | undefined;
  try {
    const files = existed ? await readConfigDir(dir) : [];
    // A file kzops could not read (a dangling link, a link out of the tree, a folder named
    // like a file, one over the size limit) must not be overwritten, nor written through.
    const unusable = files.filter((f) => f.unusable !== undefined);
    if (unusable.length > 0) {
      throw new ConfigError(
        `--dir ${dir}: ${unusable.length} entr${unusable.length === 1 ? 'y' : 'ies'} cannot be read (${unusable
          .slice(0, 3)
          .map((f) => f.path)
          .join(', ')}${unusable.length > 3 ? ', ...' : ''}); nothing was exported`,
        { hint: `run kzops validate --dir ${dir} for each reason, and fix or remove them` },
      );
    }
    const schemas = await loadSchemas();
    const prepared = await prepareConnection({
      dir: opts.dir,
      target: opts.target,
      concurrency: opts.concurrency,
      ...(opts.env === undefined ? {} : { env: opts.env }),
    });
    // Export writes the state file: never while an apply on the same target runs.
    lock = dryRun
      ? undefined
      : await acquireLock(lockPath(prepared.workDir, prepared.policy.name), prepared.policy.name, {
          timeoutMs: 0,
          command: 'kzops export',
        });
    const conn = await prepared.open();
    ({ statePath, label } = conn);
    target = conn.policy.name;
    try {
      // The state first, so a broken state file stops the run before any request.
      const state = await readState(conn.statePath, target);
      const live = await readLive(conn.client, { concurrency: opts.concurrency });
      result = exportConfig({
        target,
        date: new Date().toISOString().slice(0, 10),
        live,
        state,
        files,
        schemas,
      });
    } finally {
      await conn.close();
    }
    if (!dryRun) {
      for (const file of result.files) {
        if (file.status === 'unchanged') continue;
        const path = join(dir, file.path);
        await mkdir(dirname(path), { recursive: true });
        await writeConfigFile(path, file.text);
      }
      await writeState(statePath, result.state);
    }
  } finally {
    await lock?.release();
    if (dryRun && created !== undefined) await removeCreated(dir, created);
  }

  const json: ExportJson = {
    target,
    dry_run: dryRun,
    files: result.files.map((f) => ({
      path: displayPath(f.path, dir),
      kind: f.kind,
      key: f.key,
      id: f.id,
      status: f.status,
    })),
    state: shown(statePath),
    secrets_env: result.secrets.map((s) => ({ ...s, file: displayPath(s.file, dir) })),
    not_live: result.notLive.map((f) => ({ ...f, path: displayPath(f.path, dir) })),
    clusters_not_exported: result.clusterFiles.map((f) => displayPath(f, dir)),
    warnings: warningsOf(result, dir),
  };
  return { outcome: 'ok', json, label, dir };
}

/**
 * Replaces a config file whole or not at all, keeping the permissions of the file it replaces:
 * config files are committed, so they get the usual mode, not the owner-only mode of kzops'
 * own state. The temporary name is a dot file without a .yaml ending, so a leftover is never
 * read as config.
 */
function writeConfigFile(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, text, {
    mode: 'shared',
    tmpName: (name, unique) => `.${name}.kzops-${unique}.tmp`,
  });
}

/**
 * Removes the directories a dry run made for --dir, deepest first, up to the first one made.
 * One that is no longer empty stays: the embedded simulator keeps its state in `.kzops/`
 * beside the config directory, which may be one of them.
 */
async function removeCreated(dir: string, first: string): Promise<void> {
  const stop = resolve(first);
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      await rmdir(path);
    } catch {
      return;
    }
    if (path === stop || dirname(path) === path) return;
  }
}
