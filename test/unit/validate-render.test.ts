import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/core/validate/problem.js';
import type { ValidationResult } from '../../src/core/validate/types.js';
import {
  displayPath,
  problemsJson,
  redactLine,
  renderProblemsGithub,
  renderProblemsText,
  summaryLine,
} from '../../src/render/problems.js';

const FILES = [
  { path: 'carrier_sbcs/a.yaml', text: 'name: A\nlocation:\n\tzone: north\n' },
  { path: 'clusters/b.yaml', text: 'api_key: hunter2\n' },
  { path: 'targets.yaml', text: 'targets: {}\n' },
];

function problem(over: Partial<Problem>): Problem {
  return {
    file: 'carrier_sbcs/a.yaml',
    line: 3,
    col: 8,
    code: 'invalid_enum',
    message: 'location.zone: must be one of east, central, west (got "north")',
    path: 'location.zone',
    severity: 'error',
    ...over,
  };
}

function result(problems: Problem[]): ValidationResult {
  return { valid: !problems.some((p) => p.severity === 'error'), problems, resources: [] };
}

describe('renderProblemsText', () => {
  it('shows file:line:col, code, message, the source line and a caret under the column', () => {
    const out = renderProblemsText(result([problem({})]), FILES, { color: false, dir: 'config' });
    expect(out).toBe(
      [
        'config/carrier_sbcs/a.yaml:3:8  invalid_enum  location.zone: must be one of east, central, west (got "north")',
        // The tab stays a tab in the caret line, so the caret lines up in any terminal.
        '    3 | \tzone: north',
        '      | \t      ^',
        '',
        '1 error in 1 file (3 files checked)',
        '',
      ].join('\n'),
    );
  });

  it('marks warnings and counts them apart', () => {
    const out = renderProblemsText(
      result([
        problem({}),
        problem({ severity: 'warning', code: 'yaml_syntax', message: 'odd', line: 1, col: 1 }),
      ]),
      FILES,
      { color: false },
    );
    expect(out).toContain('carrier_sbcs/a.yaml:1:1  yaml_syntax  warning: odd\n');
    expect(out.trimEnd().split('\n').at(-1)).toBe('1 error, 1 warning in 1 file (3 files checked)');
  });

  it('says the config is valid when there are no problems', () => {
    expect(renderProblemsText(result([]), FILES, { color: false })).toBe(
      'config is valid: 3 files checked\n',
    );
  });

  it('masks a secret written in clear on the source line', () => {
    const out = renderProblemsText(
      result([
        problem({
          file: 'clusters/b.yaml',
          line: 1,
          col: 10,
          code: 'plain_secret',
          message: 'api_key: a secret',
        }),
      ]),
      FILES,
      { color: false },
    );
    expect(out).not.toContain('hunter2');
    expect(out).toContain('    1 | api_key: ********');
  });

  it('colours only when asked', () => {
    const plain = renderProblemsText(result([problem({})]), FILES, { color: false });
    const coloured = renderProblemsText(result([problem({})]), FILES, { color: true });
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[');
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });

  it('shows no source for a file it was not given (targets.yaml when missing)', () => {
    const out = renderProblemsText(
      result([problem({ file: 'nowhere.yaml', line: 1, col: 1, code: 'missing_file', message: 'missing' })]),
      FILES,
      { color: false },
    );
    expect(out.split('\n')[1]).toBe('');
  });
});

describe('summaryLine', () => {
  it('pluralises and counts files with problems', () => {
    const two = result([problem({}), problem({ file: 'targets.yaml' }), problem({ severity: 'warning' })]);
    expect(summaryLine(two, 42)).toBe('2 errors, 1 warning in 2 files (42 files checked)');
    expect(summaryLine(result([problem({ severity: 'warning' })]), 1)).toBe(
      'config is valid: 1 warning in 1 file (1 file checked)',
    );
  });
});

describe('renderProblemsGithub', () => {
  it('prints one workflow command a problem, paths relative to the repository', () => {
    const out = renderProblemsGithub(
      result([problem({}), problem({ severity: 'warning', code: 'yaml_syntax' })]),
      {
        dir: 'config',
      },
    );
    expect(out.split('\n')).toEqual([
      '::error file=config/carrier_sbcs/a.yaml,line=3,col=8,title=kzops invalid_enum::location.zone: must be one of east, central, west (got "north")',
      '::warning file=config/carrier_sbcs/a.yaml,line=3,col=8,title=kzops yaml_syntax::location.zone: must be one of east, central, west (got "north")',
      '',
    ]);
  });

  it('escapes %, CR and LF in messages, and also : and , in properties', () => {
    const out = renderProblemsGithub(
      result([problem({ file: 'a:b,c%.yaml', message: '100% bad\r\nreally' })]),
    );
    expect(out).toBe(
      '::error file=a%3Ab%2Cc%25.yaml,line=3,col=8,title=kzops invalid_enum::100%25 bad%0D%0Areally\n',
    );
  });

  it('adds the summary when told how many files were checked', () => {
    expect(renderProblemsGithub(result([]), { filesChecked: 3 })).toBe('config is valid: 3 files checked\n');
  });
});

describe('problemsJson', () => {
  it('is {valid, problems} with files relative to the working directory', () => {
    expect(problemsJson(result([problem({})]), { dir: './config/' })).toEqual({
      valid: false,
      problems: [
        {
          file: 'config/carrier_sbcs/a.yaml',
          line: 3,
          col: 8,
          code: 'invalid_enum',
          message: 'location.zone: must be one of east, central, west (got "north")',
          path: 'location.zone',
          severity: 'error',
        },
      ],
    });
  });
});

describe('displayPath', () => {
  it('joins the --dir value and the file', () => {
    expect(displayPath('a.yaml', undefined)).toBe('a.yaml');
    expect(displayPath('a.yaml', '.')).toBe('a.yaml');
    expect(displayPath('x/a.yaml', '/abs/config')).toBe('/abs/config/x/a.yaml');
  });
});

describe('redactLine', () => {
  it('masks values of secret fields only', () => {
    expect(redactLine('  password: "s3cret" # comment')).toBe('  password: ********');
    expect(redactLine('- token: abc')).toBe('- token: ********');
    expect(redactLine('api_key: {env: KEY}')).toBe('api_key: {env: KEY}');
    expect(redactLine('api_key:')).toBe('api_key:');
    expect(redactLine('api_key_env: KZOPS_KEY')).toBe('api_key_env: KZOPS_KEY');
  });
});
