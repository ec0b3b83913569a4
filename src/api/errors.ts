/**
 * The errors kzops raises. Every one extends `KzopsError`, whose closed `code` and `kind`
 * let the CLI pick an exit status and a tone ("fix your config" vs "the server said no" vs
 * "this is a bug") without `instanceof` chains or message matching.
 * The base and the non-API errors live in src/core/errors.ts: import them from there.
 */
import { REDACTED, isSecretPath } from './redact.js';

import { KzopsError, type KzopsErrorOptions } from '../core/errors.js';

/** The request a failure belongs to: shown in summaries so a failure can be traced. */
export interface RequestContext {
  method: string;
  /** The request path, without the query string. */
  path: string;
  /** The server's request id when it answered, else the `X-Request-ID` we sent. */
  requestId?: string;
  /** HTTP attempts made for this logical request (retries and re-authentication included). */
  attempts: number;
}

/** One failed rule of a field: `{message, value?}`; secret values are already masked. */
export interface FieldErrorDetail {
  message: string;
  value?: unknown;
}

/** Per-field validation failures: dotted path → rule → detail. */
export type FieldErrors = Record<string, Record<string, FieldErrorDetail>>;

export interface KazooApiErrorInit extends RequestContext, KzopsErrorOptions {
  status: number;
  /** The envelope's `message`: KAZOO's code name (`bad_identifier`, `validation error`). */
  apiCode?: string;
  /** Human text: `data.message`, else the envelope `message`, else a generic line. */
  message: string;
  fieldErrors?: FieldErrors;
  /** The error envelope's `data` with secrets redacted (when it is not field errors). */
  details?: unknown;
  /** A short excerpt of a body that was not a JSON envelope. */
  bodyExcerpt?: string;
  /** The delay the server asked for with `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** Set when we gave up because `retryAfterMs` exceeded this limit. */
  retryAfterLimitMs?: number;
  /** Set when we gave up after waiting this long in all for a rate limit (429s without Retry-After). */
  rateLimitWaitMs?: number;
  /** An earlier attempt's outcome was unknown and this 409/404 suggests it was applied. */
  earlierAttemptMayHaveApplied?: boolean;
}

/**
 * The server answered with an error status.
 *
 * `code` is the closed kzops code (`api_error`); KAZOO's own code name is `apiCode`. The
 * brief asked for the envelope code in `code`, but that would break the closed union every
 * other error relies on; KAZOO also says to branch on the status, never on `message`.
 */
export class KazooApiError extends KzopsError implements RequestContext {
  readonly code = 'api_error';
  readonly kind = 'api';
  readonly status: number;
  readonly apiCode: string | undefined;
  readonly fieldErrors: FieldErrors | undefined;
  readonly details: unknown;
  readonly bodyExcerpt: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;
  readonly retryAfterLimitMs: number | undefined;
  readonly rateLimitWaitMs: number | undefined;
  readonly earlierAttemptMayHaveApplied: boolean;

  constructor(init: KazooApiErrorInit) {
    super(init.message, init);
    this.status = init.status;
    this.apiCode = init.apiCode;
    this.fieldErrors = init.fieldErrors === undefined ? undefined : maskFieldErrors(init.fieldErrors);
    this.details = init.details;
    this.bodyExcerpt = init.bodyExcerpt;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.retryAfterMs = init.retryAfterMs;
    this.retryAfterLimitMs = init.retryAfterLimitMs;
    this.rateLimitWaitMs = init.rateLimitWaitMs;
    this.earlierAttemptMayHaveApplied = init.earlierAttemptMayHaveApplied ?? false;
  }

  /**
   * `PUT /v2/support/routing/carrier_sbcs: 400 validation error: ips.0 format (Value is not a
   * valid IPv4 address); name required (request 9f2c…)`
   */
  override summary(): string {
    const head = `${this.method} ${this.path}: ${this.status} ${this.apiCode ?? 'error'}`;
    const parts = [head];
    if (this.message !== this.apiCode) parts.push(this.message);
    if (this.fieldErrors !== undefined) parts.push(describeFieldErrors(this.fieldErrors));
    return parts.join(': ') + this.notes();
  }

  /** One line per failed field rule, with the offending value unless the field is secret. */
  fieldErrorLines(): string[] {
    return fieldErrorEntries(this.fieldErrors ?? {}).map(({ path, rule, detail }) =>
      detail.value === undefined
        ? `${path} ${rule}: ${detail.message}`
        : `${path} ${rule}: ${detail.message} (value ${JSON.stringify(detail.value)})`,
    );
  }

  private notes(): string {
    const notes: string[] = [];
    if (this.retryAfterMs !== undefined && this.retryAfterLimitMs !== undefined) {
      notes.push(
        `the server asked to retry after ${seconds(this.retryAfterMs)}, more than the ${seconds(this.retryAfterLimitMs)} kzops waits`,
      );
    }
    if (this.rateLimitWaitMs !== undefined) {
      notes.push(
        `rate limited: gave up after waiting ${seconds(this.rateLimitWaitMs)} in all for the server's bucket to refill`,
      );
    }
    if (this.attempts > 1) notes.push(`after ${this.attempts} attempts`);
    if (this.earlierAttemptMayHaveApplied) {
      notes.push('an earlier attempt whose outcome was unknown may have taken effect');
    }
    return (notes.length > 0 ? `; ${notes.join('; ')}` : '') + requestSuffix(this.requestId);
  }
}

export interface AuthFailureInit extends RequestContext, KzopsErrorOptions {
  /** The HTTP status that refused the credentials (api_auth 400/404, user_auth 401, a 401 after re-authentication). */
  status: number;
  /** The target's name, when it has one. */
  target?: string;
  /** Where the credentials came from (`environment variable KZOPS_API_KEY`), never what they are. */
  source?: string;
}

/**
 * The target did not accept kzops's credentials. Its own class, and not a `KazooApiError`, so
 * that no code which reads a 404 as "absent" or "already gone" can mistake crossbar's `404 bad
 * identifier` for an unknown API key for an answer about a document. The message names the
 * target and the variable that holds the key; the key itself is never in it (crossbar echoes
 * it in the error's `data`, which is dropped here).
 */
export class KazooAuthError extends KzopsError implements RequestContext {
  readonly code = 'auth_failed';
  readonly kind = 'api';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly target: string | undefined;
  readonly source: string | undefined;

  constructor(init: AuthFailureInit) {
    const where = init.target === undefined ? 'the target' : `target ${init.target}`;
    const from = init.source === undefined ? '' : ` from ${init.source}`;
    super(
      `authentication to ${where} failed: the credentials${from} were not accepted (${init.method} ${init.path} answered ${init.status})`,
      { hint: init.hint, cause: init.cause },
    );
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.target = init.target;
    this.source = init.source;
  }

  override summary(): string {
    return `${this.message}${requestSuffix(this.requestId)}`;
  }
}

export type NetworkPhase = 'connect' | 'sent';

export interface NetworkFailureInit extends RequestContext, KzopsErrorOptions {
  /** The system or undici error code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...). */
  errorCode: string;
  /** `connect`: nothing reached the server; `sent`: the request may have been sent. */
  phase: NetworkPhase;
  timedOut: boolean;
  /** The limit that ran out, in ms, when known (the attempt's deadline, the connect timeout). */
  timeoutMs?: number;
  /** Set when retrying stopped because the request's deadline (this many ms) ran out. */
  deadlineMs?: number;
}

/** No usable HTTP response: connection refused or reset, DNS failure, timeout. */
export class KazooNetworkError extends KzopsError implements RequestContext {
  readonly code = 'network_error';
  readonly kind = 'api';
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly errorCode: string;
  readonly phase: NetworkPhase;
  readonly timedOut: boolean;
  readonly timeoutMs: number | undefined;
  readonly deadlineMs: number | undefined;

  constructor(init: NetworkFailureInit) {
    super(`${init.method} ${init.path}: ${describeNetworkFailure(init)}`, {
      hint: init.hint ?? networkHint(init),
      cause: init.cause,
    });
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.errorCode = init.errorCode;
    this.phase = init.phase;
    this.timedOut = init.timedOut;
    this.timeoutMs = init.timeoutMs;
    this.deadlineMs = init.deadlineMs;
  }

  override summary(): string {
    const attempts = this.attempts > 1 ? ` after ${this.attempts} attempts` : '';
    const deadline =
      this.deadlineMs !== undefined && this.attempts > 1
        ? `, when the request's ${duration(this.deadlineMs)} deadline ran out`
        : '';
    return `${this.message}${attempts}${deadline}${requestSuffix(this.requestId)}`;
  }
}

/** Why a TLS certificate was refused, by the error's code; undefined when it is no TLS error. */
export type CertificateProblem = 'untrusted' | 'name' | 'dates' | 'other';

export function certificateProblem(code: string): CertificateProblem | undefined {
  if (UNTRUSTED_CERT_CODES.has(code)) return 'untrusted';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') return 'name';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'dates';
  if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT')) return 'other';
  return undefined;
}

/** OpenSSL's verdicts on a chain that does not lead to a CA this machine trusts. */
const UNTRUSTED_CERT_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
]);

const CA_HINT =
  'If the server (or a TLS-inspecting proxy in between) uses a private CA, put that CA in a PEM ' +
  'file and run kzops with NODE_EXTRA_CA_CERTS=/path/to/ca.pem (read when kzops starts). ' +
  'Never turn certificate checks off.';

function networkHint(init: NetworkFailureInit): string {
  const tls = certificateProblem(init.errorCode);
  if (tls === 'untrusted')
    return `The server's certificate is not signed by a CA this machine trusts. ${CA_HINT}`;
  if (tls === 'name') {
    return `The certificate does not name this host: use the host name it was issued for in the target url. ${CA_HINT}`;
  }
  if (tls === 'dates') {
    return `The certificate is expired or not valid yet: check this machine's clock, or have the certificate renewed. ${CA_HINT}`;
  }
  if (tls === 'other') {
    return `The TLS handshake failed: check that the url's scheme matches the port (https on a TLS port). ${CA_HINT}`;
  }
  if (init.errorCode === 'PROXY_AUTH_REQUIRED' || init.errorCode.startsWith('PROXY_CONNECT_')) {
    return 'Check HTTP_PROXY/HTTPS_PROXY (credentials go in the URL, http://user:password@proxy:3128), or list the host in NO_PROXY.';
  }
  if (init.errorCode === 'UND_ERR_CONNECT_TIMEOUT') {
    return (
      'Nothing accepted the connection in time: check the url, a firewall, and HTTPS_PROXY/NO_PROXY. ' +
      "KZOPS_CONNECT_TIMEOUT or the target's timeouts.connect_s (seconds) sets the limit."
    );
  }
  if (init.timedOut) {
    return (
      "The server did not answer in time. KZOPS_TIMEOUT or the target's timeouts.request_s (seconds) " +
      'sets the deadline of each request, its retries included.'
    );
  }
  return 'Check the target url and that the server is reachable from here.';
}

export interface OutcomeUnknownInit extends RequestContext, KzopsErrorOptions {
  /** What went wrong after the request was sent, e.g. `the connection was reset (ECONNRESET)`. */
  reason: string;
  /** The HTTP status, when a gateway answered (502/504) instead of the server. */
  status?: number;
}

/**
 * A non-idempotent request was sent and then we lost track of it: the server may or may not
 * have applied it. Retrying blindly could apply it twice, so we stop and say so.
 */
export class OutcomeUnknownError extends KzopsError implements RequestContext {
  readonly code = 'outcome_unknown';
  readonly kind = 'api';
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly reason: string;
  readonly status: number | undefined;

  constructor(init: OutcomeUnknownInit) {
    super(
      `${init.method} ${init.path}: ${init.reason} after the request was sent; ` +
        'the server may or may not have applied it',
      {
        hint:
          init.hint ??
          'Check the current state on the server (get or list the resource) before retrying, ' +
            'or the change may be applied twice.',
        cause: init.cause,
      },
    );
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.reason = init.reason;
    this.status = init.status;
  }

  override summary(): string {
    return `${this.message}; check before retrying${requestSuffix(this.requestId)}`;
  }
}

export interface ProtocolErrorInit extends RequestContext, KzopsErrorOptions {
  status: number;
  /** What was wrong with the response. */
  problem: string;
}

/** A success status whose body we cannot use (not JSON, no `data`, a paging loop). */
export class KazooProtocolError extends KzopsError implements RequestContext {
  readonly code = 'protocol_error';
  readonly kind = 'api';
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly attempts: number;
  readonly status: number;

  constructor(init: ProtocolErrorInit) {
    super(`${init.method} ${init.path}: ${init.status} but ${init.problem}`, {
      hint: init.hint ?? 'Is the target url a KAZOO API server (and not a proxy or web page)?',
      cause: init.cause,
    });
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts;
    this.status = init.status;
  }

  override summary(): string {
    return `${this.message}${requestSuffix(this.requestId)}`;
  }
}

function describeNetworkFailure(init: NetworkFailureInit): string {
  if (init.timedOut) {
    const connecting = init.errorCode === 'UND_ERR_CONNECT_TIMEOUT' ? ' connecting' : '';
    const after = init.timeoutMs === undefined ? '' : ` after ${duration(init.timeoutMs)}`;
    return `timed out${connecting}${after} (${init.errorCode})`;
  }
  const what: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    UND_ERR_SOCKET: 'connection closed by the server',
    PROXY_AUTH_REQUIRED: 'the proxy answered 407, asking for credentials',
  };
  const tls = certificateProblem(init.errorCode);
  const tunnel = /^PROXY_CONNECT_(\d+)$/.exec(init.errorCode)?.[1];
  const text =
    what[init.errorCode] ??
    (tunnel !== undefined
      ? `the proxy answered ${tunnel} to the tunnel request`
      : tls === 'other'
        ? 'TLS handshake failed'
        : tls !== undefined
          ? "the server's TLS certificate was not accepted"
          : 'network error');
  return `${text} (${init.errorCode})`;
}

/** `300 ms`, `2.5 s`, `30 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Secret fields' values are replaced on the way in, so no later printing can leak them. */
function maskFieldErrors(fields: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, rules] of Object.entries(fields)) {
    const secret = isSecretPath(path);
    out[path] = {};
    for (const [rule, detail] of Object.entries(rules)) {
      const masked: FieldErrorDetail = { message: detail.message };
      if (detail.value !== undefined) masked.value = secret ? REDACTED : detail.value;
      out[path][rule] = masked;
    }
  }
  return out;
}

interface FieldErrorEntry {
  path: string;
  rule: string;
  detail: FieldErrorDetail;
}

/** Sorted by path so the same failure always reads the same. */
function fieldErrorEntries(fields: FieldErrors): FieldErrorEntry[] {
  return Object.keys(fields)
    .sort()
    .flatMap((path) => Object.entries(fields[path] ?? {}).map(([rule, detail]) => ({ path, rule, detail })));
}

/** `ips.0 format (Value is not a valid IPv4 address); name required` */
function describeFieldErrors(fields: FieldErrors): string {
  return fieldErrorEntries(fields)
    .map(({ path, rule, detail }) =>
      isGenericMessage(detail.message) ? `${path} ${rule}` : `${path} ${rule} (${detail.message})`,
    )
    .join('; ');
}

/** KAZOO's "required" text adds nothing to `name required`. */
function isGenericMessage(message: string): boolean {
  return message === '' || /^field is required/i.test(message);
}

/** ` (request 9f2c1a7b…)`: enough of the id to grep server logs for. */
function requestSuffix(requestId: string | undefined): string {
  if (requestId === undefined || requestId === '') return '';
  return requestId.length > 12 ? ` (request ${requestId.slice(0, 8)}…)` : ` (request ${requestId})`;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)}s`;
}
