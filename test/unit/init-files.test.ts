/**
 * The file plan of `kzops init` (src/core/init/files.ts), from the workflow templates and
 * schemas that really ship: what a new config repository contains, that its config is valid
 * as written (and with the commented real target switched on), that every file's schema line
 * points at a file of the repository, and that the workflows map the secrets it names.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  ACTION_PLACEHOLDER,
  ACTION_REF,
  DEFAULT_BRANCH_PLACEHOLDER,
  INIT_SCHEMA_KINDS,
  WORKFLOW_TEMPLATES,
  initFiles,
  schemaComment,
  type InitFile,
  type InitInput,
} from '../../src/core/init/files.js';
import {
  EXAMPLE_API_KEY_ENV,
  EXAMPLE_CLUSTER_ID,
  EXAMPLE_CLUSTER_KEY_ENV,
  EXAMPLE_MEDIA_SERVER_KEY,
  EXAMPLE_SBC_KEY,
} from '../../src/core/init/templates.js';
import { validateConfig, type ConfigFile } from '../../src/core/validate/index.js';
import { shippedSchemas } from './validate-helpers.js';

const REPO = join(import.meta.dirname, '..', '..');

function shippedInput(overrides: Partial<InitInput> = {}): InitInput {
  const workflows = Object.fromEntries(
    WORKFLOW_TEMPLATES.map((n) => [n, readFileSync(join(REPO, '.github', 'workflow-templates', n), 'utf8')]),
  );
  const schemas = Object.fromEntries(
    INIT_SCHEMA_KINDS.map((k) => [k, readFileSync(join(REPO, 'schemas', `${k}.schema.json`), 'utf8')]),
  );
  return { workflows, schemas, defaultBranch: 'main', version: '9.8.7', ...overrides };
}

const byPath = (files: InitFile[]) => new Map(files.map((f) => [f.path, f.text]));

/** The plan's config/ files as the validator reads them: paths relative to config/. */
function configOf(files: InitFile[]): ConfigFile[] {
  return files
    .filter((f) => f.path.startsWith('config/'))
    .map((f) => ({ path: f.path.slice('config/'.length), text: f.text }));
}

describe('initFiles', () => {
  it('writes the config, one example per kind, the schemas, the three workflows, a README and a .gitignore', () => {
    const files = initFiles(shippedInput());
    expect(files.map((f) => f.path)).toEqual([
      '.github/workflows/kzops-apply.yml',
      '.github/workflows/kzops-drift.yml',
      '.github/workflows/kzops-pr.yml',
      '.gitignore',
      'README.md',
      `config/carrier_sbcs/${EXAMPLE_SBC_KEY}.yaml`,
      `config/clusters/${EXAMPLE_CLUSTER_ID}.yaml`,
      `config/customer_clusters/${EXAMPLE_CLUSTER_ID}.yaml`,
      `config/media_servers/${EXAMPLE_MEDIA_SERVER_KEY}.yaml`,
      'config/targets.yaml',
      'schemas/carrier-sbc.schema.json',
      'schemas/cluster.schema.json',
      'schemas/customer-cluster.schema.json',
      'schemas/media-server.schema.json',
      'schemas/targets.schema.json',
    ]);
    const text = byPath(files);
    expect(text.get('.gitignore')).toMatch(/^\.kzops\/$/m);
    // The schemas are copied as shipped, byte for byte.
    expect(text.get('schemas/carrier-sbc.schema.json')).toBe(
      readFileSync(join(REPO, 'schemas', 'carrier-sbc.schema.json'), 'utf8'),
    );
    expect(text.get('README.md')).toContain('kzops 9.8.7');
  });

  it('produces a config that validates with no problem at all, the simulator as its default target', async () => {
    const files = initFiles(shippedInput());
    const result = validateConfig(configOf(files), await shippedSchemas());
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.resources.map((r) => `${r.kind}/${r.key}`).sort()).toEqual([
      `carrier_sbcs/${EXAMPLE_SBC_KEY}`,
      `clusters/${EXAMPLE_CLUSTER_ID}`,
      `customer_clusters/${EXAMPLE_CLUSTER_ID}`,
      `media_servers/${EXAMPLE_MEDIA_SERVER_KEY}`,
    ]);
    expect(result.targets).toMatchObject({ default: 'local', targets: { local: { url: 'sim' } } });
    // The examples point at each other, so a plan shows references at work.
    const doc = (kind: string) =>
      result.resources.find((r) => r.kind === kind)?.doc as Record<string, unknown>;
    expect(doc('carrier_sbcs').mobile_media_server).toBe(EXAMPLE_MEDIA_SERVER_KEY);
    expect(doc('media_servers').carrier_sbc_priority).toEqual({ sprint: [EXAMPLE_SBC_KEY] });
    expect(doc('clusters').api_key).toEqual({ env: EXAMPLE_CLUSTER_KEY_ENV });
  });

  it('comments out a real target that validates, every field included, once switched on', async () => {
    const files = initFiles(shippedInput());
    const targets = byPath(files).get('config/targets.yaml') ?? '';
    // Uncomment the block under `# sandbox:` (each line `  # ` + its YAML).
    const lines = targets.split('\n');
    const start = lines.findIndex((l) => l === '  # sandbox:');
    expect(start).toBeGreaterThan(0);
    const enabled = [
      ...lines.slice(0, start),
      ...lines.slice(start).map((l) => (l.startsWith('  # ') ? `  ${l.slice(4)}` : l)),
    ].join('\n');
    const config = configOf(files).map((f) => (f.path === 'targets.yaml' ? { ...f, text: enabled } : f));
    const result = validateConfig(config, await shippedSchemas());
    expect(result.problems).toEqual([]);
    const sandbox = (result.targets as { targets: Record<string, Record<string, unknown>> }).targets.sandbox;
    expect(Object.keys(sandbox ?? {}).sort()).toEqual([
      'api_key_env',
      'cluster_id',
      'master_cluster_id',
      'max_change_percent',
      'protect',
      'rate_limit',
      'url',
    ]);
    expect(sandbox?.api_key_env).toBe(EXAMPLE_API_KEY_ENV);
  });

  it('points the first line of every config file at a schema the repository holds', () => {
    const files = initFiles(shippedInput());
    const paths = new Set(files.map((f) => f.path));
    const yamlFiles = files.filter((f) => f.path.endsWith('.yaml'));
    expect(yamlFiles).toHaveLength(5);
    for (const file of yamlFiles) {
      const ref = schemaComment(file.text);
      expect(ref, file.path).toBeDefined();
      expect(paths, `${file.path} names ${ref}`).toContain(posix.join(posix.dirname(file.path), ref ?? ''));
    }
    const kind = (path: string) => schemaComment(byPath(files).get(path) ?? '');
    expect(kind(`config/carrier_sbcs/${EXAMPLE_SBC_KEY}.yaml`)).toBe('../../schemas/carrier-sbc.schema.json');
    expect(kind('config/targets.yaml')).toBe('../schemas/targets.schema.json');
  });

  it("installs the workflow templates with $default-branch replaced by the repository's branch", () => {
    const input = shippedInput({ defaultBranch: 'trunk' });
    expect(input.workflows['kzops-apply.yml']).toContain(`branches: [${DEFAULT_BRANCH_PLACEHOLDER}]`);
    const text = byPath(initFiles(input));
    expect(text.get('.github/workflows/kzops-apply.yml')).toContain('branches: [trunk]');
    for (const name of WORKFLOW_TEMPLATES) {
      const installed = text.get(`.github/workflows/${name}`) ?? '';
      expect(installed).not.toContain(DEFAULT_BRANCH_PLACEHOLDER);
      expect(installed.replaceAll('trunk', DEFAULT_BRANCH_PLACEHOLDER)).toBe(input.workflows[name]);
    }
    expect(text.get('README.md')).toContain('Merge to `trunk`');
    // A branch name YAML would misread is quoted.
    const odd = byPath(initFiles(shippedInput({ defaultBranch: 'a,b' })));
    const apply = parse(odd.get('.github/workflows/kzops-apply.yml') ?? '') as {
      on: { push: { branches: string[] } };
    };
    expect(apply.on.push.branches).toEqual(['a,b']);
  });

  it('puts the action given in place of the placeholder in every workflow, and keeps the placeholder without one', () => {
    const plain = byPath(initFiles(shippedInput()));
    const pinned = byPath(initFiles(shippedInput({ action: 'my-org/kzops@v1.2.0' })));
    for (const name of WORKFLOW_TEMPLATES) {
      const shipped = shippedInput().workflows[name] ?? '';
      expect(shipped, name).toContain(`uses: ${ACTION_PLACEHOLDER}`);
      expect(plain.get(`.github/workflows/${name}`)).toContain(`uses: ${ACTION_PLACEHOLDER}`);
      const installed = pinned.get(`.github/workflows/${name}`) ?? '';
      expect(installed).not.toContain(ACTION_PLACEHOLDER);
      expect(installed).toContain('uses: my-org/kzops@v1.2.0');
    }
    for (const good of ['my-org/kzops@v1', 'o/r/sub/dir@main', 'O.rg/R_e-po@0123abcd']) {
      expect(ACTION_REF.test(good), good).toBe(true);
    }
    for (const bad of [
      'kzops@v1',
      'my-org/kzops',
      'my-org/kzops@',
      'a b/c@d',
      'o/r@v1\nrun: x',
      '$(x)/y@z',
    ]) {
      expect(ACTION_REF.test(bad), bad).toBe(false);
    }
  });

  it('maps, in every workflow, the secrets the example config names', () => {
    const text = byPath(initFiles(shippedInput()));
    for (const name of WORKFLOW_TEMPLATES) {
      const workflow = text.get(`.github/workflows/${name}`) ?? '';
      for (const env of [EXAMPLE_API_KEY_ENV, EXAMPLE_CLUSTER_KEY_ENV]) {
        expect(workflow, `${name} maps ${env}`).toContain(`${env}: \${{ secrets.${env} }}`);
      }
    }
    for (const env of [EXAMPLE_API_KEY_ENV, EXAMPLE_CLUSTER_KEY_ENV]) {
      expect(text.get('README.md')).toContain(env);
    }
  });

  it('fails loudly when a template or a schema is missing (a broken installation)', () => {
    const input = shippedInput();
    const { ['kzops-drift.yml']: _drift, ...workflows } = input.workflows;
    expect(() => initFiles({ ...input, workflows })).toThrow('no kzops-drift.yml workflow template');
    const { cluster: _cluster, ...schemas } = input.schemas;
    expect(() => initFiles({ ...input, schemas })).toThrow('no cluster schema');
  });
});
