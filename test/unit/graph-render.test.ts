import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import { loadSchemas } from '../../src/config/schemas.js';
import { topologyForPlan, topologyFromConfig, type Topology } from '../../src/core/graph/topology.js';
import type { Action, Kind, Plan, PlannedChange } from '../../src/core/plan/types.js';
import { validateConfig, type LoadedResource } from '../../src/core/validate/index.js';
import {
  renderGraph,
  renderGraphDot,
  renderGraphMermaid,
  renderGraphText,
  type GraphFormat,
} from '../../src/render/graph.js';

const EXAMPLE = fileURLToPath(new URL('../../config', import.meta.url));
const EXTENSIONS: Record<GraphFormat, string> = { mermaid: 'mmd', dot: 'dot', text: 'txt' };
const FORMATS: GraphFormat[] = ['mermaid', 'dot', 'text'];

async function exampleResources(): Promise<LoadedResource[]> {
  const files = await readConfigDir(EXAMPLE);
  const result = validateConfig(files, await loadSchemas());
  expect(result.valid).toBe(true);
  return result.resources;
}

function res(kind: Kind, key: string, doc: Record<string, unknown>): LoadedResource {
  return { kind, key, file: join(kind, `${key}.yaml`), doc };
}

function change(kind: Kind, key: string, action: Action): PlannedChange {
  return { kind, key, action, fields: [], notes: [], protected: false };
}

function plan(changes: PlannedChange[]): Plan {
  const summary: Plan['summary'] = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) summary[c.action]++;
  return { target: 'lab', changes, unmanaged: [], summary };
}

/** The example with a new SBC, a changed media server and a deleted SBC. */
async function touched(): Promise<Topology> {
  const resources = await exampleResources();
  resources.push(
    res('carrier_sbcs', 'sprint-north', {
      name: 'Sprint North SBC',
      carrier: 'sprint',
      location: { zone: 'east' },
      mobile_media_server: 'ny2',
    }),
  );
  return topologyForPlan(
    resources,
    plan([
      change('carrier_sbcs', 'sprint-north', 'create'),
      change('media_servers', 'ny2', 'update'),
      change('carrier_sbcs', 'sprint-old', 'delete'),
      change('media_servers', 'ch2', 'noop'),
    ]),
  );
}

describe('renderGraph on the example config', () => {
  for (const format of FORMATS) {
    it(`${format}`, async () => {
      const out = renderGraph(topologyFromConfig(await exampleResources()), format);
      await expect(out).toMatchFileSnapshot(`__snapshots__/graph/example.${EXTENSIONS[format]}`);
    });
  }

  it('is the same whatever order the files come in', async () => {
    const resources = await exampleResources();
    for (const format of FORMATS) {
      expect(renderGraph(topologyFromConfig([...resources].reverse()), format)).toBe(
        renderGraph(topologyFromConfig(resources), format),
      );
    }
  });
});

describe('renderGraph on the part a plan touches', () => {
  for (const format of FORMATS) {
    it(`${format}`, async () => {
      await expect(renderGraph(await touched(), format)).toMatchFileSnapshot(
        `__snapshots__/graph/plan.${EXTENSIONS[format]}`,
      );
    });
  }

  it('marks created, changed and deleted nodes in each format', async () => {
    const t = await touched();
    const mermaid = renderGraphMermaid(t);
    expect(mermaid).toContain('  class sbc_sprint_north created\n');
    expect(mermaid).toContain('  class ms_ny2 changed\n');
    expect(mermaid).toContain('  class sbc_sprint_old deleted\n');
    expect(mermaid).toMatch(/classDef deleted [^\n]*stroke-dasharray/);
    // Neighbours are drawn, unmarked; ch2 is no neighbour of anything touched.
    expect(mermaid).toContain('sbc_sprint_west["Sprint West SBC<br/>sprint-west"]');
    expect(mermaid).not.toContain('ms_ch2');
    expect(renderGraphDot(t)).toMatch(
      /sbc_sprint_old \[label="sprint-old", shape=box, style="filled,dashed"/,
    );
    const text = renderGraphText(t);
    expect(text).toContain('[+] sprint-north  "Sprint North SBC"  → media server ny2');
    expect(text).toContain('[~] ny2  "NY2 Mobile Media Server"');
    expect(text).toContain('removed from config\n  [-] sprint-old\n');
  });

  it('draws no classes when nothing is marked', async () => {
    expect(renderGraphMermaid(topologyFromConfig(await exampleResources()))).not.toContain('classDef');
  });
});

describe('ids and labels', () => {
  const awkward: LoadedResource[] = [
    // Keys that clash once `-` becomes `_`, a carrier with spaces and punctuation, a name
    // with characters that would end a label or an id.
    res('carrier_sbcs', 'a-b', {
      name: 'Quote " and <b>',
      carrier: 'AT&T Mobility',
      mobile_media_server: 'end',
    }),
    res('carrier_sbcs', 'a_b', { name: 'Back\\slash # `tick`', carrier: 'AT&T Mobility' }),
    res('media_servers', 'end', {
      name: 'End',
      carrier_sbc_priority: { 'AT&T Mobility': ['a-b', 'a_b', `id:${'c'.repeat(32)}`] },
    }),
  ];

  it('mermaid: ids of letters, digits and _, unique, and labels escaped', () => {
    const out = renderGraphMermaid(topologyFromConfig(awkward));
    expect(out).toContain('subgraph carrier_AT_T_Mobility["carrier AT&T Mobility"]');
    expect(out).toContain('sbc_a_b["Quote #quot; and #lt;b#gt;<br/>a-b"]');
    expect(out).toContain('sbc_a_b_2["Back\\slash #35; #96;tick#96;<br/>a_b"]');
    expect(out).toContain(`sbc_id_${'c'.repeat(32)}{{"id:${'c'.repeat(32)}"}}`);
    expect(out).toContain('ms_end(["End<br/>end"])');
    expect(out).toContain('  ms_end -.->|2| sbc_a_b_2\n');
    const ids = [...out.matchAll(/^\s*(?:subgraph )?([A-Za-z0-9_]+)[[({]/gm)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it('dot: the same ids, labels quoted and escaped', () => {
    const out = renderGraphDot(topologyFromConfig(awkward));
    expect(out).toContain('subgraph cluster_carrier_AT_T_Mobility {');
    expect(out).toContain('sbc_a_b [label="Quote \\" and <b>\\na-b", shape=box];');
    expect(out).toContain('sbc_a_b_2 [label="Back\\\\slash # `tick`\\na_b", shape=box];');
    expect(out).toContain('  ms_end -> sbc_a_b_2 [label="2", style=dashed];');
  });

  it('text: an empty topology says so', () => {
    expect(renderGraphText({ customerClusters: [], carrierSbcs: [], mediaServers: [] })).toBe(
      'No routing resources.\n',
    );
  });
});
