/**
 * The I/O half of validation: every YAML file under the config directory, as text. Everything
 * else (README.md, editor files) is skipped; deciding what a YAML file is belongs to the pure
 * validator, which also reports YAML files in places it does not know.
 *
 * The reads are synchronous on purpose: a config is thousands of small files read once by a
 * short-lived command, and one promise plus four thread-pool round trips a file made reading
 * 10,000 files take a second instead of under a tenth of one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ConfigFile } from '../core/validate/problem.js';

const YAML_FILE = /\.ya?ml$/;

/** The directory must exist and be a directory; anything else is a mistake in `--dir`. */
function requireDirectory(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new UsageError(`--dir ${dir}: the config directory ${why}`, {
      cause: err,
      hint: 'run from the repository root, or pass --dir PATH to the directory that holds targets.yaml',
    });
  }
  if (!isDir) {
    throw new UsageError(`--dir ${dir}: not a directory`, {
      hint: 'pass --dir PATH to the directory that holds targets.yaml',
    });
  }
}

/**
 * Whether a symbolic link leads to a file. Links to directories are not followed (a link to
 * a parent would never end), and a dangling link is no file.
 */
function linksToFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Relative paths (with `/`) of the YAML files under `dir`. */
function yamlPaths(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return yamlPaths(dir, rel);
    if (!YAML_FILE.test(entry.name)) return [];
    const isFile = entry.isFile() || (entry.isSymbolicLink() && linksToFile(join(dir, rel)));
    return isFile ? [rel] : [];
  });
}

/** Every .yaml/.yml file under `dir`, recursively, sorted by path (code-unit order). */
export function readConfigDir(dir: string): Promise<ConfigFile[]> {
  try {
    requireDirectory(dir);
    const paths = yamlPaths(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(paths.map((path) => ({ path, text: readFileSync(join(dir, path), 'utf8') })));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
