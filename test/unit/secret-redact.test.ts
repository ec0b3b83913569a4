/**
 * The secret registry and its scrubber (src/core/secret-registry.ts): values registered by
 * kind, found in every spelling, kept out of text, data and writes to a stream.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { redactJson, registerSecretsIn } from '../../src/api/redact.js';
import {
  forgetSecrets,
  hasSecrets,
  MIN_SECRET_LENGTH,
  registerSecret,
  registerSecretLeaves,
  revealValuesOnStdout,
  scrub,
  scrubValue,
  scrubWrites,
  SECRET_MARKER,
  spellings,
  valuesRevealedOnStdout,
} from '../../src/core/secret-registry.js';
import { setInput } from '../../src/core/support/input.js';

afterEach(() => forgetSecrets());

describe('registerSecret', () => {
  it('ignores values too short to scrub safely, and non-text values', () => {
    expect(MIN_SECRET_LENGTH).toBe(6);
    registerSecret('12345');
    registerSecret(true);
    registerSecret(null);
    registerSecret({ a: 'long enough value' });
    registerSecret(SECRET_MARKER);
    expect(hasSecrets()).toBe(false);
    expect(scrub('12345 true null')).toBe('12345 true null');
    registerSecret('123456');
    expect(scrub('pin 123456.')).toBe(`pin ${SECRET_MARKER}.`);
  });

  it('numbers count as their digits', () => {
    registerSecret(98765432123);
    expect(scrub('{"password":98765432123}')).toBe(`{"password":${SECRET_MARKER}}`);
  });

  it('registerSecretsIn takes every value under a secret-named key, at any depth', () => {
    registerSecretsIn({
      name: 'Front desk phone',
      voice: { sip: { username: 'frontdesk', password: 'sip-pass-1' } },
      list: [{ api_key: 'key-in-a-list' }, { token: 12345678 }],
      credentials: { inner: 'nested-under-credentials' },
      PassWD: 'mixed-case-name',
      private_key: 'pem-ish-value',
      api_key_env: 'NOT_A_SECRET_NAME',
    });
    const text = JSON.stringify({
      a: 'sip-pass-1 key-in-a-list 12345678 nested-under-credentials mixed-case-name pem-ish-value',
      b: 'Front desk phone frontdesk NOT_A_SECRET_NAME',
    });
    expect(scrub(text)).toBe(
      JSON.stringify({
        a: Array(6).fill(SECRET_MARKER).join(' '),
        b: 'Front desk phone frontdesk NOT_A_SECRET_NAME',
      }),
    );
  });

  it('registerSecretLeaves without names takes every leaf', () => {
    registerSecretLeaves({ a: ['leaf-one-1', { b: 'leaf-two-2' }], c: 42 });
    expect(scrub('leaf-one-1 leaf-two-2 42')).toBe(`${SECRET_MARKER} ${SECRET_MARKER} 42`);
  });

  it('--set input registers secret paths, and its errors (a bare integer that would lose digits) never quote them', () => {
    setInput(['voice.sip.password="set-secret-1"', 'name=plain-name-1']);
    expect(scrub('set-secret-1 plain-name-1')).toBe(`${SECRET_MARKER} plain-name-1`);
    expect(() => setInput(['voice.sip.password=123456789012345678901'])).toThrow(/<secret value>/);
    let message = '';
    try {
      setInput(['voice.sip.password=123456789012345678901']);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toContain('123456789012345678901');
    expect(scrub('123456789012345678901')).toBe(SECRET_MARKER);
  });
});

describe('scrub', () => {
  const SECRET = 'p@ss "word" & <more>|`x`/+?';

  it('replaces the value in each spelling: raw, JSON, URL, HTML, markdown, shell, and two deep', () => {
    registerSecret(SECRET);
    const cases = [
      SECRET,
      JSON.stringify(SECRET).slice(1, -1),
      JSON.stringify(JSON.stringify(SECRET)).slice(3, -3),
      encodeURIComponent(SECRET),
      encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
      SECRET.replace(/\|/g, '\\|'),
      SECRET.replace(/'/g, `'\\''`),
    ];
    for (const spelled of cases) {
      expect(spellings(SECRET)).toContain(spelled);
      expect(scrub(`before ${spelled} after`), spelled).toBe(`before ${SECRET_MARKER} after`);
    }
  });

  it('prefers the longest match, so a secret inside another leaves nothing behind', () => {
    registerSecret('abcdef');
    registerSecret('abcdef-ghijkl');
    expect(scrub('x abcdef-ghijkl y abcdef z')).toBe(`x ${SECRET_MARKER} y ${SECRET_MARKER} z`);
  });

  it('reveal lets values through but never credentials', () => {
    registerSecret('sip-password-value');
    registerSecret('the-api-key-value', 'credential');
    // A credential stays one when it is seen again as a value.
    registerSecret('the-api-key-value', 'value');
    const text = 'sip-password-value the-api-key-value';
    expect(scrub(text)).toBe(`${SECRET_MARKER} ${SECRET_MARKER}`);
    expect(scrub(text, { reveal: true })).toBe(`sip-password-value ${SECRET_MARKER}`);
  });

  it('scrubValue scrubs every string and key of a copy, leaving the JSON valid', () => {
    registerSecret('in"quotes"secret');
    const value = {
      error: 'echo {"password":"in\\"quotes\\"secret"}',
      'in"quotes"secret': [1, 'in"quotes"secret'],
    };
    const out = scrubValue(value);
    expect(out).toEqual({
      error: `echo {"password":"${SECRET_MARKER}"}`,
      [SECRET_MARKER]: [1, SECRET_MARKER],
    });
    expect(value.error).toContain('secret');
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('redactJson masks the names config validation treats as secret too', () => {
    expect(redactJson({ passwd: 'x', private_key: 'y', apikey: 'z', api_key_env: 'NAME' })).toEqual({
      passwd: SECRET_MARKER,
      private_key: SECRET_MARKER,
      apikey: SECRET_MARKER,
      api_key_env: 'NAME',
    });
  });
});

describe('scrubWrites', () => {
  function sink(): { stream: Writable; text: () => string; chunks: unknown[] } {
    const chunks: unknown[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    });
    return { stream, chunks, text: () => Buffer.concat(chunks as Buffer[]).toString('utf8') };
  }

  it('scrubs strings and UTF-8 bytes written later; passes chunks without secrets as they are', async () => {
    const { stream, text } = sink();
    scrubWrites(stream);
    scrubWrites(stream); // twice is once
    stream.write('before any secret: token-abc-123\n');
    registerSecret('token-abc-123', 'credential');
    stream.write('now: token-abc-123\n');
    stream.write(Buffer.from('bytes: token-abc-123 ü\n', 'utf8'));
    await new Promise<void>((resolve) => stream.write('last\n', 'utf8', () => resolve()));
    expect(text()).toBe(
      `before any secret: token-abc-123\nnow: ${SECRET_MARKER}\nbytes: ${SECRET_MARKER} ü\nlast\n`,
    );
  });

  it('stdout under --show-secrets: values pass, credentials do not', () => {
    const { stream, text } = sink();
    scrubWrites(stream, valuesRevealedOnStdout);
    registerSecret('device-sip-secret');
    registerSecret('target-api-key-1', 'credential');
    stream.write('device-sip-secret target-api-key-1\n');
    revealValuesOnStdout();
    stream.write('device-sip-secret target-api-key-1\n');
    expect(text()).toBe(`${SECRET_MARKER} ${SECRET_MARKER}\ndevice-sip-secret ${SECRET_MARKER}\n`);
  });
});
