/**
 * Redaction of secrets from anything we print: debug traces now, `--dry-run` output later.
 *
 * The rule is deliberately by *name*, not by value: we cannot know every secret value (a
 * device's SIP password arrives inside user data), but KAZOO names its secret fields
 * consistently, so masking those keys at any depth catches them wherever they appear.
 */

export const REDACTED = '<redacted>';

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

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
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
