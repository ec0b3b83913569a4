/**
 * `kzops graph` as a user runs it: `node bin/run.js` on a copy of the example config. No
 * server is involved. `npm test` builds dist/ first; run `npm run build` before running this
 * file alone.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshExampleConfig, requireBuilt, runKzops } from './cli-harness.js';

/** Each test runs the CLI several times, each a Node start-up: more than the default 20 s on a busy machine. */
const SLOW = 90_000;

let work: string;
let dir: string;

const kzops = (args: string[]) => runKzops(args, { cwd: work });

beforeAll(async () => {
  requireBuilt('graph');
  work = await mkdtemp(join(tmpdir(), 'kzops-graph-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await freshExampleConfig(work);
});

describe('kzops graph on the example config', { timeout: SLOW }, () => {
  it('prints a mermaid flowchart by default: carriers, zones, SBC to media server, priorities', async () => {
    const run = await kzops(['graph']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.startsWith('flowchart LR\n')).toBe(true);
    expect(run.stdout).toContain('  subgraph carrier_sprint["carrier sprint"]\n');
    expect(run.stdout).toContain('      sbc_sprint_east["Sprint East SBC<br/>sprint-east"]\n');
    expect(run.stdout).toContain('  sbc_sprint_east --> ms_ny2\n');
    expect(run.stdout).toContain(
      '  ms_sv4 -.->|1| sbc_sprint_west\n  ms_sv4 -.->|2| sbc_sprint_central\n  ms_sv4 -.->|3| sbc_sprint_east\n',
    );
    // Both customer clusters have addresses in all three zones.
    expect(run.stdout.match(/cc_8a901bea1d3297ef7d4c8d34809472c2_(east|central|west)\[/g)).toHaveLength(3);
    // The picture is of config alone: nothing is contacted, nothing is written.
    expect(existsSync(join(work, '.kzops'))).toBe(false);
    // The same on a second run.
    expect((await kzops(['graph'])).stdout).toBe(run.stdout);
  });

  it('--format dot and --format text', async () => {
    const dot = await kzops(['graph', '--dir', 'config', '--format', 'dot']);
    expect(dot.code, dot.stderr).toBe(0);
    expect(dot.stdout.startsWith('digraph kzops {\n')).toBe(true);
    expect(dot.stdout).toContain('  ms_ny2 -> sbc_sprint_central [label="2", style=dashed];\n');
    expect(dot.stdout.trimEnd().endsWith('}')).toBe(true);
    const text = await kzops(['graph', '--format', 'text']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      [
        'media servers',
        '  zone east',
        '    ny2  "NY2 Mobile Media Server"',
        '      sprint: 1 sprint-east, 2 sprint-central, 3 sprint-west',
      ].join('\n'),
    );
    expect(text.stdout).toContain('    sprint-west  "Sprint West SBC"  → media server sv4\n');
  });

  it('--json prints the topology', async () => {
    const run = await kzops(['graph', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const t = JSON.parse(run.stdout) as {
      customerClusters: { key: string }[];
      carrierSbcs: { key: string; mediaServer?: string }[];
      mediaServers: { key: string }[];
    };
    expect(t.customerClusters).toHaveLength(2);
    expect(t.carrierSbcs.map((s) => `${s.key}>${s.mediaServer ?? ''}`)).toEqual([
      'sprint-central>ch2',
      'sprint-east>ny2',
      'sprint-west>sv4',
    ]);
    expect(t.mediaServers.map((m) => m.key)).toEqual(['ch2', 'ny2', 'sv4']);
  });

  it('follows the config: a new SBC appears in its carrier and zone', async () => {
    const sbc = await readFile(join(dir, 'carrier_sbcs', 'sprint-east.yaml'), 'utf8');
    await writeFile(
      join(dir, 'carrier_sbcs', 'att-east.yaml'),
      sbc
        .replace('name: Sprint East SBC', 'name: ATT East SBC')
        .replace('carrier: sprint', 'carrier: att')
        .replace('ips: [203.0.113.10, 203.0.113.11]', 'ips: [203.0.113.90]'),
    );
    const run = await kzops(['graph', '--format', 'text']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(
      run.stdout.startsWith('carrier att\n  zone east\n    att-east  "ATT East SBC"  → media server ny2\n'),
    ).toBe(true);
  });

  it('an invalid config prints its problems and exits 3; a bad format exits 64', async () => {
    const path = join(dir, 'carrier_sbcs', 'sprint-east.yaml');
    await writeFile(path, (await readFile(path, 'utf8')).replace('zone: east', 'zone: north'));
    const run = await kzops(['graph']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('config/carrier_sbcs/sprint-east.yaml:6:9  invalid_enum');
    expect(run.stdout).not.toContain('flowchart');
    expect(run.stderr).toContain('the config is invalid');
    const format = await kzops(['graph', '--format', 'png']);
    expect(format.code).toBe(64);
  });
});
