import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { prepareConnection } from '../cli/connect.js';
import { acquireLock, lockPath, type Lock } from '../reconcile/lock.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { readConfigDir } from '../config/read-config-dir.js';
import { loadSchemas } from '../config/schemas.js';
import { ConfigError, UsageError } from '../core/errors.js';
import {
  exportConfig,
  type ExportResult,
  type ExportStatus,
  type NotLiveFile,
  type SecretVariable,
} from '../core/export/export-config.js';
import type { RoutingKind } from '../core/export/document.js';
import type { Problem } from '../core/validate/index.js';
import { displayPath } from '../render/problems.js';
import { readLive } from '../reconcile/read-live.js';
import { readState, writeState } from '../reconcile/state-file.js';

/** What `--json` prints. Paths are relative to the working directory (the --dir value prefixed), as validate prints them. */
export interface ExportJson {
  target: string;
  dry_run: boolean;
  files: { path: string; kind: RoutingKind; key: string; id: string; status: ExportStatus }[];
  /** The state file written (or that would be). */
  state: string;
  /** Variables holding the secrets of exported documents: set them before apply. */
  secrets_env: SecretVariable[];
  /** Existing files of documents that are not live any more: kept, not exported. */
  not_live: NotLiveFile[];
  /** Cluster document files: the API cannot read cluster documents, so export leaves them as they are. */
  clusters_not_exported: string[];
  warnings: string[];
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

export default class ExportCommand extends BaseCommand {
  static override summary =
    'Write the live routing state of the target as config files, to adopt a deployment';
  static override description = `Reads every customer cluster, carrier SBC and media server of the target and writes one config file for each (customer_clusters/<id>.yaml, carrier_sbcs/<key>.yaml, media_servers/<key>.yaml), plus the target's state file, so that kzops plan right after shows no changes for them.

Keys: the one the state file already maps to the document's id, else the key of an existing file with the same name (trimmed, ignoring case), else one made from the name (Sprint East SBC → sprint-east-sbc, then -2, -3 on a collision). References are written as keys (id:<hex> for a document that is not exported); server-owned fields (id, _rev, pvt_*) and fields the config schema does not have are left out; a secret field becomes {env: KZOPS_<KIND>_<KEY>_<FIELD>} and the variables to set are listed.

Existing files are edited in place: comments, key order and quoting stay, only values that differ change, and a file that already says what the live document says is not rewritten. Files of documents no longer live are kept and listed, never deleted. Cluster documents cannot be read through the API: their files and state entries are left as they are. targets.yaml is never written.

A live document that does not fit the config schema is still written, with a warning naming the file (exit 0). --dry-run shows what would be written and writes nothing. --json prints {target, dry_run, files: [{path, kind, key, id, status}], state, secrets_env, not_live, clusters_not_exported, warnings}.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> export',
    '<%= config.bin %> export --target sandbox --dry-run',
    '<%= config.bin %> export --dir path/to/config --json',
  ];
  static override flags = {
    ...targetFlags,
    ...concurrencyFlag,
    'dry-run': Flags.boolean({
      description: 'show what would be written, write nothing',
      default: false,
    }),
  };

  async run(): Promise<ExportJson> {
    const { flags } = await this.parseInput(ExportCommand);
    // Without trailing slashes, so that displayed paths read config/..., not config//...
    const dir = (flags.dir ?? 'config').replace(/(.)\/+$/, '$1');
    const dryRun = flags['dry-run'];
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new UsageError(`--dir ${dir}: not a directory`);
    }
    const existed = existsSync(dir);
    // connect() refuses a --dir that does not exist, and the directory is where the export
    // goes: create it first. A dry run removes what it created (see the finally below).
    const created = existed || flags.dir === undefined ? undefined : await mkdir(dir, { recursive: true });

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
        dir: flags.dir,
        target: flags.target,
        concurrency: flags.concurrency,
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
        const live = await readLive(conn.client, { concurrency: flags.concurrency });
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
    if (!this.jsonEnabled()) process.stdout.write(renderExportText(json, { label, dir }));
    return json;
  }
}

/**
 * Replaces a config file whole or not at all (a temporary file renamed over it), keeping the
 * permissions of the file it replaces: config files are committed, so they are created with
 * the usual mode, not the owner-only mode of kzops' own state. The temporary name is a dot
 * file without a .yaml ending, so a leftover is never read as config.
 */
async function writeConfigFile(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.kzops-${process.pid}.tmp`);
  const mode = await stat(path).then(
    (s) => s.mode & 0o777,
    () => undefined,
  );
  try {
    await writeFile(tmp, text, 'utf8');
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
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

const STATUS_WIDTH = 'unchanged'.length;

/** The human output: one line a file, what needs a person's attention, then the summary. */
export function renderExportText(out: ExportJson, opts: { label: string; dir: string }): string {
  const lines: string[] = [];
  lines.push(
    `Export from ${opts.label} into ${opts.dir}/${out.dry_run ? ' (dry run: nothing is written)' : ''}`,
  );
  lines.push('');
  for (const f of out.files) lines.push(`  ${f.status.padEnd(STATUS_WIDTH)}  ${f.path}`);
  if (out.files.length === 0)
    lines.push('  (the target has no customer clusters, carrier SBCs or media servers)');

  if (out.not_live.length > 0) {
    lines.push('', 'Not live any more (kept, not exported; delete a file to stop managing it):');
    for (const f of out.not_live) lines.push(`  ${f.path}`);
  }
  const clusters = out.clusters_not_exported.length;
  lines.push(
    '',
    `Cluster documents cannot be read through the API: none exported${
      clusters > 0
        ? `; ${clusters === 1 ? '1 file' : `${clusters} files`} in ${opts.dir}/clusters/ left as ${clusters === 1 ? 'it is' : 'they are'}`
        : ''
    }.`,
  );
  if (out.secrets_env.length > 0) {
    lines.push('', 'Secrets are read from these environment variables; set them before kzops apply:');
    for (const s of out.secrets_env) lines.push(`  ${s.variable}  (${s.file}: ${s.field})`);
  }
  if (out.warnings.length > 0) {
    lines.push('');
    for (const w of out.warnings) lines.push(`warning: ${w}`);
  }

  const count = (status: ExportStatus) => out.files.filter((f) => f.status === status).length;
  const n = out.files.length;
  lines.push(
    '',
    `${out.dry_run ? 'Would export' : 'Exported'} ${n} document${n === 1 ? '' : 's'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged. State: ${out.state}${out.dry_run ? ' (not written)' : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
