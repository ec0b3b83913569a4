/**
 * `kzops init` as a service: write a new config repository (config/, schemas, CI workflows,
 * README, .gitignore) into a directory, refusing to overwrite unless forced, and run git init
 * when the directory is not in a work tree. Nothing is printed: the caller renders the result.
 */
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckRepoActions, simpleGit } from 'simple-git';
import { schemaPath } from '../config/schemas.js';
import { InternalError, RefusedError, UsageError } from '../core/errors.js';
import {
  ACTION_PLACEHOLDER,
  ACTION_REF,
  INIT_SCHEMA_KINDS,
  WORKFLOW_TEMPLATES,
  initFiles,
  type InitFile,
} from '../core/init/files.js';

/** What `--json` prints. */
export interface InitJson {
  /** The new repository's root, absolute. */
  dir: string;
  /** Every file written, relative to `dir`, `/`-separated, sorted. */
  files: string[];
  /** Whether init ran `git init` (false with --no-git, or inside an existing work tree). */
  git_init: boolean;
  /** The action the installed workflows call; the placeholder when --action was not given. */
  action: string;
}

export interface InitOptions {
  /** Where to create the repository (as the user typed it: messages name it so). */
  dir: string;
  /** Overwrite files that already exist. */
  force: boolean;
  /** Run git init when `dir` is not inside a git work tree. */
  git: boolean;
  /** kzops' version, written into the generated files. */
  version: string;
  /** The action the workflows call (`OWNER/REPO@REF`); default the placeholder. */
  action?: string | undefined;
}

export interface InitRun {
  outcome: 'ok';
  json: InitJson;
  /** Files that existed and were overwritten (with `force`), relative to the root. */
  overwritten: string[];
  /** The branch a fresh git init created (when `json.git_init`). */
  branch: string;
}

/**
 * The workflow templates ship at the package root (package.json "files"); this module runs
 * from dist/services (built) or src/services (vitest), both two levels below it.
 */
const WORKFLOW_TEMPLATE_DIR = new URL('../../.github/workflow-templates/', import.meta.url);
/** A new repository's branch when git does not say (a fresh `git init`, or no git at all). */
const FALLBACK_BRANCH = 'main';

export async function initRepository(opts: InitOptions): Promise<InitRun> {
  if (opts.action !== undefined && !ACTION_REF.test(opts.action)) {
    throw new UsageError(`--action ${opts.action}: not an action reference (OWNER/REPO@REF)`, {
      hint: 'name the repository and tag the kzops action is published at, e.g. --action my-org/kzops@v0',
    });
  }
  const root = resolve(opts.dir);
  const rootStat = await statOrUndefined(root);
  if (rootStat && !rootStat.isDirectory()) {
    throw new UsageError(`DIR ${opts.dir} exists and is not a directory`);
  }

  // The branch the apply workflow runs on: the work tree's current one, or the one git
  // init is about to create.
  const tree = await gitWorkTree(root);
  const gitInit = opts.git && tree === undefined;
  if (gitInit && !(await simpleGit().version()).installed) {
    throw new UsageError('git is not installed, so init cannot make DIR a git repository', {
      hint: 'install git, or pass --no-git',
    });
  }
  const files = initFiles({
    workflows: await readWorkflowTemplates(),
    schemas: await readSchemas(),
    defaultBranch: tree?.branch || FALLBACK_BRANCH,
    version: opts.version,
    action: opts.action,
  });

  const existing = await existingFiles(root, files);
  if (existing.length > 0 && !opts.force) {
    throw new RefusedError(
      `${opts.dir} already has ${existing.length} of the files kzops init writes; nothing was written:\n${existing.map((p) => `  ${p}`).join('\n')}`,
      { hint: 'pass --force to overwrite them, or init into an empty directory' },
    );
  }

  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.text);
  }
  if (gitInit) {
    const git = simpleGit(root);
    await git.init();
    // Before the first commit HEAD may name any branch: make it the one the workflows use,
    // whatever init.defaultBranch says (and with gits older than --initial-branch).
    await git.raw(['symbolic-ref', 'HEAD', `refs/heads/${FALLBACK_BRANCH}`]);
  }
  return {
    outcome: 'ok',
    json: {
      dir: root,
      files: files.map((f) => f.path),
      git_init: gitInit,
      action: opts.action ?? ACTION_PLACEHOLDER,
    },
    overwritten: existing,
    branch: FALLBACK_BRANCH,
  };
}

async function statOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The files of the plan that exist already. A path that exists as something else than a
 * file, or under something that is not a directory, cannot be written even with --force.
 */
async function existingFiles(root: string, files: InitFile[]): Promise<string[]> {
  const existing: string[] = [];
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const st = await statOrUndefined(join(root, dir));
      if (st && !st.isDirectory()) throw new UsageError(`${join(root, dir)} exists and is not a directory`);
    }
    const st = await statOrUndefined(join(root, file.path));
    if (st === undefined) continue;
    if (!st.isFile()) throw new UsageError(`${join(root, file.path)} exists and is not a file`);
    existing.push(file.path);
  }
  return existing;
}

/** The git work tree `dir` is inside (from its nearest existing ancestor), or undefined. */
async function gitWorkTree(dir: string): Promise<{ branch: string } | undefined> {
  let probe = dir;
  while ((await statOrUndefined(probe)) === undefined && dirname(probe) !== probe) probe = dirname(probe);
  const git = simpleGit(probe);
  let inside: boolean;
  try {
    inside = await git.checkIsRepo(CheckRepoActions.IN_TREE);
  } catch {
    // No git (or one that cannot run here): not a work tree as far as init can tell.
    return undefined;
  }
  if (!inside) return undefined;
  // Empty when HEAD is detached; the caller falls back then.
  const branch = (await git.raw(['branch', '--show-current'])).trim();
  return { branch };
}

async function readWorkflowTemplates(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of WORKFLOW_TEMPLATES) {
    const path = fileURLToPath(new URL(name, WORKFLOW_TEMPLATE_DIR));
    out[name] = await readShipped(path, 'workflow template');
  }
  return out;
}

async function readSchemas(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const kind of INIT_SCHEMA_KINDS) out[kind] = await readShipped(schemaPath(kind), 'schema');
  return out;
}

/** A file that ships with kzops: missing means a broken installation, reported as such. */
async function readShipped(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new InternalError(`the ${what} ${path} cannot be read: ${(err as Error).message}`, {
      cause: err,
      hint: 'it ships with kzops (package.json "files"); reinstall kzops',
    });
  }
}
