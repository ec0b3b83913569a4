import { Flags } from '@oclif/core';
import { once } from 'node:events';
import { BaseCommand } from '../cli/base-command.js';
import { ConfigError, UsageError } from '../core/errors.js';
import type { FailMode } from '../sim/faults.js';
import { SIM_API_KEYS } from '../sim/keys.js';
import { startSim } from '../sim/server.js';

function parseFailRate(input: string): Promise<number> {
  const p = Number(input);
  if (input.trim() === '' || !Number.isFinite(p) || p < 0 || p > 1) {
    return Promise.reject(new UsageError(`--fail-rate must be a number from 0 to 1, got "${input}"`));
  }
  return Promise.resolve(p);
}

/** A port that cannot be bound is the user's to fix (another --port), not a bug in kzops. */
function startupError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new ConfigError(`cannot listen on ${host}:${port}: ${code}`, {
      cause: err,
      hint: 'pick another --port (0 picks a free one) or --host',
    });
  }
  return err;
}

export default class Sim extends BaseCommand {
  static override summary = 'Run the support-API simulator (a stateful HTTP server of every route)';
  static override description = `Serves the KAZOO support API from memory, seeded with example data, for trying kzops and for tests.
It answers as KAZOO's crossbar does where the API reference is silent (see the README).
The first line on stdout is exactly "kzops sim listening on http://HOST:PORT". SIGINT or SIGTERM stop it.

The default seed's API keys (64 hex characters, as KAZOO's):
  super_master  ${SIM_API_KEYS.super_master}
  master        ${SIM_API_KEYS.master}

${BaseCommand.exitCodesHelp}`;
  static override enableJsonFlag = false;
  static override examples = [
    '<%= config.bin %> sim --port 0',
    '<%= config.bin %> sim --state .kzops/sim.json --latency 20 --fail-rate 0.05',
    '<%= config.bin %> sim --rate-limit 100 --fail-rate 0.02 --fail-mode after',
  ];

  static override flags = {
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    port: Flags.integer({
      description: 'port to listen on (0 picks a free one)',
      default: 8000,
      min: 0,
      max: 65535,
    }),
    state: Flags.string({
      description: 'state file: loaded at start if it exists, saved atomically after every change',
    }),
    seed: Flags.string({
      description: 'seed file (YAML or JSON, see schemas/sim-seed.schema.json) instead of the default seed',
    }),
    latency: Flags.integer({ description: 'milliseconds added to every response', default: 0, min: 0 }),
    'fail-rate': Flags.custom<number>({
      description: 'share of requests answered 503 (0 to 1)',
      parse: parseFailRate,
    })(),
    'fail-mode': Flags.string({
      description:
        'where --fail-rate strikes: before processing, after the request was saved (as crossbar can), or either',
      options: ['before', 'after', 'mixed'],
      default: 'mixed',
    }),
    'rate-limit': Flags.integer({
      description:
        'token bucket of N per client (IP and account), refilled with N/10 each second; 429 when short (KAZOO: 100)',
      min: 1,
    }),
    'auth-cost': Flags.integer({
      description: 'tokens api_auth and user_auth take from the bucket (every other request takes 1)',
      default: 35,
      min: 1,
    }),
    'retry-after': Flags.boolean({
      description: 'send Retry-After with a 429 (crossbar never does; for clients that honour it)',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parseInput(Sim);
    // Listening for the signals before the listening line is printed: a supervisor may send
    // SIGTERM as soon as it reads that line, and a signal nobody listens for kills outright.
    const stop = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    const sim = await startSim({
      host: flags.host,
      port: flags.port,
      statePath: flags.state,
      seedPath: flags.seed,
      latencyMs: flags.latency,
      failRate: flags['fail-rate'] ?? 0,
      failMode: flags['fail-mode'] as FailMode,
      rateLimit: flags['rate-limit'],
      authCost: flags['auth-cost'],
      retryAfter: flags['retry-after'],
    }).catch((err: unknown) => {
      throw startupError(err, flags.host, flags.port);
    });
    process.stdout.write(`kzops sim listening on ${sim.url}\n`);
    const signal = await stop;
    this.logToStderr(`kzops sim: ${String(signal[0] ?? 'signal')} received, stopping`);
    await sim.close();
  }
}
