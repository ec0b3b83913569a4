import { describe, expect, it } from 'vitest';
import { Limit } from '../../src/core/limit.js';

const tick = () => new Promise((r) => setImmediate(r));

function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

// Moved from api-retry.test.ts (the API client's Semaphore is now this Limit).
describe('Limit.acquire', () => {
  it('admits at most the limit and hands slots over in order', async () => {
    const sem = new Limit(2);
    const order: string[] = [];
    const a = await sem.acquire();
    const b = await sem.acquire();
    const c = sem.acquire().then((release) => {
      order.push('c');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // releasing twice must not free a second slot
    const releaseC = await c;
    let dAcquired = false;
    const d = sem.acquire().then((release) => {
      dAcquired = true;
      return release;
    });
    await new Promise((r) => setImmediate(r));
    expect(dAcquired).toBe(false);
    b();
    (await d)();
    releaseC();
    expect(order).toEqual(['c']);
  });
});

describe('Limit.run', () => {
  it('runs at most the limit at once, starting queued tasks in the order asked', async () => {
    const limit = new Limit(2);
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, gate);
    const runs = gates.map((gate, i) =>
      limit.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return i * 10;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3]?.resolve();
    gates[4]?.resolve();
    expect(await Promise.all(runs)).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('frees the slot when a task throws, and passes the error on', async () => {
    const limit = new Limit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('shares its slots between run and acquire', async () => {
    const limit = new Limit(1);
    const release = await limit.acquire();
    let ran = false;
    const task = limit.run(() => {
      ran = true;
      return Promise.resolve();
    });
    await tick();
    expect(ran).toBe(false);
    release();
    await task;
    expect(ran).toBe(true);
  });

  it('refuses a limit that could never admit anyone', () => {
    expect(() => new Limit(0)).toThrow(RangeError);
    expect(() => new Limit(1.5)).toThrow(RangeError);
  });
});
