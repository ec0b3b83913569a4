import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/validate/index.js';
import {
  CLUSTER,
  CLUSTER_ID,
  configFiles,
  MEDIA_SERVER,
  PAIR,
  SBC,
  shippedSchemas,
  validate,
  where,
} from './validate-helpers.js';

describe('validateConfig', () => {
  it('finds nothing wrong in a small valid config and hands back the resources', async () => {
    const result = await validate({ ...PAIR, [`clusters/${CLUSTER_ID}.yaml`]: CLUSTER });
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.resources.map((r) => `${r.kind}/${r.key} ${r.file}`)).toEqual([
      'carrier_sbcs/sprint-east carrier_sbcs/sprint-east.yaml',
      `clusters/${CLUSTER_ID} clusters/${CLUSTER_ID}.yaml`,
      'media_servers/ny2 media_servers/ny2.yaml',
    ]);
    expect(result.resources[0]?.doc).toMatchObject({
      name: 'Sprint East SBC',
      ips: ['203.0.113.10', '203.0.113.11'],
    });
    expect(result.targets).toEqual({ targets: { local: { url: 'sim' } } });
  });

  it('reports a missing targets.yaml at targets.yaml 1:1', async () => {
    const result = await validate({ ...PAIR, 'targets.yaml': null });
    expect(where(result.problems)).toEqual(['targets.yaml:1:1 missing_file']);
    expect(result.targets).toBeUndefined();
  });

  it('does not let one bad file hide the problems of others', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/a-broken.yaml': 'name: [unclosed\n',
      'carrier_sbcs/sprint-east.yaml': SBC.replace('zone: east', 'zone: north'),
      'media_servers/ny2.yaml': MEDIA_SERVER.replace('sprint-east]', 'sprint-east, nope]'),
      'media_servers/sv4.yaml': '- a list\n',
    });
    expect(where(result.problems)).toEqual([
      'carrier_sbcs/a-broken.yaml:1:7 yaml_syntax',
      'carrier_sbcs/sprint-east.yaml:4:9 invalid_enum',
      'media_servers/ny2.yaml:3:25 unresolved_reference',
      'media_servers/sv4.yaml:1:1 not_a_mapping',
    ]);
    // Files that did not parse are not resources; the others still are.
    expect(result.resources.map((r) => r.key)).toEqual(['sprint-east', 'ny2']);
  });

  it('runs the semantic checks on files the schema rejects', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/sprint-east.yaml': `${SBC}colour: blue\n`.replace(
        'mobile_media_server: ny2',
        'mobile_media_server: ny9',
      ),
    });
    expect(where(result.problems)).toEqual([
      'carrier_sbcs/sprint-east.yaml:6:22 unresolved_reference',
      'carrier_sbcs/sprint-east.yaml:7:1 unknown_field',
    ]);
  });

  it('still checks the content of files in a folder kzops does not know for YAML errors only', async () => {
    const result = await validate({ 'carrier_sbc/a.yaml': '# x\nname: a\nname: b\n' });
    expect(where(result.problems)).toEqual([
      'carrier_sbc/a.yaml:2:1 wrong_folder',
      'carrier_sbc/a.yaml:3:1 duplicate_key',
    ]);
  });

  it('sorts by file, then line, then column', async () => {
    const result = await validate({
      'carrier_sbcs/b.yaml': 'name: B\ncarrier: s\nlocation: {zone: x, city: 1}\n',
      'carrier_sbcs/a.yaml': 'name: A\n',
    });
    expect(where(result.problems)).toEqual([
      'carrier_sbcs/a.yaml:1:1 missing_field',
      'carrier_sbcs/b.yaml:3:18 invalid_enum',
      'carrier_sbcs/b.yaml:3:27 invalid_type',
    ]);
  });

  it('counts warnings apart: a config with only warnings is valid', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': `${MEDIA_SERVER}location: {city: !weird x}\n`,
    });
    expect(result.problems.map((p) => `${p.code} ${p.severity}`)).toEqual(['yaml_syntax warning']);
    expect(result.valid).toBe(true);
  });

  it('says which schema is missing rather than skipping the check', async () => {
    const schemas = { ...(await shippedSchemas()) };
    delete schemas['carrier-sbc'];
    expect(() => validateConfig(configFiles(PAIR), schemas)).toThrow(/no carrier-sbc schema/);
  });
});
