// Start-up: how long the whole CLI takes for the commands people and CI run most, as a fresh
// process each time: `kzops --version` (oclif alone: reading the manifest, no command imported)
// and `kzops validate` of the example config/ (default target: the embedded simulator).
// `node -e 0` is the floor no CLI can beat. Each is run N times (KZOPS_BENCH_RUNS, default 15)
// after one warm-up run; median and min are printed. The machine's load skews the numbers: the
// min is what the code costs, the median what a person waits.
// Targets: --version under 300 ms, validate under 500 ms (median).
// On Linux the CPU time each run took (user + system, from /proc) is printed too: it hardly
// depends on what else the machine runs, so it is the number to compare across changes when
// the machine is busy (on an idle machine the wall time is close to it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

// KZOPS_BENCH_REPO: another built checkout to measure (say, main's), for a before/after.
const REPO = process.env.KZOPS_BENCH_REPO ?? fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'run.js');
const RUNS = Number(process.env.KZOPS_BENCH_RUNS ?? 15);

const CASES = [
  { name: 'node -e 0 (floor)', args: ['-e', '0'] },
  { name: 'kzops --version', args: [BIN, '--version'], targetMs: 300 },
  { name: 'kzops validate', args: [BIN, 'validate'], targetMs: 500 },
];

const PROC = '/proc/self/stat';
const TICKS = existsSync(PROC)
  ? Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100
  : 0;

/** CPU ms of this process's waited-for children so far (cutime + cstime), or NaN off Linux. */
function childCpuMs() {
  if (!TICKS) return NaN;
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(PROC, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
}

function once(args) {
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  const run = spawnSync(process.execPath, args, {
    cwd: REPO,
    encoding: 'utf8',
    // No colour and no inherited debugging: what a CI job runs.
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', DEBUG: '', NODE_OPTIONS: '' },
  });
  const ms = performance.now() - t0;
  if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { ms, cpu: childCpuMs() - cpu0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export async function startupBench() {
  console.log(`${REPO}: ${RUNS} runs each, after one warm-up run`);
  const results = {};
  for (const c of CASES) {
    once(c.args);
    const runs = Array.from({ length: RUNS }, () => once(c.args));
    const times = runs.map((r) => r.ms);
    const med = median(times);
    const min = Math.min(...times);
    // Mean, not median: /proc counts in clock ticks (10 ms), the mean averages that out.
    const cpu = runs.reduce((sum, r) => sum + r.cpu, 0) / runs.length;
    results[c.name] = { median: med, min, cpu };
    const target =
      c.targetMs === undefined ? '' : `   target < ${c.targetMs} ms: ${med < c.targetMs ? 'met' : 'MISSED'}`;
    const cpuText = Number.isNaN(cpu) ? '' : `   cpu ${cpu.toFixed(0).padStart(4)} ms`;
    console.log(
      `${c.name.padEnd(20)} median ${med.toFixed(0).padStart(5)} ms   min ${min.toFixed(0).padStart(5)} ms${cpuText}${target}`,
    );
  }
  return results;
}
