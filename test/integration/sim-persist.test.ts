import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyState, type SimState } from '../../src/sim/model.js';
import { loadState, saveState } from '../../src/sim/persist.js';
import { defaultSeed, SEED_IDS } from '../../src/sim/seed.js';
import { startSim, type SimHandle, type SimOptions } from '../../src/sim/server.js';

const ACCOUNT = 'acc00000000000000000000000000001';
const CC = '/v2/support/routing/customer_clusters';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

function testState(): SimState {
  const state = emptyState();
  state.api_keys.push({ api_key: 'super-key'.padEnd(64, '0'), account_id: ACCOUNT, level: 'super_master' });
  return state;
}

let dir: string;
let statePath: string;
const sims: SimHandle[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kzops-sim-state-'));
  statePath = join(dir, 'sim', 'state.json');
});
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function boot(opts: SimOptions) {
  const sim = await startSim({ port: 0, ...opts });
  sims.push(sim);
  const auth = await fetch(`${sim.url}/v2/api_auth`, {
    method: 'PUT',
    body: JSON.stringify({ data: { api_key: 'super-key'.padEnd(64, '0') } }),
  });
  const token = ((await auth.json()) as { auth_token: string }).auth_token;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(sim.url + path, {
      method,
      headers: { 'X-Auth-Token': token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { sim, call };
}

const onDisk = async (): Promise<SimState> => JSON.parse(await readFile(statePath, 'utf8')) as SimState;

describe('state file', () => {
  it('is written before the response to a change is sent', async () => {
    const { call } = await boot({ statePath, state: testState() });
    const res = await call('PUT', `${CC}/c1`, { data: { name: 'saved' } });
    expect(res.status).toBe(201);
    expect((await onDisk()).customer_clusters.c1).toMatchObject({ name: 'saved' });
  });

  it('keeps every change of a concurrent burst', async () => {
    const { sim, call } = await boot({ statePath, state: testState() });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call('PUT', `${CC}/c${i}`, { data: { name: `n${i}` } }).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([201]));
    expect(Object.keys((await onDisk()).customer_clusters)).toHaveLength(40);
    expect(await onDisk()).toEqual(JSON.parse(JSON.stringify(sim.state)));
  });

  it('survives a restart', async () => {
    const first = await boot({ statePath, state: testState() });
    await first.call('PUT', `${CC}/keep`, { data: { name: 'kept' } });
    await first.sim.close();
    const second = await boot({ statePath, state: testState() });
    expect(second.sim.state.customer_clusters.keep).toMatchObject({ name: 'kept' });
    expect(await (await second.call('GET', `${CC}/keep`)).json()).toMatchObject({ data: { name: 'kept' } });
  });

  it('is not overridden by a seed once it exists', async () => {
    await saveState(statePath, testState());
    const { sim } = await boot({ statePath, seed: defaultSeed() });
    expect(sim.state.customer_clusters).toEqual({});
  });

  it('is created from the seed (and saved at once) when missing', async () => {
    const { sim } = await boot({ statePath });
    const hosted = SEED_IDS.customerClusters.hosted;
    expect(sim.state.customer_clusters[hosted]).toBeDefined();
    expect((await onDisk()).customer_clusters[hosted]).toBeDefined();
  });

  it('is created from a seed file when seedPath is given', async () => {
    const seedPath = join(dir, 'seed.json');
    await writeFile(seedPath, JSON.stringify(defaultSeed()));
    const { sim } = await boot({ statePath, seedPath });
    expect(sim.state.media_servers[SEED_IDS.mediaServers.east]).toBeDefined();
  });

  it('refuses to start on a corrupt state file, naming it and leaving it untouched', async () => {
    await saveState(statePath, testState());
    const corrupt = (await readFile(statePath, 'utf8')).slice(0, 50);
    await writeFile(statePath, corrupt);
    await expect(startSim({ port: 0, statePath })).rejects.toThrow(statePath);
    expect(await readFile(statePath, 'utf8')).toBe(corrupt);
  });
});

/**
 * The child: a simulator with a large state, hammered with concurrent PATCHes by its own client
 * so that saves are almost always in progress. It prints "ready" once saves are flowing.
 */
const CHILD = `
import { startSim } from ${JSON.stringify(join(REPO, 'src/sim/server.ts'))};
import { emptyState } from ${JSON.stringify(join(REPO, 'src/sim/model.ts'))};
const state = emptyState();
state.api_keys.push({ api_key: 'k'.repeat(64), account_id: 'a', level: 'super_master' });
for (let i = 0; i < 3000; i++) {
  state.customer_clusters['c' + i] = { _id: 'c' + i, _rev: '1-x', name: 'cluster ' + i, owner: 'o'.repeat(200) };
}
const sim = await startSim({ port: 0, statePath: process.env.STATE_PATH, state });
const auth = await fetch(sim.url + '/v2/api_auth', { method: 'PUT', body: JSON.stringify({ data: { api_key: 'k'.repeat(64) } }) });
const token = (await auth.json()).auth_token;
let n = 0;
async function worker() {
  for (;;) {
    const i = n++;
    await fetch(sim.url + '/v2/support/routing/customer_clusters/c' + (i % 3000), {
      method: 'PATCH', headers: { 'X-Auth-Token': token }, body: JSON.stringify({ data: { name: 'changed ' + i } }),
    });
    if (i === 20) console.log('ready');
  }
}
for (let w = 0; w < 8; w++) void worker();
`;

async function killWhileWriting(script: string, path: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, 'node_modules/vite-node/vite-node.mjs'), script], {
    cwd: REPO,
    env: { ...process.env, STATE_PATH: path },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error('the child exited before it was ready')));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('crash safety', () => {
  it('leaves a complete state file when killed with SIGKILL in the middle of writes', async () => {
    const script = join(dir, 'child.ts');
    await writeFile(script, CHILD);
    for (const delayMs of [0, 37, 150]) {
      const path = join(dir, `state-${delayMs}.json`);
      await killWhileWriting(script, path, delayMs);
      const state = await loadState(path); // throws on a torn or half-written file
      expect(Object.keys(state?.customer_clusters ?? {})).toHaveLength(3000);
      const names = Object.values(state?.customer_clusters ?? {}).map((d) => d.name);
      expect(names.some((name) => typeof name === 'string' && name.startsWith('changed'))).toBe(true);
    }
  }, 60_000);
});
