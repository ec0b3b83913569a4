// Bulk move at scale: `kzops subscriptions move --from-csv` of 1,000 subscriptions against
// `kzops sim --latency 20 --fail-rate 0.05` running in its own process. One request in
// twenty is answered 503 before it is processed, so the run has to retry those rows (moves
// are not idempotent: the client does not resend them, the bulk runner does, per row, because
// a 503 says the server did not process the request) and still finish with every row done.
//
// Steps: write a seed (the default one plus 1,000 subscriptions in Joe's account), start the
// simulator, write the CSV and a targets.yaml in a temp dir, run the move with --concurrency
// 16 (timed), check that every row is done, then run the same file again and check that it
// did nothing: every row skipped as already done (journal) and no request reached the server.
//
// Env: BENCH_KEEP=1 keeps the temp dir and prints its path.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'run.js');

const ROWS = 1000;
const LATENCY_MS = 20;
const FAIL_RATE = 0.05;
const CONCURRENCY = 16;
const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const KEY_ENV = 'KZOPS_BENCH_API_KEY';
const TARGET = 'bench';
/** No kzops run may take longer than this: a hang must fail the bench, not stall it. */
const CHILD_TIMEOUT_MS = 5 * 60_000;

/** `5b` + the row number in hex: 32 lowercase hex characters, as KAZOO ids are. */
const subId = (i) => `5b${i.toString(16).padStart(30, '0')}`;

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function writeSeed(path, from) {
  const { defaultSeed } = await import('../dist/sim/seed.js');
  const seed = defaultSeed();
  for (let i = 0; i < ROWS; i++) {
    seed.subscriptions.push({
      id: subId(i),
      account_id: from,
      mdn: `+1555${String(2_000_000 + i).padStart(7, '0')}`,
      plan: 'BULKPLAN',
      features: ['lte'],
      carrier_name: 'sprint',
    });
  }
  await writeFile(path, JSON.stringify(seed));
}

async function startSim(seedPath) {
  const args = [BIN, 'sim', '--port', '0', '--latency', String(LATENCY_MS), '--fail-rate', String(FAIL_RATE)];
  const child = track(
    spawn(process.execPath, [...args, '--seed', seedPath], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(child, 'exit').then(([code, signal]) => {
      throw new Error(`kzops sim exited ${code ?? signal} before listening:\n${stderr}`);
    }),
  ]);
  const match = /^kzops sim listening on (http:\/\/\S+)$/.exec(first);
  if (!match) throw new Error(`unexpected first line from kzops sim: ${first}\n${stderr}`);
  return {
    url: match[1],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The environment of kzops runs: the bench target's key, and nothing that could redirect them. */
function childEnv() {
  const env = { ...process.env, [KEY_ENV]: SIM_KEY, NO_COLOR: '1' };
  for (const name of ['KZOPS_URL', 'KZOPS_API_KEY', 'KZOPS_TARGET', 'KZOPS_CLUSTER_ID', 'KZOPS_DEBUG'])
    delete env[name];
  return env;
}

/** Runs `kzops ARGS` to its end, timed from spawn to exit. */
async function kzops(args) {
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  return { code, signal, stdout, stderr, ms: performance.now() - t0 };
}

function parseReport(run, label) {
  try {
    return JSON.parse(run.stdout);
  } catch (err) {
    throw new Error(
      `${label}: exit ${run.code ?? run.signal}, --json output is not JSON (${err.message}):\n` +
        `${run.stdout.slice(0, 2000)}\n--- stderr\n${run.stderr.slice(0, 2000)}`,
    );
  }
}

/** The simulator's request log (the last 1000 API requests; `/_sim` calls are not in it). */
async function requestLog(url) {
  const res = await request(`${url}/_sim/requests`);
  const body = await res.body.json();
  if (res.statusCode !== 200) throw new Error(`GET /_sim/requests answered ${res.statusCode}`);
  return body.data;
}

const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

export async function bulkMoveBench() {
  if (!existsSync(join(REPO, 'dist', 'commands', 'subscriptions', 'move.js')))
    throw new Error('dist/commands/subscriptions/move.js is missing: run npm run build');
  const { SEED_IDS } = await import('../dist/sim/seed.js');
  const from = SEED_IDS.accounts.joe;
  const to = SEED_IDS.accounts.hotspot;
  const tmp = await mkdtemp(join(tmpdir(), 'kzops-bench-bulk-'));
  const dir = join(tmp, 'config');
  const csv = join(tmp, 'moves.csv');
  const seedPath = join(tmp, 'seed.json');
  let sim;
  try {
    await writeSeed(seedPath, from);
    sim = await startSim(seedPath);
    await mkdir(dir);
    await writeFile(
      join(dir, 'targets.yaml'),
      `default: ${TARGET}\ntargets:\n  ${TARGET}:\n    url: ${sim.url}\n    api_key_env: ${KEY_ENV}\n    rate_limit: false\n`,
    );
    const rows = Array.from({ length: ROWS }, (_, i) => `${from},${subId(i)},${to}`);
    await writeFile(csv, ['account_id,subscription_id,to_account', ...rows].join('\n') + '\n');
    const args = [
      'subscriptions',
      'move',
      '--from-csv',
      csv,
      '--yes',
      '--json',
      '--concurrency',
      String(CONCURRENCY),
    ];
    args.push('--dir', dir);

    const first = await kzops(args);
    const report = parseReport(first, 'first run');
    const failedRows = (report.rows ?? []).filter((r) => r.status !== 'done');
    if (first.code !== 0 || report.done !== ROWS || report.failed !== 0) {
      throw new Error(
        `bulk-move bench: expected all ${ROWS} rows done, got ${report.done} done, ${report.failed} failed, ` +
          `${report.skipped} skipped (exit ${first.code}); first problems:\n` +
          failedRows
            .slice(0, 5)
            .map((r) => `  line ${r.line}: ${r.status}: ${r.reason}`)
            .join('\n'),
      );
    }
    const log = await requestLog(sim.url);
    const faulted = log.filter((r) => r.fault === 'fail_rate').length;
    console.log(
      `simulator       ${sim.url}, its own process, --latency ${LATENCY_MS} --fail-rate ${FAIL_RATE}; concurrency ${CONCURRENCY}`,
    );
    console.log(
      `first run       ${secs(first.ms)} wall: ${report.done} done, ${report.failed} failed, ${report.skipped} skipped ` +
        `(exit ${first.code}; ${faulted} of the last ${log.length} requests were answered 503 by the fail rate and retried)`,
    );
    console.log(
      `floor           ${secs((ROWS * LATENCY_MS) / CONCURRENCY)} (${ROWS} moves x ${LATENCY_MS} ms / ${CONCURRENCY}, retries not counted)`,
    );

    const before = await requestLog(sim.url);
    const second = await kzops(args);
    const again = parseReport(second, 'second run');
    const after = await requestLog(sim.url);
    // The log keeps the last 1000 requests, so compare its newest entry, not its length.
    const newest = (l) => (l.length === 0 ? '' : `${l[l.length - 1].request_id} ${l[l.length - 1].ms}`);
    const sent =
      newest(after) === newest(before)
        ? 0
        : after.length - after.findIndex((r) => `${r.request_id} ${r.ms}` === newest(before)) - 1;
    const allSkipped =
      again.done === 0 &&
      again.failed === 0 &&
      again.skipped === ROWS &&
      (again.rows ?? []).every((r) => r.status === 'skipped' && r.reason?.startsWith('already done'));
    if (second.code !== 0 || !allSkipped || sent !== 0) {
      throw new Error(
        `bulk-move bench: the re-run should do nothing, but: exit ${second.code}, ${again.done} done, ` +
          `${again.failed} failed, ${again.skipped} skipped, ${sent} requests reached the server`,
      );
    }
    console.log(
      `re-run          ${secs(second.ms)} wall: did nothing: ${again.skipped} of ${ROWS} rows skipped as already done (journal), 0 requests sent`,
    );
    return { rows: ROWS, firstMs: first.ms, done: report.done, failed: report.failed, rerunMs: second.ms };
  } finally {
    await sim?.stop();
    if (process.env.BENCH_KEEP === '1') console.log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  }
}
