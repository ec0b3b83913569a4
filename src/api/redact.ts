/**
 * Redaction of secrets from structured data we print: debug traces, `--dry-run` curl lines,
 * views of server documents.
 *
 * The rule here is by *name*: KAZOO names its secret fields consistently, so masking those
 * keys at any depth catches them wherever they appear as fields. The same values repeated
 * inside free text (a server error that echoes the request) are caught by value, at every
 * output, by the secret registry (src/core/secret-registry.ts).
 */
import { registerSecretLeaves, SECRET_MARKER, type SecretKind } from '../core/secret-registry.js';
import { isSecretField } from '../core/validate/secrets.js';

export const REDACTED = SECRET_MARKER;

/** JSON keys (compared case-insensitively) whose values are never printed. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'api_key',
  'password',
  'credentials',
  'auth_token',
  'token',
  'secret',
]);

/** Request headers that carry credentials. */
const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'x-auth-token',
  'authorization',
  'proxy-authorization',
  'cookie',
]);

/** One of the names above, or one config validation treats as secret (`passwd`, `private_key`, ...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase()) || isSecretField(key);
}

/**
 * Registers with the output scrubber every value under a secret-named key, at any depth (each
 * leaf of `credentials: {...}` too): for request bodies, responses and input files, so their
 * secrets are caught by value wherever they are repeated.
 */
export function registerSecretsIn(value: unknown, kind: SecretKind = 'value'): void {
  registerSecretLeaves(value, kind, isSecretKey);
}

/** True when any segment of a dotted field path (`voice.sip.password`) names a secret. */
export function isSecretPath(path: string): boolean {
  return path.split('.').some(isSecretKey);
}

/** A deep copy of `value` with the value of every secret-named key replaced by `<redacted>`. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) ? REDACTED : redactJson(inner);
    }
    return out;
  }
  return value;
}

/**
 * The URL with secret query parameters (`auth_token`, `api_key`, ...) and any userinfo
 * password masked. String-based rather than `new URL()` so the marker is not percent-encoded
 * and unparseable input is still handled.
 */
export function redactUrl(url: string): string {
  const withoutUserinfo = url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#:@]*):[^/?#@]*@/i, `$1:${REDACTED}@`);
  return withoutUserinfo.replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, name: string) =>
    isSecretKey(safeDecode(name)) ? `${sep}${name}=${REDACTED}` : whole,
  );
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

export interface CurlRequest {
  method: string;
  url: string;
  headers?: Readonly<Record<string, string | undefined>>;
  /** A JSON string or a value to serialise; secret keys are redacted either way. */
  body?: unknown;
}

/** An equivalent, shell-quoted, redacted `curl` command line for a request. */
export function toCurl(req: CurlRequest): string {
  const parts = ['curl', '-sS', '-X', req.method.toUpperCase()];
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (value === undefined) continue;
    const shown = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
    parts.push('-H', shellQuote(`${name}: ${shown}`));
  }
  parts.push(shellQuote(redactUrl(req.url)));
  if (req.body !== undefined) parts.push('-d', shellQuote(redactBody(req.body)));
  return parts.join(' ');
}

/**
 * A body as printable text. A string that is not JSON is withheld entirely: we cannot tell
 * which part of it is secret, and the client only ever sends JSON anyway.
 */
function redactBody(body: unknown): string {
  if (typeof body !== 'string') return JSON.stringify(redactJson(body));
  try {
    return JSON.stringify(redactJson(JSON.parse(body)));
  } catch {
    return `${REDACTED} (non-JSON body, ${Buffer.byteLength(body)} bytes)`;
  }
}

/** POSIX shell single-quoting: everything literal, `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
