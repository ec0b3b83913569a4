import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import { loadSchemas } from '../../src/config/schemas.js';
import {
  byZone,
  isEmptyTopology,
  topologyEdges,
  topologyForPlan,
  topologyFromConfig,
} from '../../src/core/graph/topology.js';
import type { Action, Kind, Plan, PlannedChange } from '../../src/core/plan/types.js';
import { validateConfig, type LoadedResource } from '../../src/core/validate/index.js';

const EXAMPLE = fileURLToPath(new URL('../../config', import.meta.url));
const HOSTED = '8a901bea1d3297ef7d4c8d34809472c2';
const SANDBOX = 'aa2b36ac6a5edb290159cd1298283322';
const EXTERNAL_MS = `id:${'e'.repeat(32)}`;
const EXTERNAL_SBC = `id:${'b'.repeat(32)}`;

async function exampleResources(): Promise<LoadedResource[]> {
  const files = await readConfigDir(EXAMPLE);
  const result = validateConfig(files, await loadSchemas());
  expect(result.valid).toBe(true);
  return result.resources;
}

function res(kind: Kind, key: string, doc: Record<string, unknown>): LoadedResource {
  return { kind, key, file: join(kind, `${key}.yaml`), doc };
}

/** Two carriers, an SBC with no zone, references to resources kzops does not manage. */
const SMALL: LoadedResource[] = [
  res('carrier_sbcs', 'att-west', {
    name: 'AT&T West',
    carrier: 'att',
    location: { zone: 'west' },
    mobile_media_server: 'sv4',
  }),
  res('carrier_sbcs', 'sprint-east', {
    name: 'Sprint East',
    carrier: 'sprint',
    location: { zone: 'east' },
    mobile_media_server: EXTERNAL_MS,
  }),
  res('carrier_sbcs', 'sprint-lab', { name: 'Sprint Lab', carrier: 'sprint' }),
  res('media_servers', 'sv4', {
    name: 'SV4',
    location: { zone: 'west' },
    carrier_sbc_priority: { sprint: ['sprint-east', EXTERNAL_SBC], att: ['att-west'] },
  }),
  res('customer_clusters', HOSTED, {
    name: 'Hosted',
    ips: { inbound: { west: ['198.51.100.70'], east: ['198.51.100.10'] }, outbound: { central: [] } },
  }),
  res('customer_clusters', SANDBOX, { name: 'Sandbox' }),
  res('clusters', SANDBOX, { mvno_id: 'm', api_key: { env: 'X' } }),
];

function change(kind: Kind, key: string, action: Action): PlannedChange {
  return { kind, key, action, fields: [], notes: [], protected: false };
}

function plan(changes: PlannedChange[]): Plan {
  const summary: Plan['summary'] = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  return { target: 'lab', changes, unmanaged: [], summary };
}

describe('topologyFromConfig', () => {
  it('reads the example config: clusters by zone, SBCs with carrier, zone and media server, priorities', async () => {
    const t = topologyFromConfig(await exampleResources());
    expect(t.customerClusters.map((c) => [c.key, c.name, c.zones.map((z) => z.zone)])).toEqual([
      [HOSTED, 'Kazoo Hosted', ['east', 'central', 'west']],
      [SANDBOX, 'Kazoo Sandbox', ['east', 'central', 'west']],
    ]);
    expect(t.customerClusters[1]?.zones[0]).toEqual({
      zone: 'east',
      inbound: ['192.0.2.10'],
      outbound: ['192.0.2.20'],
    });
    expect(t.carrierSbcs).toEqual([
      {
        key: 'sprint-central',
        name: 'Sprint Central SBC',
        carrier: 'sprint',
        zone: 'central',
        mediaServer: 'ch2',
      },
      { key: 'sprint-east', name: 'Sprint East SBC', carrier: 'sprint', zone: 'east', mediaServer: 'ny2' },
      { key: 'sprint-west', name: 'Sprint West SBC', carrier: 'sprint', zone: 'west', mediaServer: 'sv4' },
    ]);
    expect(t.mediaServers.find((m) => m.key === 'ny2')).toEqual({
      key: 'ny2',
      name: 'NY2 Mobile Media Server',
      zone: 'east',
      priority: [{ carrier: 'sprint', sbcs: ['sprint-east', 'sprint-central', 'sprint-west'] }],
    });
  });

  it('draws edges from each SBC to its media server and from media servers to SBCs, ranked per carrier', async () => {
    const edges = topologyEdges(topologyFromConfig(await exampleResources()));
    expect(edges.filter((e) => e.kind === 'media_server').map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'carrier_sbcs/sprint-central -> media_servers/ch2',
      'carrier_sbcs/sprint-east -> media_servers/ny2',
      'carrier_sbcs/sprint-west -> media_servers/sv4',
    ]);
    expect(
      edges
        .filter((e) => e.from === 'media_servers/sv4')
        .map((e) => `${e.carrier ?? ''} ${e.rank ?? 0} ${e.to}`),
    ).toEqual([
      'sprint 1 carrier_sbcs/sprint-west',
      'sprint 2 carrier_sbcs/sprint-central',
      'sprint 3 carrier_sbcs/sprint-east',
    ]);
    expect(edges).toHaveLength(3 + 9);
  });

  it('zones in a fixed order, empty zones dropped, id:<hex> references as external nodes', () => {
    const t = topologyFromConfig(SMALL);
    expect(t.customerClusters).toEqual([
      {
        key: HOSTED,
        name: 'Hosted',
        zones: [
          { zone: 'east', inbound: ['198.51.100.10'], outbound: [] },
          { zone: 'west', inbound: ['198.51.100.70'], outbound: [] },
        ],
      },
      { key: SANDBOX, name: 'Sandbox', zones: [] },
    ]);
    expect(t.carrierSbcs.map((s) => s.key)).toEqual(['att-west', EXTERNAL_SBC, 'sprint-east', 'sprint-lab']);
    expect(t.carrierSbcs[1]).toEqual({ key: EXTERNAL_SBC, carrier: 'sprint', external: true });
    expect(t.carrierSbcs[3]).toEqual({ key: 'sprint-lab', name: 'Sprint Lab', carrier: 'sprint' });
    expect(t.mediaServers.map((m) => m.key)).toEqual([EXTERNAL_MS, 'sv4']);
    // Carriers sorted, each list in its own order.
    expect(t.mediaServers[1]?.priority).toEqual([
      { carrier: 'att', sbcs: ['att-west'] },
      { carrier: 'sprint', sbcs: ['sprint-east', EXTERNAL_SBC] },
    ]);
    expect(topologyEdges(t).map((e) => `${e.from} -> ${e.to}${e.rank ? ` ${e.rank}` : ''}`)).toEqual([
      'carrier_sbcs/att-west -> media_servers/sv4',
      `carrier_sbcs/sprint-east -> media_servers/${EXTERNAL_MS}`,
      'media_servers/sv4 -> carrier_sbcs/att-west 1',
      'media_servers/sv4 -> carrier_sbcs/sprint-east 1',
      `media_servers/sv4 -> carrier_sbcs/${EXTERNAL_SBC} 2`,
    ]);
  });

  it('does not depend on the order the files were read in', () => {
    expect(topologyFromConfig([...SMALL].reverse())).toEqual(topologyFromConfig(SMALL));
  });

  it('orders zones east, central, west, then others', () => {
    expect(['west', 'north', 'east', 'alpha', 'central'].sort(byZone)).toEqual([
      'east',
      'central',
      'west',
      'alpha',
      'north',
    ]);
  });
});

describe('topologyForPlan', () => {
  it('keeps the touched resources, marked, and their neighbours, unmarked', async () => {
    const t = topologyForPlan(
      await exampleResources(),
      plan([
        change('media_servers', 'ny2', 'update'),
        change('carrier_sbcs', 'sprint-east', 'noop'),
        change('clusters', SANDBOX, 'replace'),
      ]),
    );
    // ny2 tries all three SBCs; sprint-east points at it. ch2 and sv4 are not neighbours.
    expect(t.mediaServers.map((m) => [m.key, m.mark])).toEqual([['ny2', 'changed']]);
    expect(t.carrierSbcs.map((s) => [s.key, s.mark])).toEqual([
      ['sprint-central', undefined],
      ['sprint-east', undefined],
      ['sprint-west', undefined],
    ]);
    // Cluster documents are not routing; customer clusters were not touched.
    expect(t.customerClusters).toEqual([]);
    expect(topologyEdges(t).map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'carrier_sbcs/sprint-east -> media_servers/ny2',
      'media_servers/ny2 -> carrier_sbcs/sprint-east',
      'media_servers/ny2 -> carrier_sbcs/sprint-central',
      'media_servers/ny2 -> carrier_sbcs/sprint-west',
    ]);
  });

  it('marks creates, updates and replaces; deleted resources come from the plan', async () => {
    const t = topologyForPlan(
      await exampleResources(),
      plan([
        change('customer_clusters', HOSTED, 'update'),
        change('carrier_sbcs', 'sprint-west', 'create'),
        change('carrier_sbcs', 'sprint-north', 'delete'),
        change('media_servers', 'la1', 'delete'),
      ]),
    );
    expect(t.customerClusters.map((c) => [c.key, c.mark, c.zones.length])).toEqual([[HOSTED, 'changed', 3]]);
    expect(t.carrierSbcs).toContainEqual({ key: 'sprint-north', mark: 'deleted' });
    expect(t.carrierSbcs.find((s) => s.key === 'sprint-west')?.mark).toBe('created');
    expect(t.mediaServers.map((m) => [m.key, m.mark])).toEqual([
      // Every media server lists sprint-west; sv4 is also its media server.
      ['ch2', undefined],
      ['la1', 'deleted'],
      ['ny2', undefined],
      ['sv4', undefined],
    ]);
    expect(t.mediaServers.find((m) => m.key === 'la1')).toEqual({
      key: 'la1',
      priority: [],
      mark: 'deleted',
    });
  });

  it('is empty for a plan with nothing to draw', async () => {
    const resources = await exampleResources();
    expect(isEmptyTopology(topologyForPlan(resources, plan([])))).toBe(true);
    expect(isEmptyTopology(topologyForPlan(resources, plan([change('clusters', SANDBOX, 'create')])))).toBe(
      true,
    );
    expect(isEmptyTopology(topologyFromConfig(resources))).toBe(false);
  });
});
