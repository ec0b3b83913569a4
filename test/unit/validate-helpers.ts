/**
 * Shared by the validate-*.test.ts files: inline configs (path → YAML text) run through the
 * real pipeline with the real schemas, and short views of the problems found.
 */
import { loadSchemas } from '../../src/config/schemas.js';
import { validateConfig } from '../../src/core/validate/index.js';
import { parseConfigFile } from '../../src/core/validate/parse.js';
import type { ConfigFile, Problem, ProblemCode } from '../../src/core/validate/problem.js';
import type { LoadedFile, ValidationResult } from '../../src/core/validate/types.js';

let schemas: Record<string, object> | undefined;

/** The shipped schemas, read once per test file. */
export async function shippedSchemas(): Promise<Record<string, object>> {
  schemas ??= await loadSchemas();
  return schemas;
}

/** The smallest valid targets.yaml. */
export const TARGETS = 'targets:\n  local:\n    url: sim\n';

/** A config from path → text, with targets.yaml added unless given (pass `null` to leave it out). */
export function configFiles(files: Record<string, string | null>): ConfigFile[] {
  const all: Record<string, string | null> = { 'targets.yaml': TARGETS, ...files };
  return Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([path, text]) => ({ path, text }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function validate(files: Record<string, string | null>): Promise<ValidationResult> {
  return validateConfig(configFiles(files), await shippedSchemas());
}

/** `file:line:col code` of every problem, the form a person reads. */
export function where(problems: readonly Problem[]): string[] {
  return problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.code}`);
}

export function withCode(result: ValidationResult, code: ProblemCode): Problem[] {
  return result.problems.filter((p) => p.code === code);
}

/** The one problem with `code`; fails the test (with all problems shown) otherwise. */
export function only(result: ValidationResult, code: ProblemCode): Problem {
  const found = withCode(result, code);
  if (found.length !== 1) {
    throw new Error(`expected one ${code}, got ${found.length}:\n${where(result.problems).join('\n')}`);
  }
  return found[0] as Problem;
}

/** A parsed file of a kind, for the stages that take one file. */
export function loadedFile(path: string, text: string, kind: LoadedFile['kind'], key: string): LoadedFile {
  const { parsed } = parseConfigFile({ path, text });
  if (!parsed) throw new Error(`${path} does not parse`);
  return { ...parsed, kind, key };
}

/** Inline YAML without the indentation of the test source. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

// A valid SBC, media server and so on, to change one thing at a time.

export const SBC = yaml`
  name: Sprint East SBC
  carrier: sprint
  location:
    zone: east
  ips: [203.0.113.10, 203.0.113.11]
  mobile_media_server: ny2
`;

export const MEDIA_SERVER = yaml`
  name: NY2 Mobile Media Server
  carrier_sbc_priority:
    sprint: [sprint-east]
  top_ips: [10.26.1.10]
`;

export const CLUSTER_ID = 'aa2b36ac6a5edb290159cd1298283322';

export const CLUSTER = yaml`
  mvno_id: kzops-sandbox-mvno
  api_url: https://sandbox.example.net:8443
  api_key:
    env: KZOPS_SANDBOX_CLUSTER_API_KEY
  hosted_billing_account_id: 0123456789abcdef0123456789abcdef
`;

/** An SBC and its media server that reference each other: valid as is. */
export const PAIR = { 'carrier_sbcs/sprint-east.yaml': SBC, 'media_servers/ny2.yaml': MEDIA_SERVER };
