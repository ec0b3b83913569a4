/**
 * Fault injection for the simulator: added latency, a random failure rate, a per-client rate
 * limit and one-shot faults aimed at particular requests. They exist so a client's retry,
 * back-off and re-authentication paths can be exercised against a server that misbehaves on
 * purpose, deterministically when the test injects its own clock and random source.
 */
import { Script, createContext, type Context } from 'node:vm';

/** What a one-shot fault does to the request it catches. */
export type OneShotFault =
  /** Destroy the socket before processing: no response, no state change. */
  | { kind: 'reset' }
  /** Answer this status with a KAZOO error envelope before processing: no state change. */
  | { kind: 'status'; status: number }
  /** Process the request (the state changes and is saved), then destroy the socket unanswered. */
  | { kind: 'drop_response' }
  /**
   * Process the request (the state changes and is saved), then answer this status with an error
   * envelope: crossbar maps a datastore error after `save_doc` exactly as one before it.
   */
  | { kind: 'commit_then_status'; status: number };

export interface FaultMatch {
  /** HTTP method, case-insensitive; any when absent. */
  method?: string;
  /**
   * Exact path, a prefix ending in `*`, or a regular expression tested on the path (one that
   * `unsafePathPattern` accepts); any when absent.
   */
  path?: string | RegExp;
}

/** The longest fault path regular expression taken. */
export const MAX_PATH_PATTERN_LENGTH = 256;

/** How long one regular expression may run against one path before its fault is disarmed. */
const MATCH_BUDGET_MS = 50;

/**
 * Why a fault path regular expression could take exponential time, or undefined when it looks
 * safe: no backreferences, and no repeated group that itself holds a quantifier (`(a+)+`) or an
 * alternation (`(a|ab)*`): the shapes behind catastrophic backtracking. What is left can still
 * be slow (`a*a*a*a*b` is polynomial), so matching also runs under a time budget.
 */
export function unsafePathPattern(source: string): string | undefined {
  if (source.length > MAX_PATH_PATTERN_LENGTH) {
    return `the regular expression is longer than ${MAX_PATH_PATTERN_LENGTH} characters`;
  }
  /** Per open group: does it hold a quantifier, an alternation? */
  const open: { quantified: boolean; alternation: boolean }[] = [{ quantified: false, alternation: false }];
  /** The atom a quantifier would apply to: a group (and what it holds) or anything else. */
  let last: { group: boolean; quantified: boolean; alternation: boolean } | undefined;
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    const frame = open[open.length - 1]!;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<')) {
        return 'backreferences are not allowed in a fault path';
      }
      last = { group: false, quantified: false, alternation: false };
      i += 2;
    } else if (ch === '[') {
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      last = { group: false, quantified: false, alternation: false };
      i++;
    } else if (ch === '(') {
      open.push({ quantified: false, alternation: false });
      last = undefined;
      const prefix = /^\((\?(:|=|!|<=|<!|<[A-Za-z_$][\w$]*>))?/.exec(source.slice(i))?.[0] ?? '(';
      i += prefix.length;
    } else if (ch === ')') {
      const closed = open.length > 1 ? open.pop()! : frame;
      const parent = open[open.length - 1]!;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      last = { group: true, quantified: closed.quantified, alternation: closed.alternation };
      i++;
    } else if (ch === '|') {
      frame.alternation = true;
      last = undefined;
      i++;
    } else {
      const quantifier = /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(source.slice(i));
      if (quantifier === null) {
        last = { group: false, quantified: false, alternation: false };
        i++;
        continue;
      }
      const [text, low, comma, high] = quantifier;
      const repeats =
        text[0] === '*' ||
        text[0] === '+' ||
        (low !== undefined && (comma === undefined ? Number(low) > 1 : high === '' || Number(high) > 1));
      if (repeats && last?.group === true && last.quantified) {
        return 'a nested quantifier (a repeated group holding a quantifier, as in (a+)+) can backtrack for ever';
      }
      if (repeats && last?.group === true && last.alternation) {
        return 'alternation under a quantifier (as in (a|ab)*) can backtrack for ever';
      }
      frame.quantified = true;
      last = undefined;
      i += text.length;
    }
  }
  return undefined;
}

/** Runs regular expressions under a time budget (a vm timeout interrupts a runaway match). */
class GuardedMatcher {
  private context: Context | undefined;
  private readonly script = new Script('re.lastIndex = 0; re.test(input)');

  /** Whether `re` matches `input`; undefined when it ran out of time. */
  test(re: RegExp, input: string): boolean | undefined {
    this.context ??= createContext({ re: undefined, input: '' });
    const sandbox = this.context as { re: RegExp | undefined; input: string };
    sandbox.re = re;
    sandbox.input = input;
    try {
      return this.script.runInContext(this.context, { timeout: MATCH_BUDGET_MS }) === true;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return undefined;
      throw err;
    } finally {
      sandbox.re = undefined;
    }
  }
}

interface ArmedFault {
  match: FaultMatch;
  fault: OneShotFault;
  remaining: number;
}

/** Where `--fail-rate` strikes: before the request is processed, after it was saved, or either. */
export type FailMode = 'before' | 'after' | 'mixed';

export type RateDecision = { ok: boolean; consumed: number; remaining: number; retryAfterSeconds: number };

/** KAZOO's defaults (crossbar's `kz_buckets`): 100 tokens, refilled at a tenth of that a second. */
export const DEFAULT_BUCKET_TOKENS = 100;
/** What `api_auth` and `user_auth` cost (crossbar's `api_auth_tokens`/`user_auth_tokens`). */
export const DEFAULT_AUTH_COST = 35;

/**
 * Token buckets after crossbar's `kz_token_bucket`: one per client (`IP/account`), each starting
 * full with `capacity` tokens, refilled by `capacity/10` tokens in one block on every whole
 * second of the bucket's life. An ordinary request `consume`s its cost only when it is all
 * there; an authentication request `consume_until`s: when the bucket is short, it is emptied
 * and the request refused, as crossbar's api_auth/user_auth do.
 *
 * `enforce: false` keeps counting (so every answer can report its `tokens`) but never refuses.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; filledAt: number }>();

  constructor(
    readonly capacity: number,
    private readonly now: () => number,
    readonly enforce: boolean,
  ) {}

  private get refillPerSecond(): number {
    return this.capacity / 10;
  }

  private bucket(client: string): { tokens: number; filledAt: number } {
    const t = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = { tokens: this.capacity, filledAt: t };
      this.buckets.set(client, bucket);
    }
    const ticks = Math.floor(Math.max(0, t - bucket.filledAt) / 1000);
    if (ticks > 0) {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + ticks * this.refillPerSecond);
      bucket.filledAt += ticks * 1000;
    }
    return bucket;
  }

  /** Tokens left in a client's bucket, taking nothing (for answers refused before the bucket). */
  remaining(client: string): number {
    return Math.floor(this.bucket(client).tokens);
  }

  take(client: string, cost: number, until: boolean): RateDecision {
    const bucket = this.bucket(client);
    if (bucket.tokens >= cost || !this.enforce) {
      bucket.tokens = Math.max(0, bucket.tokens - cost);
      return { ok: true, consumed: cost, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    if (until) bucket.tokens = 0;
    // Whole seconds until the cost is back, never 0: only sent when --retry-after asks for it.
    const wait = Math.ceil((cost - bucket.tokens) / this.refillPerSecond);
    return {
      ok: false,
      consumed: 0,
      remaining: Math.floor(bucket.tokens),
      retryAfterSeconds: Math.max(1, wait),
    };
  }
}

export interface FaultOptions {
  latencyMs?: number;
  failRate?: number;
  /** Default `mixed`. */
  failMode?: FailMode;
  /** Enforced bucket capacity per client; unset or 0: counted in a 100-token bucket, never refused. */
  rateLimit?: number;
  /** Tokens an authentication request costs (default 35); every other request costs 1. */
  authCost?: number;
  /** Send `Retry-After` on a 429 (crossbar never does; for testing clients that honour it). */
  retryAfter?: boolean;
  /** Unix ms; drives the rate limiter's refill. */
  now?: () => number;
  /** In [0, 1); decides which requests the fail rate hits. */
  random?: () => number;
  /** Invalidates every token issued so far (wired to the token issuer by the server). */
  revokeTokens?: () => void;
  /** Where a fault disarmed for a runaway regular expression is reported; default stderr. */
  log?: (line: string) => void;
}

function checkFailRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`failRate must be between 0 and 1, got ${rate}`);
  return rate;
}

function checkLatency(ms: number): number {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`latencyMs must be >= 0, got ${ms}`);
  return ms;
}

/** Whether the fault's path matches; undefined when its regular expression ran out of time. */
function pathMatches(
  pattern: string | RegExp | undefined,
  path: string,
  matcher: GuardedMatcher,
): boolean | undefined {
  if (pattern === undefined) return true;
  // Match the path as sent and as read (`%2B1555...` and `+1555...`), so a test can name either.
  const forms = [path, safeDecode(path)];
  if (pattern instanceof RegExp) {
    for (const form of forms) {
      // (The script resets lastIndex: a /g or /y pattern would otherwise remember its last match.)
      const hit = matcher.test(pattern, form);
      if (hit !== false) return hit;
    }
    return false;
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
function checkFailMode(mode: string): FailMode {
  if (mode !== 'before' && mode !== 'after' && mode !== 'mixed')
    throw new RangeError(`failMode must be before, after or mixed, got ${mode}`);
  return mode;
}

function checkAuthCost(cost: number): number {
  if (!(Number.isInteger(cost) && cost >= 1))
    throw new RangeError(`authCost must be an integer >= 1, got ${cost}`);
  return cost;
}

/** Where a fail-rate hit strikes, when it does. */
export type FailureRoll = 'before' | 'after' | undefined;

/** The live fault settings of one simulator; tests change them between requests. */
export class FaultController {
  private latency: number;
  private rate: number;
  private mode: FailMode;
  private limiter: RateLimiter;
  private readonly armed: ArmedFault[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly revoke: () => void;
  private readonly revokedKeys = new Set<string>();
  private readonly matcher = new GuardedMatcher();
  private readonly log: (line: string) => void;
  /** Tokens an `api_auth`/`user_auth` request costs. */
  authCost: number;
  /** Whether a 429 carries `Retry-After`. */
  retryAfter: boolean;

  constructor(opts: FaultOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.revoke = opts.revokeTokens ?? (() => undefined);
    this.log = opts.log ?? ((line) => void process.stderr.write(`${line}\n`));
    this.latency = checkLatency(opts.latencyMs ?? 0);
    this.rate = checkFailRate(opts.failRate ?? 0);
    this.mode = checkFailMode(opts.failMode ?? 'mixed');
    this.authCost = checkAuthCost(opts.authCost ?? DEFAULT_AUTH_COST);
    this.retryAfter = opts.retryAfter ?? false;
    this.limiter = this.makeLimiter(opts.rateLimit);
  }

  private makeLimiter(n: number | undefined): RateLimiter {
    if (n === undefined || n === 0) return new RateLimiter(DEFAULT_BUCKET_TOKENS, this.now, false);
    if (!(Number.isInteger(n) && n > 0))
      throw new RangeError(`rateLimit must be a positive integer, got ${n}`);
    return new RateLimiter(n, this.now, true);
  }

  /** Milliseconds added to every response. */
  get latencyMs(): number {
    return this.latency;
  }
  set latencyMs(ms: number) {
    this.latency = checkLatency(ms);
  }

  /** The share of requests (0..1) answered `503 datastore_unavailable`. */
  get failRate(): number {
    return this.rate;
  }
  set failRate(rate: number) {
    this.rate = checkFailRate(rate);
  }

  /** Whether a fail-rate hit comes before processing, after the save, or either at random. */
  get failMode(): FailMode {
    return this.mode;
  }
  set failMode(mode: FailMode) {
    this.mode = checkFailMode(mode);
  }

  /** Enforced bucket capacity per client; undefined (or 0 when set) turns enforcement off. */
  get rateLimit(): number | undefined {
    return this.limiter.enforce ? this.limiter.capacity : undefined;
  }
  set rateLimit(n: number | undefined) {
    this.limiter = this.makeLimiter(n); // a new limit starts every client with a full bucket
  }

  /** From now on `api_auth` does not know this key (tokens already issued keep working). */
  revokeKey(apiKey: string): void {
    this.revokedKeys.add(apiKey);
  }

  /** The keys `revokeKey` took away (read by the api_auth handler). */
  get revoked(): ReadonlySet<string> {
    return this.revokedKeys;
  }

  /** Arms a fault for the next `times` requests that match. Earlier faults are served first. */
  failNext(match: FaultMatch, fault: OneShotFault, times = 1): void {
    if (!(Number.isInteger(times) && times > 0)) throw new RangeError(`times must be a positive integer`);
    const problem = match.path instanceof RegExp ? unsafePathPattern(match.path.source) : undefined;
    if (problem !== undefined) throw new RangeError(`fault path ${String(match.path)}: ${problem}`);
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

  /**
   * Rate-limit decision for one request from `client` (`IP/account`); an authentication request
   * costs `authCost` and empties a short bucket. Always ok when enforcement is off.
   */
  admit(client: string, auth: boolean): RateDecision {
    return auth ? this.limiter.take(client, this.authCost, true) : this.limiter.take(client, 1, false);
  }

  /** Tokens left for `client`, taking nothing. */
  tokensLeft(client: string): number {
    return this.limiter.remaining(client);
  }

  /** Whether the fail rate hits this request, and where. */
  rollFailure(): FailureRoll {
    if (!(this.rate > 0 && this.random() < this.rate)) return undefined;
    if (this.mode !== 'mixed') return this.mode;
    return this.random() < 0.5 ? 'before' : 'after';
  }

  /** Consumes and returns the first armed fault matching this request, if any. */
  take(method: string, path: string): OneShotFault | undefined {
    for (let i = 0; i < this.armed.length; i++) {
      const armed = this.armed[i]!;
      if (armed.match.method !== undefined && armed.match.method.toUpperCase() !== method.toUpperCase())
        continue;
      const hit = pathMatches(armed.match.path, path, this.matcher);
      if (hit === undefined) {
        this.log(
          `kzops sim: fault path ${String(armed.match.path)} took over ${MATCH_BUDGET_MS} ms on ${path}; the fault is disarmed`,
        );
        this.armed.splice(i--, 1);
        continue;
      }
      if (!hit) continue;
      armed.remaining -= 1;
      if (armed.remaining === 0) this.armed.splice(i, 1);
      return armed.fault;
    }
    return undefined;
  }

  /** How many one-shot faults are still armed (for the control surface and tests). */
  get pending(): number {
    return this.armed.reduce((n, a) => n + a.remaining, 0);
  }
}
