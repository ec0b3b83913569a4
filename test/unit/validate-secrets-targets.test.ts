import { describe, expect, it } from 'vitest';
import { isSecretField, isSecretPath } from '../../src/core/validate/secrets.js';
import { CLUSTER, CLUSTER_ID, only, PAIR, validate, where, withCode, yaml } from './validate-helpers.js';

const SECRET = 'kzk-7f3a91c2e4b8d605';

describe('plain_secret', () => {
  it('accepts {env: NAME} and {file: PATH}', async () => {
    const file = await validate({
      [`clusters/${CLUSTER_ID}.yaml`]: CLUSTER.replace(
        'env: KZOPS_SANDBOX_CLUSTER_API_KEY',
        'file: /run/secrets/key',
      ),
    });
    expect(where(file.problems)).toEqual([]);
    expect(where((await validate({ [`clusters/${CLUSTER_ID}.yaml`]: CLUSTER })).problems)).toEqual([]);
  });

  it('reports a cluster api_key in clear at the value, and never repeats it', async () => {
    const result = await validate({
      [`clusters/${CLUSTER_ID}.yaml`]: CLUSTER.replace(
        '\n  env: KZOPS_SANDBOX_CLUSTER_API_KEY',
        ` ${SECRET}`,
      ),
    });
    // The schema's "must be a mapping" about the same field is dropped: plain_secret says more.
    expect(where(result.problems)).toEqual([`clusters/${CLUSTER_ID}.yaml:3:10 plain_secret`]);
    expect(result.problems[0]?.message).toContain('write {env: NAME}');
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.problems)).not.toContain(SECRET);
  });

  it('reports a number in clear too', async () => {
    const result = await validate({
      [`clusters/${CLUSTER_ID}.yaml`]: CLUSTER.replace(
        '\n  env: KZOPS_SANDBOX_CLUSTER_API_KEY',
        ' 123456789',
      ),
    });
    expect(withCode(result, 'plain_secret')).toHaveLength(1);
    expect(JSON.stringify(result.problems)).not.toContain('123456789');
  });

  it('finds a password written into targets.yaml, besides the unknown field', async () => {
    const result = await validate({
      'targets.yaml': yaml`
        targets:
          sandbox:
            url: sim
            password: ${SECRET}
      `,
    });
    expect(where(result.problems)).toEqual([
      'targets.yaml:4:5 unknown_field',
      'targets.yaml:4:15 plain_secret',
    ]);
    expect(result.problems[0]?.message).toContain('did you mean password_env?');
    expect(JSON.stringify(result.problems)).not.toContain(SECRET);
  });

  it('knows secret fields by exact name', () => {
    expect(isSecretField('api_key')).toBe(true);
    expect(isSecretField('password')).toBe(true);
    expect(isSecretField('api_key_env')).toBe(false);
    expect(isSecretPath(['api_key', 'env'])).toBe(true);
    expect(isSecretPath(['targets', 'a', 'url'])).toBe(false);
  });
});

describe('targets', () => {
  it('reports a default that names no target, with did you mean', async () => {
    const result = await validate({ 'targets.yaml': 'default: locl\ntargets:\n  local:\n    url: sim\n' });
    const p = only(result, 'unknown_target');
    expect(p).toMatchObject({ line: 1, col: 10, path: 'default' });
    expect(p.message).toBe(
      'default: no target named "locl" under targets; did you mean local? (targets: local)',
    );
  });

  it('accepts protect entries that name files in config, by key or id', async () => {
    const id = '8a901bea1d3297ef7d4c8d34809472c2';
    const result = await validate({
      ...PAIR,
      [`customer_clusters/${id}.yaml`]: 'name: K\n',
      'targets.yaml': `targets:\n  a:\n    url: sim\n    protect: [carrier_sbcs/sprint-east, customer_clusters/${id}]\n`,
    });
    expect(where(result.problems)).toEqual([]);
  });

  it('reports a protect entry that names nothing at the entry, with did you mean', async () => {
    const result = await validate({
      ...PAIR,
      'targets.yaml':
        'targets:\n  a:\n    url: sim\n    protect:\n      - media_servers/ny2\n      - carrier_sbcs/sprint-est\n',
    });
    const p = only(result, 'protect_unknown');
    expect(p).toMatchObject({ line: 6, col: 9, path: 'targets.a.protect.1' });
    expect(p.message).toContain(
      'no file carrier_sbcs/sprint-est.yaml in config; did you mean carrier_sbcs/sprint-east?',
    );
  });

  it('leaves a malformed protect entry to the schema', async () => {
    const result = await validate({
      'targets.yaml': 'targets:\n  a:\n    url: sim\n    protect: [sbcs/x]\n',
    });
    expect(result.problems.map((p) => p.code)).toEqual(['invalid_value']);
  });
});
