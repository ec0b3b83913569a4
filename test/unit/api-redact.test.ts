import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretPath, redactJson, redactUrl, shellQuote, toCurl } from '../../src/api/redact.js';

describe('redactJson', () => {
  it('masks secret keys at any depth, in arrays too, and leaves the input untouched', () => {
    const input = {
      data: {
        api_key: 'k1',
        name: 'n',
        voice: { sip: { username: 'u', password: 'p1' } },
        list: [{ token: 't1' }, { Secret: { nested: 's1' } }],
      },
      auth_token: 'at',
      credentials: 'c1',
    };
    const copy = structuredClone(input);
    expect(redactJson(input)).toEqual({
      data: {
        api_key: REDACTED,
        name: 'n',
        voice: { sip: { username: 'u', password: REDACTED } },
        list: [{ token: REDACTED }, { Secret: REDACTED }],
      },
      auth_token: REDACTED,
      credentials: REDACTED,
    });
    expect(input).toEqual(copy);
  });

  it('passes scalars and null through', () => {
    expect(redactJson(null)).toBeNull();
    expect(redactJson(3)).toBe(3);
    expect(redactJson('api_key')).toBe('api_key');
  });
});

describe('isSecretPath', () => {
  it('recognises secret segments of dotted paths', () => {
    expect(isSecretPath('voice.sip.password')).toBe(true);
    expect(isSecretPath('api_key')).toBe(true);
    expect(isSecretPath('ips.0')).toBe(false);
    expect(isSecretPath('password_hint')).toBe(false);
  });
});

describe('redactUrl', () => {
  it('masks auth_token and other secret query parameters, keeping the rest', () => {
    expect(redactUrl('http://h/v2/x?auth_token=abc&page_size=5&api_key=k#f')).toBe(
      `http://h/v2/x?auth_token=${REDACTED}&page_size=5&api_key=${REDACTED}#f`,
    );
    expect(redactUrl('http://h/v2/x?kazoo_cluster_id=c')).toBe('http://h/v2/x?kazoo_cluster_id=c');
  });

  it('masks a userinfo password', () => {
    expect(redactUrl('https://bob:pw@h/x')).toBe(`https://bob:${REDACTED}@h/x`);
  });
});

describe('toCurl', () => {
  it('builds a redacted, shell-quoted command', () => {
    const line = toCurl({
      method: 'put',
      url: 'http://h/v2/api_auth?auth_token=T0K',
      headers: { 'X-Auth-Token': 'T0K', 'Content-Type': 'application/json', Skip: undefined },
      body: JSON.stringify({ data: { api_key: 'K3Y', name: "Joe's" } }),
    });
    expect(line).toBe(
      `curl -sS -X PUT -H 'X-Auth-Token: ${REDACTED}' -H 'Content-Type: application/json' ` +
        `'http://h/v2/api_auth?auth_token=${REDACTED}' -d '{"data":{"api_key":"${REDACTED}","name":"Joe'\\''s"}}'`,
    );
    expect(line).not.toMatch(/T0K|K3Y/);
  });

  it('withholds a non-JSON body', () => {
    const line = toCurl({ method: 'POST', url: 'http://h/', body: 'password=hunter2' });
    expect(line).not.toContain('hunter2');
  });

  it('quotes so that a shell reads back the exact text', () => {
    const tricky = `it's "quoted" $HOME \`cmd\` \\ done`;
    const echoed = execFileSync('sh', ['-c', `printf %s ${shellQuote(tricky)}`], { encoding: 'utf8' });
    expect(echoed).toBe(tricky);
  });
});
