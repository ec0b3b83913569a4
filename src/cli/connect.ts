/**
 * Turns the command line's choice of server into a connected API client. With no KZOPS_URL
 * (or KZOPS_URL=sim) the simulator is started in-process on a loopback port, so a newcomer
 * can try every read-only command with no server at all.
 */
import { KazooClient } from '../api/client.js';
import { ConfigError } from '../core/errors.js';
import { resolveTarget } from '../api/target.js';
import { startSim } from '../sim/server.js';

/** The default seed's super_master key: a published demo value, not a secret. */
const EMBEDDED_SIM_KEY = 'sim-super-master-key';

export interface Connection {
  client: KazooClient;
  /** What the user is talking to, for headers of human output. */
  label: string;
  close(): Promise<void>;
}

export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const url = env.KZOPS_URL;
  if (url !== undefined && url !== '' && url !== 'sim') {
    if (!env.KZOPS_API_KEY) {
      throw new ConfigError('KZOPS_URL is set but KZOPS_API_KEY is not', {
        hint: 'export KZOPS_API_KEY with the API key for that server, or unset KZOPS_URL to use the embedded simulator',
      });
    }
    const target = resolveTarget({ url }, env, 'KZOPS_URL');
    const client = new KazooClient(target);
    return { client, label: target.baseUrl, close: () => client.close() };
  }
  const sim = await startSim({ port: 0 });
  const target = resolveTarget({ url: sim.url }, { KZOPS_API_KEY: EMBEDDED_SIM_KEY }, 'embedded simulator');
  const client = new KazooClient(target);
  return {
    client,
    label: 'embedded simulator',
    close: async () => {
      await client.close();
      await sim.close();
    },
  };
}
