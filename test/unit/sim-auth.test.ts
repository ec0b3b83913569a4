import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenIssuer } from '../../src/sim/auth.js';
import { emptyState, type SimState } from '../../src/sim/model.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/server.js';

const ACCOUNT = 'acc00000000000000000000000000001';
const T0 = Date.UTC(2026, 0, 1);

function testState(): SimState {
  const state = emptyState();
  state.accounts.push({ id: ACCOUNT, name: 'Test Account', realm: 'test.example.com' });
  state.api_keys.push(
    { api_key: 'super-key'.padEnd(64, '0'), account_id: ACCOUNT, level: 'super_master' },
    { api_key: 'master-key'.padEnd(64, '0'), account_id: ACCOUNT, level: 'master' },
  );
  state.users.push({
    username: 'ann',
    password: 'pw',
    account_name: 'Test Account',
    phone_number: '+15550001000',
    level: 'super_master',
  });
  state.users.push({
    username: 'orphan',
    password: 'pw',
    account_name: 'No Such Account',
    level: 'super_master',
  });
  return state;
}

const sims: SimHandle[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function boot(opts: SimOptions = {}): Promise<SimHandle> {
  const sim = await startSim({ port: 0, state: testState(), ...opts });
  sims.push(sim);
  return sim;
}

interface Res {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  sim: SimHandle,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Res> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers['X-Auth-Token'] = token;
  const res = await fetch(sim.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function apiAuth(sim: SimHandle, key: string): Promise<string> {
  const res = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: key } });
  expect(res.status).toBe(201);
  return res.body.auth_token as string;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const LIST = '/v2/support/routing/customer_clusters';

describe('TokenIssuer', () => {
  it('issues HS256 JWTs carrying the account, level and expiry', () => {
    const issuer = new TokenIssuer(60, () => T0);
    const token = issuer.issue(ACCOUNT, 'master');
    const [header, payload] = token.split('.') as [string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({
      account_id: ACCOUNT,
      level: 'master',
      iat: T0 / 1000,
      exp: T0 / 1000 + 60,
    });
    expect(issuer.verify(token)).toMatchObject({ account_id: ACCOUNT, level: 'master' });
  });

  it('rejects tokens that are forged, altered, expired or revoked', () => {
    let now = T0;
    const issuer = new TokenIssuer(60, () => now);
    const token = issuer.issue(ACCOUNT, 'basic');
    const [h, p, s] = token.split('.') as [string, string, string];
    const elevated = Buffer.from(
      JSON.stringify({
        ...(JSON.parse(Buffer.from(p, 'base64url').toString()) as object),
        level: 'super_master',
      }),
    ).toString('base64url');
    expect(issuer.verify(`${h}.${elevated}.${s}`)).toBeUndefined();
    expect(new TokenIssuer(60, () => now).verify(token)).toBeUndefined(); // another process's secret
    expect(issuer.verify('not-a-token')).toBeUndefined();
    now = T0 + 59_999;
    expect(issuer.verify(token)).toBeDefined();
    now = T0 + 60_000;
    expect(issuer.verify(token)).toBeUndefined();
    now = T0;
    issuer.revokeAll();
    expect(issuer.verify(token)).toBeUndefined();
  });
});

describe('PUT /v2/api_auth', () => {
  it('answers a token for a known key with the account and level', async () => {
    const sim = await boot();
    const res = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: 'master-key'.padEnd(64, '0') } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'success',
      data: { account_id: ACCOUNT, account_name: 'Test Account', level: 'master' },
    });
    expect(res.body.auth_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  // crossbar: cb_api_auth:validate_by_api_key -> crossbar_util:response_bad_identifier(ApiKey)
  it('answers 404 "bad identifier" with the key in data for a well-formed key no account holds', async () => {
    const sim = await boot();
    const unknown = 'ab'.repeat(32);
    const res = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: unknown } });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      status: 'error',
      error: '404',
      message: 'bad identifier',
      data: [unknown],
    });
  });

  // crossbar: api_auth.json requires api_key of minLength 64 and maxLength 64, no other keys
  it('answers 400 on api_key for a key that is not 64 characters, and for any other key', async () => {
    const sim = await boot();
    const short = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: 'wrong' } });
    expect(short.status).toBe(400);
    expect(short.body.message).toBe('validation error');
    expect(short.body.data).toHaveProperty('api_key.minLength');
    expect(JSON.stringify(short.body)).not.toContain('wrong');
    const long = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: 'x'.repeat(65) } });
    expect(long.body.data).toHaveProperty('api_key.maxLength');
    const extra = await call(sim, 'PUT', '/v2/api_auth', {
      data: { api_key: 'super-key'.padEnd(64, '0'), account_id: ACCOUNT },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.data).toHaveProperty('account_id.additionalProperties');
  });

  it('forgets a revoked key for new authentications; tokens already issued keep working', async () => {
    const sim = await boot();
    const key = 'super-key'.padEnd(64, '0');
    const token = await apiAuth(sim, key);
    const revoke = await fetch(`${sim.url}/_sim/revoke-key`, {
      method: 'POST',
      body: JSON.stringify({ data: { api_key: key } }),
    });
    expect(revoke.status).toBe(200);
    expect((await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: key } })).status).toBe(404);
    expect((await call(sim, 'GET', LIST, undefined, token)).status).toBe(200);
    sim.revokeTokens();
    expect((await call(sim, 'GET', LIST, undefined, token)).status).toBe(401);
  });

  it('answers 400 when api_key is missing or not a string', async () => {
    const sim = await boot();
    const missing = await call(sim, 'PUT', '/v2/api_auth', { data: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.data).toEqual({
      api_key: { required: { message: 'Field is required but missing' } },
    });
    const wrong = await call(sim, 'PUT', '/v2/api_auth', { data: { api_key: 42 } });
    expect(wrong.body.data).toHaveProperty('api_key.type');
    const noData = await call(sim, 'PUT', '/v2/api_auth', {});
    expect(noData.body.data).toHaveProperty('data.required');
  });
});

describe('PUT /v2/user_auth', () => {
  it('authenticates md5("user:pass") within the named account', async () => {
    const sim = await boot();
    const res = await call(sim, 'PUT', '/v2/user_auth', {
      data: { credentials: md5('ann:pw'), account_name: 'Test Account' },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ account_id: ACCOUNT, level: 'super_master' });
    const list = await call(sim, 'GET', LIST, undefined, res.body.auth_token as string);
    expect(list.status).toBe(200);
  });

  it('finds the account by account_realm or phone_number instead of account_name', async () => {
    const sim = await boot();
    const byRealm = await call(sim, 'PUT', '/v2/user_auth', {
      data: { credentials: md5('ann:pw'), account_realm: 'TEST.example.com' },
    });
    expect(byRealm.status).toBe(201);
    const byPhone = await call(sim, 'PUT', '/v2/user_auth', {
      data: { credentials: md5('ann:pw'), phone_number: '+15550001000' },
    });
    expect(byPhone.status).toBe(201);
    const sha = await call(sim, 'PUT', '/v2/user_auth', {
      data: {
        credentials: createHash('sha1').update('ann:pw').digest('hex'),
        method: 'sha',
        account_name: 'Test Account',
      },
    });
    expect(sha.status).toBe(201);
    const none = await call(sim, 'PUT', '/v2/user_auth', { data: { credentials: md5('ann:pw') } });
    expect(none.status).toBe(400);
    expect(none.body.data).toHaveProperty('account_name.required');
  });

  it('refuses wrong passwords, wrong accounts and users of unknown accounts', async () => {
    const sim = await boot();
    for (const data of [
      { credentials: md5('ann:nope'), account_name: 'Test Account' },
      { credentials: md5('ann:pw'), account_name: 'Other Account' },
      { credentials: md5('orphan:pw'), account_name: 'No Such Account' },
    ]) {
      const res = await call(sim, 'PUT', '/v2/user_auth', { data });
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('invalid_credentials');
    }
  });
});

describe('tokens on API routes', () => {
  it('answers 401 without a token and with a bad one', async () => {
    const sim = await boot();
    const none = await call(sim, 'GET', LIST);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: '401', message: 'invalid_credentials' });
    const bad = await call(sim, 'GET', LIST, undefined, 'abc.def.ghi');
    expect(bad.status).toBe(401);
    expect(bad.body.auth_token).toBe('abc.def.ghi');
  });

  it('answers 401 once the token has expired on the injected clock', async () => {
    let now = T0;
    const sim = await boot({ now: () => now, tokenTtlSeconds: 120 });
    const token = await apiAuth(sim, 'super-key'.padEnd(64, '0'));
    now += 119_000;
    expect((await call(sim, 'GET', LIST, undefined, token)).status).toBe(200);
    now += 1_000;
    expect((await call(sim, 'GET', LIST, undefined, token)).status).toBe(401);
    const fresh = await apiAuth(sim, 'super-key'.padEnd(64, '0'));
    expect((await call(sim, 'GET', LIST, undefined, fresh)).status).toBe(200);
  });

  it('answers 403 forbidden to a master token on a super_master route', async () => {
    const sim = await boot();
    const token = await apiAuth(sim, 'master-key'.padEnd(64, '0'));
    const res = await call(sim, 'GET', LIST, undefined, token);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: '403', message: 'forbidden' });
    expect((res.body.data as { message: string }).message).toContain('super_master');
  });

  // crossbar: api_util:try_json runs before is_authorized
  it('refuses a body that is not JSON before the token (400 json.invalid, not 401)', async () => {
    const sim = await boot();
    const res = await fetch(`${sim.url}${LIST}/x`, { method: 'PUT', body: '{not json' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      message: 'validation error',
      data: { json: { invalid: { target: 'body' } } },
    });
    // a JSON body without a token still meets the token check
    const json = await fetch(`${sim.url}${LIST}/x`, { method: 'PUT', body: '{"data": {}}' });
    expect(json.status).toBe(401);
  });

  it('revokeTokens() invalidates every issued token until the client authenticates again', async () => {
    const sim = await boot();
    const token = await apiAuth(sim, 'super-key'.padEnd(64, '0'));
    sim.revokeTokens();
    expect((await call(sim, 'GET', LIST, undefined, token)).status).toBe(401);
    const again = await apiAuth(sim, 'super-key'.padEnd(64, '0'));
    expect((await call(sim, 'GET', LIST, undefined, again)).status).toBe(200);
    sim.faults.revokeTokens();
    expect((await call(sim, 'GET', LIST, undefined, again)).status).toBe(401);
  });
});
