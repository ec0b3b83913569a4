import { describe, expect, it } from 'vitest';
import type { KazooClientOptions } from '../../src/api/client.js';
import { KazooApiError, KazooNetworkError, OutcomeUnknownError } from '../../src/api/errors.js';
import {
  type StubHandler,
  kazooError,
  ok,
  recordingSleep,
  rejection,
  stubSession,
  withAuth,
} from './api-stub.js';

const session = stubSession();

async function setup(handler: StubHandler, opts: KazooClientOptions = {}) {
  const { sleep, delays } = recordingSleep();
  const c = await session.start(withAuth(handler), { options: { random: () => 0.5, sleep, ...opts } });
  return { c, s: session.stub!, delays };
}

/** Answers the n-th API request (0-based) with `answers[n]`, the last one after that. */
function sequence(...answers: StubHandler[]): StubHandler {
  let n = 0;
  return (req, res, raw) => answers[Math.min(n++, answers.length - 1)]!(req, res, raw);
}

const okDoc: StubHandler = (_req, res) => ok(res, { id: 'x1' });
const status =
  (code: number, headers: Record<string, string> = {}): StubHandler =>
  (_req, res) =>
    kazooError(res, code, 'some_error', {}, headers);
const resetAfterSending: StubHandler = (_req, _res, raw) => void raw.socket.resetAndDestroy();
const closeAfterSending: StubHandler = (_req, _res, raw) => void raw.socket.destroy();
const hang: StubHandler = () => undefined;

describe('retries', () => {
  it('retries an idempotent GET after a 503, with the same request id', async () => {
    const { c, s, delays } = await setup(sequence(status(503), okDoc));
    const result = await c.getCarrierSbc('s1');
    expect(result.data).toEqual({ id: 'x1' });
    expect(s.apiRequests()).toHaveLength(2);
    const [first, second] = s.apiRequests();
    expect(first?.headers['x-request-id']).toBe(second?.headers['x-request-id']);
    expect(delays).toEqual([100]); // random 0.5 × base 200
  });

  it('backs off exponentially with full jitter, then gives up with the attempts recorded', async () => {
    const { c, s, delays } = await setup(status(502));
    const err = (await rejection(c.listCustomerClusters())) as KazooApiError;
    expect(err).toBeInstanceOf(KazooApiError);
    expect(err.status).toBe(502);
    expect(err.attempts).toBe(4);
    expect(err.summary()).toContain('after 4 attempts');
    expect(s.apiRequests()).toHaveLength(4);
    expect(delays).toEqual([100, 200, 400]);
  });

  it('honours Retry-After (seconds) as the minimum delay', async () => {
    const { c, delays } = await setup(sequence(status(503, { 'Retry-After': '2' }), okDoc), {
      random: () => 0,
    });
    await c.getMediaServer('m1');
    expect(delays).toEqual([2000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const when = new Date(Date.now() + 5000).toUTCString();
    const { c, delays } = await setup(sequence(status(429, { 'Retry-After': when }), okDoc), {
      random: () => 0,
    });
    await c.getMediaServer('m1');
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(3000);
    expect(delays[0]).toBeLessThanOrEqual(5000);
  });

  it('gives up when Retry-After exceeds maxRetryAfterMs, and says so', async () => {
    const { c, s, delays } = await setup(status(429, { 'Retry-After': '120' }), { maxRetryAfterMs: 30_000 });
    const err = (await rejection(c.getMediaServer('m1'))) as KazooApiError;
    expect(err).toBeInstanceOf(KazooApiError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(err.summary()).toContain('retry after 120s, more than the 30s');
    expect(delays).toEqual([]);
    expect(s.apiRequests()).toHaveLength(1);
  });

  it('retries a non-idempotent POST on 429 (nothing was applied)', async () => {
    const { c, s } = await setup(sequence(status(429), okDoc));
    await c.pollPorts();
    expect(s.apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v2/support/ports/poll',
      'POST /v2/support/ports/poll',
    ]);
  });

  // crossbar_doc:save_jobj maps a datastore error after the save as before it
  it('does not retry a non-idempotent request on 503, and calls its outcome unknown', async () => {
    const { c, s } = await setup(status(503));
    const err = (await rejection(
      c.moveSubscription('a1', 'sub1', { target_account_id: 'a2' }),
    )) as OutcomeUnknownError;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.status).toBe(503);
    expect(err.summary()).toMatch(/503.*may or may not have applied it/);
    expect(s.apiRequests()).toHaveLength(1);
  });

  it('treats a gateway timeout on a non-idempotent request as an unknown outcome', async () => {
    const { c, s } = await setup(status(504));
    const err = (await rejection(c.importSubscription('a1', { mdn: '+15550001111' }))) as OutcomeUnknownError;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.status).toBe(504);
    expect(s.apiRequests()).toHaveLength(1);
  });
});

describe('connection failures', () => {
  it('a non-idempotent PUT reset after sending → OutcomeUnknownError, sent exactly once', async () => {
    const { c, s, delays } = await setup(resetAfterSending);
    const err = (await rejection(c.createCarrierSbc({ name: 'SBC' }))) as OutcomeUnknownError;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.message).toContain('may or may not have applied it');
    expect(err.hint).toMatch(/before retrying/);
    expect(err).toMatchObject({ method: 'PUT', path: '/v2/support/routing/carrier_sbcs', attempts: 1 });
    expect(s.apiRequests()).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('a non-idempotent PATCH whose connection is closed after sending → OutcomeUnknownError', async () => {
    const { c, s } = await setup(closeAfterSending);
    expect(await rejection(c.patchSubscription('a1', 'sub1', { plan: 'p' }))).toBeInstanceOf(
      OutcomeUnknownError,
    );
    expect(s.apiRequests()).toHaveLength(1);
  });

  it('retries an idempotent DELETE after a reset', async () => {
    const { c, s } = await setup(sequence(resetAfterSending, okDoc));
    const result = await c.deleteCarrierSbc('s1');
    expect(result.data).toEqual({ id: 'x1' });
    expect(s.apiRequests().map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('notes that an earlier attempt may have taken effect when a retried DELETE gets 404', async () => {
    const { c } = await setup(sequence(resetAfterSending, status(404)));
    const err = (await rejection(c.deleteCustomerCluster('c1'))) as KazooApiError;
    expect(err.status).toBe(404);
    expect(err.earlierAttemptMayHaveApplied).toBe(true);
    expect(err.attempts).toBe(2);
    expect(err.summary()).toContain('an earlier attempt whose outcome was unknown may have taken effect');
  });

  it('notes it too when a retried create-with-id gets 409', async () => {
    const { c } = await setup(sequence(closeAfterSending, status(409)));
    const err = (await rejection(c.createCustomerCluster('c1', { name: 'C' }))) as KazooApiError;
    expect(err.status).toBe(409);
    expect(err.earlierAttemptMayHaveApplied).toBe(true);
  });

  it('does not add the note when no earlier attempt was in doubt', async () => {
    const { c } = await setup(status(409));
    const err = (await rejection(c.createCustomerCluster('c1', { name: 'C' }))) as KazooApiError;
    expect(err.earlierAttemptMayHaveApplied).toBe(false);
    expect(err.summary()).not.toContain('earlier attempt');
  });

  it('retries a non-idempotent request when the connection is refused (never sent)', async () => {
    const { c, s, delays } = await setup(okDoc, { maxAttempts: 3 });
    await c.authenticate();
    await s.close();
    await new Promise((r) => setTimeout(r, 20)); // let the pool see its idle socket close
    const err = (await rejection(c.pollPorts())) as KazooNetworkError;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err).toMatchObject({ errorCode: 'ECONNREFUSED', phase: 'connect', attempts: 3, timedOut: false });
    expect(err.summary()).toContain('connection refused');
    expect(delays).toEqual([100, 200]);
  });
});

describe('timeouts', () => {
  it('times out an idempotent request, retries, then raises a network error', async () => {
    const { c, s } = await setup(hang, { timeoutMs: 60, maxAttempts: 2 });
    const err = (await rejection(c.getCarrierSbc('s1'))) as KazooNetworkError;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err).toMatchObject({ timedOut: true, errorCode: 'ETIMEDOUT', attempts: 2 });
    expect(s.apiRequests()).toHaveLength(2);
  });

  it('a timed-out non-idempotent request is an unknown outcome, sent once', async () => {
    const { c, s } = await setup(hang, { timeoutMs: 60 });
    const err = (await rejection(c.setPortStatus('p1', { code: 'completed' }))) as OutcomeUnknownError;
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.reason).toContain('timeout');
    expect(s.apiRequests()).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('keeps at most `concurrency` requests in flight, measured at the server', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { c } = await setup(
      (req, res) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          ok(res, { id: req.path });
        }, 15);
      },
      { concurrency: 3 },
    );
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => c.getCarrierSbc(`s${i}`)));
    expect(results).toHaveLength(12);
    expect(maxInFlight).toBe(3);
  });
});
