/**
 * A deliberately deviant KAZOO server for the conformance tests: a small `node:http` proxy in
 * front of the simulator that forwards every request and breaks exactly one convention, the
 * way a real server, gateway or older release might. With no deviation it is a transparent
 * pass-through (which the tests also prove, so a failure under a deviation is the deviation's).
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { serveLoopback } from '../loopback.js';

export const DEVIATIONS = [
  /** `PUT /v2/api_auth` with a well-formed key nobody holds: 401 instead of 404. */
  'unknown-key-401',
  /** `PUT /v2/api_auth` with a key of the wrong length: 401 instead of 400. */
  'malformed-key-401',
  /** An API route asked without a token: 403 instead of 401. */
  'no-token-403',
  /** A body that is not JSON, sent without a token: authenticated first, so 401 instead of 400. */
  'invalid-json-401',
  /** OPTIONS needs a token: 401. */
  'options-401',
  /** A method the route lacks: 404 instead of 405. */
  'method-404',
  /** A missing routing document: 500 instead of 404. */
  'missing-doc-500',
  /** A bad page_size: 400 instead of 404. */
  'bad-page-size-400',
  /** Listings lose `next_start_key`: a client stops after the first page. */
  'drop-next-start-key',
  /** `page_size` is ignored: every page is the default one. */
  'ignore-page-size',
  /** No `tokens` in any envelope. */
  'drop-tokens',
  /** `tokens.remaining` grows with every request. */
  'tokens-grow',
  /** `timestamp` in a local, non-ISO form. */
  'timestamp-not-iso',
  /** `error` as a number instead of the status as a string. */
  'error-as-number',
  /** The client's X-Request-ID is replaced by the proxy's own. */
  'new-request-id',
  /** No ETag on a document. */
  'drop-etag',
  /** PATCH replaces top-level keys whole (a shallow merge). */
  'shallow-patch',
  /** PATCH appends to arrays instead of replacing them. */
  'arrays-merged',
  /** PATCH ignores `{}` (merges it) instead of clearing the object. */
  'empty-object-merged',
  /** PATCH ignores `null` instead of removing the key. */
  'null-ignored',
  /** A second PUT of an existing id overwrites it instead of 409. */
  'put-overwrites',
  /** DELETE answers 200 and deletes nothing. */
  'delete-ignored',
  /** A create on a collection answers without `data.id`. */
  'server-id-missing',
] as const;

export type Deviation = (typeof DEVIATIONS)[number];

export interface DeviantProxy {
  url: string;
  close(): Promise<void>;
}

interface ProxyRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  pathname: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
}

interface ProxyResponse {
  status: number;
  /** Names lowercased. */
  headers: Record<string, string>;
  body: string;
}

type Json = Record<string, unknown>;
type Upstream = (req: ProxyRequest) => Promise<ProxyResponse>;

interface Behaviour {
  /** Answers in place of the server (possibly after asking it other things); undefined forwards. */
  request?: (req: ProxyRequest, upstream: Upstream) => Promise<ProxyResponse | undefined> | undefined;
  response?: (req: ProxyRequest, res: ProxyResponse) => ProxyResponse;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);
const ROUTING_ITEM = /^\/v2\/support\/routing\/(customer_clusters|carrier_sbcs|media_servers)\/[^/]+$/;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The response with its JSON envelope changed by `edit` (unchanged when it is not JSON). */
function editEnvelope(res: ProxyResponse, edit: (env: Json) => void): ProxyResponse {
  const env = parse(res.body);
  if (env === undefined) return res;
  edit(env);
  return { ...res, body: JSON.stringify(env) };
}

/** The response with another status, its envelope made to match. */
function restatus(res: ProxyResponse, status: number, message: string): ProxyResponse {
  const changed = editEnvelope(res, (env) => {
    env.error = String(status);
    env.message = message;
  });
  return { ...changed, status };
}

function withBody(req: ProxyRequest, method: string, body: unknown): ProxyRequest {
  return { ...req, method, body: body === undefined ? '' : JSON.stringify(body) };
}

/** `data` of a PATCH body changed by `edit`; the request unchanged when it has none. */
function editPatchData(req: ProxyRequest, edit: (data: Json) => Json): ProxyRequest {
  const body = parse(req.body);
  if (req.method !== 'PATCH' || !isObject(body?.data)) return req;
  return withBody(req, 'PATCH', { ...body, data: edit(body.data) });
}

/** `obj` without the keys `drop` picks, at any depth, and without objects that became empty. */
function prune(obj: Json, drop: (value: unknown) => boolean): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (drop(v)) continue;
    if (isObject(v)) {
      const inner = prune(v, drop);
      if (Object.keys(inner).length === 0 && Object.keys(v).length > 0) continue;
      out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

function shallowMerge(doc: Json, patch: Json): Json {
  const out = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The deep merge as specified, except that arrays are appended to. */
function appendingMerge(doc: Json, patch: Json): Json {
  const out = { ...doc };
  for (const [k, v] of Object.entries(patch)) {
    const old = out[k];
    if (v === null) delete out[k];
    else if (isObject(v) && Object.keys(v).length === 0) out[k] = {};
    else if (isObject(v) && isObject(old)) out[k] = appendingMerge(old, v);
    else if (Array.isArray(v) && Array.isArray(old)) out[k] = [...(old as unknown[]), ...(v as unknown[])];
    else out[k] = v;
  }
  return out;
}

/** A PATCH carried out as a GET, a merge here, and a POST of the result. */
function patchVia(merge: (doc: Json, patch: Json) => Json): Behaviour {
  return {
    async request(req, upstream) {
      const patch = parse(req.body)?.data;
      if (req.method !== 'PATCH' || !ROUTING_ITEM.test(req.pathname) || !isObject(patch)) return undefined;
      const current = await upstream(withBody(req, 'GET', undefined));
      const doc = parse(current.body)?.data;
      if (current.status !== 200 || !isObject(doc)) return current;
      const { id: _id, ...fields } = doc;
      return upstream(withBody(req, 'POST', { data: merge(fields, patch) }));
    },
  };
}

const noToken = (req: ProxyRequest): boolean => req.headers['x-auth-token'] === undefined;

function behaviour(deviation: Deviation | undefined): Behaviour {
  switch (deviation) {
    case undefined:
      return {};
    case 'unknown-key-401':
      return {
        response: (req, res) =>
          req.pathname === '/v2/api_auth' && res.status === 404
            ? restatus(res, 401, 'invalid_credentials')
            : res,
      };
    case 'malformed-key-401':
      return {
        response: (req, res) =>
          req.pathname === '/v2/api_auth' && res.status === 400
            ? restatus(res, 401, 'invalid_credentials')
            : res,
      };
    case 'no-token-403':
      return {
        response: (req, res) =>
          noToken(req) && res.status === 401 && req.pathname !== '/v2/api_auth'
            ? restatus(res, 403, 'forbidden')
            : res,
      };
    case 'invalid-json-401':
      return {
        request: (req, upstream) =>
          noToken(req) && req.body !== '' && parse(req.body) === undefined
            ? upstream({ ...req, body: '' })
            : undefined,
      };
    case 'options-401':
      return {
        request: (req, upstream) =>
          req.method === 'OPTIONS' ? upstream(withBody(req, 'GET', undefined)) : undefined,
      };
    case 'method-404':
      return {
        response: (_req, res) => {
          if (res.status !== 405) return res;
          const { allow: _allow, ...headers } = res.headers;
          return restatus({ ...res, headers }, 404, 'not_found');
        },
      };
    case 'missing-doc-500':
      return {
        response: (req, res) =>
          req.method === 'GET' && ROUTING_ITEM.test(req.pathname) && res.status === 404
            ? restatus(res, 500, 'internal_error')
            : res,
      };
    case 'bad-page-size-400':
      return {
        response: (req, res) =>
          req.query.has('page_size') && res.status === 404 ? restatus(res, 400, 'validation error') : res,
      };
    case 'drop-next-start-key':
      return { response: (_req, res) => editEnvelope(res, (env) => delete env.next_start_key) };
    case 'ignore-page-size':
      return {
        request(req, upstream) {
          if (!req.query.has('page_size')) return undefined;
          const query = new URLSearchParams(req.query);
          query.delete('page_size');
          const rest = query.toString();
          return upstream({ ...req, url: rest === '' ? req.pathname : `${req.pathname}?${rest}`, query });
        },
      };
    case 'drop-tokens':
      return { response: (_req, res) => editEnvelope(res, (env) => delete env.tokens) };
    case 'tokens-grow': {
      let remaining = 1000;
      return {
        response: (_req, res) =>
          editEnvelope(res, (env) => {
            if (isObject(env.tokens)) env.tokens = { ...env.tokens, remaining: remaining++ };
          }),
      };
    }
    case 'timestamp-not-iso':
      return {
        response: (_req, res) =>
          editEnvelope(res, (env) => {
            if (typeof env.timestamp === 'string') env.timestamp = new Date(env.timestamp).toUTCString();
          }),
      };
    case 'error-as-number':
      return {
        response: (_req, res) =>
          editEnvelope(res, (env) => {
            if (typeof env.error === 'string') env.error = Number(env.error);
          }),
      };
    case 'new-request-id':
      return {
        response(_req, res) {
          const id = randomBytes(16).toString('hex');
          const edited = editEnvelope(res, (env) => {
            if ('request_id' in env) env.request_id = id;
          });
          return { ...edited, headers: { ...edited.headers, 'x-request-id': id } };
        },
      };
    case 'drop-etag':
      return {
        response(_req, res) {
          const { etag: _etag, ...headers } = res.headers;
          return { ...res, headers };
        },
      };
    case 'shallow-patch':
      return patchVia(shallowMerge);
    case 'arrays-merged':
      return patchVia(appendingMerge);
    case 'empty-object-merged':
      return {
        request: (req, upstream) =>
          req.method === 'PATCH'
            ? upstream(
                editPatchData(req, (data) => prune(data, (v) => isObject(v) && Object.keys(v).length === 0)),
              )
            : undefined,
      };
    case 'null-ignored':
      return {
        request: (req, upstream) =>
          req.method === 'PATCH'
            ? upstream(editPatchData(req, (data) => prune(data, (v) => v === null)))
            : undefined,
      };
    case 'put-overwrites':
      return {
        async request(req, upstream) {
          if (req.method !== 'PUT' || !ROUTING_ITEM.test(req.pathname)) return undefined;
          const first = await upstream(req);
          return first.status === 409 ? upstream({ ...req, method: 'POST' }) : first;
        },
      };
    case 'delete-ignored':
      return {
        request: (req, upstream) =>
          req.method === 'DELETE' && ROUTING_ITEM.test(req.pathname)
            ? upstream(withBody(req, 'GET', undefined))
            : undefined,
      };
    case 'server-id-missing':
      return {
        response: (req, res) =>
          req.method === 'PUT' && res.status === 201 && req.pathname === '/v2/support/routing/carrier_sbcs'
            ? editEnvelope(res, (env) => {
                if (isObject(env.data)) delete env.data.id;
              })
            : res,
      };
  }
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function forwardTo(upstreamUrl: string): Upstream {
  return async (req) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    const res = await fetch(upstreamUrl + req.url, {
      method: req.method,
      headers,
      body: req.body === '' || req.method === 'GET' ? undefined : req.body,
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) out[name] = value;
    });
    return { status: res.status, headers: out, body: await res.text() };
  };
}

/** Starts the proxy on a free loopback port, in front of the server at `upstreamUrl`. */
export async function startDeviantProxy(upstreamUrl: string, deviation?: Deviation): Promise<DeviantProxy> {
  const upstream = forwardTo(upstreamUrl);
  const { request, response } = behaviour(deviation);
  const handle = async (raw: IncomingMessage, out: ServerResponse): Promise<void> => {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    const req: ProxyRequest = {
      method: raw.method ?? 'GET',
      url,
      pathname: q < 0 ? url : url.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
      headers,
      body: await readAll(raw),
    };
    let res = (await request?.(req, upstream)) ?? (await upstream(req));
    if (response) res = response(req, res);
    out.statusCode = res.status;
    for (const [k, v] of Object.entries(res.headers)) out.setHeader(k, v);
    out.setHeader('Content-Length', Buffer.byteLength(res.body));
    out.end(res.body);
  };
  const server = await serveLoopback(handle);
  return {
    url: server.url,
    close: () => server.close(),
  };
}
