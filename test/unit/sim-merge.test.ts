/**
 * The simulator's PATCH merge against crossbar's own. The fixture holds request/existing pairs
 * (14 written by hand for each rule, 400 generated with a seeded generator) and what
 * `kz_json:merge(fun kz_json:merge_left/2, Request, Existing)` made of each, run under Erlang/OTP
 * 25: the answers are Erlang's, not ours.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeLeft, mergePatch, type JsonObject } from '../../src/sim/model.js';

interface MergeCase {
  request: JsonObject;
  existing: JsonObject;
  merged: JsonObject;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/crossbar-merge-left.json', import.meta.url), 'utf8'),
) as { source: string; cases: MergeCase[] };

describe("mergeLeft agrees with crossbar's kz_json:merge_left", () => {
  it('has the cases it claims', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(400);
  });

  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    expect(mergeLeft(c.request, c.existing)).toEqual(c.merged);
  });
});

describe('the PATCH rules, by name', () => {
  it('merges nested objects, the request winning', () => {
    expect(mergeLeft({ a: { b: 1 } }, { a: { b: 0, c: 2 }, d: 3 })).toEqual({ a: { b: 1, c: 2 }, d: 3 });
  });

  it('removes a key for null, at any depth', () => {
    expect(mergeLeft({ a: { b: null } }, { a: { b: 1, c: 2 } })).toEqual({ a: { c: 2 } });
  });

  it('clears an object with {}', () => {
    expect(mergeLeft({ a: {} }, { a: { b: 1 }, c: 1 })).toEqual({ a: {}, c: 1 });
  });

  it('replaces arrays whole', () => {
    expect(mergeLeft({ a: [3] }, { a: [1, 2] })).toEqual({ a: [3] });
  });

  it('keeps __proto__ a plain key', () => {
    const merged = mergeLeft(JSON.parse('{"__proto__": {"x": 1}}') as JsonObject, {});
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['__proto__']);
  });

  it('shallow mode replaces top-level keys whole', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 3 }, d: null }, false)).toEqual({ a: { b: 3 } });
  });

  it('recursive mode is mergeLeft', () => {
    expect(mergePatch({ a: { b: 1, c: 2 } }, { a: { b: 3 } }, true)).toEqual({ a: { b: 3, c: 2 } });
  });
});
