import { describe, expect, it } from 'vitest';
import { FaultController, RateLimiter } from '../../src/sim/faults.js';

describe('RateLimiter', () => {
  it('allows capacity requests, then refuses with a whole-second Retry-After', () => {
    const t = 1_000_000;
    const limiter = new RateLimiter(5, () => t);
    for (let i = 0; i < 5; i++) expect(limiter.take('a').ok).toBe(true);
    // refill is 5/10 = 0.5 token/s: one token takes 2 s
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 2 });
  });

  it('refills at capacity/10 tokens a second and never above capacity', () => {
    let t = 0;
    const limiter = new RateLimiter(10, () => t);
    for (let i = 0; i < 10; i++) limiter.take('a');
    expect(limiter.take('a').ok).toBe(false);
    t += 1000; // +1 token
    expect(limiter.take('a')).toEqual({ ok: true, remaining: 0 });
    expect(limiter.take('a').ok).toBe(false);
    t += 3_600_000;
    expect(limiter.take('a')).toEqual({ ok: true, remaining: 9 });
  });

  it('keeps one bucket per client', () => {
    const limiter = new RateLimiter(1, () => 0);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('never answers Retry-After 0', () => {
    const limiter = new RateLimiter(100, () => 0); // refill 10/s: a token in 0.1 s
    for (let i = 0; i < 100; i++) limiter.take('a');
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });
});

describe('FaultController', () => {
  it('fails exactly the requests the random source picks', () => {
    const rolls = [0.1, 0.9, 0.29, 0.3];
    const faults = new FaultController({ failRate: 0.3, random: () => rolls.shift() ?? 1 });
    expect([1, 2, 3, 4].map(() => faults.rollFailure())).toEqual([true, false, true, false]);
  });

  it('fails nothing at rate 0 and everything at rate 1', () => {
    const never = new FaultController({ failRate: 0, random: () => 0 });
    const always = new FaultController({ failRate: 1, random: () => 0.999999 });
    expect(never.rollFailure()).toBe(false);
    expect(always.rollFailure()).toBe(true);
  });

  it('rejects settings out of range', () => {
    expect(() => new FaultController({ failRate: 1.5 })).toThrow(RangeError);
    expect(() => new FaultController({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => new FaultController({ rateLimit: 2.5 })).toThrow(RangeError);
    const faults = new FaultController();
    expect(() => (faults.failRate = -0.1)).toThrow(RangeError);
    expect(() => faults.failNext({}, { kind: 'reset' }, 0)).toThrow(RangeError);
  });

  it('serves one-shot faults once per arming, in arming order, on matching requests only', () => {
    const faults = new FaultController();
    faults.failNext({ method: 'put', path: '/v2/a' }, { kind: 'status', status: 502 });
    faults.failNext({ path: '/v2/*' }, { kind: 'reset' }, 2);
    expect(faults.pending).toBe(3);
    expect(faults.take('GET', '/other')).toBeUndefined();
    expect(faults.take('GET', '/v2/a')).toEqual({ kind: 'reset' }); // method filter skips the first
    expect(faults.take('PUT', '/v2/a')).toEqual({ kind: 'status', status: 502 });
    expect(faults.take('DELETE', '/v2/b/c')).toEqual({ kind: 'reset' });
    expect(faults.take('DELETE', '/v2/b/c')).toBeUndefined();
    expect(faults.pending).toBe(0);
  });

  it('matches exact paths exactly and regular expressions anywhere', () => {
    const faults = new FaultController();
    faults.failNext({ path: '/v2/a' }, { kind: 'drop_response' });
    expect(faults.take('GET', '/v2/ab')).toBeUndefined();
    faults.clear();
    faults.failNext({ path: /media_servers\/[0-9a-f]+$/g }, { kind: 'reset' }, 2);
    expect(faults.take('GET', '/v2/support/routing/media_servers')).toBeUndefined();
    // a /g regex must not carry lastIndex from one request to the next
    expect(faults.take('GET', '/v2/support/routing/media_servers/ab12')).toEqual({ kind: 'reset' });
    expect(faults.take('GET', '/v2/support/routing/media_servers/ab12')).toEqual({ kind: 'reset' });
  });

  it('matches a percent-encoded path by its decoded form too', () => {
    const faults = new FaultController();
    faults.failNext({ path: '/v2/support/phone_numbers/+15550001111/device' }, { kind: 'reset' });
    expect(faults.take('GET', '/v2/support/phone_numbers/%2B15550001112/device')).toBeUndefined();
    expect(faults.take('GET', '/v2/support/phone_numbers/%2B15550001111/device')).toEqual({ kind: 'reset' });
  });

  it('clear() disarms one-shot faults but keeps the other settings', () => {
    const faults = new FaultController({ latencyMs: 5, failRate: 0.5 });
    faults.failNext({}, { kind: 'reset' }, 3);
    faults.clear();
    expect(faults.take('GET', '/')).toBeUndefined();
    expect([faults.latencyMs, faults.failRate]).toEqual([5, 0.5]);
  });

  it('turns rate limiting on and off at run time', () => {
    const faults = new FaultController({ now: () => 0 });
    expect(faults.admit('x')).toBeUndefined();
    faults.rateLimit = 1;
    expect(faults.admit('x')?.ok).toBe(true);
    expect(faults.admit('x')?.ok).toBe(false);
    faults.rateLimit = undefined;
    expect(faults.admit('x')).toBeUndefined();
  });

  it('delegates token revocation', () => {
    let revoked = 0;
    new FaultController({ revokeTokens: () => revoked++ }).revokeTokens();
    expect(revoked).toBe(1);
  });
});
