/**
 * Every command that prints `--json` has a JSON Schema in schemas/output/, and what it prints
 * matches it: each command runs once (the built CLI, as a user runs it) against one simulator,
 * in an order that leaves each the state it needs, and its stdout is validated with ajv.
 * `npm test` builds dist/ first; run `npm run build` before running this file alone.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_IDS, SEED_NUMBERS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  REPO,
  requireBuilt,
  runKzops,
  SIM_SUPER_MASTER_KEY,
  writeLabTargets,
} from './cli-harness.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const OUTPUT = join(REPO, 'schemas', 'output');
const COMMANDS = join(REPO, 'dist', 'commands');
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const { accounts, devices, subscriptions, ports } = SEED_IDS;

/** `lock/status.js` → `lock status`. */
function commandIds(): string[] {
  return readdirSync(COMMANDS, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -'.js'.length).split(/[\\/]/).join(' '))
    .sort();
}

/** `lock status` → `schemas/output/lock-status.schema.json`. */
const schemaFile = (id: string) => join(OUTPUT, `${id.replaceAll(' ', '-')}.schema.json`);

/** Whether the built command accepts `--json` (oclif's enableJsonFlag, inherited from BaseCommand). */
async function hasJsonFlag(id: string): Promise<boolean> {
  const url = pathToFileURL(join(COMMANDS, ...id.split(' ')) + '.js').href;
  const mod = (await import(url)) as { default: { enableJsonFlag?: boolean } };
  return mod.default.enableJsonFlag === true;
}

/**
 * One run per case, in this order (later cases rely on earlier ones: drift after apply, the
 * subscription moved before it is deleted). `id` names the command (and so its schema).
 */
interface Case {
  id: string;
  args: string[];
  /** A name for the run when a command runs more than once (other output shapes). */
  label?: string;
  /** Exit code expected (default 0). */
  code?: number;
}

const CASES: Case[] = [
  { id: 'validate', args: ['validate'] },
  { id: 'graph', args: ['graph'] },
  { id: 'schema', args: ['schema', 'carrier-sbc'] },
  { id: 'init', args: ['init', 'INIT_DIR', '--no-git'] },
  { id: 'plan', args: ['plan'] },
  { id: 'apply', args: ['apply', '--yes'] },
  { id: 'drift', args: ['drift'] },
  { id: 'export', args: ['export', '--dry-run'] },
  { id: 'lock status', args: ['lock', 'status'] },
  { id: 'lock release', args: ['lock', 'release'] },
  { id: 'routing list', args: ['routing', 'list', 'carrier-sbcs'] },
  { id: 'routing get', args: ['routing', 'get', 'carrier-sbcs', SEED_IDS.carrierSbcs.east] },
  { id: 'conformance', args: ['conformance'] },
  { id: 'numbers device', args: ['numbers', 'device', SEED_NUMBERS.joe.mdn] },
  {
    id: 'numbers subscription',
    args: ['numbers', 'subscription', SEED_NUMBERS.joe.mdn, '--carrier', 'sprint'],
  },
  { id: 'devices subscription', args: ['devices', 'subscription', SEED_NUMBERS.joe.esn] },
  {
    id: 'devices import',
    args: ['devices', 'import', accounts.joe, '--esn', SEED_NUMBERS.pendingByEsn.esn, '--carrier', 'sprint'],
  },
  {
    id: 'devices patch',
    args: ['devices', 'patch', accounts.joe, devices.joe, '--set', 'name="Joe mobile"'],
  },
  {
    id: 'devices patch',
    label: 'devices patch --dry-run',
    args: ['devices', 'patch', accounts.joe, devices.joe, '--set', 'name="Joe"', '--dry-run'],
  },
  { id: 'subscriptions lookup', args: ['subscriptions', 'lookup', '--mdn', SEED_NUMBERS.joe.mdn] },
  {
    id: 'subscriptions import',
    args: ['subscriptions', 'import', accounts.joe, '--mdn', SEED_NUMBERS.pendingByMdn.mdn],
  },
  {
    id: 'subscriptions patch',
    args: ['subscriptions', 'patch', accounts.joe, subscriptions.joe, '--set', 'plan="P3"'],
  },
  {
    id: 'subscriptions patch',
    label: 'subscriptions patch --from-csv',
    args: ['subscriptions', 'patch', '--from-csv', 'PATCH_CSV', '--yes'],
  },
  {
    id: 'subscriptions move',
    args: [
      'subscriptions',
      'move',
      accounts.joe,
      subscriptions.joe,
      '--to-account',
      accounts.hotspot,
      '--mdn',
      SEED_NUMBERS.joe.mdn,
      '--yes',
    ],
  },
  {
    id: 'subscriptions delete',
    args: [
      'subscriptions',
      'delete',
      accounts.hotspot,
      subscriptions.hotspot,
      '--mdn',
      SEED_NUMBERS.hotspot.mdn,
      '--cascade',
      '--yes',
    ],
  },
  { id: 'ports poll', args: ['ports', 'poll'] },
  { id: 'ports poll', label: 'ports poll --dry-run', args: ['ports', 'poll', '--dry-run'] },
  { id: 'ports status', args: ['ports', 'status', ports.joe, '--code', 'pending'] },
  { id: 'usage audit', args: ['usage', 'audit', '--from', '201611', '--to', '201612'] },
  { id: 'usage unknown-numbers', args: ['usage', 'unknown-numbers', '--month', '201611'] },
];

let sim: SimHandle;
let work: string;
let dir: string;
const checks = new Map<string, ValidateFunction>();
/** Schemas whose top level is a closed object: an unexpected key in the output must fail them. */
const closed = new Set<string>();

beforeAll(async () => {
  requireBuilt('validate');
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-output-schemas-'));
  dir = await freshExampleConfig(work);
  await writeLabTargets(dir, sim.url);
  await writeFile(
    join(work, 'patch.csv'),
    `account_id,subscription_id,plan\n${accounts.joe},${subscriptions.joe},P4\n`,
  );
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // All added first: apply's schema refers to plan's.
  const files = readdirSync(OUTPUT).filter((f) => f.endsWith('.schema.json'));
  for (const file of files) {
    const schema = JSON.parse(await readFile(join(OUTPUT, file), 'utf8')) as Record<string, unknown>;
    if (schema.additionalProperties === false) closed.add(file);
    ajv.addSchema(schema, file);
  }
  for (const file of files) {
    const check = ajv.getSchema(file);
    if (check === undefined) throw new Error(`ajv did not compile ${file}`);
    checks.set(file, check);
  }
});

afterAll(async () => {
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

describe('--json output schemas', () => {
  it('exist for every command that has --json, and every one is exercised below', async () => {
    const withJson: string[] = [];
    for (const id of commandIds()) if (await hasJsonFlag(id)) withJson.push(id);
    expect(withJson.length).toBeGreaterThan(20);
    const missing = withJson.filter((id) => !existsSync(schemaFile(id)));
    expect(missing, 'commands with --json but no schemas/output/<command>.schema.json').toEqual([]);
    expect([...new Set(CASES.map((c) => c.id))].sort()).toEqual(withJson);
    // No schema for a command that does not exist (or lost its --json).
    const schemas = readdirSync(OUTPUT).map((f) => join(OUTPUT, f));
    expect(schemas.sort()).toEqual(withJson.map(schemaFile).sort());
  });

  it('hold what each command prints', async () => {
    const failures: string[] = [];
    for (const c of CASES) {
      const args = c.args.map((a) =>
        a === 'INIT_DIR' ? join(work, 'init-here') : a === 'PATCH_CSV' ? join(work, 'patch.csv') : a,
      );
      const inConfig = c.id !== 'init' && c.id !== 'schema';
      const run = await runKzops([...args, '--json', ...(inConfig ? ['--dir', dir] : [])], {
        cwd: work,
        env: {
          LAB_KEY: SIM_SUPER_MASTER_KEY,
          KZOPS_OPERATOR: 'tester',
          [CLUSTER_KEY_ENV]: 'demo-cluster-key',
        },
        timeoutMs: 60_000,
      });
      const name = c.label ?? c.id;
      if (run.code !== (c.code ?? 0)) {
        failures.push(`${name}: exit ${run.code}\n${run.stderr}`);
        continue;
      }
      let data: unknown;
      try {
        data = JSON.parse(run.stdout);
      } catch {
        failures.push(`${name}: stdout is not one JSON document:\n${run.stdout.slice(0, 500)}`);
        continue;
      }
      const file = relative(OUTPUT, schemaFile(c.id));
      const check = checks.get(file);
      if (check === undefined) failures.push(`${name}: no ${file}`);
      else if (!check(data))
        failures.push(`${name} does not match ${file}: ${JSON.stringify(check.errors, null, 2)}`);
      else if (closed.has(file) && check({ ...(data as object), unexpected: true })) {
        failures.push(`${file} accepts a key it does not declare`);
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
