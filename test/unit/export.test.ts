import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../src/config/read-config-dir.js';
import { loadSchemas } from '../../src/config/schemas.js';
import { configDocument, schemaFields, secretVariable } from '../../src/core/export/document.js';
import { exportConfig, type ExportInput, type ExportResult } from '../../src/core/export/export-config.js';
import { assignKeys, deriveKey, slugKey } from '../../src/core/export/keys.js';
import { newFileText, updateFileText } from '../../src/core/export/yaml-file.js';
import { buildPlan, fingerprintDoc, type LiveDoc } from '../../src/core/plan/build-plan.js';
import { ROUTING_DIFF_RULES } from '../../src/core/plan/diff.js';
import type { Kind, TargetState } from '../../src/core/plan/types.js';
import { validateConfig, type ConfigFile } from '../../src/core/validate/index.js';

type Doc = Record<string, unknown>;

const EXAMPLE = fileURLToPath(new URL('../../config', import.meta.url));
const hex = (n: number) => n.toString(16).padStart(32, '0');
const MS_NY = hex(0xa1);
const MS_SV = hex(0xa2);
const SBC_EAST = hex(0xb1);
const SBC_WEST = hex(0xb2);
const CC = hex(0xc1);
const CLUSTER = hex(0xd1);
const DATE = '2025-01-31';
const TARGETS = { path: 'targets.yaml', text: 'default: t\ntargets:\n  t:\n    url: sim\n' };

let schemas: Record<string, object>;
beforeAll(async () => {
  schemas = await loadSchemas();
});

function live(kind: Kind, id: string, doc: Doc): LiveDoc {
  return { kind, id, doc: { id, ...doc } };
}

/** A small deployment as the API returns it: ids, and a few server-owned fields. */
function deployment(): LiveDoc[] {
  return [
    live('customer_clusters', CC, {
      name: 'Kazoo Hosted',
      owner: '2600hz',
      ips: { inbound: { east: ['198.51.100.11'] }, outbound: { east: ['198.51.100.21'] } },
      randomize_routing: false,
    }),
    live('media_servers', MS_NY, {
      name: 'NY2 Mobile Media Server',
      location: { zone: 'east', state: 'NY', city: 'New York' },
      interfaces: { carrier_mpls: { sprint: 'sipinterface_sprint' } },
      carrier_sbc_priority: { sprint: [SBC_EAST, SBC_WEST] },
      top_ips: ['10.26.1.254', '10.26.1.253'],
    }),
    live('media_servers', MS_SV, {
      name: 'SV4 Mobile Media Server',
      location: { zone: 'west' },
      carrier_sbc_priority: { sprint: [SBC_WEST, SBC_EAST] },
    }),
    live('carrier_sbcs', SBC_EAST, {
      name: 'Sprint East SBC',
      carrier: 'sprint',
      location: { zone: 'east', state: 'NY', city: 'New York City' },
      ips: ['192.0.2.11', '192.0.2.12'],
      mobile_media_server: MS_NY,
    }),
    live('carrier_sbcs', SBC_WEST, {
      name: 'Sprint West SBC',
      carrier: 'sprint',
      mobile_media_server: MS_SV,
      number_formatting: { from_pstn: { to_number: { pattern: '/^(?:467)?([0-9]+)$/', replace: '$1' } } },
    }),
  ];
}

function run(partial: Partial<ExportInput>): ExportResult {
  return exportConfig({
    target: 't',
    date: DATE,
    live: deployment(),
    state: undefined,
    files: [TARGETS],
    schemas,
    ...partial,
  });
}

/** The config directory after an export: the input files with the exported ones written over them. */
function filesAfter(input: readonly ConfigFile[], result: ExportResult): ConfigFile[] {
  const byPath = new Map(input.map((f) => [f.path, f.text]));
  for (const f of result.files) byPath.set(f.path, f.text);
  return [...byPath].map(([path, text]) => ({ path, text }));
}

/** The plan of the exported config against the same live documents. */
function planAfter(files: ConfigFile[], liveDocs: LiveDoc[], state: TargetState) {
  const validation = validateConfig(files, schemas);
  const { plan } = buildPlan({
    target: 't',
    desired: validation.resources,
    live: liveDocs,
    state,
    protect: [],
  });
  return { validation, plan };
}

const byKey = (result: ExportResult) => Object.fromEntries(result.files.map((f) => [f.id, f.key]));

describe('keys', () => {
  it('derives a key from the name: lowercase, other characters as one -, no - at the ends', () => {
    expect(slugKey('Sprint East SBC')).toBe('sprint-east-sbc');
    expect(slugKey('  NY2 / Mobile  Media_Server! ')).toBe('ny2-mobile-media-server');
    expect(slugKey('Über-Zentrale')).toBe('ber-zentrale');
    expect(slugKey('---')).toBeUndefined();
    expect(deriveKey('!!!', SBC_EAST)).toBe(SBC_EAST);
    expect(deriveKey(undefined, 'ABC_def')).toBe('abc-def');
    expect(deriveKey(42, '')).toBe('resource');
  });

  it('gives colliding names -2, -3 (in id order) and never takes the key of an existing file', () => {
    const keys = assignKeys({
      live: [
        { id: hex(3), name: 'Edge' },
        { id: hex(1), name: 'edge' },
        { id: hex(2), name: 'EDGE!' },
      ],
      state: [],
      files: [{ key: 'edge-2', name: 'Somewhere else' }],
    });
    expect(keys.get(hex(1))).toBe('edge');
    expect(keys.get(hex(2))).toBe('edge-3');
    expect(keys.get(hex(3))).toBe('edge-4');
  });

  it('keeps the key the state maps the id to, before a file with the same name', () => {
    const keys = assignKeys({
      live: [{ id: SBC_EAST, name: 'Sprint East SBC' }],
      state: [{ key: 'east', id: SBC_EAST }],
      files: [{ key: 'sprint-east', name: 'Sprint East SBC' }],
    });
    expect(keys.get(SBC_EAST)).toBe('east');
  });

  it('adopts an existing file by name, trimmed and ignoring case', () => {
    const keys = assignKeys({
      live: [{ id: SBC_EAST, name: 'Sprint East SBC' }],
      state: [
        { key: 'gone', id: hex(0x99) },
        { key: 'Not A Key', id: SBC_EAST },
      ],
      files: [{ key: 'se', name: '  SPRINT east sbc ' }],
    });
    expect(keys.get(SBC_EAST)).toBe('se');
  });
});

describe('configDocument', () => {
  const keyOf = (kind: string, id: string) =>
    ({ [`media_servers/${MS_NY}`]: 'ny2', [`carrier_sbcs/${SBC_EAST}`]: 'sprint-east' })[`${kind}/${id}`];

  it('drops server-owned fields, fields the schema lacks and nulls; keeps the schema order', () => {
    const out = configDocument(
      {
        mobile_media_server: MS_NY,
        id: SBC_EAST,
        _rev: '3-abc',
        pvt_created: 63_000_000_000,
        notes: 'added by hand on the server',
        location: { city: 'New York', state: null, zone: 'east' },
        carrier: 'sprint',
        name: 'Sprint East SBC',
        ips: null,
      },
      { kind: 'carrier_sbcs', key: 'sprint-east', fields: schemaFields(schemas['carrier-sbc']!), keyOf },
    );
    expect(out.value).toEqual({
      name: 'Sprint East SBC',
      carrier: 'sprint',
      location: { city: 'New York', zone: 'east' },
      mobile_media_server: 'ny2',
    });
    expect(Object.keys(out.value)).toEqual(['name', 'carrier', 'location', 'mobile_media_server']);
    expect(out.dropped).toEqual(['notes']);
  });

  it('writes references as keys, and as id:<hex> when no exported document has the id', () => {
    const sbc = configDocument(
      { name: 'X', carrier: 'sprint', mobile_media_server: MS_SV },
      { kind: 'carrier_sbcs', key: 'x', fields: schemaFields(schemas['carrier-sbc']!), keyOf },
    );
    expect(sbc.value.mobile_media_server).toBe(`id:${MS_SV}`);
    const ms = configDocument(
      { name: 'NY2', carrier_sbc_priority: { sprint: [SBC_EAST, SBC_WEST], att: [] } },
      { kind: 'media_servers', key: 'ny2', fields: schemaFields(schemas['media-server']!), keyOf },
    );
    expect(ms.value.carrier_sbc_priority).toEqual({ sprint: ['sprint-east', `id:${SBC_WEST}`], att: [] });
  });

  it('writes a secret as an {env} placeholder, or keeps the source the existing file names', () => {
    const doc = { name: 'NY2', interfaces: { carrier_mpls: { sprint: 'a' }, password: 'hunter2' } };
    const opts = {
      kind: 'media_servers' as const,
      key: 'ny2',
      fields: schemaFields(schemas['media-server']!),
      keyOf,
    };
    const fresh = configDocument(doc, opts);
    expect(fresh.value.interfaces).toEqual({
      carrier_mpls: { sprint: 'a' },
      password: { env: 'KZOPS_MEDIA_SERVER_NY2_INTERFACES_PASSWORD' },
    });
    expect(fresh.secrets).toEqual([
      { path: 'interfaces.password', variable: 'KZOPS_MEDIA_SERVER_NY2_INTERFACES_PASSWORD' },
    ]);
    expect(JSON.stringify(fresh)).not.toContain('hunter2');
    const kept = configDocument(doc, {
      ...opts,
      existing: { interfaces: { password: { file: '/run/secrets/ny2' } } },
    });
    expect(kept.value.interfaces).toEqual({
      carrier_mpls: { sprint: 'a' },
      password: { file: '/run/secrets/ny2' },
    });
    expect(kept.secrets).toEqual([{ path: 'interfaces.password' }]);
    expect(secretVariable('carrier_sbcs', 'sprint-east', ['api_key'])).toBe(
      'KZOPS_CARRIER_SBC_SPRINT_EAST_API_KEY',
    );
  });
});

describe('YAML files', () => {
  const NY2 = [
    '# yaml-language-server: $schema=../../schemas/media-server.schema.json',
    '# Mobile media server: NY2 in the east zone.',
    'name: NY2 Mobile Media Server',
    'location:',
    '  zone: east # where it is',
    '  city: New York',
    'interfaces:',
    '  # one interface per carrier',
    '  carrier_mpls:',
    '    sprint: sipinterface_sprint_mpls # the MPLS side',
    'carrier_sbc_priority:',
    '  sprint: [sprint-east, sprint-west]',
    "top_ips: ['10.26.1.10', 10.26.1.11]",
    '',
  ].join('\n');
  const value = (): Doc => ({
    name: 'NY2 Mobile Media Server',
    location: { zone: 'east', city: 'New York' },
    interfaces: { carrier_mpls: { sprint: 'sipinterface_sprint_mpls' } },
    carrier_sbc_priority: { sprint: ['sprint-east', 'sprint-west'] },
    top_ips: ['10.26.1.11', '10.26.1.10'],
  });
  const rules = ROUTING_DIFF_RULES.media_servers;

  it('a file that already says what live says is left byte for byte (address lists are sets)', () => {
    const out = updateFileText(NY2, value(), rules);
    expect(out).toEqual({ editable: true, text: NY2, changed: false });
    // Also a file whose formatting yaml would not write back as it is.
    const odd = '---\nname:    NY2 Mobile Media Server\ntop_ips: [ 10.26.1.10 ,  10.26.1.11 ]\n...\n';
    const same = updateFileText(
      odd,
      { name: 'NY2 Mobile Media Server', top_ips: ['10.26.1.11', '10.26.1.10'] },
      rules,
    );
    expect(same).toEqual({ editable: true, text: odd, changed: false });
  });

  it('a changed value changes only its own line; every comment stays', () => {
    const doc = value();
    (doc.interfaces as { carrier_mpls: Doc }).carrier_mpls.sprint = 'sipinterface_sprint';
    const out = updateFileText(NY2, doc, rules);
    expect(out.editable && out.changed).toBe(true);
    expect(out.editable && out.text).toBe(
      NY2.replace(
        'sprint: sipinterface_sprint_mpls # the MPLS side',
        'sprint: sipinterface_sprint # the MPLS side',
      ),
    );
  });

  it('an ordered list that changes is written in the style it had; quoting of scalars is kept', () => {
    const doc = value();
    doc.carrier_sbc_priority = { sprint: ['sprint-west', 'sprint-east', 'sprint-central'] };
    doc.top_ips = ['10.26.1.12'];
    const out = updateFileText(NY2, doc, rules);
    expect(out.editable && out.text).toBe(
      NY2.replace(
        'sprint: [sprint-east, sprint-west]',
        'sprint: [sprint-west, sprint-east, sprint-central]',
      ).replace("top_ips: ['10.26.1.10', 10.26.1.11]", 'top_ips: [10.26.1.12]'),
    );
    const quoted =
      "name: X\ncarrier: sprint\nnumber_formatting:\n  from_pstn:\n    to_number:\n      pattern: '/^1$/'\n      replace: '+1$1'\n";
    const sbc = updateFileText(
      quoted,
      {
        name: 'X',
        carrier: 'sprint',
        number_formatting: { from_pstn: { to_number: { pattern: '/^1$/', replace: '$1' } } },
      },
      ROUTING_DIFF_RULES.carrier_sbcs,
    );
    expect(sbc.editable && sbc.text).toBe(quoted.replace("'+1$1'", "'$1'"));
  });

  it('deletes keys live does not have (keeping the header), but never a secret field', () => {
    const text = [
      '# header line',
      'id: ed1a0000000000000000000000000001',
      'name: NY2',
      'top_ips: [10.0.0.1]',
      'location:',
      '  zone: east',
      '  city: Gone',
      'interfaces:',
      '  password: {env: NY2_PASSWORD}',
      '',
    ].join('\n');
    const out = updateFileText(text, { name: 'NY2', location: { zone: 'east' }, interfaces: {} }, rules);
    expect(out.editable && out.text).toBe(
      [
        '# header line',
        'name: NY2',
        'location:',
        '  zone: east',
        'interfaces:',
        '  password: {env: NY2_PASSWORD}',
        '',
      ].join('\n'),
    );
  });

  it('adds a missing key where the exported order puts it', () => {
    const text = '# header\nname: NY2 # the name\ntop_ips: [10.0.0.1]\n';
    const out = updateFileText(
      text,
      { name: 'NY2', location: { zone: 'east' }, top_ips: ['10.0.0.1'] },
      rules,
    );
    expect(out.editable && out.text).toBe(
      '# header\nname: NY2 # the name\nlocation:\n  zone: east\ntop_ips: [10.0.0.1]\n',
    );
    const first = updateFileText(
      '# header\nlocation: {zone: east}\n',
      { name: 'NY2', location: { zone: 'east' } },
      rules,
    );
    expect(first.editable && first.text).toBe('# header\nname: NY2\nlocation: {zone: east}\n');
  });

  it('a file that is not valid YAML cannot be edited in place', () => {
    expect(updateFileText('name: [unclosed\n', value(), rules).editable).toBe(false);
    expect(updateFileText('- a list\n', value(), rules).editable).toBe(false);
  });

  it('a new file: the schema line, where it came from, short lists on one line', () => {
    const text = newFileText(
      { name: 'X', ips: ['192.0.2.1', '192.0.2.2'], call_directions: [{ direction: 'from_pstn' }] },
      [
        'yaml-language-server: $schema=../../schemas/carrier-sbc.schema.json',
        'Exported from t on 2025-01-31.',
      ],
    );
    expect(text).toBe(
      [
        '# yaml-language-server: $schema=../../schemas/carrier-sbc.schema.json',
        '# Exported from t on 2025-01-31.',
        'name: X',
        'ips: [192.0.2.1, 192.0.2.2]',
        'call_directions:',
        '  - direction: from_pstn',
        '',
      ].join('\n'),
    );
  });
});

describe('exportConfig', () => {
  it('exports one file per live document, which validates and plans no changes', () => {
    const result = run({});
    expect(result.files.map((f) => [f.path, f.status])).toEqual([
      [`customer_clusters/${CC}.yaml`, 'created'],
      ['media_servers/ny2-mobile-media-server.yaml', 'created'],
      ['media_servers/sv4-mobile-media-server.yaml', 'created'],
      ['carrier_sbcs/sprint-east-sbc.yaml', 'created'],
      ['carrier_sbcs/sprint-west-sbc.yaml', 'created'],
    ]);
    const sbc = result.files.find((f) => f.key === 'sprint-east-sbc');
    expect(sbc?.text.split('\n').slice(0, 2)).toEqual([
      '# yaml-language-server: $schema=../../schemas/carrier-sbc.schema.json',
      `# Exported from t on ${DATE}.`,
    ]);
    expect(sbc?.text).toContain('mobile_media_server: ny2-mobile-media-server\n');
    expect(sbc?.text).not.toContain(SBC_EAST);
    expect(result.files.find((f) => f.key === 'ny2-mobile-media-server')?.text).toContain(
      'sprint: [sprint-east-sbc, sprint-west-sbc]',
    );
    expect(result.problems).toEqual([]);
    expect(result.state.resources).toEqual(
      Object.fromEntries(
        deployment().map((d) => [
          `${d.kind}/${byKey(result)[d.id]}`,
          { id: d.id, fingerprint: fingerprintDoc(d.doc) },
        ]),
      ),
    );

    const { validation, plan } = planAfter(filesAfter([TARGETS], result), deployment(), result.state);
    expect(validation.valid).toBe(true);
    expect(
      plan.changes.map((c) => `${c.kind}/${c.key}:${c.action}`).filter((c) => !c.endsWith(':noop')),
    ).toEqual([]);
    expect(plan.changes).toHaveLength(5);
    expect(plan.unmanaged).toEqual([]);
  });

  it('exporting again changes nothing: every file unchanged, byte for byte, the same state', () => {
    const first = run({});
    const files = filesAfter([TARGETS], first);
    const again = run({ files, state: first.state, live: [...deployment()].reverse() });
    expect(again.files.map((f) => f.status)).toEqual(first.files.map(() => 'unchanged'));
    for (const f of again.files) expect(f.text).toBe(files.find((g) => g.path === f.path)?.text);
    expect(again.state).toEqual(first.state);
  });

  it('re-exports into the example config: its keys and comments stay, only differing values change', async () => {
    const example = await readConfigDir(EXAMPLE);
    const liveDocs = deployment();
    const result = run({ files: example, live: liveDocs });
    // Adopted by name (the example's names are the live names): no new files.
    expect(result.files.filter((f) => f.kind !== 'customer_clusters').map((f) => f.path)).toEqual([
      'media_servers/ny2.yaml',
      'media_servers/sv4.yaml',
      'carrier_sbcs/sprint-east.yaml',
      'carrier_sbcs/sprint-west.yaml',
    ]);
    expect(result.files.every((f) => f.status !== 'created' || f.kind === 'customer_clusters')).toBe(true);
    const east = result.files.find((f) => f.key === 'sprint-east')?.text ?? '';
    const original = await readFile(join(EXAMPLE, 'carrier_sbcs', 'sprint-east.yaml'), 'utf8');
    expect(east.split('\n').slice(0, 2)).toEqual(original.split('\n').slice(0, 2));
    expect(east).toContain('  city: New York City\n');
    expect(east).toContain('mobile_media_server: ny2\n');
    // The live SBC has no number formatting: the file's (and its comments) go.
    expect(east).not.toContain('number_formatting');
    const ny2 = result.files.find((f) => f.key === 'ny2')?.text ?? '';
    expect(ny2).toContain(
      "# Mobile media server: NY2 in the east zone; tries its own zone's Sprint SBC first.\n",
    );
    expect(ny2).toContain('  sprint: [sprint-east, sprint-west]\n');
    expect(ny2).toContain('    sprint: sipinterface_sprint\n');

    // Files of documents not live are kept and listed; cluster documents are never touched.
    expect(result.notLive.map((f) => f.path).sort()).toEqual([
      'carrier_sbcs/sprint-central.yaml',
      'customer_clusters/8a901bea1d3297ef7d4c8d34809472c2.yaml',
      'customer_clusters/aa2b36ac6a5edb290159cd1298283322.yaml',
      'media_servers/ch2.yaml',
    ]);
    expect(result.clusterFiles).toEqual(['clusters/aa2b36ac6a5edb290159cd1298283322.yaml']);
    expect(result.files.some((f) => f.path.startsWith('clusters/'))).toBe(false);

    // The exported files plan no changes (the files not live any more would be creates).
    const { plan } = planAfter(filesAfter(example, result), liveDocs, result.state);
    const exported = new Set(result.files.map((f) => `${f.kind}/${f.key}`));
    for (const change of plan.changes.filter((c) => exported.has(`${c.kind}/${c.key}`))) {
      expect([change.kind, change.key, change.action, change.fields]).toEqual([
        change.kind,
        change.key,
        'noop',
        [],
      ]);
    }
  });

  it('keeps the hmac_key and the cluster entries of the state; drops routing entries that name nothing', () => {
    const cluster = { id: CLUSTER, fingerprint: 'f'.repeat(64), secrets: { api_key: 'a'.repeat(64) } };
    const state: TargetState = {
      version: 1,
      target: 't',
      hmac_key: 'b'.repeat(64),
      resources: {
        [`clusters/${CLUSTER}`]: cluster,
        'carrier_sbcs/east': { id: SBC_EAST },
        'carrier_sbcs/gone': { id: hex(0x99) },
      },
    };
    const result = run({ state });
    expect(result.state.hmac_key).toBe('b'.repeat(64));
    expect(result.state.resources[`clusters/${CLUSTER}`]).toEqual(cluster);
    expect(result.state.resources['carrier_sbcs/east']).toEqual({
      id: SBC_EAST,
      fingerprint: fingerprintDoc(deployment().find((d) => d.id === SBC_EAST)!.doc),
    });
    expect(result.state.resources['carrier_sbcs/gone']).toBeUndefined();
    expect(byKey(result)[SBC_EAST]).toBe('east');
    expect(result.files.find((f) => f.key === 'ny2-mobile-media-server')?.text).toContain(
      'sprint: [east, sprint-west-sbc]',
    );
  });

  it('writes a live document that does not fit the schema anyway, and says which file and why', () => {
    const liveDocs = [
      ...deployment().filter((d) => d.id !== SBC_WEST),
      live('carrier_sbcs', SBC_WEST, { name: 'No Carrier', mobile_media_server: MS_SV, owner_notes: 'x' }),
    ];
    const result = run({ live: liveDocs });
    const file = result.files.find((f) => f.id === SBC_WEST);
    expect(file?.path).toBe('carrier_sbcs/no-carrier.yaml');
    expect(result.problems.map((p) => [p.file, p.code])).toContainEqual([
      'carrier_sbcs/no-carrier.yaml',
      'missing_field',
    ]);
    expect(result.warnings).toEqual([
      {
        file: 'carrier_sbcs/no-carrier.yaml',
        message: 'left out owner_notes (not fields of a carrier-sbc file; kzops leaves them as they are)',
      },
    ]);
  });

  it('rewrites a file it cannot edit in place (the state names it), with a warning', () => {
    const broken = { path: 'carrier_sbcs/sprint-east-sbc.yaml', text: 'name: [Sprint East SBC\n' };
    // Without a state entry, a file whose name cannot be read claims nothing: it is kept.
    const kept = run({ files: [TARGETS, broken] });
    expect(kept.notLive.map((f) => f.path)).toEqual([broken.path]);
    expect(byKey(kept)[SBC_EAST]).toBe('sprint-east-sbc-2');

    const state: TargetState = {
      version: 1,
      target: 't',
      resources: { 'carrier_sbcs/sprint-east-sbc': { id: SBC_EAST } },
    };
    const result = run({ files: [TARGETS, broken], state });
    const file = result.files.find((f) => f.path === broken.path);
    expect(file?.status).toBe('updated');
    expect(file?.text).toContain('name: Sprint East SBC\n');
    expect(result.warnings.map((w) => w.file)).toContain(broken.path);
    expect(result.notLive).toEqual([]);
  });
});
