/**
 * A server that gives secrets back: a small `node:http` proxy in front of the simulator that
 * answers the requests a test picks with an error whose `data` repeats the request (method,
 * path, headers, body), the way crossbar repeats an unknown API key and some gateways repeat
 * a whole request in their error pages. It can also edit the upstream's answers (e.g. put a
 * secret into a live document), and it keeps every request it saw, so a test can collect the
 * secrets that went over the wire (the auth token included) and check that none comes out.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { serveLoopback } from '../loopback.js';

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Names lowercased. */
  headers: Record<string, string>;
  body: string;
}

export interface EchoAnswer {
  status: number;
  /** The envelope's `message` (KAZOO's code name). Default `echo`. */
  code?: string;
  /** Extra keys for `data` beside the echoed `message` (e.g. field errors). */
  data?: Record<string, unknown>;
}

export interface EchoRules {
  /** An error that repeats the request instead of forwarding it; undefined forwards. */
  echo?: (req: SeenRequest) => EchoAnswer | undefined;
  /** Edits a forwarded answer's body (JSON text in, JSON text out). */
  edit?: (req: SeenRequest, status: number, body: string) => string;
}

export interface EchoServer {
  url: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  /** The `X-Auth-Token` values the client sent. */
  tokens(): string[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** The request written out in full, as a careless server puts it into an error. */
export function describeRequest(req: SeenRequest): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return `could not process ${req.method} ${req.url} (headers ${headers}) with body ${req.body}`;
}

/** Starts the server on a free loopback port, in front of `upstreamUrl`. */
export async function startEchoServer(upstreamUrl: string, rules: EchoRules = {}): Promise<EchoServer> {
  const seen: SeenRequest[] = [];
  const handle = async (raw: IncomingMessage, out: ServerResponse): Promise<void> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    const req: SeenRequest = {
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      headers,
      body: await readAll(raw),
    };
    seen.push(req);
    const answer = rules.echo?.(req);
    if (answer !== undefined) {
      const body = JSON.stringify({
        auth_token: headers['x-auth-token'] ?? '',
        data: { message: describeRequest(req), ...answer.data },
        error: String(answer.status),
        message: answer.code ?? 'echo',
        status: 'error',
        request_id: headers['x-request-id'] ?? '',
      });
      out.statusCode = answer.status;
      out.setHeader('Content-Type', 'application/json');
      out.setHeader('Content-Length', Buffer.byteLength(body));
      out.end(body);
      return;
    }
    const forward: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) forward[k] = v;
    const res = await fetch(upstreamUrl + req.url, {
      method: req.method,
      headers: forward,
      body: req.body === '' || req.method === 'GET' ? undefined : req.body,
    });
    let body = await res.text();
    if (rules.edit) body = rules.edit(req, res.status, body);
    res.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) out.setHeader(name, value);
    });
    out.statusCode = res.status;
    out.setHeader('Content-Length', Buffer.byteLength(body));
    out.end(body);
  };
  const server = await serveLoopback(handle);
  return {
    url: server.url,
    seen,
    tokens: () => [...new Set(seen.map((r) => r.headers['x-auth-token']).filter((t): t is string => !!t))],
    close: () => server.close(),
  };
}
