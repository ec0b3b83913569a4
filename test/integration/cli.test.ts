/**
 * The CLI as a user runs it: every test drives `node bin/run.js` as a subprocess, so flag
 * parsing, exit codes, stdout/stderr separation and signal handling are all the real thing.
 * `npm test` builds dist/ before vitest runs; run `npm run build` first when running this alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultSeed, SEED_IDS } from '../../src/sim/seed.js';
import { BIN, cliEnv, requireBuilt, runKzops, type RunResult } from './cli-harness.js';

const DEFAULT_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const CLUSTER_ID = SEED_IDS.clusters.sandbox;
const LISTENING = /^kzops sim listening on (http:\/\/127\.0\.0\.1:([0-9]{1,5}))$/;
const CC = '/v2/support/routing/customer_clusters';

type Obj = Record<string, unknown>;
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// -------------------------------------------------------------------------------------------
// Processes

let dir: string;
/** Children of the current test; killed in afterEach whatever happened. */
const children = new Set<ChildProcess>();

beforeAll(async () => {
  requireBuilt('sim');
  dir = await mkdtemp(join(tmpdir(), 'kzops-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all([...children].map((child) => killHard(child)));
});

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGKILL');
    await closed;
  }
  children.delete(child);
}

function spawnCli(args: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  return child;
}

function closed(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });
}

/** Runs `kzops ARGS` to completion in the test's directory (see cli-harness.ts). */
function kzops(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 15_000,
): Promise<RunResult> {
  return runKzops(args, { env, cwd: dir, timeoutMs });
}

interface SimProcess {
  child: ChildProcess;
  firstLine: string;
  url: string;
  port: number;
  stderr(): string;
  /** Sends `signal` and waits (at most 5 s) for the exit. */
  stop(signal: NodeJS.Signals): Promise<Exit & { ms: number }>;
}

/** Starts `kzops sim --port 0 ARGS` and waits for its first stdout line (no fixed sleep). */
async function startSimProcess(args: string[] = [], track = true): Promise<SimProcess> {
  const child = spawnCli(['sim', '--port', '0', ...args], {});
  if (!track) children.delete(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = closed(child);
  const lines = createInterface({ input: child.stdout! });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`kzops sim printed nothing in 10 s; stderr: ${stderr}`));
    }, 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`kzops sim exited (${e.code ?? e.signal}) before listening; stderr: ${stderr}`));
    });
  });
  const m = LISTENING.exec(firstLine);
  if (!m) throw new Error(`unexpected first line of kzops sim: ${JSON.stringify(firstLine)}`);
  return {
    child,
    firstLine,
    url: m[1] ?? '',
    port: Number(m[2]),
    stderr: () => stderr,
    async stop(signal) {
      const t0 = performance.now();
      child.kill(signal);
      const exit = await Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`kzops sim did not exit within 5 s of ${signal}`)), 5_000),
        ),
      ]);
      return { ...exit, ms: performance.now() - t0 };
    },
  };
}

// -------------------------------------------------------------------------------------------
// HTTP against a simulator subprocess

interface Res {
  status: number;
  headers: Headers;
  body: Obj;
}

async function http(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
) {
  const res = await fetch(url + path, {
    method,
    headers: opts.token === undefined ? {} : { 'X-Auth-Token': opts.token },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Obj } satisfies Res;
}

function authenticate(url: string, key = DEFAULT_KEY): Promise<Res> {
  return http(url, 'PUT', '/v2/api_auth', { body: { data: { api_key: key } } });
}

async function login(url: string, key = DEFAULT_KEY): Promise<string> {
  const res = await authenticate(url, key);
  expect(res.status).toBe(201);
  const token = res.body.auth_token;
  if (typeof token !== 'string' || token === '') throw new Error('api_auth answered no token');
  return token;
}

interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  cluster_id?: string;
}

async function requestLog(url: string): Promise<LoggedRequest[]> {
  const res = await fetch(`${url}/_sim/requests`);
  return ((await res.json()) as { data: LoggedRequest[] }).data;
}

// -------------------------------------------------------------------------------------------
// The default seed, as the listings should show it

interface SeedDoc {
  id: string;
  name: string;
}
const seed = defaultSeed() as Record<'customer_clusters' | 'carrier_sbcs' | 'media_servers', SeedDoc[]>;
const SEEDED: Record<string, SeedDoc[]> = {
  'customer-clusters': seed.customer_clusters,
  'carrier-sbcs': seed.carrier_sbcs,
  'media-servers': seed.media_servers,
};
const KINDS = Object.keys(SEEDED);

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('error:'));
}

// ===========================================================================================

describe('kzops sim', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the listening line first, serves api_auth with the default key, and exits 0 on %s',
    async (signal) => {
      const sim = await startSimProcess();
      expect(sim.firstLine).toMatch(LISTENING);
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.port).toBeLessThan(65536);

      const auth = await authenticate(sim.url);
      expect(auth.status).toBe(201);
      expect(auth.body).toMatchObject({ status: 'success', data: { level: 'super_master' } });
      expect(auth.body.auth_token).toEqual(expect.stringMatching(/.{20,}/));

      const exit = await sim.stop(signal);
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.ms).toBeLessThan(5_000);
      expect(sim.stderr()).toContain(signal);
      await expect(fetch(`${sim.url}/v2/api_auth`, { method: 'PUT' })).rejects.toThrow();
    },
  );

  it('--state keeps changes across a restart and does not re-apply the seed over them', async () => {
    const statePath = join(dir, 'state', 'sim.json');
    const newId = randomBytes(16).toString('hex');
    const { hosted, sandbox } = SEED_IDS.customerClusters;

    const first = await startSimProcess(['--state', statePath]);
    let token = await login(first.url);
    const created = await http(first.url, 'PUT', `${CC}/${newId}`, {
      token,
      body: { data: { name: 'Made Over HTTP', owner: 'cli-test' } },
    });
    expect(created.status).toBe(201);
    expect((await http(first.url, 'DELETE', `${CC}/${sandbox}`, { token })).status).toBe(200);
    expect(await first.stop('SIGTERM')).toMatchObject({ code: 0, signal: null });

    const second = await startSimProcess(['--state', statePath]);
    token = await login(second.url);
    const got = await http(second.url, 'GET', `${CC}/${newId}`, { token });
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: newId, name: 'Made Over HTTP', owner: 'cli-test' });
    expect((await http(second.url, 'GET', `${CC}/${sandbox}`, { token })).status).toBe(404);
    const listing = await http(second.url, 'GET', CC, { token });
    const ids = (listing.body.data as SeedDoc[]).map((d) => d.id);
    expect(ids.sort()).toEqual([hosted, newId].sort());
    expect(await second.stop('SIGINT')).toMatchObject({ code: 0, signal: null });
  });

  it('--seed FILE serves only the data of that seed', async () => {
    const account = '0000000000000000000000000000c11a';
    const clusterId = 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1';
    const key = 'cli-test-seed-key'.padEnd(64, '0');
    const seedPath = join(dir, 'small-seed.yaml');
    await writeFile(
      seedPath,
      [
        'api_keys:',
        `  - api_key: ${key}`,
        `    account_id: "${account}"`,
        '    level: super_master',
        'accounts:',
        `  - id: "${account}"`,
        '    name: CLI Test Account',
        'customer_clusters:',
        `  - id: ${clusterId}`,
        '    name: CLI Test Cluster',
        '    owner: cli-test',
        '',
      ].join('\n'),
    );
    const sim = await startSimProcess(['--seed', seedPath]);

    expect((await authenticate(sim.url, DEFAULT_KEY)).status).toBe(404); // crossbar: bad identifier
    const token = await login(sim.url, key);
    for (const path of ['/v2/support/routing/carrier_sbcs', '/v2/support/routing/media_servers']) {
      const res = await http(sim.url, 'GET', path, { token });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
    }

    const run = await kzops(['routing', 'list', 'customer-clusters', '--json'], {
      KZOPS_URL: sim.url,
      KZOPS_API_KEY: key,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ id: clusterId, name: 'CLI Test Cluster', owner: 'cli-test' }]);
  });

  it('refuses a seed file with an error: exit 3, names the file and the field, never listens', async () => {
    const seedPath = join(dir, 'broken-seed.yaml');
    await writeFile(seedPath, 'accounts:\n  - id: not-a-hex-id\n    name: Broken\n');
    const run = await kzops(['sim', '--port', '0', '--seed', seedPath]);
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain('listening');
    const errors = errorLines(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(seedPath);
    expect(errors[0]).toContain('accounts.0.id');
    // A user's broken file is not reported as a crash of kzops.
    expect(run.stderr).not.toMatch(/bug in kzops|^\s+at /m);
  });

  it('--latency 200 delays responses by at least ~200 ms', async () => {
    const sim = await startSimProcess(['--latency', '200']);
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const res = await authenticate(sim.url);
      const ms = performance.now() - t0;
      expect(res.status).toBe(201);
      expect(ms).toBeGreaterThanOrEqual(190);
    }
  });

  it('--fail-rate 1 answers every API request 503', async () => {
    const sim = await startSimProcess(['--fail-rate', '1']);
    const responses = [
      await authenticate(sim.url),
      await http(sim.url, 'GET', CC),
      await http(sim.url, 'PUT', `${CC}/${'a'.repeat(32)}`, { body: { data: { name: 'x' } } }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'error', error: '503' });
    }
  });

  it('--rate-limit 100 charges api_auth 35 tokens and answers 429 without Retry-After (as crossbar)', async () => {
    const sim = await startSimProcess(['--rate-limit', '100']);
    const burst: Res[] = [];
    for (let i = 0; i < 3; i++) burst.push(await authenticate(sim.url));
    expect(burst.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(burst[1]?.body).toMatchObject({ tokens: { consumed: 35, remaining: 30 } });
    const limited = burst[2]!;
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.body).toMatchObject({
      status: 'error',
      error: '429',
      tokens: { consumed: 0, remaining: 0 },
    });
  });

  it('--retry-after adds Retry-After to a 429; --auth-cost sets what authentication takes', async () => {
    const sim = await startSimProcess(['--rate-limit', '10', '--auth-cost', '6', '--retry-after']);
    const burst: Res[] = [];
    for (let i = 0; i < 2; i++) burst.push(await authenticate(sim.url));
    expect(burst.map((r) => r.status)).toEqual([201, 429]);
    expect(burst[1]?.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  });

  it.each([
    ['--fail-rate', '2'],
    ['--port', '-1'],
    ['--port', 'abc'],
    ['--latency', '-5'],
  ])('rejects %s %s with exit 64, naming the flag, without listening', async (flag, value) => {
    const run = await kzops(['sim', flag, value]);
    expect(run.code).toBe(64);
    expect(run.stdout).not.toContain('listening');
    const errors = errorLines(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(flag);
  });
});

describe('routing commands on the embedded simulator (no KZOPS_URL)', () => {
  it.each(KINDS)('routing list %s prints a header and a table, --json only a JSON array', async (kind) => {
    const docs = SEEDED[kind] ?? [];
    const [human, json] = await Promise.all([
      kzops(['routing', 'list', kind]),
      kzops(['routing', 'list', kind, '--json']),
    ]);

    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${kind} on embedded simulator: ${docs.length}`);
    expect(lines[1]).toMatch(/^ID\s+NAME\b/);
    expect(lines).toHaveLength(2 + docs.length);
    for (const doc of docs) {
      const row = lines.find((l) => l.startsWith(doc.id));
      expect(row, `a row for ${doc.id}`).toBeDefined();
      expect(row).toContain(doc.name);
    }

    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as unknown;
    expect(Array.isArray(parsed)).toBe(true);
    const rows = parsed as SeedDoc[];
    expect(rows.map((r) => r.id).sort()).toEqual(docs.map((d) => d.id).sort());
    expect(rows.map((r) => r.name).sort()).toEqual(docs.map((d) => d.name).sort());
  });

  it('routing get carrier-sbcs ID prints YAML, --json its JSON object', async () => {
    const id = SEED_IDS.carrierSbcs.east;
    const [yaml, json] = await Promise.all([
      kzops(['routing', 'get', 'carrier-sbcs', id]),
      kzops(['routing', 'get', 'carrier-sbcs', id, '--json']),
    ]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/^name: Sprint East SBC$/m);
    expect(parseYaml(yaml.stdout)).toMatchObject({ id, name: 'Sprint East SBC', carrier: 'sprint' });

    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as unknown;
    expect(doc).toMatchObject({
      id,
      name: 'Sprint East SBC',
      mobile_media_server: SEED_IDS.mediaServers.east,
    });
    expect(Array.isArray(doc)).toBe(false);
  });
});

describe('routing commands against a kzops sim subprocess (KZOPS_URL)', () => {
  let server: SimProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startSimProcess([], false);
    env = { KZOPS_URL: server.url, KZOPS_API_KEY: DEFAULT_KEY, KZOPS_CLUSTER_ID: CLUSTER_ID };
  });
  afterAll(async () => {
    if (server) await killHard(server.child);
  });

  it('lists with the key and cluster id from the environment', async () => {
    const run = await kzops(['routing', 'list', 'carrier-sbcs'], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`carrier-sbcs on ${server.url}: 3`);
    for (const sbc of SEEDED['carrier-sbcs'] ?? []) expect(run.stdout).toContain(sbc.name);
    const listed = (await requestLog(server.url)).filter(
      (r) => r.path === '/v2/support/routing/carrier_sbcs',
    );
    expect(listed.length).toBeGreaterThan(0);
    for (const r of listed) expect(r.cluster_id).toBe(CLUSTER_ID);
  });

  it('with an unknown key: exit 1, one error line naming the variable and the status, the key nowhere', async () => {
    const key = randomBytes(32).toString('hex'); // well-formed (64 hex), held by no account
    const runs = await Promise.all([
      kzops(['routing', 'list', 'customer-clusters'], { ...env, KZOPS_API_KEY: key }),
      kzops(['routing', 'list', 'customer-clusters'], { ...env, KZOPS_API_KEY: key, KZOPS_DEBUG: 'http' }),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      const errors = errorLines(run.stderr);
      expect(errors).toHaveLength(1);
      // crossbar answers an unknown key 404 "bad identifier" and echoes it in data
      expect(errors[0]).toMatch(/authentication .* failed: .*KZOPS_API_KEY.* answered 404/);
      expect(run.stdout).not.toContain(key);
      expect(run.stderr).not.toContain(key);
    }
  });

  it('routing get of an unknown id exits 1 with a 404 error line', async () => {
    const run = await kzops(['routing', 'get', 'carrier-sbcs', 'f'.repeat(32)], env);
    expect(run.code).toBe(1);
    const errors = errorLines(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/\b404\b/);
    expect(run.stdout).toBe('');
  });

  it('KZOPS_URL without KZOPS_API_KEY exits 3 with a hint naming the variable, sending nothing', async () => {
    const before = (await requestLog(server.url)).length;
    const run = await kzops(['routing', 'list', 'carrier-sbcs'], { ...env, KZOPS_API_KEY: undefined });
    expect(run.code).toBe(3);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^hint: .*KZOPS_API_KEY/m);
    expect(await requestLog(server.url)).toHaveLength(before);
  });

  it('an unknown KIND exits 64', async () => {
    const run = await kzops(['routing', 'list', 'trunks'], env);
    expect(run.code).toBe(64);
    const errors = errorLines(run.stderr);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('trunks');
    expect(run.stderr).toContain('hint: see kzops routing list --help');
    expect(run.stdout).toBe('');
  });

  it('still explains an error on stderr under --json, with nothing on stdout', async () => {
    const run = await kzops(['routing', 'list', 'trunks', '--json'], env);
    expect(run.code).toBe(64);
    expect(errorLines(run.stderr)).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  it('KZOPS_DEBUG=http traces curl lines on stderr with the key and token redacted', async () => {
    const before = (await requestLog(server.url)).length;
    const run = await kzops(['routing', 'list', 'media-servers', '--json'], { ...env, KZOPS_DEBUG: 'http' });
    expect(run.code).toBe(0);
    // The trace goes to stderr only: stdout stays one parseable JSON array.
    expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);

    const curls = run.stderr.split('\n').filter((l) => l.startsWith('curl '));
    const auth = curls.find((l) => l.includes('/v2/api_auth'));
    const list = curls.find((l) => l.includes('/v2/support/routing/media_servers'));
    expect(auth).toContain('"api_key":"<redacted>"');
    expect(list).toContain("'X-Auth-Token: <redacted>'");

    // The served request log shows tokens only as fingerprints, so look for the token's shape:
    // the simulator's tokens are JWTs (`eyJ...`.`...`.`...`).
    const tokens = (await requestLog(server.url))
      .slice(before)
      .map((r) => r.headers['x-auth-token'])
      .filter((t): t is string => t !== undefined);
    expect(tokens.length).toBeGreaterThan(0);
    for (const marker of tokens) expect(marker).toMatch(/^<redacted:[0-9a-f]{12}>$/);
    const jwt = /eyJ[\w-]{8,}\.[\w-]+\.[\w-]+/;
    for (const output of [run.stderr, run.stdout]) {
      expect(output).not.toContain(DEFAULT_KEY);
      expect(output).not.toMatch(jwt);
    }
  });
});
