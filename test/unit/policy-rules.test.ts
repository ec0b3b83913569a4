import { describe, expect, it } from 'vitest';
import { auditLine, auditRecord, emergencyTrailer } from '../../src/core/policy/audit.js';
import { globMatch } from '../../src/core/policy/glob.js';
import {
  describeRule,
  ignoredFields,
  ignoringRule,
  pathIgnored,
  setIgnoredFields,
  withoutFields,
} from '../../src/core/policy/ignore.js';
import { targetRulesOf, type IgnoreRule } from '../../src/core/policy/rules.js';

const ID = '3ed1a000000000000000000000000001';

describe('globMatch', () => {
  it('* is any text, ? one character, the rest literal', () => {
    expect(globMatch('sprint-*', 'sprint-east')).toBe(true);
    expect(globMatch('sprint-*', 'sprint-')).toBe(true);
    expect(globMatch('sprint-*', 'att-east')).toBe(false);
    expect(globMatch('ny?', 'ny2')).toBe(true);
    expect(globMatch('ny?', 'ny22')).toBe(false);
    expect(globMatch('a.b', 'aXb')).toBe(false);
    expect(globMatch('(x)+', '(x)+')).toBe(true);
    expect(globMatch('Legacy *', 'legacy east')).toBe(false);
    expect(globMatch('Legacy *', 'legacy east', { caseInsensitive: true })).toBe(true);
  });
});

describe('targetRulesOf', () => {
  it('defaults: report, no rules, not frozen, no windows', () => {
    expect(targetRulesOf({ url: 'sim' })).toEqual({ unmanaged: 'report', ignore: [], changeWindows: [] });
  });

  it('reads every field as targets.yaml writes it', () => {
    expect(
      targetRulesOf({
        url: 'sim',
        unmanaged: 'fail',
        ignore: [
          { kind: 'carrier_sbcs', name: 'Legacy *' },
          { kind: 'media_servers', id: ID },
          { kind: 'media_servers', fields: ['top_ips'] },
          { kind: 'media_servers', key: 'ny2', fields: ['location.zone'] },
        ],
        frozen: ' carrier maintenance until Friday ',
        change_windows: [{ days: ['tue', 'thu'], from: '01:00', to: '05:00', tz: 'America/New_York' }],
      }),
    ).toEqual({
      unmanaged: 'fail',
      ignore: [
        { kind: 'carrier_sbcs', name: 'Legacy *' },
        { kind: 'media_servers', id: ID },
        { kind: 'media_servers', fields: ['top_ips'] },
        { kind: 'media_servers', key: 'ny2', fields: ['location.zone'] },
      ],
      frozen: 'carrier maintenance until Friday',
      changeWindows: [{ days: ['tue', 'thu'], from: '01:00', to: '05:00', tz: 'America/New_York' }],
    });
  });

  it('drops what validation would refuse rather than guessing: a rule naming nothing, an unknown kind', () => {
    const rules = targetRulesOf({
      ignore: [{ kind: 'carrier_sbcs' }, { kind: 'phones', name: 'x' }],
      unmanaged: 'loud',
    });
    expect(rules.ignore).toEqual([]);
    expect(rules.unmanaged).toBe('report');
  });
});

describe('ignore rules', () => {
  const rules: IgnoreRule[] = [
    { kind: 'carrier_sbcs', name: 'Legacy *' },
    { kind: 'media_servers', id: ID },
    { kind: 'media_servers', fields: ['top_ips'] },
    { kind: 'media_servers', key: 'ny*', fields: ['location.zone'] },
    { kind: 'carrier_sbcs', name: 'Sprint East', id: ID },
  ];

  it('a resource rule matches by name (trimmed, any case), by id, and needs every selector it gives', () => {
    expect(ignoringRule(rules, { kind: 'carrier_sbcs', names: ['  legacy WEST '] })).toEqual(rules[0]);
    expect(ignoringRule(rules, { kind: 'media_servers', id: ID })).toEqual(rules[1]);
    expect(ignoringRule(rules, { kind: 'carrier_sbcs', id: ID })).toBeUndefined();
    expect(ignoringRule(rules, { kind: 'carrier_sbcs', id: ID, names: ['Sprint East'] })).toEqual(rules[4]);
    expect(ignoringRule(rules, { kind: 'media_servers', names: ['Legacy NY'] })).toBeUndefined();
    // A field rule never covers a resource.
    expect(ignoringRule(rules, { kind: 'media_servers', key: 'ny2' })).toBeUndefined();
  });

  it('field rules: for the whole kind, or for the resources a key picks', () => {
    expect(ignoredFields(rules, { kind: 'media_servers', key: 'ny2' })).toEqual(['location.zone', 'top_ips']);
    expect(ignoredFields(rules, { kind: 'media_servers', key: 'ch2' })).toEqual(['top_ips']);
    expect(ignoredFields(rules, { kind: 'media_servers' })).toEqual(['top_ips']);
    expect(ignoredFields(rules, { kind: 'carrier_sbcs', key: 'ny2' })).toEqual([]);
  });

  it('paths: a field covers everything under it; stripping copies and leaves lists whole', () => {
    expect(pathIgnored('location.zone', ['location'])).toBe(true);
    expect(pathIgnored('locations', ['location'])).toBe(false);
    const doc = { name: 'NY2', top_ips: ['10.0.0.1'], location: { zone: 'east', city: 'NY' } };
    expect(withoutFields(doc, ['top_ips', 'location.zone'])).toEqual({
      name: 'NY2',
      location: { city: 'NY' },
    });
    expect(doc.location.zone).toBe('east');
    expect(withoutFields(doc, [])).toBe(doc);
    expect(setIgnoredFields(doc, ['top_ips', 'location.zone', 'location.state', 'ips'])).toEqual([
      ['top_ips'],
      ['location', 'zone'],
    ]);
  });

  it('describes a rule as targets.yaml would write it', () => {
    expect(describeRule(rules[0]!)).toBe('{kind: carrier_sbcs, name: "Legacy *"}');
    expect(describeRule(rules[3]!)).toBe('{kind: media_servers, key: "ny*", fields: [location.zone]}');
  });
});

describe('auditRecord', () => {
  const base = {
    now: new Date('2026-12-06T06:00:00Z'),
    operator: 'Ada <ada@example.net>',
    target: 'prod',
    fingerprint: 'f'.repeat(64),
    planned: { create: 1, update: 2, noop: 9 },
  };

  it('one JSON line with time, operator, target, counts, fingerprint and the emergency reason', () => {
    const record = auditRecord({
      ...base,
      steps: [{ status: 'done' }, { status: 'done' }, { status: 'done' }],
      emergency: ' SBC east down\nline two ',
      overrode: ['frozen'],
      targeting: { only: ['carrier_sbcs/sprint-east'], exclude: [] },
    });
    expect(record).toEqual({
      time: '2026-12-06T06:00:00.000Z',
      operator: 'Ada <ada@example.net>',
      target: 'prod',
      fingerprint: 'f'.repeat(64),
      planned: { create: 1, update: 2, replace: 0, delete: 0 },
      steps: { done: 3, failed: 0, skipped: 0 },
      outcome: 'applied',
      emergency: 'SBC east down\nline two',
      overrode: ['frozen'],
      targeting: { only: ['carrier_sbcs/sprint-east'], exclude: [] },
    });
    const line = auditLine(record);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(record);
  });

  it('outcome and operator fallbacks', () => {
    expect(auditRecord({ ...base, operator: '  ', steps: [] }).operator).toBe('unknown');
    expect(auditRecord({ ...base, planned: { noop: 3 } }).outcome).toBe('nothing_to_do');
    expect(auditRecord({ ...base, steps: [{ status: 'done' }, { status: 'failed' }] }).outcome).toBe(
      'partial',
    );
    expect(auditRecord({ ...base, steps: [{ status: 'failed' }, { status: 'skipped' }] }).outcome).toBe(
      'failed',
    );
    expect(auditRecord({ ...base, steps: [{ status: 'done' }], interrupted: true }).outcome).toBe(
      'interrupted',
    );
    expect(auditRecord({ ...base, emergency: '' })).not.toHaveProperty('emergency');
  });

  it('the commit trailer carries the reason on one line', () => {
    expect(emergencyTrailer(' SBC down\n  now ')).toBe('Emergency: SBC down now');
    expect(emergencyTrailer(undefined)).toBe('');
  });
});
