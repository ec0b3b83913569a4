/**
 * `kzops conformance`: runs the API's conventions as checks against one target and returns
 * what each found. Read-only unless `allowWrites` (a sandbox); see catalog.ts for the checks.
 *
 * A check that throws (the server did not answer) fails with the reason; the others still run.
 * Every detail is scrubbed of the target's secrets and of every token the server issued
 * before it leaves here.
 */
import type { ResolvedTarget } from '../../api/target.js';
import { connect } from '../connect.js';
import {
  CHECKS,
  type CheckName,
  type CheckOutcome,
  type ConformanceReport,
  fail,
  skip,
} from '../../core/conformance/catalog.js';
import {
  ROUTING_KINDS,
  checkBadPageSize,
  checkBadToken,
  checkDefaultPageSize,
  checkInvalidJson,
  checkLogin,
  checkMalformedKey,
  checkMethodNotAllowed,
  checkMissingDocument,
  checkNoToken,
  checkOptions,
  checkPaging,
  checkRateLimit,
  checkRead,
  checkUnknownKey,
  readListing,
  type Listing,
} from './checks.js';
import {
  checkErrorEnvelope,
  checkEtag,
  checkRequestIds,
  checkSuccessEnvelope,
  checkTokens,
} from './envelope-checks.js';
import { Probe, type Exchange, type ProbeOptions } from './probe.js';
import { WRITE_CHECKS, runWriteChecks } from './write-checks.js';

export interface ConformanceOptions {
  target: ResolvedTarget;
  /** How the report names the target. */
  name: string;
  /** Run the sandbox checks (creates, changes and deletes throwaway documents). */
  allowWrites: boolean;
  probe?: ProbeOptions;
}

export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const probe = new Probe(opts.target, opts.probe);
  const outcomes = new Map<CheckName, CheckOutcome>();
  const record = async (
    name: CheckName,
    run: () => Promise<CheckOutcome> | CheckOutcome,
  ): Promise<CheckOutcome> => {
    let outcome: CheckOutcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = fail(err instanceof Error ? err.message : String(err));
    }
    outcomes.set(name, outcome);
    return outcome;
  };

  try {
    await record('auth.login', () => checkLogin(probe));
    await record('auth.unknown-key', () => checkUnknownKey(probe));
    await record('auth.malformed-key', () => checkMalformedKey(probe));
    await record('auth.no-token', () => checkNoToken(probe));
    await record('auth.bad-token', () => checkBadToken(probe));
    await record('request.invalid-json', () => checkInvalidJson(probe));
    await record('request.options', () => checkOptions(probe));
    await record('request.method-not-allowed', () => checkMethodNotAllowed(probe));
    await record('request.missing-document', () => checkMissingDocument(probe));
    await record('request.bad-page-size', () => checkBadPageSize(probe));

    const listings: Listing[] = [];
    let read: Exchange | undefined;
    for (const kind of ROUTING_KINDS) {
      const paging = `paging.${kind}` as const;
      const reading = `read.${kind}` as const;
      if (probe.token === undefined) {
        await record(paging, () => skip('not run: no token (see auth.login)'));
        await record(reading, () => skip('not run: no token (see auth.login)'));
        continue;
      }
      let listing: Listing | undefined;
      await record(paging, async () => {
        listing = await readListing(probe, kind);
        return checkPaging(probe, listing);
      });
      if (listing) listings.push(listing);
      await record(reading, async () => {
        if (!listing) return skip('not run: the listing could not be read');
        const result = await checkRead(probe, listing);
        read ??= result.exchange;
        return result.outcome;
      });
    }
    await record('paging.default-size', () => checkDefaultPageSize(probe, listings));
    await record('envelope.etag', () => checkEtag(read));
    await record('rate-limit.tokens', () => checkRateLimit(probe));

    if (opts.allowWrites) await runWriteChecks(probe, record);
    else {
      const reason = 'not run: read-only (pass --allow-writes, against a sandbox)';
      for (const name of WRITE_CHECKS) await record(name, () => skip(reason));
    }

    // Last: they judge every answer of the run, the writes' included.
    await record('envelope.request-id', () => checkRequestIds(probe));
    await record('envelope.success', () => checkSuccessEnvelope(probe));
    await record('envelope.error', () => checkErrorEnvelope(probe));
    await record('envelope.tokens', () => checkTokens(probe));
  } finally {
    await probe.close();
  }

  const checks = CHECKS.map(({ name }) => {
    const outcome = outcomes.get(name) ?? skip('not run');
    const requestId = outcome.requestId === undefined ? undefined : probe.scrub(outcome.requestId);
    return { name, result: outcome.result, detail: probe.scrub(outcome.detail), requestId };
  });
  const count = (result: CheckOutcome['result']): number => checks.filter((c) => c.result === result).length;
  return {
    target: opts.name,
    url: opts.target.baseUrl,
    allowWrites: opts.allowWrites,
    checks,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
  };
}

/** `kzops conformance`: connects to the chosen target, runs the checks, and says whom it checked. */
export async function conformance(opts: {
  dir?: string | undefined;
  target?: string | undefined;
  allowWrites: boolean;
}): Promise<{ report: ConformanceReport; label: string; outcome: 'ok' | 'failure' }> {
  const conn = await connect({ dir: opts.dir, target: opts.target });
  try {
    const report = await runConformance({
      target: conn.client.target,
      name: conn.policy.name,
      allowWrites: opts.allowWrites,
    });
    return { report, label: conn.label, outcome: report.failed > 0 ? 'failure' : 'ok' };
  } finally {
    await conn.close();
  }
}
