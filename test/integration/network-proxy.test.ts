/**
 * The client behind a forward proxy: HTTP_PROXY/HTTPS_PROXY/NO_PROXY (lower case too), the
 * request deadline and the connect/sent classification through the proxy, and the CLI's
 * timeout settings (targets.yaml `timeouts`, KZOPS_TIMEOUT).
 * Run `npm run build` first when running this file alone (some tests spawn bin/run.js).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { KazooNetworkError } from '../../src/api/errors.js';
import type { ResolvedTarget } from '../../src/api/target.js';
import { proxyFromEnv } from '../../src/api/transport.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { SIM_SUPER_MASTER_KEY, requireBuilt, runKzops } from './cli-harness.js';
import { haveOpenssl, selfSignedCert } from '../loopback.js';

const CC = '/v2/support/routing/customer_clusters';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listening(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closing(server: Server | ReturnType<typeof createNetServer>, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

interface Proxy {
  url: string;
  /** Absolute-form requests forwarded: `METHOD http://host:port/path`. */
  forwarded: string[];
  /** CONNECT tunnels opened: `host:port`. */
  tunnels: string[];
}

/** A small forward proxy: absolute-form HTTP requests and CONNECT tunnels, each recorded. */
async function forwardProxy(): Promise<Proxy> {
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res) => {
    const target = new URL(req.url ?? '/');
    forwarded.push(`${req.method} ${req.url}`);
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: target.pathname + target.search,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  const port = await listening(server);
  cleanups.push(() => closing(server, sockets));
  return { url: `http://127.0.0.1:${port}`, forwarded, tunnels };
}

/** A proxy that accepts connections and never answers. */
async function silentProxy(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.resume();
  });
  const port = await listening(server);
  cleanups.push(() => closing(server, sockets));
  return `http://127.0.0.1:${port}`;
}

async function sim(): Promise<SimHandle> {
  const handle = await startSim({ port: 0 });
  cleanups.push(() => handle.close());
  return handle;
}

function target(url: string): ResolvedTarget {
  return { baseUrl: url, auth: { kind: 'api_key', apiKey: SIM_SUPER_MASTER_KEY } };
}

function client(url: string, opts: ConstructorParameters<typeof KazooClient>[1] = {}): KazooClient {
  const c = new KazooClient(target(url), { debug: false, ...opts });
  cleanups.push(() => c.close());
  return c;
}

describe('proxyFromEnv', () => {
  it('reads lower case first, upper case otherwise, and treats empty values as unset', () => {
    expect(proxyFromEnv({})).toBeUndefined();
    expect(proxyFromEnv({ HTTP_PROXY: '' })).toBeUndefined();
    expect(proxyFromEnv({ HTTP_PROXY: 'http://upper:1', http_proxy: 'http://lower:1' })).toEqual({
      httpProxy: 'http://lower:1',
      httpsProxy: undefined,
      noProxy: '',
    });
    expect(proxyFromEnv({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'localhost,.corp' })).toEqual({
      httpProxy: undefined,
      httpsProxy: 'http://p:3128',
      noProxy: 'localhost,.corp',
    });
    expect(proxyFromEnv({ https_proxy: 'http://p:3128', no_proxy: 'a', NO_PROXY: 'b' })?.noProxy).toBe('a');
  });

  it('takes host:port as an http:// proxy, and refuses what is no proxy URL without echoing credentials', () => {
    expect(proxyFromEnv({ HTTP_PROXY: 'proxy.corp:3128' })?.httpProxy).toBe('http://proxy.corp:3128');
    expect(() => proxyFromEnv({ HTTPS_PROXY: 'ftp://user:pw-secret@proxy:21' })).toThrow(
      /^HTTPS_PROXY must be/,
    );
    expect(() => proxyFromEnv({ HTTPS_PROXY: 'ftp://user:pw-secret@proxy:21' })).not.toThrow(/pw-secret/);
    expect(() => proxyFromEnv({ http_proxy: 'http://' })).toThrow(/http_proxy/);
  });
});

describe('the client behind a forward proxy', () => {
  it('sends every request through HTTP_PROXY, as absolute-form requests', async () => {
    const s = await sim();
    const proxy = await forwardProxy();
    const c = client(s.url, { proxy: proxyFromEnv({ HTTP_PROXY: proxy.url }) });
    const res = await c.listCustomerClusters();
    expect(res.data.length).toBeGreaterThan(0);
    expect(proxy.forwarded).toEqual([`PUT ${s.url}/v2/api_auth`, `GET ${s.url}${CC}`]);
    expect(s.requests.map((r) => r.path)).toEqual(['/v2/api_auth', CC]);
  });

  it('goes direct when NO_PROXY names the host', async () => {
    const s = await sim();
    const proxy = await forwardProxy();
    for (const noProxy of ['127.0.0.1', `127.0.0.1:${s.port}`, 'localhost, 127.0.0.1']) {
      const c = client(s.url, { proxy: proxyFromEnv({ http_proxy: proxy.url, no_proxy: noProxy }) });
      await c.listCustomerClusters();
    }
    expect(proxy.forwarded).toEqual([]);
    expect(s.requests).toHaveLength(6);
  });

  it('does not use HTTPS_PROXY for an http:// server', async () => {
    const s = await sim();
    const proxy = await forwardProxy();
    await client(s.url, { proxy: proxyFromEnv({ HTTPS_PROXY: proxy.url }) }).listCustomerClusters();
    expect(proxy.forwarded).toEqual([]);
  });

  it('keeps the request deadline through a proxy that never answers', async () => {
    const s = await sim();
    const proxy = await silentProxy();
    const c = client(s.url, { proxy: proxyFromEnv({ HTTP_PROXY: proxy }), deadlineMs: 300 });
    const started = performance.now();
    const err = (await c.listCustomerClusters().catch((e: unknown) => e)) as KazooNetworkError;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err.timedOut).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(s.requests).toEqual([]);
  });

  it('a proxy that refuses connections is a connect failure: a write is retried, then fails as not sent', async () => {
    const s = await sim();
    const dead = createNetServer();
    const port = await listening(dead);
    await new Promise((resolve) => dead.close(resolve)); // nothing listens there now
    const c = client(s.url, {
      proxy: proxyFromEnv({ HTTP_PROXY: `http://127.0.0.1:${port}` }),
      sleep: () => Promise.resolve(),
    });
    const err = (await c.pollPorts().catch((e: unknown) => e)) as KazooNetworkError;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err).toMatchObject({ errorCode: 'ECONNREFUSED', phase: 'connect' });
    expect(s.requests).toEqual([]);
  });
});

// -------------------------------------------------------------------------------------------
// Through the CLI: the environment, targets.yaml `timeouts`, KZOPS_TIMEOUT

describe('the CLI', () => {
  let work: string;
  beforeAll(() => {
    requireBuilt('routing/list');
  });
  afterEach(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function workDir(targets?: string): Promise<string> {
    work = await mkdtemp(join(tmpdir(), 'kzops-net-'));
    if (targets !== undefined) await writeFile(join(work, 'targets.yaml'), targets);
    return work;
  }

  it('honours HTTP_PROXY for a server, and never proxies the embedded simulator', async () => {
    const s = await sim();
    const proxy = await forwardProxy();
    const cwd = await workDir();
    const remote = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: {
        KZOPS_URL: s.url,
        KZOPS_API_KEY: SIM_SUPER_MASTER_KEY,
        HTTP_PROXY: proxy.url,
        NO_PROXY: undefined,
      },
    });
    expect(remote.stderr).toBe('');
    expect(remote.code).toBe(0);
    expect(proxy.forwarded.length).toBeGreaterThanOrEqual(2);

    const before = proxy.forwarded.length;
    const embedded = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: undefined, no_proxy: undefined },
    });
    expect(embedded.code).toBe(0);
    expect(proxy.forwarded.length).toBe(before);
  });

  it('a target`s timeouts.request_s bounds a silent server, and says which setting to raise', async () => {
    const silent = await silentProxy(); // any silent listener will do as the "server"
    const cwd = await workDir(
      [
        'default: slow',
        'targets:',
        '  slow:',
        `    url: ${silent}`,
        '    api_key_env: SLOW_KEY',
        '    rate_limit: false',
        '    timeouts: { connect_s: 2, request_s: 0.4 }',
        '',
      ].join('\n'),
    );
    const started = performance.now();
    const run = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: { SLOW_KEY: SIM_SUPER_MASTER_KEY },
    });
    const ms = performance.now() - started;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/timed out after 400 ms/);
    expect(run.stderr).toMatch(/request_s|KZOPS_TIMEOUT/);
    expect(ms).toBeLessThan(8_000);
  });

  it('KZOPS_TIMEOUT overrides the target; a bad value is a configuration error', async () => {
    const silent = await silentProxy();
    const cwd = await workDir();
    const env = { KZOPS_URL: silent, KZOPS_API_KEY: SIM_SUPER_MASTER_KEY };
    const run = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: { ...env, KZOPS_TIMEOUT: '0.3' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/timed out after 300 ms/);

    const bad = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: { ...env, KZOPS_TIMEOUT: 'soon' },
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('KZOPS_TIMEOUT');
  });
});

// -------------------------------------------------------------------------------------------
// HTTPS through CONNECT, and a private CA through NODE_EXTRA_CA_CERTS

describe.skipIf(!haveOpenssl())('an https server with a private CA, behind HTTPS_PROXY', () => {
  it('fails with a NODE_EXTRA_CA_CERTS hint, then works through a CONNECT tunnel when it is set', async () => {
    requireBuilt('routing/list');
    const s = await sim();
    const dir = await mkdtemp(join(tmpdir(), 'kzops-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tls = selfSignedCert(dir);
    // A TLS front for the simulator (as a reverse proxy with a private CA would be).
    const sockets = new Set<Socket>();
    const front = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const up = httpRequest(
        { host: '127.0.0.1', port: s.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(up);
    });
    front.on('connection', (sock: Socket) => sockets.add(sock));
    front.on('tlsClientError', () => undefined);
    const port = await listening(front);
    cleanups.push(() => closing(front, sockets));
    const proxy = await forwardProxy();
    const env = {
      KZOPS_URL: `https://127.0.0.1:${port}`,
      KZOPS_API_KEY: SIM_SUPER_MASTER_KEY,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: undefined,
      NODE_EXTRA_CA_CERTS: undefined,
    };
    const cwd = dir;
    const untrusted = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], { cwd, env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('NODE_EXTRA_CA_CERTS');
    expect(untrusted.stderr).toMatch(/certificate/i);

    const trusted = await runKzops(['routing', 'list', 'carrier-sbcs', '--dir', cwd], {
      cwd,
      env: { ...env, NODE_EXTRA_CA_CERTS: tls.certPath },
    });
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    expect(proxy.tunnels).toContain(`127.0.0.1:${port}`);
    expect(proxy.forwarded).toEqual([]);
    expect(s.requests.map((r) => r.path)).toContain('/v2/support/routing/carrier_sbcs');
  }, 30_000);
});
