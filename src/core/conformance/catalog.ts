/**
 * The conformance checks, by name, with what each one proves, in the order they are reported;
 * and the report the run returns (and `--json` prints: schemas/output/conformance.schema.json).
 */

export const CHECKS = [
  {
    name: 'auth.login',
    proves: "the target's own credentials get a token: 201 (or 200) with auth_token in the envelope",
  },
  {
    name: 'auth.unknown-key',
    proves: 'a well-formed (64 hex) key that no account holds is 404 with the key in data, not 401',
  },
  {
    name: 'auth.malformed-key',
    proves: 'a key that is not 64 characters (shorter, longer) is 400 with data.api_key naming the rule',
  },
  { name: 'auth.no-token', proves: 'an API route asked without a token is 401' },
  { name: 'auth.bad-token', proves: 'an API route asked with a token the server never issued is 401' },
  {
    name: 'request.invalid-json',
    proves: 'a body that is not JSON is 400 with data.json.invalid.target "body", before authentication',
  },
  { name: 'request.options', proves: 'OPTIONS on an API route is answered (2xx) without a token' },
  {
    name: 'request.method-not-allowed',
    proves: 'a method the route lacks (POST on a routing collection) is 405',
  },
  { name: 'request.missing-document', proves: 'GET of a document id that does not exist is 404' },
  { name: 'request.bad-page-size', proves: 'a listing asked with page_size=0 or page_size=abc is 404' },
  {
    name: 'paging.customer_clusters',
    proves:
      'walking the customer cluster listing page by page (page_size, next_start_key → start_key) gives what paginate=false gives',
  },
  {
    name: 'paging.carrier_sbcs',
    proves: 'walking the carrier SBC listing page by page gives what paginate=false gives',
  },
  {
    name: 'paging.media_servers',
    proves: 'walking the media server listing page by page gives what paginate=false gives',
  },
  {
    name: 'paging.default-size',
    proves:
      'a listing without page_size has at most 50 entries, and next_start_key exactly when there are more',
  },
  { name: 'read.customer_clusters', proves: 'GET of a listed customer cluster returns that document' },
  { name: 'read.carrier_sbcs', proves: 'GET of a listed carrier SBC returns that document' },
  { name: 'read.media_servers', proves: 'GET of a listed media server returns that document' },
  {
    name: 'envelope.success',
    proves:
      'every success answer has status, data, request_id and auth_token; answers to authenticated requests also node, version and an ISO 8601 timestamp',
  },
  {
    name: 'envelope.error',
    proves:
      'every error answer has status "error", error (the HTTP status as a string), message, data and request_id',
  },
  {
    name: 'envelope.tokens',
    proves:
      'every answer, success and error, reports the rate-limit bucket: tokens.consumed and tokens.remaining',
  },
  {
    name: 'envelope.request-id',
    proves: 'X-Request-ID is echoed (header and request_id) when sent, and made up by the server when not',
  },
  {
    name: 'envelope.etag',
    proves: 'GET of one document has revision in the envelope and ETag: "<revision>"',
  },
  {
    name: 'rate-limit.tokens',
    proves: 'tokens.remaining does not grow between two back-to-back requests (429s seen are reported)',
  },
  {
    name: 'write.create-server-id',
    proves: 'PUT on the carrier SBC collection creates a document with a server-assigned id (201, data.id)',
  },
  {
    name: 'write.create-client-id',
    proves: 'PUT of a customer cluster with a client-chosen id creates it (201)',
  },
  { name: 'write.put-conflict', proves: 'a second PUT of the same customer cluster id is 409' },
  {
    name: 'write.post-replace',
    proves: 'POST replaces every public field: fields left out are gone, nested objects are not merged',
  },
  {
    name: 'write.patch-deep-merge',
    proves: 'PATCH merges nested objects (siblings kept) and replaces arrays whole',
  },
  { name: 'write.patch-null', proves: 'PATCH with null removes a key, at the top level and nested' },
  {
    name: 'write.patch-empty-object',
    proves: 'PATCH with an empty object {} clears an existing object instead of merging into it',
  },
  { name: 'write.delete', proves: 'DELETE removes a document: a GET afterwards is 404' },
  {
    name: 'write.cleanup',
    proves: 'every kzops-conformance-* document this run created is gone when it ends, whatever failed',
  },
] as const;

export type CheckName = (typeof CHECKS)[number]['name'];
export type CheckResult = 'pass' | 'fail' | 'skip';

/** What one check found: the evidence names what was sent, what came back, and the request id. */
export interface CheckOutcome {
  result: CheckResult;
  detail: string;
  /** The request id of the answer the result rests on, when one does. */
  requestId?: string | undefined;
}

export interface CheckReport extends CheckOutcome {
  name: CheckName;
}

export interface ConformanceReport {
  /** The target's name (as in targets.yaml, or `embedded simulator`). */
  target: string;
  /** The server root the checks ran against. */
  url: string;
  allowWrites: boolean;
  /** Every check, in catalog order. */
  checks: CheckReport[];
  passed: number;
  failed: number;
  skipped: number;
}

/** `kzops conformance --json`. */
export interface ConformanceJson {
  target: string;
  checks: { name: CheckName; result: CheckResult; detail: string; request_id?: string }[];
  passed: number;
  failed: number;
  skipped: number;
}

export function conformanceJson(report: ConformanceReport): ConformanceJson {
  return {
    target: report.target,
    checks: report.checks.map((c) => ({
      name: c.name,
      result: c.result,
      detail: c.detail,
      ...(c.requestId === undefined ? {} : { request_id: c.requestId }),
    })),
    passed: report.passed,
    failed: report.failed,
    skipped: report.skipped,
  };
}

export function pass(detail: string, requestId?: string): CheckOutcome {
  return { result: 'pass', detail, requestId };
}

export function fail(detail: string, requestId?: string): CheckOutcome {
  return { result: 'fail', detail, requestId };
}

export function skip(detail: string): CheckOutcome {
  return { result: 'skip', detail };
}
