/**
 * `kzops conformance` as a service, in-process: against the simulator every check passes, with
 * and without writes, and the throwaway documents are gone afterwards; against a deviant proxy
 * in front of the simulator, each deviation makes the check that watches for it fail and no
 * other. The report validates against schemas/output/conformance.schema.json and never holds
 * the API key or a token.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/api/target.js';
import { SIM_API_KEYS } from '../../src/sim/keys.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  CHECKS,
  conformanceJson,
  type CheckName,
  type CheckResult,
  type ConformanceReport,
} from '../../src/core/conformance/catalog.js';
import { runConformance } from '../../src/services/conformance/run-conformance.js';
import { REPO } from './cli-harness.js';
import { startDeviantProxy, type Deviation, DEVIATIONS } from './deviant-proxy.js';

const KEY = SIM_API_KEYS.super_master;
const WRITE = CHECKS.map((c) => c.name).filter((n) => n.startsWith('write.'));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

async function sim(): Promise<SimHandle> {
  const handle = await startSim({ port: 0, log: () => undefined });
  cleanups.push(() => handle.close());
  return handle;
}

function check(url: string, allowWrites: boolean): Promise<ConformanceReport> {
  return runConformance({
    target: resolveTarget({ url }, { KZOPS_API_KEY: KEY }, 'lab'),
    name: 'lab',
    allowWrites,
    probe: { timeoutMs: 5000 },
  });
}

function results(report: ConformanceReport): Record<CheckName, CheckResult> {
  return Object.fromEntries(report.checks.map((c) => [c.name, c.result])) as Record<CheckName, CheckResult>;
}

/** The failing checks with their evidence: what a failed expectation should show. */
function failures(report: ConformanceReport): string {
  return report.checks
    .filter((c) => c.result === 'fail')
    .map((c) => `${c.name}: ${c.detail}`)
    .join('\n');
}

/** Routing documents by kind and id, with their names, from the simulator's own state. */
function routingDocs(handle: SimHandle): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const kind of ['customer_clusters', 'carrier_sbcs', 'media_servers'] as const) {
    for (const [id, doc] of Object.entries(handle.state[kind])) {
      out[`${kind}/${id}`] = typeof doc.name === 'string' ? doc.name : undefined;
    }
  }
  return out;
}

async function outputSchema(): Promise<(data: unknown) => boolean> {
  const schema = JSON.parse(
    await readFile(join(REPO, 'schemas', 'output', 'conformance.schema.json'), 'utf8'),
  ) as object;
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  return (data) => {
    const ok = validate(data);
    if (!ok) throw new Error(JSON.stringify(validate.errors, null, 2));
    return ok;
  };
}

describe('conformance against the simulator', () => {
  it('passes every read-only check and skips the write checks', async () => {
    const handle = await sim();
    const report = await check(handle.url, false);
    expect(failures(report)).toBe('');
    const byName = results(report);
    for (const name of WRITE) expect(byName[name]).toBe('skip');
    expect(report.skipped).toBe(WRITE.length);
    expect(report.passed).toBe(CHECKS.length - WRITE.length);
    // Read-only means read-only: nothing but auth PUTs and refused requests changed hands.
    const writes = handle.requests.filter(
      (r) => r.method !== 'GET' && r.method !== 'OPTIONS' && r.path !== '/v2/api_auth',
    );
    expect(writes.every((r) => r.status >= 400)).toBe(true);
  });

  it('passes every check with writes, and leaves no kzops-conformance document behind', async () => {
    const handle = await sim();
    const before = routingDocs(handle);
    const report = await check(handle.url, true);
    expect(failures(report)).toBe('');
    expect(report).toMatchObject({ passed: CHECKS.length, failed: 0, skipped: 0, allowWrites: true });
    expect(routingDocs(handle)).toEqual(before);
    // It did write: creates, replaces, patches and deletes reached the simulator.
    const methods = new Set(handle.requests.filter((r) => r.status < 300).map((r) => r.method));
    expect([...methods].sort()).toEqual(['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
  });

  it('prints JSON that matches schemas/output/conformance.schema.json, with request ids', async () => {
    const valid = await outputSchema();
    const handle = await sim();
    const json = conformanceJson(await check(handle.url, true));
    expect(valid(json)).toBe(true);
    expect(json.target).toBe('lab');
    expect(json.checks.map((c) => c.name)).toEqual(CHECKS.map((c) => c.name));
    const seen = new Set(handle.requests.map((r) => r.request_id));
    for (const c of json.checks)
      if (c.request_id !== undefined) expect(seen.has(c.request_id), c.name).toBe(true);
    expect(json.checks.filter((c) => c.request_id === undefined)).toEqual([]);
  });

  it('never shows the API key or a token, although the server echoes keys', async () => {
    const handle = await sim();
    const report = await check(handle.url, true);
    const text = JSON.stringify(report);
    expect(text).not.toContain(KEY);
    const tokens = handle.requests.map((r) => r.headers['x-auth-token']).filter((t) => t !== undefined);
    expect(tokens.length).toBeGreaterThan(10);
    for (const token of new Set(tokens)) {
      // The made-up token of auth.bad-token is ours to show; tokens the server issued are not.
      if (!token.includes('.')) continue;
      expect(text).not.toContain(token);
    }
    // The unknown key is a random one and is shown: it is the evidence.
    expect(report.checks.find((c) => c.name === 'auth.unknown-key')?.detail).toMatch(
      /unknown 64-hex key [0-9a-f]{64}/,
    );
  });

  it('waits out the 429s of an enforced bucket and reports them, with or without Retry-After', async () => {
    for (const retryAfter of [false, true]) {
      // The simulator's clock moves only when the probe waits: no real time is spent.
      const clock = { ms: Date.UTC(2026, 10, 27, 4, 39, 17) };
      const handle = await startSim({
        port: 0,
        rateLimit: 100,
        retryAfter,
        now: () => clock.ms,
        log: () => undefined,
      });
      cleanups.push(() => handle.close());
      const report = await runConformance({
        target: resolveTarget({ url: handle.url }, { KZOPS_API_KEY: KEY }, 'lab'),
        name: 'lab',
        allowWrites: true,
        probe: { sleep: (ms) => Promise.resolve(void (clock.ms += ms)) },
      });
      expect(failures(report)).toBe('');
      expect(handle.requests.some((r) => r.status === 429)).toBe(true);
      const detail = report.checks.find((c) => c.name === 'rate-limit.tokens')?.detail ?? '';
      expect(detail).toMatch(
        retryAfter
          ? /429 answers? waited out .*, [1-9]\d* with Retry-After/
          : /429 answers? waited out .*, 0 with Retry-After/,
      );
    }
  });

  it('fails auth.login and skips what needs a token when the key is wrong', async () => {
    const handle = await sim();
    const wrong = 'ab'.repeat(32);
    const report = await runConformance({
      target: resolveTarget({ url: handle.url }, { KZOPS_API_KEY: wrong }, 'lab'),
      name: 'lab',
      allowWrites: true,
    });
    const byName = results(report);
    expect(byName['auth.login']).toBe('fail');
    expect(byName['paging.carrier_sbcs']).toBe('skip');
    expect(byName['write.create-client-id']).toBe('skip');
    expect(JSON.stringify(report)).not.toContain(wrong);
  });
});

describe('conformance against a deviant server', () => {
  /** Which checks each deviation must fail (all of them passing against the simulator itself). */
  const CAUGHT_BY: Record<Deviation, { writes: boolean; checks: CheckName[] }> = {
    'unknown-key-401': { writes: false, checks: ['auth.unknown-key'] },
    'malformed-key-401': { writes: false, checks: ['auth.malformed-key'] },
    'no-token-403': { writes: false, checks: ['auth.no-token'] },
    'invalid-json-401': { writes: false, checks: ['request.invalid-json'] },
    'options-401': { writes: false, checks: ['request.options'] },
    'method-404': { writes: false, checks: ['request.method-not-allowed'] },
    'missing-doc-500': { writes: false, checks: ['request.missing-document'] },
    'bad-page-size-400': { writes: false, checks: ['request.bad-page-size'] },
    'drop-next-start-key': {
      writes: false,
      checks: ['paging.customer_clusters', 'paging.carrier_sbcs', 'paging.media_servers'],
    },
    'ignore-page-size': {
      writes: false,
      checks: [
        'paging.customer_clusters',
        'paging.carrier_sbcs',
        'paging.media_servers',
        'request.bad-page-size',
      ],
    },
    'drop-tokens': { writes: false, checks: ['envelope.tokens'] },
    'tokens-grow': { writes: false, checks: ['rate-limit.tokens'] },
    'timestamp-not-iso': { writes: false, checks: ['envelope.success'] },
    'error-as-number': { writes: false, checks: ['envelope.error'] },
    'new-request-id': { writes: false, checks: ['envelope.request-id'] },
    'drop-etag': { writes: false, checks: ['envelope.etag'] },
    'shallow-patch': {
      writes: true,
      checks: ['write.patch-deep-merge', 'write.patch-null', 'write.patch-empty-object'],
    },
    'arrays-merged': { writes: true, checks: ['write.patch-deep-merge'] },
    'empty-object-merged': { writes: true, checks: ['write.patch-empty-object'] },
    'null-ignored': { writes: true, checks: ['write.patch-null'] },
    'put-overwrites': { writes: true, checks: ['write.put-conflict'] },
    'delete-ignored': { writes: true, checks: ['write.delete', 'write.cleanup'] },
    'server-id-missing': { writes: true, checks: ['write.create-server-id'] },
  };

  let baseline: Record<CheckName, CheckResult>;
  beforeAll(async () => {
    const handle = await startSim({ port: 0, log: () => undefined });
    try {
      baseline = results(await check(handle.url, true));
    } finally {
      await handle.close();
    }
  });

  it('is transparent with no deviation: the same results as the simulator itself', async () => {
    const handle = await sim();
    const proxy = await startDeviantProxy(handle.url);
    cleanups.push(() => proxy.close());
    expect(results(await check(proxy.url, true))).toEqual(baseline);
  });

  it('has an expectation for every deviation', () => {
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...DEVIATIONS].sort());
  });

  it.each(DEVIATIONS.map((d) => [d, CAUGHT_BY[d].checks.join(', ')]))(
    '%s is caught by %s',
    async (deviation) => {
      const { writes, checks } = CAUGHT_BY[deviation];
      const handle = await sim();
      const proxy = await startDeviantProxy(handle.url, deviation);
      cleanups.push(() => proxy.close());
      const report = await check(proxy.url, writes);
      const byName = results(report);
      for (const name of checks) {
        expect(baseline[name], `${name} must pass against the simulator to prove anything`).toBe('pass');
        expect(byName[name], `${name} under ${deviation}`).toBe('fail');
      }
      // No other check fails that passes against the simulator (a skip is fine: not observable).
      const others = report.checks.filter(
        (c) => !checks.includes(c.name) && c.result === 'fail' && baseline[c.name] === 'pass',
      );
      expect(others.map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    },
  );
});
