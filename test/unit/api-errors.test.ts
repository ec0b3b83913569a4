import { describe, expect, it } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { KazooApiError, KazooProtocolError, OutcomeUnknownError } from '../../src/api/errors.js';
import { InvalidInputError, KzopsError } from '../../src/core/errors.js';
import { kazooError, ok, rejection, reply, stubSession, withAuth } from './api-stub.js';

const session = stubSession();

function setup(handler: Parameters<typeof withAuth>[0]): Promise<KazooClient> {
  return session.start(withAuth(handler));
}

const validation = {
  name: { required: { message: 'Field is required but missing' } },
  'ips.0': { format: { message: 'Value is not a valid IPv4 address', value: '1.2.3' } },
  api_key: { minLength: { message: 'String is too short', value: 'sup3r-s3cret' } },
  'voice.sip.password': { type: { message: 'Value is not a string', value: 12345 } },
};

describe('KazooApiError from an error envelope', () => {
  it('carries status, code, field errors and request id, and summarises them on one line', async () => {
    const c = await setup((_req, res) => {
      reply(res, 400, {
        status: 'error',
        error: '400',
        message: 'validation error',
        data: validation,
        request_id: '9f2c1a7be0d14b2c8e1f',
      });
    });
    const err = (await rejection(c.createCarrierSbc({ name: '', ips: ['1.2.3'] }))) as KazooApiError;
    expect(err).toBeInstanceOf(KazooApiError);
    expect(err).toBeInstanceOf(KzopsError);
    expect(err).toMatchObject({
      status: 400,
      apiCode: 'validation error',
      message: 'validation error',
      code: 'api_error',
      kind: 'api',
      method: 'PUT',
      path: '/v2/support/routing/carrier_sbcs',
      requestId: '9f2c1a7be0d14b2c8e1f',
      attempts: 1,
    });
    expect(err.fieldErrors?.['ips.0']).toEqual({
      format: { message: 'Value is not a valid IPv4 address', value: '1.2.3' },
    });
    expect(err.fieldErrors?.name).toEqual({ required: { message: 'Field is required but missing' } });
    expect(err.summary()).toBe(
      'PUT /v2/support/routing/carrier_sbcs: 400 validation error: ' +
        'api_key minLength (String is too short); ips.0 format (Value is not a valid IPv4 address); ' +
        'name required; voice.sip.password type (Value is not a string) (request 9f2c1a7b…)',
    );
  });

  it('never shows the values of secret fields, anywhere', async () => {
    const c = await setup((_req, res) => kazooError(res, 400, 'validation error', validation));
    const err = (await rejection(c.createCluster('c1', {} as never))) as KazooApiError;
    expect(err.fieldErrors?.api_key?.minLength?.value).toBe('<redacted>');
    expect(err.fieldErrors?.['voice.sip.password']?.type?.value).toBe('<redacted>');
    expect(err.fieldErrorLines()).toContain(
      'ips.0 format: Value is not a valid IPv4 address (value "1.2.3")',
    );
    const everything = [err.summary(), err.message, ...err.fieldErrorLines(), JSON.stringify(err)].join('\n');
    expect(everything).not.toContain('sup3r-s3cret');
    expect(everything).not.toContain('12345');
  });

  it('uses data.message as the human text, and keeps redacted details', async () => {
    const c = await setup((_req, res) =>
      kazooError(res, 404, 'bad_identifier', { message: 'bad identifier', cause: 'sbc-1', token: 'leak' }),
    );
    const err = (await rejection(c.getCarrierSbc('sbc-1'))) as KazooApiError;
    expect(err).toMatchObject({ status: 404, apiCode: 'bad_identifier', message: 'bad identifier' });
    expect(err.fieldErrors).toBeUndefined();
    expect(err.details).toEqual({ message: 'bad identifier', cause: 'sbc-1', token: '<redacted>' });
    expect(err.summary()).toBe(
      'GET /v2/support/routing/carrier_sbcs/sbc-1: 404 bad_identifier: bad identifier (request req-err)',
    );
  });

  it('turns a non-JSON error body into a KazooApiError with a short excerpt', async () => {
    const html = `<html><body><h1>502 Bad Gateway</h1>${'x'.repeat(500)}</body></html>`;
    const c = await setup((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end(html);
    });
    const err = (await rejection(c.getMediaServer('m1'))) as KazooApiError;
    expect(err).toBeInstanceOf(KazooApiError);
    expect(err.status).toBe(500);
    expect(err.apiCode).toBeUndefined();
    expect(err.bodyExcerpt?.startsWith('<html><body><h1>502 Bad Gateway</h1>')).toBe(true);
    expect(err.bodyExcerpt?.length).toBeLessThanOrEqual(201);
    expect(err.summary()).toMatch(
      /^GET \/v2\/support\/routing\/media_servers\/m1: 500 error: non-JSON response: <html>/,
    );
  });

  it('adds an auth-level hint to a bare 403', async () => {
    const c = await setup((_req, res) => kazooError(res, 403, 'forbidden'));
    const err = (await rejection(c.getMediaServer('m1'))) as KazooApiError;
    expect(err.hint).toContain('super_master');
  });

  it('adds no guess to a 403 that explains itself', async () => {
    const c = await setup((_req, res) =>
      kazooError(res, 403, 'forbidden', { message: 'the master cluster cannot be deleted' }),
    );
    const err = (await rejection(c.getMediaServer('m1'))) as KazooApiError;
    expect(err.message).toBe('the master cluster cannot be deleted');
    expect(err.hint).toBeUndefined();
  });

  it('reports a 2xx body that is not an envelope as a protocol error', async () => {
    const c = await setup((_req, res) => reply(res, 200, '<html>login</html>'));
    const err = await rejection(c.getMediaServer('m1'));
    expect(err).toBeInstanceOf(KazooProtocolError);
    expect((err as KazooProtocolError).summary()).toContain('not a JSON object');
  });
});

describe('OutcomeUnknownError', () => {
  it('says the server may or may not have applied it and to check before retrying', () => {
    const err = new OutcomeUnknownError({
      method: 'PUT',
      path: '/v2/support/routing/carrier_sbcs',
      attempts: 1,
      requestId: 'abc',
      reason: 'the connection was reset (ECONNRESET)',
    });
    expect(err.message).toContain('may or may not have applied it');
    expect(err.summary()).toContain('check before retrying');
    expect(err.hint).toMatch(/before retrying/);
    expect(err).toMatchObject({ code: 'outcome_unknown', kind: 'api' });
  });
});

describe('client-side validation', () => {
  it('rejects malformed months, naming the parameter, without a request', async () => {
    const c = await setup((_req, res) => ok(res, {}));
    for (const call of [
      () => c.getUsageAuditCsv('2026-11'),
      () => c.getUnknownNumbersUsageForMonth('202613'),
      () => c.getUsageAudit({ month: '2611' }),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).message).toMatch(/^month must be a month as YYYYMM/);
    }
    const from = (await rejection(c.getUnknownNumbersUsage({ from: '202611', to: 'x' }))) as Error;
    expect(from.message).toMatch(/^to must be a month/);
    const order = (await rejection(c.getUsageAudit({ from: '202612', to: '202611' }))) as Error;
    expect(order.message).toContain('must not be after');
    expect(session.stub?.requests).toHaveLength(0);
  });

  it('rejects empty ids instead of hitting the collection', async () => {
    const c = await setup((_req, res) => ok(res, {}));
    const err = await rejection(c.deleteCarrierSbc(''));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain('id must be a non-empty string');
    expect(await rejection(c.lookupSubscription({} as never))).toBeInstanceOf(InvalidInputError);
    expect(await rejection(c.importDevice('a1', { name: 'n' }))).toBeInstanceOf(InvalidInputError);
    expect(session.stub?.apiRequests()).toHaveLength(0);
  });
});
