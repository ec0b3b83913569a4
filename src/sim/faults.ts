/**
 * Fault injection for the simulator: added latency, a random failure rate, a per-client rate
 * limit and one-shot faults aimed at particular requests. They exist so a client's retry,
 * back-off and re-authentication paths can be exercised against a server that misbehaves on
 * purpose, deterministically when the test injects its own clock and random source.
 */

/** What a one-shot fault does to the request it catches. */
export type OneShotFault =
  /** Destroy the socket before processing: no response, no state change. */
  | { kind: 'reset' }
  /** Answer this status with a KAZOO error envelope before processing: no state change. */
  | { kind: 'status'; status: number }
  /** Process the request (the state changes and is saved), then destroy the socket unanswered. */
  | { kind: 'drop_response' };

export interface FaultMatch {
  /** HTTP method, case-insensitive; any when absent. */
  method?: string;
  /** Exact path, a prefix ending in `*`, or a regular expression tested on the path; any when absent. */
  path?: string | RegExp;
}

interface ArmedFault {
  match: FaultMatch;
  fault: OneShotFault;
  remaining: number;
}

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/**
 * A token bucket per client address, after crossbar's: capacity N, refilled at N/10 tokens a
 * second, one token per request.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly capacity: number,
    private readonly now: () => number,
  ) {}

  private get refillPerSecond(): number {
    return this.capacity / 10;
  }

  take(client: string): RateDecision {
    const t = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.capacity, at: t };
    const elapsed = Math.max(0, t - bucket.at) / 1000;
    bucket.tokens = Math.min(this.capacity, bucket.tokens + elapsed * this.refillPerSecond);
    bucket.at = t;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    // Whole seconds until one token is back, never 0: `Retry-After: 0` invites a hot loop.
    const wait = (1 - bucket.tokens) / this.refillPerSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}

export interface FaultOptions {
  latencyMs?: number;
  failRate?: number;
  rateLimit?: number;
  /** Unix ms; drives the rate limiter's refill. */
  now?: () => number;
  /** In [0, 1); decides which requests the fail rate hits. */
  random?: () => number;
  /** Invalidates every token issued so far (wired to the token issuer by the server). */
  revokeTokens?: () => void;
}

function checkFailRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failRate must be between 0 and 1, got ${rate}`);
  return rate;
}

function checkLatency(ms: number): number {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`latencyMs must be >= 0, got ${ms}`);
  return ms;
}

function pathMatches(pattern: string | RegExp | undefined, path: string): boolean {
  if (pattern === undefined) return true;
  // Match the path as sent and as read (`%2B1555...` and `+1555...`), so a test can name either.
  const forms = [path, safeDecode(path)];
  if (pattern instanceof RegExp) {
    return forms.some((p) => {
      pattern.lastIndex = 0; // a /g or /y pattern would otherwise remember its last match
      return pattern.test(p);
    });
  }
  if (pattern.endsWith('*')) return forms.some((p) => p.startsWith(pattern.slice(0, -1)));
  return forms.includes(pattern);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The live fault settings of one simulator; tests change them between requests. */
export class FaultController {
  private latency: number;
  private rate: number;
  private limiter: RateLimiter | undefined;
  private readonly armed: ArmedFault[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly revoke: () => void;

  constructor(opts: FaultOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.revoke = opts.revokeTokens ?? (() => undefined);
    this.latency = checkLatency(opts.latencyMs ?? 0);
    this.rate = checkFailRate(opts.failRate ?? 0);
    this.limiter = this.makeLimiter(opts.rateLimit);
  }

  private makeLimiter(n: number | undefined): RateLimiter | undefined {
    if (n === undefined || n === 0) return undefined;
    if (!(Number.isInteger(n) && n > 0))
      throw new RangeError(`rateLimit must be a positive integer, got ${n}`);
    return new RateLimiter(n, this.now);
  }

  /** Milliseconds added to every response. */
  get latencyMs(): number {
    return this.latency;
  }
  set latencyMs(ms: number) {
    this.latency = checkLatency(ms);
  }

  /** The share of requests (0..1) answered `503 datastore_unavailable` before processing. */
  get failRate(): number {
    return this.rate;
  }
  set failRate(rate: number) {
    this.rate = checkFailRate(rate);
  }

  /** Bucket capacity per client address; undefined (or 0 when set) turns rate limiting off. */
  get rateLimit(): number | undefined {
    return this.limiter?.capacity;
  }
  set rateLimit(n: number | undefined) {
    this.limiter = this.makeLimiter(n); // a new limit starts every client with a full bucket
  }

  /** Arms a fault for the next `times` requests that match. Earlier faults are served first. */
  failNext(match: FaultMatch, fault: OneShotFault, times = 1): void {
    if (!(Number.isInteger(times) && times > 0)) throw new RangeError(`times must be a positive integer`);
    this.armed.push({ match: { ...match }, fault, remaining: times });
  }

  /** Disarms every one-shot fault (latency, fail rate and rate limit are left as they are). */
  clear(): void {
    this.armed.length = 0;
  }

  /** Makes every token issued so far invalid, so a client's re-authentication can be tested. */
  revokeTokens(): void {
    this.revoke();
  }

  /** Rate-limit decision for one request; always ok when rate limiting is off. */
  admit(client: string): RateDecision | undefined {
    return this.limiter?.take(client);
  }

  /** Whether the fail rate hits this request. */
  rollFailure(): boolean {
    return this.rate > 0 && this.random() < this.rate;
  }

  /** Consumes and returns the first armed fault matching this request, if any. */
  take(method: string, path: string): OneShotFault | undefined {
    const i = this.armed.findIndex(
      (a) =>
        (a.match.method === undefined || a.match.method.toUpperCase() === method.toUpperCase()) &&
        pathMatches(a.match.path, path),
    );
    const hit = this.armed[i];
    if (!hit) return undefined;
    hit.remaining -= 1;
    if (hit.remaining === 0) this.armed.splice(i, 1);
    return hit.fault;
  }

  /** How many one-shot faults are still armed (for the control surface and tests). */
  get pending(): number {
    return this.armed.reduce((n, a) => n + a.remaining, 0);
  }
}
