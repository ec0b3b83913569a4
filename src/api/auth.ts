/**
 * Authentication: the request that mints a token, and the per-client token cache.
 */
import { createHash } from 'node:crypto';
import type { ResolvedAuth } from './target.js';

export interface AuthRequest {
  route: 'apiAuth' | 'userAuth';
  body: { data: Record<string, string> };
}

/** KAZOO user credentials are sent as md5("user:password") in hex, never the password. */
export function md5Credentials(username: string, password: string): string {
  return createHash('md5').update(`${username}:${password}`).digest('hex');
}

export function authRequest(auth: ResolvedAuth): AuthRequest {
  if (auth.kind === 'api_key') {
    return { route: 'apiAuth', body: { data: { api_key: auth.apiKey } } };
  }
  return {
    route: 'userAuth',
    body: {
      data: {
        credentials: md5Credentials(auth.username, auth.password),
        account_name: auth.accountName,
      },
    },
  };
}

/** A hint for a rejected authentication: where the credentials came from, not what they are. */
export function authRejectedHint(auth: ResolvedAuth): string {
  const from = auth.source === undefined ? '' : ` from ${auth.source}`;
  return auth.kind === 'api_key'
    ? `The API key${from} was rejected. Check that it is current and belongs to this cluster.`
    : `The user credentials${from} (account ${auth.accountName}) were rejected. Check them and account_name.`;
}

/**
 * Caches the token and shares one in-flight authentication among concurrent callers, so a
 * burst of first requests (or of 401s) costs one auth call, not one per request.
 */
export class TokenCache {
  private token: string | undefined;
  private inflight: Promise<string> | undefined;

  constructor(private readonly fetchToken: () => Promise<string>) {}

  get(): Promise<string> {
    if (this.token !== undefined) return Promise.resolve(this.token);
    this.inflight ??= this.fetchToken()
      .then((token) => {
        this.token = token;
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /**
   * Forgets `used` if it is still the cached token. Compare-and-clear: when several requests
   * get a 401 for the same expired token, only the first clears it and the others pick up
   * the fresh one instead of discarding it again.
   */
  invalidate(used: string): void {
    if (this.token === used) this.token = undefined;
  }
}
