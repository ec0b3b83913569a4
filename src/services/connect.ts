/**
 * Turns the command line's choice of server into a connected API client.
 *
 * The target comes from `--target`, else `KZOPS_TARGET`, else `default:` in the config
 * directory's targets.yaml. `KZOPS_URL`, `KZOPS_API_KEY` and `KZOPS_CLUSTER_ID` override the
 * chosen target's fields. With no targets.yaml and no KZOPS_URL, and for any target whose url
 * is `sim`, the simulator is started in-process on a loopback port, so a newcomer can try
 * every command with no server at all.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KazooClient, type KazooClientOptions } from '../api/client.js';
import { KAZOO_BUCKET, type BucketSettings } from '../api/rate-pacer.js';
import { resolveTarget, type ResolvedTarget, type Target } from '../api/target.js';
import { proxyFromEnv, timeoutsFromEnv, type TimeoutSettings } from '../api/transport.js';
import { readConfigEntry } from '../config/read-config-dir.js';
import { loadSchemas } from '../config/schemas.js';
import { ConfigError, UsageError } from '../core/errors.js';
import { targetRulesOf, type TargetRules } from '../core/policy/rules.js';
import { checkFile } from '../core/validate/index.js';
import type { ConfigFile } from '../core/validate/problem.js';
import { statePath, workDir } from '../reconcile/state-file.js';
import { SIM_API_KEYS } from '../sim/keys.js';

/** The default seed's super_master key: a published demo value, not a secret. */
const EMBEDDED_SIM_KEY = SIM_API_KEYS.super_master;
const DEFAULT_DIR = 'config';
/** The name of the target made from KZOPS_URL alone, with no targets.yaml. */
const ENV_ONLY = 'KZOPS_URL';

export interface Connection extends TargetChoice {
  client: KazooClient;
  /** What the user is talking to, for headers of human output. */
  label: string;
  close(): Promise<void>;
}

/** The chosen target, before any connection is made (see `chooseConnection`). */
export interface TargetChoice {
  /** The chosen target's name, protect list and threshold (from targets.yaml; none without it). */
  policy: TargetPolicy;
  /** The embedded simulator (`url: sim`, or nothing configured). */
  sim: boolean;
  /** The target's state file (see src/reconcile/state-file.ts for where it lives). */
  statePath: string;
  /** `.kzops/` beside the config directory: simulator state, sim targets' state, locks. */
  workDir: string;
}

/** A target chosen and checked, not yet connected: `open()` connects (and starts the embedded simulator). */
export interface PreparedConnection extends TargetChoice {
  open(): Promise<Connection>;
}

export interface ConnectOptions {
  /** `--dir`; undefined means `config`, which may be absent. */
  dir?: string | undefined;
  /** `--target`. */
  target?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Requests in flight at once (the client's limit); the client's default when unset. */
  concurrency?: number | undefined;
  /** More client options (dry run, audit hook). */
  client?: KazooClientOptions;
}

interface TargetsFile {
  default?: string;
  targets: Record<string, Target>;
}

export async function connect(opts: ConnectOptions = {}): Promise<Connection> {
  return (await prepareConnection(opts)).open();
}

/**
 * Chooses and checks the target (targets.yaml, environment) without connecting, so a command
 * can take the target's lock before the embedded simulator loads its state.
 */
export async function prepareConnection(opts: ConnectOptions = {}): Promise<PreparedConnection> {
  const env = opts.env ?? process.env;
  const targets = await readTargets(opts.dir);
  const chosen = chooseTarget(targets, opts, env);
  const url = env.KZOPS_URL || chosen.target.url;
  const dir = opts.dir ?? DEFAULT_DIR;
  const sim = url === 'sim';
  const clientOptions: KazooClientOptions = {
    // The embedded simulator has no rate limit; any other server is paced as configured.
    rateLimit: sim ? false : rateLimitOf(chosen.target),
    // The proxy variables apply to servers; the embedded simulator on loopback is never proxied.
    proxy: sim ? false : (proxyFromEnv(env) ?? false),
    ...timeoutsFromEnv((chosen.target as { timeouts?: TimeoutSettings }).timeouts, env),
    ...opts.client,
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
  };
  // The simulator is loaded only when it is used: a remote target must not pay for it.
  const masterOfSim = sim ? (await import('../sim/seed.js')).SEED_IDS.clusters.master : undefined;
  const policy = policyOf(chosen, masterOfSim);
  const choice: TargetChoice = {
    policy,
    sim,
    statePath: statePath(dir, policy.name, sim),
    workDir: workDir(dir),
  };
  if (sim) return { ...choice, open: () => embeddedSim(choice, clientOptions) };
  if (!targets && !env.KZOPS_API_KEY) {
    throw new ConfigError('KZOPS_URL is set but KZOPS_API_KEY is not', {
      hint: 'export KZOPS_API_KEY with the API key for that server, or unset KZOPS_URL to use the embedded simulator',
    });
  }
  const target = resolveTarget(chosen.target, env, chosen.name);
  return { ...choice, open: () => Promise.resolve(remote(target, choice, clientOptions)) };
}

/** The chosen target's name and safety policy from targets.yaml (none without one). */
export interface TargetPolicy {
  name: string;
  /** `<kind>/<key>` entries that apply never deletes or replaces. */
  protect: string[];
  /** Undefined when targets.yaml does not set it (the schema's default is 30). */
  maxChangePercent: number | undefined;
  /**
   * The master cluster's id: its cluster document and routing customer cluster are never
   * deleted or replaced. The API does not say which cluster is the master, so it comes from
   * the target's `master_cluster_id` (the embedded simulator's is known).
   */
  masterClusterId: string | undefined;
  /** The target's day-2 rules: `unmanaged`, `ignore`, `frozen`, `change_windows` (defaults without targets.yaml). */
  rules: TargetRules;
}

function policyOf(chosen: { name: string; target: Target }, simMaster: string | undefined): TargetPolicy {
  const target = chosen.target as Target & {
    protect?: string[];
    max_change_percent?: number;
    master_cluster_id?: string;
  };
  return {
    name: chosen.name,
    protect: [...(target.protect ?? [])],
    maxChangePercent: target.max_change_percent,
    masterClusterId: target.master_cluster_id ?? simMaster,
    rules: targetRulesOf(chosen.target),
  };
}

interface RateLimitConfig {
  tokens?: number;
  per_second?: number;
  auth_cost?: number;
}

/** The target's `rate_limit`: KAZOO's bucket where unset, no pacing for `false`. */
export function rateLimitOf(target: Target): BucketSettings | false {
  const given = (target as Target & { rate_limit?: RateLimitConfig | false }).rate_limit;
  if (given === false) return false;
  return {
    tokens: given?.tokens ?? KAZOO_BUCKET.tokens,
    perSecond: given?.per_second ?? KAZOO_BUCKET.perSecond,
    authCost: given?.auth_cost ?? KAZOO_BUCKET.authCost,
  };
}

/** targets.yaml of the config directory, checked against its schema; undefined when absent. */
async function readTargets(dir: string | undefined): Promise<TargetsFile | undefined> {
  const root = dir ?? DEFAULT_DIR;
  if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) {
    throw new UsageError(`--dir ${dir}: no such directory`);
  }
  // Read by validation's rules: within the size limits, valid UTF-8, no link out of the tree.
  const file = ['targets.yaml', 'targets.yml']
    .map((n) => readConfigEntry(root, n))
    .find((f): f is ConfigFile => f !== undefined);
  if (file === undefined) return undefined;
  const name = file.path;
  const outcome = checkFile({ ...file, path: 'targets.yaml' }, await loadSchemas());
  const errors = [...outcome.problems, ...outcome.schemaProblems].filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first !== undefined || outcome.value === undefined) {
    const where = first
      ? `${join(root, name)}:${first.line}:${first.col} ${first.code}: ${first.message}`
      : name;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new ConfigError(`invalid targets file: ${where}${more}`, {
      hint: `run kzops validate --dir ${root}`,
    });
  }
  return outcome.value as unknown as TargetsFile;
}

function chooseTarget(
  file: TargetsFile | undefined,
  opts: ConnectOptions,
  env: NodeJS.ProcessEnv,
): { name: string; target: Target } {
  const asked = opts.target ?? (env.KZOPS_TARGET || undefined);
  if (file === undefined) {
    if (asked !== undefined) {
      throw new UsageError(`--target ${asked}: there is no targets.yaml in ${opts.dir ?? DEFAULT_DIR}`, {
        hint: 'pass --dir with the config directory that defines the target',
      });
    }
    return { name: env.KZOPS_URL ? ENV_ONLY : 'embedded simulator', target: { url: 'sim' } };
  }
  const name = asked ?? file.default;
  if (name === undefined) {
    throw new ConfigError('targets.yaml has no default target', {
      hint: `pass --target (one of ${Object.keys(file.targets).join(', ')}) or set default: in targets.yaml`,
    });
  }
  // Own keys only: `--target constructor` must not find Object.prototype's.
  const target = Object.hasOwn(file.targets, name) ? file.targets[name] : undefined;
  if (target === undefined) {
    const source = opts.target !== undefined ? '--target' : asked !== undefined ? 'KZOPS_TARGET' : 'default';
    throw new UsageError(`${source} ${name}: no such target in targets.yaml`, {
      hint: `known targets: ${Object.keys(file.targets).join(', ')}`,
    });
  }
  return { name, target };
}

/** Where the embedded simulator of a sim target keeps its documents between runs. */
export function embeddedSimStatePath(workDirectory: string, target: string): string {
  return join(workDirectory, 'sim', `${target}.json`);
}

async function embeddedSim(choice: TargetChoice, clientOptions: KazooClientOptions): Promise<Connection> {
  const { name } = choice.policy;
  const { startSim } = await import('../sim/server.js');
  const sim = await startSim({ port: 0, statePath: embeddedSimStatePath(choice.workDir, name) });
  const target = resolveTarget({ url: sim.url }, { KZOPS_API_KEY: EMBEDDED_SIM_KEY }, name);
  const client = new KazooClient(target, clientOptions);
  return {
    ...choice,
    client,
    label: name === 'embedded simulator' ? name : `${name} (embedded simulator)`,
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}

function remote(target: ResolvedTarget, choice: TargetChoice, clientOptions: KazooClientOptions): Connection {
  const client = new KazooClient(target, clientOptions);
  // A server named only by KZOPS_URL is shown by its URL; a target by its name and URL.
  const label =
    target.name === undefined || target.name === ENV_ONLY
      ? target.baseUrl
      : `${target.name} (${target.baseUrl})`;
  return { ...choice, client, label, close: () => client.close() };
}
