import { describe, expect, it } from 'vitest';
import { closest, didYouMean, levenshtein } from '../../src/core/validate/suggest.js';

describe('levenshtein', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(levenshtein('', '')).toBe(0);
    expect(levenshtein('abc', 'abc')).toBe(0);
    expect(levenshtein('mobile_media_sever', 'mobile_media_server')).toBe(1);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
  });
});

describe('closest', () => {
  const fields = ['name', 'carrier', 'location', 'ips', 'mobile_media_server'];

  it('finds a name within distance 2', () => {
    expect(closest('carier', fields)).toBe('carrier');
    expect(closest('locaiton', fields)).toBe('location');
  });

  it('finds a prefix either way, but not from fewer than 3 letters', () => {
    expect(closest('loc', fields)).toBe('location');
    expect(closest('mobile_media_server_id', fields)).toBe('mobile_media_server');
    expect(closest('zz', ['zzzzzzz'])).toBeUndefined();
  });

  it('prefers the smaller distance, then the first', () => {
    expect(closest('ipz', ['ips', 'ipv'])).toBe('ips');
  });

  it('suggests a name that differs only in case', () => {
    expect(closest('Name', fields)).toBe('name');
  });

  it('suggests nothing far away, nor the word itself', () => {
    expect(closest('colour', fields)).toBeUndefined();
    expect(closest('name', ['name'])).toBeUndefined();
  });
});

describe('didYouMean', () => {
  it('is a suffix for messages, or empty', () => {
    expect(didYouMean('carier', ['carrier'])).toBe('; did you mean carrier?');
    expect(didYouMean('zzz', ['carrier'])).toBe('');
  });
});
