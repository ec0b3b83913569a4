/**
 * `kzops sim`: a stateful HTTP simulator of the KAZOO support API on `node:http`.
 *
 * Every API request goes through one pipeline, in this order:
 *   fail rate (before) → one-shot faults → read body (size-limited) → parse JSON → route match
 *   (404/405) → rate limit → token → auth level → handler → save if it changed the state →
 *   after-the-save faults → latency → reply.
 * A body that is not JSON is refused before authentication, as crossbar does (`api_util:try_json`
 * runs before `is_authorized`). The injected faults come first so that a faulted request never
 * touches the state, except `drop_response`, `commit_then_status` and a fail-rate hit in the
 * `after` mode, which exist precisely to lose or spoil the answer to a request that was saved.
 *
 * Every answer carries `tokens` ({consumed, remaining}, crossbar's `get_token_obj`); answers to
 * authenticated requests also carry `node`, `version` and an ISO 8601 `timestamp`.
 *
 * `/_sim/*` is a control surface for tests that drive the simulator in a subprocess. It has no
 * authentication: it only exists on the simulator, which listens on 127.0.0.1 by default, and
 * sits outside `/v2` so it cannot collide with an API route. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  authRoutes,
  invalidCredentials,
  TokenIssuer,
  type PublicRouteDef,
  type TokenClaims,
} from './auth.js';
import { SimError, validationError } from './errors.js';
import { kzopsVersion } from '../api/version.js';
import { FaultController, unsafePathPattern, type FailMode, type OneShotFault } from './faults.js';
import { levelAtLeast, newId, type JsonObject, type SimContext, type SimState } from './model.js';
import { removeStaleTempFiles } from '../io/atomic-write.js';
import { GroupCommitter, loadState, saveState, serializeState } from './persist.js';
import type { RouteDef, SimResult } from './route.js';
import { allRoutes } from './routes/index.js';
import { defaultSeed, readSeedFile, stateFromSeed } from './seed.js';
import { compileValidator } from './validate.js';
import { isRecord } from '../core/json.js';

export interface SimOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** JSON state file: loaded if it exists (the seed is then not applied), saved after every change. */
  statePath?: string;
  /** A seed object (see seed.ts); used when there is no state file and no `seedPath`. */
  seed?: unknown;
  /** A YAML or JSON seed file; wins over `seed`. */
  seedPath?: string;
  /**
   * A ready-made state, used as is (and live) when there is no state file; wins over the seeds.
   * For tests that build their own state with `emptyState()`.
   */
  state?: SimState;
  latencyMs?: number;
  /** Share (0..1) of requests answered 503. */
  failRate?: number;
  /** Where a fail-rate hit strikes: before processing, after the save, or either (default). */
  failMode?: FailMode;
  /**
   * Enforced token-bucket capacity per client (`IP/account`), refilled at a tenth of it per
   * second in one block each second. Unset: tokens are counted (and reported) but never refused.
   */
  rateLimit?: number;
  /** Tokens `api_auth`/`user_auth` cost; default 35, as crossbar's. */
  authCost?: number;
  /** Send `Retry-After` with a 429 (crossbar never does). */
  retryAfter?: boolean;
  /** Token lifetime; default 3600. */
  tokenTtlSeconds?: number;
  /** Clock, Unix ms (token expiry, timestamps, rate-limit refill). */
  now?: () => number;
  /** Random source in [0, 1) for the fail rate. */
  random?: () => number;
  /** Default 8,000,000 bytes (crossbar's `max_upload_size`); larger bodies are a 400 on `file.maxSize`. */
  maxBodyBytes?: number;
  /** Where unexpected handler errors are reported; default stderr. */
  log?: (line: string) => void;
}

/**
 * One logged request. In the process (`SimHandle.requests`) it is as sent; `GET /_sim/requests`
 * serves it with the token, credential and cookie values in `headers` and `query` replaced by
 * `<redacted:FINGERPRINT>` (the same value gives the same fingerprint within one simulator).
 */
export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers, names lowercased. */
  headers: Record<string, string>;
  /** Status sent; 0 when a fault destroyed the connection instead. */
  status: number;
  /** Time from arrival until the answer was ready to send, latency included. */
  ms: number;
  request_id: string;
  /** `X-Kazoo-Cluster-ID` / `kazoo_cluster_id`, when sent (recorded only; it changes nothing). */
  cluster_id?: string;
  /** The injected fault that decided this request's fate, if any (`fail_rate_after`: saved, then 503). */
  fault?: 'rate_limit' | 'fail_rate' | 'fail_rate_after' | OneShotFault['kind'];
}

export interface SimHandle {
  /** `http://HOST:PORT` */
  url: string;
  host: string;
  port: number;
  /** The live state: handlers read and write this very object. */
  state: SimState;
  faults: FaultController;
  /** The last 1000 API requests (not `/_sim` ones), oldest first. */
  requests: RequestLogEntry[];
  /** Invalidates every token issued so far (same as `faults.revokeTokens()`). */
  revokeTokens(): void;
  /**
   * Stops listening, gives requests in flight a moment to finish (then cuts their connections:
   * one still sending its body is never processed), and waits for pending saves.
   */
  close(): Promise<void>;
}

const DEFAULT_PORT = 8000;
/** How long close() lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 2_000;
/** Headers and query parameters whose values `/_sim/requests` never shows. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'x-auth-token',
  'authorization',
  'proxy-authorization',
  'cookie',
]);
const SECRET_QUERY: ReadonlySet<string> = new Set(['auth_token', 'api_key', 'password']);
const DEFAULT_MAX_BODY = 8_000_000;
const REQUEST_LOG_SIZE = 1000;

type AnyRoute = RouteDef | PublicRouteDef;

// ---------------------------------------------------------------------------------------------
// Routing

interface CompiledRoute {
  route: AnyRoute;
  /** Literal segments, or `:name` parameters. */
  segments: string[];
  /** More literal segments = more specific (`devices/import` beats `devices/:id`). */
  literals: number;
}

type Match =
  | { kind: 'route'; route: AnyRoute; params: Record<string, string> }
  | { kind: 'method'; allow: string[] }
  | { kind: 'none' };

function decodeSegments(path: string): string[] | undefined {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined; // malformed %-escape: no route can match it
  }
}

class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: AnyRoute[]) {
    this.compiled = routes.map((route) => {
      const segments = route.path.split('/').slice(1);
      return { route, segments, literals: segments.filter((s) => !s.startsWith(':')).length };
    });
  }

  private static params(c: CompiledRoute, segs: string[]): Record<string, string> | undefined {
    if (c.segments.length !== segs.length) return undefined;
    const params: Record<string, string> = {};
    for (const [i, t] of c.segments.entries()) {
      const s = segs[i] ?? '';
      if (t.startsWith(':')) {
        if (s === '') return undefined;
        params[t.slice(1)] = s;
      } else if (t !== s) return undefined;
    }
    return params;
  }

  /** The methods some route serves at `path` (none: no route has this path). */
  methods(path: string): string[] {
    const match = this.match('\u0000', path);
    return match.kind === 'method' ? match.allow : [];
  }

  match(method: string, path: string): Match {
    const segs = decodeSegments(path);
    if (!segs) return { kind: 'none' };
    const hits = this.compiled.flatMap((c) => {
      const params = Router.params(c, segs);
      return params ? [{ c, params }] : [];
    });
    if (hits.length === 0) return { kind: 'none' };
    const best = hits
      .filter((h) => h.c.route.method === method)
      .sort((a, b) => b.c.literals - a.c.literals)[0];
    if (best) return { kind: 'route', route: best.c.route, params: best.params };
    return { kind: 'method', allow: [...new Set(hits.map((h) => h.c.route.method))].sort() };
  }
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the pipeline decided: a reply, or a connection to destroy unanswered. */
type Outcome =
  { reply: Reply; fault?: RequestLogEntry['fault'] } | { destroy: true; fault?: 'reset' | 'drop_response' };

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function splitUrl(raw: string): { path: string; query: URLSearchParams } {
  const q = raw.indexOf('?');
  let path = q < 0 ? raw : raw.slice(0, q);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1); // a trailing slash is accepted
  return { path, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

function lowercasedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Reads the whole body. Past `limit` the bytes are drained and discarded rather than the socket
 * cut, so the client gets a clean 413 instead of a write error.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? 'too_large' : Buffer.concat(chunks);
}

/**
 * The request body as crossbar reads it, before authentication: not JSON is a 400 on
 * `json.invalid` (`api_util:try_json`), JSON that is not an object a 400 on the envelope.
 */
function parseBody(buf: Buffer): JsonObject | undefined {
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw validationError({
      json: { invalid: { message: `the body is not valid JSON: ${(err as Error).message}`, target: 'body' } },
    });
  }
  if (!isRecord(parsed)) {
    throw validationError({
      data: { type: { message: 'The request body must be a JSON object: {"data": {...}}' } },
    });
  }
  // JSON.parse made it, so every value in it is JSON.
  return parsed as JsonObject;
}

const RESERVED_ENVELOPE_KEYS = new Set([
  'data',
  'request_id',
  'revision',
  'status',
  'node',
  'timestamp',
  'tokens',
  'version',
]);

// ---------------------------------------------------------------------------------------------
// The control surface's one request body

const faultSpecValidator = compileValidator({
  type: 'object',
  required: ['kind'],
  properties: {
    method: { type: 'string' },
    path: { type: 'string' },
    kind: { type: 'string', enum: ['reset', 'status', 'drop_response', 'commit_then_status'] },
    status: { type: 'integer', minimum: 100, maximum: 599 },
    times: { type: 'integer', minimum: 1 },
  },
  if: { type: 'object', properties: { kind: { enum: ['status', 'commit_then_status'] } } },
  then: { type: 'object', properties: { status: { type: 'integer' } }, required: ['status'] },
});

interface FaultSpec {
  method?: string;
  path?: string | RegExp;
  fault: OneShotFault;
  times: number;
}

/**
 * `POST /_sim/faults` body → an armed fault. A `path` starting with `^` is a regular expression,
 * taken only when `unsafePathPattern` finds nothing wrong with it (400 on `path.unsafe`).
 */
function faultFromSpec(spec: JsonObject): FaultSpec {
  faultSpecValidator(spec);
  const given = spec.path as string | undefined;
  let path: string | RegExp | undefined = given;
  if (given?.startsWith('^')) {
    try {
      path = new RegExp(given);
    } catch (err) {
      throw validationError({ path: { format: { message: (err as Error).message, value: given } } });
    }
    const problem = unsafePathPattern(given);
    if (problem !== undefined) {
      throw validationError({ path: { unsafe: { message: problem, value: given.slice(0, 80) } } });
    }
  }
  const kind = spec.kind as OneShotFault['kind'];
  const fault: OneShotFault =
    kind === 'status' || kind === 'commit_then_status' ? { kind, status: spec.status as number } : { kind };
  return {
    path,
    method: spec.method as string | undefined,
    fault,
    times: (spec.times as number | undefined) ?? 1,
  };
}

// ---------------------------------------------------------------------------------------------
// The simulator

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'invalid_credentials',
  402: 'payment_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_method',
  409: 'datastore_conflict',
  413: 'request_entity_too_large',
  423: 'account_locked',
  429: 'too_many_requests',
  500: 'unspecified_fault',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'datastore_unavailable',
  504: 'gateway_timeout',
};

/** The error an injected `status` fault answers with. */
function injectedError(status: number): SimError {
  return new SimError(status, STATUS_CODES[status] ?? 'unspecified_fault', {
    message: `simulated fault: ${status}`,
  });
}

interface Deps {
  state: SimState;
  now: () => number;
  faults: FaultController;
  issuer: TokenIssuer;
  committer: GroupCommitter | undefined;
  maxBodyBytes: number;
  log: (line: string) => void;
}

/** What one request's answer needs to know about it, filled in as the pipeline goes. */
interface Exchange {
  requestId: string;
  token: string | undefined;
  /** The client's token bucket: `IP/account` (the account the path names, else `no_account`). */
  bucket: string;
  /** What the bucket said, once the request reached it. */
  tokens?: { consumed: number; remaining: number };
  /** A valid token came with the request, or an auth route issued one. */
  authenticated: boolean;
}

/** The account a request's path names (`.../accounts/{ACCOUNT_ID}/...`), for its bucket. */
function pathAccount(params: Record<string, string>): string {
  return params.account_id ?? 'no_account';
}

/** The answer to a datastore failure, injected: crossbar's 503 `datastore_unavailable`. */
function unavailable(): SimError {
  return new SimError(503, 'datastore_unavailable', { message: 'simulated fault: datastore unavailable' });
}

/** CORS headers for OPTIONS, which crossbar answers without a token. */
function corsHeaders(methods: string[]): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(', '),
    'Access-Control-Allow-Headers':
      'Content-Type, Depth, User-Agent, X-Http-Method-Override, X-File-Size, X-Requested-With, ' +
      'If-Modified-Since, X-File-Name, Cache-Control, X-Auth-Token, X-Kazoo-Cluster-ID, If-Match',
    'Access-Control-Expose-Headers': 'Content-Type, X-Auth-Token, X-Request-ID, Location, Etag, ETag',
    'Access-Control-Max-Age': '86400',
  };
}

class Simulator {
  readonly requests: RequestLogEntry[] = [];
  private readonly router: Router;
  private readonly ctx: SimContext;
  private readonly version = `kzops-sim/${kzopsVersion()}`;
  closing = false;
  /** Aborted when close() stops waiting: cuts latency sleeps short. */
  readonly stopping = new AbortController();
  /** Keys the fingerprints of redacted values: stable within this simulator, useless outside it. */
  private readonly redactionKey = randomBytes(32);
  /** KAZOO's `node` is a hash of the Erlang node name; ours hashes where the simulator listens. */
  node = '';

  constructor(private readonly d: Deps) {
    this.router = new Router([...authRoutes(d.issuer, d.faults.revoked), ...allRoutes]);
    this.ctx = { state: d.state, now: d.now, newId };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const { path, query } = splitUrl(req.url ?? '/');
    const requestId = header(req, 'x-request-id') ?? randomBytes(16).toString('hex');
    res.setHeader('X-Request-ID', requestId);
    if (this.closing) res.setHeader('Connection', 'close');

    if (path === '/_sim' || path.startsWith('/_sim/')) {
      await this.send(res, await this.control(req, path, requestId));
      return;
    }
    const exchange: Exchange = {
      requestId,
      token: header(req, 'x-auth-token') ?? query.get('auth_token') ?? undefined,
      bucket: `${req.socket.remoteAddress ?? 'unknown'}/no_account`,
      authenticated: false,
    };
    let outcome: Outcome;
    try {
      outcome =
        req.method === 'OPTIONS'
          ? await this.options(req, path, exchange)
          : await this.pipeline(req, path, query, exchange);
    } catch (err) {
      // Only a bug in the pipeline itself gets here (handler errors are answered inside it).
      this.d.log(`kzops sim: ${req.method} ${path} failed: ${(err as Error).stack ?? String(err)}`);
      outcome = { reply: this.errorReply(new SimError(500, 'unspecified_fault', {}), exchange) };
    }
    const fault = outcome.fault;
    if ('reply' in outcome && this.d.faults.latencyMs > 0) {
      await sleep(this.d.faults.latencyMs, undefined, { signal: this.stopping.signal }).catch(
        () => undefined,
      );
    }
    // Recorded before the answer goes out: a client that has its answer (a test that reads
    // the log right after a CLI run exits) always finds the request already logged.
    if ('reply' in outcome) {
      this.record(req, path, query, requestId, outcome.reply.status, performance.now() - started, fault);
      await this.send(res, outcome.reply);
    } else {
      req.socket.destroy();
      this.record(req, path, query, requestId, 0, performance.now() - started, fault);
    }
  }

  private record(
    req: IncomingMessage,
    path: string,
    query: URLSearchParams,
    request_id: string,
    status: number,
    ms: number,
    fault: RequestLogEntry['fault'],
  ): void {
    const entry: RequestLogEntry = {
      method: req.method ?? '',
      path,
      query: Object.fromEntries(query),
      headers: lowercasedHeaders(req),
      status,
      ms,
      request_id,
    };
    const cluster = header(req, 'x-kazoo-cluster-id') ?? query.get('kazoo_cluster_id');
    if (cluster) entry.cluster_id = cluster;
    if (fault) entry.fault = fault;
    this.requests.push(entry);
    if (this.requests.length > REQUEST_LOG_SIZE)
      this.requests.splice(0, this.requests.length - REQUEST_LOG_SIZE);
  }

  /** A log entry as `/_sim/requests` serves it: secret values become fingerprints. */
  private redacted(entry: RequestLogEntry): RequestLogEntry {
    const mask = (value: string): string =>
      `<redacted:${createHmac('sha256', this.redactionKey).update(value).digest('hex').slice(0, 12)}>`;
    const hide = (record: Record<string, string>, secret: ReadonlySet<string>): Record<string, string> =>
      Object.fromEntries(
        Object.entries(record).map(([k, v]) => [k, secret.has(k.toLowerCase()) ? mask(v) : v]),
      );
    return { ...entry, headers: hide(entry.headers, SECRET_HEADERS), query: hide(entry.query, SECRET_QUERY) };
  }

  /** OPTIONS: answered without a token (CORS pre-flight), for any path a route serves. */
  private async options(req: IncomingMessage, path: string, exchange: Exchange): Promise<Outcome> {
    try {
      await readBody(req, this.d.maxBodyBytes);
    } catch {
      return { destroy: true };
    }
    const methods = this.router.methods(path);
    if (methods.length === 0) {
      return {
        reply: this.errorReply(
          new SimError(404, 'not_found', { message: 'not found', cause: path }),
          exchange,
        ),
      };
    }
    return { reply: { status: 200, headers: corsHeaders(methods), body: '' } };
  }

  private async pipeline(
    req: IncomingMessage,
    path: string,
    query: URLSearchParams,
    exchange: Exchange,
  ): Promise<Outcome> {
    const fail = (err: SimError): Reply => this.errorReply(err, exchange);
    const method = req.method ?? 'GET';

    const roll = this.d.faults.rollFailure();
    if (roll === 'before') return { reply: fail(unavailable()), fault: 'fail_rate' };
    const oneShot = this.d.faults.take(method, path);
    if (oneShot?.kind === 'reset') return { destroy: true, fault: 'reset' };
    if (oneShot?.kind === 'status') return { reply: fail(injectedError(oneShot.status)), fault: 'status' };

    let raw: Buffer | 'too_large';
    try {
      raw = await readBody(req, this.d.maxBodyBytes);
    } catch {
      return { destroy: true }; // the client went away mid-body: nobody to answer
    }
    const reply = await this.dispatch(req, method, path, query, raw, exchange);
    // The request was processed (and saved, if it changed anything); now spoil its answer.
    if (oneShot?.kind === 'drop_response') return { destroy: true, fault: 'drop_response' };
    if (oneShot?.kind === 'commit_then_status') {
      return { reply: fail(injectedError(oneShot.status)), fault: 'commit_then_status' };
    }
    if (roll === 'after') return { reply: fail(unavailable()), fault: 'fail_rate_after' };
    return { reply };
  }

  /** Parse, route, rate-limit, authenticate, run the handler and save: everything after the faults. */
  private async dispatch(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    raw: Buffer | 'too_large',
    exchange: Exchange,
  ): Promise<Reply> {
    const fail = (err: SimError, headers: Record<string, string> = {}): Reply =>
      this.errorReply(err, exchange, headers);
    if (raw === 'too_large') {
      return fail(
        validationError({
          file: {
            maxSize: {
              message: `Files must be smaller than ${this.d.maxBodyBytes} bytes`,
              target: this.d.maxBodyBytes,
            },
          },
        }),
      );
    }
    let body: JsonObject | undefined;
    try {
      body = parseBody(raw);
    } catch (err) {
      if (err instanceof SimError) return fail(err);
      throw err;
    }
    const match = this.router.match(method, path);
    if (match.kind === 'none')
      return fail(new SimError(404, 'not_found', { message: 'not found', cause: path }));
    if (match.kind === 'method') {
      // crossbar's 405 names no Allow header.
      return fail(new SimError(405, 'invalid_method', { message: `${method} is not allowed on ${path}` }));
    }
    exchange.bucket = `${req.socket.remoteAddress ?? 'unknown'}/${pathAccount(match.params)}`;
    const admitted = this.d.faults.admit(exchange.bucket, 'public' in match.route);
    exchange.tokens = { consumed: admitted.consumed, remaining: admitted.remaining };
    if (!admitted.ok) {
      const err = new SimError(429, 'too_many_requests', { message: 'rate limit exceeded' });
      const headers: Record<string, string> = this.d.faults.retryAfter
        ? { 'Retry-After': String(admitted.retryAfterSeconds) }
        : {};
      return fail(err, headers);
    }
    let result: SimResult;
    try {
      result = this.invoke(match.route, match.params, query, body, exchange);
    } catch (err) {
      if (err instanceof SimError) return fail(err);
      this.d.log(`kzops sim: ${method} ${path} handler failed: ${(err as Error).stack ?? String(err)}`);
      return fail(new SimError(500, 'unspecified_fault', { message: 'internal simulator error' }));
    }
    if (result.mutated && this.d.committer) {
      try {
        await this.d.committer.commit();
      } catch (err) {
        this.d.log(`kzops sim: saving the state failed: ${(err as Error).message}`);
        return fail(new SimError(500, 'unspecified_fault', { message: 'the state could not be saved' }));
      }
    }
    return this.successReply(result, exchange);
  }

  /** The caller's claims; throws 401 (no, bad or expired token) or 403 (level too low). */
  private authenticate(route: RouteDef, exchange: Exchange): TokenClaims {
    const claims = exchange.token === undefined ? undefined : this.d.issuer.verify(exchange.token);
    if (!claims) throw invalidCredentials();
    exchange.authenticated = true;
    if (!levelAtLeast(claims.level, route.level)) {
      throw new SimError(403, 'forbidden', {
        message: `this route requires auth level ${route.level}; the token has ${claims.level}`,
      });
    }
    return claims;
  }

  private invoke(
    route: AnyRoute,
    params: Record<string, string>,
    query: URLSearchParams,
    body: JsonObject | undefined,
    exchange: Exchange,
  ): SimResult {
    if ('public' in route) {
      const result = route.handler(this.ctx, { method: route.method, params, query, body });
      exchange.authenticated = true;
      return result;
    }
    const { account_id, level } = this.authenticate(route, exchange);
    return route.handler(this.ctx, {
      method: route.method,
      params,
      query,
      body,
      auth: { account_id, level },
    });
  }

  /** Envelope fields every answer has: `tokens`, and for authenticated requests node/version/time. */
  private commonEnvelope(exchange: Exchange): JsonObject {
    const tokens = exchange.tokens ?? { consumed: 0, remaining: this.d.faults.tokensLeft(exchange.bucket) };
    const out: JsonObject = { tokens, request_id: exchange.requestId };
    if (exchange.authenticated) {
      out.node = this.node;
      out.version = this.version;
      out.timestamp = new Date(this.d.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return out;
  }

  private successReply(result: SimResult, exchange: Exchange): Reply {
    const headers: Record<string, string> = {};
    if (result.revision !== undefined) headers.ETag = `"${result.revision}"`;
    const status = result.status ?? 200;
    if (result.raw) {
      return {
        status,
        headers: { ...headers, 'Content-Type': result.raw.contentType },
        body: result.raw.body,
      };
    }
    const extra: JsonObject = {};
    for (const [k, v] of Object.entries(result.envelope ?? {})) {
      if (!RESERVED_ENVELOPE_KEYS.has(k)) extra[k] = v;
    }
    // The auth routes put the new token in their envelope; every other route echoes the caller's.
    const authToken = extra.auth_token ?? exchange.token ?? '';
    delete extra.auth_token;
    const envelope: JsonObject = {
      auth_token: authToken,
      data: result.data,
      ...extra,
      ...this.commonEnvelope(exchange),
    };
    if (result.revision !== undefined) envelope.revision = result.revision;
    envelope.status = 'success';
    return {
      status,
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope),
    };
  }

  private errorReply(err: SimError, exchange: Exchange, headers: Record<string, string> = {}): Reply {
    const envelope: JsonObject = {};
    if (exchange.token !== undefined) envelope.auth_token = exchange.token;
    Object.assign(envelope, {
      data: err.answerData ?? err.data,
      error: String(err.status),
      message: err.code,
      ...this.commonEnvelope(exchange),
      status: 'error',
    });
    return {
      status: err.status,
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope),
    };
  }

  private async send(res: ServerResponse, reply: Reply): Promise<void> {
    res.statusCode = reply.status;
    for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
    res.setHeader('Content-Length', Buffer.byteLength(reply.body));
    res.end(reply.body);
    // Wait until the bytes are handed to the OS, so close() can then cut connections safely.
    await finished(res).catch(() => undefined);
  }

  // -------------------------------------------------------------------------------------------
  // /_sim control surface (no auth: see the file comment)

  private async control(req: IncomingMessage, path: string, requestId: string): Promise<Reply> {
    const ok = (data: JsonObject | JsonObject[] | RequestLogEntry[]): Reply => ({
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ data, request_id: requestId, status: 'success' }),
    });
    const fail = (err: SimError): Reply => ({
      status: err.status,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        data: err.answerData ?? err.data,
        error: String(err.status),
        message: err.code,
        request_id: requestId,
        status: 'error',
      }),
    });
    const routes: Record<string, Partial<Record<string, () => Promise<Reply>>>> = {
      '/_sim/faults': {
        POST: async () => {
          const raw = await readBody(req, this.d.maxBodyBytes);
          if (raw === 'too_large') return fail(injectedError(413));
          const spec = parseBody(raw);
          const { fault, times, ...match } = faultFromSpec(spec ?? {});
          this.d.faults.failNext(match, fault, times);
          return ok({ ...(spec ?? {}), times, pending: this.d.faults.pending });
        },
        DELETE: () => {
          this.d.faults.clear();
          return Promise.resolve(ok({ pending: 0 }));
        },
      },
      '/_sim/revoke-key': {
        POST: async () => {
          const raw = await readBody(req, this.d.maxBodyBytes);
          if (raw === 'too_large') return fail(injectedError(413));
          const key = parseBody(raw)?.data;
          const apiKey = isRecord(key) ? key.api_key : undefined;
          if (typeof apiKey !== 'string' || apiKey === '') {
            return fail(
              validationError({ 'data.api_key': { required: { message: 'Field is required but missing' } } }),
            );
          }
          this.d.faults.revokeKey(apiKey);
          return ok({ revoked: true });
        },
      },
      '/_sim/revoke-tokens': {
        POST: () => {
          this.d.faults.revokeTokens();
          return Promise.resolve(ok({ revoked: true }));
        },
      },
      '/_sim/requests': { GET: () => Promise.resolve(ok(this.requests.map((e) => this.redacted(e)))) },
    };
    const methods = routes[path];
    if (!methods) return fail(new SimError(404, 'not_found', { message: 'not found', cause: path }));
    const run = methods[req.method ?? ''];
    if (!run) {
      return fail(
        new SimError(405, 'invalid_method', { message: `${req.method} is not allowed on ${path}` }),
      );
    }
    try {
      return await run();
    } catch (err) {
      if (err instanceof SimError) return fail(err);
      this.d.log(`kzops sim: ${req.method} ${path} failed: ${(err as Error).stack ?? String(err)}`);
      return fail(new SimError(500, 'unspecified_fault', {}));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up

async function seededState(opts: SimOptions): Promise<SimState> {
  if (opts.seedPath !== undefined) return stateFromSeed(await readSeedFile(opts.seedPath), opts.seedPath);
  if (opts.seed !== undefined) return stateFromSeed(opts.seed, 'the seed option');
  return stateFromSeed(defaultSeed(), 'the default seed');
}

/** An existing state file wins (the seed is then ignored); otherwise the seed, saved at once. */
async function initialState(opts: SimOptions): Promise<SimState> {
  if (opts.statePath !== undefined) {
    const loaded = await loadState(opts.statePath);
    if (loaded) return loaded;
  }
  const state = opts.state ?? (await seededState(opts));
  if (opts.statePath !== undefined) await saveState(opts.statePath, state);
  return state;
}

/** Whether `work` settled within `ms` (it is left running either way). */
async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startSim(opts: SimOptions = {}): Promise<SimHandle> {
  const now = opts.now ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (opts.statePath !== undefined) {
    // What a simulator killed between writing and renaming left behind.
    const removed = await removeStaleTempFiles(opts.statePath);
    if (removed > 0) {
      log(
        `kzops sim: removed ${removed} leftover temporary file${removed === 1 ? '' : 's'} beside ${opts.statePath}`,
      );
    }
  }
  const state = await initialState(opts);
  const issuer = new TokenIssuer(opts.tokenTtlSeconds ?? 3600, now);
  const faults = new FaultController({
    latencyMs: opts.latencyMs,
    failRate: opts.failRate,
    failMode: opts.failMode,
    rateLimit: opts.rateLimit,
    authCost: opts.authCost,
    retryAfter: opts.retryAfter,
    now,
    random: opts.random,
    revokeTokens: () => issuer.revokeAll(),
    log,
  });
  const committer =
    opts.statePath === undefined
      ? undefined
      : new GroupCommitter(opts.statePath, () => serializeState(state));
  const sim = new Simulator({
    state,
    now,
    faults,
    issuer,
    committer,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
    log,
  });

  const inflight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const p = sim.handle(req, res).catch((err: unknown) => {
      log(`kzops sim: request failed: ${(err as Error).stack ?? String(err)}`);
      res.destroy();
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  // Requests Node's HTTP parser rejects (bad bytes in the path, broken headers) never reach the
  // pipeline; answer them with a KAZOO error envelope too, then close the connection.
  server.on('clientError', (_err, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({
      status: 'error',
      error: '400',
      message: 'bad_request',
      data: { message: 'malformed HTTP request' },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  const address = await listen(server, opts.port ?? DEFAULT_PORT, host);
  sim.node = createHash('md5').update(`kzops-sim@${host}:${address.port}`).digest('base64url');

  let closing: Promise<void> | undefined;
  const drained = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };
  const close = async (): Promise<void> => {
    sim.closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (!(await within(drained(), CLOSE_GRACE_MS))) {
      // A client still sending its body, or a long --latency: stop waiting for them. A request
      // whose handler ran has already started its save, which the committer finishes below.
      sim.stopping.abort();
      server.closeAllConnections();
      await within(drained(), 1_000);
    }
    await committer?.idle();
    server.closeAllConnections();
    await stopped;
  };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    host,
    port: address.port,
    state,
    faults,
    requests: sim.requests,
    revokeTokens: () => faults.revokeTokens(),
    close: () => (closing ??= close()),
  };
}
