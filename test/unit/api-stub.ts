/**
 * A tiny `node:http` stub server for the API client's unit tests: records every request and
 * lets each test script the answers. Not a simulator: just enough HTTP to exercise the client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { KazooClient, type KazooClientOptions } from '../../src/api/client.js';
import type { ResolvedTarget } from '../../src/api/target.js';

export interface StubRequest {
  method: string;
  /** Path without query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export type StubHandler = (
  req: StubRequest,
  res: ServerResponse,
  raw: IncomingMessage,
) => void | Promise<void>;

export interface Stub {
  url: string;
  port: number;
  requests: StubRequest[];
  /** Requests excluding authentication. */
  apiRequests(): StubRequest[];
  authRequests(): StubRequest[];
  /** Stops listening and drops every connection (so later connects are refused). */
  close(): Promise<void>;
}

export const TOKEN = 'tok-secret-0123456789';

export async function startStub(handler: StubHandler): Promise<Stub> {
  const requests: StubRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (chunk: Buffer) => chunks.push(chunk));
    raw.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(raw.url ?? '/', 'http://stub');
      const req: StubRequest = {
        method: raw.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: raw.headers,
        body,
        json: parseOrUndefined(body),
      };
      requests.push(req);
      void Promise.resolve(handler(req, res, raw)).catch((err: unknown) => {
        reply(res, 500, { status: 'error', message: String(err) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const isAuth = (r: StubRequest) => r.path === '/v2/api_auth' || r.path === '/v2/user_auth';
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    apiRequests: () => requests.filter((r) => !isAuth(r)),
    authRequests: () => requests.filter(isAuth),
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(text);
}

export function ok(res: ServerResponse, data: unknown, extra: Record<string, unknown> = {}): void {
  reply(res, 200, { status: 'success', data, request_id: 'req-stub', ...extra });
}

export function kazooError(
  res: ServerResponse,
  status: number,
  message: string,
  data: unknown = {},
  headers: Record<string, string> = {},
): void {
  reply(
    res,
    status,
    { status: 'error', error: String(status), message, data, request_id: 'req-err' },
    headers,
  );
}

/** Answers authentication with `token` (default TOKEN); everything else goes to `handler`. */
export function withAuth(handler: StubHandler, token: () => string = () => TOKEN): StubHandler {
  return (req, res, raw) => {
    if (req.path === '/v2/api_auth' || req.path === '/v2/user_auth') {
      reply(res, 201, { status: 'success', auth_token: token(), data: { account_id: 'acc' } });
      return;
    }
    return handler(req, res, raw);
  };
}

export function apiKeyTarget(url: string, extra: Partial<ResolvedTarget> = {}): ResolvedTarget {
  return { baseUrl: url, auth: { kind: 'api_key', apiKey: 'key-secret-abcdef' }, ...extra };
}

/** A sleep that records requested delays and does not wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

/** The error `promise` rejects with; throws (failing the test) when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export interface StubSession {
  /** The current test's stub and client (set by `start`). */
  stub: Stub | undefined;
  client: KazooClient | undefined;
  /**
   * Starts a stub answering with `handler` and a client on it: no debug output and no real
   * waiting unless `options` says otherwise; an API-key target unless `target` makes another.
   */
  start(
    handler: StubHandler,
    opts?: { target?: (url: string) => ResolvedTarget; options?: KazooClientOptions },
  ): Promise<KazooClient>;
}

/** One stub and one client per test, both closed after each test (registers the afterEach). */
export function stubSession(): StubSession {
  const session: StubSession = {
    stub: undefined,
    client: undefined,
    async start(handler, opts = {}) {
      const stub = await startStub(handler);
      session.stub = stub;
      const target = opts.target ? opts.target(stub.url) : apiKeyTarget(stub.url);
      session.client = new KazooClient(target, {
        debug: false,
        sleep: () => Promise.resolve(),
        ...opts.options,
      });
      return session.client;
    },
  };
  afterEach(async () => {
    await session.client?.close();
    await session.stub?.close();
    session.client = session.stub = undefined;
  });
  return session;
}
