/**
 * Running the built CLI (`node bin/run.js`) as a user would, for the integration tests.
 * `npm test` builds dist/ first; run `npm run build` before running one of these files alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin', 'run.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Throws a clear error when dist/ lacks the command a test file needs. */
export function requireBuilt(command: string): void {
  const file = join(REPO, 'dist', 'commands', `${command}.js`);
  if (!existsSync(BIN) || !existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build\` before these tests (npm test does)`);
  }
}

/**
 * The test runner's environment without any KZOPS_* variable or colour setting, plus `extra`
 * (an undefined value removes the variable), so a developer's own settings cannot leak in.
 * CI=true as on the CI machine, where colour libraries would turn colour on unless told not to.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CI: 'true' };
  for (const [k, v] of Object.entries({ ...process.env, ...extra })) {
    const inherited = !(k in extra);
    if (v === undefined) continue;
    if (inherited && (k.startsWith('KZOPS_') || k === 'NO_COLOR' || k === 'FORCE_COLOR')) continue;
    env[k] = v;
  }
  return env;
}

/**
 * Spawns `kzops ARGS` and collects its output; `onStdout` sees the output so far (and the
 * child) after each chunk. A run that outlives `timeoutMs` is killed (`timedOut`).
 */
function spawnKzops(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd: string; timeoutMs: number },
  onStdout?: (stdout: string, child: ChildProcess) => void,
): Promise<RunResult & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: cliEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Runs `kzops ARGS` to completion; a run that outlives `timeoutMs` is killed and throws. */
export async function runKzops(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd: string; timeoutMs?: number },
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const { timedOut, ...run } = await spawnKzops(args, { ...opts, timeoutMs });
  if (timedOut) {
    throw new Error(
      `kzops ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`,
    );
  }
  return run;
}

/**
 * Makes `<work>/config` a fresh copy of the repository's example config and removes
 * `<work>/.kzops` (the embedded simulator's documents, the sim target's state and locks), so
 * a test starts from the default seed with no state. Returns the config directory.
 */
export async function freshExampleConfig(work: string): Promise<string> {
  const dir = join(work, 'config');
  await rm(dir, { recursive: true, force: true });
  await rm(join(work, '.kzops'), { recursive: true, force: true });
  await cp(join(REPO, 'config'), dir, { recursive: true });
  return dir;
}

/** The API key of the simulator's default seed (super_master): a published demo value. */
export const SIM_SUPER_MASTER_KEY = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

/**
 * Writes `<dir>/targets.yaml` with one default target `lab` at `url` (a simulator started by
 * the test), its key read from LAB_KEY: run the CLI with env `{ LAB_KEY: SIM_SUPER_MASTER_KEY }`.
 */
export async function writeLabTargets(dir: string, url: string): Promise<void> {
  await writeFile(
    join(dir, 'targets.yaml'),
    // The lab simulator has no rate limit: no pacing (KAZOO's bucket would slow every test down).
    [
      'default: lab',
      'targets:',
      '  lab:',
      `    url: ${url}`,
      '    api_key_env: LAB_KEY',
      '    rate_limit: false',
      '',
    ].join('\n'),
  );
}

export interface SignalledRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the first signal to the exit. */
  ms: number;
}

/**
 * Runs `kzops ARGS` and, once its stdout matches `when`, sends it `signals` in order, `gapMs`
 * apart: Ctrl-C and SIGTERM at the process boundary. A run that outlives 60 s is killed.
 */
export async function runKzopsAndSignal(
  args: string[],
  opts: {
    cwd: string;
    env?: Record<string, string | undefined>;
    when: RegExp;
    signals: NodeJS.Signals[];
    gapMs?: number;
  },
): Promise<SignalledRun> {
  let at = 0;
  const run = await spawnKzops(args, { cwd: opts.cwd, env: opts.env, timeoutMs: 60_000 }, (stdout, child) => {
    if (at !== 0 || !opts.when.test(stdout)) return;
    at = performance.now();
    opts.signals.forEach((sig, i) => setTimeout(() => child.kill(sig), i * (opts.gapMs ?? 0)));
  });
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, ms: performance.now() - at };
}
