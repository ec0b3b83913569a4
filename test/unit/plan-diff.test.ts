import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  diffDocument,
  ROUTING_DIFF_RULES,
  type DiffRules,
  type FieldChange,
  type Path,
} from '../../src/core/plan/diff.js';
import { normalizeIp } from '../../src/core/ip.js';
import { longForm } from './ip-spellings.js';

type Doc = Record<string, unknown>;

const SBC = ROUTING_DIFF_RULES.carrier_sbcs;
const MEDIA = ROUTING_DIFF_RULES.media_servers;
const CLUSTER = ROUTING_DIFF_RULES.customer_clusters;
const NONE: DiffRules = { sets: [], ips: [] };

function isMapping(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A deep copy that keeps own `__proto__` keys as data (Object.fromEntries defines properties). */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  return value;
}

function define(target: Doc, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `doc` with `path` set to `value`, creating (or replacing non-mapping) intermediates. */
function setAt(doc: Doc, path: Path, value: unknown): Doc {
  const [head, ...rest] = path;
  const out = clone(doc);
  const key = String(head);
  if (rest.length === 0) {
    define(out, key, clone(value));
    return out;
  }
  const current = Object.hasOwn(out, key) ? out[key] : undefined;
  define(out, key, setAt(isMapping(current) ? current : {}, rest, value));
  return out;
}

function applyChanges(live: Doc, changes: FieldChange[]): Doc {
  return changes.reduce((doc, c) => setAt(doc, c.segments, c.after), live);
}

/** `desired` deep-merged over `live`: every desired field wins, extra live fields stay. */
function merge(live: Doc, desired: Doc): Doc {
  const out = clone(live);
  for (const [key, value] of Object.entries(desired)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    define(out, key, isMapping(current) && isMapping(value) ? merge(current, value) : clone(value));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Examples

describe('diffDocument: mappings', () => {
  it('reports a change at the deepest differing path', () => {
    const desired = { name: 'Sprint East SBC', location: { zone: 'east', state: 'NY' } };
    const live = { name: 'Sprint East SBC', location: { zone: 'west', state: 'NY' } };
    expect(diffDocument(desired, live, SBC)).toEqual([
      { path: 'location.zone', segments: ['location', 'zone'], before: 'west', after: 'east' },
    ]);
  });

  it('ignores top-level fields the YAML does not mention', () => {
    const desired = { name: 'CH2' };
    const live = { name: 'CH2', top_ips: ['10.0.0.1'], location: { zone: 'central' } };
    expect(diffDocument(desired, live, MEDIA)).toEqual([]);
  });

  it('ignores nested fields the YAML does not mention', () => {
    const desired = { location: { zone: 'east' }, interfaces: { carrier_mpls: { sprint: 'a' } } };
    const live = {
      location: { zone: 'east', state: 'NY', city: 'New York' },
      interfaces: { carrier_mpls: { sprint: 'a', att: 'b' }, authenticated_connection: 'x' },
    };
    expect(diffDocument(desired, live, MEDIA)).toEqual([]);
  });

  it('never compares server-owned fields, even when the YAML has them', () => {
    const desired = { id: 'a', _id: 'a', _rev: '1-a', pvt_created: 1, pvt_type: 'sbc', name: 'n' };
    const live = { id: 'b', _id: 'b', _rev: '2-b', pvt_created: 2, name: 'n' };
    expect(diffDocument(desired, live, SBC)).toEqual([]);
    expect(diffDocument(desired, undefined, SBC).map((c) => c.path)).toEqual(['name']);
  });

  it('treats server-owned names below the top level as user data', () => {
    const desired = { interfaces: { carrier_mpls: { id: 'x', pvt_y: 'y' } } };
    const live = { interfaces: { carrier_mpls: { id: 'z', pvt_y: 'y' } } };
    expect(diffDocument(desired, live, MEDIA).map((c) => c.path)).toEqual(['interfaces.carrier_mpls.id']);
  });

  it('reports a field absent live with before undefined', () => {
    const changes = diffDocument({ name: 'n', owner: '2600hz' }, { name: 'n' }, CLUSTER);
    expect(changes).toEqual([{ path: 'owner', segments: ['owner'], before: undefined, after: '2600hz' }]);
  });

  it('reports a mapping absent live whole, at its own path', () => {
    const changes = diffDocument({ location: { zone: 'east', state: 'NY' } }, {}, SBC);
    expect(changes).toEqual([
      { path: 'location', segments: ['location'], before: undefined, after: { zone: 'east', state: 'NY' } },
    ]);
  });

  it('reports a change of shape whole', () => {
    expect(diffDocument({ location: { zone: 'east' } }, { location: 'east' }, SBC)).toEqual([
      { path: 'location', segments: ['location'], before: 'east', after: { zone: 'east' } },
    ]);
    expect(diffDocument({ ips: ['10.0.0.1'] }, { ips: { a: '10.0.0.1' } }, SBC)).toHaveLength(1);
  });

  it('treats null in the YAML as a value: a change from absent, none against null', () => {
    expect(diffDocument({ owner: null }, {}, CLUSTER)).toEqual([
      { path: 'owner', segments: ['owner'], before: undefined, after: null },
    ]);
    expect(diffDocument({ owner: null }, { owner: null }, CLUSTER)).toEqual([]);
    expect(diffDocument({ owner: null }, { owner: 'x' }, CLUSTER)).toEqual([
      { path: 'owner', segments: ['owner'], before: 'x', after: null },
    ]);
    expect(diffDocument({ location: { zone: 'e' } }, { location: null }, SBC)).toEqual([
      { path: 'location', segments: ['location'], before: null, after: { zone: 'e' } },
    ]);
  });

  it('treats an undefined desired value (not a YAML value) as the key not written', () => {
    expect(diffDocument({ owner: undefined }, { owner: 'x' }, CLUSTER)).toEqual([]);
    expect(diffDocument({ location: { zone: undefined } }, { location: { zone: 'e' } }, SBC)).toEqual([]);
  });

  it('compares scalars strictly: no coercion between types', () => {
    expect(diffDocument({ randomize_routing: false }, { randomize_routing: 'false' }, CLUSTER)).toHaveLength(
      1,
    );
    expect(diffDocument({ n: 1 }, { n: '1' }, NONE)).toHaveLength(1);
    expect(diffDocument({ n: 0 }, { n: -0 }, NONE)).toEqual([]);
  });

  it('reports every desired field at the top level when the resource does not exist', () => {
    const desired = {
      _rev: '1',
      name: 'Kazoo Hosted',
      ips: { inbound: { east: ['198.51.100.10'] } },
      owner: '2600hz',
      pvt_vsn: 1,
    };
    expect(diffDocument(desired, undefined, CLUSTER)).toEqual([
      {
        path: 'ips',
        segments: ['ips'],
        before: undefined,
        after: { inbound: { east: ['198.51.100.10'] } },
      },
      { path: 'name', segments: ['name'], before: undefined, after: 'Kazoo Hosted' },
      { path: 'owner', segments: ['owner'], before: undefined, after: '2600hz' },
    ]);
  });

  it('sorts by path whatever the key order, and ignores key order in values', () => {
    const a = { zeta: 1, alpha: { b: 1, a: 2 }, mid: [{ x: 1, y: 2 }] };
    const b = { mid: [{ y: 2, x: 1 }], alpha: { a: 2, b: 1 }, zeta: 1 };
    expect(diffDocument(a, b, NONE)).toEqual([]);
    const changes = diffDocument(a, { zeta: 2, alpha: { a: 3, b: 0 } }, NONE);
    expect(changes.map((c) => c.path)).toEqual(['alpha.a', 'alpha.b', 'mid', 'zeta']);
    expect(diffDocument(b, { zeta: 2, alpha: { a: 3, b: 0 } }, NONE)).toEqual(changes);
  });

  it('reads only own properties: a `__proto__` key is data', () => {
    const desired = JSON.parse('{"__proto__": {"zone": "east"}, "constructor": 1}') as Doc;
    const changes = diffDocument(desired, {}, NONE);
    expect(changes.map((c) => c.path)).toEqual(['__proto__', 'constructor']);
    expect(changes[0]?.before).toBeUndefined();
  });

  it('keeps dotted keys unambiguous in segments', () => {
    const changes = diffDocument({ 'a.b': 1, a: { b: 2 } }, { 'a.b': 0, a: { b: 0 } }, NONE);
    expect(changes.map((c) => c.segments)).toEqual([['a', 'b'], ['a.b']]);
  });
});

describe('diffDocument: arrays', () => {
  it('compares address lists as sets: order and duplicates do not matter', () => {
    const desired = { ips: ['203.0.113.10', '203.0.113.11'] };
    expect(diffDocument(desired, { ips: ['203.0.113.11', '203.0.113.10'] }, SBC)).toEqual([]);
    expect(diffDocument(desired, { ips: ['203.0.113.11', '203.0.113.10', '203.0.113.11'] }, SBC)).toEqual([]);
  });

  it('reports an address live but not desired: a set is not a subset', () => {
    const desired = { ips: ['203.0.113.10'] };
    expect(diffDocument(desired, { ips: ['203.0.113.10', '203.0.113.99'] }, SBC)).toHaveLength(1);
    expect(diffDocument(desired, { ips: [] }, SBC)).toHaveLength(1);
  });

  it('reports a changed set whole, before live and after desired', () => {
    const changes = diffDocument({ ips: ['203.0.113.10', '203.0.113.11'] }, { ips: ['203.0.113.10'] }, SBC);
    expect(changes).toEqual([
      { path: 'ips', segments: ['ips'], before: ['203.0.113.10'], after: ['203.0.113.10', '203.0.113.11'] },
    ]);
  });

  it('matches `*` in set paths against any zone', () => {
    const desired = {
      ips: { inbound: { east: ['1.1.1.1', '1.1.1.2'] }, outbound: { moon: ['2.2.2.2', '::'] } },
    };
    const live = {
      ips: { inbound: { east: ['1.1.1.2', '1.1.1.1'] }, outbound: { moon: ['0::0', '2.2.2.2'] } },
    };
    expect(diffDocument(desired, live, CLUSTER)).toEqual([]);
    const changes = diffDocument(desired, { ips: { inbound: { east: ['1.1.1.1'] } } }, CLUSTER);
    expect(changes.map((c) => c.path)).toEqual(['ips.inbound.east', 'ips.outbound']);
  });

  it('keeps priority lists ordered', () => {
    const desired = { carrier_sbc_priority: { sprint: ['sprint-central', 'sprint-east', 'sprint-west'] } };
    const live = { carrier_sbc_priority: { sprint: ['sprint-east', 'sprint-central', 'sprint-west'] } };
    expect(diffDocument(desired, live, MEDIA)).toEqual([
      {
        path: 'carrier_sbc_priority.sprint',
        segments: ['carrier_sbc_priority', 'sprint'],
        before: ['sprint-east', 'sprint-central', 'sprint-west'],
        after: ['sprint-central', 'sprint-east', 'sprint-west'],
      },
    ]);
  });

  it('keeps duplicates significant in ordered arrays', () => {
    expect(diffDocument({ a: ['x', 'y'] }, { a: ['x', 'y', 'y'] }, NONE)).toHaveLength(1);
  });

  it('compares arrays of mappings in order and in full: a PATCH replaces them whole', () => {
    const from = { direction: 'from_pstn', headers: { h: 'term' } };
    const to = { direction: 'to_mobile_device', headers: { h: 'term;reg' } };
    expect(diffDocument({ call_directions: [from, to] }, { call_directions: [to, from] }, SBC)).toHaveLength(
      1,
    );
    // An element key the YAML does not mention still counts inside an array.
    const extra = { ...from, headers: { h: 'term', other: 'x' } };
    expect(diffDocument({ call_directions: [from] }, { call_directions: [extra] }, SBC)).toEqual([
      { path: 'call_directions', segments: ['call_directions'], before: [extra], after: [from] },
    ]);
  });

  it('applies set rules to the named path only', () => {
    // `ips` is a set for SBCs but not for media servers, whose address list is `top_ips`.
    expect(
      diffDocument({ ips: ['1.1.1.1', '2.2.2.2'] }, { ips: ['2.2.2.2', '1.1.1.1'] }, MEDIA),
    ).toHaveLength(1);
    expect(
      diffDocument({ top_ips: ['1.1.1.1', '2.2.2.2'] }, { top_ips: ['2.2.2.2', '1.1.1.1'] }, MEDIA),
    ).toEqual([]);
  });
});

describe('diffDocument: IP addresses', () => {
  it('treats IPv6 text forms of one address as equal', () => {
    expect(diffDocument({ ips: ['2001:db8::1'] }, { ips: ['2001:0DB8:0:0:0:0:0:1'] }, SBC)).toEqual([]);
    expect(
      diffDocument(
        { ips: ['2001:db8::1', '::ffff:10.0.0.1'] },
        { ips: ['::FFFF:A00:1', '2001:db8:0::1'] },
        SBC,
      ),
    ).toEqual([]);
  });

  it('normalises a scalar on an IP path, ordered or not', () => {
    const rules: DiffRules = { sets: [], ips: ['gateway', 'hops'] };
    expect(diffDocument({ gateway: '2001:db8::1' }, { gateway: '2001:DB8::0:1' }, rules)).toEqual([]);
    expect(diffDocument({ hops: ['::1', '::2'] }, { hops: ['0::1', '0::2'] }, rules)).toEqual([]);
    expect(diffDocument({ hops: ['::1', '::2'] }, { hops: ['::2', '::1'] }, rules)).toHaveLength(1);
  });

  it('compares text off IP paths', () => {
    expect(diffDocument({ name: '2001:db8::1' }, { name: '2001:DB8::1' }, SBC)).toHaveLength(1);
  });

  it('does not accept IPv4 with leading zeros as equal: it is not an address', () => {
    expect(diffDocument({ ips: ['10.0.0.1'] }, { ips: ['010.0.0.1'] }, SBC)).toEqual([
      { path: 'ips', segments: ['ips'], before: ['010.0.0.1'], after: ['10.0.0.1'] },
    ]);
    expect(diffDocument({ ips: ['10.0.0.1'] }, { ips: ['10.0.0.01'] }, SBC)).toHaveLength(1);
    // Invalid text still equals the same text: a document always equals itself.
    expect(diffDocument({ ips: ['010.0.0.1'] }, { ips: ['010.0.0.1'] }, SBC)).toEqual([]);
  });

  it('keeps IPv4 and IPv4-mapped IPv6 apart', () => {
    expect(diffDocument({ ips: ['10.0.0.1'] }, { ips: ['::ffff:10.0.0.1'] }, SBC)).toHaveLength(1);
  });
});

describe('ROUTING_DIFF_RULES', () => {
  it('names the address lists of each kind as sets of addresses, and nothing else', () => {
    expect(ROUTING_DIFF_RULES).toEqual({
      customer_clusters: {
        sets: ['ips.inbound.*', 'ips.outbound.*'],
        ips: ['ips.inbound.*', 'ips.outbound.*'],
      },
      carrier_sbcs: { sets: ['ips'], ips: ['ips'] },
      media_servers: { sets: ['top_ips'], ips: ['top_ips'] },
    });
    expect(Object.isFrozen(ROUTING_DIFF_RULES.carrier_sbcs.sets)).toBe(true);
  });

  it('finds no diff between each config document and itself with server fields added', () => {
    const kinds = ['customer_clusters', 'carrier_sbcs', 'media_servers'] as const;
    for (const kind of kinds) {
      const dir = join('config', kind);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
        const desired = parse(readFileSync(join(dir, file), 'utf8')) as Doc;
        const live = { ...clone(desired), id: file, _rev: '3-abc', pvt_modified: 1 };
        expect(diffDocument(desired, live, ROUTING_DIFF_RULES[kind])).toEqual([]);
        const created = diffDocument(desired, undefined, ROUTING_DIFF_RULES[kind]);
        expect(created.map((c) => c.path)).toEqual(Object.keys(desired).sort());
      }
    }
  });
});

describe('purity', () => {
  it('never mutates its inputs (deep-frozen) and reports copies, not aliases', () => {
    const desired = deepFreeze({
      name: 'CH2',
      location: { zone: 'central', state: 'IL' },
      carrier_sbc_priority: { sprint: ['a', 'b'] },
      top_ips: ['10.0.0.1', '10.0.0.2'],
      pvt_x: 1,
    });
    const live = deepFreeze({
      name: 'CH1',
      location: { zone: 'east' },
      carrier_sbc_priority: { sprint: ['b', 'a'] },
      top_ips: ['10.0.0.2'],
      extra: { deep: [1, 2] },
    });
    const rules = deepFreeze({ sets: ['top_ips'], ips: ['top_ips'] });
    const before = JSON.stringify([desired, live, rules]);
    const changes = diffDocument(desired, live, rules);
    expect(diffDocument(desired, undefined, rules)).toHaveLength(4);
    expect(JSON.stringify([desired, live, rules])).toBe(before);
    expect(changes.map((c) => c.path)).toEqual([
      'carrier_sbc_priority.sprint',
      'location.state',
      'location.zone',
      'name',
      'top_ips',
    ]);
    const top = changes.find((c) => c.path === 'top_ips');
    expect(top?.after).toEqual(desired.top_ips);
    expect(top?.after).not.toBe(desired.top_ips);
    expect(top?.before).not.toBe(live.top_ips);
    (top?.after as string[]).push('mutated');
    expect(desired.top_ips).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

const ipText = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.constantFrom('2001:db8::1', '2001:0DB8:0:0:0:0:0:1', '10.0.0.1', '010.0.0.1', '::ffff:10.0.0.1'),
);
const key = fc.oneof(
  fc.constantFrom(
    'ips',
    'top_ips',
    'inbound',
    'outbound',
    'east',
    'sprint',
    'name',
    'location',
    'zone',
    'carrier_sbc_priority',
    'id',
    '_rev',
    'pvt_x',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 5 }),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 5 }),
  ipText,
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const doc = fc.dictionary(key, value, { maxKeys: 6 });
const anyRules = fc.constantFrom<DiffRules>(CLUSTER, SBC, MEDIA, NONE, {
  sets: ['*', '*.*', '*.*.*'],
  ips: ['*', '*.*', '*.*.*'],
});

describe('properties', () => {
  it('(1) a document never differs from itself or its copy', () => {
    fc.assert(
      fc.property(doc, anyRules, (d, rules) => {
        expect(diffDocument(d, d, rules)).toEqual([]);
        expect(diffDocument(d, clone(d), rules)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('(2) extra live fields never cause a diff: diff(d, merge(live, d)) is empty', () => {
    fc.assert(
      fc.property(doc, doc, anyRules, (d, live, rules) => {
        expect(diffDocument(d, merge(live, d), rules, { emptyClears: false })).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('(2b) ...except under an empty mapping the config writes, which says to clear it', () => {
    fc.assert(
      fc.property(doc, doc, anyRules, (d, live, rules) => {
        for (const change of diffDocument(d, merge(live, d), rules)) {
          expect(change.after).toEqual({});
          expect(change.before).not.toEqual({});
        }
      }),
      { numRuns: 500 },
    );
    expect(diffDocument({ a: {} }, { a: { b: 1 } }, NONE)).toEqual([
      { path: 'a', segments: ['a'], before: { b: 1 }, after: {} },
    ]);
    expect(diffDocument({ a: {} }, { a: {} }, NONE)).toEqual([]);
  });

  it('(3a) permuting (and duplicating in) a set-path array live is no diff', () => {
    const case_ = fc
      .array(ipText, { minLength: 1, maxLength: 6 })
      .chain((ips) =>
        fc.tuple(
          fc.constant(ips),
          fc.shuffledSubarray(ips, { minLength: ips.length, maxLength: ips.length }),
          fc.subarray(ips),
          fc.boolean(),
        ),
      );
    fc.assert(
      fc.property(case_, ([ips, permuted, dupes, rewrite]) => {
        // Another text form of each IPv6 address is the same address.
        const live = [...permuted, ...dupes].map((ip) => {
          const canonical = normalizeIp(ip);
          return rewrite && canonical?.includes(':') ? longForm(canonical) : ip;
        });
        expect(diffDocument({ ips }, { ips: live }, SBC)).toEqual([]);
        expect(diffDocument({ top_ips: ips }, { top_ips: live }, MEDIA)).toEqual([]);
        const cluster = { ips: { inbound: { east: ips } } };
        expect(diffDocument(cluster, { ips: { inbound: { east: live } } }, CLUSTER)).toEqual([]);
      }),
    );
  });

  it('(3b) permuting an ordered array with two or more distinct elements is a diff', () => {
    const case_ = fc
      .uniqueArray(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 6 })
      .chain((ids) =>
        fc.tuple(
          fc.constant(ids),
          fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }),
        ),
      )
      // A shuffle may be the identity; rotating unique elements by one never is.
      .map(([ids, p]) => [ids, p.every((x, i) => x === ids[i]) ? [...p.slice(1), p[0]] : p] as const);
    fc.assert(
      fc.property(case_, ([ids, permuted]) => {
        const changes = diffDocument(
          { carrier_sbc_priority: { sprint: ids } },
          { carrier_sbc_priority: { sprint: permuted } },
          MEDIA,
        );
        expect(changes).toEqual([
          {
            path: 'carrier_sbc_priority.sprint',
            segments: ['carrier_sbc_priority', 'sprint'],
            before: permuted,
            after: ids,
          },
        ]);
      }),
    );
  });

  it('(4) applying the reported changes to live leaves no diff', () => {
    fc.assert(
      fc.property(doc, fc.option(doc, { nil: undefined }), anyRules, (d, live, rules) => {
        const changes = diffDocument(d, live, rules);
        for (const c of changes) expect(c.path).toBe(c.segments.join('.'));
        const applied = applyChanges(live ?? {}, changes);
        expect(diffDocument(d, applied, rules)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic and independent of key order', () => {
    fc.assert(
      fc.property(doc, doc, anyRules, (d, live, rules) => {
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        expect(diffDocument(reversed, live, rules)).toEqual(diffDocument(d, live, rules));
      }),
    );
  });
});
