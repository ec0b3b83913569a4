import { beforeAll, describe, expect, it } from 'vitest';
import { checkSchema, validatorFor } from '../../src/core/validate/schema.js';
import type { Problem } from '../../src/core/validate/problem.js';
import { loadedFile, shippedSchemas, yaml } from './validate-helpers.js';

let schemas: Record<string, object>;
beforeAll(async () => {
  schemas = await shippedSchemas();
});

function sbcProblems(text: string): Problem[] {
  return checkSchema(
    loadedFile('carrier_sbcs/x.yaml', text, 'carrier_sbcs', 'x'),
    schemas['carrier-sbc'] ?? {},
  );
}

function targetsProblems(text: string): Problem[] {
  return checkSchema(loadedFile('targets.yaml', text, 'targets', 'targets'), schemas.targets ?? {});
}

function clusterProblems(text: string): Problem[] {
  return checkSchema(loadedFile('clusters/x.yaml', text, 'clusters', 'x'), schemas.cluster ?? {});
}

const brief = (ps: Problem[]) => ps.map((p) => `${p.line}:${p.col} ${p.code} ${p.path}`);

describe('checkSchema: positions', () => {
  it('points a nested enum error at the value, in plain English', () => {
    const [p, ...rest] = sbcProblems(yaml`
      name: A
      carrier: sprint
      location:
        zone: north
    `);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      line: 4,
      col: 9,
      code: 'invalid_enum',
      path: 'location.zone',
      severity: 'error',
    });
    expect(p?.message).toBe('location.zone: must be one of east, central, west (got "north")');
  });

  it('points a list item error at the item, block and flow style', () => {
    const block = sbcProblems('name: A\ncarrier: s\nips:\n  - 203.0.113.10\n  - 203.0.113.300\n');
    expect(brief(block)).toEqual(['5:5 invalid_format ips.1']);
    const flow = sbcProblems("name: A\ncarrier: s\nips: [203.0.113.10, 'not-an-ip']\n");
    expect(brief(flow)).toEqual(['3:21 invalid_format ips.1']);
  });

  it('collapses the IPv4-or-IPv6 alternatives into one problem', () => {
    const [p, ...rest] = sbcProblems('name: A\ncarrier: s\nips: [1.2.3]\n');
    expect(rest).toEqual([]);
    expect(p?.message).toBe('ips.0: must be an IPv4 address or an IPv6 address (got "1.2.3")');
  });

  it('points an unknown field at its key, with did you mean', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nmobile_media_sever: ny2\n');
    expect(p).toMatchObject({ line: 3, col: 1, code: 'unknown_field', path: 'mobile_media_sever' });
    expect(p?.message).toBe('mobile_media_sever: unknown field; did you mean mobile_media_server?');
  });

  it('suggests from the fields of the nested object, not the top level', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nlocation:\n  zone: east\n  cty: NYC\n');
    expect(p).toMatchObject({ line: 5, col: 3, code: 'unknown_field', path: 'location.cty' });
    expect(p?.message).toContain('did you mean city?');
  });

  it('lists the known fields when nothing is close', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nlocation:\n  altitude: 3\n');
    expect(p?.message).toBe('location.altitude: unknown field; expected one of zone, state, city');
  });

  it('points a missing field at the mapping that lacks it', () => {
    expect(brief(sbcProblems('# header\nname: A\n'))).toEqual(['2:1 missing_field carrier']);
    const nested = sbcProblems(yaml`
      name: A
      carrier: s
      number_formatting:
        from_pstn:
          to_number:
            pattern: /^1$/
    `);
    expect(brief(nested)).toEqual(['6:7 missing_field number_formatting.from_pstn.to_number.replace']);
    expect(nested[0]?.message).toBe(
      'number_formatting.from_pstn.to_number.replace: required field is missing',
    );
  });

  it('points an empty value (`city:`) at its key', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nlocation:\n  city:\n');
    expect(p).toMatchObject({ line: 4, col: 3, code: 'invalid_type', path: 'location.city' });
    expect(p?.message).toBe('location.city: must be text (got nothing)');
  });

  it('names YAML types in words', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nips: 203.0.113.10\n');
    expect(p?.message).toBe('ips: must be a list (got "203.0.113.10")');
    const [q] = checkSchema(
      loadedFile('customer_clusters/x.yaml', 'name: A\nrandomize_routing: yes\n', 'customer_clusters', 'x'),
      schemas['customer-cluster'] ?? {},
    );
    expect(q).toMatchObject({ line: 2, col: 20, code: 'invalid_type' });
    expect(q?.message).toBe('randomize_routing: must be true or false (got "yes")');
  });

  it('says regexes of the shipped schemas in words', () => {
    const [p] = sbcProblems('name: A\ncarrier: s\nmobile_media_server: NY2\n');
    expect(p).toMatchObject({ line: 3, col: 22, code: 'invalid_value' });
    expect(p?.message).toContain(
      'must be a key (lowercase letters, digits, - and _) or id:<32 lowercase hex>',
    );
  });

  it('says "must not be empty" for a minimum length of one', () => {
    const [p] = sbcProblems("name: ''\ncarrier: s\n");
    expect(p?.message).toBe('name: must not be empty (got "")');
  });
});

describe('checkSchema: targets', () => {
  it('collapses url alternatives into one problem and words each', () => {
    const [p, ...rest] = targetsProblems('targets:\n  a:\n    url: ftp://x\n');
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ line: 3, col: 10, code: 'invalid_value', path: 'targets.a.url' });
    expect(p?.message).toBe('targets.a.url: must be sim, or start with http:// or https:// (got "ftp://x")');
    const [q] = targetsProblems('targets:\n  a:\n    url: sandbox\n');
    expect(q?.message).toBe(
      'targets.a.url: must be sim, or start with http:// or https:// and be an absolute URL (e.g. https://host:8443) (got "sandbox")',
    );
  });

  it('points a bad target name at the key', () => {
    const [p] = targetsProblems('targets:\n  Sandbox:\n    url: sim\n');
    expect(p).toMatchObject({ line: 2, col: 3, code: 'invalid_value', path: 'targets.Sandbox' });
    expect(p?.message).toContain('the name "Sandbox" is not allowed here');
  });

  it('reports fields required by another at the target', () => {
    const ps = targetsProblems('targets:\n  a:\n    url: sim\n    user_env: U\n');
    expect(brief(ps)).toEqual([
      '3:5 missing_field targets.a.password_env',
      '3:5 missing_field targets.a.account_name',
    ]);
    expect(ps[0]?.message).toBe(
      'targets.a.password_env: required field is missing (needed when user_env is set)',
    );
  });

  it('reports a number out of range at the value', () => {
    const [p] = targetsProblems('targets:\n  a:\n    url: sim\n    max_change_percent: 150\n');
    expect(p).toMatchObject({ line: 4, col: 25, code: 'invalid_value' });
    expect(p?.message).toBe('targets.a.max_change_percent: must be at most 100 (got 150)');
  });
});

describe('checkSchema: secrets', () => {
  it('never quotes the value of a secret field', () => {
    const ps = clusterProblems(yaml`
      mvno_id: m
      api_url: https://x.example.net
      api_key: hunter2-secret
      hosted_billing_account_id: 0123456789abcdef0123456789abcdef
    `);
    expect(brief(ps)).toEqual(['3:10 invalid_type api_key']);
    expect(JSON.stringify(ps)).not.toContain('hunter2');
  });

  it('says {env} and {file} are one or the other', () => {
    const ps = clusterProblems(yaml`
      mvno_id: m
      api_url: https://x.example.net
      api_key: {env: A, file: /b}
      hosted_billing_account_id: 0123456789abcdef0123456789abcdef
    `);
    expect(ps[0]?.message).toBe('api_key: must have only one of env, file');
  });
});

describe('validatorFor', () => {
  it('compiles a schema object once', () => {
    const schema = schemas['media-server'] ?? {};
    expect(validatorFor(schema)).toBe(validatorFor(schema));
  });

  it('reuses the compiled schema for a fresh copy with the same $id', () => {
    const schema = schemas['media-server'] ?? {};
    expect(validatorFor(structuredClone(schema))).toBe(validatorFor(schema));
  });
});
