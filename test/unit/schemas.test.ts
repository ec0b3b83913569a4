/**
 * The config schemas in schemas/: each compiles alone under ajv's strict mode, documents every
 * property for editors, and accepts the example config in config/.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  loadSchemas,
  RESOURCE_FOLDER_SCHEMAS,
  SCHEMA_KINDS,
  type SchemaKind,
} from '../../src/config/schemas.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const CONFIG_DIR = fileURLToPath(new URL('../../config/', import.meta.url));
const CONFIG_KINDS = ['customer-cluster', 'carrier-sbc', 'media-server', 'cluster', 'targets'] as const;
type ConfigKind = (typeof CONFIG_KINDS)[number];

const schemas = await loadSchemas();

/** A fresh strict ajv per schema, as the validator compiles them: no schema may lean on another. */
function compile(kind: SchemaKind): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schemas[kind]);
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON pointers of every property (and map value) schema without a description. */
function undocumented(node: unknown, at = '#'): string[] {
  if (!isNode(node)) return [];
  const missing: string[] = [];
  const needsDescription = (child: unknown, where: string) => {
    if (!isNode(child) || typeof child.description !== 'string' || child.description.trim() === '')
      missing.push(where);
  };
  for (const [key, value] of Object.entries(node)) {
    const where = `${at}/${key}`;
    if ((key === 'properties' || key === 'patternProperties' || key === '$defs') && isNode(value)) {
      for (const [name, child] of Object.entries(value)) {
        if (key !== '$defs') needsDescription(child, `${where}/${name}`);
        missing.push(...undocumented(child, `${where}/${name}`));
      }
    } else if (key === 'additionalProperties' && isNode(value)) {
      needsDescription(value, where);
      missing.push(...undocumented(value, where));
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => missing.push(...undocumented(item, `${where}/${i}`)));
    } else if (isNode(value) && key !== 'dependentRequired') {
      missing.push(...undocumented(value, where));
    }
  }
  return missing;
}

function exampleFiles(kind: ConfigKind): string[] {
  if (kind === 'targets') return ['targets.yaml'];
  const folder = Object.entries(RESOURCE_FOLDER_SCHEMAS).find(([, k]) => k === kind)?.[0] ?? '';
  return readdirSync(CONFIG_DIR + folder)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `${folder}/${f}`);
}

function readExample(file: string): { text: string; doc: unknown } {
  const text = readFileSync(CONFIG_DIR + file, 'utf8');
  return { text, doc: parseYaml(text) };
}

describe('schemas/', () => {
  it('has a file for every kind, with $schema 2020-12, its own $id and a title', () => {
    expect(Object.keys(schemas).sort()).toEqual([...SCHEMA_KINDS].sort());
    for (const kind of CONFIG_KINDS) {
      const schema = schemas[kind] as Node;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://kzops.dev/schemas/${kind}.schema.json`);
      expect(schema.title).toEqual(expect.any(String));
    }
  });

  it.each(CONFIG_KINDS)('%s compiles alone in strict mode', (kind) => {
    expect(() => compile(kind)).not.toThrow();
  });

  it.each(CONFIG_KINDS)('%s describes every property at every level', (kind) => {
    expect(undocumented(schemas[kind])).toEqual([]);
  });
});

describe('config/ examples', () => {
  for (const kind of CONFIG_KINDS) {
    const files = exampleFiles(kind);
    it(`has ${kind} examples`, () => expect(files.length).toBeGreaterThan(0));

    it.each(files)(`%s validates against ${kind}.schema.json and names it on line 1`, (file) => {
      const { text, doc } = readExample(file);
      const up = file.includes('/') ? '../../' : '../';
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${up}schemas/${kind}.schema.json`);
      const validate = compile(kind);
      expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
    });
  }
});

describe('what the schemas refuse', () => {
  const sbc = readExample('carrier_sbcs/sprint-east.yaml').doc as Node;
  const cluster = readExample('clusters/aa2b36ac6a5edb290159cd1298283322.yaml').doc as Node;
  const targets = readExample('targets.yaml').doc as Node;
  const rejects = (kind: ConfigKind, doc: unknown, keyword: string) => {
    const validate = compile(kind);
    expect(validate(doc)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword)).toContain(keyword);
  };

  it('an id field, an unknown field, a missing carrier', () => {
    rejects('carrier-sbc', { ...sbc, id: '5bc00000000000000000000000000001' }, 'additionalProperties');
    rejects('carrier-sbc', { ...sbc, location: { zone: 'east', contry: 'US' } }, 'additionalProperties');
    const { carrier: _carrier, ...noCarrier } = sbc;
    rejects('carrier-sbc', noCarrier, 'required');
  });

  it('a reference that is neither a key nor id:<32 hex>, a zone or direction outside the enum', () => {
    rejects('carrier-sbc', { ...sbc, mobile_media_server: 'NY2' }, 'pattern');
    rejects('carrier-sbc', { ...sbc, mobile_media_server: 'id:1234' }, 'pattern');
    rejects('carrier-sbc', { ...sbc, location: { zone: 'north' } }, 'enum');
    rejects('carrier-sbc', { ...sbc, call_directions: [{ direction: 'to_pstn' }] }, 'enum');
    const validate = compile('carrier-sbc');
    expect(validate({ ...sbc, mobile_media_server: `id:${'ab'.repeat(16)}` })).toBe(true);
  });

  it('SBC ips take IPv4 or IPv6, customer cluster ips IPv4 only', () => {
    expect(compile('carrier-sbc')({ ...sbc, ips: ['203.0.113.5', '2001:db8::5'] })).toBe(true);
    rejects('carrier-sbc', { ...sbc, ips: ['203.0.113.300'] }, 'format');
    rejects('customer-cluster', { name: 'x', ips: { inbound: { east: ['2001:db8::5'] } } }, 'format');
  });

  it('a cluster api_key in clear, or with both env and file', () => {
    rejects('cluster', { ...cluster, api_key: 'f00dfeed' }, 'type');
    rejects('cluster', { ...cluster, api_key: { env: 'A', file: '/run/key' } }, 'maxProperties');
    rejects('cluster', { ...cluster, api_key: { env: 'lower_case' } }, 'pattern');
    expect(compile('cluster')({ ...cluster, api_key: { file: '/run/secrets/key' } })).toBe(true);
  });

  it('a target url that is neither sim nor http(s), a bad protect entry, user login without a password', () => {
    const sandbox = (targets.targets as Node).sandbox as Node;
    const withSandbox = (changes: Node) => ({ ...targets, targets: { sandbox: { ...sandbox, ...changes } } });
    rejects('targets', withSandbox({ url: 'ftp://kazoo.example.net' }), 'pattern');
    rejects('targets', withSandbox({ protect: ['devices/abc'] }), 'pattern');
    rejects('targets', withSandbox({ max_change_percent: 150 }), 'maximum');
    rejects('targets', withSandbox({ api_key_env: undefined, user_env: 'KZOPS_USER' }), 'dependentRequired');
    rejects('targets', { ...targets, targets: { Sandbox: sandbox } }, 'pattern');
  });

  it('a rate_limit that is true, has an unknown field, or a bucket below one token', () => {
    const sandbox = (targets.targets as Node).sandbox as Node;
    const withSandbox = (changes: Node) => ({ ...targets, targets: { sandbox: { ...sandbox, ...changes } } });
    rejects('targets', withSandbox({ rate_limit: true }), 'const');
    rejects('targets', withSandbox({ rate_limit: { tokens: 100, burst: 5 } }), 'additionalProperties');
    rejects('targets', withSandbox({ rate_limit: { tokens: 0 } }), 'minimum');
    rejects('targets', withSandbox({ rate_limit: { per_second: 0 } }), 'exclusiveMinimum');
    expect(compile('targets')(withSandbox({ rate_limit: false }))).toBe(true);
    expect(compile('targets')(withSandbox({ rate_limit: { per_second: 50 } }))).toBe(true);
  });
});
