import { describe, expect, it } from 'vitest';
import { type RetryPolicy, backoffDelay, decide, parseRetryAfter } from '../../src/api/retry.js';
import { classifyNetworkError } from '../../src/api/transport.js';

const policy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5000,
  maxRetryAfterMs: 30_000,
  random: () => 0.5,
};

describe('backoffDelay (full jitter)', () => {
  it('is random() × min(maxDelay, base·2^n)', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, policy))).toEqual([100, 200, 400, 800, 2500]);
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(0);
  });
});

describe('decide', () => {
  const status = (s: number, retryAfterMs?: number) => ({ kind: 'status' as const, status: s, retryAfterMs });
  const net = (phase: 'connect' | 'sent') => ({ kind: 'network' as const, phase, transient: true });

  it('retries idempotent requests on 429/502/503/504 and network failures', () => {
    for (const f of [status(429), status(502), status(503), status(504), net('connect'), net('sent')]) {
      expect(decide(f, true, 1, policy)).toEqual({ retry: true, delayMs: 100 });
    }
  });

  it('does not retry other statuses', () => {
    for (const s of [400, 401, 404, 409, 500]) {
      expect(decide(status(s), true, 1, policy)).toEqual({ retry: false, why: 'final' });
    }
  });

  it('retries a non-idempotent request only when nothing was applied', () => {
    expect(decide(status(429), false, 1, policy).retry).toBe(true);
    expect(decide(net('connect'), false, 1, policy).retry).toBe(true);
    expect(decide(net('sent'), false, 1, policy)).toEqual({ retry: false, why: 'outcome_unknown' });
    expect(decide(status(504), false, 1, policy)).toEqual({ retry: false, why: 'outcome_unknown' });
    expect(decide(status(503), false, 1, policy)).toEqual({ retry: false, why: 'outcome_unknown' });
  });

  it('stops after maxAttempts', () => {
    expect(decide(status(503), true, 3, policy).retry).toBe(true);
    expect(decide(status(503), true, 4, policy)).toEqual({ retry: false, why: 'exhausted' });
  });

  it('uses Retry-After as the minimum delay, and gives up when it is too long', () => {
    expect(decide(status(429, 2000), false, 1, policy)).toEqual({ retry: true, delayMs: 2000 });
    expect(decide(status(503, 10), true, 1, policy)).toEqual({ retry: true, delayMs: 100 });
    expect(decide(status(429, 30_001), true, 1, policy)).toEqual({
      retry: false,
      why: 'retry_after_too_long',
    });
  });

  it('does not retry permanent network failures (TLS)', () => {
    expect(decide({ kind: 'network', phase: 'connect', transient: false }, true, 1, policy).retry).toBe(
      false,
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0.5 ', now)).toBe(500);
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores missing or garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('classifyNetworkError', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('separates failures before sending from failures after', () => {
    expect(classifyNetworkError(err('ECONNREFUSED'))).toMatchObject({ phase: 'connect', transient: true });
    expect(classifyNetworkError(err('UND_ERR_CONNECT_TIMEOUT'))).toMatchObject({
      phase: 'connect',
      timedOut: true,
    });
    expect(classifyNetworkError(err('ECONNRESET'))).toMatchObject({ phase: 'sent', timedOut: false });
    expect(classifyNetworkError(err('UND_ERR_SOCKET'))).toMatchObject({ phase: 'sent' });
    expect(classifyNetworkError(err('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      phase: 'sent',
      timedOut: true,
    });
    expect(classifyNetworkError(err('CERT_HAS_EXPIRED'))).toMatchObject({ transient: false });
  });
  it('looks inside AggregateError and cause', () => {
    expect(classifyNetworkError(new AggregateError([err('ECONNREFUSED')]))).toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(classifyNetworkError(new Error('x', { cause: err('ECONNRESET') }))).toMatchObject({
      code: 'ECONNRESET',
    });
  });
  it('does not treat other errors as network failures', () => {
    expect(classifyNetworkError(new TypeError('bug'))).toBeUndefined();
    expect(classifyNetworkError(err('UND_ERR_INVALID_ARG'))).toBeUndefined();
    expect(classifyNetworkError('string')).toBeUndefined();
  });
});
