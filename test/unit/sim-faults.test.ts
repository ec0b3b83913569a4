import { describe, expect, it } from 'vitest';
import { FaultController, RateLimiter, unsafePathPattern } from '../../src/sim/faults.js';

describe('RateLimiter', () => {
  it('allows capacity requests, then refuses with a whole-second Retry-After', () => {
    const t = 1_000_000;
    const limiter = new RateLimiter(5, () => t, true);
    for (let i = 0; i < 5; i++) expect(limiter.take('a', 1, false).ok).toBe(true);
    // refill is 5/10 = 0.5 token a second: one token takes 2 s
    expect(limiter.take('a', 1, false)).toEqual({
      ok: false,
      consumed: 0,
      remaining: 0,
      retryAfterSeconds: 2,
    });
  });

  it('refills capacity/10 tokens in one block each whole second, never above capacity', () => {
    let t = 0;
    const limiter = new RateLimiter(100, () => t, true);
    for (let i = 0; i < 100; i++) limiter.take('a', 1, false);
    expect(limiter.take('a', 1, false).ok).toBe(false);
    t += 999; // not a whole second yet: nothing added (crossbar fills "on the second in bulk")
    expect(limiter.take('a', 1, false).ok).toBe(false);
    t += 1; // the block of 10 arrives at once
    expect(limiter.take('a', 1, false)).toMatchObject({ ok: true, remaining: 9 });
    expect(limiter.remaining('a')).toBe(9);
    t += 3_600_000;
    expect(limiter.take('a', 1, false)).toMatchObject({ ok: true, remaining: 99 });
  });

  it('keeps one bucket per client', () => {
    const limiter = new RateLimiter(1, () => 0, true);
    expect(limiter.take('a', 1, false).ok).toBe(true);
    expect(limiter.take('a', 1, false).ok).toBe(false);
    expect(limiter.take('b', 1, false).ok).toBe(true);
  });

  it('never answers Retry-After 0', () => {
    const limiter = new RateLimiter(100, () => 0, true); // refill 10/s
    for (let i = 0; i < 100; i++) limiter.take('a', 1, false);
    expect(limiter.take('a', 1, false)).toMatchObject({ ok: false, retryAfterSeconds: 1 });
  });

  it('charges an authentication its cost, and empties a short bucket as consume_until does', () => {
    const limiter = new RateLimiter(100, () => 0, true);
    expect(limiter.take('a', 35, true)).toMatchObject({ ok: true, consumed: 35, remaining: 65 });
    expect(limiter.take('a', 35, true)).toMatchObject({ ok: true, remaining: 30 });
    // 30 left, 35 asked: refused, and the 30 are gone too
    expect(limiter.take('a', 35, true)).toMatchObject({ ok: false, consumed: 0, remaining: 0 });
    expect(limiter.take('a', 1, false).ok).toBe(false);
  });

  it('leaves a short bucket alone for an ordinary request (consume)', () => {
    const limiter = new RateLimiter(100, () => 0, true);
    limiter.take('a', 98, false);
    expect(limiter.take('a', 5, false).ok).toBe(false);
    expect(limiter.remaining('a')).toBe(2);
  });

  it('counts without refusing when not enforced', () => {
    const limiter = new RateLimiter(100, () => 0, false);
    for (let i = 0; i < 150; i++) expect(limiter.take('a', 1, false).ok).toBe(true);
    expect(limiter.take('a', 35, true)).toMatchObject({ ok: true, consumed: 35, remaining: 0 });
  });
});

describe('FaultController', () => {
  it('fails exactly the requests the random source picks', () => {
    const rolls = [0.1, 0.9, 0.29, 0.3];
    const faults = new FaultController({ failRate: 0.3, random: () => rolls.shift() ?? 1 });
    faults.failMode = 'before';
    expect([1, 2, 3, 4].map(() => faults.rollFailure())).toEqual(['before', undefined, 'before', undefined]);
  });

  it('fails nothing at rate 0 and everything at rate 1', () => {
    const never = new FaultController({ failRate: 0, random: () => 0 });
    const always = new FaultController({ failRate: 1, random: () => 0.999999 });
    expect(never.rollFailure()).toBeUndefined();
    expect(always.rollFailure()).toBeDefined();
  });

  it('rejects settings out of range', () => {
    expect(() => new FaultController({ failRate: 1.5 })).toThrow(RangeError);
    expect(() => new FaultController({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => new FaultController({ rateLimit: 2.5 })).toThrow(RangeError);
    expect(() => new FaultController({ authCost: 0 })).toThrow(RangeError);
    expect(() => new FaultController({ failMode: 'sometimes' as never })).toThrow(RangeError);
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
    expect(faults.rateLimit).toBeUndefined();
    for (let i = 0; i < 200; i++) expect(faults.admit('x', false).ok).toBe(true);
    faults.rateLimit = 1;
    expect(faults.rateLimit).toBe(1);
    expect(faults.admit('x', false).ok).toBe(true);
    expect(faults.admit('x', false).ok).toBe(false);
    faults.rateLimit = undefined;
    expect(faults.admit('x', false).ok).toBe(true);
  });

  it('charges authentication requests authCost', () => {
    const faults = new FaultController({ now: () => 0, rateLimit: 100, authCost: 40 });
    expect(faults.admit('x', true)).toMatchObject({ ok: true, consumed: 40, remaining: 60 });
    expect(faults.admit('x', false)).toMatchObject({ ok: true, consumed: 1, remaining: 59 });
    expect(faults.tokensLeft('x')).toBe(59);
  });

  it('strikes before, after, or either in mixed mode', () => {
    const rolls = [0, 0.2, 0, 0.7];
    const faults = new FaultController({ failRate: 1, random: () => rolls.shift() ?? 0 });
    expect(faults.failMode).toBe('mixed');
    expect([faults.rollFailure(), faults.rollFailure()]).toEqual(['before', 'after']);
    faults.failMode = 'after';
    expect(faults.rollFailure()).toBe('after');
  });

  it('forgets revoked keys only for new authentications', () => {
    const faults = new FaultController();
    faults.revokeKey('k');
    expect(faults.revoked.has('k')).toBe(true);
  });

  it('delegates token revocation', () => {
    let revoked = 0;
    new FaultController({ revokeTokens: () => revoked++ }).revokeTokens();
    expect(revoked).toBe(1);
  });
});

describe('fault path regular expressions', () => {
  it.each([
    ['^/(a+)+$', /nested quantifier/],
    ['^/(?:a*b?)*$', /nested quantifier/],
    ['^/(a{1,3}){2,}$', /nested quantifier/],
    ['^/(a|ab)*$', /alternation/],
    ['^/(a)\\1$', /backreference/],
    ['^/(?<x>a)\\k<x>$', /backreference/],
    [`^/${'x'.repeat(300)}`, /longer than/],
  ])('%s is refused', (source, why) => {
    expect(unsafePathPattern(source)).toMatch(why);
  });

  it.each([
    '^/v2/.*/c[0-9]$',
    '^/v2/support/accounts/[^/]+/devices/[0-9a-f]{32}$',
    '^/v2/support/routing/(customer_clusters|carrier_sbcs)/',
    '^/v2/\\(literal\\)+',
    'media_servers\\/[0-9a-f]+$',
    '^/v2/[+*](x)?$',
  ])('%s is accepted', (source) => {
    expect(unsafePathPattern(source)).toBeUndefined();
  });

  it('failNext refuses an unsafe RegExp given in the process too', () => {
    const faults = new FaultController();
    expect(() => faults.failNext({ path: /^\/(a+)+$/ }, { kind: 'reset' })).toThrow(/nested quantifier/);
    expect(faults.pending).toBe(0);
  });

  it('a pattern that passes the check but is slow on a path is cut off and disarmed', () => {
    const lines: string[] = [];
    const faults = new FaultController({ log: (l) => lines.push(l) });
    faults.failNext({ path: /^\/a*a*a*a*a*a*a*a*b$/ }, { kind: 'reset' }, 5);
    const started = performance.now();
    expect(faults.take('GET', `/${'a'.repeat(40)}`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(500);
    expect(faults.pending).toBe(0);
    expect(lines.join('\n')).toMatch(/disarmed/);
  });
});
