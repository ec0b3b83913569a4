import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/core/validate/parse.js';
import { yaml } from './validate-helpers.js';

function parse(text: string) {
  return parseConfigFile({ path: 'carrier_sbcs/x.yaml', text });
}

function brief(text: string): string[] {
  return parse(text).problems.map((p) => `${p.line}:${p.col} ${p.code} ${p.severity}`);
}

describe('parseConfigFile', () => {
  it('parses a mapping into a plain value, with no problems', () => {
    const out = parse('name: a\nips: [1.2.3.4]\n');
    expect(out.problems).toEqual([]);
    expect(out.parsed?.value).toEqual({ name: 'a', ips: ['1.2.3.4'] });
  });

  it('says where the content starts, after header comments', () => {
    expect(parse('# a\n# b\n\nname: a\n').start).toEqual({ line: 4, col: 1 });
    expect(parse('').start).toEqual({ line: 1, col: 1 });
  });

  it('reports YAML syntax errors at their line and column, without yaml’s source excerpt', () => {
    const out = parse('name: a\nlocation:\n  zone: east\n city: x\n');
    expect(out.parsed).toBeUndefined();
    expect(out.problems[0]).toMatchObject({ code: 'yaml_syntax', line: 4, col: 1, severity: 'error' });
    expect(out.problems[0]?.message).toBe('All mapping items must start at the same column');
    expect(out.problems[0]?.message).not.toContain('\n');
    expect(out.problems[0]?.message).not.toMatch(/at line \d+/);
  });

  it('reports an unclosed quote or bracket where it opens, not where the file ends', () => {
    const quote = parse("name: 'open\nc: d\n").problems;
    expect(quote.map((p) => `${p.line}:${p.col} ${p.code}`)).toEqual(['1:7 yaml_syntax']);
    expect(quote[0]?.message).toBe(
      "Missing closing 'quote: opened here and never closed (YAML read on to line 3)",
    );
    expect(brief('a:\n  b: [1,\n  c: 2\n')).toEqual(['2:6 yaml_syntax error']);
  });

  it('reports a tab used as indentation', () => {
    expect(brief('location:\n\tzone: east\n')).toContain('2:1 yaml_syntax error');
  });

  it('reports a nested mapping in a plain value at the second colon', () => {
    expect(brief('name: a: b\n')).toEqual(['1:7 yaml_syntax error']);
  });

  it('reports a duplicate top-level key at the second one, naming the first line', () => {
    const out = parse('name: a\ncarrier: s\nname: b\n');
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({ code: 'duplicate_key', line: 3, col: 1, path: 'name' });
    expect(out.problems[0]?.message).toBe(
      'name: this key appears twice in the same mapping (first on line 1); YAML keeps only the last one',
    );
    // Duplicate keys do not stop the later stages: the last value wins, as YAML says.
    expect(out.parsed?.value).toEqual({ name: 'b', carrier: 's' });
  });

  it('reports a nested duplicate key with its full path', () => {
    const text = yaml`
      name: a
      call_directions:
        - direction: from_pstn
          headers:
            x: 1
            x: 2
    `;
    const [problem] = parse(text).problems;
    expect(problem).toMatchObject({
      code: 'duplicate_key',
      line: 6,
      col: 7,
      path: 'call_directions.0.headers.x',
    });
    expect(problem?.message).toContain('(first on line 5)');
  });

  it('says an empty file or one with only comments is not a mapping, at 1:1', () => {
    for (const text of ['', '# nothing yet\n', '---\n']) {
      const out = parse(text);
      expect(out.parsed).toBeUndefined();
      expect(out.problems.map((p) => `${p.line}:${p.col} ${p.code}`)).toEqual(['1:1 not_a_mapping']);
      expect(out.problems[0]?.message).toContain('the file is empty');
    }
  });

  it('says a top-level list or scalar is not a mapping, where it starts', () => {
    expect(brief('# header\n- a\n- b\n')).toEqual(['2:1 not_a_mapping error']);
    expect(parse('just text\n').problems[0]?.message).toContain('single value');
  });

  it('reports two documents in one file', () => {
    expect(brief('a: 1\n---\nb: 2\n')[0]).toMatch(/^2:1 yaml_syntax error$/);
  });

  it('reports an unknown tag as a warning and still parses', () => {
    const out = parse('name: !custom a\n');
    expect(out.problems.map((p) => `${p.line}:${p.col} ${p.code} ${p.severity}`)).toEqual([
      '1:7 yaml_syntax warning',
    ]);
    expect(out.parsed).toBeDefined();
  });

  it('reports an alias to an undefined anchor at the alias', () => {
    const out = parse('name: a\nlocation: *nowhere\n');
    expect(out.parsed).toBeUndefined();
    expect(out.problems).toMatchObject([
      {
        code: 'yaml_syntax',
        line: 2,
        col: 11,
        message: 'the alias *nowhere refers to no anchor: define &nowhere before it',
      },
    ]);
  });

  it('follows anchors and aliases that are defined', () => {
    expect(parse('a: &x [1]\nb: *x\n').parsed?.value).toEqual({ a: [1], b: [1] });
  });

  it('reads YAML 1.2: yes and on stay text', () => {
    expect(parse('a: yes\nb: on\n').parsed?.value).toEqual({ a: 'yes', b: 'on' });
  });
});
