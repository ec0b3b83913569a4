/**
 * Output that fits the terminal: the plan's long values wrap under the tree gutter, tables
 * shrink and wrap their widest columns, and colour never leaks across a wrapped line. Also the
 * process-facing decisions: the width (terminal, COLUMNS, else 80) and colour (FORCE_COLOR,
 * NO_COLOR, terminal).
 */
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { outputWidth, tableWidth, useColor } from '../../src/cli/color.js';
import { renderPlanText } from '../../src/render/plan-text.js';
import { renderTable, type Column } from '../../src/render/table.js';
import { wrapSpans, wrapText } from '../../src/render/wrap.js';
import { change, planOf as plan } from './plan-fixtures.js';

const SBC_ID = '5bc00000000000000000000000000001';

const LONG_NAME = 'Sprint East Session Border Controller serving the whole eastern region of the network';
const WIDE = plan(
  [
    change({
      key: 'sprint-east-with-a-long-key',
      id: SBC_ID,
      action: 'update',
      protected: true,
      notes: ['adopted by name (no state entry), because the state file had no entry for this key'],
      fields: [
        { path: 'name', before: 'Sprint East SBC', after: LONG_NAME },
        { path: 'location.city', before: 'New York', after: 'Newark' },
        {
          path: 'ips',
          before: ['203.0.113.10', '203.0.113.11'],
          after: ['203.0.113.10', '203.0.113.11', '203.0.113.12'],
        },
      ],
    }),
    change({
      kind: 'media_servers',
      key: 'ny2',
      action: 'create',
      fields: [{ path: 'name', before: undefined, after: LONG_NAME }],
    }),
  ],
  [{ kind: 'carrier_sbcs', id: '5bc00000000000000000000000000003', name: LONG_NAME }],
);

const visible = (text: string): string[] => stripVTControlCharacters(text).trimEnd().split('\n');

describe('wrapping', () => {
  it('breaks at the last space that fits, and inside a word longer than the width', () => {
    expect(wrapText('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('aaa bbb ccc', 8)).toEqual(['aaa bbb', 'ccc']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('short', 80)).toEqual(['short']);
  });

  it('colours each piece of a wrapped span on its own line', () => {
    const red = (t: string) => `<${t}>`;
    expect(wrapSpans([{ text: 'x: ' }, { text: 'one two three', paint: red }], 9)).toEqual([
      'x: <one>',
      '<two three>',
    ]);
    expect(wrapSpans([{ text: 'x: ' }, { text: 'one two three', paint: red }], undefined)).toEqual([
      'x: <one two three>',
    ]);
  });
});

describe('renderPlanText at a width', () => {
  for (const width of [80, 60]) {
    it(`fits every line in ${width} columns`, () => {
      const lines = visible(renderPlanText(WIDE, { color: false, width }));
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
      // Without a width the same plan has longer lines: the test would notice no wrapping.
      const unwrapped = visible(renderPlanText(WIDE, { color: false }));
      expect(Math.max(...unwrapped.map((l) => l.length))).toBeGreaterThan(width);
    });

    it(`wraps a long value under the tree gutter at ${width} columns`, () => {
      const lines = visible(renderPlanText(WIDE, { color: false, width }));
      const start = lines.findIndex((l) => l.startsWith(' ├─ name: "Sprint East SBC" → "Sprint East'));
      expect(start).toBeGreaterThan(0);
      // The rows after it, up to the next field, continue behind ` │     `.
      const next = lines.findIndex((l, i) => i > start && l.startsWith(' ├─ location.city'));
      const continued = lines.slice(start + 1, next);
      expect(continued.length).toBeGreaterThan(0);
      for (const l of continued) expect(l).toMatch(/^ │ {5}\S/);
      // Nothing lost: the words of the value are all there, in order.
      const row = [lines[start], ...continued.map((l) => l.slice(7))].join(' ');
      expect(row).toContain(`"Sprint East SBC" → "${LONG_NAME}"`);
      // The last field's continuation has no vertical bar: it is under └─.
      const created = lines.findIndex((l) => l.startsWith(' └─ name: "Sprint East Session'));
      expect(lines[created + 1]).toMatch(/^ {7}\S/);
    });

    it(`keeps colour inside each line at ${width} columns`, () => {
      const coloured = renderPlanText(WIDE, { color: true, width });
      expect(stripVTControlCharacters(coloured)).toBe(renderPlanText(WIDE, { color: false, width }));
      for (const line of coloured.split('\n')) {
        // picocolors opens with 1/2/3x and closes with 22/39: every line closes what it opens.
        const codes = line.split('\u001b[').slice(1);
        const opens = codes.filter((c) => /^(?:1|2|3[1-7])m/.test(c)).length;
        const closes = codes.filter((c) => /^(?:22|39)m/.test(c)).length;
        expect(closes, JSON.stringify(line)).toBe(opens);
      }
    });
  }

  it('shows a nested value that no longer fits its row as a line diff', () => {
    const at100 = renderPlanText(WIDE, { color: false });
    expect(at100).toContain(
      ' └─ ips: ["203.0.113.10", "203.0.113.11"] → ["203.0.113.10", "203.0.113.11", "203.0.113.12"]\n',
    );
    for (const width of [80, 60]) {
      expect(renderPlanText(WIDE, { color: false, width })).toContain(
        [
          ' └─ ips',
          '       @@ -1,4 +1,5 @@',
          '         [',
          '           "203.0.113.10",',
          '       -   "203.0.113.11"',
          '       +   "203.0.113.11",',
          '       +   "203.0.113.12"',
          '         ]',
        ].join('\n'),
      );
    }
  });
});

describe('renderTable at a width', () => {
  interface Row {
    id: string;
    name: string;
    owner: string;
  }
  const rows: Row[] = [
    { id: SBC_ID, name: LONG_NAME, owner: 'ops' },
    { id: '5bc00000000000000000000000000002', name: 'Short', owner: 'network operations' },
  ];
  const columns: Column<Row>[] = [
    { header: 'id', get: (r) => r.id },
    { header: 'name', get: (r) => r.name },
    { header: 'owner', get: (r) => r.owner },
  ];

  it('is unchanged without a width', () => {
    const text = renderTable(rows, columns);
    expect(text.split('\n')[1]).toBe(`${SBC_ID}  ${LONG_NAME}  ops`);
  });

  for (const width of [80, 60]) {
    it(`fits ${width} columns, wrapping the widest cells within their column`, () => {
      const lines = renderTable(rows, columns, { width }).trimEnd().split('\n');
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(width);
      expect(lines[0]).toMatch(/^ID {32}NAME +OWNER$/);
      // Each column starts where its header does, on every line of a wrapped row.
      const nameAt = lines[0]?.indexOf('NAME') ?? -1;
      expect(lines[1]?.startsWith(`${SBC_ID}  `)).toBe(true);
      expect(lines[1]?.slice(nameAt)).toMatch(/^Sprint East/);
      expect(lines[2]?.slice(0, nameAt).trim()).toBe('');
      // The name's words come back in order from the column's lines.
      const nameLines = lines
        .slice(1)
        .filter((l, i) => i === 0 || !l.startsWith('5bc'))
        .map((l) => l.slice(nameAt, lines[0]?.indexOf('OWNER')).trim())
        .filter((l) => l !== '' && l !== 'Short');
      expect(nameLines.join(' ')).toBe(LONG_NAME);
    });
  }

  it('never cuts an id or a word, and overflows rather than that', () => {
    const lines = renderTable(rows, columns, { width: 20 }).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {32}NAME {8}OWNER$/);
    expect(lines[1]).toBe(`${SBC_ID}  Sprint      ops`);
    // "Controller" is the name's longest word: the column is as wide as it, no narrower.
    expect(lines.map((l) => l.slice(34, 44).trim())).toContain('Controller');
    for (const line of lines.slice(1)) expect(line.slice(34, 46)).not.toMatch(/^\S{11}/);
  });
});

describe('outputWidth', () => {
  it("is a terminal's width, else COLUMNS, else 80, and never under 40", () => {
    expect(outputWidth({ isTTY: true, columns: 132 }, { COLUMNS: '100' })).toBe(132);
    expect(outputWidth({ isTTY: undefined as unknown as boolean, columns: 0 }, { COLUMNS: '100' })).toBe(100);
    expect(outputWidth({ isTTY: undefined as unknown as boolean, columns: 0 }, {})).toBe(80);
    expect(outputWidth({ isTTY: undefined as unknown as boolean, columns: 0 }, { COLUMNS: 'wide' })).toBe(80);
    expect(outputWidth({ isTTY: true, columns: 20 }, {})).toBe(40);
  });

  it('leaves a piped table unwrapped (one row per line) unless COLUMNS is set', () => {
    const pipe = { isTTY: undefined as unknown as boolean, columns: 0 };
    expect(tableWidth(pipe, {})).toBeUndefined();
    expect(tableWidth(pipe, { COLUMNS: '100' })).toBe(100);
    expect(tableWidth({ isTTY: true, columns: 90 }, {})).toBe(90);
  });
});

describe('useColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: undefined as unknown as boolean };
  it('colours a terminal unless NO_COLOR, and never a pipe, when FORCE_COLOR is unset or empty', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(pipe, { CI: 'true' })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(false);
  });

  it('follows FORCE_COLOR when set: 1, 2, 3 and true on (over NO_COLOR), 0 and false off', () => {
    for (const on of ['1', '2', '3', 'true']) {
      expect(useColor(pipe, { FORCE_COLOR: on })).toBe(true);
      expect(useColor(pipe, { FORCE_COLOR: on, NO_COLOR: '1' })).toBe(true);
    }
    for (const off of ['0', 'false']) {
      expect(useColor(tty, { FORCE_COLOR: off })).toBe(false);
    }
  });
});
