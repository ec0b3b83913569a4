/**
 * The validated config a reconciling command (plan, apply, drift) starts from. An invalid
 * config is printed as `kzops validate` prints it and stops the command with exit 3 before
 * any request: nothing is ever sent on the strength of a config that does not validate.
 */
import { readConfigDir } from '../config/read-config-dir.js';
import { loadSchemas } from '../config/schemas.js';
import { ConfigError } from '../core/errors.js';
import { validateConfig, type ConfigFile, type ValidationResult } from '../core/validate/index.js';
import { displayPath, renderProblemsText } from '../render/problems.js';
import { write, type Ui } from './ui.js';

export interface ValidConfig {
  dir: string;
  files: ConfigFile[];
  result: ValidationResult;
}

/**
 * Reads and validates `dir`. With `json` (the caller's result is a JSON document on stdout),
 * the problems go to stderr, without colour.
 */
export async function loadValidConfig(dir: string, ui: Ui, opts: { json: boolean }): Promise<ValidConfig> {
  const files = await readConfigDir(dir);
  const result = validateConfig(files, await loadSchemas());
  if (result.valid) return { dir, files, result };
  if (opts.json) write(ui, renderProblemsText(result, files, { dir, color: false }), 'err');
  else write(ui, renderProblemsText(result, files, { dir, color: ui.color }));
  const errors = result.problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  const where = first ? `: ${displayPath(first.file, dir)}:${first.line}:${first.col} ${first.code}` : '';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new ConfigError(`the config is invalid${where}${more}; nothing was sent`, {
    hint: `run kzops validate --dir ${dir}`,
  });
}
