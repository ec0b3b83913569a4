import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/core/validate/index.js';
import { MEDIA_SERVER, SBC, shippedSchemas, validate, where, withCode, yaml } from './validate-helpers.js';

const targets = (rules: string) =>
  yaml`
  targets:
    prod:
      url: https://kazoo.example.net:8443
      api_key_env: KZOPS_PROD_API_KEY
` + rules;

const base = { 'carrier_sbcs/sprint-east.yaml': SBC, 'media_servers/ny2.yaml': MEDIA_SERVER };

describe('targets.yaml: unmanaged, ignore, frozen, change_windows', () => {
  it('accepts every new field as the issue writes it', async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    unmanaged: report
    ignore:
      - {kind: carrier_sbcs, name: "Legacy *"}
      - {kind: media_servers, id: 3ed1a000000000000000000000000001}
      - {kind: carrier_sbcs, fields: [notes]}
    frozen: "carrier maintenance until Friday"
    change_windows:
      - {days: [tue, thu], from: "01:00", to: "05:00", tz: America/New_York}
`),
    });
    expect(where(result.problems)).toEqual([]);
  });

  it('refuses a bad policy, a rule that names nothing, bad day names and times, each at file:line:col', async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    unmanaged: loud
    ignore:
      - {kind: carrier_sbcs}
      - {kind: phones, name: x}
      - {kind: media_servers, key: ny2}
    frozen: ""
    change_windows:
      - {days: [tuesday], from: "1:00", to: "25:00", tz: UTC}
`),
    });
    expect(where(result.problems)).toEqual([
      'targets.yaml:5:16 invalid_enum',
      'targets.yaml:7:9 invalid_value',
      'targets.yaml:8:16 invalid_enum',
      'targets.yaml:9:9 missing_field',
      'targets.yaml:10:13 invalid_value',
      'targets.yaml:12:17 invalid_enum',
      'targets.yaml:12:33 invalid_value',
      'targets.yaml:12:45 invalid_value',
    ]);
    const messages = result.problems.map((p) => p.message);
    expect(messages[1]).toBe(
      'targets.prod.ignore.0: must have kind and at least one of name, id, key, fields (got a mapping)',
    );
    expect(messages[3]).toBe(
      'targets.prod.ignore.2.fields: required field is missing (needed when key is set)',
    );
    expect(messages[6]).toBe(
      'targets.prod.change_windows.0.from: must be a time of day HH:MM, 24-hour (e.g. 01:00 or 17:30) (got "1:00")',
    );
  });

  it('refuses a time zone the runtime does not know and a window with no length, at the value', async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    change_windows:
      - {days: [tue], from: "01:00", to: "05:00", tz: America/Nowhere}
      - {days: [tue], from: "01:00", to: "01:00", tz: UTC}
`),
    });
    expect(where(result.problems)).toEqual([
      'targets.yaml:6:55 invalid_value',
      'targets.yaml:7:42 invalid_value',
    ]);
    expect(result.problems[0]?.message).toBe(
      'targets.prod.change_windows.0.tz: "America/Nowhere" is not a time zone kzops knows; write an IANA name such as America/New_York, Europe/Berlin or UTC',
    );
    expect(result.problems[1]?.message).toContain('from and to are both 01:00');
  });

  it('the per-file check runs for targets.yaml alone too (what plan and apply read), not only in validate', async () => {
    const text = targets(`    change_windows:
      - {days: [tue], from: "01:00", to: "05:00", tz: Mars/Olympus}
`);
    const outcome = checkFile({ path: 'targets.yaml', text }, await shippedSchemas());
    expect(outcome.schemaProblems.map((p) => `${p.line}:${p.col} ${p.code}`)).toEqual(['6:55 invalid_value']);
  });
});

describe('ignore_conflict: a config file an ignore rule covers', () => {
  it("by name (glob, any case): at the file's name", async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    ignore:
      - {kind: carrier_sbcs, name: "sprint *"}
`),
    });
    expect(where(withCode(result, 'ignore_conflict'))).toEqual([
      'carrier_sbcs/sprint-east.yaml:1:1 ignore_conflict',
    ]);
    expect(result.problems[0]?.message).toBe(
      'name: target prod ignores this resource ({kind: carrier_sbcs, name: "sprint *"}): kzops cannot both manage it and leave it alone; remove the file, or narrow the rule in targets.yaml',
    );
    expect(result.valid).toBe(false);
  });

  it('by id: a customer cluster is named by its id', async () => {
    const id = '8a901bea1d3297ef7d4c8d34809472c2';
    const result = await validate({
      [`customer_clusters/${id}.yaml`]: 'name: Kazoo Hosted\n',
      'targets.yaml': targets(`    ignore:
      - {kind: customer_clusters, id: ${id}}
`),
    });
    expect(where(withCode(result, 'ignore_conflict'))).toEqual([
      `customer_clusters/${id}.yaml:1:1 ignore_conflict`,
    ]);
  });

  it('a field rule: the config must not set the field, for the kind or for the resource the key picks', async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    ignore:
      - {kind: media_servers, fields: [top_ips]}
      - {kind: carrier_sbcs, key: sprint-*, fields: [location.zone]}
      - {kind: carrier_sbcs, key: att-*, fields: [ips]}
`),
    });
    expect(where(withCode(result, 'ignore_conflict'))).toEqual([
      'carrier_sbcs/sprint-east.yaml:4:3 ignore_conflict',
      'media_servers/ny2.yaml:4:1 ignore_conflict',
    ]);
    expect(withCode(result, 'ignore_conflict')[1]?.message).toMatch(
      /^top_ips: target prod ignores this field/,
    );
  });

  it('a rule that covers nothing in config is fine', async () => {
    const result = await validate({
      ...base,
      'targets.yaml': targets(`    ignore:
      - {kind: carrier_sbcs, name: "Legacy *"}
      - {kind: media_servers, fields: [notes]}
`),
    });
    expect(where(result.problems)).toEqual([]);
  });
});
