/**
 * Reading KAZOO response envelopes: success bodies into `ApiResult`s, error bodies (JSON or
 * not) into `KazooApiError`s.
 */
import { KazooApiError, KazooProtocolError, type FieldErrors, type RequestContext } from './errors.js';
import { redactJson } from './redact.js';
import type { HttpResponse } from './transport.js';
import type { ApiResult } from './types.js';
import { isRecord } from '../core/json.js';

export type JsonObject = Record<string, unknown>;

export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function stringField(obj: JsonObject | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The server's id for this request: envelope first, then header. */
export function responseRequestId(res: HttpResponse, envelope: JsonObject | undefined): string | undefined {
  return stringField(envelope, 'request_id') ?? header(res, 'x-request-id');
}

/** A body excerpt for messages: whitespace collapsed, bounded. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Turns a 2xx JSON response into an `ApiResult`; `data` must be present. */
export function successResult<T>(res: HttpResponse, ctx: RequestContext): ApiResult<T> {
  const envelope = parseJsonObject(res.text);
  if (envelope === undefined || !('data' in envelope)) {
    const what = envelope === undefined ? 'the body is not a JSON object' : 'the envelope has no data';
    throw new KazooProtocolError({
      ...ctx,
      status: res.status,
      problem: `${what}: ${excerpt(res.text, 120)}`,
    });
  }
  const result: ApiResult<T> = { data: envelope.data as T, envelope };
  const requestId = responseRequestId(res, envelope);
  if (requestId !== undefined) result.requestId = requestId;
  const revision = stringField(envelope, 'revision') ?? etagRevision(header(res, 'etag'));
  if (revision !== undefined) result.revision = revision;
  return result;
}

/** `"3-abc"` or `W/"3-abc"` → `3-abc`. */
function etagRevision(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const match = /^(?:W\/)?"?([^"]*)"?$/.exec(etag.trim());
  return match?.[1] === undefined || match[1] === '' ? undefined : match[1];
}

export interface ApiErrorExtras {
  hint?: string;
  retryAfterMs?: number;
  retryAfterLimitMs?: number;
  rateLimitWaitMs?: number;
  earlierAttemptMayHaveApplied?: boolean;
}

/** Builds the error for a non-2xx response, whether or not its body is a KAZOO envelope. */
export function apiErrorFromResponse(
  res: HttpResponse,
  ctx: RequestContext,
  extras: ApiErrorExtras = {},
): KazooApiError {
  const envelope = parseJsonObject(res.text);
  const requestId = responseRequestId(res, envelope) ?? ctx.requestId;
  const base = { ...ctx, ...extras, requestId, status: res.status };
  if (envelope === undefined) {
    const body = excerpt(res.text);
    return new KazooApiError({
      ...base,
      message: body === '' ? `HTTP ${res.status} with an empty body` : `non-JSON response: ${body}`,
      bodyExcerpt: body,
    });
  }
  const apiCode = stringField(envelope, 'message');
  const data = envelope.data;
  const fieldErrors = res.status === 400 ? parseFieldErrors(data) : undefined;
  return new KazooApiError({
    ...base,
    apiCode,
    message: stringField(isRecord(data) ? data : undefined, 'message') ?? apiCode ?? `HTTP ${res.status}`,
    fieldErrors,
    details: fieldErrors === undefined && data !== undefined ? redactJson(data) : undefined,
  });
}

/**
 * Recognises a validation error's `data` by shape (path → rule → {message}), not by the
 * envelope `message` text, which KAZOO does not keep stable.
 */
export function parseFieldErrors(data: unknown): FieldErrors | undefined {
  if (!isRecord(data)) return undefined;
  const entries = Object.entries(data);
  if (entries.length === 0) return undefined;
  const out: FieldErrors = {};
  for (const [path, rules] of entries) {
    if (!isRecord(rules)) return undefined;
    const parsed: FieldErrors[string] = {};
    for (const [rule, detail] of Object.entries(rules)) {
      if (!isRecord(detail)) return undefined;
      const message = typeof detail.message === 'string' ? detail.message : '';
      parsed[rule] = 'value' in detail ? { message, value: detail.value } : { message };
    }
    out[path] = parsed;
  }
  return out;
}
