// Reconcile at scale: `kzops plan` and `kzops apply` of 2,000 carrier SBCs, 500 media servers
// and 200 customer clusters against `kzops sim --latency 20` running in its own process, whose
// seed has the default accounts and keys but no routing documents (so the first apply creates
// everything). Every SBC names a media server and every media server lists 4 SBCs, so each new
// pair is a reference cycle that apply has to break (media server without priorities, SBCs,
// then the priorities).
//
// Steps: generate and validate the config; plan (all creates); apply (timed, peak RSS);
// plan --detailed-exitcode (must be converged); a change run (10% of the SBCs edited: plan +
// apply); a converged check after it; then a plain sequential undici loop over the same kinds
// of requests against a fresh simulator, for comparison.
//
// The floor of a run is requests x latency / concurrency: what the requests cost if the client
// kept `concurrency` of them in flight at every moment and nothing else took time. Aim: apply
// within 1.5x of its floor, peak RSS of the apply process under 300 MB.
//
// Env: BENCH_CONCURRENCY (default 16), BENCH_SEQUENTIAL=full (run the sequential loop over all
// documents instead of a 1/10 sample), BENCH_KEEP=1 (keep the temp dir and print its path).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { stringify } from 'yaml';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'run.js');
const TIME = '/usr/bin/time';

const LATENCY_MS = 20;
const CONCURRENCY = positiveInt('BENCH_CONCURRENCY', process.env.BENCH_CONCURRENCY ?? '16');
const SEQ_FULL = process.env.BENCH_SEQUENTIAL === 'full';
/** The sequential loop runs over 1/SEQ_SAMPLE of every kind (the sample is closed under references). */
const SEQ_SAMPLE = SEQ_FULL ? 1 : 10;
const AIM_RATIO = 1.5;
const RSS_LIMIT_MB = 300;
/** No single kzops run may take longer than this (a hang must fail the bench, not stall it). */
const CHILD_TIMEOUT_MS = 10 * 60_000;

const SIM_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
const KEY_ENV = 'KZOPS_BENCH_API_KEY';
const TARGET = 'bench';
const PAGE_SIZE = 50; // the simulator's default listing page (src/sim/routes/routing.ts)

const COUNTS = { customerClusters: 200, mediaServers: 500, carrierSbcs: 2000 };
const SBCS_PER_MS = 4;
const CHANGED_SHARE = 10; // percent of SBCs edited in the change run
const CARRIERS = ['sprint', 'tmobile', 'att', 'verizon'];
const ZONES = ['east', 'central', 'west'];
const STATES = ['NY', 'IL', 'CA'];

function positiveInt(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new Error(`${name} must be an integer from 1 to 64, got "${text}"`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// The generated desired state

const pad = (n, width) => String(n).padStart(width, '0');
/** A 32-hex customer cluster id: `cc`, then the number in hex. */
const ccId = (i) => `cc${i.toString(16).padStart(30, '0')}`;
const msKey = (j) => `ms-${pad(j, 4)}`;
const sbcKey = (i) => `sbc-${pad(i, 4)}`;
/** SBC i is served by media server floor(i/4); media server j lists SBCs 4j..4j+3, all of its carrier. */
const msOfSbc = (i) => Math.floor(i / SBCS_PER_MS);
const carrierOfMs = (j) => CARRIERS[j % CARRIERS.length];
const sbcsOfMs = (j) => Array.from({ length: SBCS_PER_MS }, (_, k) => j * SBCS_PER_MS + k);
/** 10.a.b.c from a running counter: every address in the config is distinct. */
const ip = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

const SBC_RULES = {
  call_directions: [
    { direction: 'from_mobile_device', headers: { 'variable_sip_h_P-Served-User': 'sescase=orig' } },
    { direction: 'from_pstn', headers: { 'variable_sip_h_P-Served-User': 'sescase=term' } },
  ],
  number_formatting: {
    from_mobile_device: { to_number: { pattern: '/^(?:467)?(?:\\+?1)?([2-9][0-9]{9})$/', replace: '+1$1' } },
    from_pstn: { from_number: { pattern: '/^(?:\\+?1)?([2-9][0-9]{2})([0-9]{7})$/', replace: '+1$1$2' } },
    to_mobile_device: { to_number: { pattern: '/^\\+1([2-9][0-9]{9})$/', replace: '99999$1' } },
  },
};

/**
 * The config documents as objects, references written as keys (as in config/). The same objects,
 * references turned into ids, are what the sequential loop sends.
 */
function model() {
  let n = 1;
  const nextIp = () => ip(n++);
  const zoneIps = () => Object.fromEntries(ZONES.map((z) => [z, [nextIp(), nextIp()]]));
  const customerClusters = Array.from({ length: COUNTS.customerClusters }, (_, i) => ({
    id: ccId(i),
    doc: {
      name: `Bench Customer Cluster ${pad(i, 4)}`,
      owner: `bench-owner-${i % 17}`,
      ips: { inbound: zoneIps(), outbound: zoneIps() },
      randomize_routing: i % 2 === 0,
    },
  }));
  const mediaServers = Array.from({ length: COUNTS.mediaServers }, (_, j) => {
    const carrier = carrierOfMs(j);
    return {
      key: msKey(j),
      doc: {
        name: `Bench Media Server ${pad(j, 4)}`,
        location: { zone: ZONES[j % 3], state: STATES[j % 3], city: `City ${j % 89}` },
        interfaces: {
          carrier_mpls: { [carrier]: `sipinterface_${carrier}_mpls` },
          authenticated_connection: 'sipinterface_to_customer',
          unauthenticated_connection: `sipinterface_${carrier}_did`,
        },
        carrier_sbc_priority: { [carrier]: sbcsOfMs(j).map(sbcKey) },
        top_ips: [nextIp(), nextIp()],
      },
    };
  });
  const carrierSbcs = Array.from({ length: COUNTS.carrierSbcs }, (_, i) => {
    const j = msOfSbc(i);
    return {
      key: sbcKey(i),
      doc: {
        name: `Bench SBC ${pad(i, 4)}`,
        carrier: carrierOfMs(j),
        location: { zone: ZONES[i % 3], state: STATES[i % 3], city: `City ${i % 97}` },
        ips: [nextIp(), nextIp()],
        mobile_media_server: msKey(j),
        ...structuredClone(SBC_RULES),
      },
    };
  });
  return { customerClusters, mediaServers, carrierSbcs };
}

/** The SBCs the change run edits: every tenth one. */
const changedSbc = (i) => i % (100 / CHANGED_SHARE) === 0;
const changeSbc = (doc) => ({ ...doc, location: { ...doc.location, city: `${doc.location.city} (moved)` } });

const yamlDoc = (comment, doc) => `# ${comment}\n${stringify(doc, { lineWidth: 0 })}`;

async function writeAll(files) {
  // A few hundred writes at a time: fast, and within any file-descriptor limit.
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(files.slice(i, i + 256).map(([path, text]) => writeFile(path, text)));
  }
}

async function generate(dir, url, m) {
  for (const folder of ['customer_clusters', 'carrier_sbcs', 'media_servers']) {
    await mkdir(join(dir, folder), { recursive: true });
  }
  const targets = {
    default: TARGET,
    targets: { [TARGET]: { url, api_key_env: KEY_ENV, max_change_percent: 100, rate_limit: false } },
  };
  const files = [
    [join(dir, 'targets.yaml'), `# kzops bench target: a kzops sim process.\n${stringify(targets)}`],
  ];
  for (const { id, doc } of m.customerClusters)
    files.push([join(dir, 'customer_clusters', `${id}.yaml`), yamlDoc('bench customer cluster', doc)]);
  for (const { key, doc } of m.mediaServers)
    files.push([join(dir, 'media_servers', `${key}.yaml`), yamlDoc('bench media server', doc)]);
  for (const { key, doc } of m.carrierSbcs)
    files.push([join(dir, 'carrier_sbcs', `${key}.yaml`), yamlDoc('bench carrier SBC', doc)]);
  await writeAll(files);
  return files.length;
}

// ---------------------------------------------------------------------------------------------
// Processes: simulators and kzops runs. Every child is tracked and killed on the way out.

const children = new Set();
/** Temp dirs to remove if the bench is stopped by a signal (normally its finally does it). */
const tempDirs = new Set();

/**
 * A kzops run is its own process group (spawned detached), so that killing it also kills the
 * node process under /usr/bin/time, which does not pass signals on.
 */
function kill(child, signal) {
  try {
    if (child.kzopsGroup) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

const killChildren = () => {
  for (const child of children) kill(child, 'SIGKILL');
};
process.on('exit', killChildren);
// 'exit' does not run on a signal: stop the children, clean up, then die of the same signal.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killChildren();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    process.kill(process.pid, signal);
  });
}

function track(child, group = false) {
  child.kzopsGroup = group;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The seed: the default one (accounts, API keys, users, TOP data, clusters) minus every routing document. */
async function writeSeed(path) {
  const { defaultSeed } = await import('../dist/sim/seed.js');
  const seed = defaultSeed();
  delete seed.customer_clusters;
  delete seed.carrier_sbcs;
  delete seed.media_servers;
  await writeFile(path, JSON.stringify(seed, null, 2));
}

async function startSim(seedPath, extraArgs = []) {
  const child = track(
    spawn(
      process.execPath,
      [BIN, 'sim', '--port', '0', '--latency', String(LATENCY_MS), '--seed', seedPath, ...extraArgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
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
    child,
    stderr: () => stderr,
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

/**
 * Runs `kzops ARGS`, timed from spawn to exit. Peak RSS comes from GNU time's %M (the kernel's
 * maximum resident set of the node process, written to a file) when /usr/bin/time exists, else
 * from polling VmHWM in /proc/<pid>/status every 20 ms (the high-water mark, so the last read
 * before exit is at most 20 ms stale).
 */
async function kzops(args, { tmp, okCodes = [0] }) {
  const useTime = existsSync(TIME);
  const rssFile = join(tmp, `rss-${process.hrtime.bigint()}.txt`);
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', '%M %U %S', '-o', rssFile, process.execPath, BIN, ...args] : [BIN, ...args];
  const t0 = performance.now();
  const child = track(
    spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(), detached: true }),
    true,
  );
  const out = [];
  let stderr = '';
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => (stderr += d));
  let hwmKb = 0;
  /** user + sys seconds of the kzops process (GNU time only). */
  let cpuS;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          // gone already
        }
      }, 20);
  const timer = setTimeout(() => kill(child, 'SIGKILL'), CHILD_TIMEOUT_MS);
  const [code, signal] = await once(child, 'exit');
  const ms = performance.now() - t0;
  clearTimeout(timer);
  if (poll) clearInterval(poll);
  // GNU time reports a signalled child as "Command terminated by signal N" and exits 128+N.
  if (useTime && existsSync(rssFile)) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [maxRss, user, sys] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
    hwmKb = maxRss;
    cpuS = user + sys;
  }
  const stdout = Buffer.concat(out).toString('utf8');
  const label = `kzops ${args.join(' ')}`;
  if (signal !== null || !okCodes.includes(code)) {
    throw new Error(
      `${label} exited ${code ?? signal} (expected ${okCodes.join(' or ')}):\n` +
        `--- stdout (first 3000 chars)\n${stdout.slice(0, 3000)}\n--- stderr (first 3000 chars)\n${stderr.slice(0, 3000)}`,
    );
  }
  return {
    code,
    stdout,
    stderr,
    ms,
    rssMb: hwmKb / 1024,
    cpuS,
    rssMethod: useTime ? '/usr/bin/time %M' : '/proc VmHWM polling',
  };
}

function parseJson(run, label) {
  try {
    return JSON.parse(run.stdout);
  } catch (err) {
    throw new Error(
      `${label}: --json output is not JSON (${err.message}):\n${run.stdout.slice(0, 2000)}\n${run.stderr.slice(0, 2000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Counting requests at the simulator: its log (GET /_sim/requests, not itself logged, no added
// latency) keeps the last 1000 requests; polling it every 200 ms (the bench sends < 1000 requests
// in that time at this latency) and following the window counts every request. If the window
// ever moved past the last entry seen, the count is reported as unknown rather than guessed.

class RequestCounter {
  constructor(url) {
    this.url = `${url}/_sim/requests`;
    this.total = 0;
    this.lost = false;
    this.last = undefined;
    this.full = false;
  }

  static key(e) {
    return `${e.request_id} ${e.method} ${e.path} ${e.status} ${e.ms}`;
  }

  async snapshot() {
    const res = await request(this.url);
    const body = await res.body.json();
    if (res.statusCode !== 200) throw new Error(`GET /_sim/requests answered ${res.statusCode}`);
    return body.data;
  }

  /** Takes the baseline: requests before this are not counted. */
  async start() {
    const log = await this.snapshot();
    this.last = log.length > 0 ? RequestCounter.key(log[log.length - 1]) : undefined;
    this.full = log.length >= 1000;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await new Promise((r) => setTimeout(r, 200));
        await this.poll();
      }
    })();
  }

  async poll() {
    const log = await this.snapshot();
    if (log.length === 0) return;
    let fresh;
    if (this.last === undefined) {
      fresh = log.length;
      if (this.full || log.length >= 1000) this.lost = true;
    } else {
      let idx = -1;
      for (let i = log.length - 1; i >= 0; i--) {
        if (RequestCounter.key(log[i]) === this.last) {
          idx = i;
          break;
        }
      }
      if (idx < 0) this.lost = true;
      fresh = log.length - idx - 1;
    }
    this.total += fresh;
    this.last = RequestCounter.key(log[log.length - 1]);
    this.full = log.length >= 1000;
  }

  /** Stops and returns the count, or undefined when some requests may have gone unseen. */
  async stop() {
    if (!this.running) return this.lost ? undefined : this.total;
    this.running = false;
    await this.loop;
    await this.poll();
    return this.lost ? undefined : this.total;
  }
}

// ---------------------------------------------------------------------------------------------
// The sequential baseline: undici request(), one at a time, no concurrency.

async function sequentialBaseline(seedPath, m) {
  const sim = await startSim(seedPath);
  try {
    const url = sim.url;
    let count = 0;
    const call = async (method, path, body, token) => {
      count++;
      const res = await request(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { 'x-auth-token': token } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.body.json();
      if (res.statusCode < 200 || res.statusCode > 299) {
        throw new Error(
          `sequential: ${method} ${path} answered ${res.statusCode}: ${JSON.stringify(json).slice(0, 500)}`,
        );
      }
      return json;
    };
    const base = '/v2/support/routing';
    const cc = m.customerClusters.slice(0, COUNTS.customerClusters / SEQ_SAMPLE);
    const msCount = COUNTS.mediaServers / SEQ_SAMPLE;
    const ms = m.mediaServers.slice(0, msCount);
    const sbcs = m.carrierSbcs.slice(0, msCount * SBCS_PER_MS); // exactly the SBCs those media servers list

    const t0 = performance.now();
    const token = (await call('PUT', '/v2/api_auth', { data: { api_key: SIM_KEY } })).auth_token;
    if (typeof token !== 'string') throw new Error('sequential: no auth_token');
    for (const { id, doc } of cc) await call('PUT', `${base}/customer_clusters/${id}`, { data: doc }, token);
    const msIds = new Map();
    for (const { key, doc } of ms) {
      const { carrier_sbc_priority: _, ...withoutPriority } = doc;
      msIds.set(key, (await call('PUT', `${base}/media_servers`, { data: withoutPriority }, token)).data.id);
    }
    const sbcIds = new Map();
    for (const { key, doc } of sbcs) {
      const data = { ...doc, mobile_media_server: msIds.get(doc.mobile_media_server) };
      sbcIds.set(key, (await call('PUT', `${base}/carrier_sbcs`, { data }, token)).data.id);
    }
    for (const { key, doc } of ms) {
      const priority = Object.fromEntries(
        Object.entries(doc.carrier_sbc_priority).map(([carrier, keys]) => [
          carrier,
          keys.map((k) => sbcIds.get(k)),
        ]),
      );
      await call(
        'PATCH',
        `${base}/media_servers/${msIds.get(key)}`,
        { data: { carrier_sbc_priority: priority } },
        token,
      );
    }
    for (const { id } of cc) await call('GET', `${base}/customer_clusters/${id}`, undefined, token);
    for (const id of msIds.values()) await call('GET', `${base}/media_servers/${id}`, undefined, token);
    for (const id of sbcIds.values()) await call('GET', `${base}/carrier_sbcs/${id}`, undefined, token);
    const ms_ = performance.now() - t0;
    return { requests: count, ms: ms_, perRequestMs: ms_ / count, docs: cc.length + ms.length + sbcs.length };
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Expected request counts (what a straightforward reconciler needs), printed beside the counted ones.

const TOTAL_DOCS = COUNTS.customerClusters + COUNTS.mediaServers + COUNTS.carrierSbcs;
const pages = (n) => Math.max(1, Math.ceil(n / PAGE_SIZE));
/** Auth + listing pages + one GET per live document. */
const planReads = (live) =>
  live === 0
    ? 1 + 3
    : 1 +
      pages(COUNTS.customerClusters) +
      pages(COUNTS.mediaServers) +
      pages(COUNTS.carrierSbcs) +
      TOTAL_DOCS;
const EXPECTED = {
  planEmpty: planReads(0),
  /** Plan reads + a create per document + a priority PATCH per media server + a read-back GET per document. */
  applyCreate: planReads(0) + TOTAL_DOCS + COUNTS.mediaServers + TOTAL_DOCS,
  planFull: planReads(TOTAL_DOCS),
  /** Plan reads + an update per edited SBC + its read-back GET. */
  applyChange: planReads(TOTAL_DOCS) + (2 * (COUNTS.carrierSbcs * CHANGED_SHARE)) / 100,
};

// ---------------------------------------------------------------------------------------------
// Output

const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const line = (label, text) => console.log(`${label.padEnd(30)} ${text}`);
const floorMs = (requests) => (requests * LATENCY_MS) / CONCURRENCY;

/** The requests a run made: kzops's own count (apply --json), else the simulator's count. */
function requestLine({ reported, observed, expected }) {
  const parts = [];
  parts.push(reported === undefined ? 'kzops says: unknown' : `kzops says: ${reported}`);
  parts.push(observed === undefined ? 'simulator saw: unknown' : `simulator saw: ${observed}`);
  parts.push(`expected: ${expected}`);
  line('  requests', parts.join(', '));
  if (reported !== undefined) return { n: reported, source: 'kzops' };
  if (observed !== undefined) return { n: observed, source: 'simulator' };
  return { n: expected, source: 'expected; count unknown' };
}

function timing(ms, req, sequentialPerRequestMs) {
  const floor = floorMs(req.n);
  line('  wall', `${secs(ms)}   ${(req.n / (ms / 1000)).toFixed(0)} requests/s`);
  line(
    '  floor',
    `${secs(floor)} (${req.n} requests [${req.source}] x ${LATENCY_MS} ms / ${CONCURRENCY})   wall/floor ${(ms / floor).toFixed(2)}x`,
  );
  // A handful of requests says nothing about concurrency: no sequential comparison then.
  if (req.n >= 100) {
    const seq = req.n * sequentialPerRequestMs;
    line(
      '  sequential, same requests',
      `${secs(seq)}   (${req.n} x ${sequentialPerRequestMs.toFixed(1)} ms)   speed-up ${(seq / ms).toFixed(1)}x`,
    );
  }
  return { ms, requests: req.n, requestSource: req.source, floorMs: floor, ratio: ms / floor };
}

// ---------------------------------------------------------------------------------------------

async function step(label, fn) {
  try {
    return await fn();
  } catch (err) {
    err.message = `reconcile bench, step "${label}" failed: ${err.message}`;
    throw err;
  }
}

export async function reconcileBench() {
  if (!existsSync(join(REPO, 'dist', 'commands', 'plan.js')))
    throw new Error('dist/ is not built: run npm run build');
  const applyBuilt = existsSync(join(REPO, 'dist', 'commands', 'apply.js'));
  if (!applyBuilt) {
    throw new Error(
      'dist/commands/apply.js does not exist: kzops apply is not built (npm run build), so there is nothing to measure',
    );
  }
  const loadAtStart = loadavg()[0];
  const tmp = await mkdtemp(join(tmpdir(), 'kzops-bench-reconcile-'));
  tempDirs.add(tmp);
  const dir = join(tmp, 'config');
  const seedPath = join(tmp, 'seed.json');
  const sims = [];
  const opts = { tmp };
  const flags = ['--dir', dir, '--target', TARGET, '--concurrency', String(CONCURRENCY)];
  const results = {};
  // Numbers are collected and printed only once every step has passed.
  const report = [];
  const say = (fn) => report.push(fn);
  try {
    await writeSeed(seedPath);
    const sim = await step('start kzops sim', () => startSim(seedPath));
    sims.push(sim);
    const m = model();

    const generated = await step('generate', async () => {
      const t0 = performance.now();
      const n = await generate(dir, sim.url, m);
      return { n, ms: performance.now() - t0 };
    });
    const validate = await step('validate', () => kzops(['validate', '--dir', dir], opts));
    say(() => {
      line(
        'config',
        `${generated.n} files (${COUNTS.customerClusters} customer clusters, ${COUNTS.mediaServers} media servers, ${COUNTS.carrierSbcs} carrier SBCs + targets.yaml), generated in ${secs(generated.ms)}`,
      );
      line('kzops validate', `${secs(validate.ms)} (valid)`);
      line('simulator', `${sim.url}, its own process, --latency ${LATENCY_MS}; concurrency ${CONCURRENCY}`);
    });

    // A run of kzops with the simulator counting its requests.
    const counted = async (args, okCodes) => {
      const counter = new RequestCounter(sim.url);
      await counter.start();
      try {
        const run = await kzops(args, { ...opts, okCodes });
        return { ...run, observed: await counter.stop() };
      } finally {
        await counter.stop();
      }
    };
    const checkSummary = (label, json, want) => {
      const s = json.summary ?? {};
      for (const [k, v] of Object.entries(want)) {
        if ((s[k] ?? 0) !== v)
          throw new Error(`${label}: summary.${k} is ${s[k]}, expected ${v}: ${JSON.stringify(s)}`);
      }
    };

    const checkApply = (label, json) => {
      const s = json.summary ?? {};
      if (
        json.result !== 'applied' ||
        s.failed !== 0 ||
        s.skipped !== 0 ||
        (json.divergences ?? []).length > 0
      ) {
        throw new Error(
          `${label}: result ${json.result}, summary ${JSON.stringify(s)}, ${(json.divergences ?? []).length} divergences: ` +
            JSON.stringify({ divergences: (json.divergences ?? []).slice(0, 3) }).slice(0, 1500),
        );
      }
      return json;
    };

    // 2. plan against the empty server: all creates.
    const plan1 = await step('plan (empty server)', async () => {
      const run = await counted(['plan', ...flags, '--json']);
      checkSummary('plan', parseJson(run, 'plan'), { create: TOTAL_DOCS, update: 0, delete: 0, replace: 0 });
      return run;
    });

    // 3. apply: everything created, cycles broken.
    const apply1 = await step('apply (create all)', async () => {
      const run = await counted(['apply', ...flags, '--yes', '--json']);
      return { ...run, json: checkApply('apply', parseJson(run, 'apply')) };
    });

    // 4. converged.
    const plan2 = await step('plan --detailed-exitcode after apply', async () => {
      const run = await counted(['plan', ...flags, '--json', '--detailed-exitcode'], [0, 2]);
      const json = parseJson(run, 'plan');
      if (run.code !== 0) {
        const pending = json.changes.filter((c) => c.action !== 'noop');
        const shown = pending
          .slice(0, 5)
          .map((c) => `  ${c.action} ${c.kind}/${c.key}: ${JSON.stringify(c.fields).slice(0, 300)}`);
        throw new Error(
          `not converged after apply: exit 2, summary ${JSON.stringify(json.summary)}\n${shown.join('\n')}`,
        );
      }
      checkSummary('plan after apply', json, { noop: TOTAL_DOCS });
      return run;
    });

    // 5. change run: every tenth SBC moves city.
    const changed = m.carrierSbcs.filter((_, i) => changedSbc(i));
    await writeAll(
      changed.map(({ key, doc }) => [
        join(dir, 'carrier_sbcs', `${key}.yaml`),
        yamlDoc('bench carrier SBC (changed)', changeSbc(doc)),
      ]),
    );
    const plan3 = await step('plan (change run)', async () => {
      const run = await counted(['plan', ...flags, '--json', '--detailed-exitcode'], [2]);
      checkSummary('change plan', parseJson(run, 'plan'), {
        update: changed.length,
        create: 0,
        delete: 0,
        replace: 0,
      });
      return run;
    });
    const apply2 = await step('apply (change run)', async () => {
      const run = await counted(['apply', ...flags, '--yes', '--json']);
      return { ...run, json: checkApply('apply (change run)', parseJson(run, 'apply')) };
    });
    const plan4 = await step('plan --detailed-exitcode after the change run', async () => {
      const run = await counted(['plan', ...flags, '--json', '--detailed-exitcode'], [0, 2]);
      if (run.code !== 0)
        throw new Error(
          `not converged after the change run: ${JSON.stringify(parseJson(run, 'plan').summary)}`,
        );
      return run;
    });
    await sim.stop();

    // 7. sequential baseline on a fresh simulator.
    const seq = await step('sequential baseline', () => sequentialBaseline(seedPath, m));
    const seqFull = 1 + TOTAL_DOCS + COUNTS.mediaServers + TOTAL_DOCS;

    // ------------------------------------------------------------------ print
    for (const fn of report) fn();
    line('peak RSS measured with', apply1.rssMethod);
    const load = Math.max(loadAtStart, loadavg()[0]);
    line(
      'machine',
      `${cpus().length} CPUs, 1-min load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end` +
        (load > cpus().length ? ' (busy: wall times are inflated, CPU seconds less so)' : ''),
    );

    console.log('-- sequential baseline (undici request(), one at a time, a fresh simulator)');
    line(
      '  sample',
      `${seq.docs} documents, ${seq.requests} requests in ${secs(seq.ms)}: ${seq.perRequestMs.toFixed(1)} ms/request`,
    );
    line(
      SEQ_FULL
        ? `  sequential (${seq.requests} requests)`
        : `  sequential (extrapolated from ${seq.requests} requests)`,
      `${secs(seq.perRequestMs * seqFull)} for all ${seqFull} (auth, ${TOTAL_DOCS} creates, ${COUNTS.mediaServers} priority PATCHes, ${TOTAL_DOCS} GETs)`,
    );

    const reportedRequests = (json) => (typeof json?.requests === 'number' ? json.requests : undefined);
    const runs = [
      ['plan (empty server)', plan1, undefined, EXPECTED.planEmpty],
      ['apply (create all)', apply1, reportedRequests(apply1.json), EXPECTED.applyCreate],
      ['plan (converged)', plan2, undefined, EXPECTED.planFull],
      ['plan (change run)', plan3, undefined, EXPECTED.planFull],
      ['apply (change run)', apply2, reportedRequests(apply2.json), EXPECTED.applyChange],
      ['plan (converged again)', plan4, undefined, EXPECTED.planFull],
    ];
    for (const [label, run, reported, expected] of runs) {
      console.log(`-- ${label}`);
      const req = requestLine({ reported, observed: run.observed, expected });
      results[label] = { ...timing(run.ms, req, seq.perRequestMs), rssMb: run.rssMb };
      const limit = label.startsWith('apply')
        ? `   limit ${RSS_LIMIT_MB} MB: ${run.rssMb < RSS_LIMIT_MB ? 'met' : 'MISSED'}`
        : '';
      line('  peak RSS', `${run.rssMb.toFixed(0)} MB${limit}`);
      if (run.cpuS !== undefined) line('  CPU of the kzops process', `${run.cpuS.toFixed(2)} s (user + sys)`);
      if (run.json?.summary) line('  summary', JSON.stringify(run.json.summary));
    }

    console.log('-- plan --detailed-exitcode');
    line('  after apply', `exit ${plan2.code} (converged)`);
    line('  after the change run', `exit ${plan4.code} (converged)`);

    const a = results['apply (create all)'];
    console.log('-- apply (create all)');
    line(
      '  wall / floor',
      `${a.ratio.toFixed(2)}x   aim <= ${AIM_RATIO}x: ${a.ratio <= AIM_RATIO ? 'met' : 'MISSED'}`,
    );
    line(
      '  peak RSS',
      `${a.rssMb.toFixed(0)} MB   limit ${RSS_LIMIT_MB} MB: ${a.rssMb < RSS_LIMIT_MB ? 'met' : 'MISSED'}`,
    );
    return results;
  } finally {
    for (const s of sims) await s.stop().catch(() => undefined);
    if (process.env.BENCH_KEEP === '1') console.log(`(kept ${tmp})`);
    else await rm(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  }
}

// For checking the pieces on their own (generator, simulator, counting, the sequential loop).
export {
  model,
  generate,
  writeSeed,
  startSim,
  kzops,
  parseJson,
  RequestCounter,
  sequentialBaseline,
  EXPECTED,
  tempDirs,
};
