import { Scalar, isScalar, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { sourceOffset } from '../../src/core/validate/patterns.js';
import { only, PAIR, SBC, validate, where, withCode } from './validate-helpers.js';

/** An SBC whose from_pstn.to_number rewrite is written as given (line 9 holds the pattern). */
function sbcWith(pattern: string, replace = "'+1$1'"): Record<string, string> {
  const text = `${SBC}number_formatting:\n  from_pstn:\n    to_number:\n      pattern: ${pattern}\n      replace: ${replace}\n`;
  return { ...PAIR, 'carrier_sbcs/sprint-east.yaml': text };
}

/** The scalar at `key` of a one-line document, and its source. */
function scalar(line: string): { text: string; node: Scalar } {
  const node = parseDocument(line).get('k', true);
  if (!isScalar(node)) throw new Error('not a scalar');
  return { text: line, node };
}

describe('sourceOffset', () => {
  it('maps a plain scalar one to one', () => {
    const { text, node } = scalar('k: /^(a+)$/');
    expect(sourceOffset(text, node, 3)).toBe(6);
  });

  it("counts '' as one character in single quotes", () => {
    const { text, node } = scalar("k: '/it''s(/'");
    // value: /it's(/  -> the ( is character 5; source: '/it''s(/' -> offset 4 + 7
    expect(text[sourceOffset(text, node, 5) ?? 0]).toBe('(');
  });

  it('counts escapes as one character in double quotes', () => {
    const { text, node } = scalar('k: "/\\\\d\\x41(/"');
    // value: /\dA(/ -> the ( is character 4
    expect(text[sourceOffset(text, node, 4) ?? 0]).toBe('(');
  });

  it('gives up on block and multi-line scalars', () => {
    const doc = parseDocument('k: |\n  /a(/\n');
    const node = doc.get('k', true) as Scalar;
    expect(sourceOffset('k: |\n  /a(/\n', node, 2)).toBeUndefined();
  });
});

describe('number formatting', () => {
  it('accepts the patterns of the example config', async () => {
    expect(where((await validate(sbcWith("'/^(?:\\+?1)?([2-9][0-9]{9})$/'"))).problems)).toEqual([]);
  });

  it('points a syntax error at the character inside the quoted pattern', async () => {
    const result = await validate(sbcWith("'/^(?:+1)?([2-9][0-9]{9})$/'"));
    const p = only(result, 'pattern_syntax');
    // `      pattern: '` is 16 characters; the + is offset 5 of the pattern.
    expect(p).toMatchObject({ line: 10, col: 17 + 5, path: 'number_formatting.from_pstn.to_number.pattern' });
    expect(p.message).toMatch(/^number_formatting\.from_pstn\.to_number\.pattern: nothing to repeat/);
  });

  it('points into a plain (unquoted) pattern too', async () => {
    const result = await validate(sbcWith('/^([0-9]+$/'));
    expect(where(withCode(result, 'pattern_syntax'))).toEqual([
      'carrier_sbcs/sprint-east.yaml:10:18 pattern_syntax',
    ]);
  });

  it('points into a double-quoted pattern past its escapes', async () => {
    const result = await validate(sbcWith('"/^\\\\+1(?:+1)$/"'));
    // Value /^\+1(?:+1)$/: the bad + is offset 8; the source spells \\ with two characters, so
    // it sits at column 16 (the quote) + 1 + 9.
    expect(where(withCode(result, 'pattern_syntax'))).toEqual([
      'carrier_sbcs/sprint-east.yaml:10:26 pattern_syntax',
    ]);
  });

  it('reports a pattern without slashes', async () => {
    const result = await validate(sbcWith("'^1$'"));
    expect(withCode(result, 'pattern_delimiters')).toHaveLength(1);
  });

  it('checks replace against the number of capture groups, at the $', async () => {
    const result = await validate(sbcWith("'/^(?:1)([0-9]+)$/'", "'+1$2'"));
    const p = only(result, 'replace_group');
    expect(p).toMatchObject({
      line: 11,
      col: 16 + 1 + 2,
      path: 'number_formatting.from_pstn.to_number.replace',
    });
    expect(p.message).toContain('$2');
  });

  it('does not check replace against a pattern PCRE cannot read', async () => {
    const result = await validate(sbcWith("'/^([0-9]+$/'", "'+1$2'"));
    expect(result.problems.map((p) => p.code)).toEqual(['pattern_syntax']);
  });

  it('skips patterns that are not text (the schema reports those)', async () => {
    const result = await validate(sbcWith('42'));
    expect(result.problems.map((p) => p.code)).toEqual(['invalid_type']);
  });
});
