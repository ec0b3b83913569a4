// `kzops validate` at scale: a generated config of 10,000 resources (200 customer clusters,
// 7,300 carrier SBCs, 2,500 media servers), every reference valid and every IP unique, so the
// result must be valid with zero problems (an invalid config would measure the error path).
// Times reading + validating end to end, validating alone, and the whole CLI as a subprocess.
// Target: under 3 s end to end.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readConfigDir } from '../dist/config/read-config-dir.js';
import { loadSchemas } from '../dist/config/schemas.js';
import { validateConfig } from '../dist/core/validate/index.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'run.js');
const EXAMPLE = join(REPO, 'config');
const TARGET_MS = 3000;

const COUNTS = { customerClusters: 200, carrierSbcs: 7300, mediaServers: 2500 };
const CARRIERS = ['sprint', 'tmobile', 'att', 'verizon'];
const ZONES = ['east', 'central', 'west'];
const SBCS_PER_PRIORITY = 3;

const pad = (n, width) => String(n).padStart(width, '0');
/** A 32-hex id no example file uses: `b` for bench, then the number in hex. */
const benchId = (n) => `b${n.toString(16).padStart(31, '0')}`;
/** 10.a.b.c: room for 2^24 unique addresses, far from the example config's ranges. */
const ip = (n) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

const sbcKey = (i) => `bench-sbc-${pad(i, 5)}`;
const mediaKey = (i) => `bench-ms-${pad(i, 5)}`;
const carrierOf = (i) => CARRIERS[i % CARRIERS.length];

function customerCluster(i, nextIp) {
  const zone = (dir) => `  ${dir}:\n${ZONES.map((z) => `    ${z}: [${nextIp()}, ${nextIp()}]`).join('\n')}`;
  return `# Bench customer cluster ${i}.
name: Bench Customer Cluster ${pad(i, 5)}
owner: bench-owner-${i % 17}
ips:
${zone('inbound')}
${zone('outbound')}
randomize_routing: ${i % 2 === 0}
`;
}

function carrierSbc(i, nextIp) {
  const zone = ZONES[i % ZONES.length];
  const v6 = i % 10 === 0 ? `, '2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1'` : '';
  return `# Bench carrier SBC ${i}.
name: Bench SBC ${pad(i, 5)}
carrier: ${carrierOf(i)}
location:
  zone: ${zone}
  state: ST
  city: City ${i % 97}
ips: [${nextIp()}, ${nextIp()}${v6}]
mobile_media_server: ${mediaKey(i % COUNTS.mediaServers)}
call_directions:
  - direction: from_mobile_device
    headers:
      variable_sip_h_P-Served-User: sescase=orig
  - direction: from_pstn
    headers:
      variable_sip_h_P-Served-User: sescase=term
number_formatting:
  from_mobile_device:
    to_number:
      pattern: '/^(?:467)?(?:\\+?1)?([2-9][0-9]{9})$/'
      replace: '+1$1'
  from_pstn:
    from_number:
      pattern: '/^(?:\\+?1)?([2-9][0-9]{2})([0-9]{7})$/'
      replace: '+1$1$2'
  to_mobile_device:
    to_number:
      pattern: '/^\\+1([2-9][0-9]{9})$/'
      replace: '99999$1'
`;
}

/** Media server j lists SBCs of the same carrier, keys j, j+4, j+8 ... (mod the SBC count). */
function mediaServer(j, nextIp) {
  const carrier = carrierOf(j);
  const sbcs = [];
  for (let k = 0; k < SBCS_PER_PRIORITY; k++) {
    sbcs.push(sbcKey((j + k * CARRIERS.length * COUNTS.mediaServers) % COUNTS.carrierSbcs));
  }
  // Same carrier: every index listed is j mod CARRIERS.length plus multiples of CARRIERS.length
  // (the SBC count is a multiple of it), so carrierOf agrees.
  return `# Bench media server ${j}.
name: Bench Media Server ${pad(j, 5)}
location:
  zone: ${ZONES[j % ZONES.length]}
  state: ST
  city: City ${j % 89}
interfaces:
  carrier_mpls:
    ${carrier}: sipinterface_${carrier}_mpls
  authenticated_connection: sipinterface_to_customer
  unauthenticated_connection: sipinterface_${carrier}_did
carrier_sbc_priority:
  ${carrier}: [${sbcs.join(', ')}]
top_ips: [${nextIp()}, ${nextIp()}]
`;
}

/** The example config plus 10,000 generated resources; returns the number of files. */
export async function generate(dir) {
  if (COUNTS.carrierSbcs % CARRIERS.length !== 0)
    throw new Error('SBC count must be a multiple of the carriers');
  await cp(EXAMPLE, dir, { recursive: true, dereference: true });
  let n = 1;
  const nextIp = () => ip(n++);
  const files = [];
  for (let i = 0; i < COUNTS.customerClusters; i++) {
    files.push([`customer_clusters/${benchId(i)}.yaml`, customerCluster(i, nextIp)]);
  }
  for (let i = 0; i < COUNTS.carrierSbcs; i++)
    files.push([`carrier_sbcs/${sbcKey(i)}.yaml`, carrierSbc(i, nextIp)]);
  for (let j = 0; j < COUNTS.mediaServers; j++) {
    files.push([`media_servers/${mediaKey(j)}.yaml`, mediaServer(j, nextIp)]);
  }
  for (const folder of ['customer_clusters', 'carrier_sbcs', 'media_servers']) {
    await mkdir(join(dir, folder), { recursive: true });
  }
  // A few hundred writes at a time: fast, and within any file-descriptor limit.
  for (let i = 0; i < files.length; i += 256) {
    await Promise.all(files.slice(i, i + 256).map(([path, text]) => writeFile(join(dir, path), text)));
  }
  return files.length;
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ms = (t) => `${t.toFixed(0)} ms`;

export async function validateBench() {
  const dir = await mkdtemp(join(tmpdir(), 'kzops-bench-validate-'));
  try {
    const generated = await generate(dir);
    // The interval samples while files are read; validation is mostly synchronous, so it is
    // sampled after it too, and the process maximum (resourceUsage) is printed beside.
    let peakRss = process.memoryUsage().rss;
    const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
    const sampler = setInterval(sample, 5);

    const t0 = performance.now();
    const schemas = await loadSchemas();
    const t1 = performance.now();
    const files = await readConfigDir(dir);
    const t2 = performance.now();
    sample();
    const result = validateConfig(files, schemas);
    const t3 = performance.now();
    sample();
    clearInterval(sampler);

    if (!result.valid || result.problems.length > 0) {
      const shown = result.problems
        .slice(0, 10)
        .map((p) => `  ${p.file}:${p.line}:${p.col} ${p.code} ${p.message}`)
        .join('\n');
      throw new Error(`the generated config is invalid (${result.problems.length} problems):\n${shown}`);
    }

    const endToEnd = t3 - t0;
    console.log(
      `${files.length} files (${generated} generated + the example config), ${result.resources.length} resources`,
    );
    console.log(`load schemas                 ${ms(t1 - t0)}`);
    console.log(`read config dir              ${ms(t2 - t1)}`);
    console.log(`validate only                ${ms(t3 - t2)}`);
    console.log(
      `end to end (all three)       ${ms(endToEnd)}   target < ${TARGET_MS} ms: ${endToEnd < TARGET_MS ? 'met' : 'MISSED'}`,
    );
    console.log(
      `peak RSS                     ${mib(peakRss)} sampled, ${mib(process.resourceUsage().maxRSS * 1024)} process max`,
    );

    const c0 = performance.now();
    const cli = spawnSync(process.execPath, [BIN, 'validate', '--dir', dir], { encoding: 'utf8' });
    const cliMs = performance.now() - c0;
    if (cli.status !== 0) {
      throw new Error(
        `kzops validate --dir exited ${cli.status ?? cli.signal}:\n${cli.stdout.slice(0, 2000)}${cli.stderr.slice(0, 2000)}`,
      );
    }
    console.log(`kzops validate --dir (whole CLI, subprocess) ${ms(cliMs)}`);
    return {
      files: files.length,
      loadSchemasMs: t1 - t0,
      readMs: t2 - t1,
      validateMs: t3 - t2,
      endToEndMs: endToEnd,
      peakRssBytes: peakRss,
      cliMs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
