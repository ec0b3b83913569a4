/**
 * The envelope checks look across every answer the run received (OPTIONS answers aside: a CORS
 * preflight owes no envelope), so one deviant answer anywhere is caught, and each names the
 * first answers that deviate.
 */
import { type CheckOutcome, fail, pass, skip } from '../../core/conformance/catalog.js';
import { ok } from './checks.js';
import { type Exchange, type Probe, compact, said } from './probe.js';
import { isRecord } from '../../core/json.js';

/** ISO 8601 in UTC or with an offset, seconds required, fractions allowed. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

interface Finding {
  exchange: Exchange;
  problems: string[];
}

function answers(probe: Probe): Exchange[] {
  return probe.exchanges.filter((ex) => ex.method !== 'OPTIONS');
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** A verdict over many answers: the first few deviant ones as evidence. */
function verdict(findings: Finding[], checked: number, what: string, example?: Exchange): CheckOutcome {
  const bad = findings.filter((f) => f.problems.length > 0);
  const first = bad[0];
  if (first === undefined) return pass(`${checked} ${what}`, example?.requestId);
  const shown = bad
    .slice(0, 3)
    .map((f) => `${said(f.exchange)} (request ${f.exchange.requestId ?? '?'}): ${f.problems.join(', ')}`);
  const more = bad.length > 3 ? `; and ${bad.length - 3} more` : '';
  return fail(
    `${bad.length} of ${checked} answers deviate: ${shown.join('; ')}${more}`,
    first.exchange.requestId,
  );
}

export function checkSuccessEnvelope(probe: Probe): CheckOutcome {
  const seen = answers(probe).filter(ok);
  if (seen.length === 0) return skip('no success answer to look at');
  const findings = seen.map((ex): Finding => {
    const env = ex.envelope;
    if (env === undefined) return { exchange: ex, problems: ['the body is not a JSON object'] };
    const problems: string[] = [];
    if (env.status !== 'success') problems.push(`status ${compact(env.status)}`);
    if (!('data' in env)) problems.push('no data');
    if (!nonEmptyString(env.request_id)) problems.push('no request_id');
    if (!nonEmptyString(env.auth_token)) problems.push('no auth_token');
    if (ex.withToken) {
      if (!nonEmptyString(env.node)) problems.push('no node');
      if (!nonEmptyString(env.version)) problems.push('no version');
      if (typeof env.timestamp !== 'string' || !ISO_8601.test(env.timestamp)) {
        problems.push(`timestamp ${compact(env.timestamp)} is not ISO 8601`);
      }
    }
    return { exchange: ex, problems };
  });
  const authed = seen.filter((ex) => ex.withToken);
  const example = authed.find((ex) => ex.envelope !== undefined);
  const stamp = example?.envelope?.timestamp;
  const what =
    `success answers with status, data, request_id, auth_token; ${authed.length} to authenticated requests ` +
    `also with node, version, timestamp${typeof stamp === 'string' ? ` (e.g. ${stamp})` : ''}`;
  return verdict(findings, seen.length, what, example);
}

export function checkErrorEnvelope(probe: Probe): CheckOutcome {
  const seen = answers(probe).filter((ex) => ex.status >= 400);
  if (seen.length === 0) return skip('no error answer to look at');
  const findings = seen.map((ex): Finding => {
    const env = ex.envelope;
    if (env === undefined) return { exchange: ex, problems: ['the body is not a JSON object'] };
    const problems: string[] = [];
    if (env.status !== 'error') problems.push(`status ${compact(env.status)}`);
    if (env.error !== String(ex.status)) problems.push(`error ${compact(env.error)}, not "${ex.status}"`);
    if (!nonEmptyString(env.message)) problems.push('no message');
    if (!('data' in env)) problems.push('no data');
    if (!nonEmptyString(env.request_id)) problems.push('no request_id');
    return { exchange: ex, problems };
  });
  const statuses = [...new Set(seen.map((ex) => ex.status))].sort().join(', ');
  return verdict(
    findings,
    seen.length,
    `error answers (${statuses}) with status "error", error = the HTTP status, message, data, request_id`,
    seen[0],
  );
}

export function checkTokens(probe: Probe): CheckOutcome {
  const seen = answers(probe);
  if (seen.length === 0) return skip('no answer to look at');
  const findings = seen.map((ex): Finding => {
    const tokens = ex.envelope?.tokens;
    if (!isRecord(tokens)) return { exchange: ex, problems: ['no tokens'] };
    const problems: string[] = [];
    if (typeof tokens.consumed !== 'number') problems.push(`tokens.consumed ${compact(tokens.consumed)}`);
    if (typeof tokens.remaining !== 'number') problems.push(`tokens.remaining ${compact(tokens.remaining)}`);
    return { exchange: ex, problems };
  });
  const errors = seen.filter((ex) => ex.status >= 400).length;
  return verdict(
    findings,
    seen.length,
    `answers (${errors} of them errors) with tokens.consumed and tokens.remaining`,
    seen[0],
  );
}

export async function checkRequestIds(probe: Probe): Promise<CheckOutcome> {
  // One request without an id of ours: the server must make one up.
  await probe.send({
    method: 'GET',
    path: '/v2/support/routing/customer_clusters?page_size=1',
    noRequestId: true,
  });
  const seen = answers(probe);
  const findings = seen.map((ex): Finding => {
    const header = ex.headers['x-request-id'];
    const inBody = ex.envelope?.request_id;
    const problems: string[] = [];
    if (ex.sentRequestId !== undefined) {
      if (header !== ex.sentRequestId)
        problems.push(`X-Request-ID ${compact(header)}, sent ${ex.sentRequestId}`);
      if (ex.envelope !== undefined && inBody !== ex.sentRequestId) {
        problems.push(`request_id ${compact(inBody)}, sent ${ex.sentRequestId}`);
      }
    } else {
      if (!nonEmptyString(header)) problems.push('no X-Request-ID header');
      if (ex.envelope !== undefined && inBody !== header) {
        problems.push(`request_id ${compact(inBody)} differs from X-Request-ID ${compact(header)}`);
      }
    }
    return { exchange: ex, problems };
  });
  const echoed = seen.filter((ex) => ex.sentRequestId !== undefined).length;
  return verdict(
    findings,
    seen.length,
    `answers: ${echoed} echo the X-Request-ID sent (header and request_id), ${seen.length - echoed} sent without one got the server's own`,
    seen.at(-1),
  );
}

export function checkEtag(read: Exchange | undefined): CheckOutcome {
  if (read === undefined) return skip('no listed document could be read (see the read checks)');
  const revision = read.envelope?.revision;
  const etag = read.headers.etag;
  if (!nonEmptyString(revision)) {
    return fail(`${said(read)}: no revision in the envelope (ETag ${compact(etag)})`, read.requestId);
  }
  if (etag !== `"${revision}"`) {
    return fail(
      `${said(read)}: revision ${revision} but ETag ${compact(etag)}, expected "${revision}"`,
      read.requestId,
    );
  }
  return pass(`${said(read)}: revision ${revision}, ETag ${etag}`, read.requestId);
}
