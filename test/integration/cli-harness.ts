/**
 * Running the built CLI as a user would, for the integration tests: `runKzops` in the test
 * worker (dist/cli/main.js's runCli, what bin/run.js calls), `runKzopsSpawned` and
 * `runKzopsAndSignal` as a child process (`node bin/run.js`) where the process boundary is
 * what is tested. `npm test` builds dist/ first; run `npm run build` before running one of
 * these files alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rm, writeFile } from 'node:fs/promises';
import { Console } from 'node:console';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

/**
 * Runs `kzops ARGS` to completion in a child process (`node bin/run.js`); a run that outlives
 * `timeoutMs` is killed and throws. For what needs the process boundary: the exit code and
 * stdio of a real process (cli-smoke.test.ts), runs racing each other; `runKzops` otherwise.
 */
export async function runKzopsSpawned(
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

// -------------------------------------------------------------------------------------------
// In-process runs

/** The built CLI's modules, loaded once per worker (oclif loads the commands from dist/ too). */
interface Dist {
  runCli: (typeof import('../../src/cli/main.js'))['runCli'];
  forgetSecrets: (typeof import('../../src/core/secret-registry.js'))['forgetSecrets'];
}

let dist: Promise<Dist> | undefined;

function loadDist(): Promise<Dist> {
  dist ??= (async () => {
    const main = join(REPO, 'dist', 'cli', 'main.js');
    const registry = join(REPO, 'dist', 'core', 'secret-registry.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: run \`npm run build\` before these tests (npm test does)`);
    const [m, r] = (await Promise.all([
      import(/* @vite-ignore */ pathToFileURL(main).href),
      import(/* @vite-ignore */ pathToFileURL(registry).href),
    ])) as [Dist, Dist];
    return { runCli: m.runCli, forgetSecrets: r.forgetSecrets };
  })();
  return dist;
}

/** A stream that keeps what is written to it, as a pipe would (no TTY, no columns). */
function captureStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: unknown, encoding, done) {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

type StreamName = 'stdout' | 'stderr' | 'stdin';
const STREAMS: readonly StreamName[] = ['stdout', 'stderr', 'stdin'];
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** process.env becomes exactly `next` (the same object: modules hold on to it). */
function replaceEnv(next: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in next)) delete process.env[key];
  for (const [key, value] of Object.entries(next)) if (value !== undefined) process.env[key] = value;
}

let inProcessRun: Promise<unknown> | undefined;

/** Read by Node when a process starts: a run that sets one of these needs its own process. */
const STARTUP_ENV: readonly string[] = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/**
 * Runs `kzops ARGS` in this process, with the same result as `runKzopsSpawned` (`signal` is null):
 * the built CLI's `runCli` (dist/cli/main.js, as bin/run.js) with, for the length of the run,
 * `cwd` as the working directory, `cliEnv(env)` as process.env, `kzops ARGS` as process.argv,
 * stdout and stderr captured by pipe-like streams (no TTY: no colour, no prompts, no progress
 * bars), an empty stdin, and a console writing to them (oclif prints through console). After
 * the run every one of these is put back, the secrets the run registered are forgotten (and
 * `--show-secrets`), and SIGINT/SIGTERM listeners it left are removed: runs do not see each
 * other. Tens of milliseconds instead of a process start (~1 s here).
 *
 * One worker has one cwd, env and stdout, so a run started while another is going (two runs
 * under Promise.all, e.g. two applies racing for the lock) is spawned instead, and so is a run
 * that sets a variable Node reads only at start-up (NODE_EXTRA_CA_CERTS, NODE_OPTIONS). A run that
 * outlives `timeoutMs` throws; it cannot be killed, so the runs after it are spawned too.
 * Spawn (`runKzopsSpawned`, `runKzopsAndSignal`) what needs the process boundary: signals,
 * real stdio, the exit itself.
 */
export async function runKzops(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd: string; timeoutMs?: number },
): Promise<RunResult> {
  const startup = STARTUP_ENV.some((name) => opts.env?.[name] !== undefined);
  if (inProcessRun !== undefined || startup) return runKzopsSpawned(args, opts);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let release!: () => void;
  inProcessRun = new Promise<void>((resolve) => (release = resolve)).then(() => (inProcessRun = undefined));
  let restore: (() => void) | undefined;
  let run: Promise<number> | undefined;
  try {
    const { runCli, forgetSecrets } = await loadDist();
    const out = captureStream();
    const err = captureStream();
    const saved = {
      env: { ...process.env },
      cwd: process.cwd(),
      argv: process.argv,
      console: globalThis.console,
      streams: STREAMS.map((name) => [name, Object.getOwnPropertyDescriptor(process, name)] as const),
      listeners: SIGNALS.map((sig) => [sig, new Set(process.listeners(sig))] as const),
    };
    restore = () => {
      restore = undefined;
      for (const [sig, before] of saved.listeners) {
        for (const l of process.listeners(sig)) if (!before.has(l)) process.off(sig, l);
      }
      for (const [name, descriptor] of saved.streams)
        if (descriptor) Object.defineProperty(process, name, descriptor);
      globalThis.console = saved.console;
      process.argv = saved.argv;
      process.chdir(saved.cwd);
      replaceEnv(saved.env);
      process.exitCode = undefined;
      forgetSecrets();
    };
    forgetSecrets();
    replaceEnv(cliEnv(opts.env));
    process.chdir(opts.cwd);
    process.argv = [process.execPath, BIN, ...args];
    const stdin = Readable.from([]);
    for (const [name, stream] of [
      ['stdout', out.stream],
      ['stderr', err.stream],
      ['stdin', stdin],
    ] as const) {
      Object.defineProperty(process, name, {
        configurable: true,
        enumerable: true,
        writable: true,
        value: stream,
      });
    }
    globalThis.console = new Console({ stdout: out.stream, stderr: err.stream, colorMode: false });

    // An exception runCli lets through would reach bin/run.js's handler: its stack, exit 1.
    run = runCli(args).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return 1;
    });
    void run.finally(release);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      run,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    // What the run queued for the next tick (oclif's warnings, emitted via process.nextTick)
    // still lands in its stderr, as it would before a process exits.
    await new Promise((resolve) => setImmediate(resolve));
    const result = { code: code ?? null, signal: null, stdout: out.text(), stderr: err.text() };
    if (code === undefined) {
      throw new Error(
        `kzops ${args.join(' ')} did not finish in ${timeoutMs} ms (in-process)\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return result;
  } finally {
    restore?.();
    if (run === undefined) release();
  }
}
