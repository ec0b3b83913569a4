/**
 * One HTTP exchange over a keep-alive undici `Pool`, and the classification of its failures.
 * No retries, auth or envelopes here: those are policy, this is plumbing.
 */
import { Pool } from 'undici';
import type { NetworkPhase } from './errors.js';
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

export interface TransportOptions {
  connections: number;
  timeoutMs: number;
}

/** Connecting should be quick; a long connect timeout only delays the retry. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

/** Our per-attempt deadline fired. `ETIMEDOUT` so it classifies like any socket timeout. */
class AttemptTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(timeoutMs: number) {
    super(`no complete response within ${timeoutMs}ms`);
    this.name = 'AttemptTimeoutError';
  }
}

export class HttpTransport {
  private readonly pool: Pool;
  private readonly timeoutMs: number;

  constructor(origin: string, opts: TransportOptions) {
    this.timeoutMs = opts.timeoutMs;
    // undici's own header/body timers run on a coarse (~1 s) clock, so they are only a
    // backstop; the deadline in send() is what bounds an attempt. The connect timeout is
    // kept below it so that an unreachable server shows up as a connect failure (nothing
    // sent, safe to retry) rather than as a timeout of unknown outcome.
    this.pool = new Pool(origin, {
      connections: opts.connections,
      connectTimeout: Math.min(MAX_CONNECT_TIMEOUT_MS, Math.max(1, Math.floor(opts.timeoutMs / 2))),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /** Resolves with any HTTP status; rejects only when no complete response arrived in time. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeoutError(this.timeoutMs)), this.timeoutMs);
    try {
      const res = await this.pool.request({
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
    return this.pool.close();
  }
}

export interface NetworkFailureInfo {
  code: string;
  phase: NetworkPhase;
  timedOut: boolean;
  /** Worth retrying: a TLS certificate error, say, will fail the same way again. */
  transient: boolean;
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
  const code = errorCode(err);
  if (code === undefined) return undefined;
  const timedOut = TIMEOUT_CODES.has(code);
  if (CONNECT_CODES.has(code)) return { code, phase: 'connect', timedOut, transient: true };
  if (SENT_CODES.has(code) || code.startsWith('HPE_'))
    return { code, phase: 'sent', timedOut, transient: true };
  if (isTlsCode(code)) return { code, phase: 'connect', timedOut: false, transient: false };
  return undefined;
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  );
}

/** The error's `code`, looking inside an `AggregateError` (happy-eyeballs connects) or `cause`. */
function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const own = (err as { code?: unknown }).code;
  if (typeof own === 'string' && own !== 'UND_ERR') return own;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const code = errorCode(inner);
      if (code !== undefined) return code;
    }
  }
  return errorCode((err as { cause?: unknown }).cause);
}
