import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secretFingerprint } from '../../src/core/plan/build-plan.js';
import {
  fingerprintMatches,
  isFingerprintPrefix,
  planFingerprint,
  shortFingerprint,
} from '../../src/core/plan/fingerprint.js';
import type { Plan, PlannedChange, TargetState } from '../../src/core/plan/types.js';
import { readState, stateProblem, writeState } from '../../src/reconcile/state-file.js';
import { change, planOf } from './plan-fixtures.js';

const plan = (changes: PlannedChange[], target = 'sandbox'): Plan => planOf(changes, [], target);

const CHANGES: PlannedChange[] = [
  change({
    kind: 'clusters',
    key: 'c1',
    id: 'c1',
    action: 'replace',
    notes: ['cluster documents cannot be read back'],
    fields: [
      { path: 'api_key', before: '(sensitive)', after: '(sensitive, changed)', sensitive: true },
      { path: 'mvno_id', before: undefined, after: 'm1' },
    ],
  }),
  change({
    kind: 'media_servers',
    key: 'ny2',
    id: 'ed1a0000000000000000000000000001',
    action: 'update',
    liveFingerprint: 'a'.repeat(64),
    fields: [
      { path: 'location.zone', before: 'west', after: 'east' },
      { path: 'carrier_sbc_priority.sprint', before: ['a', 'b'], after: ['b', 'a'] },
      { path: 'interfaces', before: { x: 1, y: { z: [1, 2] } }, after: { y: { z: [1, 2] }, x: 2 } },
    ],
  }),
  change({
    key: 'sprint-north',
    action: 'create',
    fields: [{ path: 'name', before: undefined, after: 'N' }],
  }),
  change({ key: 'old', id: '5bc00000000000000000000000000001', action: 'delete' }),
  change({ key: 'same', id: '5bc00000000000000000000000000009', action: 'noop' }),
];

const BASE = planFingerprint(plan(CHANGES));

/** A deep copy of CHANGES with one change edited. */
function edited(index: number, edit: (c: PlannedChange) => void): Plan {
  const copy = structuredClone(CHANGES);
  edit(copy[index] as PlannedChange);
  return plan(copy);
}

describe('planFingerprint', () => {
  it('is 64 lowercase hex, and the same for the same plan', () => {
    expect(BASE).toMatch(/^[0-9a-f]{64}$/);
    expect(planFingerprint(plan(structuredClone(CHANGES)))).toBe(BASE);
    expect(shortFingerprint(BASE)).toBe(BASE.slice(0, 12));
  });

  it('does not depend on the order of changes, of fields, or of mapping keys', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: CHANGES.length, maxLength: CHANGES.length }), (keys) => {
        // Shuffle the changes and each change's fields by the random keys.
        const order = CHANGES.map((c, i) => ({ c, k: keys[i] ?? 0 })).sort((a, b) => a.k - b.k);
        const shuffled = order.map(({ c, k }) => ({
          ...structuredClone(c),
          fields: k % 2 === 0 ? structuredClone(c.fields) : structuredClone(c.fields).reverse(),
        }));
        expect(planFingerprint(plan(shuffled))).toBe(BASE);
      }),
    );
  });

  it('ignores live fingerprints, notes, the protected flag, unmanaged resources and noops', () => {
    expect(planFingerprint(edited(1, (c) => (c.liveFingerprint = 'b'.repeat(64))))).toBe(BASE);
    expect(planFingerprint(edited(1, (c) => delete c.liveFingerprint))).toBe(BASE);
    expect(planFingerprint(edited(0, (c) => (c.notes = ['another note'])))).toBe(BASE);
    expect(planFingerprint(edited(0, (c) => (c.protected = true)))).toBe(BASE);
    expect(planFingerprint(edited(4, (c) => (c.id = '5bc0000000000000000000000000000a')))).toBe(BASE);
    expect(planFingerprint(plan(CHANGES.filter((c) => c.action !== 'noop')))).toBe(BASE);
    const withUnmanaged = plan(CHANGES);
    withUnmanaged.unmanaged.push({ kind: 'carrier_sbcs', id: 'f'.repeat(32), name: 'Other' });
    expect(planFingerprint(withUnmanaged)).toBe(BASE);
  });

  it('changes when the target or any change, id, action or field changes', () => {
    const variants: [string, Plan][] = [
      ['target', plan(CHANGES, 'production')],
      ['kind', edited(2, (c) => (c.kind = 'media_servers'))],
      ['key', edited(2, (c) => (c.key = 'sprint-south'))],
      ['id', edited(1, (c) => (c.id = 'ed1a0000000000000000000000000002'))],
      ['id appears', edited(2, (c) => (c.id = '5bc00000000000000000000000000007'))],
      ['action', edited(0, (c) => (c.action = 'create'))],
      ['noop becomes an update', edited(4, (c) => (c.action = 'update'))],
      ['a change is dropped', plan(CHANGES.slice(1))],
      ['field path', edited(1, (c) => ((c.fields[0] as { path: string }).path = 'location.city'))],
      ['field after', edited(1, (c) => ((c.fields[0] as { after: unknown }).after = 'central'))],
      ['field before', edited(1, (c) => ((c.fields[0] as { before: unknown }).before = undefined))],
      ['list order', edited(1, (c) => ((c.fields[1] as { after: unknown }).after = ['a', 'b']))],
      ['nested value', edited(1, (c) => ((c.fields[2] as { after: unknown }).after = { x: 2, y: {} }))],
      [
        'a field is added',
        edited(3, (c) => c.fields.push({ path: 'name', before: 'Old', after: undefined })),
      ],
      [
        'a secret stops changing',
        edited(0, (c) => ((c.fields[0] as { after: unknown }).after = '(sensitive)')),
      ],
    ];
    const seen = new Set([BASE]);
    for (const [what, p] of variants) {
      const fp = planFingerprint(p);
      expect(seen.has(fp), what).toBe(false);
      seen.add(fp);
    }
  });

  it('counts a sensitive field by whether it changes, never by the markers in its values', () => {
    const a = edited(0, (c) => {
      c.fields[0] = { path: 'api_key', before: 'hmac-one', after: 'hmac-two', sensitive: true };
    });
    const b = edited(0, (c) => {
      c.fields[0] = { path: 'api_key', before: undefined, after: '(sensitive)', sensitive: true };
    });
    // Both change: the values themselves must not reach the hash.
    expect(planFingerprint(a)).toBe(BASE);
    expect(planFingerprint(b)).toBe(BASE);
  });

  it('an empty plan has a fingerprint of its target alone', () => {
    expect(planFingerprint(plan([]))).toBe(planFingerprint(plan([CHANGES[4] as PlannedChange])));
    expect(planFingerprint(plan([]))).not.toBe(planFingerprint(plan([], 'production')));
  });
});

describe('fingerprint prefixes', () => {
  it('accepts 12 to 64 hex digits in any case, and nothing else', () => {
    expect(isFingerprintPrefix(BASE)).toBe(true);
    expect(isFingerprintPrefix(BASE.slice(0, 12))).toBe(true);
    expect(isFingerprintPrefix(BASE.slice(0, 12).toUpperCase())).toBe(true);
    expect(isFingerprintPrefix(BASE.slice(0, 11))).toBe(false);
    expect(isFingerprintPrefix(`${BASE}0`)).toBe(false);
    expect(isFingerprintPrefix('g'.repeat(12))).toBe(false);
    expect(isFingerprintPrefix(` ${BASE.slice(0, 12)}`)).toBe(false);
  });

  it('matches the full fingerprint or a prefix of it, case-insensitively', () => {
    expect(fingerprintMatches(BASE, BASE)).toBe(true);
    expect(fingerprintMatches(BASE, BASE.slice(0, 12))).toBe(true);
    expect(fingerprintMatches(BASE, BASE.slice(0, 20).toUpperCase())).toBe(true);
    const other = planFingerprint(plan(CHANGES, 'production'));
    expect(fingerprintMatches(BASE, other)).toBe(false);
    expect(fingerprintMatches(BASE, other.slice(0, 12))).toBe(false);
    // Too short to name a fingerprint, even though it is a prefix.
    expect(fingerprintMatches(BASE, BASE.slice(0, 8))).toBe(false);
  });
});

describe('state file: secret fingerprints', () => {
  const base = (secret: unknown) => ({
    version: 1,
    target: 'sandbox',
    hmac_key: 'a'.repeat(64),
    resources: { 'clusters/c1': { id: 'c1', fingerprint: 'b'.repeat(64), secrets: { api_key: secret } } },
  });

  it('accepts the scrypt form apply writes now, and the HMAC form older states hold', () => {
    expect(secretFingerprint('a'.repeat(64), 'k3y-value')).toMatch(/^scrypt\$/);
    expect(stateProblem(base(secretFingerprint('a'.repeat(64), 'k3y-value')), 'sandbox')).toBeUndefined();
    expect(stateProblem(base(`scrypt$N=1024,r=1,p=1$${'c'.repeat(64)}`), 'sandbox')).toBeUndefined();
    expect(stateProblem(base('c'.repeat(64)), 'sandbox')).toBeUndefined();
  });

  it('refuses a fingerprint it cannot read or whose scrypt cost is out of bounds', () => {
    for (const bad of [
      'xyz',
      `scrypt$N=3,r=8,p=1$${'c'.repeat(64)}`,
      `scrypt$N=67108864,r=8,p=1$${'c'.repeat(64)}`,
    ]) {
      expect(stateProblem(base(bad), 'sandbox'), bad).toMatch(/^resources\.clusters\/c1\.secrets\.api_key /);
    }
  });

  it('writes and reads back the scrypt form unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kzops-state-'));
    try {
      const path = join(dir, 'sandbox.json');
      const state = base(secretFingerprint('a'.repeat(64), 'k3y-value')) as TargetState;
      await writeState(path, state);
      expect(await readState(path, 'sandbox')).toEqual(state);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
