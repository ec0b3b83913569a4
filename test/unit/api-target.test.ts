import { describe, expect, it } from 'vitest';
import { resolveTarget, type Target } from '../../src/api/target.js';
import { ConfigError } from '../../src/core/errors.js';

const CLUSTER = '0123456789abcdef0123456789abcdef';
const base: Target = { url: 'https://kazoo.example.com:8443', api_key_env: 'KZOPS_SANDBOX_API_KEY' };
const env = { KZOPS_SANDBOX_API_KEY: 'secret-key-value' };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveTarget', () => {
  it('resolves url, cluster id and api key from the configured variable', () => {
    const t = resolveTarget({ ...base, cluster_id: CLUSTER }, env, 'sandbox');
    expect(t).toEqual({
      name: 'sandbox',
      baseUrl: 'https://kazoo.example.com:8443',
      clusterId: CLUSTER,
      auth: {
        kind: 'api_key',
        apiKey: 'secret-key-value',
        source: 'environment variable KZOPS_SANDBOX_API_KEY',
      },
    });
  });

  it.each([
    ['https://k.example.com/v2', 'https://k.example.com'],
    ['https://k.example.com/v2/', 'https://k.example.com'],
    ['https://k.example.com/', 'https://k.example.com'],
    ['http://k.example.com:8000/kazoo/v2/', 'http://k.example.com:8000/kazoo'],
    ['https://k.example.com/v2x', 'https://k.example.com/v2x'],
  ])('normalises %s to %s', (url, expected) => {
    expect(resolveTarget({ ...base, url }, env).baseUrl).toBe(expected);
  });

  it('lets KZOPS_URL, KZOPS_API_KEY and KZOPS_CLUSTER_ID override the configuration', () => {
    const t = resolveTarget(
      { ...base, cluster_id: CLUSTER },
      {
        ...env,
        KZOPS_URL: 'http://127.0.0.1:9000/v2',
        KZOPS_API_KEY: 'override-key',
        KZOPS_CLUSTER_ID: 'FEDCBA9876543210FEDCBA9876543210',
      },
    );
    expect(t.baseUrl).toBe('http://127.0.0.1:9000');
    expect(t.auth).toMatchObject({ kind: 'api_key', apiKey: 'override-key' });
    expect(t.clusterId).toBe('FEDCBA9876543210FEDCBA9876543210');
  });

  it('KZOPS_API_KEY wins even over user credentials, and does not need the configured variable', () => {
    const t = resolveTarget({ url: base.url, user_env: 'U', password_env: 'P' }, { KZOPS_API_KEY: 'k' });
    expect(t.auth).toMatchObject({ kind: 'api_key', apiKey: 'k' });
  });

  it('names the missing variable without revealing anything', () => {
    const err = configError(() => resolveTarget(base, {}, 'sandbox'));
    expect(err.message).toBe('target sandbox: environment variable KZOPS_SANDBOX_API_KEY is not set');
    expect(err.hint).toContain('KZOPS_SANDBOX_API_KEY');
    expect(err.kind).toBe('user');
    expect(err.code).toBe('config_invalid');
  });

  it('treats an empty variable as unset', () => {
    expect(configError(() => resolveTarget(base, { KZOPS_SANDBOX_API_KEY: '' })).message).toContain(
      'KZOPS_SANDBOX_API_KEY is not set',
    );
  });

  it('refuses a secret pasted into api_key_env without echoing it', () => {
    const pasted = 'a1b2-c3d4+e5f6/secret';
    const err = configError(() => resolveTarget({ ...base, api_key_env: pasted }, {}, 'prod'));
    expect(err.message).toBe('target prod: api_key_env must be the name of an environment variable');
    expect(`${err.message} ${err.hint}`).not.toContain(pasted);
  });

  it('resolves user credentials', () => {
    const t = resolveTarget(
      { url: base.url, user_env: 'KZ_USER', password_env: 'KZ_PASS', account_name: 'acme' },
      { KZ_USER: 'alice', KZ_PASS: 'pw' },
    );
    expect(t.auth).toEqual({
      kind: 'user',
      username: 'alice',
      password: 'pw',
      accountName: 'acme',
      source: 'environment variables KZ_USER and KZ_PASS',
    });
  });

  it('requires every piece of user credentials', () => {
    const user = { url: base.url, user_env: 'KZ_USER', password_env: 'KZ_PASS', account_name: 'acme' };
    const vars = { KZ_USER: 'alice', KZ_PASS: 'pw-secret' };
    expect(configError(() => resolveTarget({ ...user, account_name: undefined }, vars, 'x')).message).toBe(
      'target x: account_name is required with user_env/password_env',
    );
    expect(configError(() => resolveTarget({ ...user, password_env: undefined }, vars, 'x')).message).toBe(
      'target x: password_env is not set',
    );
    const missing = configError(() => resolveTarget(user, { KZ_USER: 'alice' }, 'x'));
    expect(missing.message).toBe('target x: environment variable KZ_PASS is not set');
  });

  it('rejects both kinds of credentials at once, and none at all', () => {
    expect(configError(() => resolveTarget({ ...base, user_env: 'U' }, env)).message).toContain('not both');
    const none = configError(() => resolveTarget({ url: base.url }, {}, 'lab'));
    expect(none.message).toBe('target lab: no credentials configured');
    expect(none.hint).toContain('KZOPS_API_KEY');
  });

  it('validates the url', () => {
    expect(configError(() => resolveTarget({ ...base, url: '' }, env, 's')).message).toBe(
      'target s: url is not set',
    );
    expect(configError(() => resolveTarget({ ...base, url: 'ftp://x' }, env)).message).toContain(
      'must use http or https',
    );
    expect(configError(() => resolveTarget({ ...base, url: 'not a url' }, env)).message).toBe(
      'target: url (from field url) is not a valid URL',
    );
    expect(configError(() => resolveTarget(base, { ...env, KZOPS_URL: 'nope' })).message).toContain(
      'from environment variable KZOPS_URL',
    );
  });

  it('refuses credentials in the url without echoing them', () => {
    const err = configError(() =>
      resolveTarget({ ...base, url: 'https://admin:hunter2@k.example.com' }, env),
    );
    expect(err.message).toContain('must not contain credentials');
    expect(err.message).not.toContain('hunter2');
  });

  it('validates cluster_id as 32 hex characters', () => {
    const err = configError(() => resolveTarget({ ...base, cluster_id: 'abc123' }, env, 'sandbox'));
    expect(err.message).toBe(
      'target sandbox: cluster_id (from field cluster_id) must be 32 hexadecimal characters, got "abc123"',
    );
    const fromEnv = configError(() => resolveTarget(base, { ...env, KZOPS_CLUSTER_ID: `${CLUSTER}0` }));
    expect(fromEnv.message).toContain('environment variable KZOPS_CLUSTER_ID');
    expect(resolveTarget(base, env).clusterId).toBeUndefined();
  });
});
