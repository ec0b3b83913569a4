/**
 * The pieces of `kzops conformance` that need no server: the catalog against its published
 * schema, the JSON shape, the table, and the scrubbing of secrets.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { md5Credentials } from '../../src/api/auth.js';
import { renderConformanceText } from '../../src/render/conformance-text.js';
import { CHECKS, conformanceJson, type ConformanceReport } from '../../src/core/conformance/catalog.js';
import { Probe } from '../../src/services/conformance/probe.js';

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/output/conformance.schema.json', import.meta.url), 'utf8'),
) as { properties: { checks: { items: { properties: { name: { enum: string[] } } } } } };

function report(): ConformanceReport {
  return {
    target: 'lab',
    url: 'http://127.0.0.1:8000',
    allowWrites: false,
    checks: [
      { name: 'auth.login', result: 'pass', detail: 'PUT /v2/api_auth → 201', requestId: 'r-1' },
      { name: 'auth.unknown-key', result: 'fail', detail: 'PUT /v2/api_auth → 401', requestId: 'r-2' },
      { name: 'write.delete', result: 'skip', detail: 'not run: read-only' },
    ],
    passed: 1,
    failed: 1,
    skipped: 1,
  };
}

describe('the catalog and its schema', () => {
  it('names each check once, and the schema lists exactly those names in that order', () => {
    const names = CHECKS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(schema.properties.checks.items.properties.name.enum).toEqual(names);
  });

  it('compiles in strict mode and takes the JSON of a report, request_id left out when unknown', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    const json = conformanceJson(report());
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.checks[2]).toEqual({ name: 'write.delete', result: 'skip', detail: 'not run: read-only' });
    expect(Object.keys(json)).toEqual(['target', 'checks', 'passed', 'failed', 'skipped']);
  });

  it('refuses a result outside pass, fail and skip, and an unknown check', () => {
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const json = conformanceJson(report());
    expect(validate({ ...json, checks: [{ ...json.checks[0], result: 'ok' }] })).toBe(false);
    expect(validate({ ...json, checks: [{ ...json.checks[0], name: 'auth.nope' }] })).toBe(false);
  });
});

describe('renderConformanceText', () => {
  it('prints a header, one row per check with its request id, and the counts', () => {
    expect(renderConformanceText(report(), { color: false })).toBe(
      [
        'conformance of lab (read-only checks)',
        '',
        'CHECK             RESULT  EVIDENCE',
        'auth.login        pass    PUT /v2/api_auth → 201 [request r-1]',
        'auth.unknown-key  fail    PUT /v2/api_auth → 401 [request r-2]',
        'write.delete      skip    not run: read-only',
        '',
        '1 passed, 1 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });

  it('keeps the columns aligned when the results are coloured', () => {
    const plain = renderConformanceText(report(), { color: false });
    const colored = renderConformanceText(report(), { color: true, label: 'lab' });
    // eslint-disable-next-line no-control-regex -- stripping ANSI colour codes
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});

describe('Probe.scrub', () => {
  it("masks the target's API key wherever it appears", () => {
    const key = 'c0ffee00'.repeat(8);
    const probe = new Probe({ baseUrl: 'http://127.0.0.1:9', auth: { kind: 'api_key', apiKey: key } });
    expect(probe.scrub(`data ["${key}"] and ${key}`)).toBe('data ["<redacted>"] and <redacted>');
    void probe.close();
  });

  it('masks a user password and the md5 credentials sent for it', () => {
    const probe = new Probe({
      baseUrl: 'http://127.0.0.1:9',
      auth: { kind: 'user', username: 'support', password: 's3cret-pass', accountName: 'Acme' },
    });
    const sent = md5Credentials('support', 's3cret-pass');
    expect(probe.scrub(`password s3cret-pass, credentials ${sent}`)).toBe(
      'password <redacted>, credentials <redacted>',
    );
    expect(probe.scrub('support')).toBe('support');
    void probe.close();
  });
});
