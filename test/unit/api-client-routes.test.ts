import { describe, expect, expectTypeOf, it } from 'vitest';
import { KazooClient, httpDebugEnabled } from '../../src/api/client.js';
import { KazooProtocolError } from '../../src/api/errors.js';
import { ROUTES } from '../../src/api/routes.js';
import type {
  CarrierSbc,
  CustomerCluster,
  Device,
  MediaServer,
  TopSubscription,
} from '../../src/api/types.js';
import { type StubHandler, TOKEN, apiKeyTarget, ok, reply, stubSession, withAuth } from './api-stub.js';

const session = stubSession();

function setup(handler: StubHandler): Promise<KazooClient> {
  return session.start(withAuth(handler));
}

const echo: StubHandler = (req, res) => {
  if (req.path.endsWith('/csv')) {
    res.writeHead(200, { 'Content-Type': 'text/csv' });
    res.end('account_id,mdn,bytes\nacc,+15550001111,42\n');
    return;
  }
  const listing = ['customer_clusters', 'carrier_sbcs', 'media_servers'].some((c) => req.path.endsWith(c));
  ok(res, listing && req.method === 'GET' ? [] : { id: 'doc' });
};

interface RouteCase {
  name: string;
  run: (c: KazooClient) => Promise<unknown>;
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

const data = { name: 'n' };
const cases: RouteCase[] = [
  {
    name: 'importDevice',
    run: (c) => c.importDevice('acc1', { mdn: '+15550001111', name: 'Joe' }, { carrier: 'sprint' }),
    method: 'PUT',
    path: '/v2/support/accounts/acc1/devices/import',
    body: { data: { mdn: '+15550001111', name: 'Joe' }, carrier: 'sprint' },
  },
  {
    name: 'getDeviceByMdn',
    run: (c) => c.getDeviceByMdn('+15550001111'),
    method: 'GET',
    path: '/v2/support/phone_numbers/%2B15550001111/device',
  },
  {
    name: 'getNumberSubscription',
    run: (c) => c.getNumberSubscription('+15550001111', { carrier: 'sprint' }),
    method: 'GET',
    path: '/v2/support/phone_numbers/%2B15550001111/subscription',
    query: { carrier: 'sprint' },
  },
  {
    name: 'getDeviceSubscription',
    run: (c) => c.getDeviceSubscription('esn/1'),
    method: 'GET',
    path: '/v2/support/devices/esn%2F1/subscription',
  },
  {
    name: 'patchDevice',
    run: (c) =>
      c.patchDevice(
        'acc1',
        'dev1',
        { name: 'Bob', model: { manufacturer: 'MOTOROLA' } },
        { recursive: true },
      ),
    method: 'PATCH',
    path: '/v2/support/accounts/acc1/devices/dev1',
    body: { data: { name: 'Bob', model: { manufacturer: 'MOTOROLA' } }, recursive: true },
  },
  {
    name: 'getUnknownNumbersUsage',
    run: (c) => c.getUnknownNumbersUsage({ from: '202610', to: '202611' }),
    method: 'GET',
    path: '/v2/support/usage/unknown_numbers',
    query: { from: '202610', to: '202611' },
  },
  {
    name: 'getUnknownNumbersUsageForMonth',
    run: (c) => c.getUnknownNumbersUsageForMonth('202611'),
    method: 'GET',
    path: '/v2/support/usage/unknown_numbers/202611',
  },
  {
    name: 'getUsageAudit',
    run: (c) => c.getUsageAudit({ month: '202701' }),
    method: 'GET',
    path: '/v2/support/usage/audit',
    query: { month: '202701' },
  },
  {
    name: 'getUsageAuditForMonth',
    run: (c) => c.getUsageAuditForMonth('202701'),
    method: 'GET',
    path: '/v2/support/usage/audit/202701',
  },
  {
    name: 'getUsageAuditCsv',
    run: (c) => c.getUsageAuditCsv('202701'),
    method: 'GET',
    path: '/v2/support/usage/audit/202701/csv',
  },
  {
    name: 'pollPorts',
    run: (c) => c.pollPorts(),
    method: 'POST',
    path: '/v2/support/ports/poll',
    body: { data: {} },
  },
  {
    name: 'setPortStatus',
    run: (c) => c.setPortStatus('port1', { code: 'completed', source: 'carrier' }),
    method: 'POST',
    path: '/v2/support/ports/in/port1/status',
    body: { data: { code: 'completed', source: 'carrier' } },
  },
  {
    name: 'lookupSubscription',
    run: (c) => c.lookupSubscription({ esn: 'E1' }, { carrier: 'sprint' }),
    method: 'POST',
    path: '/v2/support/subscriptions/lookup',
    body: { data: { esn: 'E1' }, carrier: 'sprint' },
  },
  {
    name: 'importSubscription',
    run: (c) =>
      c.importSubscription('acc1', { mdn: '+1555', device_data: { name: 'S' } }, { carrier: 'sprint' }),
    method: 'PUT',
    path: '/v2/support/accounts/acc1/subscriptions/import',
    body: { data: { mdn: '+1555', device_data: { name: 'S' } }, carrier: 'sprint' },
  },
  {
    name: 'deleteSubscription',
    run: (c) => c.deleteSubscription('acc1', 'sub1', { cascade: true }),
    method: 'DELETE',
    path: '/v2/support/accounts/acc1/subscriptions/sub1',
    query: { cascade: 'true' },
  },
  {
    name: 'patchSubscription',
    run: (c) => c.patchSubscription('acc1', 'sub1', { plan: 'p', additional_properties: { name: 'N' } }),
    method: 'PATCH',
    path: '/v2/support/accounts/acc1/subscriptions/sub1',
    body: { data: { plan: 'p', additional_properties: { name: 'N' } } },
  },
  {
    name: 'moveSubscription',
    run: (c) => c.moveSubscription('acc1', 'sub1', { target_account_id: 'acc2', target_cluster_id: 'cl2' }),
    method: 'POST',
    path: '/v2/support/accounts/acc1/subscriptions/sub1/move',
    body: { data: { target_account_id: 'acc2', target_cluster_id: 'cl2' } },
  },
  {
    name: 'createCluster',
    run: (c) =>
      c.createCluster('cl1', { mvno_id: 'm', api_url: 'u', api_key: 'k', hosted_billing_account_id: 'a' }),
    method: 'PUT',
    path: '/v2/support/clusters/cl1',
    body: { data: { mvno_id: 'm', api_url: 'u', api_key: 'k', hosted_billing_account_id: 'a' } },
  },
  {
    name: 'deleteCluster',
    run: (c) => c.deleteCluster('cl1'),
    method: 'DELETE',
    path: '/v2/support/clusters/cl1',
  },
  ...routingCases('CustomerCluster', 'customer_clusters', true),
  ...routingCases('CarrierSbc', 'carrier_sbcs', false),
  ...routingCases('MediaServer', 'media_servers', false),
];

/** The six routing methods of one document kind. */
function routingCases(kind: string, collection: string, createWithId: boolean): RouteCase[] {
  const path = `/v2/support/routing/${collection}`;
  type Fn = (...args: unknown[]) => Promise<unknown>;
  const call =
    (method: string, ...args: unknown[]) =>
    (c: KazooClient) =>
      (c[method as keyof KazooClient] as Fn).call(c, ...args);
  const plural = kind === 'CarrierSbc' ? 'CarrierSbcs' : `${kind}s`;
  return [
    { name: `list${plural}`, run: call(`list${plural}`), method: 'GET', path },
    { name: `get${kind}`, run: call(`get${kind}`, 'd1'), method: 'GET', path: `${path}/d1` },
    createWithId
      ? {
          name: `create${kind}`,
          run: call(`create${kind}`, 'd1', data),
          method: 'PUT',
          path: `${path}/d1`,
          body: { data },
        }
      : { name: `create${kind}`, run: call(`create${kind}`, data), method: 'PUT', path, body: { data } },
    {
      name: `update${kind}`,
      run: call(`update${kind}`, 'd1', data),
      method: 'POST',
      path: `${path}/d1`,
      body: { data },
    },
    {
      name: `patch${kind}`,
      run: call(`patch${kind}`, 'd1', data),
      method: 'PATCH',
      path: `${path}/d1`,
      body: { data },
    },
    { name: `delete${kind}`, run: call(`delete${kind}`, 'd1'), method: 'DELETE', path: `${path}/d1` },
  ];
}

describe('typed methods', () => {
  it('cover every route of the table except authentication', () => {
    const covered = new Set(cases.map((c) => c.name));
    const routes = Object.keys(ROUTES).filter((n) => n !== 'apiAuth' && n !== 'userAuth');
    expect(routes.filter((r) => !covered.has(r))).toEqual([]);
  });

  it.each(cases)('$name → $method $path', async (tc) => {
    const c = await setup(echo);
    await tc.run(c);
    const [req, ...rest] = session.stub!.apiRequests();
    expect(rest).toHaveLength(0);
    expect(req?.method).toBe(tc.method);
    expect(req?.path).toBe(tc.path);
    expect(Object.fromEntries(req?.query ?? [])).toEqual(tc.query ?? {});
    if (tc.body === undefined) {
      expect(req?.body).toBe('');
    } else {
      expect(req?.json).toEqual(tc.body);
      expect(req?.headers['content-type']).toBe('application/json');
    }
    expect(req?.headers['x-auth-token']).toBe(TOKEN);
  });

  it('returns the data, the envelope, the request id and the revision', async () => {
    const c = await setup((_req, res) =>
      reply(res, 200, {
        status: 'success',
        data: { id: 'd1' },
        account_id: 'acc9',
        carrier: 'sprint',
        request_id: 'r-1',
        revision: '3-abc',
      }),
    );
    const result = await c.getDeviceByMdn('+15550001111');
    expect(result).toEqual({
      data: { id: 'd1' },
      requestId: 'r-1',
      revision: '3-abc',
      envelope: {
        status: 'success',
        data: { id: 'd1' },
        account_id: 'acc9',
        carrier: 'sprint',
        request_id: 'r-1',
        revision: '3-abc',
      },
    });
  });

  it('falls back to the ETag and X-Request-ID headers', async () => {
    const c = await setup((_req, res) =>
      reply(res, 200, { status: 'success', data: {} }, { ETag: '"4-def"', 'X-Request-ID': 'hdr-id' }),
    );
    const result = await c.getCarrierSbc('s1');
    expect(result.revision).toBe('4-def');
    expect(result.requestId).toBe('hdr-id');
  });

  it('returns the audit CSV as text', async () => {
    const c = await setup(echo);
    expect(await c.getUsageAuditCsv('202701')).toBe('account_id,mdn,bytes\nacc,+15550001111,42\n');
    expect(session.stub!.apiRequests()[0]?.headers.accept).toContain('text/csv');
  });

  it('puts empty_months into the report wherever the server places it', async () => {
    const c = await setup((_req, res) =>
      ok(
        res,
        { from: '201610', to: '201612', total: 0, per_mdn: {} },
        { empty_months: ['201610', '201612'] },
      ),
    );
    const result = await c.getUnknownNumbersUsage({ from: '201610', to: '201612' });
    expect(result.data.empty_months).toEqual(['201610', '201612']);
  });

  it('keeps a path prefix of the base url', async () => {
    const client = await session.start(
      (req, res) =>
        req.path === '/kazoo/v2/api_auth' ? reply(res, 201, { auth_token: TOKEN, data: {} }) : ok(res, {}),
      { target: (url) => apiKeyTarget(`${url}/kazoo/`) },
    );
    await client.getCarrierSbc('s1');
    expect(session.stub!.requests.map((r) => r.path)).toEqual([
      '/kazoo/v2/api_auth',
      '/kazoo/v2/support/routing/carrier_sbcs/s1',
    ]);
  });
});

describe('document types', () => {
  it('are assignable to Record<string, unknown>, so generic code needs no casts', () => {
    expectTypeOf<CustomerCluster>().toExtend<Record<string, unknown>>();
    expectTypeOf<CarrierSbc>().toExtend<Record<string, unknown>>();
    expectTypeOf<MediaServer>().toExtend<Record<string, unknown>>();
    expectTypeOf<Device>().toExtend<Record<string, unknown>>();
    expectTypeOf<TopSubscription>().toExtend<Record<string, unknown>>();
  });
});

describe('listings', () => {
  const pages: Record<string, { data: unknown[]; next?: unknown }> = {
    '': { data: [{ id: 'a' }, { id: 'b' }], next: 'key 2+' },
    'key 2+': { data: [{ id: 'c' }], next: ['g2', 3] },
    '["g2",3]': { data: [{ id: 'd' }, { id: 'e' }] },
  };

  it('follow next_start_key over three pages and concatenate', async () => {
    const c = await setup((req, res) => {
      const page = pages[req.query.get('start_key') ?? ''];
      if (!page) return reply(res, 400, { status: 'error', message: 'bad start key' });
      ok(
        res,
        page.data,
        page.next === undefined ? {} : { next_start_key: page.next, page_size: page.data.length },
      );
    });
    const result = await c.listCarrierSbcs({ pageSize: 2 });
    expect(result.data.map((d) => d.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const queries = session.stub!.apiRequests().map((r) => Object.fromEntries(r.query));
    expect(queries).toEqual([
      { page_size: '2' },
      { page_size: '2', start_key: 'key 2+' },
      { page_size: '2', start_key: '["g2",3]' },
    ]);
    expect(result.envelope.next_start_key).toBeUndefined();
  });

  it('stop with a protocol error when the server repeats a start key', async () => {
    const c = await setup((_req, res) => ok(res, [{ id: 'a' }], { next_start_key: 'same' }));
    await expect(c.listMediaServers()).rejects.toBeInstanceOf(KazooProtocolError);
    expect(session.stub!.apiRequests()).toHaveLength(2);
  });

  it('reject a listing whose data is not an array', async () => {
    const c = await setup((_req, res) => ok(res, { id: 'a' }));
    await expect(c.listCustomerClusters()).rejects.toThrow(/not an array/);
  });
});

describe('debug trace', () => {
  const SIP_PASSWORD = 'sip-pa55-secret';

  it('prints a redacted curl line and the response line for each attempt', async () => {
    const lines: string[] = [];
    const client = await session.start(withAuth(echo), {
      target: (url) => apiKeyTarget(url, { clusterId: 'aa2b36ac6a5edb290159cd1298283322' }),
      options: { debug: (line) => lines.push(line) },
    });
    await client.importDevice('acc1', {
      mdn: '+1555',
      voice: { sip: { username: 'u', password: SIP_PASSWORD } },
    });
    const output = lines.join('\n');
    for (const secret of ['key-secret-abcdef', TOKEN, SIP_PASSWORD]) expect(output).not.toContain(secret);

    expect(lines).toHaveLength(4); // auth request + response, import request + response
    expect(lines[0]).toMatch(
      /^curl -sS -X PUT -H 'Accept: application\/json' .* 'http:\/\/127\.0\.0\.1:\d+\/v2\/api_auth' -d '\{"data":\{"api_key":"<redacted>"\}\}'$/,
    );
    expect(lines[1]).toMatch(/^<- 201 in \d+ms \(request_id [0-9a-f-]{36}\)$/);
    expect(lines[2]).toContain(`-H 'X-Auth-Token: <redacted>'`);
    expect(lines[2]).toContain(`-H 'X-Kazoo-Cluster-ID: aa2b36ac6a5edb290159cd1298283322'`);
    expect(lines[2]).toContain(`'${session.stub!.url}/v2/support/accounts/acc1/devices/import'`);
    expect(lines[2]).toContain(`"password":"<redacted>"`);
    expect(lines[3]).toMatch(/^<- 200 in \d+ms \(request_id req-stub\)$/);
  });

  it('never prints user credentials or their md5', async () => {
    const lines: string[] = [];
    const client = await session.start(withAuth(echo), {
      target: (url) => ({
        baseUrl: url,
        auth: { kind: 'user', username: 'alice', password: 'hunter2-pw', accountName: 'acme' },
      }),
      options: { debug: (line) => lines.push(line) },
    });
    await client.authenticate();
    const output = lines.join('\n');
    expect(output).toContain('"credentials":"<redacted>"');
    expect(output).not.toContain('hunter2-pw');
    expect(output).not.toMatch(/[0-9a-f]{32}/);
  });

  it('is enabled by KZOPS_DEBUG naming http', () => {
    expect(httpDebugEnabled('http')).toBe(true);
    expect(httpDebugEnabled('plan,http')).toBe(true);
    expect(httpDebugEnabled('plan')).toBe(false);
    expect(httpDebugEnabled(undefined)).toBe(false);
  });
});
