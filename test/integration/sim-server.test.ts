import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyState, type SimState } from '../../src/sim/model.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/server.js';

const ACCOUNT = 'acc00000000000000000000000000001';
const CC = '/v2/support/routing/customer_clusters';

type Obj = Record<string, unknown>;
interface Res {
  status: number;
  headers: Headers;
  body: Obj & { data: Obj };
}

function testState(): SimState {
  const state = emptyState();
  state.accounts.push({ id: ACCOUNT, name: 'Test Account' });
  state.api_keys.push({ api_key: 'super-key'.padEnd(64, '0'), account_id: ACCOUNT, level: 'super_master' });
  state.customer_clusters.c1 = { _id: 'c1', _rev: '3-abc', name: 'One', pvt_created: 1 };
  return state;
}

const sims: SimHandle[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function boot(opts: SimOptions = {}) {
  const sim = await startSim({ port: 0, state: testState(), ...opts });
  sims.push(sim);
  const token = await authenticate(sim);
  const call = async (method: string, path: string, body?: unknown, headers: Obj = {}): Promise<Res> => {
    const res = await fetch(sim.url + path, {
      method,
      headers: { 'X-Auth-Token': token, ...(headers as Record<string, string>) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Res['body'] };
  };
  return { sim, token, call };
}

async function authenticate(sim: SimHandle): Promise<string> {
  const res = await fetch(`${sim.url}/v2/api_auth`, {
    method: 'PUT',
    body: JSON.stringify({ data: { api_key: 'super-key'.padEnd(64, '0') } }),
  });
  return ((await res.json()) as { auth_token: string }).auth_token;
}

describe('envelopes', () => {
  it('wraps success the KAZOO way, with ETag, X-Request-ID and JSON content type', async () => {
    const now = Date.UTC(2026, 10, 27, 4, 39, 17, 123);
    const { sim, token, call } = await boot({ now: () => now });
    const res = await call('GET', `${CC}/c1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBe('"3-abc"');
    expect(res.body).toEqual({
      auth_token: token,
      data: { id: 'c1', name: 'One' },
      request_id: res.headers.get('x-request-id'),
      revision: '3-abc',
      status: 'success',
      node: expect.any(String) as string,
      version: expect.stringMatching(/^kzops-sim\//) as string,
      timestamp: '2026-11-27T04:39:17Z',
      tokens: { consumed: 1, remaining: 64 }, // 100 - 35 for api_auth - 1
    });
    expect(res.body.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
  });

  it('echoes the client X-Request-ID', async () => {
    const { call } = await boot();
    const res = await call('GET', CC, undefined, { 'X-Request-ID': 'client-chosen-42' });
    expect(res.headers.get('x-request-id')).toBe('client-chosen-42');
    expect(res.body.request_id).toBe('client-chosen-42');
  });

  it('wraps errors as {status, error, message, data, request_id, auth_token}', async () => {
    const { token, call } = await boot();
    const res = await call('GET', `${CC}/missing`, undefined, { 'X-Request-ID': 'r1' });
    expect(res.body).toEqual({
      auth_token: token,
      status: 'error',
      error: '404',
      message: 'bad_identifier',
      data: { message: 'bad identifier', cause: 'missing' },
      request_id: 'r1',
      tokens: { consumed: 1, remaining: 64 },
      node: expect.any(String) as string,
      version: expect.any(String) as string,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as string,
    });
    expect(res.headers.get('etag')).toBeNull();
  });

  it('carries tokens on every answer, and node/version/timestamp only when authenticated', async () => {
    const { sim } = await boot();
    const noToken = await fetch(`${sim.url}${CC}`);
    const body = (await noToken.json()) as Obj;
    expect(noToken.status).toBe(401);
    expect(body.tokens).toMatchObject({ consumed: 1 });
    expect(body).not.toHaveProperty('node');
    expect(body).not.toHaveProperty('version');
    expect(body).not.toHaveProperty('timestamp');
    const notJson = await fetch(`${sim.url}${CC}/c9`, { method: 'PUT', body: 'nope' });
    const notJsonBody = (await notJson.json()) as Obj;
    expect(notJson.status).toBe(400);
    expect(notJsonBody.tokens).toEqual({ consumed: 0, remaining: expect.any(Number) as number });
    expect(notJsonBody).not.toHaveProperty('node');
  });

  it('answers OPTIONS without a token (CORS), and 404 for a path no route serves', async () => {
    const { sim } = await boot();
    const res = await fetch(`${sim.url}${CC}/c1`, { method: 'OPTIONS' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('DELETE, GET, PATCH, POST, PUT, OPTIONS');
    expect(await res.text()).toBe('');
    const none = await fetch(`${sim.url}/v2/support/nothing`, { method: 'OPTIONS' });
    expect(none.status).toBe(404);
    await none.arrayBuffer();
  });

  it('accepts the token and cluster id as query parameters, and a trailing slash', async () => {
    const { sim, token } = await boot();
    const res = await fetch(`${sim.url}${CC}/?auth_token=${token}&kazoo_cluster_id=cl-9`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: CC, status: 200, cluster_id: 'cl-9' });
  });

  it('logs requests with lowercased headers, query and timing', async () => {
    const { sim, call } = await boot();
    await call('GET', `${CC}?page_size=1`, undefined, { 'X-Kazoo-Cluster-ID': 'cl-1' });
    const entry = sim.requests.at(-1);
    expect(entry).toMatchObject({ query: { page_size: '1' }, cluster_id: 'cl-1', status: 200 });
    expect(entry?.headers['x-kazoo-cluster-id']).toBe('cl-1');
    expect(entry?.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('request errors', () => {
  it('answers 404 not_found for an unknown route and 405 invalid_method without Allow (as crossbar)', async () => {
    const { call } = await boot();
    const unknown = await call('GET', '/v2/support/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: '404', message: 'not_found' });
    const wrong = await call('POST', CC, { data: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBeNull();
    expect(wrong.body).toMatchObject({ error: '405', message: 'invalid_method' });
  });

  it('answers 400 json.invalid (target body) for a body that is not JSON', async () => {
    const { call } = await boot();
    const res = await call('PUT', `${CC}/c2`, '{"data": {"name": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', error: '400', message: 'validation error' });
    expect(res.body.data).toMatchObject({ json: { invalid: { target: 'body' } } });
  });

  it('answers a validation error on data for JSON that is not an object', async () => {
    const { call } = await boot();
    const res = await call('PUT', `${CC}/c2`, '[1, 2]');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('validation error');
    expect(res.body.data).toHaveProperty('data.type');
  });

  // crossbar: a body over max_upload_size (8,000,000 bytes) is a 400 on file.maxSize
  it('answers 400 file.maxSize for a body over the limit and keeps serving', async () => {
    const { sim, call } = await boot({ maxBodyBytes: 1024 });
    const res = await call('PUT', `${CC}/big`, { data: { name: 'x'.repeat(5000) } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: '400', message: 'validation error' });
    expect(res.body.data).toHaveProperty('file.maxSize');
    expect(sim.state.customer_clusters.big).toBeUndefined();
    expect((await call('PUT', `${CC}/small`, { data: { name: 'x' } })).status).toBe(201);
  });

  it('takes bodies up to 8,000,000 bytes by default, and refuses one past it', async () => {
    const { call } = await boot();
    const near = await call('PUT', `${CC}/big`, { data: { name: 'x'.repeat(7_999_000) } });
    expect(near.status).toBe(201);
    const over = await call('PUT', `${CC}/bigger`, { data: { name: 'x'.repeat(8_000_001) } });
    expect(over.status).toBe(400);
    expect(over.body.data).toHaveProperty('file.maxSize');
  });

  it('answers 500 unspecified_fault for a handler crash, logs it, and keeps running', async () => {
    const lines: string[] = [];
    const { sim, call } = await boot({ log: (l) => lines.push(l) });
    const saved = sim.state.customer_clusters;
    sim.state.customer_clusters = null as unknown as SimState['customer_clusters'];
    const res = await call('GET', CC);
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: '500', message: 'unspecified_fault' });
    expect(lines.join('\n')).toMatch(
      /GET \/v2\/support\/routing\/customer_clusters handler failed: TypeError/,
    );
    sim.state.customer_clusters = saved;
    expect((await call('GET', CC)).status).toBe(200);
  });

  it('survives a client that disconnects mid-body', async () => {
    const { sim, token, call } = await boot();
    await new Promise<void>((resolve) => {
      const req = request(`${sim.url}${CC}/c9`, {
        method: 'PUT',
        headers: { 'X-Auth-Token': token, 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"data": {"na', () => {
        req.destroy();
        resolve();
      });
    });
    expect((await call('GET', CC)).status).toBe(200);
    expect(sim.state.customer_clusters.c9).toBeUndefined();
  });
});

describe('faults', () => {
  it('adds latency to every response', async () => {
    const { call, sim } = await boot({ latencyMs: 120 });
    let t = performance.now();
    await call('GET', CC);
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
    sim.faults.latencyMs = 0;
    t = performance.now();
    await call('GET', CC);
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('fails every request at failRate 1 (before processing) and none at 0', async () => {
    const { sim, call } = await boot();
    sim.faults.failMode = 'before';
    sim.faults.failRate = 1;
    for (let i = 0; i < 3; i++) {
      const res = await call('PUT', `${CC}/f${i}`, { data: { name: 'x' } });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: '503', message: 'datastore_unavailable' });
    }
    expect(Object.keys(sim.state.customer_clusters)).toEqual(['c1']);
    expect(sim.requests.at(-1)).toMatchObject({ status: 503, fault: 'fail_rate' });
    sim.faults.failRate = 0;
    for (let i = 0; i < 3; i++) expect((await call('GET', CC)).status).toBe(200);
  });

  // crossbar_doc:save_jobj maps a datastore error after the save as it does one before it
  it('in the after mode, saves the request and then answers 503', async () => {
    const { sim, call } = await boot();
    sim.faults.failMode = 'after';
    sim.faults.failRate = 1;
    const res = await call('PUT', `${CC}/saved`, { data: { name: 'x' } });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: '503', message: 'datastore_unavailable' });
    expect(sim.requests.at(-1)).toMatchObject({ status: 503, fault: 'fail_rate_after' });
    sim.faults.failRate = 0;
    expect(sim.state.customer_clusters.saved).toMatchObject({ name: 'x' });
    expect((await call('PUT', `${CC}/saved`, { data: { name: 'x' } })).status).toBe(409);
  });

  it('saves then answers the given status on a commit_then_status fault (set over /_sim/faults)', async () => {
    const { sim, call } = await boot();
    const armed = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ method: 'PATCH', path: `${CC}/c1`, kind: 'commit_then_status', status: 503 }),
    });
    expect(armed.status).toBe(200);
    const res = await call('PATCH', `${CC}/c1`, { data: { name: 'Renamed' } });
    expect(res.status).toBe(503);
    expect(sim.requests.at(-1)).toMatchObject({ status: 503, fault: 'commit_then_status' });
    expect((await call('GET', `${CC}/c1`)).body.data).toMatchObject({ name: 'Renamed' });
    const missingStatus = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'commit_then_status' }),
    });
    expect(missingStatus.status).toBe(400);
  });

  it('picks the failed requests from the injected random source', async () => {
    const rolls = [0.9, 0.1, 0.9, 0.1, 0.9];
    // the auth request consumes the first roll
    const { call } = await boot({ failRate: 0.5, failMode: 'before', random: () => rolls.shift() ?? 0.9 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', CC)).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
  });

  // crossbar: kz_buckets, 100 tokens refilled 10 a second in one block; api_auth costs 35
  it('rate limits per client with 429 and no Retry-After, refilling on the injected clock', async () => {
    let now = 1_000_000;
    const { call } = await boot({ rateLimit: 100, now: () => now }); // api_auth took 35
    for (let i = 0; i < 65; i++) expect((await call('GET', CC)).status).toBe(200);
    const limited = await call('GET', CC);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: '429', message: 'too_many_requests' });
    expect(limited.body.tokens).toEqual({ consumed: 0, remaining: 0 });
    expect(limited.headers.get('retry-after')).toBeNull();
    now += 999;
    expect((await call('GET', CC)).status).toBe(429);
    now += 1;
    const ok = await call('GET', CC);
    expect(ok.status).toBe(200);
    expect(ok.body.tokens).toEqual({ consumed: 1, remaining: 9 });
  });

  it('sends Retry-After on a 429 only when asked to', async () => {
    const now = 1_000_000;
    const { call } = await boot({ rateLimit: 36, now: () => now, retryAfter: true });
    expect((await call('GET', CC)).status).toBe(200);
    const limited = await call('GET', CC);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1'); // 3.6 tokens a second
  });

  it('charges authentication 35 tokens and empties a short bucket (consume_until)', async () => {
    const now = 1_000_000;
    const { sim } = await boot({ rateLimit: 100, now: () => now }); // boot's api_auth: 65 left
    const auth = (): Promise<Response> =>
      fetch(`${sim.url}/v2/api_auth`, {
        method: 'PUT',
        body: JSON.stringify({ data: { api_key: 'super-key'.padEnd(64, '0') } }),
      });
    const second = await auth();
    expect(second.status).toBe(201);
    expect(((await second.json()) as Obj).tokens).toEqual({ consumed: 35, remaining: 30 });
    const third = await auth();
    expect(third.status).toBe(429);
    expect(((await third.json()) as Obj).tokens).toEqual({ consumed: 0, remaining: 0 });
  });

  it('keeps one bucket per client address and account named in the path', async () => {
    const now = 1_000_000;
    const { call } = await boot({ rateLimit: 100, now: () => now });
    for (let i = 0; i < 65; i++) await call('GET', CC);
    expect((await call('GET', CC)).status).toBe(429);
    // another account's bucket is full: the route answers (404 for an unknown device) instead of 429
    const other = await call('PATCH', `/v2/support/accounts/${ACCOUNT}/devices/nope`, { data: {} });
    expect(other.status).toBe(404);
    expect(other.body.tokens).toEqual({ consumed: 1, remaining: 99 });
  });

  it('answers a one-shot status fault with an error envelope, without touching the state', async () => {
    const { sim, call } = await boot();
    sim.faults.failNext({ method: 'PUT', path: `${CC}/*` }, { kind: 'status', status: 502 }, 2);
    for (let i = 0; i < 2; i++) {
      const res = await call('PUT', `${CC}/x`, { data: { name: 'x' } });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ status: 'error', error: '502', message: 'bad_gateway' });
    }
    expect(sim.state.customer_clusters.x).toBeUndefined();
    expect((await call('PUT', `${CC}/x`, { data: { name: 'x' } })).status).toBe(201);
  });

  it('resets the connection on a reset fault, without touching the state', async () => {
    const { sim, call } = await boot();
    sim.faults.failNext({ path: `${CC}/x` }, { kind: 'reset' });
    await expect(call('PUT', `${CC}/x`, { data: { name: 'x' } })).rejects.toThrow();
    expect(sim.state.customer_clusters.x).toBeUndefined();
    expect(sim.requests.at(-1)).toMatchObject({ status: 0, fault: 'reset' });
    expect((await call('PUT', `${CC}/x`, { data: { name: 'x' } })).status).toBe(201);
  });

  it('processes the request then drops the response on a drop_response fault', async () => {
    const { sim, call } = await boot();
    sim.faults.failNext({ method: 'PUT' }, { kind: 'drop_response' });
    await expect(call('PUT', `${CC}/x`, { data: { name: 'dropped' } })).rejects.toThrow();
    expect(sim.state.customer_clusters.x).toMatchObject({ name: 'dropped' });
    const retry = await call('PUT', `${CC}/x`, { data: { name: 'dropped' } });
    expect(retry.status).toBe(409); // what a blind retry of a lost create sees
  });
});

describe('the /_sim control surface', () => {
  async function control(sim: SimHandle, method: string, path: string, body?: unknown) {
    const res = await fetch(sim.url + path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Obj & { data: Obj } };
  }

  it('arms faults (path prefix or ^regex), clears them, and needs no token', async () => {
    const { sim, call } = await boot();
    const armed = await control(sim, 'POST', '/_sim/faults', { path: `${CC}*`, kind: 'status', status: 503 });
    expect(armed.status).toBe(200);
    expect(armed.body.data).toMatchObject({ kind: 'status', status: 503, times: 1, pending: 1 });
    expect((await call('GET', CC)).status).toBe(503);
    expect((await call('GET', CC)).status).toBe(200);

    await control(sim, 'POST', '/_sim/faults', { method: 'DELETE', path: '^/v2/.*/c[0-9]$', kind: 'reset' });
    await expect(call('DELETE', `${CC}/c1`)).rejects.toThrow();
    expect(sim.state.customer_clusters.c1).toBeDefined();

    await control(sim, 'POST', '/_sim/faults', { kind: 'drop_response', times: 3 });
    expect(sim.faults.pending).toBe(3);
    expect((await control(sim, 'DELETE', '/_sim/faults')).status).toBe(200);
    expect(sim.faults.pending).toBe(0);
    expect((await call('GET', CC)).status).toBe(200);
  });

  it('rejects a bad fault spec with a validation error', async () => {
    const { sim } = await boot();
    const res = await control(sim, 'POST', '/_sim/faults', { kind: 'status', times: 0, path: '^(' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.data).sort()).toEqual(['status', 'times']);
    const badRegex = await control(sim, 'POST', '/_sim/faults', { kind: 'reset', path: '^(' });
    expect(badRegex.body.data).toHaveProperty('path.format');
  });

  it.each([
    ['^/(a+)+$', 'nested quantifier'],
    ['^/v2/(\\w+\\s?)*$', 'nested quantifier'],
    ['^/(a|aa)+$', 'alternation under a quantifier'],
    ['^/(a)\\1$', 'backreference'],
    [`^/${'a'.repeat(300)}$`, 'too long'],
  ])('refuses an unsafe fault path regular expression %s with a 400 naming path', async (path) => {
    const { sim } = await boot();
    const started = performance.now();
    const res = await control(sim, 'POST', '/_sim/faults', { kind: 'reset', path });
    expect(res.status).toBe(400);
    expect(res.body.data).toHaveProperty('path.unsafe');
    expect(sim.faults.pending).toBe(0);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('a path full of the letters a catastrophic pattern would choke on is served at once', async () => {
    const { sim, call } = await boot();
    await control(sim, 'POST', '/_sim/faults', { kind: 'reset', path: '^/(a+)+$' });
    const started = performance.now();
    expect((await call('GET', `/${'a'.repeat(27)}!`)).status).toBe(404);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('revokes tokens and lists requests', async () => {
    const { sim, token, call } = await boot();
    await call('GET', CC);
    expect((await control(sim, 'POST', '/_sim/revoke-tokens')).status).toBe(200);
    expect((await call('GET', CC)).status).toBe(401);
    const log = await control(sim, 'GET', '/_sim/requests');
    const entries = log.body.data as unknown as { path: string; status: number; headers: Obj }[];
    expect(entries.map((e) => [e.path, e.status])).toEqual([
      ['/v2/api_auth', 201],
      [CC, 200],
      [CC, 401],
    ]);
    // The log is served without secrets: the token is a marker, the same one for the same token.
    expect(entries[1]?.headers['x-auth-token']).toMatch(/^<redacted:[0-9a-f]{12}>$/);
    expect(entries[2]?.headers['x-auth-token']).toBe(entries[1]?.headers['x-auth-token']);
    expect(JSON.stringify(log.body)).not.toContain(token);
  });

  it('serves the request log with tokens, credentials and cookies redacted', async () => {
    const { sim, token, call } = await boot();
    await call('GET', `${CC}?auth_token=${encodeURIComponent(token)}&page_size=5`, undefined, {
      Authorization: 'Basic dXNlcjpodW50ZXIy',
      Cookie: 'session=s3cr3t-cookie',
      'X-Kazoo-Cluster-ID': 'cl-9',
    });
    const log = await control(sim, 'GET', '/_sim/requests');
    const text = JSON.stringify(log.body);
    for (const secret of [token, 'dXNlcjpodW50ZXIy', 's3cr3t-cookie']) expect(text).not.toContain(secret);
    const entry = (log.body.data as unknown as { headers: Obj; query: Obj; cluster_id?: string }[]).at(-1);
    expect(entry?.headers).toMatchObject({
      'x-auth-token': expect.stringMatching(/^<redacted:[0-9a-f]{12}>$/) as string,
      authorization: expect.stringMatching(/^<redacted:[0-9a-f]{12}>$/) as string,
      cookie: expect.stringMatching(/^<redacted:[0-9a-f]{12}>$/) as string,
      'x-kazoo-cluster-id': 'cl-9',
    });
    expect(entry?.query).toEqual({ auth_token: entry?.headers['x-auth-token'], page_size: '5' });
    expect(entry?.cluster_id).toBe('cl-9');
    // In the process, the log keeps what was sent (tests compare tokens there).
    expect(sim.requests.at(-1)?.headers['x-auth-token']).toBe(token);
  });

  it('answers 404 and 405 on the control surface like the API', async () => {
    const { sim } = await boot();
    expect((await control(sim, 'GET', '/_sim/nothing')).status).toBe(404);
    const res = await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' });
    expect(res.status).toBe(405);
  });
});

describe('start and close', () => {
  it('uses the default seed when given no state', async () => {
    const sim = await startSim({ port: 0 });
    sims.push(sim);
    expect(sim.state.api_keys.length).toBeGreaterThan(0);
    expect(Object.keys(sim.state.customer_clusters).length).toBeGreaterThan(0);
  });

  it('lets an in-flight request finish on close', async () => {
    const { sim, call } = await boot({ latencyMs: 100 });
    const pending = call('GET', CC);
    await new Promise((r) => setTimeout(r, 20));
    await sim.close();
    expect((await pending).status).toBe(200);
  });

  it('refuses a port that is taken', async () => {
    const { sim } = await boot();
    await expect(startSim({ port: sim.port, state: testState() })).rejects.toThrow(/EADDRINUSE/);
  });
});
