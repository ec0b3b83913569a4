/**
 * The simulator's start and stop: SIGTERM ends `kzops sim` within seconds whatever its clients
 * do (a half-sent body, an idle keep-alive connection), pending saves still reach the disk, and
 * temporary files left by a killed simulator are removed at the next start.
 * Run `npm run build` first when running this file alone (it spawns bin/run.js).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import { BIN, cliEnv, requireBuilt } from './cli-harness.js';

const KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const CC = '/v2/support/routing/customer_clusters';

let dir: string;
const children = new Set<ChildProcess>();
const sockets = new Set<Socket>();
const sims: SimHandle[] = [];

beforeEach(async () => {
  requireBuilt('sim');
  dir = await mkdtemp(join(tmpdir(), 'kzops-sim-life-'));
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startSimProcess(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'sim', '--port', '0', ...args], {
    cwd: dir,
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    void exited.then(() => reject(new Error(`kzops sim exited early; stderr: ${stderr}`)));
  });
  const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
  if (!m) throw new Error(`unexpected first line ${line}`);
  return { child, url: m[1]!, port: Number(m[2]), stderr: () => stderr, exited };
}

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    sockets.add(socket);
  });
}

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}/v2/api_auth`, {
    method: 'PUT',
    body: JSON.stringify({ data: { api_key: KEY } }),
  });
  return ((await res.json()) as { auth_token: string }).auth_token;
}

async function stopWithin(run: Running, ms: number) {
  const started = performance.now();
  run.child.kill('SIGTERM');
  const exit = await Promise.race([
    run.exited,
    new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms)),
  ]);
  return { exit, ms: performance.now() - started };
}

describe('kzops sim on SIGTERM', () => {
  it('exits 0 within a few seconds while a client holds a half-sent body, the state intact', async () => {
    const statePath = join(dir, 'state.json');
    const run = await startSimProcess(['--state', statePath]);
    const auth = await token(run.url);
    // A change that is saved, so the state file has something of ours to keep.
    const saved = await fetch(`${run.url}${CC}/aaaabbbbccccddddeeeeffff00001111`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': auth },
      body: JSON.stringify({ data: { name: 'Kept', owner: 'lifecycle' } }),
    });
    expect(saved.status).toBe(201);

    const half = await rawSocket(run.port);
    half.write(
      `PUT ${CC}/aaaabbbbccccddddeeeeffff00002222 HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `X-Auth-Token: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"data":{"na`,
    );
    const idle = await rawSocket(run.port); // a keep-alive connection that sends nothing more
    idle.write(`GET /_sim/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200)); // let both reach the server

    const { exit, ms } = await stopWithin(run, 5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(5_000);
    const state = JSON.parse(await readFile(statePath, 'utf8')) as {
      customer_clusters: Record<string, { name?: string }>;
    };
    expect(state.customer_clusters.aaaabbbbccccddddeeeeffff00001111?.name).toBe('Kept');
    expect(state.customer_clusters.aaaabbbbccccddddeeeeffff00002222).toBeUndefined();
  }, 15_000);

  it('exits 0 on a SIGTERM sent the moment the listening line appears', async () => {
    // A supervisor may signal as soon as it reads the line; three runs, as a late listener
    // loses this race most of the time but not always.
    for (let i = 0; i < 3; i++) {
      const run = await startSimProcess([]);
      const { exit } = await stopWithin(run, 5_000);
      expect(exit).toEqual({ code: 0, signal: null });
    }
  }, 30_000);

  it('removes temporary files a killed simulator left beside the state file, and says so', async () => {
    const statePath = join(dir, 'sim', 'state.json');
    const first = await startSimProcess(['--state', statePath]);
    first.child.kill('SIGKILL');
    await first.exited;
    // What a SIGKILL between the write and the rename leaves (persist.ts names them so); the
    // pid is one that no longer runs: the killed simulator's own.
    const dead = first.child.pid!;
    await writeFile(`${statePath}.tmp-${dead}-1`, '{"half":');
    await writeFile(`${statePath}.tmp-${dead}-2`, '');
    await writeFile(join(dir, 'sim', 'unrelated.tmp-1'), 'not ours');

    const second = await startSimProcess(['--state', statePath]);
    expect((await readdir(join(dir, 'sim'))).sort()).toEqual(['state.json', 'unrelated.tmp-1']);
    expect(second.stderr()).toMatch(/removed 2 leftover temporary files/);
    const { exit } = await stopWithin(second, 5_000);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 15_000);
});

describe('startSim close()', () => {
  it('resolves within a few seconds although a request is still reading its body', async () => {
    const sim = await startSim({ port: 0 });
    const half = await rawSocket(sim.port);
    half.write(`PUT ${CC}/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"da`);
    await new Promise((r) => setTimeout(r, 100));
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(4_000);
    const closed = await new Promise<boolean>((resolve) => {
      if (half.destroyed) resolve(true);
      half.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 1_000);
    });
    expect(closed).toBe(true);
  }, 15_000);

  it('leaves a temporary file of a live process alone', async () => {
    const statePath = join(dir, 'live', 'state.json');
    await mkdir(join(dir, 'live'));
    const mine = `${statePath}.tmp-${process.pid}-999`;
    await writeFile(mine, 'in progress');
    const lines: string[] = [];
    const sim = await startSim({ port: 0, statePath, log: (l) => lines.push(l) });
    sims.push(sim);
    expect(await readFile(mine, 'utf8')).toBe('in progress');
    expect(lines.join('\n')).not.toMatch(/removed/);
  });
});
