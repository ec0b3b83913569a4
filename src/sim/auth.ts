/**
 * Authentication for the simulator: `PUT /v2/api_auth` and `PUT /v2/user_auth` issue JWTs
 * (HS256, signed with a per-process random secret) carrying the account and its TOP level;
 * every other API route requires one. Tokens expire after a lifetime measured on the
 * injectable clock, and there is no refresh: as in KAZOO, a client re-authenticates on 401.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SimError, validationError, type FieldErrors } from './errors.js';
import { AUTH_LEVELS, type AuthLevel, type JsonObject, type SimContext, type SimState } from './model.js';
import type { HttpMethod, SimRequest, SimResult } from './route.js';

export interface TokenClaims {
  account_id: string;
  level: AuthLevel;
  /** Issued-at and expiry, Unix seconds. */
  iat: number;
  exp: number;
  /** Makes two tokens issued in the same second differ. */
  jti: string;
}

export function invalidCredentials(): SimError {
  return new SimError(401, 'invalid_credentials', { message: 'invalid credentials' });
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function isClaims(v: unknown): v is TokenClaims {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.account_id === 'string' &&
    typeof c.level === 'string' &&
    (AUTH_LEVELS as readonly string[]).includes(c.level) &&
    typeof c.exp === 'number' &&
    typeof c.iat === 'number'
  );
}

const HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** Issues and checks the simulator's tokens. Revoking rotates the secret, so all old tokens fail. */
export class TokenIssuer {
  private secret = randomBytes(32);

  constructor(
    readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {
    if (!(ttlSeconds > 0)) throw new RangeError(`tokenTtlSeconds must be > 0, got ${ttlSeconds}`);
  }

  private sign(input: string): Buffer {
    return createHmac('sha256', this.secret).update(input).digest();
  }

  issue(account_id: string, level: AuthLevel): string {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      account_id,
      level,
      iat,
      exp: iat + this.ttlSeconds,
      jti: b64url(randomBytes(9)),
    };
    const body = `${HEADER}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  /** The token's claims, or undefined when it is malformed, forged, revoked or expired. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = this.sign(`${header}.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isClaims(claims)) return undefined;
    return Math.floor(this.now() / 1000) < claims.exp ? claims : undefined;
  }

  revokeAll(): void {
    this.secret = randomBytes(32);
  }
}

/** A route that needs no token (only the two authentication routes). */
export interface PublicRouteDef {
  method: HttpMethod;
  path: string;
  public: true;
  handler(ctx: SimContext, req: Omit<SimRequest, 'auth'>): SimResult;
}

/** Reads required string fields of `data`, reporting every missing or mistyped one at once. */
function requireStrings(body: JsonObject | undefined, names: string[]): Record<string, string> {
  const data = body?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const rule = data === undefined ? 'required' : 'type';
    const message = data === undefined ? 'Field is required but missing' : 'Value is not of type object';
    throw validationError({ data: { [rule]: { message } } });
  }
  const out: Record<string, string> = {};
  const errors: FieldErrors = {};
  for (const name of names) {
    const v = data[name];
    if (typeof v === 'string' && v !== '') out[name] = v;
    else if (v === undefined) errors[name] = { required: { message: 'Field is required but missing' } };
    else errors[name] = { type: { message: 'Value is not a non-empty string' } };
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return out;
}

function accountName(state: SimState, accountId: string): string | undefined {
  return state.accounts.find((a) => a.id === accountId)?.name;
}

function md5Hex(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authResult(issuer: TokenIssuer, account_id: string, level: AuthLevel, name?: string): SimResult {
  const data: JsonObject = { account_id, level };
  if (name !== undefined) data.account_name = name;
  return { status: 201, data, envelope: { auth_token: issuer.issue(account_id, level) } };
}

/**
 * `PUT /v2/api_auth` and `PUT /v2/user_auth`. Both answer 201 with the new token in the
 * envelope's `auth_token` (the server lets a handler's `auth_token` win over the request's).
 */
export function authRoutes(issuer: TokenIssuer): PublicRouteDef[] {
  return [
    {
      method: 'PUT',
      path: '/v2/api_auth',
      public: true,
      handler(ctx, req) {
        const { api_key } = requireStrings(req.body, ['api_key']);
        const key = ctx.state.api_keys.find((k) => sameText(k.api_key, api_key ?? ''));
        if (!key) throw invalidCredentials();
        return authResult(issuer, key.account_id, key.level, accountName(ctx.state, key.account_id));
      },
    },
    {
      method: 'PUT',
      path: '/v2/user_auth',
      public: true,
      handler(ctx, req) {
        const given = requireStrings(req.body, ['credentials', 'account_name']);
        const credentials = (given.credentials ?? '').toLowerCase();
        const user = ctx.state.users.find(
          (u) =>
            u.account_name === given.account_name &&
            sameText(md5Hex(`${u.username}:${u.password}`), credentials),
        );
        // The user store names accounts by name; a user whose account is unknown cannot log in.
        const account = user && ctx.state.accounts.find((a) => a.name === user.account_name);
        if (!user || !account) throw invalidCredentials();
        return authResult(issuer, account.id, user.level, account.name);
      },
    },
  ];
}
