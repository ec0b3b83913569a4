/**
 * Shared harness for the unit tests of the simulator's TOP route handlers: a context over the
 * default seed with a fixed clock, a way to call one route's handler directly, and SimError
 * assertions. Not a test file itself (vitest collects only `*.test.ts`).
 */
import { expect } from 'vitest';
import { SimError } from '../../src/sim/errors.js';
import type { AuthLevel, JsonObject, SimContext } from '../../src/sim/model.js';
import type { HttpMethod, RouteDef, SimRequest, SimResult } from '../../src/sim/route.js';
import { defaultSeed, SEED_IDS, stateFromSeed } from '../../src/sim/seed.js';

/** The clock a context starts at unless told otherwise: 15 January 2017, 12:30 UTC. */
export const NOW = Date.UTC(2017, 0, 15, 12, 30, 0);

export type TestContext = SimContext & { setNow(ms: number): void };

/** A context over a fresh default seed; ids are sequential (`f000…1`, `f000…2`, ...). */
export function makeCtx(opts: { now?: number } = {}): TestContext {
  let clock = opts.now ?? NOW;
  let n = 0;
  return {
    state: stateFromSeed(defaultSeed(), 'test seed'),
    now: () => clock,
    newId: () => `f${String(++n).padStart(31, '0')}`,
    setNow: (ms) => {
      clock = ms;
    },
  };
}

/** Calls the handler of the route `method path` in `routes`, as the seed's master account at `level`. */
export function callRoute(
  routes: RouteDef[],
  ctx: SimContext,
  method: HttpMethod,
  path: string,
  params: Record<string, string> = {},
  body?: JsonObject,
  query = '',
  level: AuthLevel = 'super_master',
): SimResult {
  const route = routes.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  const req: SimRequest = {
    method,
    params,
    query: new URLSearchParams(query),
    body,
    auth: { account_id: SEED_IDS.accounts.master, level },
  };
  return route.handler(ctx, req);
}

export type RouteCall = (
  ctx: SimContext,
  method: HttpMethod,
  path: string,
  params?: Record<string, string>,
  body?: JsonObject,
  query?: string,
) => SimResult;

/** `callRoute` for one route table and auth level. */
export function routeCaller(routes: RouteDef[], level: AuthLevel = 'super_master'): RouteCall {
  return (ctx, method, path, params, body, query) =>
    callRoute(routes, ctx, method, path, params, body, query, level);
}

/** The SimError `fn` throws; fails when it throws nothing, rethrows any other error. */
export function simError(fn: () => unknown): SimError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimError) return e;
    throw e;
  }
  throw new Error('expected a SimError');
}

/** Asserts the call fails with `status` and leaves the state exactly as it was. */
export function rejects(ctx: SimContext, status: number, fn: () => unknown): SimError {
  const before = structuredClone(ctx.state);
  const err = simError(fn);
  expect(err.status).toBe(status);
  expect(ctx.state).toEqual(before);
  return err;
}
