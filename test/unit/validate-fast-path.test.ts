/**
 * The fast path reads files with js-yaml, the full path with `yaml`. They must agree: on the
 * value of every YAML file in this repository that both read, on generated documents, and on
 * the problems validation reports whichever path a file takes.
 */
import fc from 'fast-check';
import { load, CORE_SCHEMA } from 'js-yaml';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { contentStart } from '../../src/core/validate/fast-path.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/**
 * Values as the server would receive them: JSON. (The readers differ only where JSON cannot
 * tell: js-yaml reads `-0` as 0.)
 */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

/** The value `yaml` gives, or undefined when it reports an error. */
function viaYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return undefined;
  try {
    return asJson(doc.toJS({ maxAliasCount: 100 }));
  } catch {
    return undefined; // e.g. an alias without its anchor
  }
}

function viaJsYaml(text: string): unknown {
  try {
    return asJson(load(text, { schema: CORE_SCHEMA }));
  } catch {
    return undefined;
  }
}

describe('js-yaml and yaml read the same values', () => {
  const files = [...yamlFiles(join(REPO, 'config')), ...yamlFiles(join(REPO, 'test', 'fixtures'))];

  it('on every YAML file of the repository that both read', () => {
    let compared = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const [a, b] = [viaYaml(text), viaJsYaml(text)];
      if (a === undefined || b === undefined) continue;
      expect(b, file).toEqual(a);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('on generated documents, in block and flow style', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        'yes',
        'no',
        'on',
        'off',
        '0o17',
        '0x1F',
        '1e3',
        '~',
        'null',
        'True',
        '.inf',
        '2001:db8::1',
        '12:30',
      ),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), tie('map')),
      map: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tie('node'), { maxKeys: 5 }),
    }));
    fc.assert(
      fc.property(value.map, fc.boolean(), (doc, flow) => {
        const text = stringify(doc, flow ? { collectionStyle: 'flow' } : undefined);
        expect(viaJsYaml(text)).toEqual(viaYaml(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe('contentStart', () => {
  it("agrees with yaml's start of contents on every YAML file of the repository", () => {
    const files = [...yamlFiles(join(REPO, 'config')), ...yamlFiles(join(REPO, 'test', 'fixtures'))];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const doc = parseDocument(text);
      const start = doc.contents?.range?.[0];
      if (start === undefined || doc.errors.length > 0) continue;
      const before = text.slice(0, start);
      const line = before.split('\n').length;
      const col = start - before.lastIndexOf('\n');
      expect(contentStart(text), file).toEqual({ line, col });
    }
  });
});
