import { describe, expect, it } from 'vitest';
import { KAZOO_BUCKET } from '../../src/api/rate-pacer.js';
import { rateLimitOf } from '../../src/services/connect.js';
import type { Target } from '../../src/api/target.js';

const target = (rate_limit?: unknown): Target => {
  const t: Target & { rate_limit?: unknown } = { url: 'https://kazoo.example.net' };
  if (rate_limit !== undefined) t.rate_limit = rate_limit;
  return t;
};

describe("a target's rate_limit", () => {
  it("is KAZOO's bucket when absent", () => {
    expect(rateLimitOf(target())).toEqual(KAZOO_BUCKET);
    expect(KAZOO_BUCKET).toEqual({ tokens: 100, perSecond: 10, authCost: 35 });
  });

  it('is off for false', () => {
    expect(rateLimitOf(target(false))).toBe(false);
  });

  it("fills what it leaves out with KAZOO's numbers", () => {
    expect(rateLimitOf(target({ per_second: 50 }))).toEqual({ tokens: 100, perSecond: 50, authCost: 35 });
    expect(rateLimitOf(target({ tokens: 500, per_second: 50, auth_cost: 1 }))).toEqual({
      tokens: 500,
      perSecond: 50,
      authCost: 1,
    });
  });
});
