/**
 * Property-based robustness of the simulator: arbitrary authenticated requests (real route
 * templates with garbage ids, random paths, JSON and non-JSON bodies, invalid UTF-8, wrong
 * content types) never get a 5xx, always get a KAZOO envelope (except the audit CSV route and
 * OPTIONS pre-flights, which have no body),
 * never crash the server, and never leave a state file that does not load back.
 *
 * The 413 case (body over the limit, server keeps serving) is covered in sim-server.test.ts.
 */
import { Agent, request } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadState } from '../../src/sim/persist.js';
import { allRoutes } from '../../src/sim/routes/index.js';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';

const DEFAULT_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ROUTES: { method: (typeof METHODS)[number]; path: string }[] = [
  { method: 'PUT', path: '/v2/api_auth' },
  { method: 'PUT', path: '/v2/user_auth' },
  ...allRoutes.map((r) => ({ method: r.method, path: r.path })),
];
const CSV_ROUTE = /^\/v2\/support\/usage\/audit\/[^/?]+\/csv\/?(\?|$)/;

// -------------------------------------------------------------------------------------------
// Arbitraries

function leaves(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(leaves);
  return [];
}
/** Ids and numbers the default seed really has, so some requests reach existing documents. */
const SEED_VALUES = [...new Set([...leaves(SEED_IDS), ...leaves(SEED_NUMBERS)])];

const hex32 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));

const nastySegment = fc.constantFrom(
  '',
  '%',
  '%zz',
  '%00',
  '%C0%AF',
  '%ff%fe',
  '%F0%9F%92%A9',
  '%EF%BB%BF',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'null',
  'undefined',
  '-1',
  '0',
  '201701',
  '999999',
  '+15550001111',
  '%2B15550001111',
  '9'.repeat(300),
);

/**
 * Raw bytes 0x21..0xff, sent unencoded (Node writes the path as latin1), minus the delimiters
 * `/` and `?`. Bytes past 0x7e make an invalid request target: see INVALID_TARGET.
 */
const latin1Segment = fc.string({
  unit: fc
    .integer({ min: 0x21, max: 0xff })
    .filter((c) => c !== 0x2f && c !== 0x3f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 12,
});

const segment = fc.oneof(
  { arbitrary: fc.constantFrom(...SEED_VALUES), weight: 5 },
  { arbitrary: hex32, weight: 2 },
  { arbitrary: nastySegment, weight: 2 },
  { arbitrary: latin1Segment, weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }).map(encodeURIComponent), weight: 1 },
);

const MONTHS = ['201610', '201611', '201612', '201701'];
const numbers = (field: 'mdn' | 'esn') =>
  Object.values(SEED_NUMBERS).flatMap((n) => (field in n ? [(n as Record<string, string>)[field]!] : []));

/** Values that name something real for a parameter, so requests get past the lookups. */
function realValues(template: string, param: string): string[] {
  const byName: Record<string, string[]> = {
    account_id: leaves(SEED_IDS.accounts),
    subscription_id: leaves(SEED_IDS.subscriptions),
    device_id: leaves(SEED_IDS.devices),
    port_id: leaves(SEED_IDS.ports),
    mdn: [...numbers('mdn'), '%2B15550001111', '5550001111'],
    esn: numbers('esn'),
    month: MONTHS,
  };
  if (param !== 'id') return byName[param] ?? [];
  if (template.includes('customer_clusters')) return leaves(SEED_IDS.customerClusters);
  if (template.includes('carrier_sbcs')) return leaves(SEED_IDS.carrierSbcs);
  if (template.includes('media_servers')) return leaves(SEED_IDS.mediaServers);
  return leaves(SEED_IDS.clusters);
}

function parameter(template: string, param: string): fc.Arbitrary<string> {
  const real = realValues(template, param);
  if (real.length === 0) return segment;
  return fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 4 }, { arbitrary: segment, weight: 3 });
}

/** A route template with every `:param` filled in, sometimes with a suffix or a segment less. */
function filled(template: string): fc.Arbitrary<string> {
  const parts = template
    .split('/')
    .map((p) => (p.startsWith(':') ? parameter(template, p.slice(1)) : fc.constant(p)));
  return fc
    .tuple(...parts)
    .map((ps) => ps.join('/'))
    .chain((p) =>
      fc.oneof(
        { arbitrary: fc.constant(p), weight: 6 },
        { arbitrary: fc.constantFrom(`${p}/`, `${p}/extra`, p.slice(0, p.lastIndexOf('/'))), weight: 1 },
      ),
    );
}

/** Mostly the route's own method, so requests reach the handlers; sometimes any method. */
const routed = fc
  .constantFrom(...ROUTES)
  .chain((route) =>
    fc.tuple(
      fc.oneof(
        { arbitrary: fc.constant(route.method), weight: 4 },
        { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
      ),
      filled(route.path),
    ),
  );

const randomPath = fc.oneof(
  fc.webPath(),
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  segment.map((s) => `/v2/support/${s}`),
  fc.constantFrom('/', '*', '//', '/v2', '/v2/', '/v2/support', '/%', '/v2/support/routing'),
);

const target = fc
  .oneof(
    { arbitrary: routed, weight: 5 },
    { arbitrary: fc.tuple(fc.constantFrom(...METHODS), randomPath), weight: 1 },
  )
  .map(([method, p]) => [method, p === '' ? '/' : p] as const)
  .filter(([, p]) => !p.startsWith('/_sim'));

const queryValue = fc.oneof(
  fc.constantFrom('true', 'false', '0', '1', '-1', '1.5', '99999999', 'abc', '', '201701', '2017-01'),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('%', '%zz', '%ff'),
);
const query = fc.oneof(
  { arbitrary: fc.constant(''), weight: 3 },
  { arbitrary: fc.webQueryParameters().map((q) => `?${q}`), weight: 1 },
  {
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'page_size',
            'start_key',
            'paginate',
            'recursive',
            'carrier',
            'from',
            'to',
            'month',
            'kazoo_cluster_id',
          ),
          queryValue,
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
    weight: 2,
  },
);

const ipv4 = fc.ipV4();
/** A `data` object with the field names the routes know, so some writes succeed. */
const plausibleData = fc.record(
  {
    name: fc.oneof(fc.string(), fc.jsonValue()),
    owner: fc.string(),
    carrier: fc.constantFrom('sprint', 'tmobile', ''),
    location: fc.record(
      { zone: fc.constantFrom('east', 'central', 'west', 'north'), state: fc.string(), city: fc.string() },
      { requiredKeys: [] },
    ),
    ips: fc.oneof(
      fc.array(ipv4, { maxLength: 3 }),
      fc.record({ inbound: fc.record({ east: fc.array(ipv4, { maxLength: 2 }) }) }),
      fc.jsonValue(),
    ),
    mobile_media_server: fc.oneof(fc.constantFrom(...leaves(SEED_IDS.mediaServers)), hex32),
    carrier_sbc_priority: fc.record({ sprint: fc.array(fc.constantFrom(...leaves(SEED_IDS.carrierSbcs))) }),
    randomize_routing: fc.oneof(fc.boolean(), fc.jsonValue()),
    mvno_id: fc.string(),
    api_url: fc.oneof(fc.webUrl(), fc.string()),
    api_key: fc.string(),
    hosted_billing_account_id: fc.constantFrom(...leaves(SEED_IDS.accounts), 'nope'),
    target_account_id: fc.constantFrom(...leaves(SEED_IDS.accounts), 'nope'),
    mdn: fc.constantFrom(...leaves(SEED_NUMBERS), '+1', 'x'),
    esn: fc.constantFrom(...leaves(SEED_NUMBERS), ''),
    status: fc.record({ code: fc.constantFrom('submitted', 'completed', 'bogus'), source: fc.string() }),
    features: fc.array(fc.string(), { maxLength: 3 }),
    suspended: fc.boolean(),
    _id: fc.string(),
    pvt_type: fc.string(),
  },
  { requiredKeys: [] },
);

function stringifyAnything(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const body: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.json().map(utf8), weight: 2 },
  { arbitrary: fc.jsonValue().map((data) => utf8(JSON.stringify({ data }))), weight: 2 },
  {
    arbitrary: fc
      .tuple(plausibleData, fc.option(fc.oneof(fc.boolean(), fc.jsonValue())))
      .map(([data, recursive]) => utf8(JSON.stringify(recursive === null ? { data } : { data, recursive }))),
    weight: 4,
  },
  {
    arbitrary: fc.anything().map((v) => {
      const s = stringifyAnything(v);
      return s === undefined ? undefined : utf8(s);
    }),
    weight: 1,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 64 }).map(utf8), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 128 }).map((b) => Buffer.from(b)), weight: 1 },
  {
    // Invalid UTF-8 inside an otherwise well-formed envelope.
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 8 })
      .map((b) =>
        Buffer.concat([utf8('{"data":{"name":"'), Buffer.from(b.map((x) => x | 0x80)), utf8('"}}')]),
      ),
    weight: 1,
  },
  { arbitrary: fc.json().map((s) => utf8(s.slice(0, Math.ceil(s.length / 2)))), weight: 1 },
);

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'text/csv',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----kzops',
    'application/octet-stream',
    '*/*',
    'garbage',
    ';;;',
  ),
);

/** How the token travels: almost always the header; a few requests try the other ways. */
const auth = fc.oneof(
  { arbitrary: fc.constant('header' as const), weight: 17 },
  { arbitrary: fc.constant('query' as const), weight: 1 },
  { arbitrary: fc.constant('none' as const), weight: 1 },
  { arbitrary: fc.constant('garbage' as const), weight: 1 },
);

interface ArbRequest {
  method: (typeof METHODS)[number];
  path: string;
  query: string;
  body: Buffer | undefined;
  contentType: string | null;
  auth: 'header' | 'query' | 'none' | 'garbage';
}

const arbRequest: fc.Arbitrary<ArbRequest> = fc
  .tuple(target, query, body, contentType, auth)
  .map(([[method, path], query, body, contentType, auth]) => ({
    method,
    path,
    query,
    body,
    contentType,
    auth,
  }));

// -------------------------------------------------------------------------------------------
// Sending and checking

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

let dir: string;
let statePath: string;
let sim: SimHandle | undefined;
let agent: Agent;
let logged: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-sim-robust-'));
  statePath = join(dir, 'state.json');
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
  logged = [];
});

afterEach(async () => {
  agent.destroy();
  await sim?.close();
  sim = undefined;
  await rm(dir, { recursive: true, force: true });
});

function send(url: string, token: string, r: ArbRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  let target = r.path + r.query;
  if (r.auth === 'header') headers['X-Auth-Token'] = token;
  if (r.auth === 'garbage') headers['X-Auth-Token'] = `${token.slice(0, -4)}AAAA`;
  if (r.auth === 'query') target += `${r.query === '' ? '?' : '&'}auth_token=${encodeURIComponent(token)}`;
  if (r.contentType !== null) headers['Content-Type'] = r.contentType;
  if (r.body !== undefined) headers['Content-Length'] = String(r.body.length);
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: r.method, path: target, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.setTimeout(5_000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(r.body);
  });
}

function describeRequest(r: ArbRequest): string {
  const body = r.body === undefined ? 'no body' : JSON.stringify(r.body.toString('latin1').slice(0, 200));
  return `${r.method} ${r.path}${r.query} (${r.contentType ?? 'no content type'}, auth ${r.auth}, ${body})`;
}

/**
 * Raw bytes outside printable ASCII are not allowed in a request target (RFC 9112); Node's HTTP
 * parser rejects such a request before the simulator's pipeline sees it, and the simulator's
 * `clientError` handler answers `400` with a KAZOO envelope and closes the connection.
 */
const INVALID_TARGET = /[^\x21-\x7e]/;

/** The response contract; throws (failing the property) with the request in the message. */
function checkResponse(r: ArbRequest, res: RawResponse): void {
  const where = `${describeRequest(r)} → ${res.status} ${res.body.slice(0, 300)}`;
  if (INVALID_TARGET.test(r.path + r.query)) {
    expect(res.status, where).toBe(400);
    expect(JSON.parse(res.body), where).toMatchObject({ status: 'error', error: '400' });
    return;
  }
  expect(res.status, where).toBeGreaterThanOrEqual(200);
  expect(res.status, where).toBeLessThan(500);
  if (r.method === 'OPTIONS' && res.status === 200) {
    // A CORS pre-flight, answered without a token and without a body (as crossbar does).
    expect(res.body, where).toBe('');
    return;
  }
  if (res.contentType.startsWith('text/csv')) {
    expect(r.method, where).toBe('GET');
    expect(r.path + r.query, where).toMatch(CSV_ROUTE);
    expect(res.status, where).toBe(200);
    return;
  }
  expect(res.contentType, where).toBe('application/json');
  let envelope: unknown;
  try {
    envelope = JSON.parse(res.body);
  } catch {
    throw new Error(`not JSON: ${where}`);
  }
  expect(envelope, where).toBeTypeOf('object');
  const e = envelope as Record<string, unknown>;
  if (res.status >= 400) {
    expect(e.status, where).toBe('error');
    expect(e.error, where).toBe(String(res.status));
    expect(e.message, where).toBeTypeOf('string');
  } else {
    expect(e.status, where).toBe('success');
    expect(e, where).toHaveProperty('data');
  }
  expect(e.request_id, where).toBeTypeOf('string');
}

const MUTATING = new Set(['PUT', 'POST', 'PATCH', 'DELETE']);

/** The state file as it is on disk right now: complete JSON that the loader accepts. */
async function checkStateFile(): Promise<void> {
  JSON.parse(await readFile(statePath, 'utf8'));
  expect(await loadState(statePath)).toBeDefined();
}

async function bootWithStateFile(): Promise<{ url: string; token: string }> {
  sim = await startSim({ port: 0, statePath, log: (line) => logged.push(line) });
  return { url: sim.url, token: await login(sim.url) };
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/v2/api_auth`, {
    method: 'PUT',
    body: JSON.stringify({ data: { api_key: DEFAULT_KEY } }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { auth_token: string }).auth_token;
}

/** After a run: the server still answers, logged no crash, and its saved state loads back whole. */
async function checkAfterRun(url: string, token: string): Promise<void> {
  const res = await fetch(`${url}/v2/support/routing/carrier_sbcs`, { headers: { 'X-Auth-Token': token } });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe('success');
  expect(logged).toEqual([]);

  const live = sim!.state;
  await sim!.close();
  sim = undefined;
  await checkStateFile();
  expect(await loadState(statePath)).toEqual(JSON.parse(JSON.stringify(live)));

  // And it is a state the simulator starts from.
  const again = await bootWithStateFile();
  const back = await fetch(`${again.url}/v2/support/routing/media_servers`, {
    headers: { 'X-Auth-Token': again.token },
  });
  expect(back.status).toBe(200);
}

// -------------------------------------------------------------------------------------------

describe('simulator robustness under arbitrary requests', () => {
  it('answers every request with a KAZOO envelope (never 5xx) and keeps a loadable state file', async () => {
    const { url, token } = await bootWithStateFile();
    let writes = 0;
    await fc.assert(
      fc.asyncProperty(arbRequest, async (r) => {
        const res = await send(url, token, r);
        checkResponse(r, res);
        if (MUTATING.has(r.method) && res.status < 300) {
          writes += 1;
          await checkStateFile();
        }
      }),
      { numRuns: 300 },
    );
    // The generators must reach the handlers, not only the error paths.
    expect(writes).toBeGreaterThan(0);
    await checkAfterRun(url, token);
  }, 30_000);

  it('stays consistent under concurrent bursts of arbitrary requests', async () => {
    const { url, token } = await bootWithStateFile();
    await fc.assert(
      fc.asyncProperty(fc.array(arbRequest, { minLength: 2, maxLength: 8 }), async (batch) => {
        const responses = await Promise.all(batch.map((r) => send(url, token, r)));
        batch.forEach((r, i) => checkResponse(r, responses[i]!));
        await checkStateFile();
      }),
      { numRuns: 40 },
    );
    await checkAfterRun(url, token);
  }, 30_000);
});
