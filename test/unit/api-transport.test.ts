/**
 * The transport's failure classification, the hints built from it, and the request deadline
 * (retries included) against a server that accepts connections and never answers.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KazooClient, type KazooClientOptions } from '../../src/api/client.js';
import { KazooNetworkError, OutcomeUnknownError } from '../../src/api/errors.js';
import { classifyNetworkError } from '../../src/api/transport.js';
import { apiKeyTarget, rejection } from './api-stub.js';
import { haveOpenssl, selfSignedCert } from '../loopback.js';

const fabricated = (code: string, message = 'fabricated'): Error =>
  Object.assign(new Error(message), { code });

describe('classifyNetworkError', () => {
  it.each([
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ])('a certificate failure (%s) is a connect failure, not worth retrying', (code) => {
    expect(classifyNetworkError(fabricated(code))).toMatchObject({
      code,
      phase: 'connect',
      transient: false,
      timedOut: false,
    });
  });

  it('a failed proxy tunnel (CONNECT answered 502) happened before anything reached the server', () => {
    const err = Object.assign(new Error('Proxy response (502) !== 200 when HTTP Tunneling'), {
      code: 'UND_ERR_ABORTED',
    });
    expect(classifyNetworkError(err)).toMatchObject({ phase: 'connect', transient: true });
  });

  it('a proxy that wants credentials (407) is a connect failure that a retry will not fix', () => {
    const err = Object.assign(new Error('Proxy Authentication Required (407)'), {
      code: 'UND_ERR_INVALID_ARG',
    });
    expect(classifyNetworkError(err)).toMatchObject({
      code: 'PROXY_AUTH_REQUIRED',
      phase: 'connect',
      transient: false,
    });
  });
});

describe('network error hints', () => {
  const ctx = { method: 'GET', path: '/v2/support/routing/carrier_sbcs', attempts: 1 };

  it.each([
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ])('an untrusted certificate (%s) points at NODE_EXTRA_CA_CERTS', (code) => {
    const info = classifyNetworkError(fabricated(code))!;
    const err = new KazooNetworkError({ ...ctx, errorCode: info.code, phase: info.phase, timedOut: false });
    expect(err.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(err.summary()).toContain(code);
    expect(err.summary()).toMatch(/certificate/i);
  });

  it('a connection refused keeps the generic hint', () => {
    const err = new KazooNetworkError({
      ...ctx,
      errorCode: 'ECONNREFUSED',
      phase: 'connect',
      timedOut: false,
    });
    expect(err.hint).not.toContain('NODE_EXTRA_CA_CERTS');
  });
});

// -------------------------------------------------------------------------------------------
// A server that accepts connections and never answers

interface Silent {
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}

async function silentServer(): Promise<Silent> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createNetServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read the request, answer nothing
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function silentClient(opts: KazooClientOptions): Promise<{ client: KazooClient; server: Silent }> {
  const server = await silentServer();
  const client = new KazooClient(apiKeyTarget(server.url), { debug: false, ...opts });
  cleanups.push(
    () => server.close(),
    () => client.close(),
  );
  return { client, server };
}

describe('the request deadline', () => {
  it('fails a silent server within the deadline, naming it', async () => {
    const { client } = await silentClient({ deadlineMs: 300 });
    const started = performance.now();
    const err = (await rejection(client.listCarrierSbcs())) as KazooNetworkError;
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err.timedOut).toBe(true);
    expect(err.summary()).toMatch(/timed out/);
    expect(err.summary()).toContain('300 ms');
    expect(err.hint).toMatch(/KZOPS_TIMEOUT/);
    expect(ms).toBeGreaterThanOrEqual(280);
    expect(ms).toBeLessThan(1_500);
  }, 5_000);

  it('bounds the retries too: shorter attempts are retried only while the deadline lasts', async () => {
    const { client, server } = await silentClient({ deadlineMs: 400, timeoutMs: 120, maxAttempts: 10 });
    const started = performance.now();
    const err = (await rejection(client.listCarrierSbcs())) as KazooNetworkError;
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err.attempts).toBeGreaterThanOrEqual(2);
    expect(err.attempts).toBeLessThanOrEqual(4);
    // Each attempt is one connection; the pool may also have opened the connection of an attempt
    // the deadline then cancelled before it was counted (seen once on a loaded machine).
    expect(server.connections()).toBeGreaterThanOrEqual(err.attempts);
    expect(server.connections()).toBeLessThanOrEqual(err.attempts + 1);
    expect(ms).toBeLessThan(1_000);
    expect(err.summary()).toContain(`after ${err.attempts} attempts`);
  }, 5_000);

  it('the token request in front of a write is bounded by the same deadline', async () => {
    const { client, server } = await silentClient({ deadlineMs: 300 });
    // The token request goes first and hangs: one attempt, one failure, within the deadline.
    const started = performance.now();
    const err = await rejection(client.setPortStatus('p1', { code: 'completed' }));
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(server.connections()).toBe(1);
  }, 5_000);

  it('rejects a deadline that is not a positive number of milliseconds', () => {
    expect(() => new KazooClient(apiKeyTarget('http://127.0.0.1:1'), { deadlineMs: 0 })).toThrow(
      /deadlineMs/,
    );
    expect(() => new KazooClient(apiKeyTarget('http://127.0.0.1:1'), { connectTimeoutMs: -1 })).toThrow(
      /connectTimeoutMs/,
    );
  });

  it('keeps OutcomeUnknownError for a timed-out write, naming the timeout', async () => {
    // The stub answers authentication, then hangs on the write.
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/v2/api_auth') {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', auth_token: 'tok', data: {} }));
        return;
      }
      req.resume(); // never answered
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new KazooClient(apiKeyTarget(`http://127.0.0.1:${port}`), {
      debug: false,
      deadlineMs: 300,
    });
    cleanups.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
      () => client.close(),
    );
    const started = performance.now();
    const err = (await rejection(client.setPortStatus('p1', { code: 'completed' }))) as OutcomeUnknownError;
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err.reason).toContain('300 ms');
  }, 5_000);
});

// -------------------------------------------------------------------------------------------
// A real TLS failure: a self-signed certificate, through the client's own error building

describe.skipIf(!haveOpenssl())('a server whose certificate this machine does not trust', () => {
  it('is a network error whose hint names NODE_EXTRA_CA_CERTS, sent once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kzops-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const tls = selfSignedCert(dir);
    let hits = 0;
    const server = createHttpsServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
      hits++;
      res.end('{}');
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = new KazooClient(apiKeyTarget(`https://127.0.0.1:${port}`), { debug: false });
    cleanups.push(
      () => new Promise((resolve) => server.close(() => resolve())),
      () => client.close(),
    );
    const err = (await rejection(client.listCarrierSbcs())) as KazooNetworkError;
    expect(err).toBeInstanceOf(KazooNetworkError);
    expect(err.phase).toBe('connect');
    expect(err.attempts).toBe(1);
    expect(err.errorCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(err.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(hits).toBe(0);
  });
});
