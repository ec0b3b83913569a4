/**
 * Validation problems for people (text with the source line and a caret), for GitHub Actions
 * (workflow commands that annotate the pull request) and for programs (JSON).
 *
 * Problems carry paths relative to the config directory; every output here shows them
 * relative to the working directory instead (`config/carrier_sbcs/x.yaml`), so that terminals
 * and GitHub can open them: pass the `--dir` value as `dir`.
 */
import { posix } from 'node:path';
import pc from 'picocolors';
import {
  isSecretField,
  lineText,
  maskUserinfo,
  type ConfigFile,
  type Problem,
  type ValidationResult,
} from '../core/validate/index.js';

export interface RenderOptions {
  /** The config directory as given on the command line; prefixed to every file. */
  dir?: string;
}

export interface TextOptions extends RenderOptions {
  color: boolean;
}

/** `config` + `carrier_sbcs/x.yaml` → `config/carrier_sbcs/x.yaml` (`./config` loses its `./`). */
export function displayPath(file: string, dir: string | undefined): string {
  if (!dir) return file;
  return posix.join(dir.replace(/\\/g, '/'), file);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `2 errors, 1 warning in 3 files (42 files checked)`, or `config is valid: 42 files checked`. */
export function summaryLine(result: ValidationResult, filesChecked: number): string {
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  const files = new Set(result.problems.map((p) => p.file)).size;
  const checked = plural(filesChecked, 'file');
  if (result.problems.length === 0) return `config is valid: ${checked} checked`;
  if (errors === 0)
    return `config is valid: ${plural(warnings, 'warning')} in ${plural(files, 'file')} (${checked} checked)`;
  const counts =
    warnings > 0 ? `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : plural(errors, 'error');
  return `${counts} in ${plural(files, 'file')} (${checked} checked)`;
}

/** The caret's indentation: the line's own tabs kept, so it lands under the column. */
function caretLine(source: string, col: number): string {
  return `${source.slice(0, col - 1).replace(/[^\t]/g, ' ')}^`;
}

/** `  key: value` (also as a list item or quoted key): the key and where its value starts. */
const KEY_LINE = /^(\s*(?:-\s+)?["']?)([^"':\s]+)(["']?\s*:\s+)(\S.*)$/;

/**
 * A source line as shown under a problem, with the value of a secret field (`api_key: ...`)
 * and the credentials in any URL (`https://user:password@host`) masked: the problem says where
 * the secret is, and printing it would copy it into CI logs. The mapping form `{env: NAME}` is
 * no secret and stays.
 */
export function redactLine(line: string): string {
  const source = maskUserinfo(line);
  const m = KEY_LINE.exec(source);
  if (!m || !isSecretField(m[2] ?? '') || m[4]?.startsWith('{')) return source;
  return `${m[1] ?? ''}${m[2] ?? ''}${m[3] ?? ''}${'*'.repeat(8)}`;
}

/** Text for a terminal: one entry a problem, then the summary. Ends with a newline. */
export function renderProblemsText(
  result: ValidationResult,
  files: readonly ConfigFile[],
  opts: TextOptions,
): string {
  const c = pc.createColors(opts.color);
  // An entry the reader could not use has no text to show (and none may be shown).
  const texts = new Map(files.flatMap((f) => (f.unusable ? [] : [[f.path, f.text] as const])));
  const entries = result.problems.map((p) => {
    const where = c.bold(`${displayPath(p.file, opts.dir)}:${p.line}:${p.col}`);
    const code = p.severity === 'error' ? c.red(p.code) : c.yellow(p.code);
    const head = `${where}  ${code}  ${p.severity === 'warning' ? `${c.yellow('warning:')} ` : ''}${p.message}`;
    const text = texts.get(p.file);
    const line = text === undefined ? undefined : lineText(text, p.line);
    const source = line === undefined ? undefined : redactLine(line);
    if (source === undefined) return head;
    const gutter = String(p.line).padStart(5);
    const blank = ' '.repeat(gutter.length);
    return [
      head,
      c.dim(`${gutter} | `) + source,
      c.dim(`${blank} | `) + c.red(caretLine(source, p.col)),
    ].join('\n');
  });
  const summary = summaryLine(result, files.length);
  const coloured = result.valid ? c.green(summary) : c.red(summary);
  return [...entries, coloured].join('\n\n') + '\n';
}

// -------------------------------------------------------------------------------------------
// GitHub Actions workflow commands

/** A command's message: `%`, CR and LF are encoded. */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A command's property value: as data, plus `:` and `,`, which separate properties. */
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error file=config/x.yaml,line=7,col=9,title=kzops invalid_enum::message`, then the summary. */
export function renderProblemsGithub(
  result: ValidationResult,
  opts: RenderOptions & { filesChecked?: number } = {},
): string {
  const lines = result.problems.map((p) => {
    const props = [
      `file=${escapeProperty(displayPath(p.file, opts.dir))}`,
      `line=${p.line}`,
      `col=${p.col}`,
      `title=${escapeProperty(`kzops ${p.code}`)}`,
    ].join(',');
    return `::${p.severity} ${props}::${escapeData(p.message)}`;
  });
  if (opts.filesChecked !== undefined) lines.push(summaryLine(result, opts.filesChecked));
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

// -------------------------------------------------------------------------------------------
// JSON

export interface ProblemsJson {
  valid: boolean;
  /** `file` is relative to the working directory (the `--dir` value prefixed). */
  problems: Problem[];
}

/** The `--json` document: `{valid, problems: [{file, line, col, code, message, path, severity}]}`. */
export function problemsJson(result: ValidationResult, opts: RenderOptions = {}): ProblemsJson {
  return {
    valid: result.valid,
    problems: result.problems.map((p) => ({
      file: displayPath(p.file, opts.dir),
      line: p.line,
      col: p.col,
      code: p.code,
      message: p.message,
      path: p.path,
      severity: p.severity,
    })),
  };
}
