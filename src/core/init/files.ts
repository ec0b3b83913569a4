/**
 * What `kzops init` writes, as data: every file of a new config repository with its text.
 * The command reads the inputs that live in the package (the workflow templates, the
 * schemas), checks the files against the disk and writes them; deciding their content stays
 * here, free of I/O, so it is tested with plain strings.
 */
import {
  CARRIER_SBC_YAML,
  CLUSTER_YAML,
  CUSTOMER_CLUSTER_YAML,
  EXAMPLE_CLUSTER_ID,
  EXAMPLE_MEDIA_SERVER_KEY,
  EXAMPLE_SBC_KEY,
  GITIGNORE,
  MEDIA_SERVER_YAML,
  TARGETS_YAML,
  readme,
} from './templates.js';

/** The schemas a config repository's files name on their first line (sim-seed is kzops' own). */
export const INIT_SCHEMA_KINDS = [
  'targets',
  'customer-cluster',
  'carrier-sbc',
  'media-server',
  'cluster',
] as const;

/** The workflow templates kzops ships in `.github/workflow-templates/`. */
export const WORKFLOW_TEMPLATES = ['kzops-apply.yml', 'kzops-drift.yml', 'kzops-pr.yml'] as const;

/**
 * GitHub replaces this in a template's `branches:` when someone adds the workflow from the
 * Actions tab; init does the same, since it installs the templates directly.
 */
export const DEFAULT_BRANCH_PLACEHOLDER = '$default-branch';

/**
 * The action the templates call (`uses:`). kzops has no published location of its own, so
 * the templates name this placeholder, and init puts the one given with --action in its place.
 */
export const ACTION_PLACEHOLDER = 'kzops/kzops@v0';

/** `OWNER/REPO@REF` or `OWNER/REPO/PATH@REF`, as GitHub's `uses:` takes an action. */
export const ACTION_REF = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?@[A-Za-z0-9_./-]+$/;

export interface InitInput {
  /** Workflow templates by file name (`kzops-pr.yml`), as shipped; installed in .github/workflows/. */
  workflows: Readonly<Record<string, string>>;
  /** Schemas by kind (`carrier-sbc`), as shipped; copied to schemas/<kind>.schema.json. */
  schemas: Readonly<Record<string, string>>;
  /** The branch the apply workflow runs on. */
  defaultBranch: string;
  /** The kzops version writing the repository (named in its README). */
  version: string;
  /** What the workflows' `uses:` names (ACTION_REF); default the placeholder. */
  action?: string | undefined;
}

export interface InitFile {
  /** Relative to the new repository's root, with `/` separators. */
  path: string;
  text: string;
}

/** The files of a new config repository, sorted by path. */
export function initFiles(input: InitInput): InitFile[] {
  const files: InitFile[] = [
    { path: '.gitignore', text: GITIGNORE },
    { path: 'README.md', text: readme({ version: input.version, defaultBranch: input.defaultBranch }) },
    { path: 'config/targets.yaml', text: TARGETS_YAML },
    { path: `config/customer_clusters/${EXAMPLE_CLUSTER_ID}.yaml`, text: CUSTOMER_CLUSTER_YAML },
    { path: `config/carrier_sbcs/${EXAMPLE_SBC_KEY}.yaml`, text: CARRIER_SBC_YAML },
    { path: `config/media_servers/${EXAMPLE_MEDIA_SERVER_KEY}.yaml`, text: MEDIA_SERVER_YAML },
    { path: `config/clusters/${EXAMPLE_CLUSTER_ID}.yaml`, text: CLUSTER_YAML },
  ];
  for (const kind of INIT_SCHEMA_KINDS) {
    const text = input.schemas[kind];
    if (text === undefined) throw new Error(`initFiles: no ${kind} schema given`);
    files.push({ path: `schemas/${kind}.schema.json`, text });
  }
  for (const name of WORKFLOW_TEMPLATES) {
    const text = input.workflows[name];
    if (text === undefined) throw new Error(`initFiles: no ${name} workflow template given`);
    files.push({
      path: `.github/workflows/${name}`,
      text: text
        .replaceAll(DEFAULT_BRANCH_PLACEHOLDER, yamlScalar(input.defaultBranch))
        .replaceAll(ACTION_PLACEHOLDER, input.action ?? ACTION_PLACEHOLDER),
    });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A branch name as a YAML flow scalar: plain when it is safe, else double-quoted (JSON is YAML). */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) ? value : JSON.stringify(value);
}

/** The `$schema=` a file names on its first line (`# yaml-language-server: $schema=...`), if any. */
export function schemaComment(text: string): string | undefined {
  const first = text.split('\n', 1)[0] ?? '';
  return /^# yaml-language-server: \$schema=(\S+)$/.exec(first)?.[1];
}
