/**
 * url_credentials: a target's URL must not hold a user name or password (they would sit in
 * git and in every log that prints the URL). The problem names the field and never repeats
 * the credentials, and neither does any output that shows the line.
 */
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/core/validate/index.js';
import { redactLine, renderProblemsGithub, renderProblemsText } from '../../src/render/problems.js';
import { configFiles, PAIR, shippedSchemas, validate, where, yaml } from './validate-helpers.js';

const PASSWORD = 'Tr0ub4dor-kzops-77';

function targetsWith(url: string): string {
  return yaml`
    default: prod
    targets:
      prod:
        url: ${url}
        api_key_env: KZOPS_PROD_API_KEY
  `;
}

describe('url_credentials', () => {
  it('reports user:password@ in a target URL at the value, without the password', async () => {
    const targets = targetsWith(`https://admin:${PASSWORD}@kazoo.example.net:8443`);
    const result = await validate({ ...PAIR, 'targets.yaml': targets });
    expect(where(result.problems)).toEqual(['targets.yaml:4:10 url_credentials']);
    const [p] = result.problems;
    expect(p?.path).toBe('targets.prod.url');
    expect(p?.message).toBe(
      'targets.prod.url: the URL holds credentials (before the @); remove them and name the variables that hold them instead: api_key_env, or user_env and password_env',
    );
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.problems)).not.toContain(PASSWORD);
    expect(JSON.stringify(result.problems)).not.toContain('admin');
  });

  it('reports a user name alone, and credentials in a URL that is malformed besides', async () => {
    for (const url of ['https://admin@kazoo.example.net', `'https://admin:${PASSWORD}@kazoo example'`]) {
      const result = await validate({ ...PAIR, 'targets.yaml': targetsWith(url) });
      expect(where(result.problems), url).toEqual(['targets.yaml:4:10 url_credentials']);
      expect(JSON.stringify(result.problems)).not.toContain(PASSWORD);
    }
  });

  it('accepts URLs without credentials, and sim', async () => {
    for (const url of ['https://kazoo.example.net:8443', 'http://10.0.0.5:8000/v2', 'sim']) {
      const result = await validate({ ...PAIR, 'targets.yaml': targetsWith(url) });
      expect(where(result.problems), url).toEqual([]);
    }
  });

  it('is a problem of the file itself, so commands that read targets.yaml alone refuse it too', async () => {
    const outcome = checkFile(
      { path: 'targets.yaml', text: targetsWith(`https://admin:${PASSWORD}@kazoo.example.net`) },
      await shippedSchemas(),
    );
    expect([...outcome.problems, ...outcome.schemaProblems].map((p) => p.code)).toEqual(['url_credentials']);
  });

  it('the source line under the problem is shown with the credentials masked', async () => {
    const files = configFiles({
      ...PAIR,
      'targets.yaml': targetsWith(`https://admin:${PASSWORD}@kazoo.example.net`),
    });
    const result = await validate({
      ...PAIR,
      'targets.yaml': targetsWith(`https://admin:${PASSWORD}@kazoo.example.net`),
    });
    const text = renderProblemsText(result, files, { dir: 'config', color: false });
    expect(text).toContain('    4 |     url: https://********@kazoo.example.net\n');
    expect(text).toContain('      |          ^\n');
    expect(text).not.toContain(PASSWORD);
    expect(renderProblemsGithub(result, { dir: 'config' })).not.toContain(PASSWORD);
  });

  it('redactLine masks the user information of any URL', () => {
    expect(redactLine(`    url: https://u:${PASSWORD}@h.example.net:8443/v2 # prod`)).toBe(
      '    url: https://********@h.example.net:8443/v2 # prod',
    );
    expect(redactLine('api_url: "http://ops@10.0.0.1"')).toBe('api_url: "http://********@10.0.0.1"');
    expect(redactLine('    url: https://kazoo.example.net')).toBe('    url: https://kazoo.example.net');
  });

  it('a schema message that quotes a URL masks its credentials', async () => {
    const result = await validate({
      ...PAIR,
      'clusters/aa2b36ac6a5edb290159cd1298283322.yaml': yaml`
        mvno_id: kzops-sandbox-mvno
        api_url: 'http://ops:${PASSWORD}@sandbox example.net'
        api_key:
          env: KZOPS_SANDBOX_CLUSTER_API_KEY
        hosted_billing_account_id: 0123456789abcdef0123456789abcdef
      `,
    });
    expect(where(result.problems)).toEqual([
      'clusters/aa2b36ac6a5edb290159cd1298283322.yaml:2:10 invalid_format',
    ]);
    expect(result.problems[0]?.message).toContain('http://********@sandbox example.net');
    expect(JSON.stringify(result.problems)).not.toContain(PASSWORD);
  });
});
