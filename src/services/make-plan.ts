/**
 * What plan, apply and drift share: read the target's state file and every live routing
 * document, then run the planner with the target's policy and the config's secrets.
 * `planLive` is the same without the files (state and secrets passed in), for tests.
 */
import type { KazooClient } from '../api/client.js';
import type { Connection } from './connect.js';
import { buildPlan, type LiveDoc } from '../core/plan/build-plan.js';
import type { Plan, TargetState } from '../core/plan/types.js';
import type { IgnoreRule } from '../core/policy/rules.js';
import { isSecretField, type LoadedResource } from '../core/validate/index.js';
import { readFileSync } from 'node:fs';
import { registerSecret } from '../core/secret-registry.js';
import { readLive } from '../reconcile/read-live.js';
import { readState } from '../reconcile/state-file.js';

export interface MadePlan {
  plan: Plan;
  /** The state file as read (undefined: none yet). */
  prior: TargetState | undefined;
  /** The state plus the ids adopted by name. */
  state: TargetState;
  live: LiveDoc[];
  /** Secret values the config points at (never printed). */
  secrets: Record<string, Record<string, string>>;
}

export async function makePlan(
  conn: Connection,
  desired: LoadedResource[],
  opts: { concurrency: number; env?: NodeJS.ProcessEnv },
): Promise<MadePlan> {
  const { policy } = conn;
  // Read before the live state, so a broken state file stops the run before any request.
  const prior = await readState(conn.statePath, policy.name);
  return planLive({
    client: conn.client,
    target: policy.name,
    protect: policy.protect,
    masterClusterId: policy.masterClusterId,
    ignore: policy.rules.ignore,
    prior,
    desired,
    secrets: resolveSecrets(desired, opts.env ?? process.env),
    concurrency: opts.concurrency,
  });
}

/** What `planLive` plans from: a client, the target's policy, its prior state, and the config. */
export interface PlanInputs {
  client: KazooClient;
  target: string;
  /** `<kind>/<key>` entries never deleted or replaced. */
  protect: string[];
  masterClusterId?: string | undefined;
  /** The target's `ignore` rules (none when absent). */
  ignore?: readonly IgnoreRule[] | undefined;
  /** The state as last recorded (undefined: none yet). */
  prior: TargetState | undefined;
  desired: LoadedResource[];
  /** Secret values by `<kind>/<key>` then field path (see resolveSecrets). */
  secrets: Record<string, Record<string, string>>;
  concurrency: number;
}

/** Reads every live routing document and plans against them: makePlan without the files. */
export async function planLive(inputs: PlanInputs): Promise<MadePlan> {
  const { prior, desired, secrets } = inputs;
  const live = await readLive(inputs.client, { concurrency: inputs.concurrency });
  const { plan, state } = buildPlan({
    target: inputs.target,
    desired,
    live,
    state: prior,
    protect: inputs.protect,
    ...(inputs.masterClusterId === undefined ? {} : { masterClusterId: inputs.masterClusterId }),
    ...(prior?.hmac_key === undefined ? {} : { hmacKey: prior.hmac_key }),
    secrets,
    ...(inputs.ignore === undefined || inputs.ignore.length === 0 ? {} : { ignore: inputs.ignore }),
  });
  return { plan, prior, state, live, secrets };
}

/**
 * Secret values a resource reads from the environment or a file (`api_key: {env: NAME}`), by
 * `<kind>/<key>` then field path, for the planner to fingerprint and apply to send. Never
 * printed, and registered with the output scrubber (src/core/secret-registry.ts) in case
 * anything repeats them. A secret whose variable is unset or whose file cannot be read is
 * left out: the plan can then only say it cannot compare that field.
 */
export function resolveSecrets(
  resources: readonly LoadedResource[],
  env: NodeJS.ProcessEnv,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const walk = (value: unknown, path: string[], ref: string): void => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const here = [...path, key];
      if (isSecretField(key) && typeof v === 'object' && v !== null) {
        const source = v as { env?: unknown; file?: unknown };
        let secret: string | undefined;
        if (typeof source.env === 'string') secret = env[source.env] || undefined;
        else if (typeof source.file === 'string') secret = readSecretFile(source.file);
        if (secret !== undefined) {
          // Never printed: scrubbed by value too, should a server or a live document repeat it.
          registerSecret(secret, 'credential');
          (out[ref] ??= {})[here.join('.')] = secret;
        }
      } else {
        walk(v, here, ref);
      }
    }
  };
  for (const r of resources) walk(r.doc, [], `${r.kind}/${r.key}`);
  return out;
}

function readSecretFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
