/**
 * The client's model of KAZOO's bucket against the simulator's own bucket (crossbar's block
 * refill), in virtual time: W workers send N requests through the pacer; each request reaches
 * the server when its wait is over. No real time passes.
 */
import { describe, expect, it } from 'vitest';
import { KAZOO_BUCKET, RatePacer, type BucketSettings } from '../../src/api/rate-pacer.js';
import { RateLimiter } from '../../src/sim/faults.js';

interface Run {
  rejected: number;
  elapsedMs: number;
}

/**
 * A discrete-event run: each worker reserves, waits, and its request reaches the server at that
 * virtual time (plus `latencyMs` there and back); a 429 tells the pacer, and the worker tries
 * the same request again. The server's bucket starts its ticks `phaseMs` before the first request.
 */
function run(opts: {
  settings: BucketSettings;
  pace: boolean;
  workers: number;
  requests: number;
  latencyMs?: number;
  phaseMs?: number;
  serverTokens?: number;
}): Run {
  let now = 0;
  const pacer = new RatePacer(opts.settings, opts.pace, () => now);
  const server = new RateLimiter(
    opts.serverTokens ?? opts.settings.tokens,
    () => now - (opts.phaseMs ?? 0),
    true,
  );
  const latency = opts.latencyMs ?? 0;
  // events: [time, worker]
  const queue: [number, () => void][] = [];
  const at = (t: number, fn: () => void) => {
    queue.push([t, fn]);
    queue.sort((a, b) => a[0] - b[0]);
  };
  let rejected = 0;
  let left = opts.requests;
  const auth = { done: false };
  const send = (cost: number, isAuth: boolean, then: () => void) => {
    const wait = pacer.reserve(cost);
    at(now + wait + latency / 2, () => {
      const ok = server.take('c', cost, isAuth).ok;
      at(now + latency / 2, () => {
        if (ok) {
          pacer.accepted();
          then();
        } else {
          rejected++;
          pacer.drained(cost);
          send(cost, isAuth, then);
        }
      });
    });
  };
  const worker = () => {
    if (left === 0) return;
    left--;
    send(1, false, worker);
  };
  send(35, true, () => {
    auth.done = true;
    for (let w = 0; w < opts.workers; w++) worker();
  });
  while (queue.length > 0) {
    const [t, fn] = queue.shift() as [number, () => void];
    now = t;
    fn();
  }
  return { rejected, elapsedMs: now };
}

/** The bucket floor: how long the server's bucket takes to allow `requests` plus the auth. */
function floorMs(requests: number, s: BucketSettings = KAZOO_BUCKET): number {
  return ((requests + s.authCost - s.tokens) / s.perSecond) * 1000;
}

describe('RatePacer', () => {
  it.each([
    [1, 0, 0],
    [16, 0, 0],
    [16, 20, 0],
    [16, 20, 999],
    [16, 20, 500],
    [64, 5, 250],
  ])(
    '%i workers, %i ms latency, tick phase %i: 1,000 requests, no 429, within 1.2x of the floor',
    (workers, latencyMs, phaseMs) => {
      const r = run({ settings: KAZOO_BUCKET, pace: true, workers, requests: 1000, latencyMs, phaseMs });
      expect(r.rejected).toBe(0);
      expect(r.elapsedMs).toBeGreaterThanOrEqual(floorMs(1000) - 1000);
      expect(r.elapsedMs).toBeLessThanOrEqual(floorMs(1000) * 1.2);
    },
  );

  it('a server with half the modelled bucket: all complete, the model slows down to it', () => {
    const r = run({ settings: KAZOO_BUCKET, pace: true, workers: 16, requests: 500, serverTokens: 50 });
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.rejected).toBeLessThan(100); // under a fifth of the requests
    // that server's own floor: (500 + 35 - 50) / 5 a second
    expect(r.elapsedMs).toBeLessThanOrEqual(2 * 97_000);
  });

  it('without pacing, 429s come, and each wait covers a refill block', () => {
    let now = 0;
    const pacer = new RatePacer(KAZOO_BUCKET, false, () => now);
    expect(pacer.reserve(1)).toBe(0);
    pacer.drained(1);
    expect(pacer.reserve(1)).toBeGreaterThanOrEqual(1000);
    now += 2000;
    expect(pacer.reserve(1)).toBe(0);
  });

  it('after a 429 while pacing, the next request waits past the next refill', () => {
    let now = 0;
    const pacer = new RatePacer(KAZOO_BUCKET, true, () => now);
    expect(pacer.reserve(1)).toBe(0);
    pacer.drained(1);
    expect(pacer.reserve(1)).toBeGreaterThanOrEqual(1000);
    now = 50_000;
    expect(pacer.reserve(1)).toBe(0);
  });

  it('charges authentication its own cost', () => {
    const pacer = new RatePacer(KAZOO_BUCKET, true, () => 0);
    expect(pacer.cost(true)).toBe(35);
    expect(pacer.cost(false)).toBe(1);
    expect(() => new RatePacer({ tokens: 0, perSecond: 10, authCost: 35 }, true)).toThrow(RangeError);
  });
});
