/**
 * The read-only checks: authentication and its failures, request handling (bad bodies,
 * OPTIONS, missing methods and documents, bad page sizes), the routing listings paged and read,
 * and the rate-limit bucket. Nothing here changes the server: the only bodies sent are auth
 * requests, a body that is not JSON sent without a token, and an empty `{data: {}}` on a
 * route that does not exist.
 */
import { RESOURCE_KINDS, isRoutingKind, type RoutingKind } from '../../core/model/kinds.js';
import { type CheckOutcome, fail, pass, skip } from '../../core/conformance/catalog.js';
import { type Exchange, type Probe, answered, compact, randomHex, said } from './probe.js';
import { isRecord } from '../../core/json.js';

export const ROUTING = '/v2/support/routing';
/** The routing kinds (from the kinds table), in the order the config folders are listed. */
export const ROUTING_KINDS: readonly RoutingKind[] = RESOURCE_KINDS.filter(isRoutingKind);
export type { RoutingKind };

/** KAZOO's page size when a listing is asked without one. */
const DEFAULT_PAGE_SIZE = 50;
/** A listing is walked in at most about this many pages, so a large one is not a flood. */
const MAX_WALK_PAGES = 100;

export const NEEDS_LOGIN = 'not run: no token (see auth.login)';

export function ok(ex: Exchange): boolean {
  return ex.status >= 200 && ex.status < 300;
}

/** The listing entry's id, or the entry itself as JSON when it has none. */
function idOf(entry: unknown): string {
  return isRecord(entry) && typeof entry.id === 'string' ? entry.id : JSON.stringify(entry);
}

/** Up to `n` items of a list, for evidence. */
function some(items: readonly string[], n = 3): string {
  const shown = items.slice(0, n).join(', ');
  return items.length > n ? `${shown} and ${items.length - n} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// Authentication

export async function checkLogin(probe: Probe): Promise<CheckOutcome> {
  const { exchange: ex, token } = await probe.login();
  const how = probe.target.auth.kind === 'api_key' ? "the target's API key" : "the target's user credentials";
  if ((ex.status === 201 || ex.status === 200) && token !== undefined) {
    return pass(`${said(ex)} with ${how}; auth_token in the envelope`, ex.requestId);
  }
  const why = ok(ex) ? 'no auth_token in the envelope' : `data ${compact(ex.envelope?.data)}`;
  return fail(`${said(ex)} with ${how}: ${why}`, ex.requestId);
}

export async function checkUnknownKey(probe: Probe): Promise<CheckOutcome> {
  const own = probe.target.auth.kind === 'api_key' ? probe.target.auth.apiKey : '';
  let key = randomHex(32);
  while (key === own) key = randomHex(32);
  const ex = await probe.send({
    method: 'PUT',
    path: '/v2/api_auth',
    body: { data: { api_key: key } },
    token: 'none',
  });
  const data = ex.envelope?.data;
  const sent = `unknown 64-hex key ${key}`;
  if (ex.status === 404 && Array.isArray(data) && data.includes(key)) {
    return pass(`${said(ex)} for an ${sent}; data holds the key`, ex.requestId);
  }
  const why =
    ex.status === 404 ? `data ${compact(data)} does not hold the key` : 'expected 404 with the key in data';
  return fail(`${said(ex)} for an ${sent}: ${why}`, ex.requestId);
}

export async function checkMalformedKey(probe: Probe): Promise<CheckOutcome> {
  const parts: string[] = [];
  let failed: Exchange | undefined;
  let last: Exchange | undefined;
  for (const key of [randomHex(16), randomHex(36)]) {
    const ex = await probe.send({
      method: 'PUT',
      path: '/v2/api_auth',
      body: { data: { api_key: key } },
      token: 'none',
    });
    last = ex;
    const data = ex.envelope?.data;
    const rule = isRecord(data) ? data.api_key : undefined;
    const good = ex.status === 400 && rule !== undefined;
    parts.push(
      `a ${key.length}-char key ${answered(ex)}` +
        (rule === undefined
          ? `, no data.api_key (data ${compact(data, 80)})`
          : `, data.api_key ${compact(rule, 80)}`),
    );
    if (!good) failed ??= ex;
  }
  const detail = `PUT /v2/api_auth with ${parts.join('; with ')}`;
  return failed
    ? fail(`${detail}; expected 400 with data.api_key`, failed.requestId)
    : pass(detail, last?.requestId);
}

export async function checkNoToken(probe: Probe): Promise<CheckOutcome> {
  const ex = await probe.send({ method: 'GET', path: `${ROUTING}/customer_clusters`, token: 'none' });
  return ex.status === 401
    ? pass(`${said(ex)} without a token`, ex.requestId)
    : fail(`${said(ex)} without a token; expected 401`, ex.requestId);
}

export async function checkBadToken(probe: Probe): Promise<CheckOutcome> {
  const ex = await probe.send({
    method: 'GET',
    path: `${ROUTING}/customer_clusters`,
    token: { value: randomHex(16) },
  });
  return ex.status === 401
    ? pass(`${said(ex)} with a made-up token`, ex.requestId)
    : fail(`${said(ex)} with a made-up token; expected 401`, ex.requestId);
}

// ---------------------------------------------------------------------------------------------
// Requests

export async function checkInvalidJson(probe: Probe): Promise<CheckOutcome> {
  // No token: a server that authenticates before it parses answers 401 here, which is the point.
  const ex = await probe.send({
    method: 'PUT',
    path: `${ROUTING}/carrier_sbcs`,
    body: '{"data": {"name": ',
    token: 'none',
  });
  const data = ex.envelope?.data;
  const json = isRecord(data) ? data.json : undefined;
  const invalid = isRecord(json) ? json.invalid : undefined;
  const target = isRecord(invalid) ? invalid.target : undefined;
  const what = `${said(ex)} for a truncated JSON body sent without a token`;
  if (ex.status === 400 && target === 'body')
    return pass(`${what}; data.json.invalid.target "body"`, ex.requestId);
  const why =
    ex.status === 400
      ? `data.json.invalid.target is ${compact(target)} (data ${compact(data, 80)}), expected "body"`
      : ex.status === 401
        ? 'the body must be refused (400) before authentication'
        : 'expected 400';
  return fail(`${what}: ${why}`, ex.requestId);
}

export async function checkOptions(probe: Probe): Promise<CheckOutcome> {
  const ex = await probe.send({
    method: 'OPTIONS',
    path: `${ROUTING}/customer_clusters`,
    token: 'none',
    headers: { Origin: 'https://kzops-conformance.invalid', 'Access-Control-Request-Method': 'GET' },
  });
  const methods = ex.headers['access-control-allow-methods'];
  const cors =
    methods === undefined ? 'no Access-Control-Allow-Methods' : `Access-Control-Allow-Methods: ${methods}`;
  return ok(ex)
    ? pass(`${said(ex)} without a token; ${cors}`, ex.requestId)
    : fail(`${said(ex)} without a token; expected 2xx`, ex.requestId);
}

export async function checkMethodNotAllowed(probe: Probe): Promise<CheckOutcome> {
  if (probe.token === undefined) return skip(NEEDS_LOGIN);
  // POST on the collection, with an empty body: harmless even on a server that had the route.
  const ex = await probe.send({ method: 'POST', path: `${ROUTING}/carrier_sbcs`, body: { data: {} } });
  const allow = ex.headers.allow;
  const note = allow === undefined ? 'no Allow header' : `Allow: ${allow} (crossbar sends none)`;
  return ex.status === 405
    ? pass(`${said(ex)}; ${note}`, ex.requestId)
    : fail(`${said(ex)}; expected 405 (${note})`, ex.requestId);
}

export async function checkMissingDocument(probe: Probe): Promise<CheckOutcome> {
  if (probe.token === undefined) return skip(NEEDS_LOGIN);
  const ex = await probe.send({ method: 'GET', path: `${ROUTING}/carrier_sbcs/${randomHex(16)}` });
  return ex.status === 404
    ? pass(`${said(ex)} for a random id`, ex.requestId)
    : fail(`${said(ex)} for a random id; expected 404`, ex.requestId);
}

export async function checkBadPageSize(probe: Probe): Promise<CheckOutcome> {
  if (probe.token === undefined) return skip(NEEDS_LOGIN);
  const seen: string[] = [];
  let failed: Exchange | undefined;
  let last: Exchange | undefined;
  for (const size of ['0', 'abc']) {
    const ex = await probe.send({ method: 'GET', path: `${ROUTING}/carrier_sbcs?page_size=${size}` });
    last = ex;
    seen.push(said(ex));
    if (ex.status !== 404) failed ??= ex;
  }
  const detail = seen.join('; ');
  return failed ? fail(`${detail}; expected 404 for each`, failed.requestId) : pass(detail, last?.requestId);
}

// ---------------------------------------------------------------------------------------------
// Listings

/** A routing listing read whole (`paginate=false`): the base of the paging and read checks. */
export interface Listing {
  kind: RoutingKind;
  exchange: Exchange;
  /** The ids in the order listed; undefined when the listing could not be read. */
  ids: string[] | undefined;
}

export async function readListing(probe: Probe, kind: RoutingKind): Promise<Listing> {
  const ex = await probe.send({ method: 'GET', path: `${ROUTING}/${kind}?paginate=false` });
  const data = ex.envelope?.data;
  return { kind, exchange: ex, ids: ok(ex) && Array.isArray(data) ? data.map(idOf) : undefined };
}

function unreadable(listing: Listing): CheckOutcome {
  const ex = listing.exchange;
  const why = ok(ex)
    ? `data is ${compact(ex.envelope?.data, 60)}, not a list`
    : 'the listing could not be read';
  return fail(`${said(ex)}: ${why}`, ex.requestId);
}

export async function checkPaging(probe: Probe, listing: Listing): Promise<CheckOutcome> {
  const { ids } = listing;
  if (ids === undefined) return unreadable(listing);
  const total = ids.length;
  if (total === 0) return skip(`${said(listing.exchange)} with no entries: nothing to walk`);
  const size = Math.max(1, Math.ceil(total / MAX_WALK_PAGES));
  const maxPages = Math.ceil(total / size) + 2;
  const base = `${ROUTING}/${listing.kind}?page_size=${size}`;
  const walked: string[] = [];
  const keys = new Set<string>();
  let startKey: string | undefined;
  let pages = 0;
  let ex: Exchange;
  for (;;) {
    ex = await probe.send({
      method: 'GET',
      path: startKey === undefined ? base : `${base}&start_key=${encodeURIComponent(startKey)}`,
    });
    const data = ex.envelope?.data;
    pages++;
    if (!ok(ex) || !Array.isArray(data)) {
      return fail(`page ${pages} of the page_size=${size} walk: ${said(ex)}`, ex.requestId);
    }
    if (data.length > size) {
      return fail(
        `page ${pages}: ${said(ex)} with ${data.length} entries for page_size=${size}`,
        ex.requestId,
      );
    }
    walked.push(...data.map(idOf));
    const next = ex.envelope?.next_start_key;
    if (typeof next !== 'string' || next === '') break;
    if (keys.has(next))
      return fail(`page ${pages}: next_start_key ${next} came back again: the walk loops`, ex.requestId);
    if (pages >= maxPages) return fail(`the walk did not end after ${pages} pages of ${size}`, ex.requestId);
    keys.add(next);
    startKey = next;
  }
  const walk = `page_size=${size}: ${pages} page${pages === 1 ? '' : 's'}, ${walked.length} entries`;
  const twice = walked.filter((id, i) => walked.indexOf(id) !== i);
  const missing = ids.filter((id) => !walked.includes(id));
  const extra = walked.filter((id) => !ids.includes(id));
  if (twice.length > 0 || missing.length > 0 || extra.length > 0) {
    const why = [
      missing.length > 0 ? `missing ${some(missing)}` : '',
      extra.length > 0 ? `not in paginate=false: ${some(extra)}` : '',
      twice.length > 0 ? `listed twice: ${some(twice)}` : '',
      pages === 1 && total > size ? 'the first page had no next_start_key' : '',
    ].filter((s) => s !== '');
    return fail(`${walk}; paginate=false has ${total}: ${why.join('; ')}`, ex.requestId);
  }
  const order = walked.every((id, i) => id === ids[i]) ? 'same order' : 'in another order';
  return pass(`${walk} (next_start_key → start_key) = paginate=false's ${total}, ${order}`, ex.requestId);
}

export async function checkDefaultPageSize(
  probe: Probe,
  listings: readonly Listing[],
): Promise<CheckOutcome> {
  if (probe.token === undefined) return skip(NEEDS_LOGIN);
  const parts: string[] = [];
  let failed: Exchange | undefined;
  let last: Exchange | undefined;
  for (const listing of listings) {
    if (listing.ids === undefined) continue;
    const total = listing.ids.length;
    const ex = await probe.send({ method: 'GET', path: `${ROUTING}/${listing.kind}` });
    last = ex;
    const data = ex.envelope?.data;
    const n = Array.isArray(data) ? data.length : undefined;
    const next = ex.envelope?.next_start_key;
    const hasNext = typeof next === 'string' && next !== '';
    const expected = Math.min(total, DEFAULT_PAGE_SIZE);
    const good = ok(ex) && n === expected && hasNext === total > DEFAULT_PAGE_SIZE;
    parts.push(
      `${listing.kind} ${n ?? said(ex)} of ${total}${hasNext ? ', next_start_key' : ', no next_start_key'}` +
        (good
          ? ''
          : ` (expected ${expected}${total > DEFAULT_PAGE_SIZE ? ' with' : ' without'} next_start_key)`),
    );
    if (!good) failed ??= ex;
  }
  if (last === undefined) return skip('no listing could be read (see the paging checks)');
  const detail = `GET without page_size: ${parts.join('; ')}`;
  return failed ? fail(detail, failed.requestId) : pass(detail, last.requestId);
}

/** The result of reading one listed document: the check, and the answer for envelope.etag. */
export interface DocumentRead {
  outcome: CheckOutcome;
  exchange?: Exchange;
}

export async function checkRead(probe: Probe, listing: Listing): Promise<DocumentRead> {
  const { ids } = listing;
  if (ids === undefined) return { outcome: unreadable(listing) };
  const id = ids[0];
  if (id === undefined)
    return { outcome: skip(`${said(listing.exchange)} with no entries: nothing to read`) };
  const ex = await probe.send({
    method: 'GET',
    path: `${ROUTING}/${listing.kind}/${encodeURIComponent(id)}`,
  });
  const data = ex.envelope?.data;
  const got = isRecord(data) ? data.id : undefined;
  if (ex.status === 200 && got === id)
    return { outcome: pass(`${said(ex)}, data.id ${id}`, ex.requestId), exchange: ex };
  const why = ex.status === 200 ? `data.id is ${compact(got)}` : 'expected 200';
  return { outcome: fail(`${said(ex)}: ${why}`, ex.requestId) };
}

// ---------------------------------------------------------------------------------------------
// Rate limit

function remaining(ex: Exchange): number | undefined {
  const tokens = ex.envelope?.tokens;
  const value = isRecord(tokens) ? tokens.remaining : undefined;
  return typeof value === 'number' ? value : undefined;
}

export async function checkRateLimit(probe: Probe): Promise<CheckOutcome> {
  if (probe.token === undefined) return skip(NEEDS_LOGIN);
  const path = `${ROUTING}/customer_clusters?page_size=1`;
  // The bucket is refilled in blocks (crossbar: a tenth of it each second), so one pair may
  // straddle a refill and see it grow; a pair that does not is what a working bucket shows.
  const pairs: string[] = [];
  let last: Exchange | undefined;
  let outcome: 'grew' | 'steady' | 'unobservable' = 'grew';
  for (let i = 0; i < 3 && outcome === 'grew'; i++) {
    const first = await probe.send({ method: 'GET', path });
    const second = await probe.send({ method: 'GET', path });
    last = second;
    const [a, b] = [remaining(first), remaining(second)];
    if (a === undefined || b === undefined) {
      outcome = 'unobservable';
      pairs.push(`${said(a === undefined ? first : second)} has no tokens.remaining`);
    } else {
      pairs.push(`${a} then ${b}`);
      if (b <= a) outcome = 'steady';
    }
  }
  const seen = probe.rateLimited;
  const withRetryAfter = seen.filter((r) => r.retryAfter !== undefined).length;
  const limited =
    seen.length === 0
      ? 'no 429 seen'
      : `${seen.length} 429 answer${seen.length === 1 ? '' : 's'} waited out (first: request ${seen[0]?.requestId ?? '?'}), ` +
        `${withRetryAfter} with Retry-After (crossbar sends none; a proxy may add one)`;
  switch (outcome) {
    case 'unobservable':
      return skip(`not observable: ${pairs.join('; ')}; ${limited}`);
    case 'grew':
      return fail(
        `back-to-back GETs: tokens.remaining grew in every pair (${pairs.join('; ')}); ${limited}`,
        last?.requestId,
      );
    case 'steady':
      return pass(`back-to-back GETs: tokens.remaining ${pairs.join('; ')}; ${limited}`, last?.requestId);
  }
}
