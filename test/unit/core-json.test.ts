import { describe, expect, it } from 'vitest';
import { isRecord } from '../../src/core/json.js';

describe('isRecord', () => {
  it('is true for a JSON object or YAML mapping', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ a: 1 })).toBe(true);
    expect(isRecord(JSON.parse('{"__proto__": {"x": 1}}'))).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
  });

  it('is false for everything else, objects that are not mappings included', () => {
    class Point {
      x = 1;
    }
    const values: unknown[] = [
      null,
      undefined,
      0,
      '',
      'text',
      true,
      [],
      [1],
      new Date(0),
      new Map(),
      new Point(),
      () => 1,
    ];
    expect(values.filter(isRecord)).toEqual([]);
  });
});
