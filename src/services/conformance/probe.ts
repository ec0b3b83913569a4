/**
 * Raw HTTP for the conformance checks. The typed API client hides exactly what these checks
 * look at (status codes, envelopes, headers, retries, re-authentication), so the probe sends
 * each request once, as given, and keeps every exchange for the checks that look across all
 * answers (envelope shape, tokens, request ids).
 *
 * The probe is also the one place that knows the target's secrets (its API key or user
 * credentials, and every token the server issued), so it is the one that scrubs them from
 * anything that will be printed.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { authRequest } from '../../api/auth.js';
import type { ResolvedTarget } from '../../api/target.js';
import { kzopsVersion } from '../../api/version.js';
import { isRecord } from '../../core/json.js';

export type JsonObject = Record<string, unknown>;

export type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface ProbeRequest {
  method: Method;
  /** From the API root, starting with `/v2`, query included. */
  path: string;
  /** An object is sent as JSON; a string is sent as it is (with a JSON content type). */
  body?: unknown;
  /** `session` (the default): the token from `login()`, when there is one; `none`; or this token. */
  token?: 'session' | 'none' | { value: string };
  /** Send no `X-Request-ID` (the probe sends its own otherwise, to check the echo). */
  noRequestId?: boolean;
  headers?: Record<string, string>;
}

/** One request and its answer, as seen on the wire. */
export interface Exchange {
  method: Method;
  path: string;
  /** Whether a token was sent (answers to authenticated requests carry more envelope fields). */
  withToken: boolean;
  /** The `X-Request-ID` the probe sent, if it sent one. */
  sentRequestId: string | undefined;
  status: number;
  /** Response headers, names lowercased, repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The body parsed, when it is a JSON object. */
  envelope: JsonObject | undefined;
  /** The answer's request id: the envelope's, else the header's, else the one sent. */
  requestId: string | undefined;
}

export interface ProbeOptions {
  /** Per request: connect, headers and body each. Default 30000. */
  timeoutMs?: number;
  /** How often a 429 is waited out and the request sent again. Default 4. */
  rateLimitRetries?: number;
  /**
   * The first wait after a 429, ms, doubled on each further one (2, 4, 8, 16 s by default). A
   * `Retry-After` longer than that wins. Doubling matters: crossbar empties the bucket when an
   * authentication request finds it short, so a wait too short to refill the cost never ends.
   */
  rateLimitWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The outcome of logging in with the target's own credentials. */
export interface Login {
  exchange: Exchange;
  token: string | undefined;
}

const REDACTED = '<redacted>';
/** Longest wait for a 429; past it, the 429 is the answer. */
const MAX_RETRY_AFTER_MS = 30_000;

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export class Probe {
  /** Every exchange, in the order the answers arrived (429s that were waited out included). */
  readonly exchanges: Exchange[] = [];
  /** The 429 answers seen, with the `Retry-After` each carried. */
  readonly rateLimited: { requestId: string | undefined; retryAfter: string | undefined }[] = [];
  private readonly origin: string;
  private readonly basePath: string;
  private readonly agent: Agent;
  private readonly secrets = new Set<string>();
  /** Names this run: in every request id sent, and in the names of the documents it writes. */
  readonly runId = randomHex(4);
  private sequence = 0;
  private readonly retries: number;
  private readonly waitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private sessionToken: string | undefined;

  constructor(
    readonly target: ResolvedTarget,
    opts: ProbeOptions = {},
  ) {
    const url = new URL(target.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    const timeoutMs = opts.timeoutMs ?? 30_000;
    this.agent = new Agent({
      connections: 2,
      connectTimeout: Math.min(10_000, timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    this.retries = opts.rateLimitRetries ?? 4;
    this.waitMs = opts.rateLimitWaitMs ?? 2000;
    this.sleep = opts.sleep ?? ((ms) => delay(ms));
    const { auth } = target;
    if (auth.kind === 'api_key') this.secrets.add(auth.apiKey);
    else {
      this.secrets.add(auth.password);
      const sent = authRequest(auth).body.data.credentials;
      if (sent !== undefined) this.secrets.add(sent);
    }
  }

  /** Whether logging in succeeded (authenticated checks need it). */
  get token(): string | undefined {
    return this.sessionToken;
  }

  /** Logs in with the target's own credentials (`PUT /v2/api_auth` or `/v2/user_auth`). */
  async login(): Promise<Login> {
    const { route, body } = authRequest(this.target.auth);
    const path = route === 'apiAuth' ? '/v2/api_auth' : '/v2/user_auth';
    const exchange = await this.send({ method: 'PUT', path, body, token: 'none' });
    const token = exchange.envelope?.auth_token;
    const ok = exchange.status >= 200 && exchange.status < 300 && typeof token === 'string' && token !== '';
    this.sessionToken = ok ? token : undefined;
    return { exchange, token: this.sessionToken };
  }

  /** Sends one request; a 429 is waited out (growing pauses, or `Retry-After`) a few times. */
  async send(req: ProbeRequest): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const exchange = await this.once(req);
      if (exchange.status !== 429) return exchange;
      const retryAfter = exchange.headers['retry-after'];
      this.rateLimited.push({ requestId: exchange.requestId, retryAfter });
      if (attempt >= this.retries) return exchange;
      const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
      const asked = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
      const waitMs = Math.max(asked, this.waitMs * 2 ** attempt);
      if (waitMs > MAX_RETRY_AFTER_MS) return exchange;
      await this.sleep(waitMs);
    }
  }

  private async once(req: ProbeRequest): Promise<Exchange> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': `kzops-conformance/${kzopsVersion()}`,
      ...req.headers,
    };
    const sentRequestId = req.noRequestId ? undefined : `kzops-conformance-${this.runId}-${++this.sequence}`;
    if (sentRequestId !== undefined) headers['X-Request-ID'] = sentRequestId;
    const token = this.tokenFor(req.token ?? 'session');
    if (token !== undefined) headers['X-Auth-Token'] = token;
    if (this.target.clusterId !== undefined) headers['X-Kazoo-Cluster-ID'] = this.target.clusterId;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
    }
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(`${this.origin}${this.basePath}${req.path}`, {
        method: req.method,
        headers,
        body: body ?? null,
        dispatcher: this.agent,
      });
    } catch (err) {
      throw new Error(`${req.method} ${req.path}: no answer (${describeNetworkError(err)})`, { cause: err });
    }
    const text = await res.body.text();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const envelope = parseObject(text);
    const fromEnvelope = envelope?.request_id;
    const exchange: Exchange = {
      method: req.method,
      path: req.path,
      withToken: token !== undefined,
      sentRequestId,
      status: res.statusCode,
      headers: flat,
      text,
      envelope,
      requestId:
        (typeof fromEnvelope === 'string' && fromEnvelope !== '' ? fromEnvelope : undefined) ??
        flat['x-request-id'] ??
        sentRequestId,
    };
    // Tokens the server hands out are secrets too, wherever they show up later.
    const issued = envelope?.auth_token;
    if (typeof issued === 'string' && issued !== '') this.secrets.add(issued);
    this.exchanges.push(exchange);
    return exchange;
  }

  private tokenFor(choice: NonNullable<ProbeRequest['token']>): string | undefined {
    if (choice === 'none') return undefined;
    if (choice === 'session') return this.sessionToken;
    return choice.value;
  }

  /** `text` with every secret the probe knows of replaced by `<redacted>`. */
  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    const secrets = [...this.secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    return out;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

// ---------------------------------------------------------------------------------------------
// Evidence

/** A JSON value in one bounded line. */
export function compact(value: unknown, max = 120): string {
  // JSON.stringify gives undefined only for undefined, functions and symbols: none come from JSON.
  const text = (JSON.stringify(value) as string | undefined) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * `PUT /v2/api_auth → 404 bad identifier`: what was sent and the status that came back, with the
 * envelope's code name when there is one.
 */
export function said(ex: Exchange): string {
  return `${ex.method} ${ex.path} ${answered(ex)}`;
}

/** `→ 404 bad identifier`: the status, with the envelope's code name on an error. */
export function answered(ex: Exchange): string {
  const message = ex.envelope?.message;
  const name = ex.status >= 400 && typeof message === 'string' ? ` ${message}` : '';
  return `→ ${ex.status}${name}`;
}
