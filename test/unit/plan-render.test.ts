import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  compactValue,
  diffLines,
  hunks,
  planSummaryLine,
  renderPlanText,
} from '../../src/render/plan-text.js';
import { change, planOf as plan } from './plan-fixtures.js';

const SBC_ID = '5bc00000000000000000000000000001';
const MS_ID = 'ed1a0000000000000000000000000001';

const EVERY_ACTION = plan(
  [
    change({
      kind: 'clusters',
      key: 'c1',
      id: 'c1',
      action: 'replace',
      protected: true,
      notes: ['cluster documents cannot be read back', 'protected: apply will refuse'],
      fields: [
        { path: 'api_key', before: '(sensitive)', after: '(sensitive, changed)', sensitive: true },
        { path: 'mvno_id', before: undefined, after: 'm1' },
      ],
    }),
    change({
      kind: 'media_servers',
      key: 'ny2',
      id: MS_ID,
      action: 'update',
      notes: ['adopted by name (no state entry)'],
      fields: [
        { path: 'location.zone', before: 'west', after: 'east' },
        { path: 'top_ips', before: ['10.0.0.1'], after: ['10.0.0.1', '10.0.0.2'] },
      ],
    }),
    change({
      key: 'sprint-east',
      action: 'create',
      fields: [
        { path: 'ips', before: undefined, after: ['203.0.113.10'] },
        { path: 'name', before: undefined, after: 'Sprint East SBC' },
      ],
    }),
    change({ key: 'old', id: SBC_ID, action: 'delete' }),
    change({ key: 'same', id: '5bc00000000000000000000000000009', action: 'noop' }),
  ],
  [{ kind: 'carrier_sbcs', id: '5bc00000000000000000000000000003', name: 'Sprint Central SBC' }],
);

describe('renderPlanText', () => {
  const out = renderPlanText(EVERY_ACTION, { color: false });

  it('marks each action and lists the changed resources in plan order', () => {
    expect(out.split('\n')[0]).toBe('Plan for target lab');
    const heads = out.split('\n').filter((l) => /^\[.\]/.test(l));
    expect(heads).toEqual([
      '[±] clusters/c1 (replace, protected)',
      `[~] media_servers/ny2 (update, id ${MS_ID})`,
      '[+] carrier_sbcs/sprint-east (create)',
      `[-] carrier_sbcs/old (delete, id ${SBC_ID})`,
    ]);
  });

  it('draws field rows with ├─ and the last with └─, and notes above them', () => {
    expect(out).toContain(
      [
        `[~] media_servers/ny2 (update, id ${MS_ID})`,
        ' │  note: adopted by name (no state entry)',
        ' ├─ location.zone: "west" → "east"',
        ' └─ top_ips: ["10.0.0.1"] → ["10.0.0.1", "10.0.0.2"]',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        '[+] carrier_sbcs/sprint-east (create)',
        ' ├─ ips: ["203.0.113.10"]',
        ' └─ name: "Sprint East SBC"',
      ].join('\n'),
    );
    expect(out).toContain(' │  note: protected: apply will refuse\n');
  });

  it('shows whether a sensitive field changes, never its value', () => {
    expect(out).toContain(' ├─ api_key: (sensitive, changes)\n');
    const secret = plan([
      change({
        kind: 'clusters',
        key: 'c1',
        id: 'c1',
        action: 'replace',
        fields: [{ path: 'api_key', before: 'hunter2-old', after: 'hunter2-new', sensitive: true }],
      }),
      change({
        kind: 'clusters',
        key: 'c2',
        id: 'c2',
        action: 'replace',
        fields: [{ path: 'api_key', before: 'hunter2', after: 'hunter2', sensitive: true }],
      }),
    ]);
    const text = renderPlanText(secret, { color: false });
    expect(text).not.toContain('hunter2');
    expect(text).toContain('└─ api_key: (sensitive, changes)');
    expect(text).toContain('└─ api_key: (sensitive, unchanged)');
  });

  it('lists unmanaged resources in their own section, and only counts unchanged ones', () => {
    expect(out).toContain(
      '1 live resource not managed by kzops: never deleted\n  · carrier_sbcs/5bc00000000000000000000000000003  "Sprint Central SBC"',
    );
    expect(out).not.toContain('carrier_sbcs/same');
    expect(out).toContain('1 resource unchanged.\n');
  });

  it('ends with the summary line', () => {
    expect(out.endsWith('Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.\n')).toBe(true);
    const none = plan([change({ action: 'noop', id: SBC_ID })]);
    expect(
      renderPlanText(none, { color: false }).endsWith('No changes. The live state matches the config.\n'),
    ).toBe(true);
    expect(planSummaryLine(plan([]))).toBe('No changes. The live state matches the config.');
  });

  it('shows a long nested value as a line diff with 3 lines of context', () => {
    const before = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10 };
    const after = { ...before, e: 50 };
    const text = renderPlanText(
      plan([change({ action: 'update', id: SBC_ID, fields: [{ path: 'rules', before, after }] })]),
      { color: false, width: 40 },
    );
    expect(text).toContain(
      [
        ' └─ rules',
        '       @@ -3,7 +3,7 @@',
        '           "b": 2,',
        '           "c": 3,',
        '           "d": 4,',
        '       -   "e": 5,',
        '       +   "e": 50,',
        '           "f": 6,',
        '           "g": 7,',
        '           "h": 8,',
      ].join('\n'),
    );
    // Lines beyond the context are left out.
    expect(text).not.toContain('"a": 1');
    expect(text).not.toContain('"j": 10');
  });

  it('colours only when asked', () => {
    expect(out).not.toContain('\u001b[');
    const coloured = renderPlanText(EVERY_ACTION, { color: true });
    expect(coloured).toContain('\u001b[32m[+]');
    expect(coloured).toContain('\u001b[33m[~]');
    expect(coloured).toContain('\u001b[31m[-]');
    // Without the escapes, the text is the same.
    expect(stripVTControlCharacters(coloured)).toBe(out);
  });

  it('names the target by the label when given', () => {
    expect(renderPlanText(plan([]), { color: false, label: 'lab (http://127.0.0.1:1)' })).toMatch(
      /^Plan for target lab \(http:\/\/127\.0\.0\.1:1\)\n/,
    );
  });
});

describe('the line diff', () => {
  it('keeps common lines and marks removals and additions', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'x' },
      { op: ' ', text: 'c' },
    ]);
    expect(diffLines([], ['a'])).toEqual([{ op: '+', text: 'a' }]);
    expect(diffLines(['a'], [])).toEqual([{ op: '-', text: 'a' }]);
  });

  it('splits distant changes into separate hunks and merges close ones', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const far = a.map((l, i) => (i === 2 || i === 17 ? `${l}!` : l));
    expect(hunks(diffLines(a, far)).filter((l) => l.startsWith('@@'))).toEqual([
      '@@ -1,6 +1,6 @@',
      '@@ -15,6 +15,6 @@',
    ]);
    const near = a.map((l, i) => (i === 5 || i === 9 ? `${l}!` : l));
    expect(hunks(diffLines(a, near)).filter((l) => l.startsWith('@@'))).toEqual(['@@ -3,11 +3,11 @@']);
    expect(hunks(diffLines(a, a))).toEqual([]);
  });

  it('shows an added value from nothing as an all-plus hunk', () => {
    expect(hunks(diffLines([], ['{', '}']))).toEqual(['@@ -0,0 +1,2 @@', '+ {', '+ }']);
  });
});

describe('compactValue', () => {
  it('writes one-line JSON with spaces, and (absent) for undefined', () => {
    expect(compactValue({ a: [1, 'x'], b: null })).toBe('{"a": [1, "x"], "b": null}');
    expect(compactValue(undefined)).toBe('(absent)');
    expect(compactValue('east')).toBe('"east"');
  });
});
