import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topologyForPlan } from '../../src/core/graph/topology.js';
import { planFingerprint } from '../../src/core/plan/fingerprint.js';
import type { Kind, Plan, PlannedChange } from '../../src/core/plan/types.js';
import type { LoadedResource } from '../../src/core/validate/index.js';
import { codeSpan, escapeMarkdown, renderPlanMarkdown } from '../../src/render/plan-markdown.js';
import { change, planOf } from './plan-fixtures.js';

const SBC_ID = '5bc00000000000000000000000000001';
const MS_ID = 'ed1a0000000000000000000000000001';
const CL_ID = 'aa2b36ac6a5edb290159cd1298283322';
/** What a planner bug could put in a sensitive field: must never be printed. */
const SECRET = 'sk-live-0123456789abcdef';

const plan = (changes: PlannedChange[], unmanaged: Plan['unmanaged'] = [], target = 'sandbox'): Plan =>
  planOf(changes, unmanaged, target);

function res(kind: Kind, key: string, doc: Record<string, unknown>): LoadedResource {
  return { kind, key, file: join(kind, `${key}.yaml`), doc };
}

const LONG_LIST = Array.from({ length: 12 }, (_, i) => `203.0.113.${i + 10}`);

const EVERY_ACTION = plan(
  [
    change({
      kind: 'clusters',
      key: CL_ID,
      id: CL_ID,
      action: 'replace',
      protected: true,
      notes: ['cluster documents cannot be read back', 'protected: apply will refuse'],
      fields: [
        { path: 'api_key', before: SECRET, after: `${SECRET}-new`, sensitive: true },
        { path: 'mvno_id', before: undefined, after: 'm1' },
      ],
    }),
    change({
      kind: 'media_servers',
      key: 'ny2',
      id: MS_ID,
      action: 'update',
      notes: ['adopted by name (no state entry)'],
      liveFingerprint: 'f'.repeat(64),
      fields: [
        {
          path: 'carrier_sbc_priority.sprint',
          before: ['sprint-east', 'sprint-old'],
          after: ['sprint-east', 'sprint-north'],
        },
        { path: 'location.zone', before: 'west', after: 'east' },
        { path: 'top_ips', before: LONG_LIST.slice(0, 10), after: LONG_LIST },
      ],
    }),
    change({
      key: 'sprint-north',
      action: 'create',
      fields: [
        { path: 'carrier', before: undefined, after: 'sprint' },
        { path: 'ips', before: undefined, after: ['203.0.113.90'] },
        { path: 'location.zone', before: undefined, after: 'east' },
        { path: 'mobile_media_server', before: undefined, after: 'ny2' },
        { path: 'name', before: undefined, after: 'Sprint North SBC' },
      ],
    }),
    change({ key: 'sprint-old', id: SBC_ID, action: 'delete' }),
    change({ key: 'sprint-west', id: '5bc00000000000000000000000000002', action: 'noop' }),
  ],
  [
    { kind: 'carrier_sbcs', id: 'b'.repeat(32), name: 'Legacy @ops SBC' },
    { kind: 'media_servers', id: 'e'.repeat(32) },
  ],
);

/** The config the plan was made from (sprint-old's file is gone). */
const RESOURCES: LoadedResource[] = [
  res('carrier_sbcs', 'sprint-east', {
    name: 'Sprint East SBC',
    carrier: 'sprint',
    location: { zone: 'east' },
    mobile_media_server: 'ny2',
  }),
  res('carrier_sbcs', 'sprint-north', {
    name: 'Sprint North SBC',
    carrier: 'sprint',
    location: { zone: 'east' },
    mobile_media_server: 'ny2',
  }),
  res('carrier_sbcs', 'sprint-west', {
    name: 'Sprint West SBC',
    carrier: 'sprint',
    location: { zone: 'west' },
    mobile_media_server: 'sv4',
  }),
  res('media_servers', 'ny2', {
    name: 'NY2',
    location: { zone: 'east' },
    carrier_sbc_priority: { sprint: ['sprint-east', 'sprint-north'] },
  }),
  res('media_servers', 'sv4', {
    name: 'SV4',
    location: { zone: 'west' },
    carrier_sbc_priority: { sprint: ['sprint-west'] },
  }),
  res('clusters', CL_ID, { mvno_id: 'm1', api_key: { env: 'KEY' } }),
];

const render = (p: Plan, maxChars?: number) =>
  renderPlanMarkdown(p, {
    topology: topologyForPlan(RESOURCES, p),
    ...(maxChars === undefined ? {} : { maxChars }),
  });

describe('renderPlanMarkdown', () => {
  it('every action, protected, sensitive, unmanaged, with the routing picture', async () => {
    await expect(render(EVERY_ACTION)).toMatchFileSnapshot('__snapshots__/plan-markdown/every-action.md.txt');
  });

  it('an empty plan: one line, the unmanaged list, the fingerprint', async () => {
    const empty = plan([change({ action: 'noop', id: SBC_ID })], EVERY_ACTION.unmanaged);
    const out = render(empty);
    await expect(out).toMatchFileSnapshot('__snapshots__/plan-markdown/no-changes.md.txt');
    expect(out.split('\n')[0]).toBe('**sandbox**: no changes');
    expect(out).not.toContain('| resource |');
    expect(out).not.toContain('```mermaid');
  });

  it('a plan of cluster documents only: no picture (they are not routing)', () => {
    const clusters = plan([EVERY_ACTION.changes[0] as PlannedChange]);
    const out = render(clusters);
    expect(out.split('\n')[0]).toBe('**sandbox**: 0 to create, 0 to update, 1 to replace, 0 to delete');
    expect(out).toContain(
      `| 🟣 replace 🔒 protected | \`clusters/${CL_ID}\` | \`api_key\` (sensitive), \`mvno_id\` |`,
    );
    expect(out).not.toContain('```mermaid');
  });

  it('starts with the summary line and a row per change, in plan order', () => {
    const lines = render(EVERY_ACTION).split('\n');
    expect(lines[0]).toBe('**sandbox**: 1 to create, 1 to update, 1 to replace, 1 to delete');
    expect(lines.slice(2, 4)).toEqual(['| action | resource | fields |', '| --- | --- | --- |']);
    expect(lines.slice(4, 8).map((l) => l.split(' | ')[1])).toEqual([
      `\`clusters/${CL_ID}\``,
      '`media_servers/ny2`',
      '`carrier_sbcs/sprint-north`',
      '`carrier_sbcs/sprint-old`',
    ]);
    expect(lines[8]).toBe('');
    expect(lines[9]).toBe('*1 resource unchanged.*');
  });

  it('never shows a sensitive value, only whether it changes', () => {
    const out = render(EVERY_ACTION);
    expect(out).not.toContain(SECRET);
    expect(out).toContain('- `api_key`: *(sensitive, changes)*');
    const same = structuredClone(EVERY_ACTION);
    (same.changes[0] as PlannedChange).fields[0] = {
      path: 'api_key',
      before: SECRET,
      after: SECRET,
      sensitive: true,
    };
    expect(render(same)).toContain('- `api_key`: *(sensitive, unchanged)*');
    expect(render(same)).not.toContain(SECRET);
  });

  it('ends with the fingerprint, in short and in an HTML comment a workflow can read', () => {
    const out = render(EVERY_ACTION);
    const fp = planFingerprint(EVERY_ACTION);
    expect(
      out.endsWith(
        `Plan fingerprint: \`${fp.slice(0, 12)}\`\n<!-- kzops-plan-fingerprint: sandbox ${fp} -->\n`,
      ),
    ).toBe(true);
  });

  it('is deterministic: an equal plan gives the same text', () => {
    expect(render(structuredClone(EVERY_ACTION))).toBe(render(EVERY_ACTION));
  });

  it('shows a short nested value on one line and a long one as a diff block', () => {
    const out = render(EVERY_ACTION);
    expect(out).toContain(
      '- `carrier_sbc_priority.sprint`: `["sprint-east", "sprint-old"]` → `["sprint-east", "sprint-north"]`',
    );
    expect(out).toContain(['- `top_ips`:', '', '  ```diff', '  @@ -8,5 +8,7 @@'].join('\n'));
    expect(out).toContain('  +   "203.0.113.21"\n');
  });

  it('escapes text from documents and neutralises mentions', () => {
    const tricky = plan(
      [
        change({
          key: 'sprint-east',
          id: SBC_ID,
          action: 'update',
          notes: ['2 live documents are named "*evil* | @team <img>"; not adopting'],
          fields: [{ path: 'name', before: 'a `b` c', after: '``x``' }],
        }),
      ],
      [{ kind: 'carrier_sbcs', id: 'c'.repeat(32), name: '@here `x`' }],
    );
    const out = render(tricky);
    expect(out).toContain(
      '- note: *2 live documents are named "\\*evil\\* \\| @&#8203;team \\<img\\>"; not adopting*',
    );
    expect(out).toContain('- `name`: ``"a `b` c"`` → ```"``x``"```');
    // In a code span, a mention is text.
    expect(out).toContain('`` @here `x` ``');
    expect(out).not.toContain('@team');
  });
});

describe('fits the comment column', () => {
  it('three table columns; the server-assigned id is in the details, not the table', () => {
    const out = render(EVERY_ACTION);
    const rows = out.split('\n').filter((l) => l.startsWith('| '));
    for (const row of rows) expect(row.split(' | ')).toHaveLength(3);
    expect(rows.join('\n')).not.toContain(MS_ID);
    expect(rows.join('\n')).not.toContain(SBC_ID);
    expect(out).toContain('| 🔴 delete | `carrier_sbcs/sprint-old` |  |');
    // Top-level fields, each once; every path is in the details.
    expect(out).toContain(
      '| 🟡 update | `media_servers/ny2` | `carrier_sbc_priority`, `location`, `top_ips` |',
    );
    expect(out).toContain('- `location.zone`: `"west"` → `"east"`');
    // In the details, first: the resource's id, except a cluster's (its key is its id).
    expect(out).toContain(
      '<details><summary>🟡 <code>media_servers/ny2</code> update</summary>\n\n- id: `ed1a0000000000000000000000000001`\n',
    );
    expect(out).not.toContain(`- id: \`${CL_ID}\``);
  });

  it('the picture draws the changed resources and their direct neighbours, not the mesh', () => {
    // sprint-west changes; sv4 (its media server) is its neighbour, ny2 is not.
    const p = plan([
      change({
        key: 'sprint-west',
        id: SBC_ID,
        action: 'update',
        fields: [{ path: 'name', before: 'Sprint West', after: 'Sprint West SBC' }],
      }),
    ]);
    const out = render(p);
    const chart = out.slice(out.indexOf('```mermaid'), out.indexOf('```\n', out.indexOf('```mermaid') + 3));
    expect(chart).toContain('sbc_sprint_west["Sprint West SBC<br/>sprint-west · west"]');
    expect(chart).toContain('ms_sv4(["SV4<br/>sv4 · west"])');
    expect(chart).toContain('  sbc_sprint_west --> ms_sv4\n');
    expect(chart).toContain('  ms_sv4 -.->|1| sbc_sprint_west\n');
    for (const far of ['ny2', 'sprint_east', 'sprint_north']) expect(chart).not.toContain(far);
    // One box per carrier, no box per zone.
    expect(chart.match(/subgraph /g)).toHaveLength(2);
  });

  it("a cluster's 32-hex key is cut short next to its name; its zones are in the label", () => {
    const key = 'aa2b36ac6a5edb290159cd1298283322';
    const resources = [
      res('customer_clusters', key, {
        name: 'Kazoo Sandbox',
        ips: { inbound: { east: ['192.0.2.10'], west: ['192.0.2.70'] } },
      }),
    ];
    const p = plan([change({ kind: 'customer_clusters', key, id: key, action: 'update' })]);
    const out = renderPlanMarkdown(p, { topology: topologyForPlan(resources, p) });
    expect(out).toContain(`cc_${key}[("Kazoo Sandbox<br/>aa2b36ac… · east · west")]`);
    // Drawn once, not once per zone.
    expect(out.match(/\[\("Kazoo Sandbox/g)).toHaveLength(1);
  });

  it('draws at most 12 unchanged neighbours and names the others under the picture', () => {
    // A media server that tries 20 SBCs, 2 of which also send their calls to it.
    const keys = Array.from({ length: 20 }, (_, i) => `sbc-${String(i).padStart(2, '0')}`);
    const resources: LoadedResource[] = [
      res('media_servers', 'hub', { name: 'Hub', carrier_sbc_priority: { sprint: keys } }),
      ...keys.map((k, i) =>
        res('carrier_sbcs', k, { carrier: 'sprint', ...(i >= 18 ? { mobile_media_server: 'hub' } : {}) }),
      ),
    ];
    const p = plan([
      change({
        kind: 'media_servers',
        key: 'hub',
        action: 'update',
        fields: [{ path: 'name', before: 'HUB', after: 'Hub' }],
      }),
    ]);
    const out = renderPlanMarkdown(p, { topology: topologyForPlan(resources, p) });
    const drawn = keys.filter((k) => out.includes(`sbc_${k.replace('-', '_')}[`));
    expect(drawn).toHaveLength(12);
    // The two linked both ways are drawn first, then the rest in key order.
    expect(drawn).toEqual([...keys.slice(0, 10), 'sbc-18', 'sbc-19']);
    expect(out).toContain(
      '*Also linked to a changed resource, not drawn: `carrier_sbcs/sbc-10`, `carrier_sbcs/sbc-11`, `carrier_sbcs/sbc-12`, `carrier_sbcs/sbc-13`, `carrier_sbcs/sbc-14`, `carrier_sbcs/sbc-15`, `carrier_sbcs/sbc-16`, `carrier_sbcs/sbc-17`.*',
    );
    // No edge to a node that is not drawn.
    expect(out).not.toMatch(/-\.->\|\d+\| sbc_sbc_1[0-7]\n/);
  });
});

describe('--max-chars', () => {
  /** A picture to leave out: the example's. */
  const topology = topologyForPlan(RESOURCES, EVERY_ACTION);
  const render = (p: Plan, maxChars?: number) =>
    renderPlanMarkdown(p, { topology, ...(maxChars === undefined ? {} : { maxChars }) });

  /** A plan of many updates, each with a long diff. */
  function big(n: number): Plan {
    return plan(
      Array.from({ length: n }, (_, i) =>
        change({
          kind: 'media_servers',
          key: `ms${String(i).padStart(3, '0')}`,
          id: `ed1a${String(i).padStart(28, '0')}`,
          action: 'update',
          fields: [{ path: 'top_ips', before: LONG_LIST.slice(0, 2), after: LONG_LIST }],
        }),
      ),
      EVERY_ACTION.unmanaged,
    );
  }

  it('leaves the output alone when it fits', () => {
    const full = render(EVERY_ACTION);
    expect(render(EVERY_ACTION, full.length)).toBe(full);
    expect(full).not.toContain('Plan trimmed');
  });

  it('keeps summary, table and fingerprint, as many details as fit, and says how many', () => {
    const p = big(40);
    const full = render(p);
    const max = 6700;
    expect(full.length).toBeGreaterThan(max);
    const out = render(p, max);
    expect(out.length).toBeLessThanOrEqual(max);
    const shown = (out.match(/<details><summary>🟡/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(40);
    expect(out).toContain(
      `Plan trimmed: ${shown} of 40 resources shown; the full plan is in the workflow artifact`,
    );
    // Every row of the table is still there, and the fingerprint of the whole plan.
    for (const c of p.changes) expect(out).toContain(`| 🟡 update | \`media_servers/${c.key}\` |`);
    expect(out).toContain(`<!-- kzops-plan-fingerprint: sandbox ${planFingerprint(p)} -->`);
    expect(out.split('\n')[0]).toBe(full.split('\n')[0]);
    // The details shown are the first ones, whole.
    expect(out).toContain('<code>media_servers/ms000</code>');
    expect(out.match(/<details>/g)?.length).toBe(out.match(/<\/details>/g)?.length);
    // Trimmed before the picture and the unmanaged list, which are named as left out.
    expect(out).toContain('Left out: the routing picture, the unmanaged list.');
  });

  it('budgets close to the limit: one character less shows one resource less', () => {
    const p = big(10);
    const out = render(p, 6000);
    const shown = (out.match(/<details><summary>/g) ?? []).length;
    // Find the smallest limit that still shows as many, then go one below it.
    let limit = out.length;
    while (render(p, limit - 1).match(/<details><summary>/g)?.length === shown) limit--;
    const fewer = render(p, limit - 1);
    expect(fewer.length).toBeLessThanOrEqual(limit - 1);
    expect((fewer.match(/<details><summary>/g) ?? []).length).toBe(shown - 1);
  });

  it('trims the table itself for a plan too big for any comment', () => {
    const p = big(300);
    const out = render(p, 5000);
    expect(out.length).toBeLessThanOrEqual(5000);
    expect(out).toMatch(/\| \| … \d+ more \| \|$/m);
    expect(out).toContain('Plan trimmed: 0 of 300 resources shown');
    expect(out).toContain(`<!-- kzops-plan-fingerprint: sandbox ${planFingerprint(p)} -->`);
  });
});

describe('escaping helpers', () => {
  it('codeSpan fences with more backticks than the text holds', () => {
    expect(codeSpan('abc')).toBe('`abc`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a\nb')).toBe('`a b`');
  });

  it('escapeMarkdown escapes what acts inline and breaks mentions', () => {
    expect(escapeMarkdown('a_b *c* [d](e) <f> |g| ~h~ `i` @j & k')).toBe(
      'a\\_b \\*c\\* \\[d\\](e) \\<f\\> \\|g\\| \\~h\\~ \\`i\\` @&#8203;j &amp; k',
    );
  });
});
