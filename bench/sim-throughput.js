// Simulator throughput: autocannon against `kzops sim` in its own process (the simulator must
// not be the bottleneck of later benchmarks; the aim is several thousand requests a second).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 16;

async function startSimProcess() {
  const child = spawn(process.execPath, [BIN, 'sim', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, 'line');
  const match = /^kzops sim listening on (http:\/\/\S+)$/.exec(first);
  if (!match) throw new Error(`unexpected first line from kzops sim: ${first}`);
  return { child, url: match[1] };
}

async function token(url) {
  const res = await fetch(`${url}/v2/api_auth`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      data: { api_key: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00' },
    }),
  });
  if (!res.ok) throw new Error(`auth failed: ${res.status}`);
  return (await res.json()).auth_token;
}

async function firstSbcId(url, auth) {
  const res = await fetch(`${url}/v2/support/routing/carrier_sbcs`, { headers: { 'x-auth-token': auth } });
  const body = await res.json();
  return body.data[0].id;
}

function report(label, r) {
  const ok = r['2xx'];
  console.log(
    `${label.padEnd(28)} ${Math.round(r.requests.average).toString().padStart(6)} req/s   ` +
      `p50 ${r.latency.p50} ms   p99 ${r.latency.p99} ms   ${ok} ok, ${r.non2xx} non-2xx, ${r.errors} errors`,
  );
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${label}: the simulator answered errors; numbers are not valid`);
  return { label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

export async function simThroughput() {
  const { child, url } = await startSimProcess();
  try {
    const auth = await token(url);
    const id = await firstSbcId(url, auth);
    const headers = { 'x-auth-token': auth };
    console.log(`${CONNECTIONS} connections, ${DURATION_S} s each, simulator in its own process`);
    const one = await autocannon({
      url: `${url}/v2/support/routing/carrier_sbcs/${id}`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      headers,
    });
    const list = await autocannon({
      url: `${url}/v2/support/routing/carrier_sbcs`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      headers,
    });
    const patch = await autocannon({
      url: `${url}/v2/support/routing/carrier_sbcs/${id}`,
      method: 'PATCH',
      connections: CONNECTIONS,
      duration: DURATION_S,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { ips: ['192.0.2.10', '192.0.2.11'] } }),
    });
    return [
      report('GET one carrier SBC', one),
      report('GET carrier SBC listing', list),
      report('PATCH one carrier SBC', patch),
    ];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
