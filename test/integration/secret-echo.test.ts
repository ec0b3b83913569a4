/**
 * Secrets that a server sends back must not come out of kzops: not on stdout or stderr, not
 * in `--json`, the audit trail or a saved plan. The server here is an echo server in front of
 * the simulator (echo-server.ts) that answers chosen requests with an error repeating the
 * request whole (headers with the token, body with the SIP password or the cluster key).
 * Also: the state file keeps secrets only as slow (scrypt) fingerprints, and an old HMAC
 * fingerprint is still recognised and replaced by the next apply.
 *
 * Runs the built CLI (`npm run build` first when running this file alone).
 */
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEED_IDS } from '../../src/sim/seed.js';
import { startSim, type SimHandle } from '../../src/sim/server.js';
import {
  freshExampleConfig,
  requireBuilt,
  runKzops,
  SIM_SUPER_MASTER_KEY,
  writeLabTargets,
  type RunResult,
} from './cli-harness.js';
import { startEchoServer, type EchoRules, type EchoServer, type SeenRequest } from './echo-server.js';

/**
 * Odd characters on purpose: JSON, URLs, HTML, markdown and the shell each write them
 * differently. Each holds a word found nowhere else, so any spelling of it that slips out,
 * however escaped, is caught by that word.
 */
const SIP_SECRET = 's1p "zebra" w/ & <quokka> chars';
const CLUSTER_KEY_ENV = 'KZOPS_SANDBOX_CLUSTER_API_KEY';
const CLUSTER_SECRET = 'cl-key "walrus" & narwhal/+?|`x`';
const TELLTALES = ['zebra', 'quokka', 'walrus', 'narwhal'];
/** Well-formed (64 hex), held by no account of the simulator. */
const UNKNOWN_KEY = '5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e7abcd';
const SCRYPT_FORM = /^scrypt\$N=32768,r=8,p=1\$[0-9a-f]{64}$/;

const { accounts, devices } = SEED_IDS;

let sim: SimHandle;
let echo: EchoServer | undefined;
let work: string;
let dir: string;

beforeAll(() => requireBuilt('devices/patch'));

beforeEach(async () => {
  sim = await startSim({ port: 0 });
  work = await mkdtemp(join(tmpdir(), 'kzops-secret-echo-'));
  dir = join(work, 'config');
});

afterEach(async () => {
  await echo?.close();
  echo = undefined;
  await sim.close();
  await rm(work, { recursive: true, force: true });
});

/** An echo server in front of the simulator, named by `<dir>/targets.yaml` as target `lab`. */
async function serve(rules: EchoRules): Promise<EchoServer> {
  echo = await startEchoServer(sim.url, rules);
  await mkdir(dir, { recursive: true });
  await writeLabTargets(dir, echo.url);
  return echo;
}

function kzops(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return runKzops([...args, '--dir', dir], {
    cwd: work,
    env: {
      LAB_KEY: SIM_SUPER_MASTER_KEY,
      KZOPS_OPERATOR: 'tester',
      [CLUSTER_KEY_ENV]: CLUSTER_SECRET,
      ...env,
    },
    timeoutMs: 30_000,
  });
}

/** A value as it reads raw, inside a JSON string, in a URL and in HTML. */
function spellings(secret: string): string[] {
  const html = secret
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), html])];
}

/** Fails naming the output and the secret when any spelling of a secret is in any output. */
function expectClean(outputs: Record<string, string>, secrets: string[]): void {
  for (const [name, text] of Object.entries(outputs)) {
    for (const secret of secrets) {
      const words = TELLTALES.filter((w) => secret.includes(w));
      for (const spelling of [...spellings(secret), ...words]) {
        expect(text.includes(spelling), `${name} holds ${JSON.stringify(spelling)}:\n${text}`).toBe(false);
      }
    }
  }
}

/** The credentials in play: the lab key and every token the server issued. */
const credentials = (server: EchoServer) => [SIM_SUPER_MASTER_KEY, ...server.tokens()];

const isPatch = (req: SeenRequest) => req.method === 'PATCH';

describe('a server that echoes a device patch in its error', () => {
  const patchArgs = ['devices', 'patch', accounts.joe, devices.joe, '--recursive'];
  const setSecret = `voice.sip.password=${JSON.stringify(SIP_SECRET)}`;

  /** 400 repeating the request, plus a field error whose value is the password under another name. */
  const rules: EchoRules = {
    echo: (req) =>
      isPatch(req)
        ? {
            status: 400,
            code: 'validation error',
            data: { name: { unique: { message: 'name already used', value: SIP_SECRET } } },
          }
        : undefined,
  };

  it('keeps the SIP password, the key and the token out of stderr, stdout and the audit trail', async () => {
    const server = await serve(rules);
    const human = await kzops([...patchArgs, '--set', setSecret]);
    const json = await kzops([...patchArgs, '--set', setSecret, '--json']);
    expect(human.code).toBe(1);
    expect(json.code).toBe(1);
    // The error is still there, only without the values.
    expect(human.stderr).toMatch(/^error: PATCH .*400 validation error/m);
    expect(human.stderr).toContain('<redacted>');
    const audit = await readFile(join(work, '.kzops', 'audit.jsonl'), 'utf8');
    expect(audit.trim().split('\n')).toHaveLength(2);
    for (const line of audit.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(server.tokens().length).toBeGreaterThan(0);
    expectClean(
      {
        stdout: human.stdout,
        stderr: human.stderr,
        'stdout (--json)': json.stdout,
        'stderr (--json)': json.stderr,
        audit,
      },
      [SIP_SECRET, ...credentials(server)],
    );
  });

  it('a --file input is kept out the same way', async () => {
    const server = await serve(rules);
    const path = join(work, 'patch.json');
    await writeFile(path, JSON.stringify({ voice: { sip: { password: SIP_SECRET } } }));
    const run = await kzops([...patchArgs, '--file', path]);
    expect(run.code).toBe(1);
    const audit = await readFile(join(work, '.kzops', 'audit.jsonl'), 'utf8');
    expectClean({ stdout: run.stdout, stderr: run.stderr, audit }, [SIP_SECRET, ...credentials(server)]);
  });

  it('--show-secrets still prints the password on stdout, and nothing else leaks', async () => {
    const server = await serve({});
    const run = await kzops([...patchArgs, '--set', setSecret, '--json', '--show-secrets']);
    expect(run.code, run.stderr).toBe(0);
    const device = JSON.parse(run.stdout) as { voice: { sip: { password: string } } };
    expect(device.voice.sip.password).toBe(SIP_SECRET);
    const audit = await readFile(join(work, '.kzops', 'audit.jsonl'), 'utf8');
    expectClean({ stderr: run.stderr, audit }, [SIP_SECRET, ...credentials(server)]);
    expectClean({ stdout: run.stdout }, credentials(server));
  });
});

describe('a server that echoes the API key when refusing it', () => {
  const isAuth = (req: SeenRequest) => req.url.startsWith('/v2/api_auth');

  it("crossbar's 404 for an unknown key: an authentication error without the key", async () => {
    await serve({ echo: (req) => (isAuth(req) ? { status: 404, code: 'bad identifier' } : undefined) });
    const human = await kzops(['routing', 'list', 'carrier-sbcs'], { LAB_KEY: UNKNOWN_KEY });
    const json = await kzops(['routing', 'list', 'carrier-sbcs', '--json'], {
      LAB_KEY: UNKNOWN_KEY,
      KZOPS_DEBUG: 'http',
    });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('authentication to target lab failed');
    expectClean(
      {
        stdout: human.stdout,
        stderr: human.stderr,
        'stdout (--json)': json.stdout,
        'stderr (--json)': json.stderr,
      },
      [UNKNOWN_KEY],
    );
  });

  it('a gateway that answers 500 with the request in it: the error shows without the key', async () => {
    await serve({ echo: (req) => (isAuth(req) ? { status: 500, code: 'internal error' } : undefined) });
    const run = await kzops(['routing', 'list', 'carrier-sbcs', '--json'], {
      LAB_KEY: UNKNOWN_KEY,
      KZOPS_DEBUG: 'http',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: PUT \/v2\/api_auth: 500/m);
    expectClean({ stdout: run.stdout, stderr: run.stderr }, [UNKNOWN_KEY]);
  });
});

describe('plan and apply with a cluster secret', () => {
  const isCustomerCluster = (req: SeenRequest) =>
    req.method === 'GET' && req.url.startsWith('/v2/support/routing/customer_clusters');

  /** Live customer clusters that carry the cluster key in `owner` (which the config sets). */
  const leakyLive: EchoRules = {
    edit(req, status, body) {
      if (!isCustomerCluster(req) || status !== 200) return body;
      const env = JSON.parse(body) as { data: unknown };
      const docs = Array.isArray(env.data) ? env.data : [env.data];
      for (const doc of docs as Record<string, unknown>[]) doc.owner = CLUSTER_SECRET;
      return JSON.stringify(env);
    },
  };

  it('plan: text, markdown, --json and --out hold no secret, though the live documents do', async () => {
    await freshExampleConfig(work);
    const server = await serve(leakyLive);
    const out = join(work, 'plan.json');
    const text = await kzops(['plan']);
    const markdown = await kzops(['plan', '--format', 'markdown']);
    const json = await kzops(['plan', '--json', '--out', out]);
    for (const run of [text, markdown, json]) expect(run.code, run.stderr).toBe(0);
    // The difference is shown, with the value masked.
    expect(text.stdout).toMatch(/owner: "<redacted>" → "2600hz"/);
    const saved = await readFile(out, 'utf8');
    expectClean(
      {
        'plan stdout': text.stdout,
        'plan stderr': text.stderr,
        markdown: markdown.stdout,
        'markdown stderr': markdown.stderr,
        'plan --json': json.stdout,
        'plan --out': saved,
      },
      [CLUSTER_SECRET, ...credentials(server)],
    );
  });

  it('plan: a listing refused with the request (and its token) in the error', async () => {
    await freshExampleConfig(work);
    const server = await serve({ echo: (req) => (isCustomerCluster(req) ? { status: 400 } : undefined) });
    const run = await kzops(['plan']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: GET .*customer_clusters.*400/m);
    expect(server.tokens().length).toBeGreaterThan(0);
    expectClean({ stdout: run.stdout, stderr: run.stderr }, [CLUSTER_SECRET, ...credentials(server)]);
  });

  it('apply: a cluster document refused with its body echoed; stdout, stderr and --json stay clean', async () => {
    await freshExampleConfig(work);
    const isClusterWrite = (req: SeenRequest) =>
      req.method === 'PUT' && /\/v2\/support\/clusters\//.test(req.url);
    const server = await serve({ echo: (req) => (isClusterWrite(req) ? { status: 400 } : undefined) });
    const human = await kzops(['apply', '--yes']);
    const json = await kzops(['apply', '--yes', '--json']);
    expect(server.seen.filter(isClusterWrite).length).toBeGreaterThan(0);
    expect(human.code).toBe(4);
    expect(human.stdout + human.stderr).toMatch(/400/);
    const state = await readFile(join(dir, 'state', 'lab.json'), 'utf8');
    expectClean(
      {
        stdout: human.stdout,
        stderr: human.stderr,
        'stdout (--json)': json.stdout,
        'stderr (--json)': json.stderr,
        state,
      },
      [CLUSTER_SECRET, ...credentials(server)],
    );
  });
});

describe('the state file keeps secrets as slow fingerprints', () => {
  interface State {
    hmac_key: string;
    resources: Record<string, { secrets?: Record<string, string> }>;
  }
  const CLUSTER = 'clusters/aa2b36ac6a5edb290159cd1298283322';
  const statePath = () => join(dir, 'state', 'lab.json');
  const readState = async () => JSON.parse(await readFile(statePath(), 'utf8')) as State;

  it('apply writes scrypt (N=2^15, r=8, p=1), not a fast HMAC; an old HMAC is recognised and replaced', async () => {
    await freshExampleConfig(work);
    await serve({});
    const first = await kzops(['apply', '--yes']);
    expect(first.code, first.stderr).toBe(0);
    const state = await readState();
    const stored = state.resources[CLUSTER]?.secrets?.api_key ?? '';
    expect(stored).toMatch(SCRYPT_FORM);
    const hmac = createHmac('sha256', state.hmac_key).update(CLUSTER_SECRET, 'utf8').digest('hex');
    const text = await readFile(statePath(), 'utf8');
    expect(text).not.toContain(hmac);
    expect(text).not.toContain(CLUSTER_SECRET);

    // A state written by an older kzops: the same secret as HMAC-SHA256 under hmac_key.
    await writeFile(statePath(), text.replace(stored, hmac));
    const plan = await kzops(['plan', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const cluster = (JSON.parse(plan.stdout) as { changes: { kind: string; action: string }[] }).changes.find(
      (c) => c.kind === 'clusters',
    );
    expect(cluster?.action).toBe('noop');
    const second = await kzops(['apply', '--yes']);
    expect(second.code, second.stderr).toBe(0);
    expect((await readState()).resources[CLUSTER]?.secrets?.api_key).toBe(stored);

    // A different secret is still a change, under either form.
    await writeFile(statePath(), text.replace(stored, hmac));
    const rotated = await kzops(['plan', '--json'], { [CLUSTER_KEY_ENV]: 'a-rotated-cluster-key' });
    const after = (
      JSON.parse(rotated.stdout) as { changes: { kind: string; action: string }[] }
    ).changes.find((c) => c.kind === 'clusters');
    expect(after?.action).toBe('replace');
    expect(existsSync(statePath())).toBe(true);
  });
});
