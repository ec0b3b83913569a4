import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { KazooAuthError } from '../../src/api/errors.js';
import type { ResolvedTarget } from '../../src/api/target.js';
import {
  type StubHandler,
  TOKEN,
  apiKeyTarget,
  kazooError,
  ok,
  reply,
  rejection,
  stubSession,
  withAuth,
} from './api-stub.js';

const CLUSTER = 'aa2b36ac6a5edb290159cd1298283322';
const session = stubSession();

function setup(handler: StubHandler, target?: (url: string) => ResolvedTarget): Promise<KazooClient> {
  return session.start(handler, target ? { target } : {});
}

describe('authentication', () => {
  it('authenticates lazily with the api key, once, and reuses the token', async () => {
    const c = await setup(withAuth((_req, res) => ok(res, [])));
    expect(session.stub?.requests).toHaveLength(0);
    await c.getCustomerCluster('c1').catch(() => undefined);
    await c.getCarrierSbc('s1').catch(() => undefined);
    await c.getMediaServer('m1').catch(() => undefined);
    const auth = session.stub!.authRequests();
    expect(auth).toHaveLength(1);
    expect(auth[0]).toMatchObject({
      method: 'PUT',
      path: '/v2/api_auth',
      json: { data: { api_key: 'key-secret-abcdef' } },
    });
    expect(auth[0]?.headers['x-auth-token']).toBeUndefined();
    for (const r of session.stub!.apiRequests()) expect(r.headers['x-auth-token']).toBe(TOKEN);
  });

  it('shares one in-flight authentication among concurrent first requests', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = await setup(async (req, res) => {
      if (req.path === '/v2/api_auth') {
        await gate; // hold auth until every caller is waiting on it
        reply(res, 201, { status: 'success', auth_token: TOKEN, data: {} });
        return;
      }
      ok(res, { id: req.path });
    });
    const calls = Array.from({ length: 6 }, (_, i) => c.getCarrierSbc(`s${i}`));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all(calls);
    expect(session.stub!.authRequests()).toHaveLength(1);
    expect(session.stub!.apiRequests()).toHaveLength(6);
  });

  it('re-authenticates once on a 401 and retries the request once', async () => {
    let tokens = 0;
    let rejectedFirst = false;
    const c = await setup(
      withAuth(
        (req, res) => {
          if (!rejectedFirst) {
            rejectedFirst = true;
            kazooError(res, 401, 'invalid_credentials');
            return;
          }
          ok(res, { id: 's1', token: req.headers['x-auth-token'] });
        },
        () => `token-${++tokens}`,
      ),
    );
    const result = await c.patchDevice('acc', 'dev', { name: 'x' }); // non-idempotent: still safe after 401
    expect(result.data).toMatchObject({ token: 'token-2' });
    expect(session.stub!.authRequests()).toHaveLength(2);
    expect(session.stub!.apiRequests().map((r) => r.headers['x-auth-token'])).toEqual(['token-1', 'token-2']);
    // Both attempts are the same logical request.
    const ids = session.stub!.apiRequests().map((r) => r.headers['x-request-id']);
    expect(ids[0]).toBe(ids[1]);
  });

  it('a late 401 for an old token does not discard the fresh one', async () => {
    let tokens = 0;
    let late: (() => void) | undefined;
    let lateSent = false;
    const c = await setup(
      withAuth(
        (req, res) => {
          if (req.headers['x-auth-token'] === 'token-1') {
            // Hold the first 401 back until the other request has re-authenticated.
            if (late === undefined) late = () => kazooError(res, 401, 'invalid_credentials');
            else kazooError(res, 401, 'invalid_credentials');
            return;
          }
          ok(res, {});
          // Send the held-back 401 once, after the first success with the fresh token.
          if (late && !lateSent) {
            lateSent = true;
            late();
          }
        },
        () => `token-${++tokens}`,
      ),
    );
    await c.authenticate();
    await Promise.all([c.getCarrierSbc('a'), c.getCarrierSbc('b')]);
    expect(session.stub!.authRequests()).toHaveLength(2);
    expect(session.stub!.apiRequests().map((r) => r.headers['x-auth-token'])).toEqual([
      'token-1',
      'token-1',
      'token-2',
      'token-2',
    ]);
  });

  it('fails on a second 401 after re-authenticating', async () => {
    const c = await setup(withAuth((_req, res) => kazooError(res, 401, 'invalid_credentials')));
    const err = (await rejection(c.getCarrierSbc('s1'))) as KazooAuthError;
    expect(err).toBeInstanceOf(KazooAuthError);
    expect(err.status).toBe(401);
    expect(err.attempts).toBe(2);
    expect(err.hint).toContain('cluster_id');
    expect(session.stub!.authRequests()).toHaveLength(2);
    expect(session.stub!.apiRequests()).toHaveLength(2);
  });

  it('reports a 401 from the auth call itself with a hint naming the variable, not the key', async () => {
    const c = await setup(
      (_req, res) => kazooError(res, 401, 'invalid credentials'),
      (url) => ({
        baseUrl: url,
        auth: { kind: 'api_key', apiKey: 'key-secret-abcdef', source: 'environment variable KZ_KEY' },
      }),
    );
    const err = (await rejection(c.listCarrierSbcs())) as KazooAuthError;
    expect(err).toBeInstanceOf(KazooAuthError);
    expect(err).toMatchObject({ status: 401, method: 'PUT', path: '/v2/api_auth', attempts: 1 });
    expect(err.hint).toContain('environment variable KZ_KEY');
    expect(err.message).toContain('environment variable KZ_KEY');
    expect(`${err.summary()} ${err.hint}`).not.toContain('key-secret-abcdef');
    expect(session.stub!.requests).toHaveLength(1);
  });

  it('authenticates a user with md5("user:pass") and the account name', async () => {
    const c = await setup(
      withAuth((_req, res) => ok(res, [])),
      (url) => ({
        baseUrl: url,
        auth: { kind: 'user', username: 'alice', password: 'pa55', accountName: 'acme' },
      }),
    );
    await c.authenticate();
    const [auth] = session.stub!.requests;
    expect(auth?.path).toBe('/v2/user_auth');
    expect(auth?.method).toBe('PUT');
    expect(auth?.json).toEqual({
      data: { credentials: createHash('md5').update('alice:pa55').digest('hex'), account_name: 'acme' },
    });
    expect(auth?.body).not.toContain('pa55');
  });

  it('sends the cluster id on every request, authentication included', async () => {
    const c = await setup(
      withAuth((_req, res) => ok(res, [])),
      (url) => apiKeyTarget(url, { clusterId: CLUSTER }),
    );
    await c.listMediaServers();
    await c.pollPorts();
    expect(session.stub!.requests).toHaveLength(3);
    for (const r of session.stub!.requests) expect(r.headers['x-kazoo-cluster-id']).toBe(CLUSTER);
  });

  it('sends no cluster id header when none is configured', async () => {
    const c = await setup(withAuth((_req, res) => ok(res, [])));
    await c.listMediaServers();
    expect(session.stub!.requests).toHaveLength(2);
    for (const r of session.stub!.requests) expect(r.headers['x-kazoo-cluster-id']).toBeUndefined();
  });

  it('does not reveal the key or the token when inspected', async () => {
    const c = await setup(withAuth((_req, res) => ok(res, {})));
    await c.authenticate();
    const shown = inspect(c, { depth: 10 });
    expect(shown).not.toContain('key-secret-abcdef');
    expect(shown).not.toContain(TOKEN);
    expect(shown).toContain(session.stub!.url);
  });

  it('sends the standard headers', async () => {
    const c = await setup(withAuth((_req, res) => ok(res, {})));
    await c.patchCarrierSbc('s1', { ips: ['1.2.3.4'] });
    await c.getCarrierSbc('s1');
    const [patch, get] = session.stub!.apiRequests();
    expect(patch?.headers).toMatchObject({ 'content-type': 'application/json', accept: 'application/json' });
    expect(patch?.headers['user-agent']).toMatch(/^kzops\/\d+\.\d+\.\d+/);
    expect(patch?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(get?.headers['content-type']).toBeUndefined();
    expect(get?.headers['x-request-id']).not.toBe(patch?.headers['x-request-id']);
  });
});
