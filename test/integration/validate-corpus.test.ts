/**
 * The invalid-config corpus: every file under test/fixtures/invalid/ is one broken config.
 *
 * A case is a complete replacement (or addition) of one file in a copy of the valid example
 * config (config/), with header comments that say where it goes and what must be reported:
 *
 *   # kzops-fixture: carrier_sbcs/sprint-east.yaml   the path it is written to in the copy
 *   # remove: media_servers/ny2.yaml                 optional, repeatable: deleted from the copy first
 *   # expect: unknown_field 12:3                     code and line:col in the written file (exact)
 *   # expect: missing_file targets.yaml 1:1          ... or in another file, named before line:col
 *   # expect: unknown_field 9:3 "did you mean"       ... optionally a text the message must contain
 *   # secret: hunter2                                optional: a text no problem may contain
 *   # why: one sentence saying what is broken
 *
 * Line numbers count the header lines: the case file is written as is.
 */
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import { loadSchemas } from '../../src/config/schemas.js';
import { validateConfig } from '../../src/core/validate/index.js';
import { PROBLEM_CODES, type Problem, type ProblemCode } from '../../src/core/validate/problem.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = join(REPO, 'config');
const CORPUS = join(REPO, 'test', 'fixtures', 'invalid');
const MIN_CASES = 40;
/**
 * Codes no case file can produce, as a case is text written to a regular file: a link out of
 * the tree, sizes over the limits, bytes that are not UTF-8. test/unit/read-config-safety.test.ts,
 * test/unit/validate-unusable.test.ts and test/integration/config-safety-cli.test.ts cover them.
 */
const NOT_A_TEXT_CASE: ReadonlySet<ProblemCode> = new Set([
  'symlink_outside',
  'file_too_large',
  'config_too_large',
  'invalid_utf8',
]);

interface Expectation {
  code: ProblemCode;
  /** Undefined: the case's own file. */
  file: string | undefined;
  line: number;
  col: number;
  /** A text the message must contain. */
  says: string | undefined;
}

interface Case {
  name: string;
  target: string;
  remove: string[];
  expects: Expectation[];
  secrets: string[];
  why: string;
  text: string;
}

const EXPECT = /^(\S+)(?:\s+(\S+))?\s+(\d+):(\d+)(?:\s+"([^"]*)")?$/;

function parseCase(name: string): Case {
  const text = readFileSync(join(CORPUS, name), 'utf8');
  const c: Case = { name, target: '', remove: [], expects: [], secrets: [], why: '', text };
  for (const line of text.split('\n')) {
    const m = /^# (kzops-fixture|remove|expect|secret|why):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, key, value = ''] = m;
    if (key === 'kzops-fixture') c.target = value;
    else if (key === 'remove') c.remove.push(value);
    else if (key === 'secret') c.secrets.push(value);
    else if (key === 'why') c.why = value;
    else {
      const e = EXPECT.exec(value);
      if (!e) throw new Error(`${name}: cannot read "# expect: ${value}"`);
      const code = e[1] as ProblemCode;
      if (!PROBLEM_CODES.includes(code)) throw new Error(`${name}: unknown problem code ${code}`);
      c.expects.push({ code, file: e[2], line: Number(e[3]), col: Number(e[4]), says: e[5] });
    }
  }
  if (!c.target) throw new Error(`${name}: no "# kzops-fixture:" line`);
  if (c.expects.length === 0) throw new Error(`${name}: no "# expect:" line`);
  if (!c.why) throw new Error(`${name}: no "# why:" line`);
  return c;
}

const CASE_FILE = /^\d{3}-[a-z0-9-]+\.yaml$/;
const caseNames = readdirSync(CORPUS)
  .filter((n) => CASE_FILE.test(n))
  .sort();
const cases = caseNames.map(parseCase);

function show(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.severity} ${p.code} [${p.path}] ${p.message}`;
}

let schemas: Record<string, object>;
let work: string;

beforeAll(async () => {
  schemas = await loadSchemas();
  work = await mkdtemp(join(tmpdir(), 'kzops-corpus-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function validateDir(dir: string) {
  return validateConfig(await readConfigDir(dir), schemas);
}

describe('the valid example config', () => {
  it('validates with zero problems', async () => {
    const result = await validateDir(EXAMPLE);
    expect(result.problems.map(show)).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe('the invalid corpus', () => {
  it(`has at least ${MIN_CASES} cases, every file named NNN-short-name.yaml`, () => {
    const stray = readdirSync(CORPUS).filter((n) => !CASE_FILE.test(n));
    expect(stray).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(MIN_CASES);
  });

  it('covers every problem code', () => {
    const covered = new Set(cases.flatMap((c) => c.expects.map((e) => e.code)));
    expect(PROBLEM_CODES.filter((code) => !covered.has(code) && !NOT_A_TEXT_CASE.has(code))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const dir = join(work, name.replace(/\.yaml$/, ''));
    await cp(EXAMPLE, dir, { recursive: true, dereference: true });
    for (const path of c.remove) await rm(join(dir, path), { recursive: true });
    await mkdir(dirname(join(dir, c.target)), { recursive: true });
    await writeFile(join(dir, c.target), c.text);

    const result = await validateDir(dir);
    const all = result.problems.map(show).join('\n');
    const hint = `${name}: ${c.why}\nproblems:\n${all}`;

    const matched: Problem[] = [];
    for (const e of c.expects) {
      const file = e.file ?? c.target;
      const found = result.problems.find(
        (p) => p.code === e.code && p.file === file && p.line === e.line && p.col === e.col,
      );
      expect(found, `${hint}\nmissing: ${e.code} at ${file}:${e.line}:${e.col}`).toBeDefined();
      if (!found) continue;
      if (e.says !== undefined) {
        expect(found.message, `${hint}\n${e.code} message should say "${e.says}"`).toContain(e.says);
      }
      matched.push(found);
    }
    for (const secret of c.secrets) {
      for (const p of result.problems) {
        expect(show(p), `${hint}\nthe secret leaks`).not.toContain(secret);
      }
    }
    if (matched.some((p) => p.severity === 'error')) expect(result.valid, hint).toBe(false);
    expect(result.valid, hint).toBe(!result.problems.some((p) => p.severity === 'error'));
    await rm(dir, { recursive: true, force: true });
  });
});
