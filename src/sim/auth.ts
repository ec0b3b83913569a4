/**
 * Authentication for the simulator: `PUT /v2/api_auth` and `PUT /v2/user_auth` issue JWTs
 * (HS256, signed with a per-process random secret) carrying the account and its TOP level;
 * every other API route requires one. Tokens expire after a lifetime measured on the
 * injectable clock, and there is no refresh: as in KAZOO, a client re-authenticates on 401.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SimError, validationError } from './errors.js';
import {
  AUTH_LEVELS,
  type Account,
  type AuthLevel,
  type JsonObject,
  type SimContext,
  type SimState,
} from './model.js';
import type { HttpMethod, SimRequest, SimResult } from './route.js';
import { compileValidator } from './validate.js';
import { isRecord } from '../core/json.js';

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

/** `data` of an auth request: present and an object, else a validation error. */
function authData(body: JsonObject | undefined): JsonObject {
  const data = body?.data;
  if (data === undefined) {
    throw validationError({ data: { required: { message: 'Field is required but missing' } } });
  }
  if (!isRecord(data)) {
    throw validationError({ data: { type: { message: 'Value is not of type object' } } });
  }
  return data;
}

/**
 * KAZOO's `api_auth.json`: an object whose only property is `api_key`, a string of exactly 64
 * characters. Anything else is a 400 naming the field (the key's value is never echoed here).
 */
const checkApiAuth = compileValidator({
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: { api_key: { type: 'string', minLength: 64, maxLength: 64 } },
});

/** KAZOO's `user_auth.json`: `credentials` required; the account named by one of three fields. */
const checkUserAuth = compileValidator({
  type: 'object',
  required: ['credentials'],
  properties: {
    credentials: { type: 'string', minLength: 1, maxLength: 64 },
    method: { enum: ['md5', 'sha'] },
    account_name: { type: 'string', minLength: 1, maxLength: 128 },
    account_realm: { type: 'string', minLength: 1, maxLength: 64 },
    phone_number: { type: 'string', minLength: 1, maxLength: 64 },
  },
});

function accountName(state: SimState, accountId: string): string | undefined {
  return state.accounts.find((a) => a.id === accountId)?.name;
}

function hashHex(method: 'md5' | 'sha1', s: string): string {
  return createHash(method).update(s).digest('hex');
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

/** Keys that `/_sim/revoke-key` took away: `api_auth` no longer knows them (tokens stay valid). */
export type RevokedKeys = ReadonlySet<string>;

/** crossbar's `response_bad_identifier`: 404 with the unknown identifier itself as `data`. */
function badIdentifier(id: string): SimError {
  return new SimError(404, 'bad identifier', { message: 'bad identifier', cause: id }, [id]);
}

/** The account a `user_auth` request names: by account_name, account_realm or phone_number. */
function namedAccount(state: SimState, data: JsonObject): Account | undefined {
  const { account_name, account_realm, phone_number } = data;
  if (typeof account_name === 'string') return state.accounts.find((a) => a.name === account_name);
  if (typeof account_realm === 'string') {
    const realm = account_realm.toLowerCase();
    return state.accounts.find((a) => a.realm?.toLowerCase() === realm);
  }
  if (typeof phone_number === 'string') {
    const user = state.users.find((u) => u.phone_number === phone_number);
    return user && state.accounts.find((a) => a.name === user.account_name);
  }
  return undefined;
}

/**
 * `PUT /v2/api_auth` and `PUT /v2/user_auth`. Both answer 201 with the new token in the
 * envelope's `auth_token` (the server lets a handler's `auth_token` win over the request's).
 *
 * As crossbar does: a key that is not 64 characters is a 400 on `api_key`; a well-formed key no
 * account holds is `404 bad identifier` with the key echoed in `data` (cb_api_auth); user
 * credentials that match nobody are a 401.
 */
export function authRoutes(issuer: TokenIssuer, revoked: RevokedKeys = new Set()): PublicRouteDef[] {
  return [
    {
      method: 'PUT',
      path: '/v2/api_auth',
      public: true,
      handler(ctx, req) {
        const data = authData(req.body);
        checkApiAuth(data, '');
        const apiKey = data.api_key as string;
        const key = revoked.has(apiKey)
          ? undefined
          : ctx.state.api_keys.find((k) => sameText(k.api_key, apiKey));
        if (!key) throw badIdentifier(apiKey);
        return authResult(issuer, key.account_id, key.level, accountName(ctx.state, key.account_id));
      },
    },
    {
      method: 'PUT',
      path: '/v2/user_auth',
      public: true,
      handler(ctx, req) {
        const data = authData(req.body);
        checkUserAuth(data, '');
        if (
          data.account_name === undefined &&
          data.account_realm === undefined &&
          data.phone_number === undefined
        ) {
          // The schema makes each optional; without any of them there is no account to look in.
          throw validationError({
            account_name: {
              required: { message: 'One of account_name, account_realm or phone_number is required' },
            },
          });
        }
        const method = data.method === 'sha' ? 'sha1' : 'md5';
        const credentials = (data.credentials as string).toLowerCase();
        const account = namedAccount(ctx.state, data);
        const user =
          account &&
          ctx.state.users.find(
            (u) =>
              u.account_name === account.name &&
              sameText(hashHex(method, `${u.username}:${u.password}`), credentials),
          );
        if (!account || !user) throw invalidCredentials();
        return authResult(issuer, account.id, user.level, account.name);
      },
    },
  ];
}
