/**
 * A model of the server's rate limit, shared by every request of one client, so that kzops
 * stays under KAZOO's token bucket instead of learning about it from 429s.
 *
 * crossbar keeps a bucket per client (`kz_buckets`): `tokens` of them (default 100), refilled
 * with `per_second` (default 10) in one block on each whole second; `api_auth`/`user_auth` cost
 * `auth_cost` (default 35) and every other request 1. A 429 carries no `Retry-After`, so the
 * client has to know how long a refill takes.
 *
 * The model is a GCRA (a virtual-time token bucket): each request reserves its cost and is told
 * how long to wait before sending; reservations are served in order, so no worker starves and
 * the sum over all workers stays under the bucket. The usable capacity is one second's refill
 * short of the real one, because the server adds its tokens in blocks at a phase the client
 * cannot see: running one block behind means never running ahead of it.
 *
 * A 429 says the server's bucket is empty now (another client on this address, or a server
 * whose numbers differ from the model): the model takes it as empty, plus one block's time so
 * that the next request lands after a refill, and slows its own refill rate by a fifth (once per
 * empty bucket, to a tenth of the configured rate at most), since the server evidently refills slower than modelled;
 * each accepted request gives back 1% of the rate, up to the configured one.
 */

export interface BucketSettings {
  /** Bucket capacity (crossbar default 100). */
  tokens: number;
  /** Tokens added each second (crossbar default 10). */
  perSecond: number;
  /** What an authentication request costs (crossbar default 35). */
  authCost: number;
}

/** KAZOO's defaults (crossbar's `kz_buckets`, `api_auth_tokens`, `user_auth_tokens`). */
export const KAZOO_BUCKET: Readonly<BucketSettings> = { tokens: 100, perSecond: 10, authCost: 35 };

/** The server's refill period: its tokens arrive in one block per second. */
const BLOCK_MS = 1000;

export class RatePacer {
  /** Milliseconds one token takes to come back (grows after 429s; see `drained`). */
  private msPerToken: number;
  /** The usable capacity, in tokens. */
  private readonly usable: number;
  /** Theoretical arrival time: when the virtual bucket would be full again. */
  private tat: number;
  /** Not pacing: reservations wait only after a 429, until this time. */
  private blockedUntil = 0;
  /** When the rate was last slowed: the 429s of one empty bucket slow it once. */
  private slowedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly settings: BucketSettings,
    /** Pace every request (true), or only wait after a 429 (false). */
    readonly pace: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(settings.tokens >= 1 && settings.perSecond > 0 && settings.authCost >= 1)) {
      throw new RangeError('rate limit settings must be positive');
    }
    this.msPerToken = 1000 / settings.perSecond;
    this.usable = Math.max(1, settings.tokens - settings.perSecond);
    this.tat = this.now();
  }

  /** How far ahead of the refill reservations may run: the usable capacity, in time. */
  private get toleranceMs(): number {
    return this.usable * this.msPerToken;
  }

  /** What a request costs: an authentication `authCost`, anything else 1. */
  cost(auth: boolean): number {
    return auth ? this.settings.authCost : 1;
  }

  /** Reserves `cost` tokens; resolves with how many ms to wait before sending. */
  reserve(cost: number): number {
    const t = this.now();
    if (!this.pace) return Math.max(0, this.blockedUntil - t);
    const next = Math.max(this.tat, t) + cost * this.msPerToken;
    this.tat = next;
    return Math.max(0, next - this.toleranceMs - t);
  }

  /** The server accepted a request: the refill rate creeps back toward the configured one. */
  accepted(): void {
    this.msPerToken = Math.max(1000 / this.settings.perSecond, this.msPerToken / 1.01);
  }

  /** The server answered 429: its bucket is empty now. */
  drained(cost: number): void {
    const t = this.now();
    if (!this.pace) {
      this.blockedUntil = Math.max(this.blockedUntil, t + BLOCK_MS + cost * this.msPerToken);
      return;
    }
    if (t - this.slowedAt > BLOCK_MS) {
      this.slowedAt = t;
      this.msPerToken = Math.min(this.msPerToken * 1.25, (10 * 1000) / this.settings.perSecond);
    }
    this.tat = Math.max(this.tat, t + this.toleranceMs + BLOCK_MS);
  }
}
