/**
 * One HTTP exchange over a keep-alive undici `Pool` (or undici's `EnvHttpProxyAgent` when a
 * proxy variable applies to the server's scheme), and the classification of its failures.
 * No retries, auth or envelopes here: those are policy, this is plumbing.
 */
import { EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { ConfigError } from '../core/errors.js';
import { certificateProblem, type NetworkPhase } from './errors.js';
import type { HttpMethod } from './routes.js';

export interface HttpRequest {
  method: HttpMethod;
  /** Path and query from the origin (any base-URL prefix already included). */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Forward proxies, as the usual environment variables name them. */
export interface ProxySettings {
  /** For http:// servers (`http_proxy`, else `HTTP_PROXY`). */
  httpProxy: string | undefined;
  /** For https:// servers, through a CONNECT tunnel (`https_proxy`, else `HTTPS_PROXY`). */
  httpsProxy: string | undefined;
  /** Hosts reached directly (`no_proxy`, else `NO_PROXY`): `host`, `.domain`, `host:port`, `*`. */
  noProxy: string;
}

export interface TransportOptions {
  connections: number;
  /** The longest one attempt may take; `send()` may be given a shorter bound. */
  timeoutMs: number;
  /** Connecting (TCP, and TLS for https), per attempt; held to at most half of `timeoutMs`. */
  connectTimeoutMs: number;
  /** Undefined: connect directly. */
  proxy?: ProxySettings | undefined;
}

/**
 * The proxy settings in `env`, lower-case names first (as curl reads them); undefined when
 * neither proxy variable is set. Empty values count as unset.
 */
export function proxyFromEnv(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const read = (name: string): string | undefined => env[name] || env[name.toUpperCase()] || undefined;
  const proxy = (name: string): string | undefined => {
    const value = read(name);
    return value === undefined ? undefined : proxyUrl(env[name] ? name : name.toUpperCase(), value);
  };
  const httpProxy = proxy('http_proxy');
  const httpsProxy = proxy('https_proxy');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  return { httpProxy, httpsProxy, noProxy: read('no_proxy') ?? '' };
}

/** A proxy variable's value as a URL: `host:port` means `http://host:port`, as curl takes it. */
function proxyUrl(name: string, value: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    const shown = url === undefined ? 'a value that is not a URL' : `${url.protocol}//${url.host}`;
    throw new ConfigError(`${name} must be a proxy URL such as http://proxy.example.net:3128, got ${shown}`);
  }
  return text;
}

/** A target's `timeouts` in targets.yaml, in seconds. */
export interface TimeoutSettings {
  connect_s?: number;
  request_s?: number;
}

/**
 * The client's timeout options from a target's `timeouts`, KZOPS_CONNECT_TIMEOUT and
 * KZOPS_TIMEOUT (seconds) winning over it; nothing where neither says (the client's defaults,
 * 10 s to connect and 30 s per request, apply).
 */
export function timeoutsFromEnv(
  given: TimeoutSettings | undefined,
  env: NodeJS.ProcessEnv,
): { connectTimeoutMs?: number; deadlineMs?: number } {
  const ms = (name: string, fallback: number | undefined): { value?: number } => {
    const raw = env[name];
    const seconds = raw === undefined || raw === '' ? fallback : Number(raw);
    if (seconds === undefined) return {};
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new ConfigError(`${name} must be a number of seconds above 0, got ${JSON.stringify(raw)}`);
    }
    return { value: Math.max(1, Math.round(seconds * 1000)) };
  };
  const connect = ms('KZOPS_CONNECT_TIMEOUT', given?.connect_s).value;
  const request = ms('KZOPS_TIMEOUT', given?.request_s).value;
  return {
    ...(connect === undefined ? {} : { connectTimeoutMs: connect }),
    ...(request === undefined ? {} : { deadlineMs: request }),
  };
}

/** undici's header and body timers are only a backstop behind the deadline in send(). */
const BACKSTOP_MS = 1_000;

/** Our per-attempt deadline fired. `ETIMEDOUT` so it classifies like any socket timeout. */
class AttemptTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(readonly timeoutMs: number) {
    super(`no complete response within ${timeoutMs}ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export class HttpTransport {
  private readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly timeoutMs: number;
  /** The connect timeout in force: what an `UND_ERR_CONNECT_TIMEOUT` waited. */
  readonly connectTimeoutMs: number;

  constructor(origin: string, opts: TransportOptions) {
    this.origin = origin;
    this.timeoutMs = opts.timeoutMs;
    // The connect timeout stays below the attempt's deadline so that an unreachable server
    // shows up as a connect failure (nothing sent, safe to retry) rather than as a timeout of
    // unknown outcome. undici's header/body timers run on a coarse (~1 s) clock, so they only
    // back up the deadline in send(), which is what bounds an attempt.
    this.connectTimeoutMs = Math.min(opts.connectTimeoutMs, Math.max(1, Math.floor(opts.timeoutMs / 2)));
    const common = {
      connections: opts.connections,
      connectTimeout: this.connectTimeoutMs,
      headersTimeout: opts.timeoutMs + BACKSTOP_MS,
      bodyTimeout: opts.timeoutMs + BACKSTOP_MS,
    };
    const https = new URL(origin).protocol === 'https:';
    const proxy = https ? opts.proxy?.httpsProxy : opts.proxy?.httpProxy;
    if (opts.proxy === undefined || proxy === undefined) {
      this.dispatcher = new Pool(origin, common);
      return;
    }
    // Only the variable of this server's scheme is handed on: undici alone would send https
    // through HTTP_PROXY when HTTPS_PROXY is unset, which curl and most tools do not. NO_PROXY
    // is undici's to apply (an exempted host gets a direct keep-alive pool). An http:// server
    // is reached with absolute-form requests, which every forward proxy serves (CONNECT is
    // often allowed to port 443 only); an https:// one through a CONNECT tunnel.
    this.dispatcher = new EnvHttpProxyAgent({
      ...common,
      httpProxy: https ? '' : proxy,
      httpsProxy: https ? proxy : '',
      noProxy: opts.proxy.noProxy,
      proxyTunnel: false,
      proxyTls: { timeout: this.connectTimeoutMs },
      requestTls: { timeout: this.connectTimeoutMs },
    });
  }

  /**
   * Resolves with any HTTP status; rejects only when no complete response arrived within
   * `timeoutMs` (at most, and by default, the longest an attempt may take).
   */
  async send(req: HttpRequest, timeoutMs = this.timeoutMs): Promise<HttpResponse> {
    const limit = Math.max(1, Math.min(Math.round(timeoutMs), this.timeoutMs));
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeoutError(limit)), limit);
    try {
      const res = await this.dispatcher.request({
        origin: this.origin,
        method: req.method,
        path: req.path,
        headers: req.headers,
        body: req.body ?? null,
        signal: deadline.signal,
      });
      // Always read the body: an unread body pins the connection.
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.dispatcher.close();
  }

  /** Closes at once: requests in flight fail (their outcome is unknown). */
  destroy(): Promise<void> {
    return this.dispatcher.destroy();
  }
}

export interface NetworkFailureInfo {
  code: string;
  phase: NetworkPhase;
  timedOut: boolean;
  /** Worth retrying: a TLS certificate error, say, will fail the same way again. */
  transient: boolean;
  /** The limit that ran out, when it is known here (our own per-attempt deadline). */
  timeoutMs?: number;
}

/** Failures while connecting: the request was certainly not sent. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Failures once a connection existed: the request may have been (partly) sent. */
const SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_ABORTED',
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * Maps a thrown error to a network failure, or `undefined` when it is not one (a bug, or
 * the client was closed). Unknown socket-level codes count as "sent": for a non-idempotent
 * request, claiming an unknown outcome is safe, claiming "not applied" may not be.
 */
export function classifyNetworkError(err: unknown): NetworkFailureInfo | undefined {
  const proxy = proxyRefusal(err);
  if (proxy !== undefined) return proxy;
  const code = errorCode(err);
  if (code === undefined) return undefined;
  const timedOut = TIMEOUT_CODES.has(code);
  if (CONNECT_CODES.has(code)) return { code, phase: 'connect', timedOut, transient: true };
  if (SENT_CODES.has(code) || code.startsWith('HPE_')) {
    const limit = err instanceof AttemptTimeoutError ? { timeoutMs: err.timeoutMs } : {};
    return { code, phase: 'sent', timedOut, transient: true, ...limit };
  }
  if (certificateProblem(code) !== undefined)
    return { code, phase: 'connect', timedOut: false, transient: false };
  return undefined;
}

/**
 * A proxy that said no before anything reached the server: credentials asked for (407), or a
 * CONNECT tunnel refused (undici: `Proxy response (502) !== 200 when HTTP Tunneling`).
 */
function proxyRefusal(err: unknown): NetworkFailureInfo | undefined {
  if (!(err instanceof Error)) return undefined;
  if (/Proxy Authentication Required \(407\)|Proxy response \(407\)/.test(err.message)) {
    return { code: 'PROXY_AUTH_REQUIRED', phase: 'connect', timedOut: false, transient: false };
  }
  const tunnel = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/.exec(err.message);
  if (tunnel === null) return undefined;
  const status = Number(tunnel[1]);
  return {
    code: `PROXY_CONNECT_${status}`,
    phase: 'connect',
    timedOut: false,
    transient: status === 502 || status === 503 || status === 504,
  };
}

/** The error's `code`, looking inside an `AggregateError` (happy-eyeballs connects) or `cause`. */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = (err as { code?: unknown }).code;
  // A TLS failure reaching an https proxy is wrapped (UND_ERR_PRX_TLS): its cause says which.
  if (typeof own === 'string' && own !== 'UND_ERR' && own !== 'UND_ERR_PRX_TLS') return own;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const code = errorCode(inner);
      if (code !== undefined) return code;
    }
  }
  return errorCode((err as { cause?: unknown }).cause);
}
