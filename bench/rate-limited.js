// A rate-limited apply: `kzops apply` of 500 new carrier SBCs (a create and a read-back each,
// about 1,000 requests with the plan's listings) against `kzops sim --rate-limit 100` in its own
// process: crossbar's bucket of 100 tokens refilled 10 a second, 35 per authentication, and no
// Retry-After on a 429. The target sets no rate_limit, so kzops paces with KAZOO's defaults.
//
// The floor is what the bucket allows: (requests + auth cost - 100) / 10 seconds. Aim: exit 0, no
// failed step, at most 5% of the requests answered 429, within 1.2x of the floor.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { kzops, parseJson, startSim, tempDirs, writeSeed } from './reconcile.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const SBCS = 500;
const BUCKET = 100;
const PER_SECOND = 10;
const AUTH_COST = 35;
const AIM_RATIO = 1.2;
const AIM_REJECTED = 0.05;

const line = (label, text) => console.log(`${label.padEnd(30)} ${text}`);
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function writeConfig(dir, url) {
  await mkdir(join(dir, 'carrier_sbcs'), { recursive: true });
  const targets = {
    default: 'bench',
    targets: { bench: { url, api_key_env: 'KZOPS_BENCH_API_KEY', max_change_percent: 100 } },
  };
  await writeFile(join(dir, 'targets.yaml'), stringify(targets));
  for (let i = 0; i < SBCS; i++) {
    const doc = {
      name: `Paced SBC ${String(i).padStart(4, '0')}`,
      carrier: 'sprint',
      location: { zone: 'east', state: 'NY', city: 'New York' },
      ips: [`10.${Math.floor(i / 250)}.${i % 250}.1`],
    };
    await writeFile(join(dir, 'carrier_sbcs', `paced-${i}.yaml`), stringify(doc));
  }
}

export async function rateLimitedBench() {
  if (!existsSync(join(REPO, 'dist', 'commands', 'apply.js')))
    throw new Error('dist/ is not built: run npm run build');
  const tmp = await mkdtemp(join(tmpdir(), 'kzops-bench-rate-'));
  tempDirs.add(tmp);
  const dir = join(tmp, 'config');
  const seedPath = join(tmp, 'seed.json');
  await writeSeed(seedPath);
  const sim = await startSim(seedPath, ['--rate-limit', String(BUCKET)]);
  try {
    await writeConfig(dir, sim.url);
    const run = await kzops(['apply', '--dir', dir, '--yes', '--json', '--concurrency', '16'], { tmp });
    const out = parseJson(run, 'kzops apply --json');
    const failed = out.steps.filter((s) => s.status !== 'done');
    const floorMs = ((out.requests + AUTH_COST - BUCKET) / PER_SECOND) * 1000;
    const ratio = run.ms / floorMs;
    const share = out.rate_limited / out.requests;
    line('apply', `${out.steps.length} steps, ${failed.length} not done, exit ${run.code}`);
    line(
      'requests',
      `${out.requests} sent, ${out.rate_limited} answered 429 (${(share * 100).toFixed(1)}%; aim <= 5%)`,
    );
    line(
      'time',
      `${secs(run.ms)} against a bucket floor of ${secs(floorMs)}: ${ratio.toFixed(2)}x (aim <= ${AIM_RATIO}x)`,
    );
    line('peak RSS', `${run.rssMb.toFixed(0)} MB`);
    if (failed.length > 0) throw new Error(`rate-limited bench: ${failed.length} steps not done`);
    if (share > AIM_REJECTED)
      console.log(`MISSED: ${(share * 100).toFixed(1)}% of requests were answered 429`);
    if (ratio > AIM_RATIO) console.log(`MISSED: ${ratio.toFixed(2)}x the bucket floor`);
    return { requests: out.requests, rateLimited: out.rate_limited, ms: run.ms, floorMs, ratio };
  } finally {
    await sim.stop();
    await rm(tmp, { recursive: true, force: true });
    tempDirs.delete(tmp);
  }
}
