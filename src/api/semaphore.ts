/**
 * A counting semaphore. The pool alone would queue excess requests inside undici, where
 * queued time counts against nothing we control and debug timings would include the wait;
 * gating here keeps "in flight" meaning "on the wire".
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** Hands the slot straight to the next waiter, so `active` never dips and overshoots. */
  private release(): void {
    const next = this.waiters.shift();
    if (next === undefined) this.active--;
    else next();
  }
}
