// Start-up: how long the whole CLI takes for the commands people and CI run most, as a fresh
// process each time: `kzops --version` (oclif alone: reading the manifest, no command imported)
// and `kzops validate` of the example config/ (default target: the embedded simulator).
// `node -e 0` is the floor no CLI can beat. Each is run N times (KZOPS_BENCH_RUNS, default 15)
// after one warm-up run; median and min are printed. The machine's load skews the numbers: the
// min is what the code costs, the median what a person waits.
// Targets: --version under 300 ms, validate under 500 ms (median).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'run.js');
const RUNS = Number(process.env.KZOPS_BENCH_RUNS ?? 15);

const CASES = [
  { name: 'node -e 0 (floor)', args: ['-e', '0'] },
  { name: 'kzops --version', args: [BIN, '--version'], targetMs: 300 },
  { name: 'kzops validate', args: [BIN, 'validate'], targetMs: 500 },
];

function once(args) {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: REPO,
    encoding: 'utf8',
    // No colour and no inherited debugging: what a CI job runs.
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', DEBUG: '', NODE_OPTIONS: '' },
  });
  const ms = performance.now() - t0;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export async function startupBench() {
  console.log(`${RUNS} runs each, after one warm-up run`);
  const results = {};
  for (const c of CASES) {
    once(c.args);
    const times = Array.from({ length: RUNS }, () => once(c.args));
    const med = median(times);
    const min = Math.min(...times);
    results[c.name] = { median: med, min };
    const target =
      c.targetMs === undefined ? '' : `   target < ${c.targetMs} ms: ${med < c.targetMs ? 'met' : 'MISSED'}`;
    console.log(
      `${c.name.padEnd(20)} median ${med.toFixed(0).padStart(5)} ms   min ${min.toFixed(0).padStart(5)} ms${target}`,
    );
  }
  return results;
}
