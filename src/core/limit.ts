/**
 * Bounded concurrency: at most `limit` holders at once, admitted in the order they asked. One
 * limiter for the API client (which holds a slot around each request, `acquire`) and the
 * reconciler (which runs whole tasks in a slot, `run`). Pure: no timers, no I/O.
 *
 * A released slot is handed straight to the next waiter, so the count of holders never dips
 * below the limit and then overshoots while waiters are queued.
 */
export class Limit {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`a concurrency limit must be a positive integer, got ${limit}`);
    }
  }

  /** Resolves with a release function once a slot is free; releasing twice frees one slot. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** Runs `task` in a slot, releasing it however the task ends. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next === undefined) this.active--;
    else next();
  }
}
