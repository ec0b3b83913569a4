import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EXIT,
  EXIT_CODES_HELP,
  errorOutcome,
  exitCodeFor,
  exitCodesMarkdown,
  OUTCOMES,
  type Outcome,
} from '../../src/cli/exit-codes.js';
import {
  ConfigError,
  InternalError,
  InterruptedError,
  InvalidInputError,
  RefusedError,
  UsageError,
} from '../../src/core/errors.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

describe('exit codes', () => {
  it('keeps the published codes', () => {
    const codes = Object.fromEntries(Object.keys(OUTCOMES).map((o) => [o, exitCodeFor(o as Outcome)]));
    expect(codes).toEqual({
      ok: 0,
      failure: 1,
      changes: 2,
      invalid: 3,
      partial: 4,
      refused: 5,
      usage: 64,
      interrupted: 130,
      terminated: 143,
    });
    expect(EXIT).toEqual(codes);
  });

  it('generates the help table from the outcomes: every code once, with its description', () => {
    const lines = EXIT_CODES_HELP.split('\n');
    expect(lines[0]).toBe('EXIT CODES');
    const rows = lines.slice(1).map((l) => /^ {2}(\d+) +(.+)$/.exec(l)?.slice(1));
    expect(rows).toEqual(Object.values(OUTCOMES).map(({ code, help }) => [String(code), help]));
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '64',
      '130',
      '143',
    ]);
    expect(exitCodesMarkdown().split('\n')).toHaveLength(2 + Object.keys(OUTCOMES).length);
    expect(exitCodesMarkdown()).toContain('| 64   | bad flags or arguments');
  });

  it('maps errors to outcomes', () => {
    expect(errorOutcome(new UsageError('x'))).toBe('usage');
    expect(errorOutcome(new InvalidInputError('x'))).toBe('usage');
    expect(errorOutcome(new ConfigError('x'))).toBe('invalid');
    expect(errorOutcome(new RefusedError('x'))).toBe('refused');
    expect(errorOutcome(new InternalError('x'))).toBe('failure');
    expect(errorOutcome(new InterruptedError('x'))).toBe('interrupted');
    expect(errorOutcome(new InterruptedError('x', 'SIGTERM'))).toBe('terminated');
    expect(errorOutcome(new TypeError('a bug'))).toBe('failure');
  });

  it('is the only place that sets process.exitCode', () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const setters = files.filter((f) => /process\.exitCode\s*=[^=]/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(setters).toEqual([join('cli', 'exit-codes.ts')]);
  });
});
