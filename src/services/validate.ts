/**
 * `kzops validate` as a service: read the config directory and check it; nothing is contacted.
 * Nothing is printed: the caller renders the problems (src/render/problems.ts).
 */
import { readConfigDir } from '../config/read-config-dir.js';
import { loadSchemas } from '../config/schemas.js';
import { validateConfig, type ConfigFile, type ValidationResult } from '../core/validate/index.js';

export interface ValidateRun {
  /** `invalid` when any problem is an error (warnings alone are `ok`). */
  outcome: 'ok' | 'invalid';
  files: ConfigFile[];
  result: ValidationResult;
}

export async function validate(opts: { dir: string }): Promise<ValidateRun> {
  const files = await readConfigDir(opts.dir);
  const result = validateConfig(files, await loadSchemas());
  return { outcome: result.valid ? 'ok' : 'invalid', files, result };
}
