/**
 * Shared by the apply-*.test.ts files: an in-process simulator, a client of it, and one
 * reconcile run (the plan service's planLive, then applyPlan) the way `kzops apply` does it,
 * with the state of the previous run passed in and the new one handed back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { KazooClient } from '../../src/api/client.js';
import { resolveTarget } from '../../src/api/target.js';
import type { LiveDoc, PlanResult } from '../../src/core/plan/build-plan.js';
import type { Kind, Plan, TargetState } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/types.js';
import { applyPlan, type ApplyResult } from '../../src/reconcile/apply.js';
import { planLive } from '../../src/services/make-plan.js';
import { defaultSeed } from '../../src/sim/seed.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/server.js';
import { freshExampleConfig, writeLabTargets } from './cli-harness.js';

export const TARGET = 'test';
export const SUPER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
export const ROUTING = '/v2/support/routing';

export type Doc = Record<string, unknown>;
export type RoutingKind = Exclude<Kind, 'clusters'>;
export const ROUTING_KINDS: readonly RoutingKind[] = ['customer_clusters', 'media_servers', 'carrier_sbcs'];

/** The default seed (accounts, API keys, cluster documents) without any routing document. */
export function emptyRoutingSeed(): unknown {
  const seed = defaultSeed() as Record<string, unknown>;
  delete seed.customer_clusters;
  delete seed.carrier_sbcs;
  delete seed.media_servers;
  return seed;
}

export async function startEmptyRoutingSim(opts: Omit<SimOptions, 'port' | 'seed'> = {}): Promise<SimHandle> {
  return startSim({ port: 0, seed: emptyRoutingSeed(), log: () => undefined, ...opts });
}

/**
 * A fresh simulator (no routing documents) and a client of it, both closed by the caller's
 * `cleanups` (run them in reverse after each test).
 */
export async function simAndClient(
  cleanups: (() => Promise<void>)[],
  opts: Omit<SimOptions, 'port' | 'seed'> = {},
): Promise<{ sim: SimHandle; client: KazooClient }> {
  const sim = await startEmptyRoutingSim(opts);
  cleanups.push(() => sim.close());
  const client = simClient(sim);
  cleanups.push(() => client.close());
  return { sim, client };
}

/** A client of `sim` as the super_master key, with a short retry budget and no real back-off. */
export function simClient(sim: SimHandle): KazooClient {
  return new KazooClient(resolveTarget({ url: sim.url }, { KZOPS_API_KEY: SUPER_KEY }, TARGET), {
    maxAttempts: 2,
    baseDelayMs: 1,
    debug: false,
  });
}

export function res(kind: Kind, key: string, doc: Doc): LoadedResource {
  return { kind, key, file: `${kind}/${key}.yaml`, doc };
}

export interface PlanOptions {
  secrets?: Record<string, Record<string, string>>;
  protect?: string[];
  masterClusterId?: string;
}

export interface Planned extends PlanResult {
  live: LiveDoc[];
  secrets: Record<string, Record<string, string>>;
}

/** Reads live and plans, as makePlan does, from the state and secrets given. */
export async function planAgainst(
  client: KazooClient,
  desired: LoadedResource[],
  state: TargetState | undefined,
  opts: PlanOptions = {},
): Promise<Planned> {
  const made = await planLive({
    client,
    target: TARGET,
    protect: opts.protect ?? [],
    masterClusterId: opts.masterClusterId,
    prior: state,
    desired,
    secrets: opts.secrets ?? {},
    concurrency: 4,
  });
  return { plan: made.plan, state: made.state, live: made.live, secrets: made.secrets };
}

export interface Reconciled {
  planned: Planned;
  plan: Plan;
  result: ApplyResult;
}

/** One `kzops apply`: plan against live and `state`, then carry the whole plan out. */
export async function reconcile(
  client: KazooClient,
  desired: LoadedResource[],
  state: TargetState | undefined,
  opts: PlanOptions & { concurrency?: number; client?: KazooClient } = {},
): Promise<Reconciled> {
  const planned = await planAgainst(client, desired, state, opts);
  const result = await applyPlan({
    client: opts.client ?? client,
    plan: planned.plan,
    state: planned.state,
    desired,
    live: planned.live,
    secrets: planned.secrets,
    concurrency: opts.concurrency ?? 4,
  });
  return { planned, plan: planned.plan, result };
}

/** The actions of a plan that are not noops, as `action kind/key`, sorted. */
export function pending(plan: Plan): string[] {
  return plan.changes
    .filter((c) => c.action !== 'noop')
    .map((c) => `${c.action} ${c.kind}/${c.key}`)
    .sort();
}

/** Step reports as `op kind/key status`, sorted (completion order is not deterministic). */
export function stepLines(result: ApplyResult): string[] {
  return result.steps.map((s) => `${s.op} ${s.kind}/${s.key} ${s.status}`).sort();
}

/** Stored routing documents of a kind in the simulator, as `{id, name}`. */
export function simDocs(sim: SimHandle, kind: RoutingKind): { id: string; doc: Doc }[] {
  return Object.entries(sim.state[kind]).map(([id, doc]) => ({ id, doc }));
}

export function countNamed(sim: SimHandle, kind: RoutingKind, name: string): number {
  return simDocs(sim, kind).filter((d) => d.doc.name === name).length;
}

export function idNamed(sim: SimHandle, kind: RoutingKind, name: string): string {
  const found = simDocs(sim, kind).filter((d) => d.doc.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
  return (found[0] as { id: string }).id;
}

/** API requests of the simulator's log that change routing documents, as `METHOD path`. */
export function routingWrites(sim: SimHandle): string[] {
  return sim.requests
    .filter((r) => r.method !== 'GET' && r.path.startsWith(ROUTING))
    .map((r) => `${r.method} ${r.path}`);
}

export interface Lab {
  /** A fresh temporary directory. */
  work: string;
  /** `<work>/config`: the example config, with targets.yaml naming `sim` as target `lab`. */
  dir: string;
  /** A simulator with the default seed's accounts and no routing documents. */
  sim: SimHandle;
}

/**
 * Before each test of the file: a work directory holding the example config whose default
 * target `lab` is a fresh empty-routing simulator (key from LAB_KEY); after it, both are gone.
 * `use` receives each test's lab (assign it to the file's variables).
 */
export function labForEachTest(prefix: string, use: (lab: Lab) => void): void {
  let lab: Lab | undefined;
  beforeEach(async () => {
    const work = await mkdtemp(join(tmpdir(), prefix));
    const dir = await freshExampleConfig(work);
    const sim = await startEmptyRoutingSim();
    await writeLabTargets(dir, sim.url);
    lab = { work, dir, sim };
    use(lab);
  });
  afterEach(async () => {
    if (!lab) return;
    await lab.sim.close();
    await rm(lab.work, { recursive: true, force: true });
    lab = undefined;
  });
}
